"""Uploaded lists kept on disk between preview and commit, under instance/imports/<token>.csv.

Files are not stored in the database. Each is removed after its import commits; any left
behind (a preview never confirmed) is removed at the next upload once a day old.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path
from typing import BinaryIO

from flask import current_app

from crm import clock
from crm.errors import NotFound

MAX_AGE_SECONDS = 24 * 3600
TOKEN = re.compile(r"^[A-Za-z0-9_-]{22}$")
CHUNK = 1024 * 1024


def _folder() -> Path:
    folder = Path(current_app.instance_path) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def save_upload(stream: BinaryIO) -> tuple[str, Path]:
    """Copy the upload to disk in chunks; returns (token, path)."""
    remove_stale_uploads()
    token = secrets.token_urlsafe(16)
    path = _folder() / f"{token}.csv"
    with open(path, "wb") as target:
        while chunk := stream.read(CHUNK):
            target.write(chunk)
    return token, path


def upload_path(token: str) -> Path:
    """The stored upload for a token, or NotFound (expired, imported or never made)."""
    path = _folder() / f"{token}.csv"
    if not TOKEN.match(token or "") or not path.is_file():
        raise NotFound("This upload is gone: it was imported already or is over a day old. "
                       "Upload the file again.")
    return path


def discard_upload(token: str) -> None:
    """Remove a stored upload if it is still there."""
    if TOKEN.match(token or ""):
        (_folder() / f"{token}.csv").unlink(missing_ok=True)


def remove_stale_uploads() -> int:
    """Delete uploads older than a day; returns how many went."""
    cutoff = clock.now().timestamp() - MAX_AGE_SECONDS
    removed = 0
    for path in _folder().glob("*.csv"):
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
