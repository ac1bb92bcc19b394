"""Sequence operations: a client's copy of the default, business hours, steps and their order."""

from datetime import time

import pytest
from sqlalchemy import func, select

from crm.errors import Conflict, InvalidInput
from crm.extensions import db
from crm.models import Enrollment, OutboundEmail, Sequence, SequenceStep
from crm.sequences import service
from outreach import default_sequence
from outreach.enrollments import enroll
from tests.factories import make_client, make_partner

STEP = {"delay_days": 2, "subject": "Hi {{ partner.first_name }}",
        "html_body": "<p>Hello from {{ client.name }}</p>", "text_body": ""}


def positions(sequence):
    db.session.refresh(sequence)
    return [(step.position, step.subject) for step in sequence.steps]


def test_the_default_sequence_is_created_once_on_first_use(app):
    first = service.default_sequence()
    second = service.default_sequence()

    assert first.id == second.id
    assert [step.delay_days for step in first.steps] == [0, 3, 7]
    assert db.session.scalar(select(func.count()).select_from(Sequence)) == 1


def test_a_client_sequence_starts_as_a_copy_of_the_default(app):
    brand = make_client(name="Summit Outdoor")
    default = service.default_sequence()
    service.update_hours(default, {"send_weekdays": [1, 2], "send_from": "10:00"})

    own = service.create_client_sequence(brand)

    assert (own.client_id, own.name) == (brand.id, "Summit Outdoor welcome")
    assert own.send_weekdays == [1, 2] and own.send_from == time(10, 0)
    assert [(s.position, s.delay_days, s.subject) for s in own.steps] == [
        (n, step["delay_days"], step["subject"])
        for n, step in enumerate(default_sequence.STEPS, start=1)
    ]
    assert {s.id for s in own.steps}.isdisjoint({s.id for s in default.steps})


def test_editing_the_copy_leaves_the_default_alone(app):
    own = service.create_client_sequence(make_client())

    service.update_step(own.steps[0], {"subject": "Our own welcome"})

    default = service.default_sequence()
    assert default.steps[0].subject == default_sequence.STEPS[0]["subject"]


def test_a_client_gets_one_sequence_only(app):
    brand = make_client()
    service.create_client_sequence(brand)

    with pytest.raises(Conflict) as refused:
        service.create_client_sequence(brand)

    assert refused.value.fields == {"client_id": "already has a sequence"}


@pytest.mark.parametrize(("data", "field"), [
    ({"send_weekdays": []}, "send_weekdays"),
    ({"send_weekdays": [7]}, "send_weekdays"),
    ({"send_weekdays": ["x"]}, "send_weekdays"),
    ({"send_from": "9 o'clock"}, "send_from"),
    ({"send_until": ""}, "send_until"),
    ({"send_from": "17:00", "send_until": "09:00"}, "send_until"),
    ({"send_from": "09:00", "send_until": "09:00"}, "send_until"),
])
def test_business_hours_are_validated_and_nothing_changes(app, data, field):
    sequence = service.default_sequence()

    with pytest.raises(InvalidInput) as refused:
        service.update_hours(sequence, data)

    assert field in refused.value.fields
    db.session.rollback()
    db.session.refresh(sequence)
    assert (sequence.send_weekdays, sequence.send_from, sequence.send_until) == (
        [0, 1, 2, 3, 4], time(9, 0), time(17, 0))


def test_business_hours_are_saved(app):
    sequence = service.default_sequence()

    service.update_hours(sequence, {"send_weekdays": ["5", "0", "0"], "send_from": "08:30",
                                    "send_until": "12:15"})

    db.session.refresh(sequence)
    assert sequence.send_weekdays == [0, 5]
    assert (sequence.send_from, sequence.send_until) == (time(8, 30), time(12, 15))
    assert service.hours_label(sequence) == "Mon, Sat 08:30–12:15"


def test_a_step_is_appended_after_the_last(app):
    sequence = service.default_sequence()

    step = service.add_step(sequence, STEP)

    assert step.position == 4
    assert positions(sequence)[-1] == (4, "Hi {{ partner.first_name }}")


def test_a_template_error_names_the_field_and_line_and_saves_nothing(app):
    sequence = service.default_sequence()
    body = "<p>Hi {{ partner.first_name }},</p>\n<p>Your code:</p>\n<p>{{ coupon }}</p>"

    with pytest.raises(InvalidInput) as refused:
        service.add_step(sequence, {**STEP, "html_body": body})

    assert refused.value.fields == {"html_body": (
        "line 3: unknown variable 'coupon' "
        "(use booking_link, client, manager, partner, unsubscribe_url)")}
    assert "html_body: line 3" in refused.value.message
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(SequenceStep)) == 3


def test_every_failing_field_is_reported_at_once(app):
    sequence = service.default_sequence()

    with pytest.raises(InvalidInput) as refused:
        service.add_step(sequence, {
            "delay_days": 400, "subject": "Hi {{ partner.nickname }}",
            "html_body": "<p>{% if %}</p>", "text_body": "ok\n{{ 1 / 0 }}",
        })

    fields = refused.value.fields
    assert set(fields) == {"delay_days", "subject", "html_body", "text_body"}
    assert "0 to 365" in fields["delay_days"]
    assert fields["subject"].startswith("line 1: ")
    assert fields["html_body"].startswith("line 1: ")
    assert fields["text_body"] == "line 2: division by zero"


@pytest.mark.parametrize(("source", "expected"), [
    ("x\n{{ partner.name | shout }}", "line 2: No filter named 'shout'."),
    ("x\ny\n{% if partner is shouting %}{% endif %}", "line 3: No test named 'shouting' found."),
    ("{{ partner.__class__ }}", "line 1: not allowed: "),
    ("{{ range(10**9) | list }}", "line 1: loops over range() go past 10,000"),
    ("<p>Hi</p>\n<p>{{ partner.name * 100000000 }}</p>",
     "line 2: the result would be longer than 10,000 characters or items"),
    ("<p>Hi</p>\n\n<p>{{ 9 ** (9 ** 9) }}</p>",
     "line 3: the number would have more than 1,000 digits"),
    ("<p>Hi</p>\n{% for i in range(9000) %}{{ partner.name * 800 }}{% endfor %}",
     "line 2: the email would be longer than 200,000 characters"),
    ("<p>Hi</p>\n{% for a in 'x' * 9000 %}{% for b in 'x' * 9000 %}{% endfor %}{% endfor %}",
     "line 2: loops, calls and filters go past 10,000 steps"),
    ("<p>Hi</p>\n<p>{{ partner.name + 1 }}</p>", "line 2: can only concatenate str"),
])
def test_hostile_or_odd_templates_are_refused_not_crashed(app, source, expected):
    sequence = service.default_sequence()

    with pytest.raises(InvalidInput) as refused:
        service.add_step(sequence, {**STEP, "html_body": source})

    assert refused.value.fields["html_body"].startswith(expected)


def test_a_failed_edit_leaves_the_step_as_it_was(app):
    step = service.default_sequence().steps[0]
    before = (step.subject, step.html_body)

    with pytest.raises(InvalidInput):
        service.update_step(step, {"subject": "New subject", "html_body": "{{ coupon }}"})

    db.session.rollback()
    db.session.refresh(step)
    assert (step.subject, step.html_body) == before


def test_an_empty_text_body_is_stored_empty_to_be_made_from_the_html(app):
    step = service.add_step(service.default_sequence(), {**STEP, "text_body": "  \n "})

    assert step.text_body == ""


@pytest.mark.parametrize("delay", [-1, 366, "3.5", "", True])
def test_delay_must_be_whole_days_from_0_to_365(app, delay):
    with pytest.raises(InvalidInput) as refused:
        service.add_step(service.default_sequence(), {**STEP, "delay_days": delay})

    assert set(refused.value.fields) == {"delay_days"}


def test_moving_a_step_swaps_it_with_its_neighbour(app):
    sequence = service.default_sequence()
    first, second, third = sequence.steps

    service.move_step(third, "up")
    service.move_step(first, "down")

    assert [s.id for s in sorted(sequence.steps, key=lambda s: s.position)] == [
        third.id, first.id, second.id]
    assert [s.position for s in sorted(sequence.steps, key=lambda s: s.position)] == [1, 2, 3]


def test_moving_past_either_end_changes_nothing(app):
    sequence = service.default_sequence()
    order = [s.id for s in sequence.steps]

    service.move_step(sequence.steps[0], "up")
    service.move_step(sequence.steps[-1], "down")

    db.session.refresh(sequence)
    assert [s.id for s in sequence.steps] == order


def test_a_move_must_be_up_or_down(app):
    with pytest.raises(InvalidInput):
        service.move_step(service.default_sequence().steps[0], "sideways")


def test_deleting_a_step_closes_the_gap_and_keeps_partners_on_their_next_email(app, manager):
    sequence = service.default_sequence()
    first, second, third = sequence.steps
    enrollment = enroll(make_partner(), None, manager)
    enrollment.next_position = 3  # steps 1 and 2 were sent; the third is next
    db.session.add(OutboundEmail(
        partner_id=enrollment.partner_id, enrollment_id=enrollment.id, step_id=second.id,
        to_address="p@publisher.com", from_address="r@rapport.example.com", subject="Sent",
        text_body="t", message_id="<sent@rapport.example.com>", created_at=enrollment.started_at,
    ))
    db.session.commit()

    service.delete_step(second)

    db.session.refresh(sequence)
    assert [(s.id, s.position) for s in sequence.steps] == [(first.id, 1), (third.id, 2)]
    assert db.session.get(Enrollment, enrollment.id).next_position == 2
    kept = db.session.scalar(select(OutboundEmail))
    assert (kept.subject, kept.step_id) == ("Sent", None)

