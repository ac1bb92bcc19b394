"""Forms of the campaign pages; crm.campaigns.service and .audience decide what is valid."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from crm.models import SOURCES, Campaign, CampaignStep
from crm.partners.forms import client_choices, owner_choices
from crm.sequences.forms import DAY_NAMES, StepForm
from crm.sequences.service import SUBJECT_LIMIT


class CampaignForm(FlaskForm):
    name = StringField("Name", render_kw={"maxlength": 120})
    client_id = SelectField("Client program", choices=[], validate_choice=False)
    owner_id = SelectField("Owner", choices=[], validate_choice=False,
                           description="Runs the campaign; each email is sent as the "
                                       "prospect's own manager (this owner when they have none)")
    send_weekdays = SelectMultipleField(
        "Sending days", choices=[SelectChoice(str(n), name) for n, name in enumerate(DAY_NAMES)],
        validate_choice=False)
    send_from = StringField("From", render_kw={"type": "time"},
                            description="In each prospect's own time zone")
    send_until = StringField("Until", render_kw={"type": "time"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.client_id.choices = client_choices("Pick a client")
        self.owner_id.choices = owner_choices("Pick a manager")

    @classmethod
    def for_campaign(cls, campaign: Campaign) -> CampaignForm:
        return cls(data={
            "name": campaign.name, "client_id": str(campaign.client_id),
            "owner_id": str(campaign.owner_id),
            "send_weekdays": [str(day) for day in campaign.send_weekdays],
            "send_from": f"{campaign.send_from:%H:%M}",
            "send_until": f"{campaign.send_until:%H:%M}"})

    def campaign_data(self) -> dict[str, Any]:
        return {"name": self.name.data or "", "client_id": self.client_id.data or "",
                "owner_id": self.owner_id.data or "",
                "send_weekdays": list(self.send_weekdays.data or []),
                "send_from": self.send_from.data or "", "send_until": self.send_until.data or ""}


class CampaignStepForm(StepForm):
    """A sequence step's fields, plus the optional subject variant B."""

    subject_b = StringField(
        "Subject B (optional)", render_kw={"maxlength": SUBJECT_LIMIT},
        description="An A/B test: half the prospects get this subject instead")
    html_body = TextAreaField("HTML body")

    @classmethod
    def for_campaign_step(cls, step: CampaignStep) -> CampaignStepForm:
        return cls(data={"delay_days": str(step.delay_days), "subject": step.subject,
                         "subject_b": step.subject_b, "html_body": step.html_body,
                         "text_body": step.text_body})

    def step_data(self) -> dict[str, Any]:
        return {**super().step_data(), "subject_b": self.subject_b.data or ""}


class AudienceForm(FlaskForm):
    """Who to enrol: a filter of the partner list."""

    stage = SelectField("Stage", choices=[SelectChoice("", "Prospect or contacted"),
                                          SelectChoice("prospect", "Prospect"),
                                          SelectChoice("contacted", "Contacted")],
                        validate_choice=False)
    source = SelectField("Source", choices=[SelectChoice("", "Any source")]
                         + [SelectChoice(s, s.capitalize()) for s in SOURCES],
                         validate_choice=False)
    source_list = StringField("Recruitment list", description="The list they were imported from")
    tag = StringField("Tag")
    q = StringField("Search", description="Name, email, company or website")
    # Not a field the person types in: why an empty filter was refused.
    filters = StringField("Filter")
    partner_ids = StringField("Selected partners")
