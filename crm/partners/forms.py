"""Forms for the partner pages; the services decide what is valid, these only parse input."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import (
    DateTimeLocalField,
    EmailField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from crm.errors import DomainError
from crm.extensions import db
from crm.models import DIRECTIONS, LOGGABLE_KINDS, SOURCES, STAGES, Client, Partner, User
from crm.partners.fields import split_list
from crm.templating import label, viewer_timezone

# datetime-local inputs submit "2026-03-10T14:00"; the first format is also how values render.
LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
PROFILE_TEXT = (
    "name", "email", "phone", "company", "website", "country", "timezone", "source",
    "source_list", "stage", "about",
)


def labelled(values: tuple[str, ...]) -> list[SelectChoice]:
    """Choices for domain values, shown as words ('paid_placement' → 'Paid placement')."""
    return [SelectChoice(value, label(value)) for value in values]


def owner_choices(blank: str = "Nobody") -> list[SelectChoice]:
    """Every user who can own a partner, by name, after a blank choice."""
    users = db.session.scalars(select(User).order_by(User.name, User.id))
    return [SelectChoice("", blank)] + [SelectChoice(str(user.id), user.name) for user in users]


def client_choices(blank: str = "Any client") -> list[SelectChoice]:
    """Every client, by name, after a blank choice."""
    clients = db.session.scalars(select(Client).order_by(Client.name))
    return [SelectChoice("", blank)] + [SelectChoice(str(c.id), c.name) for c in clients]


def apply_domain_error(form: FlaskForm, error: DomainError) -> None:
    """Show a service's field errors next to the matching inputs, the rest above the form."""
    for name, reason in error.fields.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, reason]
        else:
            form.form_errors.append(f"{label(name)}: {reason}")
    if not error.fields:
        form.form_errors.append(error.message)


def _max(length: int) -> dict[str, int]:
    # The service enforces the limits; the attribute only stops the browser early.
    return {"maxlength": length}


class PartnerForm(FlaskForm):
    """Every editable partner field; lists (channels, tags) are comma separated."""

    name = StringField("Name", render_kw=_max(200))
    email = EmailField("Email", render_kw=_max(254))
    phone = StringField("Phone", render_kw=_max(64))
    company = StringField("Company", render_kw=_max(200))
    website = StringField("Website", validators=[Length(max=500)])
    channels = StringField("Channels", description="Comma separated, e.g. blog, youtube")
    country = StringField("Country", render_kw=_max(2), description="ISO code, e.g. DE")
    timezone = StringField("Time zone", default="UTC", description="e.g. Europe/Berlin")
    source = SelectField("Source", choices=labelled(SOURCES), default="other")
    source_list = StringField("Source list", render_kw=_max(200))
    stage = SelectField("Stage", choices=labelled(STAGES), default="prospect")
    owner_id = SelectField("Owner", choices=[])
    tags = StringField("Tags", description="Comma separated")
    about = TextAreaField("About", render_kw=_max(20_000))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.owner_id.choices = owner_choices()

    @classmethod
    def for_partner(cls, partner: Partner) -> PartnerForm:
        """A form filled with the partner's current values (submitted data wins)."""
        values: dict[str, Any] = {name: getattr(partner, name) or "" for name in PROFILE_TEXT}
        values["channels"] = ", ".join(partner.channels or [])
        values["tags"] = ", ".join(partner.tag_names)
        values["owner_id"] = str(partner.owner_id or "")
        return cls(data=values)

    def partner_data(self) -> dict[str, Any]:
        """The submitted values in the shape the partner service takes."""
        return {
            "name": self.name.data or "",
            "email": self.email.data or "",
            "phone": self.phone.data or "",
            "company": self.company.data or "",
            "website": self.website.data or "",
            "channels": split_list(self.channels.data or ""),
            "country": self.country.data or "",
            "timezone": self.timezone.data or "",
            "source": self.source.data,
            "source_list": self.source_list.data or "",
            "stage": self.stage.data,
            "owner_id": self.owner_id.data or None,
            "tags": split_list(self.tags.data or ""),
            "about": self.about.data or "",
        }


class InteractionForm(FlaskForm):
    """Log a call, email, meeting, conference contact or note."""

    kind = SelectField("Kind", choices=labelled(LOGGABLE_KINDS), default="call")
    direction = SelectField(
        "Direction", choices=labelled(DIRECTIONS), default="outbound",
        description="Ignored for notes",
    )
    summary = StringField("Summary", render_kw=_max(300))
    body = TextAreaField("Details", validators=[Length(max=20_000)])
    occurred_at = DateTimeLocalField(
        "When", format=LOCAL_FORMATS, tz=viewer_timezone, validators=[Optional()]
    )

    def occurred_at_utc(self) -> datetime | None:
        """The submitted local time (in the viewer's zone) as aware UTC."""
        value = self.occurred_at.data
        return value.astimezone(UTC) if value is not None else None


class StageForm(FlaskForm):
    """Move a partner through the pipeline."""

    stage = SelectField("Stage", choices=labelled(STAGES))


class OwnerForm(FlaskForm):
    """Hand a partner to another user."""

    owner_id = SelectField("Owner", choices=[])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.owner_id.choices = owner_choices()
