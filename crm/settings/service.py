"""Changes a user makes to their own profile."""

from __future__ import annotations

from crm.errors import DomainError, InvalidInput
from crm.extensions import db
from crm.models import User
from outreach.meeting_times import zone

NAME_LIMIT = 120
SIGNATURE_LIMIT = 2000


def update_profile(user: User, name: str, timezone: str, signature: str) -> User:
    """Set the user's name, time zone and signature; all checked, all saved or none."""
    fields: dict[str, str] = {}
    name = (name or "").strip()
    if not name:
        fields["name"] = "is required"
    elif len(name) > NAME_LIMIT:
        fields["name"] = f"must be at most {NAME_LIMIT} characters"
    timezone = (timezone or "").strip()
    try:
        zone(timezone)
    except DomainError as error:
        fields.update(error.fields)
    signature = (signature or "").replace("\r\n", "\n").rstrip()
    if len(signature) > SIGNATURE_LIMIT:
        fields["signature"] = f"must be at most {SIGNATURE_LIMIT} characters"
    if fields:
        raise InvalidInput("Your profile was not saved.", fields)
    user.name, user.timezone, user.signature = name, timezone, signature
    db.session.commit()
    return user
