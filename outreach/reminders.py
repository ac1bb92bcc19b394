"""Reminder emails before onboarding calls, queued by the scheduler tick.

A reminder is owed for a scheduled call starting within RAPPORT_MEETING_REMINDER_HOURS that
has not had one for its current start time: a cancelled call gets none, a moved one gets a
new one for its new time, and a second tick finds nothing left to send.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from html import escape

from flask import current_app
from sqlalchemy import or_, select

from crm.extensions import db
from crm.models import Meeting
from outreach.meeting_times import describe
from outreach.outbox import queue_email

BATCH = 500


def due_reminders(now: datetime, limit: int = BATCH) -> list[Meeting]:
    ahead = timedelta(hours=current_app.config["RAPPORT_MEETING_REMINDER_HOURS"])
    return list(db.session.scalars(
        select(Meeting).where(
            Meeting.status == "scheduled", Meeting.starts_at > now,
            Meeting.starts_at <= now + ahead,
            or_(Meeting.reminded_for.is_(None), Meeting.reminded_for != Meeting.starts_at),
        ).order_by(Meeting.starts_at).limit(limit).with_for_update(skip_locked=True)))


def queue_due_reminders(now: datetime) -> list[int]:
    """Queue the partner's and the manager's reminder for each call coming up; commits."""
    rows = []
    for meeting in due_reminders(now):
        partner, manager = meeting.partner, meeting.manager
        if partner.email:
            rows.append(_reminder(meeting, partner.email, partner.name,
                                  partner.timezone or meeting.timezone, manager.name,
                                  partner_id=partner.id))
        if manager.email:
            rows.append(_reminder(meeting, manager.email, manager.name, meeting.timezone,
                                  partner.name, partner_id=None))
        meeting.reminded_for = meeting.starts_at
    db.session.flush()
    ids = [row.id for row in rows]
    db.session.commit()
    return ids


def _reminder(meeting: Meeting, address: str, name: str, zone: str, other: str, *,
              partner_id: int | None):
    when = describe(meeting.starts_at, zone)
    lines = [f"A reminder: {meeting.title} with {other}", "", f"When: {when}",
             f"Length: {meeting.duration_minutes} minutes"]
    if meeting.location:
        lines.append(f"Where: {meeting.location}")
    if meeting.video_url:
        lines.append(f"Link: {meeting.video_url}")
    text = "\n".join(lines) + "\n"
    html = "".join(f"<p>{escape(block).replace(chr(10), '<br>')}</p>"
                   for block in text.strip().split("\n\n"))
    return queue_email(to_address=address, to_name=name, subject=f"Reminder: {meeting.title} — "
                       f"{when}", text_body=text, html_body=html, partner_id=partner_id,
                       from_name=meeting.manager.name or None, meeting_id=meeting.id)
