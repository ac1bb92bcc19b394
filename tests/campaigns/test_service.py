"""Campaigns as domain operations: bad input, starting, stopping, pausing, editing steps."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from crm.campaigns import audience as audiences
from crm.campaigns import service
from crm.campaigns.sending import update_sending
from crm.errors import Conflict, InvalidInput
from crm.extensions import db
from crm.models import Campaign, CampaignEnrollment, CampaignStep, Interaction, OutboundEmail
from crm.partners.queries import PartnerFilters
from crm.partners.service import change_stage
from outreach.inbound_apply import receive
from outreach.scheduler import tick
from tests.campaigns.helpers import STEP_ONE, make_campaign, reply
from tests.factories import make_client, make_partner

NOBODY = audiences.Audience(PartnerFilters(tag="no-such-tag"))


def enrolled(campaign, partner, manager):
    audiences.enrol(campaign, audiences.Audience(partner_ids=(partner.id,)), manager)
    return db.session.scalar(select(CampaignEnrollment).where(
        CampaignEnrollment.partner_id == partner.id))


def test_a_step_with_an_unknown_variable_is_refused_naming_the_field(app, manager):
    campaign = make_campaign(make_client(), manager, steps=())
    with pytest.raises(InvalidInput) as refused:
        service.add_step(campaign, {**STEP_ONE, "subject_b": "Hi {{ partner.nickname }}",
                                    "html_body": "<p>{{ prospect.name }}</p>"})
    assert set(refused.value.fields) == {"subject_b", "html_body"}
    assert "unknown variable 'prospect'" in refused.value.fields["html_body"]
    assert db.session.scalar(select(func.count(CampaignStep.id))) == 0


def test_an_empty_step_is_refused(app, manager):
    campaign = make_campaign(make_client(), manager, steps=())
    with pytest.raises(InvalidInput) as refused:
        service.add_step(campaign, {"delay_days": 0, "subject": " ", "html_body": ""})
    assert refused.value.fields == {"subject": "is required", "html_body": "is required"}


def test_a_daily_cap_of_zero_is_refused_and_nothing_is_saved(app, manager):
    with pytest.raises(InvalidInput) as refused:
        update_sending(manager, {"sending_address": "mia@example.com", "daily_send_cap": "0",
                                 "warmup_start": "10", "warmup_increment": "5"})
    assert "0 would never send" in refused.value.fields["daily_send_cap"]
    db.session.refresh(manager)
    assert (manager.sending_address, manager.daily_send_cap) == (None, 200)


def test_a_campaign_cannot_start_without_the_postal_address_and_nothing_is_written(
    app, manager
):
    campaign = make_campaign(make_client(), manager)
    make_partner()
    with pytest.raises(InvalidInput) as refused:
        audiences.enrol(campaign, audiences.Audience(), manager)
    assert "postal_address" in refused.value.fields
    db.session.refresh(campaign)
    assert campaign.status == "draft"
    assert db.session.scalar(select(func.count(CampaignEnrollment.id))) == 0


def test_a_filter_matching_nobody_is_refused_and_the_campaign_stays_a_draft(
    app, manager, postal_address
):
    campaign = make_campaign(make_client(), manager)
    with pytest.raises(InvalidInput) as refused:
        audiences.enrol(campaign, NOBODY, manager)
    assert refused.value.fields == {"filters": "match no one to enrol (nobody matches)"}
    assert db.session.get(Campaign, campaign.id).status == "draft"


def test_a_stage_past_contacted_is_refused_as_a_filter():
    with pytest.raises(InvalidInput) as refused:
        audiences.audience_from({"stage": "active"})
    assert "stage" in refused.value.fields


def test_a_partner_is_in_one_running_campaign_per_client(app, manager, postal_address):
    client = make_client()
    partner = make_partner(owner_id=manager.id)
    first, second = make_campaign(client, manager), make_campaign(client, manager, name="Two")
    enrolled(first, partner, manager)
    with pytest.raises(InvalidInput) as refused:
        audiences.enrol(second, audiences.Audience(partner_ids=(partner.id,)), manager)
    assert "another campaign" in refused.value.fields["partner_ids"]
    other_client = make_campaign(make_client(), manager, name="Elsewhere")
    assert audiences.enrol(other_client, audiences.Audience(partner_ids=(partner.id,)),
                           manager)[0] == 1


def test_an_auto_reply_does_not_stop_the_campaign(app, manager, postal_address):
    partner = make_partner(email="sam@example.com", owner_id=manager.id)
    enrollment = enrolled(make_campaign(make_client(), manager), partner, manager)
    tick(dispatch=lambda ids: None)
    sent = db.session.scalar(select(OutboundEmail))
    received = receive(reply(sent.message_id, "sam@example.com", sent.subject,
                             body="I am out of the office until Monday.",
                             headers="Auto-Submitted: auto-replied\r\n"))
    assert received.message.kind == "auto_reply"
    db.session.refresh(enrollment)
    assert enrollment.status == "active"
    assert db.session.get(type(partner), partner.id).stage == "prospect"


def test_moving_past_contacted_stops_the_campaign_and_counts_a_conversion(
    app, clock, manager, postal_address
):
    partner = make_partner(owner_id=manager.id)
    enrollment = enrolled(make_campaign(make_client(), manager), partner, manager)
    clock.set(clock.now() + timedelta(days=10))
    change_stage(partner, "onboarding", manager)
    db.session.refresh(enrollment)
    assert (enrollment.status, enrollment.stop_reason) == ("stopped", "stage")
    assert enrollment.converted_at == clock.now()
    assert db.session.scalar(select(Interaction.summary).where(
        Interaction.summary.like("Campaign % stopped: stage"))) is not None


def test_pause_holds_the_queue_and_resume_goes_on(app, manager, postal_address):
    partner = make_partner(owner_id=manager.id)
    campaign = make_campaign(make_client(), manager)
    enrollment = enrolled(campaign, partner, manager)
    service.pause(campaign, manager)
    tick(dispatch=lambda ids: None)
    assert db.session.scalar(select(func.count(OutboundEmail.id))) == 0
    db.session.refresh(enrollment)
    assert enrollment.status == "paused"
    with pytest.raises(Conflict):
        service.pause(campaign, manager)
    service.resume(campaign, manager)
    tick(dispatch=lambda ids: None)
    assert db.session.scalar(select(func.count(OutboundEmail.id))) == 1


def test_archive_takes_everyone_out(app, manager, postal_address):
    partner = make_partner(owner_id=manager.id)
    campaign = make_campaign(make_client(), manager)
    enrollment = enrolled(campaign, partner, manager)
    service.archive(campaign, manager)
    db.session.refresh(enrollment)
    assert (campaign.status, enrollment.status, enrollment.stop_reason) == (
        "archived", "stopped", "archived")
    with pytest.raises(Conflict):
        service.add_step(campaign, STEP_ONE)


def test_editing_a_step_changes_only_emails_not_yet_queued(app, clock, manager, postal_address):
    first, second = make_partner(owner_id=manager.id), make_partner(owner_id=manager.id)
    campaign = make_campaign(make_client(), manager, steps=(
        {"delay_days": 0, "subject": "Old subject", "html_body": "<p>Old</p>"},))
    enrolled(campaign, first, manager)
    tick(dispatch=lambda ids: None)
    service.update_step(campaign.steps[0], {"subject": "New subject"})
    enrolled(campaign, second, manager)
    tick(dispatch=lambda ids: None)
    subjects = db.session.scalars(select(OutboundEmail.subject).order_by(OutboundEmail.id))
    assert list(subjects) == ["Old subject", "New subject"]
