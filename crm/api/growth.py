"""/api/v1 growth records: commission changes, placements and promotions of a membership."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView
from marshmallow import fields, validate

from crm.api.blueprint import ApiBlueprint, api_user
from crm.api.schemas import Day, Timestamp, UserRefSchema
from crm.errors import NotFound
from crm.extensions import db
from crm.growth import commissions, placements, promotions
from crm.growth.common import load_membership, today
from crm.growth.levers import placement_state, promotion_state
from crm.models import MEMBERSHIP_STATUSES, PLACEMENT_KINDS, Placement, Promotion

blp = ApiBlueprint(
    "api_growth", __name__, url_prefix="/api/v1",
    description="Growth records: commission changes, paid placements and promotions.",
)

STATES = ["upcoming", "running", "ended"]
DAY = {"description": "ISO 8601 date, e.g. 2026-03-12"}


class MembershipTermsSchema(ma.Schema):
    id = fields.Integer()
    client_id = fields.Integer()
    client_name = fields.String(attribute="client.name")
    partner_id = fields.Integer()
    partner_name = fields.String(attribute="partner.name")
    status = fields.String(metadata={"enum": list(MEMBERSHIP_STATUSES)})
    started_on = fields.Date(allow_none=True)
    terms_in_force = fields.Method("_terms", metadata={
        "type": "string",
        "description": "The terms of the newest change effective on or before today"})
    currency = fields.String(attribute="client.currency",
                             metadata={"description": "ISO 4217 code of the program's money"})

    def _terms(self, membership: Any) -> str:
        return commissions.terms_in_force(membership)


class CommissionChangeSchema(ma.Schema):
    id = fields.Integer()
    membership_id = fields.Integer()
    old_terms = fields.String()
    new_terms = fields.String()
    effective_on = fields.Date(metadata=DAY)
    scheduled = fields.Method("_scheduled", metadata={
        "type": "boolean", "description": "Effective after today: not in force yet"})
    reason = fields.String()
    created_by = fields.Nested(UserRefSchema, allow_none=True)
    created_at = Timestamp()

    def _scheduled(self, change: Any) -> bool:
        return change.effective_on > today()


class CommissionChangeListSchema(ma.Schema):
    items = fields.List(fields.Nested(CommissionChangeSchema))


class CommissionChangeCreateSchema(ma.Schema):
    new_terms = fields.String(required=True,
                              validate=validate.Length(1, commissions.LIMITS["new_terms"]))
    effective_on = Day(required=True, metadata={
        "description": "Today or earlier: in force now; later: scheduled (within a year)"})
    reason = fields.String(load_default="",
                           validate=validate.Length(max=commissions.LIMITS["reason"]))


class PlacementSchema(ma.Schema):
    id = fields.Integer()
    membership_id = fields.Integer()
    kind = fields.String(metadata={"enum": list(PLACEMENT_KINDS)})
    starts_on = fields.Date(metadata=DAY)
    ends_on = fields.Date(metadata=DAY)
    state = fields.Method("_state", metadata={"type": "string", "enum": STATES})
    fee_cents = fields.Integer(allow_none=True, metadata={
        "description": "Whole cents in `currency`; null when not agreed"})
    currency = fields.String(attribute="membership.client.currency")
    notes = fields.String()
    created_by = fields.Nested(UserRefSchema, allow_none=True)
    created_at = Timestamp()

    def _state(self, placement: Any) -> str:
        return placement_state(placement, today())


class PlacementListSchema(ma.Schema):
    items = fields.List(fields.Nested(PlacementSchema))


class PlacementCreateSchema(ma.Schema):
    kind = fields.String(required=True, validate=validate.OneOf(PLACEMENT_KINDS))
    starts_on = Day(required=True, metadata=DAY)
    ends_on = Day(required=True, metadata={
        "description": "The last day it runs, on or after starts_on"})
    fee_cents = fields.Integer(strict=True, allow_none=True, load_default=None,
                               validate=validate.Range(0, placements.MAX_FEE_CENTS), metadata={
                                   "description": "Whole cents in the client's currency"})
    notes = fields.String(load_default="", validate=validate.Length(max=placements.LIMITS["notes"]))


class PlacementUpdateSchema(ma.Schema):
    """Placement fields a caller may change; any subset of them."""

    kind = fields.String(validate=validate.OneOf(PLACEMENT_KINDS))
    starts_on = Day(metadata=DAY)
    ends_on = Day(metadata={"description": "The last day it runs, on or after starts_on"})
    fee_cents = fields.Integer(strict=True, allow_none=True,
                               validate=validate.Range(0, placements.MAX_FEE_CENTS), metadata={
                                   "description": "Whole cents in the client's currency; "
                                                  "null: not agreed"})
    notes = fields.String(validate=validate.Length(max=placements.LIMITS["notes"]))


class PromotionSchema(ma.Schema):
    id = fields.Integer()
    membership_id = fields.Integer()
    code = fields.String()
    starts_on = fields.Date(metadata=DAY)
    ends_on = fields.Date(allow_none=True, metadata={"description": "null: open-ended"})
    state = fields.Method("_state", metadata={"type": "string", "enum": STATES})
    terms = fields.String()
    created_by = fields.Nested(UserRefSchema, allow_none=True)
    created_at = Timestamp()

    def _state(self, promotion: Any) -> str:
        return promotion_state(promotion, today())


class PromotionListSchema(ma.Schema):
    items = fields.List(fields.Nested(PromotionSchema))


class PromotionCreateSchema(ma.Schema):
    code = fields.String(load_default="", validate=validate.Length(max=promotions.LIMITS["code"]),
                         metadata={"description": "Optional; no spaces or control characters"})
    starts_on = Day(required=True, metadata=DAY)
    ends_on = Day(allow_none=True, load_default=None,
                          metadata={"description": "On or after starts_on; null: open-ended"})
    terms = fields.String(load_default="",
                          validate=validate.Length(max=promotions.LIMITS["terms"]))


class PromotionUpdateSchema(ma.Schema):
    """Promotion fields a caller may change; any subset of them."""

    code = fields.String(validate=validate.Length(max=promotions.LIMITS["code"]),
                         metadata={"description": "Empty string: no code"})
    starts_on = Day(metadata=DAY)
    ends_on = Day(allow_none=True, metadata={
        "description": "On or after starts_on; null: open-ended. To stop a running one "
                       "today, POST …/end instead (the timeline says it was ended early)"})
    terms = fields.String(validate=validate.Length(max=promotions.LIMITS["terms"]))


class PromotionEndSchema(ma.Schema):
    reason = fields.String(load_default="",
                           validate=validate.Length(max=promotions.LIMITS["reason"]),
                           metadata={"description": "Why; shown on the partner's timeline"})


def load_placement(placement_id: int) -> Placement:
    placement = db.session.get(Placement, placement_id)
    if placement is None:
        raise NotFound(f"There is no placement #{placement_id}.")
    return placement


def load_promotion(promotion_id: int) -> Promotion:
    promotion = db.session.get(Promotion, promotion_id)
    if promotion is None:
        raise NotFound(f"There is no promotion #{promotion_id}.")
    return promotion


@blp.route("/memberships/<int:membership_id>", endpoint="membership", methods=["GET"])
@blp.response(200, MembershipTermsSchema)
@blp.alt_response(404, response="NOT_FOUND")
def get_membership(membership_id: int):
    """One membership with the commission terms in force today."""
    return load_membership(membership_id)


@blp.route("/memberships/<int:membership_id>/commission-changes", endpoint="commission_changes")
class CommissionChanges(MethodView):
    @blp.response(200, CommissionChangeListSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, membership_id: int):
        """The commission history, newest effective date first."""
        membership = load_membership(membership_id)
        return {"items": commissions.commission_changes_of(membership)}

    @blp.arguments(CommissionChangeCreateSchema)
    @blp.response(201, CommissionChangeSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def post(self, data: dict, membership_id: int):
        """Record new terms; in force at once unless effective_on is after today."""
        membership = load_membership(membership_id)
        return commissions.record_commission_change(membership, actor=api_user(), **data), 201


@blp.route("/memberships/<int:membership_id>/placements", endpoint="placements")
class Placements(MethodView):
    @blp.response(200, PlacementListSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, membership_id: int):
        """The paid placements, latest start first."""
        return {"items": placements.placements_of(load_membership(membership_id))}

    @blp.arguments(PlacementCreateSchema)
    @blp.response(201, PlacementSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def post(self, data: dict, membership_id: int):
        """Book a paid placement (fee in whole cents of the client's currency)."""
        membership = load_membership(membership_id)
        return placements.add_placement(membership, actor=api_user(), **data), 201


@blp.route("/placements/<int:placement_id>", endpoint="placement")
class PlacementById(MethodView):
    @blp.response(200, PlacementSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, placement_id: int):
        """One paid placement."""
        return load_placement(placement_id)

    @blp.arguments(PlacementUpdateSchema)
    @blp.response(200, PlacementSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def patch(self, data: dict, placement_id: int):
        """Change the given fields; the others keep their values."""
        placement = load_placement(placement_id)
        values = {"kind": placement.kind, "starts_on": placement.starts_on,
                  "ends_on": placement.ends_on, "fee_cents": placement.fee_cents,
                  "notes": placement.notes, **data}
        return placements.update_placement(placement, actor=api_user(), **values)

    @blp.response(204)
    @blp.alt_response(404, response="NOT_FOUND")
    def delete(self, placement_id: int):
        """Remove a placement booked by mistake; the partner's timeline keeps a line about it."""
        placements.delete_placement(load_placement(placement_id), actor=api_user())


@blp.route("/memberships/<int:membership_id>/promotions", endpoint="promotions")
class Promotions(MethodView):
    @blp.response(200, PromotionListSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, membership_id: int):
        """The promotions, latest start first."""
        return {"items": promotions.promotions_of(load_membership(membership_id))}

    @blp.arguments(PromotionCreateSchema)
    @blp.response(201, PromotionSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def post(self, data: dict, membership_id: int):
        """Record a promotion the partner runs."""
        membership = load_membership(membership_id)
        return promotions.add_promotion(membership, actor=api_user(), **data), 201


@blp.route("/promotions/<int:promotion_id>", endpoint="promotion")
class PromotionById(MethodView):
    @blp.response(200, PromotionSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, promotion_id: int):
        """One promotion."""
        return load_promotion(promotion_id)

    @blp.arguments(PromotionUpdateSchema)
    @blp.response(200, PromotionSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def patch(self, data: dict, promotion_id: int):
        """Change the given fields; the others keep their values."""
        promotion = load_promotion(promotion_id)
        values = {"code": promotion.code, "starts_on": promotion.starts_on,
                  "ends_on": promotion.ends_on, "terms": promotion.terms, **data}
        return promotions.update_promotion(promotion, actor=api_user(), **values)


@blp.route("/promotions/<int:promotion_id>/end", endpoint="end_promotion", methods=["POST"])
@blp.arguments(PromotionEndSchema)
@blp.response(200, PromotionSchema)
@blp.alt_response(404, response="NOT_FOUND")
def end_promotion(data: dict, promotion_id: int):
    """End a running promotion today (today is its last day); not started or ended: 422."""
    return promotions.end_promotion(load_promotion(promotion_id), actor=api_user(), **data)
