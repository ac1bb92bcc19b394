"""Checking and normalising partner fields, shared by forms, the API and imports."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from crm.errors import InvalidInput
from crm.extensions import db
from crm.models import SOURCES, STAGES, User
from crm.partners.identity import (
    InvalidEmail,
    InvalidWebsite,
    normalize_email,
    normalize_website,
)

TEXT_LIMITS = {"name": 200, "phone": 64, "company": 200, "source_list": 200, "about": 20_000}
EDITABLE = (
    "name", "email", "phone", "company", "website", "channels", "country", "timezone",
    "source", "source_list", "stage", "owner_id", "about", "tags",
)
COUNTRY = re.compile(r"^[A-Z]{2}$")


def split_list(value: Any) -> list[str]:
    """A list from a list or a comma/semicolon separated string, trimmed, deduplicated."""
    items: Iterable[Any] = value if isinstance(value, list | tuple) else re.split(r"[,;]", value)
    seen: dict[str, None] = {}
    for item in items:
        text = str(item).strip()
        if text:
            seen.setdefault(text, None)
    return list(seen)


def _text(name: str, value: Any) -> str:
    text = "" if value is None else str(value).strip()
    if len(text) > TEXT_LIMITS[name]:
        raise ValueError(f"must be at most {TEXT_LIMITS[name]} characters")
    return text


def _choice(value: Any, choices: tuple[str, ...]) -> str:
    text = str(value or "").strip().lower()
    if text not in choices:
        raise ValueError(f"must be one of {', '.join(choices)}")
    return text


def _timezone(value: Any) -> str:
    text = str(value or "").strip() or "UTC"
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {text!r}") from None
    return text


def _country(value: Any) -> str:
    text = str(value or "").strip().upper()
    if text and not COUNTRY.match(text):
        raise ValueError("must be a two-letter ISO country code such as US or DE")
    return text


def _owner(value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        owner_id = int(value)
    except (TypeError, ValueError):
        raise ValueError("must be a user id") from None
    if db.session.get(User, owner_id) is None:
        raise ValueError(f"no user with id {owner_id}")
    return owner_id


def _tags(value: Any) -> list[str]:
    tags = [tag.lower()[:64] for tag in split_list(value or [])]
    return list(dict.fromkeys(tags))


def _clean_one(name: str, value: Any, cleaned: dict[str, Any]) -> None:
    if name == "email":
        text = str(value or "").strip()
        cleaned["email"], cleaned["email_key"] = normalize_email(text) if text else (None, None)
    elif name == "website":
        text = str(value or "").strip()
        cleaned["website"], cleaned["website_domain"] = (
            normalize_website(text) if text else ("", None)
        )
    elif name == "name":
        cleaned["name"] = _text("name", value)
        if not cleaned["name"]:
            raise ValueError("is required")
    elif name in TEXT_LIMITS:
        cleaned[name] = _text(name, value)
    elif name == "stage":
        cleaned["stage"] = _choice(value, STAGES)
    elif name == "source":
        cleaned["source"] = _choice(value or "other", SOURCES)
    elif name == "timezone":
        cleaned["timezone"] = _timezone(value)
    elif name == "country":
        cleaned["country"] = _country(value)
    elif name == "owner_id":
        cleaned["owner_id"] = _owner(value)
    elif name == "channels":
        cleaned["channels"] = [c[:64] for c in split_list(value or [])]
    elif name == "tags":
        cleaned["tags"] = _tags(value)


def clean_partner_fields(data: Mapping[str, Any], creating: bool) -> dict[str, Any]:
    """Validated, normalised values for the given fields; InvalidInput lists every bad one."""
    unknown = sorted(set(data) - set(EDITABLE))
    errors = {name: "is not a partner field" for name in unknown}
    if creating and not str(data.get("name") or "").strip():
        errors["name"] = "is required"
    cleaned: dict[str, Any] = {}
    for name in EDITABLE:
        if name not in data or name in errors:
            continue
        try:
            _clean_one(name, data[name], cleaned)
        except (ValueError, InvalidEmail, InvalidWebsite) as error:
            errors[name] = str(error)
    if errors:
        raise InvalidInput("Some partner fields are not valid.", errors)
    return cleaned
