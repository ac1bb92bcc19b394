"""Follow-up rules and the scan that raises and clears their flags, set-based.

Each rule is one SELECT of the partners that need attention now (partner_id, reason). The
scan turns it into two statements per rule — insert flags that are missing, resolve flags
whose partner no longer matches — so the number of statements does not grow with the
number of partners. (The two rules that add up performance days keep their matches
in a temporary table first, so that work is done once, not twice.) One flag per partner and
rule is also a unique index. Two scans never overlap: the scan runs under a database lease
that a crashed holder loses when it expires.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    FromClause,
    Integer,
    MetaData,
    Select,
    String,
    Table,
    and_,
    case,
    cast,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    true,
    update,
)
from sqlalchemy.schema import CreateTable, DropTable

from crm import clock
from crm.extensions import db
from crm.followups.reasons import money, text_of, words
from crm.models import (
    PLACEMENT_KINDS,
    Client,
    CommissionChange,
    Enrollment,
    FollowUp,
    FollowUpRule,
    Interaction,
    Meeting,
    Membership,
    Partner,
    PerformanceDay,
    Placement,
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
    # Inclusive (lowest, highest) an admin may set for each parameter; see crm.followups.settings.
    bounds: dict[str, tuple[int, int]] = field(default_factory=dict)
    # Costly rules keep their matches in a temporary table for the clear and raise steps.
    materialize: bool = False


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


# --- growth rules: performance, commission, placements -------------------------------------
# Days are UTC dates; "the last N days" are the N whole days before today (today's figures
# are usually not imported yet). Amounts are compared in cents, exactly, as integers.


def _today(now: datetime) -> date:
    return now.astimezone(UTC).date()


def _revenue_in(start: date, end: date):
    """A membership's revenue over days start ≤ day < end (exact integer cents)."""
    inside = and_(PerformanceDay.day >= start, PerformanceDay.day < end)
    return cast(func.sum(case((inside, PerformanceDay.revenue_cents), else_=0)), BigInteger)


def _approved_memberships():
    return (select(Membership.id, Membership.partner_id, Client.name.label("client"),
                   Client.currency)
            .join(Client, Client.id == Membership.client_id)
            .join(Partner, Partner.id == Membership.partner_id)
            .where(Membership.status == "approved", Partner.stage != "churned"))


def _one_per_partner(rows, order_by, reason) -> Select:
    """The first row per partner by `order_by`: a partner gets one flag, for its worst case."""
    ranked = select(rows.c.partner_id, reason.label("reason"), func.row_number().over(
        partition_by=rows.c.partner_id, order_by=order_by).label("rank")).subquery()
    return select(ranked.c.partner_id, ranked.c.reason).where(ranked.c.rank == 1)


def _performance_drop(now: datetime, params: dict[str, Any]) -> Select:
    today, days = _today(now), params["days"]
    recent_from, earlier_from = today - timedelta(days=days), today - timedelta(days=2 * days)
    recent, earlier = _revenue_in(recent_from, today), _revenue_in(earlier_from, recent_from)
    sums = (select(PerformanceDay.membership_id, recent.label("recent"),
                   earlier.label("earlier"))
            .where(PerformanceDay.day >= earlier_from, PerformanceDay.day < today)
            .group_by(PerformanceDay.membership_id)
            # Below `percent` % of the window before, which had at least the minimum.
            .having(earlier >= params["min_revenue"] * 100,
                    recent * 100 < earlier * params["percent"])).subquery()
    members = _approved_memberships().subquery()
    rows = (select(members.c.partner_id, members.c.client, members.c.currency,
                   sums.c.recent, sums.c.earlier)
            .join(sums, sums.c.membership_id == members.c.id)).subquery()
    down = (rows.c.earlier - rows.c.recent) * 100 // rows.c.earlier
    reason = text_of("Revenue at ", rows.c.client, " down ", down, f"% (last {days} days ",
                     money(rows.c.recent, rows.c.currency), " vs ",
                     money(rows.c.earlier, rows.c.currency), ")")
    return _one_per_partner(rows, (rows.c.recent * 10_000 // rows.c.earlier, rows.c.client),
                            reason)


def _commission_review_due(now: datetime, params: dict[str, Any]) -> Select:
    today, days = _today(now), params["days"]
    unchanged_since = today - timedelta(days=days)
    revenue = cast(func.sum(PerformanceDay.revenue_cents), BigInteger)
    top = (select(PerformanceDay.membership_id, revenue.label("revenue"))
           .where(PerformanceDay.day >= today - timedelta(days=params["window_days"]),
                  PerformanceDay.day < today)
           .group_by(PerformanceDay.membership_id)
           .having(revenue >= params["min_revenue"] * 100)).subquery()
    changed = exists().where(CommissionChange.membership_id == Membership.id,
                             CommissionChange.effective_on >= unchanged_since)
    started_before = or_(
        Membership.started_on < unchanged_since,
        and_(Membership.started_on.is_(None),
             Membership.created_at < datetime.combine(unchanged_since, time(), UTC)))
    rows = (_approved_memberships().add_columns(top.c.revenue)
            .join(top, top.c.membership_id == Membership.id)
            .where(started_before, ~changed)).subquery()
    reason = text_of("Commission at ", rows.c.client, f" unchanged for {days}+ days; ",
                     money(rows.c.revenue, rows.c.currency),
                     f" revenue in the last {params['window_days']} days")
    return _one_per_partner(rows, (rows.c.revenue.desc(), rows.c.client), reason)


def _placement_ending_soon(now: datetime, params: dict[str, Any]) -> Select:
    today = _today(now)
    rows = (select(Membership.partner_id, Client.name.label("client"), Placement.kind,
                   Placement.ends_on, Placement.id)
            .join(Membership, Membership.id == Placement.membership_id)
            .join(Client, Client.id == Membership.client_id)
            .where(Placement.ends_on >= today,
                   Placement.ends_on <= today + timedelta(days=params["days"]))).subquery()
    kinds = {kind: kind.replace("_", " ").capitalize() for kind in PLACEMENT_KINDS}
    reason = text_of(words(rows.c.kind, kinds), " placement at ", rows.c.client, " ends ",
                     rows.c.ends_on)
    return _one_per_partner(rows, (rows.c.ends_on, rows.c.id), reason)


RULES: dict[str, Rule] = {rule.name: rule for rule in (
    Rule("stale", "Relationship gone quiet", 2,
         {"days_by_stage": {"contacted": 14, "onboarding": 7, "active": 30, "paused": 60}},
         _stale, {"days_by_stage": "days without an interaction, per stage (0: never)"},
         {"days_by_stage": (0, 3650)}),
    Rule("welcome_unanswered", "Welcome unanswered", 2, {"days": 5}, _welcome_unanswered,
         {"days": "days after the last welcome email"}, {"days": (0, 365)}),
    Rule("no_call_booked", "No onboarding call booked", 3, {"days": 7}, _no_call_booked,
         {"days": "days in onboarding"}, {"days": (0, 365)}),
    Rule("outcome_not_logged", "Call outcome not logged", 3, {"hours": 24},
         _outcome_not_logged, {"hours": "hours after the call started"}, {"hours": (0, 720)}),
    Rule("invitation_declined", "Invitation declined", 4, {}, _invitation_declined),
    Rule("address_bounced", "Address bounced", 4, {}, _address_bounced),
    Rule("performance_drop", "Performance dropping", 3,
         {"days": 30, "percent": 70, "min_revenue": 100}, _performance_drop,
         {"days": "days in each of the two windows compared",
          "percent": "flag when the last window's revenue is below this % of the one before",
          "min_revenue": "only when the earlier window earned at least this much "
                         "(whole units of the client's currency)"},
         {"days": (1, 365), "percent": (1, 100), "min_revenue": (0, 100_000_000)},
         materialize=True),
    Rule("commission_review_due", "Commission review due", 2,
         {"days": 180, "window_days": 90, "min_revenue": 5_000}, _commission_review_due,
         {"days": "days without a commission change (and in the program for longer)",
          "window_days": "days of revenue that make a top performer",
          "min_revenue": "revenue in those days that makes a top performer "
                         "(whole units of the client's currency)"},
         {"days": (1, 3650), "window_days": (1, 365), "min_revenue": (0, 100_000_000)},
         materialize=True),
    Rule("placement_ending_soon", "Placement ending soon", 3, {"days": 7},
         _placement_ending_soon, {"days": "days before a paid placement ends"},
         {"days": (0, 365)}),
)}


def rule_settings() -> dict[str, tuple[bool, dict[str, Any]]]:
    """Each rule's switch and thresholds (the admin's over the defaults), in one query."""
    rows = {row.name: row for row in db.session.scalars(select(FollowUpRule))}
    settings = {}
    for rule in RULES.values():
        row = rows.get(rule.name)
        settings[rule.name] = ((True, dict(rule.defaults)) if row is None else
                               (row.enabled, {**rule.defaults, **(row.params or {})}))
    return settings


@dataclass
class ScanReport:
    raised: dict[str, int] = field(default_factory=dict)
    cleared: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    woken: int = 0
    terms_updated: int = 0
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
        report.terms_updated = _bring_terms_into_force(now)
        settings = rule_settings()
        for rule in RULES.values():
            started = time.perf_counter()
            enabled, params = settings[rule.name]
            raised, cleared = _apply(rule, now, params, enabled)
            db.session.commit()
            report.raised[rule.name], report.cleared[rule.name] = raised, cleared
            report.seconds[rule.name] = time.perf_counter() - started
    finally:
        release_lease(SCAN_LEASE, now)
    return report


def _apply(rule: Rule, now: datetime, params: dict[str, Any], enabled: bool) -> tuple[int, int]:
    if not enabled:
        return 0, _clear(rule, now, None)
    with _matches(rule, now, params) as matches:
        cleared = _clear(rule, now, matches)
        return _raise(rule, now, matches), cleared


# Where a costly rule's matches are kept for the two statements that read them.
_MATCHES = Table("followup_matches", MetaData(), Column("partner_id", Integer),
                 Column("reason", String(300)), prefixes=["TEMPORARY"])


@contextmanager
def _matches(rule: Rule, now: datetime, params: dict[str, Any]) -> Iterator[FromClause]:
    """The rule's SELECT as a subquery, or, for a costly rule, its rows in a temporary table
    (computed once, instead of once for clearing and once for raising)."""
    query = rule.query(now, params)
    if not rule.materialize:
        yield query.subquery()
        return
    # IF NOT EXISTS: SQLite runs DDL outside the transaction, so a failed scan can leave the
    # (empty) table behind on its connection; PostgreSQL rolls it back with the rest.
    db.session.execute(CreateTable(_MATCHES, if_not_exists=True))
    db.session.execute(insert(_MATCHES).from_select(["partner_id", "reason"], query))
    yield _MATCHES
    db.session.execute(DropTable(_MATCHES))


def _clear(rule: Rule, now: datetime, matches: FromClause | None) -> int:
    """Resolve the rule's flags whose partner no longer matches (all of them: rule off)."""
    unresolved = and_(FollowUp.rule == rule.name, FollowUp.status != "resolved")
    clear = update(FollowUp).where(unresolved)
    if matches is not None:
        clear = clear.where(FollowUp.partner_id.not_in(select(matches.c.partner_id)))
    return db.session.execute(clear.values(
        status="resolved", resolved_at=now, resolution="condition cleared",
    ).execution_options(synchronize_session=False)).rowcount


def _raise(rule: Rule, now: datetime, matches: FromClause) -> int:
    """Flag the matching partners that have no unresolved flag of this rule yet."""
    candidates = select(
        matches.c.partner_id, literal(rule.name), func.substr(matches.c.reason, 1, 300),
        literal(rule.weight),
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
    return len(db.session.execute(statement.returning(FollowUp.id)).all())


def _dialect_insert():
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    return dialect_insert


def _bring_terms_into_force(now: datetime) -> int:
    """Future-dated commission changes come into force once a scan sees their day."""
    # Imported here: crm.growth records on the timeline, whose service imports this module.
    from crm.growth.commissions import apply_due_changes

    return apply_due_changes(now.date())


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


def resolve_rule(partner_id: int, rule: str, now: datetime, resolution: str) -> None:
    """Resolve the partner's unresolved flag of one rule at once (caller commits)."""
    db.session.execute(
        update(FollowUp).where(FollowUp.partner_id == partner_id, FollowUp.rule == rule,
                               FollowUp.status != "resolved")
        .values(status="resolved", resolved_at=now, resolution=resolution)
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


@dataclass(frozen=True)
class DirectFlag:
    """A flag raised when something happens (not by the scan, which leaves it alone): it
    stays until the manager resolves it."""

    name: str
    title: str
    weight: int


DIRECT_FLAGS: dict[str, DirectFlag] = {flag.name: flag for flag in (
    DirectFlag("prospect_replied", "Prospect replied", 5),
)}


def raise_now(partner_id: int, name: str, reason: str, now: datetime) -> bool:
    """Raise a direct flag in the caller's transaction; False when one is already open."""
    flag = DIRECT_FLAGS[name]
    statement = _dialect_insert()(FollowUp).values(
        partner_id=partner_id, rule=name, reason=reason[:300], weight=flag.weight,
        status="open", due_at=now, created_at=now, resolution="",
    ).on_conflict_do_nothing(index_elements=["partner_id", "rule"],
                             index_where=text("status != 'resolved'"))
    return len(db.session.execute(statement.returning(FollowUp.id)).all()) == 1
