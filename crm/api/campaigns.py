"""/api/v1/campaigns: recruitment campaigns, their steps, enrollments and figures."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import url_for
from flask.views import MethodView
from marshmallow import fields, validate
from sqlalchemy import select

from crm.api.blueprint import ApiBlueprint, api_user
from crm.api.pagination import id_cursor, keyset_page
from crm.api.schemas import PageArgsSchema, ResourceUrl, Timestamp
from crm.campaigns import audience as audiences
from crm.campaigns import service, stats
from crm.models import (
    CAMPAIGN_ENROLLMENT_STATUSES,
    CAMPAIGN_STATUSES,
    CAMPAIGN_STOP_REASONS,
    SOURCES,
    Campaign,
    CampaignEnrollment,
)
from crm.sequences.service import BODY_LIMIT, MAX_DELAY_DAYS, SUBJECT_LIMIT

blp = ApiBlueprint(
    "api_campaigns", __name__, url_prefix="/api/v1/campaigns",
    description="Recruitment campaigns: multi-step outreach to prospects for a client program, "
    "sent as each prospect's manager. Step subjects and bodies are templates, checked when "
    "saved.",
)

CLOCK_TIME = "%H:%M"
ID = validate.Range(min=1, max=2**31 - 1)


def _id(**kwargs: Any) -> fields.Integer:
    return fields.Integer(strict=True, validate=ID, **kwargs)


class CampaignStepSchema(ma.Schema):
    id = fields.Integer()
    campaign_id = fields.Integer()
    position = fields.Integer(metadata={"description": "1-based order in the campaign"})
    delay_days = fields.Integer(metadata={"description": "Days after enrolment"})
    subject = fields.String()
    subject_b = fields.String(metadata={"description": "Variant B of the subject; empty: none"})
    html_body = fields.String()
    text_body = fields.String(metadata={"description": "Empty: made from the HTML when sent"})


class CampaignSchema(ma.Schema):
    id = fields.Integer()
    name = fields.String()
    client_id = fields.Integer()
    owner_id = fields.Integer()
    status = fields.String(metadata={"enum": list(CAMPAIGN_STATUSES)})
    send_weekdays = fields.List(fields.Integer(), metadata={"description": "0 = Monday"})
    send_from = fields.Time(format=CLOCK_TIME, metadata={"description": "Prospect's local time"})
    send_until = fields.Time(format=CLOCK_TIME, metadata={"description": "Prospect's local time"})
    audience = fields.Dict(metadata={"description": "The filter last used to enrol"})
    step_count = fields.Method("_step_count")
    created_at = Timestamp()
    updated_at = Timestamp()
    started_at = Timestamp(allow_none=True)
    archived_at = Timestamp(allow_none=True)
    url = ResourceUrl("api_campaigns.campaign", "campaign_id")

    def _step_count(self, campaign) -> int:
        return len(campaign.steps)


class CampaignDetailSchema(CampaignSchema):
    steps = fields.List(fields.Nested(CampaignStepSchema))


class CampaignPageSchema(ma.Schema):
    items = fields.List(fields.Nested(CampaignSchema))
    next_cursor = fields.String(allow_none=True)


class CampaignUpdateSchema(ma.Schema):
    name = fields.String(validate=validate.Length(1, service.NAME_LIMIT))
    client_id = _id(metadata={"description": "Only while the campaign is a draft"})
    owner_id = _id()
    send_weekdays = fields.List(fields.Integer(strict=True, validate=validate.Range(0, 6)),
                                validate=validate.Length(min=1))
    send_from = fields.Time(format=CLOCK_TIME, metadata={"description": "HH:MM"})
    send_until = fields.Time(format=CLOCK_TIME, metadata={"description": "HH:MM"})


class CampaignCreateSchema(CampaignUpdateSchema):
    name = fields.String(required=True, validate=validate.Length(1, service.NAME_LIMIT))
    client_id = _id(required=True)
    owner_id = _id(metadata={"description": "Default: the caller"})


class CampaignStepUpdateSchema(ma.Schema):
    delay_days = fields.Integer(strict=True, validate=validate.Range(0, MAX_DELAY_DAYS))
    subject = fields.String(validate=validate.Length(1, SUBJECT_LIMIT))
    subject_b = fields.String(validate=validate.Length(max=SUBJECT_LIMIT))
    html_body = fields.String(validate=validate.Length(1, BODY_LIMIT))
    text_body = fields.String(validate=validate.Length(max=BODY_LIMIT))


class CampaignStepCreateSchema(CampaignStepUpdateSchema):
    delay_days = fields.Integer(strict=True, load_default=0,
                                validate=validate.Range(0, MAX_DELAY_DAYS))
    subject = fields.String(required=True, validate=validate.Length(1, SUBJECT_LIMIT))
    html_body = fields.String(required=True, validate=validate.Length(1, BODY_LIMIT))


class CampaignAudienceSchema(ma.Schema):
    stage = fields.String(validate=validate.OneOf(audiences.RECRUITING_STAGES))
    source = fields.String(validate=validate.OneOf(SOURCES))
    source_list = fields.String(validate=validate.Length(max=200),
                                metadata={"description": "The recruitment list"})
    tag = fields.String(validate=validate.Length(max=64))
    q = fields.String(validate=validate.Length(max=200), metadata={"description": "Search"})
    owner_id = _id()


class CampaignEnrolSchema(ma.Schema):
    filters = fields.Nested(CampaignAudienceSchema, metadata={
        "description": "A partner-list filter (stage prospect or contacted, or both when "
        "left out)"})
    partner_ids = fields.List(_id(), validate=validate.Length(1, audiences.MAX_SELECTED),
                              metadata={"description": "Rows picked instead of a filter"})
    dry_run = fields.Boolean(load_default=False, metadata={
        "description": "Only count (and render the first email); enrol nobody"})

    @ma.validates_schema
    def _one_way(self, data: dict, **kwargs: Any) -> None:
        if ("filters" in data) == ("partner_ids" in data):
            raise ma.ValidationError("give either filters or partner_ids", "filters")


class CampaignEnrolResultSchema(ma.Schema):
    enrolled = fields.Integer(metadata={"description": "Enrolled (or, on a dry run, would be)"})
    skipped = fields.Dict(keys=fields.String(metadata={"enum": list(audiences.SKIP_REASONS)}),
                          values=fields.Integer())
    dry_run = fields.Boolean()
    first_email = fields.Dict(allow_none=True, metadata={
        "description": "Dry run: the first email as the first prospect would get it"})


class CampaignEnrollmentSchema(ma.Schema):
    id = fields.Integer()
    campaign_id = fields.Integer()
    partner_id = fields.Integer()
    partner_name = fields.String(attribute="partner.name")
    client_id = fields.Integer()
    status = fields.String(metadata={"enum": list(CAMPAIGN_ENROLLMENT_STATUSES)})
    next_position = fields.Integer()
    next_due_at = Timestamp(allow_none=True)
    last_step_id = fields.Integer(allow_none=True)
    last_variant = fields.String()
    started_at = Timestamp()
    stopped_at = Timestamp(allow_none=True)
    stop_reason = fields.String(metadata={"enum": ["", *CAMPAIGN_STOP_REASONS]})
    converted_at = Timestamp(allow_none=True)


class CampaignEnrollmentPageSchema(ma.Schema):
    items = fields.List(fields.Nested(CampaignEnrollmentSchema))
    next_cursor = fields.String(allow_none=True)


class CampaignStatsRowSchema(ma.Schema):
    position = fields.Integer(metadata={"description": "Step; 0 for the totals"})
    variant = fields.String()
    subject = fields.String()
    sent = fields.Integer()
    bounced = fields.Integer()
    replied = fields.Integer()
    unsubscribed = fields.Integer()
    converted = fields.Integer(metadata={"description": "Onboarding or active within 30 days"})


class CampaignStatsSchema(ma.Schema):
    steps = fields.List(fields.Nested(CampaignStatsRowSchema))
    total = fields.Nested(CampaignStatsRowSchema)
    enrollments = fields.Dict(keys=fields.String(), values=fields.Integer())


@blp.route("", endpoint="campaigns")
class Campaigns(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, CampaignPageSchema)
    def get(self, args: dict):
        """Campaigns in id order, archived ones included."""
        query = service.campaigns_query(include_archived=True).order_by(None).order_by(
            Campaign.id)
        if args.get("cursor") is not None:
            query = query.where(Campaign.id > args["cursor"])
        return keyset_page(query, args["limit"], lambda c: id_cursor(c.id))

    @blp.arguments(CampaignCreateSchema)
    @blp.response(201, CampaignDetailSchema)
    def post(self, data: dict):
        """Create a draft campaign for a client program; add steps, then enrol to start."""
        campaign = service.create_campaign(data, api_user())
        location = url_for(".campaign", campaign_id=campaign.id, _external=True)
        return campaign, 201, {"Location": location}


@blp.route("/<int:campaign_id>", endpoint="campaign")
class CampaignById(MethodView):
    @blp.response(200, CampaignDetailSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, campaign_id: int):
        """One campaign with its steps."""
        return service.load_campaign(campaign_id)

    @blp.arguments(CampaignUpdateSchema)
    @blp.response(200, CampaignDetailSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def patch(self, data: dict, campaign_id: int):
        """Change the name, owner, sending window (or the client, while a draft)."""
        return service.update_campaign(service.load_campaign(campaign_id), data)


def _action(name: str, operation, doc: str) -> None:
    def view(campaign_id: int):
        return operation(service.load_campaign(campaign_id), api_user())

    view.__doc__ = doc
    view.__name__ = name
    blp.route(f"/<int:campaign_id>/{name}", endpoint=name, methods=["POST"])(
        blp.response(200, CampaignDetailSchema)(
            blp.alt_response(404, response="NOT_FOUND")(
                blp.alt_response(409, response="CONFLICT")(view))))


_action("pause", service.pause, "Pause an active campaign: nothing more is queued.")
_action("resume", service.resume, "Resume a paused campaign where it stopped.")
_action("archive", service.archive, "Archive: every prospect still in it is taken out.")


@blp.route("/<int:campaign_id>/steps", endpoint="steps", methods=["POST"])
@blp.arguments(CampaignStepCreateSchema)
@blp.response(201, CampaignStepSchema)
@blp.alt_response(404, response="NOT_FOUND")
def add_step(data: dict, campaign_id: int):
    """Add a step at the end; a template problem is a 422 naming the field and the line."""
    step = service.add_step(service.load_campaign(campaign_id), data)
    location = url_for(".step", campaign_id=campaign_id, step_id=step.id, _external=True)
    return step, 201, {"Location": location}


@blp.route("/<int:campaign_id>/steps/<int:step_id>", endpoint="step")
class CampaignStepById(MethodView):
    @blp.response(200, CampaignStepSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, campaign_id: int, step_id: int):
        """One step."""
        return service.load_step(service.load_campaign(campaign_id), step_id)

    @blp.arguments(CampaignStepUpdateSchema)
    @blp.response(200, CampaignStepSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def patch(self, data: dict, campaign_id: int, step_id: int):
        """Change the given fields; emails already queued keep what they were queued with."""
        step = service.load_step(service.load_campaign(campaign_id), step_id)
        return service.update_step(step, data)

    @blp.response(204)
    @blp.alt_response(404, response="NOT_FOUND")
    def delete(self, campaign_id: int, step_id: int):
        """Remove a step; later steps move up one place."""
        service.delete_step(service.load_step(service.load_campaign(campaign_id), step_id))


@blp.route("/<int:campaign_id>/enrollments", endpoint="enrollments")
class CampaignEnrollments(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, CampaignEnrollmentPageSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, args: dict, campaign_id: int):
        """The campaign's enrollments in id order."""
        campaign = service.load_campaign(campaign_id)
        query = (select(CampaignEnrollment).where(CampaignEnrollment.campaign_id == campaign.id)
                 .order_by(CampaignEnrollment.id))
        if args.get("cursor") is not None:
            query = query.where(CampaignEnrollment.id > args["cursor"])
        return keyset_page(query, args["limit"], lambda e: id_cursor(e.id))

    @blp.arguments(CampaignEnrolSchema)
    @blp.response(200, CampaignEnrolResultSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    def post(self, data: dict, campaign_id: int):
        """Enrol prospects by a filter or by ids (a draft campaign starts); `dry_run` only
        counts them and renders the first email. Matching no one is a 422."""
        campaign = service.load_campaign(campaign_id)
        audience = audiences.audience_from(
            {"partner_ids": data.get("partner_ids") or [], **(data.get("filters") or {})})
        if data["dry_run"]:
            preview = audiences.preview(campaign, audience)
            return {"enrolled": preview.count, "skipped": preview.skipped, "dry_run": True,
                    "first_email": _first_email(preview.first)}
        enrolled, skipped = audiences.enrol(campaign, audience, api_user())
        return {"enrolled": enrolled, "skipped": skipped, "dry_run": False,
                "first_email": None}


def _first_email(first) -> dict | None:
    if first is None:
        return None
    rendered = first.rendered
    return {"partner_id": first.partner.id, "from_name": first.sender.name,
            "from_address": first.sender.address, "problem": first.problem,
            "subject": rendered.subject if rendered else None,
            "text_body": rendered.text_body if rendered else None}


@blp.route("/<int:campaign_id>/enrollments/<int:enrollment_id>/stop", endpoint="stop",
           methods=["POST"])
@blp.response(200, CampaignEnrollmentSchema)
@blp.alt_response(404, response="NOT_FOUND")
def stop(campaign_id: int, enrollment_id: int):
    """Take one prospect out by hand (reason `manual`)."""
    campaign = service.load_campaign(campaign_id)
    return service.remove(service.load_enrollment(campaign, enrollment_id), api_user())


@blp.route("/<int:campaign_id>/stats", endpoint="stats", methods=["GET"])
@blp.response(200, CampaignStatsSchema)
@blp.alt_response(404, response="NOT_FOUND")
def campaign_stats(campaign_id: int):
    """Sent, replied, bounced, unsubscribed and converted per step and subject variant."""
    figures = stats.figures(service.load_campaign(campaign_id))
    return {"steps": figures.rows, "total": figures.total, "enrollments": figures.statuses}

