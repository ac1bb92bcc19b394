"""/api/v1/sequences: welcome sequences, their business hours and their steps."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import url_for
from flask.views import MethodView
from marshmallow import fields, validate
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from crm.api.blueprint import ApiBlueprint, api_user
from crm.api.pagination import id_cursor, keyset_page
from crm.api.schemas import Id, PageArgsSchema, ResourceUrl, Timestamp
from crm.errors import InvalidInput
from crm.extensions import db
from crm.models import Client, Sequence
from crm.sequences import service
from crm.sequences.service import BODY_LIMIT, MAX_DELAY_DAYS, SUBJECT_LIMIT

blp = ApiBlueprint(
    "api_sequences", __name__, url_prefix="/api/v1/sequences",
    description="Welcome sequences: the default one and each client's own, with their steps. "
    "Step subjects and bodies are templates, checked when saved.",
)

CLOCK_TIME = "%H:%M"


class SequenceStepSchema(ma.Schema):
    id = fields.Integer()
    sequence_id = fields.Integer()
    position = fields.Integer(metadata={"description": "1-based order in the sequence"})
    delay_days = fields.Integer(metadata={"description": "Days after enrollment"})
    subject = fields.String()
    html_body = fields.String()
    text_body = fields.String(metadata={"description": "Empty: made from the HTML when sent"})


class SequenceSchema(ma.Schema):
    id = fields.Integer()
    name = fields.String()
    client_id = fields.Integer(allow_none=True, metadata={"description": "None: the default"})
    send_weekdays = fields.List(fields.Integer(), metadata={"description": "0 = Monday"})
    send_from = fields.Time(format=CLOCK_TIME, metadata={"description": "Partner's local time"})
    send_until = fields.Time(format=CLOCK_TIME, metadata={"description": "Partner's local time"})
    step_count = fields.Method("_step_count")
    created_at = Timestamp()
    updated_at = Timestamp()
    url = ResourceUrl("api_sequences.sequence", "sequence_id")

    def _step_count(self, sequence: Sequence) -> int:
        return len(sequence.steps)


class SequenceDetailSchema(SequenceSchema):
    steps = fields.List(fields.Nested(SequenceStepSchema))


class SequencePageSchema(ma.Schema):
    items = fields.List(fields.Nested(SequenceSchema))
    next_cursor = fields.String(allow_none=True)


class SequenceCreateSchema(ma.Schema):
    client_id = Id(required=True, strict=True, metadata={
        "description": "The client whose own sequence this is; it starts as a copy of the default"
    })


class SequenceUpdateSchema(ma.Schema):
    """Business hours, in each partner's own time zone; any subset on PATCH."""

    send_weekdays = fields.List(fields.Integer(strict=True, validate=validate.Range(0, 6)),
                                validate=validate.Length(min=1))
    send_from = fields.Time(format=CLOCK_TIME, metadata={"description": "HH:MM"})
    send_until = fields.Time(format=CLOCK_TIME, metadata={"description": "HH:MM"})


class StepUpdateSchema(ma.Schema):
    """Step fields; subject and bodies are templates (see SAMPLE variables in the docs)."""

    delay_days = fields.Integer(strict=True, validate=validate.Range(0, MAX_DELAY_DAYS))
    subject = fields.String(validate=validate.Length(1, SUBJECT_LIMIT))
    html_body = fields.String(validate=validate.Length(1, BODY_LIMIT))
    text_body = fields.String(validate=validate.Length(max=BODY_LIMIT))


class StepCreateSchema(StepUpdateSchema):
    delay_days = fields.Integer(strict=True, load_default=0,
                                validate=validate.Range(0, MAX_DELAY_DAYS))
    subject = fields.String(required=True, validate=validate.Length(1, SUBJECT_LIMIT))
    html_body = fields.String(required=True, validate=validate.Length(1, BODY_LIMIT))


def sequences_after(after_id: int | None) -> Any:
    """Sequences in id order after the given one (a keyset page)."""
    query = select(Sequence).options(selectinload(Sequence.steps)).order_by(Sequence.id)
    return query if after_id is None else query.where(Sequence.id > after_id)


@blp.route("", endpoint="sequences")
class Sequences(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, SequencePageSchema)
    def get(self, args: dict):
        """List sequences in id order (the default one first, created on first use)."""
        service.default_sequence()
        query = sequences_after(args.get("cursor"))
        return keyset_page(query, args["limit"], lambda sequence: id_cursor(sequence.id))

    @blp.arguments(SequenceCreateSchema)
    @blp.response(201, SequenceDetailSchema)
    @blp.alt_response(409, response="CONFLICT")
    def post(self, data: dict):
        """Give a client its own sequence, copied from the default; a second one is a 409."""
        client = db.session.get(Client, data["client_id"])
        if client is None:
            raise InvalidInput("Unknown client.",
                               {"client_id": f"there is no client #{data['client_id']}"})
        sequence = service.create_client_sequence(client, api_user())
        location = url_for(".sequence", sequence_id=sequence.id, _external=True)
        return sequence, 201, {"Location": location}


@blp.route("/<int:sequence_id>", endpoint="sequence")
class SequenceById(MethodView):
    @blp.response(200, SequenceDetailSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, sequence_id: int):
        """One sequence with its business hours and its steps in order."""
        return service.load_sequence(sequence_id)

    @blp.arguments(SequenceUpdateSchema)
    @blp.response(200, SequenceDetailSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def patch(self, data: dict, sequence_id: int):
        """Change the days and hours the sequence sends in."""
        return service.update_hours(service.load_sequence(sequence_id), data, api_user())


@blp.route("/<int:sequence_id>/steps", endpoint="steps", methods=["POST"])
@blp.arguments(StepCreateSchema)
@blp.response(201, SequenceStepSchema)
@blp.alt_response(404, response="NOT_FOUND")
def add_step(data: dict, sequence_id: int):
    """Add a step at the end; a template problem is a 422 naming the field and the line."""
    step = service.add_step(service.load_sequence(sequence_id), data, api_user())
    location = url_for(".step", sequence_id=sequence_id, step_id=step.id, _external=True)
    return step, 201, {"Location": location}


@blp.route("/<int:sequence_id>/steps/<int:step_id>", endpoint="step")
class StepById(MethodView):
    @blp.response(200, SequenceStepSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, sequence_id: int, step_id: int):
        """One step."""
        return service.load_step(service.load_sequence(sequence_id), step_id)

    @blp.arguments(StepUpdateSchema)
    @blp.response(200, SequenceStepSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def patch(self, data: dict, sequence_id: int, step_id: int):
        """Change the given fields; a template problem is a 422 naming the field and the line."""
        step = service.load_step(service.load_sequence(sequence_id), step_id)
        return service.update_step(step, data, api_user())

    @blp.response(204)
    @blp.alt_response(404, response="NOT_FOUND")
    def delete(self, sequence_id: int, step_id: int):
        """Remove a step; later steps move up one place."""
        service.delete_step(service.load_step(service.load_sequence(sequence_id), step_id),
                            api_user())
