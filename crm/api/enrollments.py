"""/api/v1/partners/<id>/enrollments and /api/v1/enrollments: partners in welcome sequences."""

from __future__ import annotations

import marshmallow as ma
from flask import url_for
from flask.views import MethodView
from marshmallow import fields

from crm.api.blueprint import ApiBlueprint, api_user
from crm.api.partners import load_partner
from crm.api.schemas import Id, ResourceUrl, Timestamp
from crm.models import ENROLLMENT_STATUSES, STOP_REASONS
from crm.sequences import service

blp = ApiBlueprint(
    "api_enrollments", __name__, url_prefix="/api/v1",
    description="Enrollments: one partner going through one welcome sequence.",
)


class EnrollmentSchema(ma.Schema):
    id = fields.Integer()
    partner_id = fields.Integer()
    sequence_id = fields.Integer()
    sequence_name = fields.String(attribute="sequence.name")
    client_id = fields.Integer(allow_none=True)
    status = fields.String(metadata={"enum": list(ENROLLMENT_STATUSES)})
    next_position = fields.Integer(metadata={"description": "The next step to send (1-based)"})
    next_due_at = Timestamp(allow_none=True)
    started_at = Timestamp()
    stopped_at = Timestamp(allow_none=True)
    stop_reason = fields.String(metadata={"enum": ["", *STOP_REASONS]})
    started_by_id = fields.Integer(allow_none=True)
    url = ResourceUrl("api_enrollments.enrollment", "enrollment_id")


class EnrollmentListSchema(ma.Schema):
    items = fields.List(fields.Nested(EnrollmentSchema))


class EnrollmentCreateSchema(ma.Schema):
    client_id = Id(strict=True, allow_none=True, metadata={
        "description": "Whose program's sequence; left out or null: the default sequence"
    })


@blp.route("/partners/<int:partner_id>/enrollments", endpoint="partner_enrollments")
class PartnerEnrollments(MethodView):
    @blp.response(200, EnrollmentListSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, partner_id: int):
        """The partner's enrollments, newest first."""
        return {"items": service.enrollments_of(load_partner(partner_id).id)}

    @blp.arguments(EnrollmentCreateSchema)
    @blp.response(201, EnrollmentSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    def post(self, data: dict, partner_id: int):
        """Start the client's welcome sequence (or the default); already in it is a 409."""
        enrollment = service.enroll_partner(
            load_partner(partner_id), data.get("client_id"), api_user()
        )
        location = url_for(".enrollment", enrollment_id=enrollment.id, _external=True)
        return enrollment, 201, {"Location": location}


@blp.route("/enrollments/<int:enrollment_id>", endpoint="enrollment", methods=["GET"])
@blp.response(200, EnrollmentSchema)
@blp.alt_response(404, response="NOT_FOUND")
def get_enrollment(enrollment_id: int):
    """One enrollment."""
    return service.load_enrollment(enrollment_id)


@blp.route("/enrollments/<int:enrollment_id>/stop", endpoint="stop", methods=["POST"])
@blp.response(200, EnrollmentSchema)
@blp.alt_response(404, response="NOT_FOUND")
def stop_enrollment(enrollment_id: int):
    """Stop the sequence by hand (reason `manual`); a finished one is returned unchanged."""
    return service.stop_enrollment(service.load_enrollment(enrollment_id), api_user())
