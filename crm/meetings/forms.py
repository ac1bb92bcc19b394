"""Forms for onboarding calls: they parse input; outreach.meetings decides what is valid."""

from __future__ import annotations

from datetime import datetime

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from crm.errors import InvalidInput
from crm.partners.forms import LOCAL_FORMATS
from outreach.meeting_times import instant_from_local
from outreach.meetings import DURATIONS, LIMITS


def _minutes(value: int) -> str:
    return f"{value} minutes" if value < 60 else f"{value // 60} h {value % 60:02d}".replace(
        " 00", "")


class MeetingForm(FlaskForm):
    """When, how long, where; the time is picked on the manager's own clock."""

    starts_at = StringField("Date and time", render_kw={"type": "datetime-local"})
    duration_minutes = SelectField(
        "Length", choices=[SelectChoice(str(m), _minutes(m)) for m in DURATIONS], default="30")
    location = StringField("Location", description="A room, a phone number, or leave empty",
                           render_kw={"maxlength": LIMITS["location"]})
    video_url = StringField("Video link", render_kw={"type": "url", "placeholder": "https://",
                                                      "maxlength": LIMITS["video_url"]})
    agenda = TextAreaField("Agenda", render_kw={"rows": 4, "maxlength": LIMITS["agenda"]})

    def starts_at_utc(self, tzname: str) -> datetime:
        """The picked wall-clock time in `tzname` as an instant; InvalidInput when unusable."""
        raw = (self.starts_at.data or "").strip()
        for pattern in LOCAL_FORMATS:
            try:
                naive = datetime.strptime(raw, pattern)
            except ValueError:
                continue
            return instant_from_local(naive, tzname)
        raise InvalidInput("Pick a date and time.", {"starts_at": "pick a date and a time"})

    def duration(self) -> int:
        try:
            return int(self.duration_minutes.data)
        except (TypeError, ValueError):
            raise InvalidInput("Pick a length.", {"duration_minutes": "pick a length"}) from None


class CancelForm(FlaskForm):
    reason = TextAreaField("Message to the partner (optional)", render_kw={"rows": 2})


class OutcomeForm(FlaskForm):
    outcome = SelectField("Outcome", choices=[SelectChoice("held", "Held"),
                                              SelectChoice("no_show", "No-show")])
    notes = TextAreaField("Notes", render_kw={"rows": 3})
    activate = BooleanField("Move the partner to active")
