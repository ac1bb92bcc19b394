"""SQLite connection settings for the embedded mode, where web and worker threads share a file."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import Engine


def configure(engine: Engine) -> None:
    """WAL lets readers run beside the one writer; busy_timeout waits instead of failing."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
