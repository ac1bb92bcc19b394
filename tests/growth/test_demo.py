"""`rapport demo` fills growth records that agree with the memberships they belong to."""

from sqlalchemy import func, select

from crm.extensions import db
from crm.growth import commissions
from crm.models import CommissionChange, Interaction, Membership, Placement, Promotion


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_demo_growth_records_are_believable(runner, clock):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    today = clock.now().date()

    assert count(CommissionChange) >= 20 and count(Placement) >= 20 and count(Promotion) >= 15
    assert count(Placement, Placement.ends_on < Placement.starts_on) == 0
    assert count(Placement, Placement.starts_on <= today, Placement.ends_on >= today) > 0
    assert count(CommissionChange, CommissionChange.effective_on > today) > 0
    member_ids = set(db.session.scalars(select(CommissionChange.membership_id).distinct()))
    for membership in db.session.scalars(select(Membership).where(Membership.id.in_(member_ids))):
        assert membership.status == "approved"
        assert commissions.terms_in_force(membership) == membership.commission_terms
    events = count(Interaction, Interaction.summary.like("Commission at %"))
    assert events == count(CommissionChange)
    latest = db.session.scalar(select(func.max(Interaction.occurred_at)))
    assert latest <= clock.now()
