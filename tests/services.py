"""Real PostgreSQL and Redis servers for the test session, started from Debian's packages.

Locally a missing server skips the tests that need it; in CI (CI=true) it fails them,
because a green run that never touched PostgreSQL would be a lie.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"


def unavailable(reason: str) -> None:
    """Fail in CI, skip elsewhere."""
    if IN_CI:
        pytest.fail(f"required test service unavailable in CI: {reason}", pytrace=False)
    pytest.skip(reason)


def _wait_for_port(port: int, process: subprocess.Popen, name: str, seconds: float) -> None:
    """Return once the server listens on the loopback port; kill it and give up otherwise."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    process.kill()
    unavailable(f"{name} did not start within {seconds:g} s")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_postgres(args: list[str]) -> list[str]:
    # initdb and postgres refuse to run as root.
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@dataclass
class Postgres:
    url: str
    data_dir: Path
    pg_ctl: str

    def stop(self) -> None:
        subprocess.run(
            _as_postgres([self.pg_ctl, "-D", str(self.data_dir), "-m", "immediate", "stop"]),
            capture_output=True, check=False,
        )
        shutil.rmtree(self.data_dir.parent, ignore_errors=True)


def start_postgres() -> Postgres:
    """initdb into a temporary folder and start a server on a free loopback port."""
    bins = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
    if not bins:
        unavailable("PostgreSQL is not installed (apt-get install postgresql)")
    pg_bin = bins[-1]
    root = Path(tempfile.mkdtemp(prefix="rapport-pg-"))
    root.chmod(0o755)
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    data = root / "data"
    subprocess.run(
        _as_postgres([f"{pg_bin}/initdb", "-D", str(data), "-U", "postgres", "-A", "trust",
                      "-E", "UTF8", "--locale=C.UTF-8"]),
        check=True, capture_output=True,
    )
    # Parallel test workers (and other suites on the machine) pick free ports at the same
    # time: pick one just before starting, and pick again if it was taken meanwhile.
    for _attempt in range(3):
        port = free_port()
        options = (f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off")
        started = subprocess.run(
            _as_postgres([f"{pg_bin}/pg_ctl", "-D", str(data), "-l", str(root / "log"), "-w",
                          "-o", options, "start"]),
            capture_output=True,
        )
        if started.returncode == 0:
            return Postgres(f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres", data,
                            f"{pg_bin}/pg_ctl")
    unavailable(f"PostgreSQL did not start: {started.stdout.decode(errors='replace')[-500:]}")


@dataclass
class Redis:
    url: str
    process: subprocess.Popen
    directory: Path

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        shutil.rmtree(self.directory, ignore_errors=True)


def start_redis() -> Redis:
    """A throwaway redis-server on a free loopback port."""
    binary = shutil.which("redis-server")
    if binary is None:
        unavailable("redis-server is not installed (apt-get install redis-server)")
    directory = Path(tempfile.mkdtemp(prefix="rapport-redis-"))
    port = free_port()
    process = subprocess.Popen(
        [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "",
         "--appendonly", "no", "--dir", str(directory)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    _wait_for_port(port, process, "redis-server", 10)
    return Redis(f"redis://127.0.0.1:{port}/0", process, directory)


@dataclass
class Radicale:
    url: str
    process: subprocess.Popen
    directory: Path

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        shutil.rmtree(self.directory, ignore_errors=True)


def start_radicale() -> Radicale:
    """A throwaway Radicale CalDAV server (any user name, no password) on a loopback port."""
    import importlib.util
    import sys

    if importlib.util.find_spec("radicale") is None:
        unavailable("radicale is not installed (pip install -e '.[test]')")
    directory = Path(tempfile.mkdtemp(prefix="rapport-radicale-"))
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "radicale", "--server-hosts", f"127.0.0.1:{port}",
         "--auth-type", "none", "--rights-type", "authenticated",
         "--storage-filesystem-folder", str(directory / "collections")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    _wait_for_port(port, process, "radicale", 20)
    return Radicale(f"http://127.0.0.1:{port}", process, directory)
