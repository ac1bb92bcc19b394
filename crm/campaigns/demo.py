"""Demo campaign: a recruitment campaign for the first demo client with a few prospects in it.

Rows only, written into load_demo's transaction (no email is queued here: the scheduler of
`rapport serve` sends step 1 inside each prospect's sending window, into the captured
outbox). The organisation's postal address, which campaigns need, is set too.
"""

from __future__ import annotations

import random
from datetime import datetime

from sqlalchemy import exists, select

from crm.app_settings import get_setting, set_setting
from crm.extensions import db
from crm.models import Campaign, CampaignEnrollment, CampaignStep, Client, Membership, Partner
from outreach.campaign_steps import POSTAL_ADDRESS_SETTING

POSTAL_ADDRESS = "Rapport Partnerships Ltd\n10 Example Street\nLondon EC1A 1AA, United Kingdom"
PROSPECTS = 6
STEPS = (
    {"delay_days": 0, "subject": "{{ partner.company or partner.first_name }} x {{ client.name }}?",
     "subject_b": "A partnership idea for {{ partner.first_name }}",
     "html_body": "<p>Hi {{ partner.first_name }},</p><p>I run partnerships for "
                  "{{ client.name }}. Your audience at {{ partner.company or 'your site' }} "
                  "looks like a great fit for {{ client.program }}: generous commission, "
                  "creatives ready to go, and a real person (me) to talk to.</p><p>Would you be "
                  "open to a 15-minute call this week?</p><p>{{ manager.first_name }}</p>"},
    {"delay_days": 4, "subject": "Following up, {{ partner.first_name }}", "subject_b": "",
     "html_body": "<p>Hi {{ partner.first_name }}, just floating this back to the top of your "
                  "inbox: happy to send the commission terms if that helps.</p>"
                  "<p>{{ manager.first_name }}</p>"},
)


def load(rng: random.Random, now: datetime) -> Campaign:
    """One active campaign and a few enrolled prospects (first step due now)."""
    if not get_setting(POSTAL_ADDRESS_SETTING):
        set_setting(POSTAL_ADDRESS_SETTING, POSTAL_ADDRESS, None, "Organisation postal address")
    client = db.session.scalar(select(Client).order_by(Client.id).limit(1))
    campaign = Campaign(
        client_id=client.id, owner_id=_owner_id(), name=f"{client.name}: spring recruitment",
        status="active", send_weekdays=[0, 1, 2, 3, 4], audience={"stage": "prospect"},
        created_at=now, updated_at=now, started_at=now)
    campaign.steps = [CampaignStep(position=n, **step) for n, step in enumerate(STEPS, 1)]
    db.session.add(campaign)
    db.session.flush()
    for partner in _prospects(rng, client.id):
        db.session.add(CampaignEnrollment(
            campaign_id=campaign.id, partner_id=partner.id, client_id=client.id,
            status="active", next_position=1, next_due_at=now, started_at=now,
            stop_reason="", last_variant="", started_by_id=campaign.owner_id))
    return campaign


def _owner_id() -> int:
    from crm.models import User

    return db.session.scalar(select(User.id).where(User.role == "manager").order_by(User.id))


def _prospects(rng: random.Random, client_id: int) -> list[Partner]:
    in_program = exists().where(Membership.partner_id == Partner.id,
                                Membership.client_id == client_id)
    candidates = list(db.session.scalars(
        select(Partner).where(Partner.stage == "prospect", Partner.email_key.is_not(None),
                              ~in_program).order_by(Partner.id)))
    return rng.sample(candidates, min(PROSPECTS, len(candidates)))
