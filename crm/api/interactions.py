"""/api/v1/partners/<id>/interactions and /timeline: what happened with a partner, newest first."""

from __future__ import annotations

from flask.views import MethodView
from sqlalchemy import Select
from sqlalchemy.orm import selectinload

from crm.api.blueprint import ApiBlueprint, api_user
from crm.api.pagination import keyset_page, timeline_cursor
from crm.api.partners import load_partner
from crm.api.schemas import (
    InteractionCreateSchema,
    InteractionPageSchema,
    InteractionSchema,
    TimelineArgsSchema,
)
from crm.models import Interaction
from crm.partners.queries import timeline_query
from crm.partners.service import log_interaction

blp = ApiBlueprint(
    "api_interactions", __name__, url_prefix="/api/v1/partners/<int:partner_id>",
    description="A partner's timeline: logged calls, emails, meetings, notes and system events.",
)


def _page(query: Select[tuple[Interaction]], limit: int) -> dict:
    query = query.options(selectinload(Interaction.author))
    return keyset_page(query, limit, lambda entry: timeline_cursor(entry.occurred_at, entry.id))


@blp.route("/interactions", endpoint="interactions")
class Interactions(MethodView):
    @blp.arguments(TimelineArgsSchema, location="query")
    @blp.response(200, InteractionPageSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, args: dict, partner_id: int):
        """Interactions people logged (no system events), newest first."""
        partner = load_partner(partner_id)
        query = timeline_query(partner.id, args.get("cursor"))
        return _page(query.where(Interaction.kind != "system"), args["limit"])

    @blp.arguments(InteractionCreateSchema)
    @blp.response(201, InteractionSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def post(self, data: dict, partner_id: int):
        """Log a call, email, meeting, conference contact or note; occurred_at defaults to now."""
        return log_interaction(load_partner(partner_id), api_user(), **data), 201


@blp.route("/timeline", endpoint="timeline")
class Timeline(MethodView):
    @blp.arguments(TimelineArgsSchema, location="query")
    @blp.response(200, InteractionPageSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, args: dict, partner_id: int):
        """Everything on the partner's timeline, system events included, newest first."""
        partner = load_partner(partner_id)
        return _page(timeline_query(partner.id, args.get("cursor")), args["limit"])
