"""Bulk writes: one statement per table on PostgreSQL, the same rows as an executemany."""

import pytest
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, StatementError

from crm import clock
from crm.extensions import db
from crm.models import Interaction, Partner
from outreach.bulk_writes import insert_rows, update_rows
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
