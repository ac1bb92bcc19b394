"""Forms for growth records: they parse input; crm.growth.service decides what is valid."""

from __future__ import annotations

import re
from typing import Any

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from crm.errors import InvalidInput
from crm.growth.service import LIMITS, placement_errors
from crm.models import PLACEMENT_KINDS, Placement
from crm.partners.forms import labelled

# "1250", "1,250", "1250.5", "1,250.00" (an optional currency sign or code around it).
MONEY = re.compile(r"(?P<units>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<cents>\d{1,2}))?")
CURRENCY_NOISE = re.compile(r"^[A-Za-z]{3}\s*|\s*[A-Za-z]{3}$|^[$€£]\s*")


def parse_money(text: str | None, field: str = "fee") -> int | None:
    """'1,250.00' → 125000 whole cents; blank → None; anything else is InvalidInput."""
    raw = (text or "").strip()
    if not raw:
        return None
    match = MONEY.fullmatch(CURRENCY_NOISE.sub("", raw))
    if match is None:
        raise InvalidInput("The amount is not a number.",
                           {field: "write the amount like 1,250.00 (no minus sign)"})
    cents = (match["cents"] or "0").ljust(2, "0")
    return int(match["units"].replace(",", "")) * 100 + int(cents)


def money_input(cents: int | None) -> str:
    """Whole cents as the form shows them: 125000 → '1,250.00'; None → ''."""
    if cents is None:
        return ""
    units, rest = divmod(cents, 100)
    return f"{units:,}.{rest:02d}"


def _max(length: int) -> dict[str, int]:
    # The service enforces the limits; the attribute only stops the browser early.
    return {"maxlength": length}


class CommissionChangeForm(FlaskForm):
    """New commission terms, the day they apply from, and why."""

    new_terms = StringField("New terms", description="e.g. 10% CPS, 45-day cookie",
                            render_kw=_max(LIMITS["terms"]))
    effective_on = DateField("Effective from", validators=[Optional()],
                             description="Today or earlier applies now; a later day is scheduled")
    reason = TextAreaField("Reason", render_kw={"rows": 3, **_max(LIMITS["reason"])},
                           description="Shown on the partner's timeline")

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
    notes = TextAreaField("Notes", render_kw={"rows": 3, **_max(LIMITS["notes"])})

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

    code = StringField("Code", description="Optional; no spaces, e.g. TRAIL20",
                       render_kw={"autocapitalize": "characters", **_max(LIMITS["code"])})
    starts_on = DateField("Starts on", validators=[Optional()])
    ends_on = DateField("Ends on", validators=[Optional()],
                        description="Leave empty for an open-ended promotion")
    terms = TextAreaField("Terms", render_kw={"rows": 3, **_max(LIMITS["promotion_terms"])},
                          description="e.g. 20% off the spring range, new customers only")

    def promotion_data(self) -> dict[str, Any]:
        """The submitted values in the shape add_promotion takes."""
        return {"code": self.code.data or "", "starts_on": self.starts_on.data,
                "ends_on": self.ends_on.data, "terms": self.terms.data or ""}


class DeleteForm(FlaskForm):
    """Only the CSRF token: confirms a delete came from our page."""
