"""Follow-up rules and the scan that raises and clears their flags, set-based.

Each rule is one SELECT of the partners that need attention now (partner_id, reason). The
scan turns it into two statements per rule — insert flags that are missing, resolve flags
whose partner no longer matches — so the number of statements does not grow with the
number of partners. One flag per partner and rule is also a unique index. Two scans never
overlap: the scan runs under a database lease that a crashed holder loses when it expires.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Select,
    and_,
    case,
    exists,
    func,
    literal,
    or_,
    select,
    text,
    true,
    update,
)

from crm import clock
from crm.extensions import db
from crm.models import (
    Enrollment,
    FollowUp,
    FollowUpRule,
    Interaction,
    Meeting,
    Partner,
    Suppression,
)
from outreach.leases import release_lease, take_lease

SCAN_LEASE = "followup-scan"
SCAN_LEASE_SECONDS = 600


@dataclass(frozen=True)
class Rule:
    name: str
    title: str
    weight: int
    defaults: dict[str, Any]
    # (now, params) → SELECT partner_id, reason
    query: Callable[[datetime, dict[str, Any]], Select]
    help: dict[str, str] = field(default_factory=dict)


def _last_touch():
    return func.coalesce(Partner.last_interaction_at, Partner.created_at)


def _stale(now: datetime, params: dict[str, Any]) -> Select:
    days: dict[str, int] = params["days_by_stage"]
    stages = {stage: int(n) for stage, n in days.items() if n}
    conditions = [and_(Partner.stage == stage, _last_touch() < now - timedelta(days=n))
                  for stage, n in stages.items()]
    reason = case(*((Partner.stage == stage, literal(f"No contact for {n}+ days ({stage})"))
                    for stage, n in stages.items()), else_=literal("No contact for a while"))
    return select(Partner.id.label("partner_id"), reason.label("reason")).where(
        or_(*conditions) if conditions else literal(False))


def _welcome_unanswered(now: datetime, params: dict[str, Any]) -> Select:
    replied = exists().where(
        Interaction.partner_id == Enrollment.partner_id, Interaction.kind == "email",
        Interaction.direction == "inbound", Interaction.occurred_at >= Enrollment.started_at)
    return (select(Enrollment.partner_id.label("partner_id"),
                   literal(f"Welcome emails finished {params['days']}+ days ago, no reply")
                   .label("reason"))
            .join(Partner, Partner.id == Enrollment.partner_id)
            .where(Enrollment.status == "completed",
                   Enrollment.stopped_at < now - timedelta(days=params["days"]),
                   Partner.stage.not_in(("churned",)), ~replied)
            .group_by(Enrollment.partner_id))


def _no_call_booked(now: datetime, params: dict[str, Any]) -> Select:
    since = func.coalesce(Partner.stage_changed_at, Partner.created_at)
    booked = exists().where(Meeting.partner_id == Partner.id,
                            Meeting.status.in_(("scheduled", "held")))
    return select(Partner.id.label("partner_id"),
                  literal(f"In onboarding {params['days']}+ days, no onboarding call booked")
                  .label("reason")).where(
        Partner.stage == "onboarding", since < now - timedelta(days=params["days"]), ~booked)


def _outcome_not_logged(now: datetime, params: dict[str, Any]) -> Select:
    return (select(Meeting.partner_id.label("partner_id"),
                   literal("Onboarding call happened; outcome not logged").label("reason"))
            .where(Meeting.status == "scheduled",
                   Meeting.starts_at < now - timedelta(hours=params["hours"]))
            .group_by(Meeting.partner_id))


def _invitation_declined(now: datetime, params: dict[str, Any]) -> Select:
    return (select(Meeting.partner_id.label("partner_id"),
                   literal("Declined the onboarding call invitation").label("reason"))
            .where(Meeting.status == "scheduled", Meeting.partstat == "DECLINED",
                   Meeting.starts_at > now)
            .group_by(Meeting.partner_id))


def _address_bounced(now: datetime, params: dict[str, Any]) -> Select:
    return (select(Partner.id.label("partner_id"),
                   literal("Email address bounced: find a new one").label("reason"))
            .join(Suppression, Suppression.email_key == Partner.email_key)
            .where(Suppression.reason == "hard_bounce", Partner.stage != "churned"))


RULES: dict[str, Rule] = {rule.name: rule for rule in (
    Rule("stale", "Relationship gone quiet", 2,
         {"days_by_stage": {"contacted": 14, "onboarding": 7, "active": 30, "paused": 60}},
         _stale, {"days_by_stage": "days without an interaction, per stage (0: never)"}),
    Rule("welcome_unanswered", "Welcome unanswered", 2, {"days": 5}, _welcome_unanswered,
         {"days": "days after the last welcome email"}),
    Rule("no_call_booked", "No onboarding call booked", 3, {"days": 7}, _no_call_booked,
         {"days": "days in onboarding"}),
    Rule("outcome_not_logged", "Call outcome not logged", 3, {"hours": 24},
         _outcome_not_logged, {"hours": "hours after the call started"}),
    Rule("invitation_declined", "Invitation declined", 4, {}, _invitation_declined),
    Rule("address_bounced", "Address bounced", 4, {}, _address_bounced),
)}


def params_for(rule: Rule) -> tuple[bool, dict[str, Any]]:
    """Whether the rule is on, and its thresholds (the admin's, over the defaults)."""
    row = db.session.get(FollowUpRule, rule.name)
    if row is None:
        return True, dict(rule.defaults)
    return row.enabled, {**rule.defaults, **(row.params or {})}


@dataclass
class ScanReport:
    raised: dict[str, int] = field(default_factory=dict)
    cleared: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    woken: int = 0
    skipped: bool = False


def scan(now: datetime | None = None) -> ScanReport:
    """Run every rule once, under the scan lease; a scan already running means skip."""
    import time

    now = now or clock.now()
    if not take_lease(SCAN_LEASE, now, SCAN_LEASE_SECONDS):
        return ScanReport(skipped=True)
    report = ScanReport()
    try:
        report.woken = _wake_snoozed(now)
        for rule in RULES.values():
            started = time.perf_counter()
            enabled, params = params_for(rule)
            raised, cleared = _apply(rule, now, params, enabled)
            db.session.commit()
            report.raised[rule.name], report.cleared[rule.name] = raised, cleared
            report.seconds[rule.name] = time.perf_counter() - started
    finally:
        release_lease(SCAN_LEASE, now)
    return report


def _apply(rule: Rule, now: datetime, params: dict[str, Any], enabled: bool) -> tuple[int, int]:
    matches = rule.query(now, params).subquery() if enabled else None
    unresolved = and_(FollowUp.rule == rule.name, FollowUp.status != "resolved")
    if matches is None:
        clear = update(FollowUp).where(unresolved)
    else:
        clear = update(FollowUp).where(
            unresolved, FollowUp.partner_id.not_in(select(matches.c.partner_id)))
    cleared = db.session.execute(clear.values(
        status="resolved", resolved_at=now, resolution="condition cleared",
    ).execution_options(synchronize_session=False)).rowcount
    if matches is None:
        return 0, cleared
    candidates = select(
        matches.c.partner_id, literal(rule.name), matches.c.reason, literal(rule.weight),
        literal("open"), literal(now, FollowUp.due_at.type), literal(now, FollowUp.created_at.type),
        literal(""),
    ).where(true())  # SQLite needs a WHERE before ON CONFLICT in INSERT … SELECT
    # The partial unique index skips partners already flagged. (An anti-join against the
    # table being filled made PostgreSQL rescan it per row: 10 s for 30,000 new flags.)
    statement = _dialect_insert()(FollowUp).from_select(
        ["partner_id", "rule", "reason", "weight", "status", "due_at", "created_at",
         "resolution"], candidates,
    ).on_conflict_do_nothing(index_elements=["partner_id", "rule"],
                             index_where=text("status != 'resolved'"))
    # Counted from RETURNING: psycopg reports no rowcount for INSERT … SELECT.
    raised = len(db.session.execute(statement.returning(FollowUp.id)).all())
    return raised, cleared


def _dialect_insert():
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    return dialect_insert


def _wake_snoozed(now: datetime) -> int:
    """Snoozed flags whose date has come are open again (if their condition still holds)."""
    woken = db.session.execute(
        update(FollowUp).where(FollowUp.status == "snoozed", FollowUp.snoozed_until <= now)
        .values(status="open", snoozed_until=None, due_at=now)
        .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return woken


def resolve_on_interaction(partner_id: int, now: datetime) -> None:
    """A logged interaction answers "gone quiet" at once, not at the next scan (caller commits)."""
    db.session.execute(
        update(FollowUp).where(FollowUp.partner_id == partner_id, FollowUp.rule == "stale",
                               FollowUp.status != "resolved")
        .values(status="resolved", resolved_at=now, resolution="interaction logged")
        .execution_options(synchronize_session=False))


def snooze(followup: FollowUp, until: datetime, actor=None) -> FollowUp:
    """Hide the flag until a date; the scan opens it again then, if it still applies."""
    from crm.errors import InvalidInput

    if until.tzinfo is None or until <= clock.now():
        raise InvalidInput("Snooze until a later date.", {"until": "must be in the future"})
    if followup.status == "resolved":
        raise InvalidInput("This follow-up is already resolved.", {"status": "is resolved"})
    followup.status, followup.snoozed_until = "snoozed", until
    db.session.commit()
    return followup


def resolve(followup: FollowUp, note: str, actor=None) -> FollowUp:
    """Done by hand; the note goes on the partner's timeline."""
    from crm.partners.service import record_event

    if followup.status != "resolved":
        now = clock.now()
        followup.status, followup.resolved_at = "resolved", now
        followup.resolved_by_id = actor.id if actor else None
        followup.resolution = (note or "").strip() or "resolved"
        record_event(followup.partner, f"Follow-up resolved: {followup.reason}",
                     followup.resolution, actor)
        db.session.commit()
    return followup
