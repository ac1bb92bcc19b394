"""The sequence pages: list, a sequence with its steps and hours, the step editor."""

import re
from datetime import time

import pytest
from sqlalchemy import func, select

from crm.extensions import db
from crm.models import Sequence, SequenceStep
from crm.sequences import service
from tests.factories import make_client

STEP_FORM = {"delay_days": "5", "subject": "A tip for {{ partner.first_name }}",
             "html_body": "<p>Hi {{ partner.first_name }},</p>\n<p>Here is a tip.</p>",
             "text_body": ""}


def page_text(response) -> str:
    return response.get_data(as_text=True)


def step_count() -> int:
    return db.session.scalar(select(func.count()).select_from(SequenceStep))


def test_the_list_shows_the_default_and_offers_each_client_its_own(logged_in):
    with_own = make_client(name="Alpine Co")
    make_client(name="Beacon Ltd")
    service.create_client_sequence(with_own)

    html = page_text(logged_in.get("/sequences/"))

    assert "Welcome to the program" in html
    assert "Alpine Co welcome" in html
    assert "Create a sequence for Beacon Ltd" in html
    assert "Create a sequence for Alpine Co" not in html
    assert "Mon–Fri 09:00–17:00" in html


def test_creating_a_client_sequence_copies_the_default_and_opens_it(logged_in):
    brand = make_client(name="Beacon Ltd")

    response = logged_in.post(f"/sequences/clients/{brand.id}")

    sequence = db.session.scalar(select(Sequence).where(Sequence.client_id == brand.id))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/sequences/{sequence.id}"
    assert len(sequence.steps) == 3
    follow = page_text(logged_in.get(response.headers["Location"]))
    assert "copied from the default" in follow
    # The steps read with the client's own name in the sample preview.
    assert "Welcome to the Beacon Ltd partner program, Jamie!" in follow


def test_a_second_copy_for_the_same_client_is_refused_with_a_message(logged_in):
    brand = make_client(name="Beacon Ltd")
    logged_in.post(f"/sequences/clients/{brand.id}")

    response = logged_in.post(f"/sequences/clients/{brand.id}", follow_redirects=True)

    assert "already has its own sequence" in page_text(response)
    assert db.session.scalar(select(func.count()).select_from(Sequence)) == 2


def test_the_sequence_page_shows_the_steps_in_order_with_day_and_preview(logged_in):
    sequence = service.default_sequence()

    html = page_text(logged_in.get(f"/sequences/{sequence.id}"))

    days = re.findall(r'class="day-badge">(Day \d+)<', html)
    assert days == ["Day 0", "Day 3", "Day 7"]
    assert "Welcome to the Summit Outdoor partner program, Jamie!" in html
    assert "Hi Jamie, I&#39;m Mia" in html


def test_an_unknown_sequence_is_a_404(logged_in):
    assert logged_in.get("/sequences/999").status_code == 404


def test_business_hours_are_saved_from_the_form(logged_in):
    sequence = service.default_sequence()

    response = logged_in.post(f"/sequences/{sequence.id}/hours", data={
        "send_weekdays": ["1", "3"], "send_from": "10:00", "send_until": "16:30"})

    assert response.status_code == 302
    db.session.refresh(sequence)
    assert (sequence.send_weekdays, sequence.send_from, sequence.send_until) == (
        [1, 3], time(10), time(16, 30))


@pytest.mark.parametrize(("data", "message"), [
    ({"send_from": "09:00", "send_until": "17:00"}, "pick at least one day"),
    ({"send_weekdays": ["0"], "send_from": "18:00", "send_until": "08:00"},
     "must be later than the start time"),
    ({"send_weekdays": ["0"], "send_from": "nine", "send_until": "17:00"},
     "must be a time like 09:00"),
])
def test_invalid_business_hours_are_shown_under_the_field_and_not_saved(logged_in, data,
                                                                        message):
    sequence = service.default_sequence()

    response = logged_in.post(f"/sequences/{sequence.id}/hours", data=data)

    assert response.status_code == 422
    assert re.search(rf'class="field-error">[^<]*{re.escape(message)}', page_text(response))
    db.session.refresh(sequence)
    assert sequence.send_weekdays == [0, 1, 2, 3, 4]


def test_the_new_step_form_suggests_three_days_after_the_last(logged_in):
    sequence = service.default_sequence()

    html = page_text(logged_in.get(f"/sequences/{sequence.id}/steps/new"))

    assert re.search(r'name="delay_days"[^>]*value="10"', html)


def test_adding_a_step_appends_it(logged_in):
    sequence = service.default_sequence()

    response = logged_in.post(f"/sequences/{sequence.id}/steps/new", data=STEP_FORM)

    assert response.status_code == 302
    db.session.refresh(sequence)
    assert [(s.position, s.delay_days) for s in sequence.steps][-1] == (4, 5)


def test_a_template_error_at_save_time_is_shown_under_its_field_and_nothing_is_saved(logged_in):
    sequence = service.default_sequence()
    body = "<p>Hi {{ partner.first_name }},</p>\n<p>Use this code:</p>\n<p>{{ coupon }}</p>"

    response = logged_in.post(f"/sequences/{sequence.id}/steps/new",
                              data={**STEP_FORM, "html_body": body})

    assert response.status_code == 422
    html = page_text(response)
    error = re.search(r'<small id="step-html-error" class="field-error">([^<]*)</small>', html)
    assert error is not None
    assert error.group(1) == ("line 3: unknown variable &#39;coupon&#39; "
                              "(use booking_link, client, manager, partner, unsubscribe_url)")
    assert "{{ coupon }}" in html  # what was typed is kept for fixing
    assert step_count() == 3


def test_errors_in_subject_and_text_body_go_under_those_fields(logged_in):
    sequence = service.default_sequence()

    response = logged_in.post(f"/sequences/{sequence.id}/steps/new", data={
        **STEP_FORM, "subject": "Hi {{ partner.nick }}", "text_body": "Hi\n\n{% endif %}"})

    html = page_text(response)
    assert response.status_code == 422
    assert re.search(r'id="step-subject-error" class="field-error">line 1: ', html)
    assert re.search(r'id="step-text-error" class="field-error">line 3: ', html)
    assert 'id="step-html-error"' not in html
    assert step_count() == 3


def test_editing_a_step_saves_it(logged_in):
    sequence = service.default_sequence()
    step = sequence.steps[1]

    response = logged_in.post(f"/sequences/{sequence.id}/steps/{step.id}/edit", data=STEP_FORM)

    assert response.status_code == 302
    db.session.refresh(step)
    assert (step.delay_days, step.subject) == (5, "A tip for {{ partner.first_name }}")


def test_a_failed_edit_keeps_the_stored_step(logged_in):
    sequence = service.default_sequence()
    step = sequence.steps[0]
    stored = step.subject

    response = logged_in.post(f"/sequences/{sequence.id}/steps/{step.id}/edit",
                              data={**STEP_FORM, "subject": "{{ partner.first_name"})

    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(SequenceStep, step.id).subject == stored


def test_a_step_of_another_sequence_is_a_404(logged_in):
    default = service.default_sequence()
    other = service.create_client_sequence(make_client())

    response = logged_in.get(f"/sequences/{default.id}/steps/{other.steps[0].id}/edit")

    assert response.status_code == 404


def test_moving_a_step_up_reorders_the_sequence(logged_in):
    sequence = service.default_sequence()
    first, second, third = (s.id for s in sequence.steps)

    response = logged_in.post(f"/sequences/{sequence.id}/steps/{third}/move",
                              data={"direction": "up"})

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"#step-{third}")
    db.session.refresh(sequence)
    assert [s.id for s in sequence.steps] == [first, third, second]


def test_deleting_a_step_removes_it(logged_in):
    sequence = service.default_sequence()
    first, second, third = (s.id for s in sequence.steps)

    response = logged_in.post(f"/sequences/{sequence.id}/steps/{first}/delete",
                              follow_redirects=True)

    assert "Step 1 deleted." in page_text(response)
    db.session.refresh(sequence)
    assert [(s.id, s.position) for s in sequence.steps] == [(second, 1), (third, 2)]
