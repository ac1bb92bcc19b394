"""A scheduler process for the cap test: `python -m tests.campaigns.tick_process URL NOW DIR`.

It builds its own app, says it is ready, waits for the go signal (a file), then queues due
campaign steps in small batches until none is left, as a second `rapport scheduler` would.
"""

from __future__ import annotations

import sys
import time
from datetime import datetime
from pathlib import Path

from crm import create_app
from crm.clock import FixedClock
from crm.extensions import db
from outreach.scheduler import queue_batches

BATCH = 2


def main(url: str, now: str, folder: str) -> None:
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "test-secret-key",
                      "INSTANCE_PATH": Path(folder) / "instance", "TICK_PROCESSES": 1,
                      "FOLLOWUP_SCAN_MINUTES": 0})
    app.extensions["rapport.clock"] = FixedClock(datetime.fromisoformat(now))
    with app.app_context():
        db.session.execute(db.select(1))  # connected before the race starts
        db.session.commit()
        (Path(folder) / f"ready-{time.monotonic_ns()}").touch()
        deadline = time.monotonic() + 60
        while not (Path(folder) / "go").exists():
            if time.monotonic() > deadline:
                raise SystemExit("no go signal")
            time.sleep(0.01)
        queued = queue_batches(datetime.fromisoformat(now), lambda ids: None, batch=BATCH)
        print(queued)
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    main(*sys.argv[1:])
