"""Forms of the My settings pages; crm.settings.service decides what is valid."""

from __future__ import annotations

from functools import cache
from zoneinfo import available_timezones

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Length


@cache
def timezone_choices() -> list[str]:
    """Every IANA zone name, sorted, with UTC first."""
    return ["UTC", *sorted(z for z in available_timezones() if z != "UTC" and "/" in z)]


class ProfileForm(FlaskForm):
    name = StringField("Name", validators=[Length(max=120)])
    timezone = SelectField("Time zone", choices=[], validate_choice=False,
                           description="Times on every page are shown in this zone.")
    signature = TextAreaField(
        "Signature", validators=[Length(max=2000)],
        description="Plain text added under the emails you write from Rapport.")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.timezone.choices = timezone_choices()
