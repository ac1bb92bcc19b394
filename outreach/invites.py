"""Meeting → iCalendar bytes for iMIP invitations (RFC 5545/5546/6047). Pure.

Times are written in UTC: Outlook misreads the RDATE-style VTIMEZONEs that libraries
generate, and every client shows a UTC instant in its user's own zone anyway. All text goes
through the icalendar package, which escapes commas, semicolons, backslashes and newlines
and folds long lines, so nothing user-typed can add a property.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from icalendar import Alarm, Calendar, Event, vCalAddress

PRODID = "-//Rapport//Onboarding calls//EN"
METHODS = ("REQUEST", "CANCEL")
# Parameter values (CN) cannot be escaped in iCalendar; quotes and controls are removed.
_UNSAFE_PARAM = re.compile(r'[\x00-\x1f\x7f"]+')


@dataclass(frozen=True)
class Person:
    email: str
    name: str


@dataclass(frozen=True)
class Invitation:
    """Everything an invitation says; `sequence` rises with every change to the meeting."""

    uid: str
    sequence: int
    method: str
    start: datetime
    duration: timedelta
    summary: str
    description: str
    location: str
    url: str
    organizer: Person
    manager: Person
    partner: Person
    stamp: datetime
    partner_partstat: str = "NEEDS-ACTION"
    reminder: timedelta = timedelta(minutes=15)


def _cn(name: str) -> str:
    return " ".join(_UNSAFE_PARAM.sub(" ", name or "").split())[:200]


def _address(person: Person, **params) -> vCalAddress:
    return vCalAddress.new(person.email, cn=_cn(person.name) or None, **params)


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("invitation times must be timezone-aware")
    return moment.astimezone(UTC)


def _event(invitation: Invitation) -> Event:
    cancelled = invitation.method == "CANCEL"
    event = Event.new(
        uid=invitation.uid,
        sequence=invitation.sequence,
        stamp=_utc(invitation.stamp),
        start=_utc(invitation.start),
        end=_utc(invitation.start + invitation.duration),
        summary=invitation.summary,
        description=invitation.description or None,
        location=invitation.location or None,
        url=invitation.url or None,
        status="CANCELLED" if cancelled else "CONFIRMED",
        organizer=vCalAddress.new(invitation.organizer.email,
                                  cn=_cn(invitation.organizer.name) or None),
        attendees=[
            _address(invitation.manager, role="CHAIR", partstat="ACCEPTED"),
            _address(invitation.partner, role="REQ-PARTICIPANT",
                     partstat=invitation.partner_partstat, rsvp=not cancelled),
        ],
    )
    if not cancelled:
        event.add_component(_alarm(invitation))
    return event


def _alarm(invitation: Invitation) -> Alarm:
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", f"Reminder: {invitation.summary}")
    alarm.add("trigger", -invitation.reminder)
    return alarm


def build_feed(invitations: list[Invitation], name: str) -> bytes:
    """A subscription calendar (no METHOD: it is published, not sent) of many calls."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    for invitation in invitations:
        calendar.add_component(_event(invitation))
    return calendar.to_ical()


@dataclass(frozen=True)
class Reply:
    """What an iMIP METHOD:REPLY says: which event, which version, who, what answer."""

    uid: str
    sequence: int
    attendee: str
    partstat: str


def parse_reply(data: bytes | str) -> Reply | None:
    """The REPLY in a text/calendar part, or None when it is not a usable REPLY.

    ORGANIZER is not required: Outlook.com sends replies without it.
    """
    try:
        calendar = Calendar.from_ical(data)
    except ValueError:
        return None
    if str(calendar.get("method", "")).upper() != "REPLY":
        return None
    for event in calendar.walk("VEVENT"):
        attendee = event.get("attendee")
        if isinstance(attendee, list):  # a reply speaks for one attendee; more is ambiguous
            if len(attendee) != 1:
                return None
            attendee = attendee[0]
        if attendee is None or not event.get("uid"):
            return None
        address = str(attendee).removeprefix("mailto:").removeprefix("MAILTO:").strip().lower()
        partstat = str(attendee.params.get("PARTSTAT", "")).upper()
        try:
            sequence = int(event.get("sequence", 0))
        except (TypeError, ValueError):
            return None
        return Reply(uid=str(event["uid"]), sequence=sequence, attendee=address,
                     partstat=partstat)
    return None


def build_calendar(invitation: Invitation) -> bytes:
    """The VCALENDAR for a REQUEST (new or moved call) or a CANCEL."""
    if invitation.method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}")
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", invitation.method)
    calendar.add_component(_event(invitation))
    return calendar.to_ical()
