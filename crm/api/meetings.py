"""/api/v1/partners/<id>/meetings and /api/v1/meetings: onboarding calls and invitations."""

from __future__ import annotations

import marshmallow as ma
from flask import Response, url_for
from flask.views import MethodView
from marshmallow import fields, validate

from crm.api.blueprint import ApiBlueprint, api_user
from crm.api.partners import load_partner
from crm.api.schemas import Id, Instant, ResourceUrl, Timestamp
from crm.errors import NotFound
from crm.extensions import db
from crm.models import MEETING_STATUSES, PARTSTATS, Meeting, User
from outreach import meetings

blp = ApiBlueprint(
    "api_meetings", __name__, url_prefix="/api/v1",
    description="Onboarding calls: each change sends the partner a calendar invitation.",
)


class MeetingSchema(ma.Schema):
    id = fields.Integer()
    partner_id = fields.Integer()
    manager_id = fields.Integer()
    client_id = fields.Integer(allow_none=True)
    uid = fields.String(metadata={"description": "The iCalendar UID every invitation shares"})
    sequence = fields.Integer(metadata={"description": "iCalendar SEQUENCE, +1 per change"})
    status = fields.String(metadata={"enum": list(MEETING_STATUSES)})
    partstat = fields.String(metadata={"enum": list(PARTSTATS),
                                       "description": "The partner's answer"})
    partstat_at = Timestamp(allow_none=True)
    title = fields.String()
    starts_at = Timestamp()
    ends_at = Timestamp()
    duration_minutes = fields.Integer()
    timezone = fields.String(metadata={"description": "The manager's zone when scheduled"})
    location = fields.String()
    video_url = fields.String()
    agenda = fields.String()
    outcome_notes = fields.String()
    created_at = Timestamp()
    updated_at = Timestamp()
    url = ResourceUrl("api_meetings.meeting", "meeting_id")


class MeetingListSchema(ma.Schema):
    items = fields.List(fields.Nested(MeetingSchema))


def _aware(**kwargs) -> Instant:
    return Instant(
        metadata={"description": "ISO 8601 with an offset, e.g. 2026-03-17T16:00:00+01:00"},
        **kwargs)


class MeetingCreateSchema(ma.Schema):
    starts_at = _aware(required=True)
    duration_minutes = fields.Integer(strict=True, load_default=30,
                                      validate=validate.Range(meetings.MIN_MINUTES,
                                                              meetings.MAX_MINUTES))
    title = fields.String(load_default="")
    location = fields.String(load_default="")
    video_url = fields.String(load_default="")
    agenda = fields.String(load_default="")
    client_id = Id(strict=True, allow_none=True, load_default=None)
    manager_id = Id(strict=True, allow_none=True, load_default=None, metadata={
        "description": "Who runs the call; left out: the token's user"})


class MeetingRescheduleSchema(ma.Schema):
    starts_at = _aware(required=True)
    duration_minutes = fields.Integer(strict=True, validate=validate.Range(
        meetings.MIN_MINUTES, meetings.MAX_MINUTES))
    location = fields.String()
    video_url = fields.String()
    agenda = fields.String()


class MeetingCancelSchema(ma.Schema):
    reason = fields.String(load_default="", metadata={"description": "Told to the partner"})


class MeetingOutcomeSchema(ma.Schema):
    outcome = fields.String(required=True, validate=validate.OneOf(meetings.OUTCOMES))
    notes = fields.String(load_default="")
    activate = fields.Boolean(load_default=False, metadata={
        "description": "Held: also move the partner to the active stage"})


def load_meeting(meeting_id: int) -> Meeting:
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound(f"There is no meeting #{meeting_id}.")
    return meeting


def _manager(manager_id: int | None) -> User:
    if manager_id is None:
        return api_user()
    manager = db.session.get(User, manager_id)
    if manager is None or not manager.is_active:
        raise NotFound(f"There is no user #{manager_id}.", {"manager_id": "unknown user"})
    return manager


@blp.route("/partners/<int:partner_id>/meetings", endpoint="partner_meetings")
class PartnerMeetings(MethodView):
    @blp.response(200, MeetingListSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, partner_id: int):
        """The partner's calls, latest start first."""
        return {"items": meetings.meetings_of(load_partner(partner_id))}

    @blp.arguments(MeetingCreateSchema)
    @blp.response(201, MeetingSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def post(self, data: dict, partner_id: int):
        """Schedule a call and send the invitation (METHOD:REQUEST)."""
        partner = load_partner(partner_id)
        manager = _manager(data.pop("manager_id"))
        meeting = meetings.schedule(partner, manager=manager, actor=api_user(), **data)
        location = url_for(".meeting", meeting_id=meeting.id, _external=True)
        return meeting, 201, {"Location": location}


@blp.route("/meetings/<int:meeting_id>", endpoint="meeting", methods=["GET"])
@blp.response(200, MeetingSchema)
@blp.alt_response(404, response="NOT_FOUND")
def get_meeting(meeting_id: int):
    """One call."""
    return load_meeting(meeting_id)


@blp.route("/meetings/<int:meeting_id>.ics", endpoint="meeting_ics", methods=["GET"])
@blp.doc(responses={"200": {"description": "The VCALENDAR", "content": {
    "text/calendar": {"schema": {"type": "string"}}}}})
@blp.alt_response(404, response="NOT_FOUND")
def get_meeting_ics(meeting_id: int):
    """The call as text/calendar, as it stands (a REQUEST, or a CANCEL once cancelled)."""
    return Response(meetings.calendar_for(load_meeting(meeting_id)), mimetype="text/calendar")


@blp.route("/meetings/<int:meeting_id>/reschedule", endpoint="reschedule", methods=["POST"])
@blp.arguments(MeetingRescheduleSchema)
@blp.response(200, MeetingSchema)
@blp.alt_response(404, response="NOT_FOUND")
def reschedule_meeting(data: dict, meeting_id: int):
    """Move the call: same UID, SEQUENCE + 1, a new invitation."""
    return meetings.reschedule(load_meeting(meeting_id), actor=api_user(), **data)


@blp.route("/meetings/<int:meeting_id>/cancel", endpoint="cancel", methods=["POST"])
@blp.arguments(MeetingCancelSchema)
@blp.response(200, MeetingSchema)
@blp.alt_response(404, response="NOT_FOUND")
def cancel_meeting(data: dict, meeting_id: int):
    """Cancel the call (METHOD:CANCEL); a call that is not scheduled is a 422 on `status`."""
    return meetings.cancel(load_meeting(meeting_id), actor=api_user(), reason=data["reason"])


@blp.route("/meetings/<int:meeting_id>/outcome", endpoint="outcome", methods=["POST"])
@blp.arguments(MeetingOutcomeSchema)
@blp.response(200, MeetingSchema)
@blp.alt_response(404, response="NOT_FOUND")
def meeting_outcome(data: dict, meeting_id: int):
    """Log how the call went: held (with notes) or no_show."""
    return meetings.record_outcome(load_meeting(meeting_id), actor=api_user(), **data)
