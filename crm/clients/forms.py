"""Forms for the client pages; the clients service decides what is valid."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional

from crm.ids import MAX_ID
from crm.models import GROWTH_LEVERS, MEMBERSHIP_STATUSES, Client
from crm.partners.forms import labelled


class ClientForm(FlaskForm):
    """A client's profile: who they are, what they want, which levers they like."""

    name = StringField("Name", validators=[Length(max=120)])
    website = StringField("Website", validators=[Length(max=255)])
    goals = TextAreaField("Goals", validators=[Length(max=20_000)])
    brand_notes = TextAreaField("Brand notes", validators=[Length(max=20_000)])
    growth_levers = SelectMultipleField(
        "Preferred growth levers", choices=labelled(GROWTH_LEVERS), validate_choice=False
    )

    @classmethod
    def for_client(cls, client: Client) -> ClientForm:
        """A form filled with the client's current values (submitted data wins)."""
        return cls(data={
            "name": client.name, "website": client.website, "goals": client.goals,
            "brand_notes": client.brand_notes, "growth_levers": list(client.growth_levers or []),
        })

    def client_data(self) -> dict[str, Any]:
        """The submitted values in the shape the clients service takes."""
        return {
            "name": self.name.data or "",
            "website": self.website.data or "",
            "goals": self.goals.data or "",
            "brand_notes": self.brand_notes.data or "",
            "growth_levers": list(self.growth_levers.data or []),
        }


class IdField(IntegerField):
    """An IntegerField that refuses, as a form error, an id the database could not hold."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata(valuelist)
        if self.data is not None and not 0 <= self.data <= MAX_ID:
            self.data = None
            raise ValueError("No partner with this id.")


class MemberForm(FlaskForm):
    """Put a partner into the client's program."""

    partner_id = IdField("Partner", validators=[InputRequired("Pick a partner.")])
    status = SelectField("Status", choices=labelled(MEMBERSHIP_STATUSES), default="pending")
    commission_terms = StringField(
        "Commission terms", validators=[Length(max=255)], description="e.g. 10% CPS, 30-day cookie"
    )
    started_on = DateField("Started on", validators=[Optional()])


class MembershipStatusForm(FlaskForm):
    """Approve, pause, decline or end a membership."""

    status = SelectField("Status", choices=labelled(MEMBERSHIP_STATUSES))
