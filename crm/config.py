"""Settings: embedded-mode defaults, then RAPPORT_* from the environment, then a test mapping."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from email.utils import parseaddr
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

PREFIX = "RAPPORT_"
PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(Exception):
    """A setting is missing or malformed; the message names the variable."""


def _database_url(value: str) -> str:
    if value.startswith("postgres://"):
        value = "postgresql://" + value.removeprefix("postgres://")
    try:
        url = make_url(value)
    except ArgumentError as error:
        raise ConfigError(f"RAPPORT_DATABASE_URL: not a database URL ({error})") from None
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigError(
            "RAPPORT_DATABASE_URL: only sqlite:// and postgresql:// are supported, "
            f"got {url.drivername}://"
        )
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    return url.render_as_string(hide_password=False)


def _positive_int(name: str, value: str, zero: bool = False) -> int:
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(f"{PREFIX}{name}: expected a whole number, got {value!r}") from None
    if number < 0 or (number == 0 and not zero):
        raise ConfigError(f"{PREFIX}{name}: must be {'0 or more' if zero else 'positive'}, "
                          f"got {number}")
    return number


def _timezone(name: str, value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{PREFIX}{name}: unknown time zone {value!r}") from None
    return value


def _address(name: str, value: str) -> str:
    if value.count("@") != 1 or any(c in value for c in " <>,;\"\r\n"):
        raise ConfigError(f"{PREFIX}{name}: expected a bare address like rapport@example.com, "
                          f"got {value!r}")
    return value.strip().lower()


def _url(name: str, value: str, schemes: tuple[str, ...]) -> str:
    scheme = value.split("://", 1)[0] if "://" in value else ""
    if scheme not in schemes:
        raise ConfigError(f"{PREFIX}{name}: expected a {' or '.join(schemes)} URL, got {value!r}")
    return value


def _rate_limit(name: str, value: str) -> str:
    from limits import parse_many

    try:
        parse_many(value)
    except ValueError:
        raise ConfigError(f"{PREFIX}{name}: expected a rate like '5 per minute', "
                          f"got {value!r}") from None
def _boolean(name: str, value: str) -> bool:
    lowered = value.lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{PREFIX}{name}: expected true or false, got {value!r}")


def _key_list(name: str, value: str) -> tuple[str, ...]:
    keys = tuple(part.strip() for part in value.split(","))
    if any(not key for key in keys):
        raise ConfigError(f"{PREFIX}{name}: an empty entry in the comma-separated list")
    return keys


def _existing_file(name: str, value: str) -> str:
    if not Path(value).is_file():
        raise ConfigError(f"{PREFIX}{name}: no such file {value!r}")
    return value


# name -> parser; each parser returns the Flask config value or raises ConfigError.
PARSERS: dict[str, Any] = {
    "DATABASE_URL": lambda v: _database_url(v),
    "SECRET_KEY": lambda v: v,
    "BASE_URL": lambda v: _url("BASE_URL", v, ("http", "https")).rstrip("/"),
    "BROKER_URL": lambda v: _url("BROKER_URL", v, ("redis", "rediss")),
    "SMTP_URL": lambda v: _url("SMTP_URL", v, ("smtp", "smtps")),
    "MAIL_FROM": lambda v: v,
    "DEFAULT_TIMEZONE": lambda v: _timezone("DEFAULT_TIMEZONE", v),
    "LOGIN_RATE_LIMIT": lambda v: v,
    "RATELIMIT_STORAGE_URL": lambda v: v,
    "IMPORT_MAX_BYTES": lambda v: _positive_int("IMPORT_MAX_BYTES", v),
    "PAGE_SIZE": lambda v: _positive_int("PAGE_SIZE", v),
    "SEND_MAX_ATTEMPTS": lambda v: _positive_int("SEND_MAX_ATTEMPTS", v),
    "SEND_LEASE_SECONDS": lambda v: _positive_int("SEND_LEASE_SECONDS", v),
    "SEND_RETRY_BASE_SECONDS": lambda v: _positive_int("SEND_RETRY_BASE_SECONDS", v),
    "REDISPATCH_SECONDS": lambda v: _positive_int("REDISPATCH_SECONDS", v),
    "WORKER_THREADS": lambda v: _positive_int("WORKER_THREADS", v),
    "TICK_SECONDS": lambda v: _positive_int("TICK_SECONDS", v),
    "TICK_PROCESSES": lambda v: _positive_int("TICK_PROCESSES", v),
    "INBOUND_ADDRESS": lambda v: _address("INBOUND_ADDRESS", v),
    "MEETING_REMINDER_HOURS": lambda v: _positive_int("MEETING_REMINDER_HOURS", v),
    "FOLLOWUP_SCAN_MINUTES": lambda v: _positive_int("FOLLOWUP_SCAN_MINUTES", v, zero=True),
    "ACCOUNT_RATE_LIMIT": lambda v: _rate_limit("ACCOUNT_RATE_LIMIT", v),
    "BOOKING_LINK_DAYS": lambda v: _positive_int("BOOKING_LINK_DAYS", v),
    "BOOKING_RATE_LIMIT": lambda v: v,
    "CALENDAR_REFRESH_MINUTES": lambda v: _positive_int("CALENDAR_REFRESH_MINUTES", v),
    "CREDENTIAL_KEYS": lambda v: _key_list("CREDENTIAL_KEYS", v),
    "MAILBOX_POLL_SECONDS": lambda v: _positive_int("MAILBOX_POLL_SECONDS", v),
    "MAILBOX_TIMEOUT_SECONDS": lambda v: _positive_int("MAILBOX_TIMEOUT_SECONDS", v),
    "MAILBOX_ALLOW_PLAINTEXT": lambda v: _boolean("MAILBOX_ALLOW_PLAINTEXT", v),
    "MAILBOX_CA_FILE": lambda v: _existing_file("MAILBOX_CA_FILE", v),
    "MAILBOX_IDLE": lambda v: _boolean("MAILBOX_IDLE", v),
}


def defaults(instance_path: Path) -> dict[str, Any]:
    """Embedded-mode settings: everything local, nothing leaves the machine."""
    return {
        "DATABASE_URL": f"sqlite:///{instance_path / 'rapport.db'}",
        "SECRET_KEY": None,
        "BASE_URL": "http://127.0.0.1:5000",
        "BROKER_URL": None,
        "SMTP_URL": None,
        "MAIL_FROM": "Rapport <rapport@localhost>",
        "DEFAULT_TIMEZONE": "UTC",
        "LOGIN_RATE_LIMIT": "10 per minute",
        "RATELIMIT_STORAGE_URL": "memory://",
        "IMPORT_MAX_BYTES": 64 * 1024 * 1024,
        "PAGE_SIZE": 50,
        "SEND_MAX_ATTEMPTS": 8,
        "SEND_LEASE_SECONDS": 300,
        "SEND_RETRY_BASE_SECONDS": 30,
        "REDISPATCH_SECONDS": 60,
        "WORKER_THREADS": 4,
        "TICK_SECONDS": 15,
        # Processes a tick renders in on PostgreSQL (this one and helpers); SQLite uses one.
        "TICK_PROCESSES": 2,
        # None: the address of MAIL_FROM, where replies already arrive.
        "INBOUND_ADDRESS": None,
        "MEETING_REMINDER_HOURS": 24,
        # How often the scheduler has the follow-up scan run; 0: only `rapport followups scan`.
        "FOLLOWUP_SCAN_MINUTES": 60,
        # POSTs per client address, shared by the public account forms (accept an
        # invitation, forgot password, reset password).
        "ACCOUNT_RATE_LIMIT": "5 per minute",
        # How long a booking link in an email (or a manager's general link) keeps working.
        "BOOKING_LINK_DAYS": 90,
        # Requests to the public booking pages per client address.
        "BOOKING_RATE_LIMIT": "30 per minute",
        # How often a manager's own calendar is read for busy times.
        "CALENDAR_REFRESH_MINUTES": 15,
        # Keys that encrypt mailbox passwords, newest first; None: derived from SECRET_KEY.
        "CREDENTIAL_KEYS": None,
        # A connected mailbox is read this often (IDLE wakes a sync sooner where offered).
        "MAILBOX_POLL_SECONDS": 300,
        "MAILBOX_TIMEOUT_SECONDS": 30,
        # Unencrypted IMAP/SMTP to anything but a loopback address needs this.
        "MAILBOX_ALLOW_PLAINTEXT": False,
        # Extra certificate authorities trusted for mailbox servers (a company CA).
        "MAILBOX_CA_FILE": None,
        # `rapport serve` keeps an IDLE connection per connected mailbox.
        "MAILBOX_IDLE": True,
    }


def from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    """Parse every RAPPORT_* variable we know; unknown ones are an error (likely a typo)."""
    settings: dict[str, Any] = {}
    for key, raw in environ.items():
        if not key.startswith(PREFIX) or key.startswith(PREFIX + "TEST_"):
            continue
        name = key.removeprefix(PREFIX)
        if name not in PARSERS:
            raise ConfigError(f"{key}: unknown setting (known: {', '.join(sorted(PARSERS))})")
        if raw.strip() == "":
            raise ConfigError(f"{key}: is set but empty")
        settings[name] = PARSERS[name](raw.strip())
    return settings


def embedded_secret_key(instance_path: Path) -> str:
    """A per-installation key kept under instance/, so the repo never holds one."""
    path = instance_path / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def load(
    instance_path: Path,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Defaults, then the environment, then overrides; checked as a whole."""
    settings = defaults(instance_path)
    settings.update(from_environment(os.environ if environ is None else environ))
    settings.update(overrides or {})
    embedded_db = settings["DATABASE_URL"].startswith("sqlite")
    if not settings["SECRET_KEY"]:
        if not embedded_db:
            raise ConfigError("RAPPORT_SECRET_KEY: required when the database is not SQLite")
        settings["SECRET_KEY"] = embedded_secret_key(instance_path)
    if not settings["INBOUND_ADDRESS"]:
        settings["INBOUND_ADDRESS"] = parseaddr(settings["MAIL_FROM"])[1].lower()
    return settings


def flask_config(settings: Mapping[str, Any]) -> dict[str, Any]:
    """Translate Rapport settings into the keys Flask and its extensions read."""
    return {
        **{f"RAPPORT_{name}": value for name, value in settings.items()},
        "SECRET_KEY": settings["SECRET_KEY"],
        "SQLALCHEMY_DATABASE_URI": settings["DATABASE_URL"],
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "MAX_CONTENT_LENGTH": settings["IMPORT_MAX_BYTES"] + 64 * 1024,
        "RATELIMIT_STORAGE_URI": settings["RATELIMIT_STORAGE_URL"],
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": settings["BASE_URL"].startswith("https://"),
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        "API_TITLE": "Rapport",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.1.0",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
    }
