"""Forms of the My settings pages; crm.settings.service decides what is valid."""

from __future__ import annotations

from functools import cache
from zoneinfo import available_timezones

from flask_wtf import FlaskForm
from wtforms import PasswordField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length

from crm.auth.service import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH


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


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField("Current password",
                                     validators=[DataRequired(), Length(max=1024)])
    new_password = PasswordField(
        "New password", validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)],
        description=f"At least {MIN_PASSWORD_LENGTH} characters. Your other sessions are "
                    "signed out.",
        render_kw={"minlength": MIN_PASSWORD_LENGTH})
    confirm = PasswordField("New password again", validators=[
        DataRequired(), EqualTo("new_password", message="does not match the new password")])


class TokenForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)],
                       description="What uses it, e.g. “reporting script”.")
    scope = RadioField("Scope", choices=[
        SelectChoice("read", "Read: look things up (GET) only"),
        SelectChoice("read-write", "Read and write: also create, change and delete"),
    ], default="read")
