"""`rapport demo`: a believable agency, loaded once, with logins that work."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from crm.extensions import db
from crm.models import (
    SOURCES,
    STAGES,
    Client,
    Interaction,
    Meeting,
    Membership,
    Partner,
    PartnerTag,
    User,
)
from tests.factories import make_partner

LOGIN_LINE = re.compile(r"^Demo login: (\S+) / (\S+)", re.MULTILINE)


def load(runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    return result.output


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def table_counts() -> dict[str, int]:
    models = (User, Client, Partner, PartnerTag, Membership, Interaction)
    return {model.__tablename__: count(model) for model in models}


def test_demo_loads_an_agency_with_clients_managers_and_partners(runner):
    load(runner)

    assert count(Client) == 3
    assert count(User, User.role == "manager") == 3
    assert count(User, User.role == "admin") == 1
    assert len({user.timezone for user in db.session.scalars(select(User))}) == 4
    assert 250 <= count(Partner) <= 350
    assert set(db.session.scalars(select(Partner.stage).distinct())) == set(STAGES)
    assert set(db.session.scalars(select(Partner.source).distinct())) == set(SOURCES)
    for client in db.session.scalars(select(Client)):
        assert client.goals and client.brand_notes and client.growth_levers


def test_demo_partners_have_distinct_websites_and_owners_across_managers(runner):
    load(runner)

    websites = list(db.session.scalars(select(Partner.website)))
    assert len(set(websites)) == len(websites)
    owners = db.session.scalars(select(Partner.owner_id).distinct())
    managers = db.session.scalars(select(User.id).where(User.role == "manager"))
    assert set(owners) == set(managers)
    assert count(PartnerTag, PartnerTag.name == "coupon") > 0


def test_demo_has_months_of_interactions_up_to_now(runner, clock):
    load(runner)

    assert count(Interaction) > 2000
    first, last = db.session.execute(
        select(func.min(Interaction.occurred_at), func.max(Interaction.occurred_at))
    ).one()
    assert last <= clock.now()
    assert last - first > timedelta(days=90)
    kinds = set(db.session.scalars(select(Interaction.kind).distinct()))
    assert kinds == {"note", "call", "email", "meeting", "conference", "system"}


def test_each_partners_last_interaction_is_its_latest_logged_one(runner):
    load(runner)

    latest = dict(
        db.session.execute(
            select(Interaction.partner_id, func.max(Interaction.occurred_at))
            .where(Interaction.kind != "system")
            .group_by(Interaction.partner_id)
        ).all()
    )
    for partner in db.session.scalars(select(Partner)):
        assert partner.last_interaction_at == latest.get(partner.id), partner.name


def test_onboarding_partners_have_calls_booked_and_some_active_ones_had_one(runner, clock):
    load(runner)

    booked = db.session.scalars(select(Meeting).where(Meeting.status == "scheduled")).all()
    held = db.session.scalars(select(Meeting).where(Meeting.status == "held")).all()
    assert len(booked) >= 5 and len(held) >= 3
    assert all(m.partner.stage == "onboarding" and m.starts_at > clock.now() for m in booked)
    assert all(m.partner.stage == "active" and m.starts_at < clock.now() for m in held)
    assert all(m.manager_id == m.partner.owner_id for m in booked + held)


def test_membership_status_follows_the_partner_stage(runner):
    load(runner)

    expected = {"onboarding": {"pending"}, "active": {"approved"}, "paused": {"paused"},
                "churned": {"ended"}, "prospect": set(), "contacted": set()}
    rows = db.session.execute(
        select(Partner.stage, Membership.status).join(Partner.memberships)
    ).all()
    statuses: dict[str, set[str]] = {stage: set() for stage in STAGES}
    for stage, status in rows:
        statuses[stage].add(status)
    assert statuses == expected
    assert all(m.commission_terms for m in db.session.scalars(select(Membership)))


def test_printed_demo_logins_sign_in(runner, auth):
    output = load(runner)

    logins = LOGIN_LINE.findall(output)
    assert len(logins) == 4
    assert logins[0][0] == "admin@rapport.example.com"
    for email, password in logins:
        assert auth.login(email=email, password=password).status_code == 302
        auth.logout()


def test_second_run_changes_nothing_and_prints_the_logins_again(runner):
    load(runner)
    before = table_counts()

    output = load(runner)

    assert "Demo data already loaded." in output
    assert len(LOGIN_LINE.findall(output)) == 4
    assert table_counts() == before


def test_demo_is_not_loaded_into_a_database_with_other_data(runner):
    make_partner(name="A real partner")

    output = load(runner)

    assert "Database already has data; demo not loaded." in output
    assert LOGIN_LINE.findall(output) == []
    assert count(Partner) == 1
    assert count(User) == 0


def test_each_manager_has_follow_ups_waiting(runner):
    from crm.models import FollowUp

    load(runner)

    owners = db.session.scalars(select(Partner.owner_id).join(
        FollowUp, FollowUp.partner_id == Partner.id).where(FollowUp.status == "open")
        .distinct()).all()
    assert len(owners) == 3
