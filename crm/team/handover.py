"""Handing everything a user owns to another user, in one step, before they are deactivated.

Each kind of thing a user can own is a Kind: how to count what a user has, and how to move
it to someone else inside the caller's transaction. A feature that makes users own something
new (a campaign, booking hours) writes its two functions and adds its Kind to KINDS; the
deactivation form lists and moves it from then on.

Every partner touched gets one system entry on its timeline saying what changed hands.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, insert, select, update

from crm import clock
from crm.extensions import db
from crm.models import Campaign, FollowUp, Interaction, Meeting, Partner, User
from outreach import meetings
from outreach.meeting_times import describe


@dataclass
class Moved:
    """What one kind's move did: lines for partners' timelines, and emails to dispatch."""

    timeline: dict[int, list[str]] = field(default_factory=dict)
    outbox_ids: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Kind:
    """One kind of thing a user owns."""

    name: str
    # For "1 partner" and "12 partners" on the form and in the audit log.
    singular: str
    plural: str
    count: Callable[[User], int]
    # (from, to) → what moved; writes in the caller's transaction, never commits.
    move: Callable[[User, User], Moved]

    def amount(self, n: int) -> str:
        return f"{n} {self.singular if n == 1 else self.plural}"


@dataclass
class Summary:
    """What a hand-over moved, per kind, and the emails to dispatch after the commit."""

    counts: dict[str, int]
    outbox_ids: list[int] = field(default_factory=list)

    def describe(self) -> str:
        """'12 partners, 1 open follow-up, 2 scheduled calls' (kinds with none left out)."""
        kinds = {kind.name: kind for kind in KINDS}
        parts = [kinds[name].amount(n) for name, n in self.counts.items() if n]
        return ", ".join(parts) or "nothing"


# --- partners ------------------------------------------------------------------------------


def count_partners(user: User) -> int:
    return _count(select(func.count()).select_from(Partner).where(Partner.owner_id == user.id))


def move_partners(source: User, target: User) -> Moved:
    moved_ids = db.session.scalars(
        update(Partner).where(Partner.owner_id == source.id)
        .values(owner_id=target.id, updated_at=clock.now())
        .returning(Partner.id)
        .execution_options(synchronize_session="fetch")).all()
    line = f"Owner: {source.name} → {target.name}"
    return Moved(timeline={partner_id: [line] for partner_id in moved_ids})


# --- follow-ups ----------------------------------------------------------------------------


def count_followups(user: User) -> int:
    return _count(select(func.count()).select_from(FollowUp).join(FollowUp.partner).where(
        Partner.owner_id == user.id, FollowUp.status.in_(("open", "snoozed"))))


def move_followups(source: User, target: User) -> Moved:
    # A flag belongs to its partner (the queue is "flags on partners I own"), so the
    # partners' move carries them; snoozed ones keep their dates. Counted, nothing to write.
    return Moved()


# --- onboarding calls ----------------------------------------------------------------------


def _scheduled_calls(user: User):
    return select(Meeting).where(Meeting.manager_id == user.id, Meeting.status == "scheduled")


def count_meetings(user: User) -> int:
    return _count(select(func.count()).select_from(_scheduled_calls(user).subquery()))


def move_meetings(source: User, target: User) -> Moved:
    moved = Moved()
    calls = db.session.scalars(_scheduled_calls(source).order_by(Meeting.starts_at)).all()
    for meeting in calls:
        when = describe(meeting.starts_at, meeting.partner.timezone or meeting.timezone)
        ids = meetings.hand_over(meeting, target)
        note = "; updated invitation sent" if ids else ""
        moved.timeline.setdefault(meeting.partner_id, []).append(
            f"Onboarding call {when}: {source.name} → {target.name}{note}")
        moved.outbox_ids += ids
    return moved


# --- recruitment campaigns -----------------------------------------------------------------


def _campaigns_of(user: User):
    # Archived campaigns send nothing any more; they keep their owner for the record.
    return select(Campaign.id).where(Campaign.owner_id == user.id, Campaign.status != "archived")


def count_campaigns(user: User) -> int:
    return _count(select(func.count()).select_from(_campaigns_of(user).subquery()))


def move_campaigns(source: User, target: User) -> Moved:
    # A campaign writes to a prospect without an owner as the campaign's owner, so a
    # deactivated owner would go on sending; the prospects' timelines need no entry.
    db.session.execute(
        update(Campaign).where(Campaign.id.in_(_campaigns_of(source)))
        .values(owner_id=target.id, updated_at=clock.now())
        .execution_options(synchronize_session="fetch"))
    return Moved()


# The order is the order of the form's list and of each timeline entry's lines.
KINDS: tuple[Kind, ...] = (
    Kind("partners", "partner", "partners", count_partners, move_partners),
    Kind("followups", "open follow-up", "open follow-ups", count_followups, move_followups),
    Kind("meetings", "scheduled call", "scheduled calls", count_meetings, move_meetings),
    Kind("campaigns", "running campaign", "running campaigns", count_campaigns, move_campaigns),
)


def _count(query) -> int:
    return db.session.scalar(query) or 0


def owned_by(user: User) -> dict[str, int]:
    """How many of each kind the user owns now (kind name → count)."""
    return {kind.name: kind.count(user) for kind in KINDS}


def hand_over(source: User, target: User, actor: User | None) -> Summary:
    """Move everything `source` owns to `target`, in the caller's transaction (no commit)."""
    summary = Summary(owned_by(source))
    timeline: dict[int, list[str]] = {}
    for kind in KINDS:
        if not summary.counts[kind.name]:
            continue
        moved = kind.move(source, target)
        summary.outbox_ids += moved.outbox_ids
        for partner_id, lines in moved.timeline.items():
            timeline.setdefault(partner_id, []).extend(lines)
    _record_on_timelines(timeline, source, target, actor)
    return summary


def _record_on_timelines(timeline: dict[int, list[str]], source: User, target: User,
                         actor: User | None) -> None:
    """One system entry per partner, written in one statement."""
    if not timeline:
        return
    now = clock.now()
    summary = f"Handed over: {source.name} → {target.name}"[:300]
    db.session.execute(insert(Interaction), [
        {"partner_id": partner_id, "kind": "system", "direction": "internal",
         "occurred_at": now, "summary": summary, "body": "\n".join(lines),
         "author_id": actor.id if actor else None, "created_at": now}
        for partner_id, lines in sorted(timeline.items())
    ])
