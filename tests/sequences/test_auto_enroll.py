"""Welcome sequences start on their own: an approved membership, a move to onboarding."""

import pytest
from sqlalchemy import select

from crm.extensions import db
from crm.models import Enrollment
from crm.sequences import service
from outreach.auto_enroll import on_membership_approved, on_stage_changed
from outreach.enrollments import enroll
from outreach.suppressions import suppress
from tests.factories import make_client, make_membership, make_partner


def enrollments_of(partner):
    return list(db.session.scalars(
        select(Enrollment).where(Enrollment.partner_id == partner.id).order_by(Enrollment.id)))


def test_an_approved_membership_enrolls_in_the_clients_own_sequence(app, manager):
    brand = make_client(name="Summit Outdoor")
    own = service.create_client_sequence(brand)
    partner = make_partner()
    membership = make_membership(partner, brand, status="approved")

    enrollment = on_membership_approved(membership, manager)
    db.session.commit()  # the caller's transaction

    assert enrollments_of(partner) == [enrollment]
    assert (enrollment.sequence_id, enrollment.client_id, enrollment.started_by_id) == (
        own.id, brand.id, manager.id)


def test_a_client_without_its_own_sequence_gets_the_default_with_its_name(app, manager):
    brand = make_client(name="Summit Outdoor")
    partner = make_partner()

    enrollment = on_membership_approved(make_membership(partner, brand, status="approved"),
                                        manager)
    db.session.commit()

    assert enrollment.sequence.client_id is None
    assert enrollment.client_id == brand.id


def test_nothing_is_committed_by_the_hook(app, manager):
    partner = make_partner()
    on_membership_approved(make_membership(partner, make_client(), status="approved"), manager)

    db.session.rollback()  # the caller's transaction fails after the hook ran

    assert enrollments_of(partner) == []


@pytest.mark.parametrize("status", ["pending", "declined", "paused", "ended"])
def test_only_approval_enrolls(app, manager, status):
    partner = make_partner()

    assert on_membership_approved(make_membership(partner, make_client(), status=status),
                                  manager) is None
    assert enrollments_of(partner) == []


def test_a_partner_without_email_is_skipped_quietly(app, manager):
    partner = make_partner(email=None)

    result = on_membership_approved(make_membership(partner, make_client(), status="approved"),
                                    manager)

    assert result is None
    assert enrollments_of(partner) == []


def test_a_suppressed_partner_is_skipped_quietly(app, manager):
    partner = make_partner(email="gone@publisher.com")
    suppress("Gone@Publisher.com", "unsubscribed")

    result = on_membership_approved(make_membership(partner, make_client(), status="approved"),
                                    manager)

    assert result is None
    assert enrollments_of(partner) == []


def test_a_partner_already_in_the_sequence_is_not_enrolled_again(app, manager):
    brand = make_client()
    partner = make_partner()
    first = enroll(partner, brand, manager)

    result = on_membership_approved(make_membership(partner, brand, status="approved"), manager)

    assert result is None
    assert enrollments_of(partner) == [first]


def test_a_stopped_welcome_is_not_restarted_automatically(app, manager):
    brand = make_client()
    partner = make_partner()
    service.stop_enrollment(enroll(partner, brand, manager), manager)

    result = on_membership_approved(make_membership(partner, brand, status="approved"), manager)

    assert result is None
    assert [e.status for e in enrollments_of(partner)] == ["stopped"]


def test_a_second_program_with_its_own_sequence_starts_that_one_too(app, manager):
    first_brand, second_brand = make_client(), make_client()
    service.create_client_sequence(second_brand)
    partner = make_partner()
    on_membership_approved(make_membership(partner, first_brand, status="approved"), manager)

    second = on_membership_approved(make_membership(partner, second_brand, status="approved"),
                                    manager)

    assert second is not None
    assert len({e.sequence_id for e in enrollments_of(partner)}) == 2


def test_moving_to_onboarding_enrolls_in_the_latest_approved_program(app, manager):
    older, newer = make_client(name="Older"), make_client(name="Newer")
    own = service.create_client_sequence(newer)
    partner = make_partner()
    make_membership(partner, older, status="approved")
    make_membership(partner, newer, status="approved")
    make_membership(partner, make_client(name="Pending"), status="pending")

    enrollment = on_stage_changed(partner, "contacted", "onboarding", manager)

    assert (enrollment.sequence_id, enrollment.client_id) == (own.id, newer.id)


def test_moving_to_onboarding_without_a_program_uses_the_default(app, manager):
    partner = make_partner()

    enrollment = on_stage_changed(partner, "prospect", "onboarding", None)
    db.session.commit()

    assert enrollment.client_id is None
    assert enrollment.sequence.name == "Welcome to the program"
    assert enrollment.started_by_id is None


@pytest.mark.parametrize(("old", "new"), [
    ("prospect", "contacted"), ("onboarding", "active"), ("onboarding", "onboarding")])
def test_other_stage_changes_enroll_nobody(app, manager, old, new):
    partner = make_partner()

    assert on_stage_changed(partner, old, new, manager) is None
    assert enrollments_of(partner) == []


def test_onboarding_while_a_welcome_is_running_starts_no_second_one(app, manager):
    brand = make_client()
    service.create_client_sequence(brand)
    partner = make_partner()
    running = on_membership_approved(make_membership(partner, brand, status="approved"), manager)
    db.session.commit()

    assert on_stage_changed(partner, "contacted", "onboarding", manager) is None
    assert enrollments_of(partner) == [running]
