"""Named leases in the database: one holder at a time, and a crashed holder's lease expires.

Portable across SQLite and PostgreSQL (a row and a conditional UPDATE, no advisory locks),
so two schedulers or two scans never run the same work at once.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta

from sqlalchemy import update

from crm.extensions import db
from crm.models import Lease

HOLDER = f"{socket.gethostname()}:{os.getpid()}"


def take_lease(name: str, now: datetime, seconds: int, holder: str = HOLDER) -> bool:
    """Hold `name` until now + seconds, if it is free, expired or already ours."""
    if db.session.get(Lease, name) is None:
        db.session.add(Lease(name=name, holder="", expires_at=now))
        try:
            db.session.commit()
        except Exception:  # another process created it first; the UPDATE below decides
            db.session.rollback()
    taken = db.session.execute(
        update(Lease)
        .where(Lease.name == name, (Lease.expires_at <= now) | (Lease.holder == holder))
        .values(holder=holder, expires_at=now + timedelta(seconds=seconds))
    ).rowcount == 1
    db.session.commit()
    return taken


def release_lease(name: str, now: datetime, holder: str = HOLDER) -> None:
    """Give the lease up early (only if we hold it)."""
    db.session.execute(update(Lease).where(Lease.name == name, Lease.holder == holder)
                       .values(expires_at=now))
    db.session.commit()
