"""Booking: the free slots a visitor sees, and booking, moving or cancelling a call from a
booking page.

No double booking, by the database: every change first bumps the manager's availability
row (`lock_serial`), so a second booking for the same manager waits for the first one's
transaction (a row lock on PostgreSQL; SQLite's single writer lock, taken by that first
statement as BEGIN IMMEDIATE would). Only then are the manager's calls and busy times read
again and the slot checked, so a clash is seen even when both visitors loaded the page at
the same moment — buffers and the per-day maximum included, which no constraint on the
meetings table could express. The call itself is made by outreach.meetings, the function
a manager uses, so the invitation, the manager's copy and the timeline entry are the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from crm import clock
from crm.booking import hours
from crm.booking.slots import Rules, Slot, free_slots, is_free
from crm.errors import Conflict, DomainError, InvalidInput
from crm.extensions import db
from crm.models import Availability, BusyTime, Meeting, Partner, User
from crm.partners.identity import InvalidEmail, normalize_email
from crm.partners.service import create_partner, find_duplicate
from outreach import meetings
from outreach.followups import resolve_rule
from outreach.meeting_times import instant_from_local

NOTE_LIMIT = 1000
NAME_LIMIT = 200
# Calls can be as long as outreach.meetings allows; one that started this long ago may
# still be running, so it is read too.
LONGEST_CALL = timedelta(minutes=meetings.MAX_MINUTES)


class SlotTaken(Conflict):
    """The slot was free when the page was shown and is not any more."""

    code = "slot_taken"


class NotBookable(DomainError):
    """Nobody takes calls through this link right now."""

    code = "not_bookable"
    status = 404


@dataclass(frozen=True)
class Host:
    """The manager a booking page books with, and their rules."""

    manager: User
    availability: Availability


def host_for(manager: User | None) -> Host | None:
    """The manager as a host, if they are active and have set weekly hours."""
    if manager is None or not manager.is_active:
        return None
    availability = db.session.get(Availability, manager.id)
    if availability is None or not any(availability.weekly_hours.values()):
        return None
    return Host(manager, availability)


def rules_of(host: Host, now: datetime) -> Rules:
    """The pure slot rules for a host, with their dates off around the window."""
    availability = host.availability
    today = now.date()
    off = hours.days_off(availability.dates_off, today - timedelta(days=2),
                         today + timedelta(days=availability.horizon_days + 2))
    return Rules(
        zone=host.manager.timezone,
        weekly={int(day): [tuple(i) for i in intervals]
                for day, intervals in availability.weekly_hours.items()},
        call_minutes=availability.call_minutes, buffer_minutes=availability.buffer_minutes,
        notice=timedelta(hours=availability.notice_hours),
        horizon=timedelta(days=availability.horizon_days),
        max_per_day=availability.max_per_day, dates_off=off,
    )


def open_slots(host: Host, now: datetime | None = None,
               moving: Meeting | None = None) -> list[Slot]:
    """The host's free slots now; `moving` is a call being rescheduled: its time does not
    block its neighbours, and is not offered as a new time."""
    now = now or clock.now()
    rules = rules_of(host, now)
    calls, busy = _taken(host.manager.id, now, rules, moving)
    slots = free_slots(rules, now, calls, busy)
    return [s for s in slots if s.start != moving.starts_at] if moving is not None else slots


def _taken(manager_id: int, now: datetime, rules: Rules, moving: Meeting | None):
    """(calls, busy times) of the manager that may touch the window, as (start, end)."""
    # From a day back: the per-day maximum counts today's earlier calls too.
    since, until = now - timedelta(days=1), now + rules.horizon + timedelta(days=1)
    query = (select(Meeting.starts_at, Meeting.duration_minutes)
             .where(Meeting.manager_id == manager_id, Meeting.status != "cancelled",
                    Meeting.starts_at >= since - LONGEST_CALL, Meeting.starts_at < until))
    if moving is not None:
        query = query.where(Meeting.id != moving.id)
    calls = [(start, start + timedelta(minutes=minutes))
             for start, minutes in db.session.execute(query)]
    busy = [(start, end) for start, end in db.session.execute(
        select(BusyTime.starts_at, BusyTime.ends_at)
        .where(BusyTime.user_id == manager_id, BusyTime.ends_at > since,
               BusyTime.starts_at < until))]
    return calls, busy


def parse_start(value: str, zone_name: str) -> datetime:
    """The instant a visitor picked: an ISO time with offset, or a wall-clock time in their
    zone (refused when it does not exist there, on the night the clocks go forward)."""
    try:
        moment = datetime.fromisoformat((value or "").strip())
    except ValueError:
        raise InvalidInput("Pick one of the times shown.",
                           {"start": "pick one of the times shown"}) from None
    if moment.tzinfo is not None:
        return moment
    try:
        return instant_from_local(moment, zone_name)
    except InvalidInput as error:
        raise InvalidInput(error.message, {"start": error.fields.get("starts_at",
                                                                     error.message)}) from None


def book(partner: Partner, host: Host, start: datetime, note: str = "") -> Meeting:
    """The partner books `start` with their manager; the invitation goes out as usual."""
    note = _clean_note(note)
    try:
        _lock(host.manager.id)
        _check_slot(host, start)
        return _schedule(partner, host, start, note, "partner_link")
    except (DomainError, IntegrityError):
        db.session.rollback()
        raise


def book_new_contact(host: Host, name: str, email: str, visitor_zone: str, start: datetime,
                     note: str = "") -> Meeting:
    """Someone books on a manager's general link: matched to a partner by their email, or
    added as a prospect the manager owns; then booked like a partner."""
    name, address, note = _clean_contact(name, email, note)
    try:
        _lock(host.manager.id)
        _check_slot(host, start)
        partner = _partner_for(host.manager, name, address, visitor_zone)
        return _schedule(partner, host, start, note, "general_link")
    except IntegrityError:  # someone else added this email in the meantime
        db.session.rollback()
        raise SlotTaken("Please try again: we could not save your booking just now.") from None
    except DomainError:
        db.session.rollback()
        raise


def reschedule(meeting: Meeting, host: Host, start: datetime) -> Meeting:
    """The partner moves a call they booked: SEQUENCE + 1, a new REQUEST."""
    _require_booked(meeting)
    if start == meeting.starts_at:
        raise InvalidInput("That is the call's time already.",
                           {"start": "pick a time other than the current one"})
    try:
        _lock(host.manager.id)
        _check_slot(host, start, moving=meeting)
        return meetings.reschedule(meeting, starts_at=start, by_partner=True)
    except DomainError:
        db.session.rollback()
        raise


def cancel(meeting: Meeting, reason: str = "") -> Meeting:
    """The partner calls off a call they booked: a CANCEL to both calendars."""
    _require_booked(meeting)
    return meetings.cancel(meeting, reason=_clean_note(reason), by_partner=True)


def _lock(manager_id: int) -> None:
    """Take the manager's booking lock until the transaction ends (module docstring)."""
    locked = db.session.execute(
        update(Availability).where(Availability.user_id == manager_id)
        .values(lock_serial=Availability.lock_serial + 1)
        .execution_options(synchronize_session=False)).rowcount
    if not locked:
        raise NotBookable("Booking is not open with this manager.")


def _check_slot(host: Host, start: datetime, moving: Meeting | None = None) -> None:
    """Refuse a start that is not one of the host's free slots, saying why."""
    now = clock.now()
    rules = rules_of(host, now)
    if start <= now:
        raise InvalidInput("That time has passed.", {"start": "that time has passed"})
    if start < now + rules.notice:
        raise InvalidInput("That time is too soon.", {
            "start": f"book at least {host.availability.notice_hours} hours ahead"})
    if not is_free(start, free_slots(rules, now)):
        raise InvalidInput("That time is not bookable.", {
            "start": f"{host.manager.name} does not take calls then"})
    calls, busy = _taken(host.manager.id, now, rules, moving)
    if not is_free(start, free_slots(rules, now, calls, busy)):
        raise SlotTaken("Sorry, that time was just taken. Please pick another one.",
                        {"start": "that time was just taken"})


def _schedule(partner: Partner, host: Host, start: datetime, note: str, via: str) -> Meeting:
    # In the booking's transaction: the flag clears the moment the call exists.
    resolve_rule(partner.id, "no_call_booked", clock.now(), "call booked by the partner")
    return meetings.schedule(
        partner, manager=host.manager, starts_at=start,
        duration_minutes=host.availability.call_minutes,
        video_url=host.availability.video_url, agenda=note, booked_via=via)


def _partner_for(manager: User, name: str, address: str, visitor_zone: str) -> Partner:
    """The partner with this email (identity rules), or a new prospect the manager owns."""
    _, key = normalize_email(address)
    existing = find_duplicate(key, None)
    if existing is not None:
        return existing
    return create_partner(
        {"name": name, "email": address, "timezone": visitor_zone, "owner_id": manager.id,
         "source": "inbound", "source_list": "Booking page"}, None, commit=False)


def _clean_contact(name: str, email: str, note: str) -> tuple[str, str, str]:
    errors = {}
    name = " ".join((name or "").split())
    if not name:
        errors["name"] = "please tell us your name"
    elif len(name) > NAME_LIMIT:
        errors["name"] = f"at most {NAME_LIMIT} characters"
    address = ""
    try:
        address, _ = normalize_email(email or "")
    except InvalidEmail:
        errors["email"] = "enter an email address like you@example.com"
    try:
        note = _clean_note(note)
    except InvalidInput as error:
        errors.update(error.fields)
    if errors:
        raise InvalidInput("Please check the form.", errors)
    return name, address, note


def _clean_note(note: str) -> str:
    note = (note or "").replace("\r\n", "\n").strip()
    if len(note) > NOTE_LIMIT:
        raise InvalidInput("The message is too long.", {"note": f"at most {NOTE_LIMIT} characters"})
    return note


def _require_booked(meeting: Meeting) -> None:
    if not meeting.booked_via:
        raise NotBookable("This call was not booked on a booking page.")

