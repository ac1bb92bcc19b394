"""Secret URL tokens: made at random, shown once, and stored only as a keyed digest."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import current_app


def new_url_token() -> str:
    """A fresh secret for a URL (calendar feed, shared report)."""
    return secrets.token_urlsafe(32)


def keyed_digest(token: str) -> str:
    """What the database keeps of a URL token."""
    # Keyed, so a leaked database does not reveal which digest belongs to which URL.
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, token.encode(), hashlib.sha256).hexdigest()
