"""Forms for the sequence pages; the sequences service decides what is valid."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from crm.models import Partner, Sequence, SequenceStep
from crm.sequences.service import MAX_DELAY_DAYS, SUBJECT_LIMIT

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class StepForm(FlaskForm):
    """One email of a sequence; every text field is a template."""

    # Text, not IntegerField: the service reports a bad number with the allowed range.
    delay_days = StringField(
        "Send on day", default="0",
        description=f"Days after enrollment, 0 to {MAX_DELAY_DAYS}; then moved into business "
                    "hours in the partner's time zone",
        render_kw={"inputmode": "numeric", "maxlength": 3},
    )
    subject = StringField("Subject", render_kw={"maxlength": SUBJECT_LIMIT})
    html_body = TextAreaField("HTML body")
    text_body = TextAreaField(
        "Text body", description="Optional: left empty, it is made from the HTML body"
    )

    @classmethod
    def for_step(cls, step: SequenceStep) -> StepForm:
        """A form filled with the step's values (submitted data wins)."""
        return cls(data={"delay_days": str(step.delay_days), "subject": step.subject,
                         "html_body": step.html_body, "text_body": step.text_body})

    def step_data(self) -> dict[str, Any]:
        """The submitted values in the shape the sequences service takes."""
        return {
            "delay_days": (self.delay_days.data or "").strip() or "0",
            "subject": self.subject.data or "",
            "html_body": self.html_body.data or "",
            "text_body": self.text_body.data or "",
        }


class HoursForm(FlaskForm):
    """The days and hours a sequence sends in, in each partner's own time zone."""

    send_weekdays = SelectMultipleField(
        "Days", choices=[SelectChoice(str(n), name) for n, name in enumerate(DAY_NAMES)],
        validate_choice=False,
    )
    send_from = StringField("From", render_kw={"type": "time"})
    send_until = StringField("Until", render_kw={"type": "time"})

    @classmethod
    def for_sequence(cls, sequence: Sequence) -> HoursForm:
        """A form filled with the sequence's hours (submitted data wins)."""
        return cls(data={
            "send_weekdays": [str(day) for day in sequence.send_weekdays],
            "send_from": f"{sequence.send_from:%H:%M}",
            "send_until": f"{sequence.send_until:%H:%M}",
        })

    def hours_data(self) -> dict[str, Any]:
        """The submitted values in the shape the sequences service takes."""
        return {"send_weekdays": list(self.send_weekdays.data or []),
                "send_from": self.send_from.data or "", "send_until": self.send_until.data or ""}


class EnrollForm(FlaskForm):
    """Which program's welcome sequence to start for a partner."""

    client_id = SelectField("Program", choices=[], validate_choice=False)

    @classmethod
    def for_partner(cls, partner: Partner) -> EnrollForm:
        """Choices: the partner's programs, then the default sequence."""
        form = cls(formdata=None)
        programs = sorted(partner.memberships, key=lambda m: m.client.name.lower())
        form.client_id.choices = [SelectChoice(str(m.client_id), f"{m.client.name} program")
                                  for m in programs]
        form.client_id.choices.append(SelectChoice("", "Default sequence (no program)"))
        return form
