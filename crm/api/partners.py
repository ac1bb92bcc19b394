"""/api/v1/partners: list (filtered, keyset-paged), create, read, change."""

from __future__ import annotations

from flask import url_for
from flask.views import MethodView
from sqlalchemy.orm import selectinload

from crm.api.blueprint import ApiBlueprint, api_user
from crm.api.pagination import id_cursor, keyset_page
from crm.api.schemas import (
    PartnerCreateSchema,
    PartnerListArgsSchema,
    PartnerPageSchema,
    PartnerSchema,
    PartnerUpdateSchema,
)
from crm.errors import NotFound
from crm.extensions import db
from crm.models import Membership, Partner
from crm.partners.queries import PartnerFilters, partners_after
from crm.partners.service import create_partner, update_partner

blp = ApiBlueprint(
    "api_partners", __name__, url_prefix="/api/v1/partners",
    description="Partners (affiliates): contact details, pipeline stage, owner, tags.",
)

# Everything PartnerSchema writes, loaded in three queries per page instead of three per row.
PARTNER_LOADING = (
    selectinload(Partner.tags),
    selectinload(Partner.owner),
    selectinload(Partner.memberships).selectinload(Membership.client),
)


def load_partner(partner_id: int) -> Partner:
    """The partner with this id, or NotFound (404)."""
    partner = db.session.get(Partner, partner_id)
    if partner is None:
        raise NotFound(f"There is no partner #{partner_id}.")
    return partner


@blp.route("", endpoint="partners")
class Partners(MethodView):
    @blp.arguments(PartnerListArgsSchema, location="query")
    @blp.response(200, PartnerPageSchema)
    def get(self, args: dict):
        """List partners matching the filters, in id order, one page at a time."""
        limit, after_id = args.pop("limit"), args.pop("cursor", None)
        query = partners_after(PartnerFilters(**args), after_id).options(*PARTNER_LOADING)
        return keyset_page(query, limit, lambda partner: id_cursor(partner.id))

    @blp.arguments(PartnerCreateSchema)
    @blp.response(201, PartnerSchema)
    @blp.alt_response(409, response="CONFLICT")
    def post(self, data: dict):
        """Add a partner; an email or website another partner has is a 409 naming the field."""
        partner = create_partner(data, api_user())
        location = url_for(".partner", partner_id=partner.id, _external=True)
        return partner, 201, {"Location": location}


@blp.route("/<int:partner_id>", endpoint="partner")
class PartnerById(MethodView):
    @blp.response(200, PartnerSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, partner_id: int):
        """One partner with owner, tags and program memberships."""
        return load_partner(partner_id)

    @blp.arguments(PartnerUpdateSchema)
    @blp.response(200, PartnerSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    def patch(self, data: dict, partner_id: int):
        """Change the given fields; stage and owner changes land on the timeline."""
        return update_partner(load_partner(partner_id), data, api_user())
