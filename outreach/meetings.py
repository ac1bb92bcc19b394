"""Onboarding calls: schedule, move, cancel, record the outcome, take the partner's answer.

Every change the partner must see is an iMIP email through the outbox: a REQUEST for a new
or moved call, a CANCEL for a cancelled one, with the meeting's UID and a SEQUENCE raised by
each change (RFC 5546), so calendars update the event they already have. Each public
function owns its transaction and hands the new outbox rows to the broker after the commit.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from email.utils import parseaddr
from html import escape
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select

from crm import clock
from crm.booking.links import call_link
from crm.errors import InvalidInput
from crm.extensions import db
from crm.models import Meeting, OutboundEmail, Partner, User
from crm.partners.service import change_stage, record_event
from crm.url_tokens import keyed_digest, new_url_token
from outreach import invites
from outreach.dispatch import dispatch_emails
from outreach.meeting_times import describe
from outreach.outbox import queue_email

DURATIONS = (15, 30, 45, 60, 90)
MIN_MINUTES, MAX_MINUTES = 5, 480
LIMITS = {"title": 200, "location": 300, "video_url": 500, "agenda": 5000}
OUTCOMES = ("held", "no_show")
ANSWERS = {"ACCEPTED": "accepted", "TENTATIVE": "tentatively accepted", "DECLINED": "declined"}
FEED_DAYS_BACK = 90


def schedule(
    partner: Partner, *, manager: User, starts_at: datetime, duration_minutes: int,
    location: str = "", video_url: str = "", agenda: str = "", title: str = "",
    client_id: int | None = None, actor: User | None = None, booked_via: str = "",
) -> Meeting:
    """Book an onboarding call and send the partner (and the manager) the invitation.

    `booked_via` names the booking page when the partner picked the time themselves.
    """
    if not partner.email_key:
        raise InvalidInput("This partner has no email address to invite.",
                           {"email": "the partner needs an email address"})
    text = _clean_text(title=title or f"Onboarding call: {partner.name}", location=location,
                       video_url=video_url, agenda=agenda)
    _check_time(starts_at, duration_minutes)
    now = clock.now()
    meeting = Meeting(
        partner=partner, manager=manager, client_id=client_id, uid=_new_uid(), sequence=0,
        status="scheduled", partstat="NEEDS-ACTION", starts_at=starts_at,
        duration_minutes=duration_minutes, timezone=manager.timezone, created_at=now,
        updated_at=now, created_by_id=actor.id if actor else None, booked_via=booked_via,
        **text,
    )
    db.session.add(meeting)
    db.session.flush()
    ids = _send_invitation(meeting, "REQUEST")
    verb = "booked by the partner" if booked_via else "scheduled"
    record_event(partner, f"Onboarding call {verb} for {_when(meeting, partner)}",
                 _details(meeting), actor)
    return _commit(meeting, ids)


def reschedule(
    meeting: Meeting, *, starts_at: datetime, duration_minutes: int | None = None,
    location: str | None = None, video_url: str | None = None, agenda: str | None = None,
    actor: User | None = None, by_partner: bool = False,
) -> Meeting:
    """Move the call: same UID, SEQUENCE + 1, a new REQUEST; the partner answers again."""
    _require_scheduled(meeting)
    duration = meeting.duration_minutes if duration_minutes is None else duration_minutes
    text = _clean_text(
        title=meeting.title,
        location=meeting.location if location is None else location,
        video_url=meeting.video_url if video_url is None else video_url,
        agenda=meeting.agenda if agenda is None else agenda,
    )
    _check_time(starts_at, duration)
    before = _when(meeting, meeting.partner)
    meeting.starts_at, meeting.duration_minutes = starts_at, duration
    for name, value in text.items():
        setattr(meeting, name, value)
    meeting.sequence += 1
    meeting.partstat, meeting.partstat_at = "NEEDS-ACTION", None
    meeting.updated_at = clock.now()
    ids = _send_invitation(meeting, "REQUEST")
    moved = "moved by the partner" if by_partner else "moved"
    record_event(meeting.partner,
                 f"Onboarding call {moved}: {before} → {_when(meeting, meeting.partner)}",
                 _details(meeting), actor)
    return _commit(meeting, ids)


def cancel(meeting: Meeting, *, actor: User | None = None, reason: str = "",
           by_partner: bool = False) -> Meeting:
    """Call it off: METHOD:CANCEL with STATUS:CANCELLED and SEQUENCE + 1."""
    _require_scheduled(meeting)
    reason = (reason or "").strip()
    if len(reason) > 1000:
        raise InvalidInput("The reason is too long.", {"reason": "at most 1000 characters"})
    meeting.status = "cancelled"
    meeting.sequence += 1
    meeting.updated_at = clock.now()
    ids = _send_invitation(meeting, "CANCEL", note=reason)
    cancelled = "cancelled by the partner" if by_partner else "cancelled"
    record_event(meeting.partner,
                 f"Onboarding call {cancelled} ({_when(meeting, meeting.partner)})", reason,
                 actor)
    return _commit(meeting, ids)


def record_outcome(
    meeting: Meeting, *, outcome: str, notes: str = "", activate: bool = False,
    actor: User | None = None,
) -> Meeting:
    """After the call: held (with notes; may make the partner active) or no-show."""
    if outcome not in OUTCOMES:
        raise InvalidInput("Unknown outcome.", {"outcome": "must be held or no_show"})
    if meeting.status not in ("scheduled", "held", "no_show"):
        raise InvalidInput("A cancelled call has no outcome.",
                           {"outcome": "the call was cancelled"})
    if meeting.starts_at > clock.now():
        raise InvalidInput("The call has not started yet.",
                           {"outcome": "can be logged once the call has started"})
    meeting.status = outcome
    meeting.outcome_notes = (notes or "").strip()
    meeting.updated_at = clock.now()
    summary = ("Onboarding call held" if outcome == "held"
               else "Partner did not show up for the onboarding call")
    record_event(meeting.partner, summary, meeting.outcome_notes, actor,
                 occurred_at=meeting.starts_at)
    if outcome == "held" and activate and meeting.partner.stage != "active":
        change_stage(meeting.partner, "active", actor)  # commits, with its own timeline entry
    db.session.commit()
    return meeting


def hand_over(meeting: Meeting, manager: User) -> list[int]:
    """Give a scheduled call to another manager; the caller commits, then dispatches the ids.

    A call still ahead gets an updated REQUEST (same UID and time, SEQUENCE + 1, the
    partner's answer kept), so the partner sees whom they will meet and the new manager's
    calendar gets the event. A call already started (its outcome not yet logged) only
    changes hands.
    """
    _require_scheduled(meeting)
    meeting.manager, meeting.timezone = manager, manager.timezone
    meeting.updated_at = clock.now()
    if meeting.starts_at <= clock.now():
        return []
    meeting.sequence += 1
    return _send_invitation(meeting, "REQUEST")


def apply_reply(reply: invites.Reply) -> tuple[Meeting | None, str]:
    """Take a partner's iMIP REPLY (caller commits): the meeting and what happened."""
    meeting = db.session.scalar(select(Meeting).where(Meeting.uid == reply.uid))
    if meeting is None:
        return None, "rsvp_unknown_meeting"
    if reply.attendee != (meeting.partner.email_key or ""):
        return meeting, "rsvp_not_from_attendee"
    if reply.sequence < meeting.sequence:
        return meeting, "rsvp_outdated"
    if reply.partstat not in ANSWERS:
        return meeting, "rsvp_unreadable"
    if meeting.partstat == reply.partstat:
        return meeting, "rsvp_unchanged"
    meeting.partstat, meeting.partstat_at = reply.partstat, clock.now()
    record_event(meeting.partner,
                 f"{meeting.partner.name} {ANSWERS[reply.partstat]} the onboarding call "
                 f"({_when(meeting, meeting.partner)})")
    return meeting, f"rsvp_{reply.partstat.lower()}"


def meetings_of(partner: Partner) -> list[Meeting]:
    return list(db.session.scalars(
        select(Meeting).where(Meeting.partner_id == partner.id)
        .order_by(Meeting.starts_at.desc(), Meeting.id.desc())))


def calendar_for(meeting: Meeting) -> bytes:
    """The call as it stands, for an .ics download."""
    method = "CANCEL" if meeting.status == "cancelled" else "REQUEST"
    return invites.build_calendar(_invitation(meeting, method))


def feed_for(user: User) -> bytes:
    """The manager's calls from FEED_DAYS_BACK days ago on, for their calendar app."""
    since = clock.now() - timedelta(days=FEED_DAYS_BACK)
    meetings = db.session.scalars(
        select(Meeting).where(Meeting.manager_id == user.id, Meeting.starts_at >= since)
        .order_by(Meeting.starts_at))
    return invites.build_feed(
        [_invitation(m, "CANCEL" if m.status == "cancelled" else "REQUEST") for m in meetings],
        name=f"Rapport: {user.name}")


def issue_calendar_token(user: User) -> str:
    """A new secret for the feed URL; the old URL stops working. Only a digest is kept."""
    token = new_url_token()
    user.calendar_token_hash = keyed_digest(token)
    db.session.commit()
    return token


def revoke_calendar_token(user: User) -> None:
    user.calendar_token_hash = None
    db.session.commit()


def user_for_calendar_token(token: str) -> User | None:
    if not token or len(token) > 100:
        return None
    user = db.session.scalar(select(User).where(User.calendar_token_hash == keyed_digest(token)))
    return user if user is not None and user.is_active else None


def _new_uid() -> str:
    domain = current_app.config["RAPPORT_INBOUND_ADDRESS"].rsplit("@", 1)[-1]
    return f"{uuid.uuid4()}@{domain}"


def _check_time(starts_at: datetime, duration_minutes: int) -> None:
    errors = {}
    if starts_at.tzinfo is None:
        errors["starts_at"] = "must include a time zone"
    elif starts_at <= clock.now():
        errors["starts_at"] = "must be in the future"
    if not isinstance(duration_minutes, int) or not (
            MIN_MINUTES <= duration_minutes <= MAX_MINUTES):
        errors["duration_minutes"] = f"must be between {MIN_MINUTES} and {MAX_MINUTES} minutes"
    if errors:
        raise InvalidInput("The call could not be scheduled.", errors)


def _clean_text(**values: str) -> dict[str, str]:
    cleaned, errors = {}, {}
    for name, value in values.items():
        value = (value or "").strip()
        if name != "agenda":
            value = " ".join(value.split())  # one line: these end up in subjects and lists
        if len(value) > LIMITS[name]:
            errors[name] = f"must be at most {LIMITS[name]} characters"
        cleaned[name] = value
    link = cleaned.get("video_url")
    if link and (urlsplit(link).scheme not in ("http", "https") or not urlsplit(link).netloc):
        errors["video_url"] = "must be an http:// or https:// link"
    if errors:
        raise InvalidInput("The call could not be scheduled.", errors)
    return cleaned


def _require_scheduled(meeting: Meeting) -> None:
    if meeting.status != "scheduled":
        raise InvalidInput(f"This call is {meeting.status.replace('_', '-')}, not scheduled.",
                           {"status": f"is {meeting.status}"})


def _commit(meeting: Meeting, ids: list[int]) -> Meeting:
    db.session.commit()
    dispatch_emails(ids)
    return meeting


def _partner_zone(meeting: Meeting) -> str:
    return meeting.partner.timezone or meeting.timezone or "UTC"


def _when(meeting: Meeting, partner: Partner) -> str:
    return describe(meeting.starts_at, _partner_zone(meeting))


def _details(meeting: Meeting) -> str:
    lines = [f"{meeting.duration_minutes} minutes",
             f"Manager's time: {describe(meeting.starts_at, meeting.timezone)}"]
    if meeting.location:
        lines.append(f"Location: {meeting.location}")
    if meeting.video_url:
        lines.append(f"Link: {meeting.video_url}")
    return "\n".join(lines)


def _invitation(meeting: Meeting, method: str) -> invites.Invitation:
    manager, partner = meeting.manager, meeting.partner
    description = meeting.agenda
    if meeting.video_url:
        description = f"{description}\n\nJoin: {meeting.video_url}".strip()
    return invites.Invitation(
        uid=meeting.uid, sequence=meeting.sequence, method=method, start=meeting.starts_at,
        duration=timedelta(minutes=meeting.duration_minutes), summary=meeting.title,
        description=description, location=meeting.location or meeting.video_url,
        url=meeting.video_url,
        organizer=invites.Person(current_app.config["RAPPORT_INBOUND_ADDRESS"], manager.name),
        manager=invites.Person(manager.email, manager.name),
        partner=invites.Person(partner.email or "", partner.name),
        stamp=clock.now(), partner_partstat=meeting.partstat,
    )


def _send_invitation(meeting: Meeting, method: str, note: str = "") -> list[int]:
    """Queue the invitation to the partner and a copy to the manager (their calendar)."""
    calendar = invites.build_calendar(_invitation(meeting, method)).decode()
    rows = [_invitation_email(meeting, method, calendar, meeting.partner.email or "",
                              meeting.partner.name, _partner_zone(meeting), note,
                              partner_id=meeting.partner_id)]
    if meeting.manager.email:
        # Not on the partner's timeline: it is the manager's own copy.
        rows.append(_invitation_email(meeting, method, calendar, meeting.manager.email,
                                      meeting.manager.name, meeting.timezone, note,
                                      partner_id=None))
    db.session.flush()
    return [row.id for row in rows]


def _invitation_email(meeting: Meeting, method: str, calendar: str, to_address: str,
                      to_name: str, zone: str, note: str, *,
                      partner_id: int | None) -> OutboundEmail:
    when = describe(meeting.starts_at, zone)
    cancelled = method == "CANCEL"
    moved = meeting.sequence > 0 and not cancelled
    prefix = "Cancelled" if cancelled else "Updated invitation" if moved else "Invitation"
    subject = f"{prefix}: {meeting.title} — {when}"
    lines = [
        f"{'This call is cancelled' if cancelled else 'You are invited to a call'}: "
        f"{meeting.title}",
        "",
        f"When: {when}" + ("" if zone == "UTC" else
                           f" · {describe(meeting.starts_at, 'UTC')}"),
        f"Length: {meeting.duration_minutes} minutes",
        f"With: {meeting.manager.name}",
    ]
    if meeting.location:
        lines.append(f"Where: {meeting.location}")
    if meeting.video_url:
        lines.append(f"Link: {meeting.video_url}")
    if note:
        lines += ["", note]
    if meeting.agenda and not cancelled:
        lines += ["", "Agenda:", meeting.agenda]
    if meeting.booked_via and partner_id is not None and not cancelled:
        # The partner picked this time on a booking page; the same page moves or cancels it.
        lines += ["", f"Need another time, or can't make it? {call_link(meeting.id)}"]
    text = "\n".join(lines) + "\n"
    html = "".join(f"<p>{escape(block).replace(chr(10), '<br>')}</p>"
                   for block in text.strip().split("\n\n"))
    from_name = meeting.manager.name or parseaddr(current_app.config["RAPPORT_MAIL_FROM"])[0]
    return queue_email(
        to_address=to_address, to_name=to_name, subject=subject, text_body=text,
        html_body=html, partner_id=partner_id, from_name=from_name,
        calendar_body=calendar, calendar_method=method, meeting_id=meeting.id,
    )
