"""Forms of My settings › Availability: they parse; crm.booking.availability decides."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from crm.booking.availability import NUMBERS
from crm.booking.hours import WEEKDAYS

CALL_LENGTHS = (15, 20, 30, 45, 60, 90)


def _number(label: str, description: str = "") -> StringField:
    return StringField(label, description=description,
                       render_kw={"inputmode": "numeric", "pattern": "[0-9]*"})


class AvailabilityForm(FlaskForm):
    """Weekly hours per weekday on the manager's own clock, then the rules of a booking."""

    hours_0 = StringField(WEEKDAYS[0], render_kw={"placeholder": "09:00-12:00, 13:00-17:00"})
    hours_1 = StringField(WEEKDAYS[1])
    hours_2 = StringField(WEEKDAYS[2])
    hours_3 = StringField(WEEKDAYS[3])
    hours_4 = StringField(WEEKDAYS[4])
    hours_5 = StringField(WEEKDAYS[5])
    hours_6 = StringField(WEEKDAYS[6])
    call_minutes = SelectField(
        "Call length", validate_choice=False,
        choices=[SelectChoice(str(m), f"{m} minutes") for m in CALL_LENGTHS])
    buffer_minutes = _number("Buffer between calls (minutes)",
                             "Kept free before and after every call.")
    notice_hours = _number("Minimum notice (hours)", "Nobody can book a call sooner than this.")
    horizon_days = _number("How far ahead (days)", "Slots are offered this many days ahead.")
    max_per_day = _number("Maximum calls per day", "0: no limit. Counts every call that day.")
    dates_off = TextAreaField(
        "Dates off", description="One a line: 2026-04-03, or 2026-08-03 to 2026-08-14.",
        render_kw={"rows": 3})
    video_url = StringField("Video link for booked calls",
                            description="Put in every invitation booked through your links.",
                            render_kw={"type": "url", "placeholder": "https://"})

    def hour_fields(self) -> list:
        return [self[f"hours_{day}"] for day in range(7)]

    def values(self) -> dict[str, str]:
        """The submitted text of every field the service checks."""
        names = [f"hours_{day}" for day in range(7)] + [name for name, _, _ in NUMBERS]
        return {name: self[name].data or "" for name in [*names, "dates_off", "video_url"]}


class CalendarForm(FlaskForm):
    """Where to read the manager's busy times from."""

    calendar_url = StringField(
        "Calendar address", render_kw={"type": "url", "placeholder": "https:// or webcal://"},
        description="A secret ICS address (Google: Settings › Integrate calendar › Secret "
                    "address in iCal format) or a CalDAV calendar URL. Empty: none.")
    calendar_username = StringField("User name (CalDAV)", render_kw={"autocomplete": "off"})
    calendar_password = PasswordField(
        "Password", description="Leave empty to keep the saved one. Stored encrypted.",
        render_kw={"autocomplete": "new-password"})

    def password(self) -> str | None:
        """The new password, or None to keep the saved one."""
        return self.calendar_password.data or None
