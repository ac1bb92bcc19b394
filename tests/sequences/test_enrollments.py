"""Enrolling a partner by hand, stopping a sequence, and the partner page's enrollments panel."""

import re
from datetime import timedelta

from flask import render_template_string
from flask_login import login_user
from sqlalchemy import select

from crm.extensions import db
from crm.models import Enrollment, Interaction
from crm.sequences import service
from outreach.enrollments import enroll
from tests.factories import make_client, make_membership, make_partner

INCLUDE = '{% include "sequences/_partner_enrollments.html" %}'


def panel(app, manager, partner) -> str:
    """The include as the partner page renders it, for the signed-in manager."""
    with app.test_request_context():
        login_user(manager)
        return render_template_string(INCLUDE, partner=partner)


def enrollments(partner):
    return list(db.session.scalars(select(Enrollment).where(Enrollment.partner_id == partner.id)))


def test_enrolling_without_a_program_uses_the_default(logged_in):
    partner = make_partner(name="Nia Nakamura")

    response = logged_in.post(f"/sequences/enroll/{partner.id}", data={"client_id": ""})

    assert response.status_code == 302
    assert response.headers["Location"] == f"/partners/{partner.id}#enrollments"
    (enrollment,) = enrollments(partner)
    assert (enrollment.status, enrollment.client_id) == ("active", None)
    assert enrollment.sequence.name == "Welcome to the program"


def test_enrolling_in_a_program_uses_the_clients_own_sequence(logged_in, manager):
    brand = make_client(name="Summit Outdoor")
    own = service.create_client_sequence(brand)
    partner = make_partner()

    logged_in.post(f"/sequences/enroll/{partner.id}", data={"client_id": str(brand.id)})

    (enrollment,) = enrollments(partner)
    assert (enrollment.sequence_id, enrollment.client_id) == (own.id, brand.id)
    assert enrollment.started_by_id == manager.id


def test_enrolling_twice_is_refused_with_a_message(logged_in):
    partner = make_partner(name="Nia Nakamura")
    logged_in.post(f"/sequences/enroll/{partner.id}", data={})

    response = logged_in.post(f"/sequences/enroll/{partner.id}", data={}, follow_redirects=True)

    assert "Not enrolled: Nia Nakamura is already in" in response.get_data(as_text=True)
    assert len(enrollments(partner)) == 1


def test_a_partner_without_email_cannot_be_enrolled(logged_in):
    partner = make_partner(email=None)

    response = logged_in.post(f"/sequences/enroll/{partner.id}", data={}, follow_redirects=True)

    assert "no email address" in response.get_data(as_text=True)
    assert enrollments(partner) == []


def test_an_unknown_client_is_refused(logged_in):
    partner = make_partner()

    response = logged_in.post(f"/sequences/enroll/{partner.id}", data={"client_id": "999"},
                              follow_redirects=True)

    assert "Not enrolled: Unknown client." in response.get_data(as_text=True)
    assert enrollments(partner) == []


def test_enrolling_an_unknown_partner_is_a_404(logged_in):
    assert logged_in.post("/sequences/enroll/999", data={}).status_code == 404


def test_stop_ends_the_sequence_by_hand_and_says_so_on_the_timeline(logged_in, manager):
    partner = make_partner()
    enrollment = enroll(partner, None, manager)

    response = logged_in.post(f"/sequences/enrollments/{enrollment.id}/stop")

    assert response.headers["Location"] == f"/partners/{partner.id}#enrollments"
    db.session.refresh(enrollment)
    assert (enrollment.status, enrollment.stop_reason, enrollment.next_due_at) == (
        "stopped", "manual", None)
    summaries = db.session.scalars(select(Interaction.summary).where(
        Interaction.partner_id == partner.id))
    assert "Sequence 'Welcome to the program' stopped: manual" in list(summaries)


def test_stopping_twice_changes_nothing(logged_in, manager, clock):
    enrollment = enroll(make_partner(), None, manager)
    logged_in.post(f"/sequences/enrollments/{enrollment.id}/stop")
    stopped_at = db.session.get(Enrollment, enrollment.id).stopped_at
    clock.set(clock.now() + timedelta(hours=1))

    response = logged_in.post(f"/sequences/enrollments/{enrollment.id}/stop",
                              follow_redirects=True)

    assert "had already stopped" in response.get_data(as_text=True)
    assert db.session.get(Enrollment, enrollment.id).stopped_at == stopped_at


def test_the_panel_shows_the_next_step_due_in_the_viewers_time_zone(app, manager):
    partner = make_partner(timezone="America/New_York")
    enroll(partner, None, manager)  # Tuesday 14:00 UTC = 10:00 in New York, inside hours

    html = panel(app, manager, partner)  # the manager reads Europe/Berlin time

    assert "Welcome to the program" in html
    assert re.search(r'class="badge status-active">Active<', html)
    assert "Next: step 1 of 3 (day 0), due" in html
    assert ">2026-03-10 15:00</time>" in html
    enrollment = db.session.scalar(select(Enrollment))
    assert f'action="/sequences/enrollments/{enrollment.id}/stop"' in html
    assert ">Stop</button>" in html
    assert "Enroll in welcome sequence" not in html


def test_the_panel_shows_why_a_sequence_stopped_and_offers_enrolling_again(app, manager):
    partner = make_partner()
    service.stop_enrollment(enroll(partner, None, manager), manager)

    html = panel(app, manager, partner)

    assert "Stopped 2026-03-10 15:00: stopped by hand" in html
    assert ">Stop</button>" not in html
    assert "Enroll in welcome sequence" in html


def test_the_enroll_form_offers_the_partners_programs_and_the_default(app, manager):
    partner = make_partner()
    brand = make_client(name="Summit Outdoor")
    make_membership(partner, brand, status="approved")

    html = panel(app, manager, partner)

    options = re.findall(r'<option[^>]*value="(\d*)"[^>]*>([^<]+)<', html)
    assert options == [(str(brand.id), "Summit Outdoor program"),
                       ("", "Default sequence (no program)")]


def test_the_panel_asks_for_an_email_address_first(app, manager):
    html = panel(app, manager, make_partner(email=None))

    assert "Not in a welcome sequence." in html
    assert "Add an email address" in html
    assert "<form" not in html
