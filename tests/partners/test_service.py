"""The partner service: dedupe on create and edit, timeline events, logging interactions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from crm.errors import Conflict, InvalidInput
from crm.extensions import db
from crm.models import Interaction, Partner
from crm.partners import service
from tests.conftest import START
from tests.factories import make_partner, make_user


def events_of(partner: Partner) -> list[str]:
    """Timeline summaries, oldest first."""
    return list(db.session.scalars(
        select(Interaction.summary).where(Interaction.partner_id == partner.id)
        .order_by(Interaction.occurred_at, Interaction.id)
    ))


def partner_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Partner))


# ---- create --------------------------------------------------------------------------


def test_create_normalises_and_records_who_added_the_partner(app, manager):
    partner = service.create_partner(
        {"name": " Nina Novak ", "email": "Nina@NovakReviews.com", "website": "novakreviews.com",
         "tags": "Tech, reviews, tech", "country": "si"},
        manager,
    )

    assert partner.name == "Nina Novak"
    assert partner.email_key == "nina@novakreviews.com"
    assert partner.website == "https://novakreviews.com"
    assert partner.website_domain == "novakreviews.com"
    assert partner.tag_names == ["reviews", "tech"]
    assert partner.country == "SI"
    assert partner.owner_id == manager.id
    assert partner.created_at == START
    assert "nina novak" in partner.search_text
    assert events_of(partner) == ["Partner added"]


def test_create_dedupes_by_email_case_insensitively(app, manager):
    existing = service.create_partner({"name": "Nina", "email": "nina@novakreviews.com"}, manager)

    with pytest.raises(Conflict) as raised:
        service.create_partner({"name": "Nina again", "email": "NINA@NovakReviews.COM"}, manager)

    assert set(raised.value.fields) == {"email"}
    assert f"#{existing.id}" in raised.value.fields["email"]
    assert partner_count() == 1


def test_create_dedupes_by_website_domain(app, manager):
    service.create_partner({"name": "Trail Tales", "website": "https://www.trailtales.com/blog"},
                           manager)

    with pytest.raises(Conflict) as raised:
        service.create_partner({"name": "Trail Tales Shop", "website": "http://shop.trailtales.com"},
                               manager)

    assert set(raised.value.fields) == {"website"}
    assert partner_count() == 1


def test_channels_on_a_shared_platform_are_different_partners(app, manager):
    service.create_partner({"name": "Alice", "website": "youtube.com/@alice"}, manager)

    bob = service.create_partner({"name": "Bob", "website": "https://www.youtube.com/@bob"},
                                 manager)

    assert bob.website_domain == "youtube.com/@bob"
    assert partner_count() == 2


def test_create_without_a_name_lists_every_bad_field(app, manager):
    with pytest.raises(InvalidInput) as raised:
        service.create_partner({"name": "", "email": "not-an-email", "stage": "won"}, manager)

    assert set(raised.value.fields) == {"name", "email", "stage"}
    assert partner_count() == 0


# ---- update --------------------------------------------------------------------------


def test_update_records_stage_owner_and_profile_changes_separately(app, manager):
    tom = make_user(name="Tom Torres")
    partner = service.create_partner({"name": "Alice"}, manager)

    service.update_partner(
        partner, {"stage": "contacted", "owner_id": tom.id, "company": "Trail Tales"}, manager
    )

    assert (partner.stage, partner.owner_id, partner.company) == ("contacted", tom.id,
                                                                  "Trail Tales")
    assert events_of(partner) == [
        "Partner added",
        "Stage changed: prospect → contacted",
        "Owner changed: Mia Manager → Tom Torres",
        "Profile edited",
    ]
    edited = db.session.scalar(select(Interaction).where(Interaction.summary == "Profile edited"))
    assert edited.body == "Changed: company"
    assert edited.author_id == manager.id


def test_change_stage_and_change_owner_are_recorded(app, manager):
    partner = service.create_partner({"name": "Alice"}, manager)

    service.change_stage(partner, "active", manager)
    service.change_owner(partner, None, manager)

    assert events_of(partner)[1:] == [
        "Stage changed: prospect → active",
        "Owner changed: Mia Manager → nobody",
    ]


def test_an_update_that_changes_nothing_records_nothing(app, manager):
    partner = service.create_partner({"name": "Alice", "email": "alice@trailtales.com"}, manager)

    service.update_partner(partner, {"name": "Alice", "email": "alice@trailtales.com"}, manager)

    assert events_of(partner) == ["Partner added"]


def test_update_may_keep_its_own_email_but_not_take_another(app, manager):
    alice = service.create_partner({"name": "Alice", "email": "alice@trailtales.com"}, manager)
    service.create_partner({"name": "Bob", "email": "bob@dealden.com"}, manager)

    service.update_partner(alice, {"email": "ALICE@trailtales.com", "name": "Alice M."}, manager)
    with pytest.raises(Conflict):
        service.update_partner(alice, {"email": "Bob@DealDen.com", "name": "Renamed"}, manager)

    db.session.expire_all()
    alice = db.session.get(Partner, alice.id)
    assert (alice.name, alice.email_key) == ("Alice M.", "alice@trailtales.com")


def test_update_refuses_an_unknown_owner(app, manager):
    partner = service.create_partner({"name": "Alice"}, manager)

    with pytest.raises(InvalidInput) as raised:
        service.change_owner(partner, 9999, manager)

    assert "owner_id" in raised.value.fields


# ---- log_interaction -----------------------------------------------------------------


def test_log_interaction_stores_the_entry_and_moves_last_contact(app, manager):
    partner = make_partner()
    at = datetime(2026, 3, 9, 10, 0, tzinfo=UTC)

    call = service.log_interaction(partner, manager, "call", "  Intro call  ", "Notes",
                                   occurred_at=at, direction="inbound")

    assert (call.kind, call.summary, call.direction, call.occurred_at) == (
        "call", "Intro call", "inbound", at
    )
    assert call.author_id == manager.id
    assert partner.last_interaction_at == at


def test_an_older_entry_does_not_move_last_contact_back(app, manager):
    partner = make_partner()
    service.log_interaction(partner, manager, "email", "Recent", occurred_at=START)

    service.log_interaction(partner, manager, "note", "Back-dated",
                            occurred_at=START - timedelta(days=3))

    assert partner.last_interaction_at == START


def test_a_note_has_no_direction(app, manager):
    note = service.log_interaction(make_partner(), manager, "note", "Thought", direction="inbound")

    assert note.direction == "internal"
    assert note.occurred_at == START


@pytest.mark.parametrize(
    ("kwargs", "bad_fields"),
    [
        ({"kind": "system", "summary": "x"}, {"kind"}),
        ({"kind": "call", "summary": "   "}, {"summary"}),
        ({"kind": "call", "summary": "x" * 301}, {"summary"}),
        ({"kind": "call", "summary": "x", "direction": "sideways"}, {"direction"}),
        ({"kind": "call", "summary": "x", "occurred_at": datetime(2026, 3, 1, 9, 0)},
         {"occurred_at"}),
        ({"kind": "fax", "summary": ""}, {"kind", "summary"}),
    ],
)
def test_log_interaction_refuses_bad_input_and_writes_nothing(app, manager, kwargs, bad_fields):
    partner = make_partner()

    with pytest.raises(InvalidInput) as raised:
        service.log_interaction(partner, manager, **kwargs)

    assert set(raised.value.fields) == bad_fields
    assert events_of(partner) == []
    assert partner.last_interaction_at is None
