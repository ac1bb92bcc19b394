"""Real PostgreSQL and Redis servers for the test session, started from Debian's packages.

Locally a missing server skips the tests that need it; in CI (CI=true) it fails them,
because a green run that never touched PostgreSQL would be a lie.
"""

from __future__ import annotations

import glob
import hashlib
import os
import shutil
import signal
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


@dataclass
class MailUser:
    """A throwaway IMAP account on the test Dovecot and where its Maildir lives."""

    name: str
    password: str
    maildir: Path


@dataclass
class Dovecot:
    """A Dovecot IMAP server on loopback: `port` plain (STARTTLS offered), `tls_port` TLS.

    Its certificate (`cert`, self-signed for 127.0.0.1 and localhost) is trusted only by whoever
    is given it. The passwd-file lists ACCOUNTS users from the start: Dovecot does not always
    re-read it when it changes within the same second, so accounts are handed out, not added.
    """

    root: Path
    port: int
    tls_port: int
    cert: Path
    config: Path
    uid: int
    gid: int
    process: subprocess.Popen | None = None
    users: int = 0
    written: int = 0  # messages written into Maildirs, for unique file names

    def start(self) -> Dovecot:
        self.process = subprocess.Popen(
            [shutil.which("dovecot") or "dovecot", "-c", str(self.config), "-F"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        _wait_for_port(self.port, self.process, "dovecot", 10)
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def crash(self) -> None:
        """Kill the server and every session it serves at once (SIGKILL to its group)."""
        if self.process is not None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
            self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def add_user(self) -> MailUser:
        """The next unused account, with an empty INBOX and Sent folder."""
        self.users += 1
        if self.users > DOVECOT_ACCOUNTS:
            raise RuntimeError(f"the test Dovecot has only {DOVECOT_ACCOUNTS} accounts")
        name, password = f"user{self.users}", _account_password(self.users)
        home = self.root / "home" / name
        for folder in ("", ".Sent"):
            for sub in ("cur", "new", "tmp"):
                (home / "Maildir" / folder / sub).mkdir(parents=True, exist_ok=True)
        (home / "Maildir" / ".Sent" / "maildirfolder").touch()
        self._own(home)
        return MailUser(name, password, home / "Maildir")

    def write_messages(self, user: MailUser, folder: str,
                       messages: list[tuple[bytes, float]]) -> None:
        """Put (raw, unix time) messages straight into a Maildir folder ("" INBOX, ".Sent").

        Much faster than APPEND for thousands; the file's mtime is the INTERNALDATE.
        """
        target = user.maildir / folder / "cur"
        stamp = int(time.time())
        for raw, when in messages:
            self.written += 1
            path = target / f"{stamp}.M{self.written}P{os.getpid()}.rapport:2,S"
            path.write_bytes(raw)
            os.utime(path, (when, when))
            if os.geteuid() == 0:
                os.chown(path, self.uid, self.gid)

    def _own(self, path: Path) -> None:
        if os.geteuid() != 0:
            return
        for folder, _dirs, files in os.walk(path):
            os.chown(folder, self.uid, self.gid)
            for name in files:
                os.chown(Path(folder) / name, self.uid, self.gid)


def _self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    from datetime import UTC, datetime, timedelta
    from ipaddress import IPv4Address

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=7))
            .add_extension(x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(IPv4Address("127.0.0.1"))]),
                critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_path.chmod(0o600)
    return cert_path, key_path


DOVECOT_ACCOUNTS = 500


def _account_password(number: int) -> str:
    digest = hashlib.sha256(f"rapport test account {number}".encode()).hexdigest()
    return f"pw{number}-{digest[:12]}"


DOVECOT_CONFIG = """\
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
disable_plaintext_auth = no
auth_failure_delay = 0
auth_mechanisms = plain login
default_internal_user = {login_user}
default_login_user = {login_user}
first_valid_uid = 1
mail_location = maildir:~/Maildir
mail_fsync = never
mailbox_idle_check_interval = 1 secs
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Sent {{
    special_use = \\Sent
    auto = subscribe
  }}
}}
protocol imap {{
  mail_max_userip_connections = 100
}}
# No auth penalty: tests that try a wrong password must not slow every later login down.
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
    ssl = yes
  }}
}}
"""


def start_dovecot() -> Dovecot:
    """Debian's Dovecot with its own config, passwd-file and Maildirs under a temp folder.

    As root the mail processes run as `nobody` (Dovecot refuses uid 0) and the login processes
    as `dovenull`; otherwise everything runs as the current user.
    """
    if shutil.which("dovecot") is None and not Path("/usr/sbin/dovecot").exists():
        unavailable("dovecot is not installed (apt-get install dovecot-imapd)")
    import pwd

    # In memory where possible: thousands of small Maildir files are slow on a virtual disk.
    shm = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
    root = Path(tempfile.mkdtemp(prefix="rapport-dovecot-", dir=shm))
    root.chmod(0o755)
    if os.geteuid() == 0:
        mail = pwd.getpwnam("nobody")
        login_user = "dovenull" if _user_exists("dovenull") else "nobody"
    else:
        mail = pwd.getpwuid(os.getuid())
        login_user = mail.pw_name
    for sub in ("run", "state", "home"):
        (root / sub).mkdir()
    (root / "passwd").write_text("".join(
        f"user{n}:{{PLAIN}}{_account_password(n)}::::::\n" for n in range(1, DOVECOT_ACCOUNTS + 1)))
    cert, key = _self_signed_certificate(root)
    config = root / "dovecot.conf"
    server = Dovecot(root, free_port(), free_port(), cert, config, mail.pw_uid, mail.pw_gid)
    config.write_text(DOVECOT_CONFIG.format(
        root=root, cert=cert, key=key, login_user=login_user, uid=mail.pw_uid, gid=mail.pw_gid,
        port=server.port, tls_port=server.tls_port))
    server._own(root / "home")
    if shutil.which("dovecot") is None:
        os.environ["PATH"] = os.environ.get("PATH", "") + ":/usr/sbin"
    return server.start()


def _user_exists(name: str) -> bool:
    import pwd

    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True
