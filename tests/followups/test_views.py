"""The follow-up queue page: my partners' open flags, with the next step, snooze and resolve."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from crm.extensions import db
from crm.models import FollowUp
from outreach import followups
from tests.factories import make_partner, make_user

NOW = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)


def quiet_partner(owner, name):
    return make_partner(name=name, stage="active", owner_id=owner.id,
                        last_interaction_at=NOW - timedelta(days=45))


def test_my_queue_lists_my_partners_with_the_reason_and_a_count_in_the_nav(logged_in, manager):
    quiet_partner(manager, "Nina Novak")
    quiet_partner(make_user(name="Tom Torres"), "Someone Else")
    followups.scan(NOW)

    page = logged_in.get("/followups/").get_data(as_text=True)

    assert "Nina Novak" in page and "No contact for 30+ days (active)" in page
    assert "Someone Else" not in page
    assert 'aria-label="1 open"' in page
    everyone = logged_in.get("/followups/?view=all").get_data(as_text=True)
    assert "Someone Else" in everyone


def test_snooze_and_resolve_from_the_queue(logged_in, manager):
    quiet_partner(manager, "Nina Novak")
    quiet_partner(manager, "Alice Meyer")
    followups.scan(NOW)
    first, second = db.session.scalars(select(FollowUp).order_by(FollowUp.id)).all()

    assert logged_in.post(f"/followups/{first.id}/snooze",
                          data={"until": "2026-03-20"}).status_code == 302
    assert logged_in.post(f"/followups/{second.id}/resolve",
                          data={"note": "Spoke at the conference"}).status_code == 302

    assert (first.status, second.status) == ("snoozed", "resolved")
    assert first.snoozed_until == datetime(2026, 3, 20, 8, 0, tzinfo=UTC)  # 09:00 in Berlin
    assert "Nothing here." in logged_in.get("/followups/").get_data(as_text=True)


def test_a_bad_snooze_date_is_a_message_not_an_error(logged_in, manager):
    quiet_partner(manager, "Nina Novak")
    followups.scan(NOW)
    flag = db.session.scalar(select(FollowUp))

    response = logged_in.post(f"/followups/{flag.id}/snooze", data={"until": "someday"},
                              follow_redirects=True)

    assert response.status_code == 200
    assert "Pick a date to snooze until." in response.get_data(as_text=True)
    assert flag.status == "open"


def test_growth_flags_link_to_the_partner_pages_growth_and_performance(logged_in, manager):
    from crm.models import FollowUp as Flag

    partners = [make_partner(name=f"P{n}", owner_id=manager.id) for n in range(3)]
    for partner, rule in zip(partners, ("commission_review_due", "placement_ending_soon",
                                        "performance_drop"), strict=True):
        db.session.add(Flag(partner_id=partner.id, rule=rule, reason=f"{rule} reason",
                            status="open", due_at=NOW, created_at=NOW))
    db.session.commit()

    page = logged_in.get("/followups/").get_data(as_text=True)

    assert f'href="/partners/{partners[0].id}#growth" role="button" class="small">Review' in page
    assert f'href="/partners/{partners[1].id}#growth" role="button"' in page
    assert f'href="/partners/{partners[2].id}#performance" role="button"' in page
