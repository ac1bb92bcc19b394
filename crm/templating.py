"""Template helpers: times shown in the viewer's time zone, labels for domain values."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flask import Flask, current_app, request
from flask_login import current_user


def viewer_timezone() -> ZoneInfo:
    """The logged-in user's zone, else the installation default."""
    name = getattr(current_user, "timezone", None) or current_app.config[
        "RAPPORT_DEFAULT_TIMEZONE"
    ]
    return ZoneInfo(name)


def localtime(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """Format an aware UTC time in the viewer's zone."""
    if value is None:
        return ""
    return value.astimezone(viewer_timezone()).strftime(fmt)


def label(value: str | None) -> str:
    """'commission_increase' → 'Commission increase'."""
    return (value or "").replace("_", " ").capitalize()


def url_with(**changes) -> str:
    """The current URL with some query arguments replaced (None removes one)."""
    args = request.args.to_dict(flat=False)
    for key, value in changes.items():
        if value is None or value == "":
            args.pop(key, None)
        else:
            args[key] = [str(value)]
    query = urlencode(args, doseq=True)
    return f"{request.path}?{query}" if query else request.path


def init_app(app: Flask) -> None:
    app.add_template_filter(localtime, "localtime")
    app.add_template_filter(label, "label")
    app.add_template_global(url_with, "url_with")
