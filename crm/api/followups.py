"""/api/v1/followups: the follow-up queue, snooze and resolve."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from marshmallow import fields, validate

from crm.api.blueprint import ApiBlueprint, api_user
from crm.api.schemas import Instant, Timestamp
from crm.errors import NotFound
from crm.extensions import db
from crm.followups.queries import queue_query
from crm.models import FOLLOWUP_STATUSES, FollowUp
from outreach import followups

blp = ApiBlueprint(
    "api_followups", __name__, url_prefix="/api/v1/followups",
    description="Follow-ups: flags the rules raised on partners who need attention.",
)


class FollowUpSchema(ma.Schema):
    id = fields.Integer()
    partner_id = fields.Integer()
    partner_name = fields.String(attribute="partner.name")
    rule = fields.String(metadata={"enum": sorted({*followups.RULES, *followups.DIRECT_FLAGS})})
    reason = fields.String()
    weight = fields.Integer()
    status = fields.String(metadata={"enum": list(FOLLOWUP_STATUSES)})
    due_at = Timestamp()
    snoozed_until = Timestamp(allow_none=True)
    resolved_at = Timestamp(allow_none=True)
    resolution = fields.String()


class FollowUpListSchema(ma.Schema):
    items = fields.List(fields.Nested(FollowUpSchema))


class FollowUpListArgs(ma.Schema):
    status = fields.String(load_default="open", validate=validate.OneOf(FOLLOWUP_STATUSES))
    mine = fields.Boolean(load_default=True, metadata={
        "description": "Only partners the token's user owns (false: everyone's)"})
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 500))


class SnoozeSchema(ma.Schema):
    until = Instant(required=True)


class ResolveSchema(ma.Schema):
    note = fields.String(load_default="", validate=validate.Length(max=1000))


def load_followup(followup_id: int) -> FollowUp:
    flag = db.session.get(FollowUp, followup_id)
    if flag is None:
        raise NotFound(f"There is no follow-up #{followup_id}.")
    return flag


@blp.route("", endpoint="followups")
class FollowUps(MethodView):
    @blp.arguments(FollowUpListArgs, location="query")
    @blp.response(200, FollowUpListSchema)
    def get(self, args: dict):
        """The queue: due first, then weight."""
        query = queue_query(api_user().id if args["mine"] else None, args["status"])
        return {"items": db.session.scalars(query.limit(args["limit"])).all()}


@blp.route("/<int:followup_id>/snooze", endpoint="snooze", methods=["POST"])
@blp.arguments(SnoozeSchema)
@blp.response(200, FollowUpSchema)
@blp.alt_response(404, response="NOT_FOUND")
def snooze_followup(data: dict, followup_id: int):
    """Hide until a time; it comes back then if it still applies."""
    return followups.snooze(load_followup(followup_id), data["until"], api_user())


@blp.route("/<int:followup_id>/resolve", endpoint="resolve", methods=["POST"])
@blp.arguments(ResolveSchema)
@blp.response(200, FollowUpSchema)
@blp.alt_response(404, response="NOT_FOUND")
def resolve_followup(data: dict, followup_id: int):
    """Done; the note goes on the partner's timeline."""
    return followups.resolve(load_followup(followup_id), data["note"], api_user())
