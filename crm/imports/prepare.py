"""One CSV row's text turned into checked partner fields, with the same rules as the UI and API.

A row needs a name. When the name cells are blank it is derived, in this order, from the
company, the email address (its local part, or its domain for mailboxes like info@) and the
website (its domain, or platform/handle); a row with none of these is invalid.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from crm.errors import InvalidInput
from crm.extensions import db
from crm.imports.countries import country_code
from crm.models import SOURCES, User
from crm.partners.fields import clean_partner_fields
from crm.partners.identity import InvalidWebsite, normalize_website

WEBSITE_LIMIT = 500  # Partner.website's column width; clean_partner_fields does not check it
PLAIN_FIELDS = ("email", "phone", "company", "website", "timezone", "about", "tags")
GENERIC_MAILBOXES = frozenset({
    "info", "contact", "hello", "hi", "admin", "support", "sales", "team", "office", "mail",
    "marketing", "partners", "partnerships", "affiliate", "affiliates", "press", "media",
    "business", "enquiries", "inquiries", "noreply", "no-reply", "webmaster", "collab",
    "collabs", "collaborations",
})
# What people type in a "Source" column, mapped onto Rapport's sources.
SOURCE_ALIASES = {
    "google": "search", "seo": "search", "searchengine": "search",
    "fb": "facebook", "ig": "instagram", "insta": "instagram", "yt": "youtube",
    "event": "conference", "tradeshow": "conference", "expo": "conference",
    "referred": "referral", "affiliatenetwork": "network", "email": "inbound",
    "form": "inbound", "signup": "inbound", "li": "linkedin",
}


@dataclass(frozen=True)
class Owners:
    """The users a row's owner cell may name, by email or by full name (case-insensitive)."""

    by_email: Mapping[str, int]
    by_name: Mapping[str, tuple[int, ...]]

    @classmethod
    def load(cls) -> Owners:
        """Every active user; there are few, so one query per import."""
        users = db.session.execute(
            select(User.id, User.email, User.name).where(User.is_active_user.is_(True))
        ).all()
        by_name: dict[str, list[int]] = defaultdict(list)
        for user in users:
            by_name[user.name.strip().lower()].append(user.id)
        return cls(
            {user.email.lower(): user.id for user in users},
            {name: tuple(ids) for name, ids in by_name.items()},
        )

    def resolve(self, text: str) -> int:
        """The user id the cell names, or ValueError saying why not."""
        key = text.strip().lower()
        if key in self.by_email:
            return self.by_email[key]
        matches = self.by_name.get(key, ())
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise ValueError(f"{text!r} matches {len(matches)} users; use their email")
        raise ValueError(f"no active user with email {text!r}")


def source_for(text: str) -> str | None:
    """A Rapport source for what a Source cell says, or None when it does not say one."""
    key = re.sub(r"[^a-z]", "", text.lower())
    if key in SOURCES:
        return key
    return SOURCE_ALIASES.get(key)


def derived_name(raw: Mapping[str, str]) -> str:
    """A name for a row whose name cells are blank (see the module docstring), or ''."""
    if raw.get("company"):
        return raw["company"]
    email = raw.get("email", "")
    if "@" in email:
        local, _, domain = email.rpartition("@")
        if local.lower() in GENERIC_MAILBOXES:
            return domain.lower()
        words = [word for word in re.split(r"[._+\-]+", local) if word]
        if words:
            return " ".join(word if not word.islower() else word.capitalize() for word in words)
    if raw.get("website"):
        try:
            url, key = normalize_website(raw["website"])
        except InvalidWebsite:
            return ""
        return key or url
    return ""


def _name(raw: Mapping[str, str]) -> str:
    if raw.get("name"):
        return raw["name"]
    given = " ".join(raw[part] for part in ("first_name", "last_name") if raw.get(part))
    return given or derived_name(raw)


def _partner_data(raw: Mapping[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {field: raw[field] for field in PLAIN_FIELDS if field in raw}
    data["name"] = _name(raw)
    if "channels" in raw:
        data["channels"] = raw["channels"].replace("|", ",")
    if "country" in raw:
        data["country"] = country_code(raw["country"])
    return data


def prepare_row(raw: Mapping[str, str], owners: Owners) -> dict[str, Any]:
    """Checked partner fields for one row, or InvalidInput with a reason per field.

    It reads no database: Owners has already checked the owner the row names.
    """
    data = _partner_data(raw)
    errors: dict[str, str] = {}
    owner_id = None
    if raw.get("owner"):
        try:
            owner_id = owners.resolve(raw["owner"])
        except ValueError as error:
            errors["owner"] = str(error)
    if len(raw.get("website", "")) > WEBSITE_LIMIT:
        errors["website"] = f"must be at most {WEBSITE_LIMIT} characters"
        data.pop("website")
    try:
        cleaned = clean_partner_fields(data, creating=True)
    except InvalidInput as error:
        errors.update(error.fields)
    if not data["name"]:
        errors["name"] = "is required: the row has no name, company, email or website"
    if errors:
        raise InvalidInput("The row is not valid.", dict(sorted(errors.items())))
    if owner_id is not None:
        cleaned["owner_id"] = owner_id
    source = source_for(raw.get("source", ""))
    if source is not None:  # otherwise the import's own source applies
        cleaned["source"] = source
    return cleaned
