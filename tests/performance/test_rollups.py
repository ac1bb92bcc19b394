"""The rollups always equal a GROUP BY over performance_days, whatever wrote the days."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import delete, select

from crm.extensions import db
from crm.models import (
    Membership,
    PerformanceClientDay,
    PerformanceDay,
    PerformanceMembershipMonth,
)
from crm.performance import rollups, service
from crm.performance.service import import_file, import_options, upsert_days
from tests.factories import make_client, make_membership
from tests.performance.helpers import HEADER, forkful, stored_days, write_csv

FIGURES = ("clicks", "conversions", "revenue_cents", "commission_cents")


def run(tmp_path, lines: str, name: str = "network.csv"):
    path = write_csv(tmp_path, HEADER + lines, name)
    return import_file(path, import_options(path.name))


def expected_rollups() -> tuple[dict, dict]:
    """(client, day) and (membership, first of month) → summed figures, computed in Python."""
    client_of = dict(db.session.execute(select(Membership.id, Membership.client_id)).all())
    by_day: dict = defaultdict(lambda: [0, 0, 0, 0])
    by_month: dict = defaultdict(lambda: [0, 0, 0, 0])
    for membership_id, day, *figures in stored_days():
        for totals in (by_day[(client_of[membership_id], day)],
                       by_month[(membership_id, day.replace(day=1))]):
            for i, value in enumerate(figures):
                totals[i] += value
    return ({k: tuple(v) for k, v in by_day.items()},
            {k: tuple(v) for k, v in by_month.items()})


def stored_rollups() -> tuple[dict, dict]:
    db.session.expire_all()
    days, months = PerformanceClientDay, PerformanceMembershipMonth
    by_day = {(row.client_id, row.day): tuple(getattr(row, f) for f in FIGURES)
              for row in db.session.scalars(select(days))}
    by_month = {(row.membership_id, row.month): tuple(getattr(row, f) for f in FIGURES)
                for row in db.session.scalars(select(months))}
    return by_day, by_month


def assert_rollups_match() -> None:
    expected = expected_rollups()
    assert stored_rollups() == expected
    assert expected[0] and expected[1]


@pytest.fixture
def program(app):
    return forkful()


ACROSS_A_MONTH_END = (
    "2026-02-27,alice@trailtested.com,Forkful,100,2,50.00,5.00\n"
    "2026-02-28,alice@trailtested.com,Forkful,120,3,60.00,6.00\n"
    "2026-03-01,alice@trailtested.com,Forkful,90,1,25.00,2.50\n"
    "2026-02-28,bob@weeknightcooks.com,Forkful,10,0,-20.00,-2.00\n"
    "2026-03-01,bob@weeknightcooks.com,Forkful,30,1,40.00,4.00\n"
)


def test_an_import_rolls_up_into_program_days_and_membership_months(program, tmp_path):
    run(tmp_path, ACROSS_A_MONTH_END)

    assert_rollups_match()
    by_day, by_month = stored_rollups()
    client = program.client.id
    assert by_day[(client, date(2026, 2, 28))] == (130, 3, 4000, 400)
    assert by_month[(program.alice_membership.id, date(2026, 2, 1))] == (220, 5, 11000, 1100)


def test_re_importing_a_day_replaces_it_in_the_rollups(program, tmp_path):
    run(tmp_path, ACROSS_A_MONTH_END)

    run(tmp_path, "2026-02-28,alice@trailtested.com,Forkful,1,0,1.00,0.10\n", "again.csv")

    assert_rollups_match()
    by_day, _ = stored_rollups()
    assert by_day[(program.client.id, date(2026, 2, 28))] == (11, 0, -1900, -190)


def test_a_second_import_into_the_same_month_adds_its_days(program, tmp_path):
    run(tmp_path, ACROSS_A_MONTH_END)

    run(tmp_path, "2026-03-05,alice@trailtested.com,Forkful,7,1,10.00,1.00\n"
                  "2026-03-06,bob@weeknightcooks.com,Forkful,8,0,0,0\n", "later.csv")

    assert_rollups_match()
    _, by_month = stored_rollups()
    assert by_month[(program.alice_membership.id, date(2026, 3, 1))] == (97, 2, 3500, 350)


def test_an_import_of_many_batches_rolls_up_every_batch(program, tmp_path, monkeypatch):
    monkeypatch.setattr(service, "BATCH_SIZE", 2)

    run(tmp_path, ACROSS_A_MONTH_END)

    assert_rollups_match()


def test_a_rejected_import_leaves_the_rollups_as_they_were(program, tmp_path):
    run(tmp_path, ACROSS_A_MONTH_END)
    before = stored_rollups()

    with pytest.raises(service.RowsRejected):
        run(tmp_path, "2026-02-27,alice@trailtested.com,Forkful,999,9,999.00,99.00\n"
                      "2026-02-28,nobody@nowhere.com,Forkful,1,0,0,0\n", "bad.csv")

    assert stored_rollups() == before


def test_another_programs_days_stay_in_their_own_rollups(program, tmp_path):
    other = make_client(name="Borealis Bank")
    make_membership(program.alice, other, status="approved")
    run(tmp_path, ACROSS_A_MONTH_END
        + "2026-02-28,alice@trailtested.com,Borealis Bank,5000,50,5000.00,500.00\n")

    assert_rollups_match()
    by_day, _ = stored_rollups()
    assert by_day[(program.client.id, date(2026, 2, 28))] == (130, 3, 4000, 400)
    assert by_day[(other.id, date(2026, 2, 28))] == (5000, 50, 500000, 50000)


def _day(membership, day: date, clicks: int, at) -> dict:
    return {"membership_id": membership.id, "day": day, "clicks": clicks, "conversions": 1,
            "revenue_cents": clicks * 10, "commission_cents": clicks, "imported_at": at}


def test_upsert_days_refreshes_the_rollups_it_touches(program, clock):
    now = clock.now()
    upsert_days([_day(program.alice_membership, date(2026, 1, 31), 5, now),
                 _day(program.bob_membership, date(2026, 2, 1), 6, now)])
    upsert_days([_day(program.alice_membership, date(2026, 1, 31), 50, now)])

    assert_rollups_match()
    _, by_month = stored_rollups()
    assert by_month[(program.alice_membership.id, date(2026, 1, 1))] == (50, 1, 500, 50)


def test_days_added_changed_and_deleted_through_the_session_refresh_on_flush(program, clock):
    alice = program.alice_membership.id
    kept = PerformanceDay(membership_id=alice, day=date(2026, 2, 10), clicks=3, conversions=0,
                          revenue_cents=300, commission_cents=30, imported_at=clock.now())
    moved = PerformanceDay(membership_id=alice, day=date(2026, 2, 11), clicks=4, conversions=1,
                           revenue_cents=400, commission_cents=40, imported_at=clock.now())
    db.session.add_all([kept, moved])
    db.session.flush()
    assert_rollups_match()

    moved.day = date(2026, 3, 2)
    kept.clicks = 30
    db.session.flush()
    assert_rollups_match()

    db.session.delete(moved)
    db.session.commit()
    assert_rollups_match()
    by_day, by_month = stored_rollups()
    assert (program.client.id, date(2026, 3, 2)) not in by_day
    assert (alice, date(2026, 3, 1)) not in by_month


def test_rebuild_recomputes_a_program_from_its_days(program, tmp_path):
    run(tmp_path, ACROSS_A_MONTH_END)
    db.session.execute(delete(PerformanceClientDay))
    db.session.execute(delete(PerformanceMembershipMonth))

    rollups.rebuild(program.client.id)

    assert_rollups_match()


def test_the_migration_fills_the_rollups_from_the_stored_days(program, tmp_path):
    run(tmp_path, ACROSS_A_MONTH_END)
    db.session.remove()

    downgrade(revision="0006")  # drops the rollups, keeping the days
    upgrade()  # creates them again and backfills them from the days

    assert_rollups_match()


D = date


@pytest.mark.parametrize(("start", "end", "months", "days"), [
    # the last 12 months from the 11th: most of March 2025 as the month less its first 10 days
    (D(2025, 3, 11), D(2026, 3, 10), [(D(2025, 3, 1), D(2026, 3, 1))],
     [(D(2025, 3, 1), D(2025, 3, 10), -1), (D(2026, 3, 1), D(2026, 3, 10), 1)]),
    (D(2026, 2, 1), D(2026, 2, 28), [(D(2026, 2, 1), D(2026, 3, 1))], []),
    (D(2025, 12, 1), D(2026, 1, 31), [(D(2025, 12, 1), D(2026, 2, 1))], []),
    (D(2026, 3, 1), D(2026, 3, 10), [], [(D(2026, 3, 1), D(2026, 3, 10), 1)]),
    (D(2026, 1, 20), D(2026, 2, 5), [],
     [(D(2026, 1, 20), D(2026, 1, 31), 1), (D(2026, 2, 1), D(2026, 2, 5), 1)]),
    (D(2026, 1, 5), D(2026, 1, 25), [(D(2026, 1, 1), D(2026, 2, 1))],
     [(D(2026, 1, 1), D(2026, 1, 4), -1), (D(2026, 1, 26), D(2026, 1, 31), -1)]),
])
def test_a_period_is_summed_from_whole_months_and_the_fewest_days(start, end, months, days):
    from crm.reports.queries import period_parts

    assert period_parts(start, end) == (months, days)


def test_top_partners_over_edge_days_and_whole_months_equal_the_days_summed(program, clock):
    from crm.reports.periods import custom
    from crm.reports.queries import top_partners

    alice, bob = program.alice_membership, program.bob_membership
    now, first = clock.now(), date(2025, 12, 1)
    upsert_days([_day(member, first + timedelta(days=n), (n * 7 + member.id * 13) % 50, now)
                 for member in (alice, bob) for n in range(99)])
    for start, end in ((date(2025, 12, 15), date(2026, 2, 10)),
                       (date(2025, 12, 3), date(2026, 2, 27)),
                       (date(2026, 1, 1), date(2026, 1, 31)),
                       (date(2026, 1, 5), date(2026, 1, 9)),
                       (date(2026, 1, 2), date(2026, 1, 30)),
                       (date(2025, 12, 1), date(2026, 3, 9))):
        totals: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        for membership_id, day, clicks, _conversions, cents, _ in stored_days():
            if start <= day <= end:
                totals[membership_id][0] += clicks
                totals[membership_id][1] += cents

        rows = top_partners(program.client.id, custom(start, end))

        assert {row[0]: [row[2], row[4]] for row in rows} == dict(totals), (start, end)
