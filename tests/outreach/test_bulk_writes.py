"""Bulk writes: one statement per table on PostgreSQL, the same rows as an executemany."""

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError, StatementError

from crm import clock
from crm.extensions import db
from crm.models import Interaction, Partner
from outreach.bulk_writes import insert_rows, inserting, one_of, update_rows
from tests.factories import make_partner


def event(partner_id, summary, **extra):
    now = clock.now()
    return {"partner_id": partner_id, "kind": "system", "occurred_at": now, "summary": summary,
            "author_id": None, "created_at": now, **extra}


def test_inserted_rows_get_their_values_and_column_defaults(app):
    # Given a partner
    partner = make_partner()
    # When two timeline events are inserted without direction and body
    insert_rows(Interaction.__table__, [event(partner.id, "one"), event(partner.id, "two")])
    db.session.commit()
    # Then both are stored with the columns' defaults filled in
    rows = db.session.execute(select(Interaction.summary, Interaction.direction,
                                     Interaction.body, Interaction.occurred_at)
                              .order_by(Interaction.id)).all()
    assert [(r.summary, r.direction, r.body) for r in rows] == [
        ("one", "internal", ""), ("two", "internal", "")]
    assert rows[0].occurred_at == clock.now()


def test_a_value_too_long_for_its_column_is_refused_not_cut(app):
    # Given a partner, and an event whose summary is longer than the column allows
    partner = make_partner()
    rows = [event(partner.id, "x" * 301)]
    if db.engine.dialect.name == "sqlite":
        pytest.skip("SQLite does not enforce VARCHAR lengths")
    # When it is inserted, then the database refuses it
    with pytest.raises((DBAPIError, StatementError)):
        insert_rows(Interaction.__table__, rows)
    db.session.rollback()


def test_updated_rows_change_only_their_own_row(app):
    # Given three partners
    partners = [make_partner(name=f"P{n}") for n in range(3)]
    # When two of them are renamed in one bulk update
    update_rows(Partner.__table__, "id", [{"id": partners[0].id, "name": "First"},
                                          {"id": partners[2].id, "name": "Third"}])
    db.session.commit()
    # Then exactly those two changed
    names = db.session.scalars(select(Partner.name).order_by(Partner.id)).all()
    assert names == ["First", "P1", "Third"]


def test_inserted_rows_keep_json_lists_nulls_and_text_that_copy_must_escape(app):
    # Given two partner rows: one with a list of channels and awkward text, one with nulls
    now = clock.now()
    base = {"phone": "", "company": "", "website": "", "website_domain": None, "country": "",
            "timezone": "UTC", "source": "other", "source_list": "", "stage": "prospect",
            "owner_id": None, "search_text": "", "created_at": now, "updated_at": now}
    rows = [
        base | {"name": "Tab\there, back\\slash, new\nline", "email": "a@shop.com",
                "email_key": "a@shop.com", "channels": ["Blog", "Newsletter"],
                "about": "'; DROP TABLE partners; --"},
        base | {"name": "Nulls", "email": None, "email_key": None, "channels": [], "about": ""},
    ]
    # When they are bulk-inserted (COPY on PostgreSQL)
    insert_rows(Partner.__table__, rows)
    db.session.commit()
    # Then every value reads back exactly as given
    stored = db.session.execute(select(Partner.name, Partner.email, Partner.channels,
                                       Partner.about, Partner.created_at)
                                .order_by(Partner.id)).all()
    assert [tuple(r) for r in stored] == [
        ("Tab\there, back\\slash, new\nline", "a@shop.com", ["Blog", "Newsletter"],
         "'; DROP TABLE partners; --", now),
        ("Nulls", None, [], "", now),
    ]


def test_a_refused_bulk_insert_raises_a_database_error_and_can_be_rolled_back(app):
    # Given a partner with an email key
    make_partner(email="taken@shop.com")
    row = {"partner_id": 10**9, "kind": "system", "occurred_at": clock.now(),
           "summary": "for nobody", "author_id": None, "created_at": clock.now()}
    # When an event for a partner that does not exist is bulk-inserted
    with pytest.raises(DBAPIError):
        insert_rows(Interaction.__table__, [row])
    # Then the session rolls back cleanly and nothing was stored
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Interaction)) == 0


def test_one_of_matches_exactly_the_given_values_for_any_batch_size(app):
    partners = [make_partner(name=f"P{n}") for n in range(5)]
    ids = [p.id for p in partners]
    for wanted in ([], ids[:1], ids[1:4], [*ids, 10**9]):
        found = db.session.scalars(
            select(Partner.id).where(one_of(Partner.id, wanted)).order_by(Partner.id)).all()
        assert found == sorted(i for i in wanted if i in ids)


def test_a_refusal_of_an_insert_that_runs_beside_other_work_is_raised_by_its_end(app):
    # Given a partner, and an insert (finished at the end of its block) of an event for a
    # partner that does not exist
    partner_id = make_partner().id
    rows = [event(10**9, "for nobody")]
    # When other work runs inside the block, then the refusal is raised by the block's end
    with pytest.raises(DBAPIError):
        with inserting(Interaction.__table__, rows):
            assert partner_id  # work that does not touch the session
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Interaction)) == 0


def test_an_error_inside_the_block_keeps_its_rows_out(app):
    partner = make_partner()
    with pytest.raises(RuntimeError):
        with inserting(Interaction.__table__, [event(partner.id, "never")]):
            raise RuntimeError("the caller's own work failed")
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Interaction)) == 0


def test_inside_the_block_the_session_fails_at_once_while_a_copy_is_open(app):
    # Given a partner whose attributes need a query to be read again
    partner = make_partner()
    partner_id = partner.id
    db.session.commit()
    rows = [event(partner_id, "one")]
    if db.engine.dialect.name == "sqlite":
        # SQLite's rows are written before the block starts: the session is free inside it
        with inserting(Interaction.__table__, rows):
            assert partner.name
        return
    # On PostgreSQL a read inside the block fails at once instead of waiting forever
    with pytest.raises(RuntimeError, match="busy with a bulk insert"):
        with inserting(Interaction.__table__, rows):
            assert partner.name
    db.session.rollback()
