"""A recruitment campaign end to end: create, enrol, tick, send over real SMTP, reply, stats."""

from datetime import timedelta

from sqlalchemy import select

from crm.campaigns import audience as audiences
from crm.campaigns import stats
from crm.campaigns.sending import update_sending
from crm.extensions import db
from crm.models import CampaignEnrollment, FollowUp, Interaction, OutboundEmail, Partner
from crm.partners.queries import PartnerFilters
from outreach.inbound_apply import receive
from outreach.scheduler import tick
from outreach.suppressions import suppress
from tests.campaigns.helpers import make_campaign, reply
from tests.factories import make_client, make_membership, make_partner


def test_a_campaign_goes_out_as_the_manager_and_a_reply_stops_it(
    app, clock, sink, workers, manager, postal_address
):
    # Given Mia sends from her own address, and a recruitment list of four prospects: two
    # new, one already in the program, one unsubscribed
    update_sending(manager, {"sending_address": "Mia@Mia-Agency.example.com",
                             "daily_send_cap": "200", "warmup_start": "0",
                             "warmup_increment": "0"})
    client = make_client(name="Summit Outdoor")
    jamie = make_partner(name="Jamie Rivera", email="jamie@trailnotes.example.com",
                         company="Trail Notes", owner_id=manager.id, source_list="TBEX 2026")
    make_partner(name="Alex Stone", email="alex@campfire.example.com",
                        company="Campfire", owner_id=manager.id, source_list="TBEX 2026")
    member = make_partner(source_list="TBEX 2026")
    make_membership(member, client, status="approved")
    gone = make_partner(source_list="TBEX 2026", email="gone@example.com")
    suppress("gone@example.com", "unsubscribed")
    campaign = make_campaign(client, manager)
    # When Mia previews the list, then enrols it
    audience = audiences.Audience(PartnerFilters(source_list="TBEX 2026"))
    preview = audiences.preview(campaign, audience)
    assert (preview.count, preview.skipped) == (2, {"unsubscribed": 1, "in_program": 1})
    assert preview.first.partner.id == jamie.id
    assert "Rapport Partnerships Ltd" in preview.first.rendered.text_body
    assert audiences.enrol(campaign, audience, manager) == (2, {"unsubscribed": 1,
                                                                "in_program": 1})
    assert campaign.status == "active"
    tick()
    workers.drain()
    # Then each prospect got step 1 from Mia, replies going to Rapport, with the footer
    assert sorted(m["To"] for m in sink.received) == [
        "Alex Stone <alex@campfire.example.com>", "Jamie Rivera <jamie@trailnotes.example.com>"]
    first = next(m for m in sink.received if "jamie" in m["To"])
    assert first["From"] == "Mia Manager <mia@mia-agency.example.com>"
    assert first["Reply-To"] == "partners@rapport.example.com"
    assert first["List-Unsubscribe"].startswith("<http://127.0.0.1:5000/unsubscribe/")
    assert first["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = first.get_body(("plain",)).get_content()
    assert "Hi Jamie," in text and "Rapport Partnerships Ltd" in text and "Unsubscribe" in text
    assert "1 Example Street, London" in first.get_body(("html",)).get_content()
    # Variant A / B split by enrollment id: Jamie's (odd) got B, Alex's (even) A
    subjects = {m["To"].split()[0]: m["Subject"] for m in sink.received}
    assert subjects == {"Jamie": "Quick question, Jamie", "Alex": "Summit Outdoor x Campfire?"}
    rows = db.session.scalars(select(OutboundEmail).order_by(OutboundEmail.id)).all()
    assert {row.sender_id for row in rows} == {manager.id}
    # When Jamie replies (a human reply, through the inbound path)
    received = receive(reply(first["Message-ID"], "Jamie Rivera <jamie@trailnotes.example.com>",
                             first["Subject"]))
    assert "followup:prospect_replied" in received.effects
    # Then Jamie's campaign stops, Jamie is contacted, the reply is on the timeline, and Mia
    # has a "prospect replied" follow-up
    db.session.expire_all()
    jamie_enrollment = db.session.scalar(select(CampaignEnrollment).where(
        CampaignEnrollment.partner_id == jamie.id))
    assert (jamie_enrollment.status, jamie_enrollment.stop_reason) == ("stopped", "reply")
    assert db.session.get(Partner, jamie.id).stage == "contacted"
    assert db.session.scalar(select(Interaction.id).where(
        Interaction.partner_id == jamie.id, Interaction.kind == "email",
        Interaction.direction == "inbound")) is not None
    flag = db.session.scalar(select(FollowUp).where(FollowUp.partner_id == jamie.id))
    assert (flag.rule, flag.status) == ("prospect_replied", "open")
    # When three days pass, only Alex gets step 2
    clock.set(clock.now() + timedelta(days=3))
    tick()
    workers.drain()
    assert len(sink.received) == 3
    assert sink.received[-1]["Subject"] == "Following up, Alex"
    # And the campaign page's figures count it all, per step and variant
    figures = {(r.position, r.variant): (r.sent, r.replied) for r in stats.step_rows(campaign)}
    assert figures == {(1, "A"): (1, 0), (1, "B"): (1, 1), (2, "A"): (1, 0)}
    lines = stats.to_csv(campaign).splitlines()
    assert lines[0].startswith("step,variant,subject,sent")
    assert lines[-1] == "all,,All steps,3,0,1,0,0"
    assert gone.id and member.id  # both were skipped, never emailed


def test_an_unsubscribe_between_queueing_and_sending_cancels_the_campaign_email(
    app, clock, sink, workers, manager, postal_address
):
    client = make_client()
    partner = make_partner(email="sam@example.com", owner_id=manager.id)
    campaign = make_campaign(client, manager)
    audiences.enrol(campaign, audiences.Audience(partner_ids=(partner.id,)), manager)
    queued = []
    tick(dispatch=queued.extend)
    suppress("sam@example.com", "unsubscribed")
    app.extensions["rapport.actors"]["send_emails"].send(queued)
    workers.drain()
    assert sink.received == []
    assert db.session.scalar(select(OutboundEmail.status)) == "cancelled"
    enrollment = db.session.scalar(select(CampaignEnrollment))
    assert (enrollment.status, enrollment.stop_reason) == ("stopped", "unsubscribe")
    assert stats.totals(stats.step_rows(campaign)).unsubscribed == 1
