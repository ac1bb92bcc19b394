"""Starting welcome sequences on their own: when a membership is approved, or a partner
moves to onboarding.

Both run inside the caller's transaction (the caller commits) and never fail it: a partner
who cannot or should not get the welcome (no address, suppressed, churned) is skipped
quietly. A partner is welcomed once per
sequence: an earlier enrollment in it, even a finished or stopped one, means no new one, so
a manager's "Stop" or a partner's reply is not undone by the next status change.
"""

from __future__ import annotations

from sqlalchemy import select

from crm.extensions import db
from crm.models import Client, Enrollment, Membership, Partner, Sequence, User
from outreach.enrollments import enroll, sequence_for
from outreach.suppressions import is_suppressed


def on_membership_approved(membership: Membership, actor: User | None) -> Enrollment | None:
    """Enroll the partner in the client's sequence (or the default) once it is approved."""
    if membership.status != "approved":
        return None
    return _welcome(membership.partner, membership.client, actor)


def on_stage_changed(partner: Partner, old: str, new: str, actor: User | None) -> Enrollment | None:
    """Enroll a partner who has just moved to onboarding, unless a welcome is already running."""
    if new != "onboarding" or old == new or _has_active(partner):
        return None
    return _welcome(partner, _program_of(partner), actor)


def _welcome(partner: Partner, client: Client | None, actor: User | None) -> Enrollment | None:
    if partner.stage == "churned" or not partner.email_key or is_suppressed(partner.email_key):
        return None
    sequence = sequence_for(client)
    if not sequence.steps or _was_enrolled(partner, sequence):
        return None
    return enroll(partner, client, actor, sequence=sequence, commit=False)


def _program_of(partner: Partner) -> Client | None:
    """The program an onboarding partner most recently joined (approved), if any."""
    return db.session.scalar(
        select(Client).join(Membership, Membership.client_id == Client.id)
        .where(Membership.partner_id == partner.id, Membership.status == "approved")
        .order_by(Membership.created_at.desc(), Membership.id.desc()).limit(1)
    )


def _has_active(partner: Partner) -> bool:
    return db.session.scalar(select(Enrollment.id).where(
        Enrollment.partner_id == partner.id, Enrollment.status == "active").limit(1)) is not None


def _was_enrolled(partner: Partner, sequence: Sequence) -> bool:
    return db.session.scalar(select(Enrollment.id).where(
        Enrollment.partner_id == partner.id, Enrollment.sequence_id == sequence.id).limit(1)
    ) is not None
