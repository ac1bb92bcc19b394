"""Reading the outbox: the filtered list (pages and API) and one email as it was sent."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from email.message import EmailMessage
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import selectinload

from crm.errors import NotFound
from crm.extensions import db
from crm.ids import parse_id
from crm.models import OUTBOUND_STATUSES, OutboundEmail, Partner
from crm.partners.queries import PartnerFilters, filter_conditions
from outreach.messages import WireMessage, render_message
from outreach.outbox import envelope_of

# Headers shown above a captured email, in the order a mail client shows them.
SHOWN_HEADERS = ("From", "To", "Subject", "Date", "Message-ID", "List-Unsubscribe",
                 "List-Unsubscribe-Post")


def _date(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


@dataclass(frozen=True)
class OutboxFilters:
    """What the outbox list is narrowed by; every field optional, junk ignored."""

    status: str = ""
    q: str = ""
    partner_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> OutboxFilters:
        """Read filters from query arguments; an unknown status or a bad date is dropped."""
        raw = {f.name: (args.get(f.name) or "").strip() for f in fields(cls)}
        return cls(
            status=raw["status"] if raw["status"] in OUTBOUND_STATUSES else "",
            q=raw["q"],
            partner_id=parse_id(raw["partner_id"]),
            date_from=_date(raw["date_from"]),
            date_to=_date(raw["date_to"]),
        )

    def as_args(self) -> dict[str, str]:
        return {f.name: str(getattr(self, f.name)) for f in fields(self)
                if getattr(self, f.name) not in (None, "")}


def _start_of(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


def _conditions(filters: OutboxFilters, zone: ZoneInfo) -> list:
    conditions = []
    if filters.status:
        conditions.append(OutboundEmail.status == filters.status)
    if filters.partner_id is not None:
        conditions.append(OutboundEmail.partner_id == filters.partner_id)
    if filters.q:
        # The partner's name, email, company or website, or the address it went to.
        by_partner = and_(*filter_conditions(PartnerFilters(q=filters.q)))
        by_address = func.lower(OutboundEmail.to_address).contains(
            filters.q.lower(), autoescape=True)
        conditions.append(or_(by_partner, by_address))
    # Dates are the viewer's calendar days: from the first midnight to the one after the last.
    if filters.date_from is not None:
        conditions.append(OutboundEmail.created_at >= _start_of(filters.date_from, zone))
    if filters.date_to is not None:
        end = _start_of(filters.date_to + timedelta(days=1), zone)
        conditions.append(OutboundEmail.created_at < end)
    return conditions


def outbox_query(filters: OutboxFilters, zone: ZoneInfo) -> Select[tuple[OutboundEmail]]:
    """Outbound emails matching the filters, newest first (ids grow with creation time)."""
    return (
        select(OutboundEmail)
        .outerjoin(OutboundEmail.partner)
        .where(*_conditions(filters, zone))
        .options(selectinload(OutboundEmail.partner))
        .order_by(OutboundEmail.id.desc())
    )


def outbox_after(status: str | None, partner_id: int | None,
                 before_id: int | None) -> Select[tuple[OutboundEmail]]:
    """Keyset page for the API: newest first, continuing below the last id shown."""
    query = select(OutboundEmail).order_by(OutboundEmail.id.desc())
    if status:
        query = query.where(OutboundEmail.status == status)
    if partner_id is not None:
        query = query.where(OutboundEmail.partner_id == partner_id)
    if before_id is not None:
        query = query.where(OutboundEmail.id < before_id)
    return query


def load_email(outbound_id: int) -> OutboundEmail:
    """One outbound email with its partner, or NotFound."""
    row = db.session.get(OutboundEmail, outbound_id, options=[selectinload(OutboundEmail.partner)])
    if row is None:
        raise NotFound(f"There is no outbound email #{outbound_id}.")
    return row


def message_of(row: OutboundEmail) -> WireMessage:
    """The RFC 5322 message exactly as the mailer sends (or sent) it."""
    return render_message(envelope_of(row))


def shown_headers(message: EmailMessage) -> list[tuple[str, str]]:
    """The headers a reader cares about, as the recipient's mail client gets them."""
    return [(name, str(message[name])) for name in SHOWN_HEADERS if message[name] is not None]


def partner_named(partner_id: int | None) -> Partner | None:
    """The partner a filter names, to show whose emails these are."""
    return db.session.get(Partner, partner_id) if partner_id is not None else None
