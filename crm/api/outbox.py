"""/api/v1/outbox: every outbound email, stored before it is sent, newest first."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from crm.api.blueprint import ApiBlueprint
from crm.api.pagination import id_cursor, keyset_page
from crm.api.schemas import Id, PageArgsSchema, ResourceUrl, Timestamp
from crm.models import OUTBOUND_STATUSES
from crm.outbox import queries

blp = ApiBlueprint(
    "api_outbox", __name__, url_prefix="/api/v1/outbox",
    description="The outbox: each email as stored, with its delivery status. Without an SMTP "
    "server (embedded mode) these are the captured emails.",
)


class OutboundEmailSchema(ma.Schema):
    id = fields.Integer()
    partner_id = fields.Integer(allow_none=True)
    enrollment_id = fields.Integer(allow_none=True)
    step_id = fields.Integer(allow_none=True)
    to_address = fields.String()
    to_name = fields.String()
    from_address = fields.String()
    from_name = fields.String()
    subject = fields.String()
    message_id = fields.String()
    status = fields.String(metadata={"enum": list(OUTBOUND_STATUSES)})
    attempts = fields.Integer()
    last_error = fields.String()
    next_attempt_at = Timestamp(allow_none=True)
    created_at = Timestamp()
    sent_at = Timestamp(allow_none=True)
    url = ResourceUrl("api_outbox.email", "outbound_id")


class OutboundEmailDetailSchema(OutboundEmailSchema):
    text_body = fields.String()
    html_body = fields.String()
    headers = fields.Dict(keys=fields.String(), values=fields.String(),
                          metadata={"description": "Extra headers, e.g. List-Unsubscribe"})


class OutboxArgsSchema(PageArgsSchema):
    status = fields.String(validate=validate.OneOf(OUTBOUND_STATUSES))
    partner_id = Id(metadata={"description": "Only emails to this partner"})


class OutboxPageSchema(ma.Schema):
    items = fields.List(fields.Nested(OutboundEmailSchema))
    next_cursor = fields.String(allow_none=True)


@blp.route("", endpoint="outbox", methods=["GET"])
@blp.arguments(OutboxArgsSchema, location="query")
@blp.response(200, OutboxPageSchema)
def list_outbox(args: dict):
    """Outbound emails, newest first, one page at a time."""
    query = queries.outbox_after(args.get("status"), args.get("partner_id"), args.get("cursor"))
    return keyset_page(query, args["limit"], lambda row: id_cursor(row.id))


@blp.route("/<int:outbound_id>", endpoint="email", methods=["GET"])
@blp.response(200, OutboundEmailDetailSchema)
@blp.alt_response(404, response="NOT_FOUND")
def get_email(outbound_id: int):
    """One outbound email with its bodies and headers."""
    return queries.load_email(outbound_id)
