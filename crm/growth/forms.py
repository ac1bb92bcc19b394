"""Forms for growth records: they parse input; the growth services decide what is valid."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from crm.errors import InvalidInput
from crm.growth.commissions import LIMITS as COMMISSION_LIMITS
from crm.growth.common import money_input, parse_money
from crm.growth.placements import LIMITS as PLACEMENT_LIMITS
from crm.growth.placements import placement_errors
from crm.growth.promotions import LIMITS as PROMOTION_LIMITS
from crm.models import PLACEMENT_KINDS, Placement, Promotion
from crm.partners.forms import labelled


def _max(length: int) -> dict[str, int]:
    # The service enforces the limits; the attribute only stops the browser early.
    return {"maxlength": length}


class CommissionChangeForm(FlaskForm):
    """New commission terms, the day they apply from, and why."""

    new_terms = StringField("New terms", description="e.g. 10% CPS, 45-day cookie",
                            render_kw=_max(COMMISSION_LIMITS["new_terms"]))
    effective_on = DateField("Effective from", validators=[Optional()],
                             description="Today or earlier applies now; a later day is scheduled")
    reason = TextAreaField("Reason", description="Shown on the partner's timeline",
                           render_kw={"rows": 3, **_max(COMMISSION_LIMITS["reason"])})

    def change_data(self) -> dict[str, Any]:
        """The submitted values in the shape record_commission_change takes."""
        return {"new_terms": self.new_terms.data or "", "effective_on": self.effective_on.data,
                "reason": self.reason.data or ""}


class PlacementForm(FlaskForm):
    """A paid placement: what kind, when, for how much."""

    kind = SelectField("Kind", choices=labelled(PLACEMENT_KINDS), default="newsletter")
    starts_on = DateField("Starts on", validators=[Optional()])
    ends_on = DateField("Ends on", validators=[Optional()],
                        description="The last day it runs; the start day for a one-off")
    fee = StringField("Fee", description="Optional, e.g. 1,250.00",
                      render_kw={"inputmode": "decimal", **_max(24)})
    notes = TextAreaField("Notes", render_kw={"rows": 3, **_max(PLACEMENT_LIMITS["notes"])})

    @classmethod
    def for_placement(cls, placement: Placement) -> PlacementForm:
        """A form filled with the placement's values (submitted data wins)."""
        return cls(data={"kind": placement.kind, "starts_on": placement.starts_on,
                         "ends_on": placement.ends_on, "fee": money_input(placement.fee_cents),
                         "notes": placement.notes})

    def placement_data(self) -> dict[str, Any]:
        """The submitted values in the shape add_placement takes; a bad fee is InvalidInput.

        An unreadable fee is reported together with whatever else is wrong, so the manager
        fixes the form in one go.
        """
        data = {"kind": self.kind.data, "starts_on": self.starts_on.data,
                "ends_on": self.ends_on.data, "fee_cents": None, "notes": self.notes.data or ""}
        try:
            data["fee_cents"] = parse_money(self.fee.data)
        except InvalidInput as error:
            others = placement_errors(**data)
            raise InvalidInput("The placement could not be saved.",
                               {**others, **error.fields}) from None
        return data


class PromotionForm(FlaskForm):
    """A promotion: its code, dates and terms."""

    code = StringField("Code", description="Optional; no spaces, e.g. TRAIL20", render_kw={
        "autocapitalize": "characters", **_max(PROMOTION_LIMITS["code"])})
    starts_on = DateField("Starts on", validators=[Optional()])
    ends_on = DateField("Ends on", validators=[Optional()],
                        description="Leave empty for an open-ended promotion")
    terms = TextAreaField("Terms", render_kw={"rows": 3, **_max(PROMOTION_LIMITS["terms"])},
                          description="e.g. 20% off the spring range, new customers only")

    @classmethod
    def for_promotion(cls, promotion: Promotion, **kwargs: Any) -> PromotionForm:
        """A form filled with the promotion's values (submitted data wins)."""
        return cls(data={"code": promotion.code, "starts_on": promotion.starts_on,
                         "ends_on": promotion.ends_on, "terms": promotion.terms}, **kwargs)

    def promotion_data(self) -> dict[str, Any]:
        """The submitted values in the shape add_promotion and update_promotion take."""
        return {"code": self.code.data or "", "starts_on": self.starts_on.data,
                "ends_on": self.ends_on.data, "terms": self.terms.data or ""}


class EndPromotionForm(FlaskForm):
    """Why a running promotion is ended today (optional)."""

    reason = TextAreaField("Why end it today?", description="Optional; shown on the timeline",
                           render_kw={"rows": 2, **_max(PROMOTION_LIMITS["reason"])})


class DeleteForm(FlaskForm):
    """Only the CSRF token: confirms a delete came from our page."""
