"""A manager's own email (from their Sent folder or a BCC copy) on each partner's timeline.

One entry per partner and Message-ID: a second copy of the same email (the Sent folder read
again, the BCC copy of what the sync already found) adds nothing. Emails Rapport sent itself
are on the timeline through the outbox already; callers leave those out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from email.message import EmailMessage

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from crm import clock
from crm.extensions import db
from crm.models import Interaction, OutboundEmail, Partner, User
from crm.partners.service import SUMMARY_LIMIT, log_interaction
from outreach.inbound import EXCERPT_LIMIT, body_text, header, new_text
from outreach.mailbox.reading import sent_at


@dataclass
class Logged:
    """What logging one copy did: the partners it was added for, the ones that had it."""

    added: list[int] = field(default_factory=list)
    already: list[int] = field(default_factory=list)


def partners_with(addresses: set[str]) -> dict[str, Partner]:
    """address → partner, for the addresses that are partners' (lowercased keys)."""
    if not addresses:
        return {}
    return {partner.email_key: partner for partner in db.session.scalars(
        select(Partner).where(Partner.email_key.in_(addresses)))}


def sent_by_rapport(message_ids: set[str]) -> set[str]:
    """The Message-IDs among these that are outbox emails (on the timeline already)."""
    if not message_ids:
        return set()
    return set(db.session.scalars(
        select(OutboundEmail.message_id).where(OutboundEmail.message_id.in_(message_ids))))


def log_copy(user: User, message: EmailMessage, message_id: str, references: tuple[str, ...],
             partners: list[Partner]) -> Logged:
    """Add the email, as sent by `user`, to each partner's timeline that lacks it."""
    logged = Logged()
    have = set(db.session.scalars(select(Interaction.partner_id).where(
        Interaction.message_id == message_id,
        Interaction.partner_id.in_([partner.id for partner in partners]))))
    subject = (header(message, "Subject").strip() or "(no subject)")[:SUMMARY_LIMIT]
    excerpt = new_text(body_text(message))[:EXCERPT_LIMIT]
    now = clock.now()
    occurred_at = min(sent_at(message) or now, now)
    for partner in partners:
        if partner.id in have:
            logged.already.append(partner.id)
            continue
        try:
            # Commits, and resolves a "gone quiet" follow-up as any logged email does.
            log_interaction(partner, user, "email", subject, excerpt, occurred_at=occurred_at,
                            direction="outbound", message_id=message_id, references=references)
        except IntegrityError:  # the same copy arrived another way at the same moment
            db.session.rollback()
            logged.already.append(partner.id)
        else:
            logged.added.append(partner.id)
    return logged
