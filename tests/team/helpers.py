"""Reading what Rapport emailed: the outbox rows that embedded mode captures."""

from __future__ import annotations

import re

import pytest
from flask import g, request_started
from sqlalchemy import select

from crm.extensions import db
from crm.models import OutboundEmail


def emails_to(address: str) -> list[OutboundEmail]:
    """Every email queued to the address, oldest first."""
    return list(db.session.scalars(select(OutboundEmail).where(
        OutboundEmail.to_address == address).order_by(OutboundEmail.id)))


def emailed_path(address: str, prefix: str) -> str:
    """The path of the link (under `prefix`, e.g. "/join/") in the last email to the address."""
    body = emails_to(address)[-1].text_body
    match = re.search(rf"https?://[^/\s]+({re.escape(prefix)}[A-Za-z0-9_-]+)", body)
    assert match, f"no {prefix} link in: {body}"
    return match.group(1)


def token_of(path: str) -> str:
    return path.rsplit("/", 1)[1]


def tampered(token: str) -> str:
    """The same secret with its last character changed."""
    return token[:-1] + ("A" if token[-1] != "A" else "B")


@pytest.fixture(autouse=True)
def each_request_loads_its_user(app):
    """Make Flask-Login load the user on every test request, as it does in production.

    A server gives each request its own app context, so Flask-Login asks the user loader
    every time. The test client reuses the test's app context, and with it the user
    Flask-Login cached in `g` at the previous request, which would hide a refused session.
    """
    def forget(_sender, **_extra) -> None:
        g.pop("_login_user", None)

    request_started.connect(forget, app)
    yield
    request_started.disconnect(forget, app)
