"""/api/v1/inbound: hand Rapport one raw message that came back (reply, auto-reply, bounce)."""

from __future__ import annotations

import marshmallow as ma
from flask import request
from flask.views import MethodView
from marshmallow import fields
from werkzeug.exceptions import UnsupportedMediaType

from crm.api.blueprint import ApiBlueprint
from crm.models import INBOUND_KINDS
from outreach.inbound import MAX_BYTES
from outreach.inbound_apply import receive

RAW_TYPES = ("message/rfc822", "text/plain", "application/octet-stream")
RAW_BODY = {
    "required": True,
    "description": "One raw RFC 5322 message, exactly as received (headers and body), "
    f"at most {MAX_BYTES // (1024 * 1024)} MB.",
    "content": {kind: {"schema": {"type": "string", "format": "binary"}} for kind in RAW_TYPES},
}

blp = ApiBlueprint(
    "api_inbound", __name__, url_prefix="/api/v1/inbound",
    description="Mail that came back: replies stop sequences, bounces and complaints suppress "
    "addresses, auto-replies are noted. Every message is kept.",
)


class InboundResultSchema(ma.Schema):
    id = fields.Integer(allow_none=True, metadata={
        "description": "The stored inbound message; null for a copy sent to a BCC address "
        "(logged on the timeline, not kept)"})
    kind = fields.String(metadata={"enum": [*INBOUND_KINDS, "bcc_copy"]})
    partner_id = fields.Integer(allow_none=True)
    outbound_email_id = fields.Integer(
        allow_none=True, metadata={"description": "Our email it answers or reports on"}
    )
    effects = fields.List(fields.String(), metadata={
        "description": "What receiving it did, e.g. reply_logged, enrollments_stopped:1, "
        "suppressed:<address>, email_bounced:<id>, soft_bounce_logged:<address>, "
        "auto_reply_logged, matched_by_address, bcc_logged:<partner id>, bcc_no_partner; "
        "empty for a duplicate"
    })
    duplicate = fields.Boolean(metadata={"description": "Received before (same Message-ID)"})


def _raw_body() -> bytes:
    if request.mimetype and request.mimetype not in RAW_TYPES:
        raise UnsupportedMediaType(
            "Send the raw message with Content-Type: message/rfc822 "
            "(text/plain and application/octet-stream are accepted too)."
        )
    request.max_content_length = MAX_BYTES  # larger bodies are refused before being read
    return request.get_data(cache=False)


@blp.route("", endpoint="inbound")
class Inbound(MethodView):
    @blp.doc(requestBody=RAW_BODY)
    @blp.response(201, InboundResultSchema)
    @blp.alt_response(200, schema=InboundResultSchema, success=True,
                      description="Received before (same Message-ID): the stored message; "
                      "nothing is applied again, so effects is empty")
    @blp.alt_response(413, response="REQUEST_ENTITY_TOO_LARGE")
    @blp.alt_response(415, response="UNSUPPORTED_MEDIA_TYPE")
    @blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
    def post(self):
        """Receive one raw message: store it, match it to our email or partner, apply it."""
        received = receive(_raw_body())
        return received.as_dict(), 200 if received.duplicate else 201
