"""The pipeline drives the welcome: approval and onboarding start it, churn stops it."""

from sqlalchemy import select

from crm.clients import service as clients
from crm.extensions import db
from crm.models import Enrollment, Interaction
from crm.partners import service as partners
from outreach.enrollments import enroll
from tests.factories import make_client, make_membership, make_partner


def enrollments_of(partner):
    return list(db.session.scalars(
        select(Enrollment).where(Enrollment.partner_id == partner.id).order_by(Enrollment.id)))


def test_adding_an_approved_member_enrolls_the_partner(app, manager):
    partner = make_partner()

    clients.add_member(make_client(name="Summit Outdoor"), partner, manager, status="approved")

    [enrollment] = enrollments_of(partner)
    assert (enrollment.status, enrollment.started_by_id) == ("active", manager.id)


def test_adding_a_pending_member_does_not(app, manager):
    partner = make_partner()

    clients.add_member(make_client(), partner, manager, status="pending")

    assert enrollments_of(partner) == []


def test_approving_a_membership_enrolls_the_partner_once(app, manager):
    partner = make_partner()
    membership = make_membership(partner, make_client(), status="pending")

    clients.set_membership_status(membership, "approved", manager)
    clients.set_membership_status(membership, "paused", manager)
    clients.set_membership_status(membership, "approved", manager)

    assert len(enrollments_of(partner)) == 1


def test_moving_to_onboarding_enrolls_the_partner(app, manager):
    partner = make_partner(stage="contacted")

    partners.change_stage(partner, "onboarding", manager)

    [enrollment] = enrollments_of(partner)
    assert enrollment.status == "active"


def test_moving_to_another_stage_does_not(app, manager):
    partner = make_partner(stage="prospect")

    partners.change_stage(partner, "contacted", manager)

    assert enrollments_of(partner) == []


def test_churn_stops_running_sequences_with_the_reason_on_the_timeline(app, manager):
    partner = make_partner(stage="active")
    enroll(partner, None, manager)

    partners.change_stage(partner, "churned", manager)

    [enrollment] = enrollments_of(partner)
    assert (enrollment.status, enrollment.stop_reason, enrollment.next_due_at) == (
        "stopped", "churn", None)
    summaries = list(db.session.scalars(select(Interaction.summary).where(
        Interaction.partner_id == partner.id).order_by(Interaction.id)))
    assert summaries[-2:] == ["Stage changed: active → churned",
                              "Sequence 'Welcome to the program' stopped: churn"]


def test_a_churned_partner_is_not_enrolled_by_an_approval(app, manager):
    partner = make_partner(stage="churned")

    clients.add_member(make_client(), partner, manager, status="approved")

    assert enrollments_of(partner) == []
