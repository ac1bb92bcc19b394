"""Pages for growth records on a partner's memberships: the partner page panel and the forms."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from crm.errors import DomainError
from crm.extensions import db
from crm.growth import commissions, placements, promotions
from crm.growth.common import format_day, format_money, today
from crm.growth.forms import (
    CommissionChangeForm,
    DeleteForm,
    EndPromotionForm,
    PlacementForm,
    PromotionForm,
)
from crm.growth.overview import growth_of
from crm.models import Membership, Partner, Placement, Promotion, User
from crm.partners.forms import apply_domain_error

bp = Blueprint("growth", __name__, url_prefix="/growth")

# Where "Suggested next" sends the manager; levers with no record of their own are logged
# as an interaction on the partner page.
LEVER_FORMS = {
    "commission_increase": "growth.commission",
    "paid_placement": "growth.new_placement",
    "promotion": "growth.new_promotion",
    "exclusive_code": "growth.new_promotion",
}


def _actor() -> User:
    return current_user._get_current_object()


@bp.app_template_global("partner_growth")
def partner_growth(partner: Partner) -> dict[str, Any]:
    """What _partner_growth.html shows on the partner page."""
    return {"today": today(), "memberships": growth_of(partner)}


@bp.app_template_global("growth_lever_url")
def growth_lever_url(lever: str, membership: Membership) -> str:
    """The form that pulls this lever for the membership."""
    endpoint = LEVER_FORMS.get(lever)
    if endpoint is None:
        return url_for("partners.detail", partner_id=membership.partner_id, _anchor="log-panel")
    return url_for(endpoint, membership_id=membership.id)


@bp.app_template_filter("growth_money")
def growth_money(cents: int, currency: str) -> str:
    return format_money(cents, currency)


@bp.app_template_filter("growth_day")
def growth_day(day) -> str:
    return format_day(day)


def _back_to_partner(membership: Membership):
    return redirect(url_for("partners.detail", partner_id=membership.partner_id,
                            _anchor="growth"))


def _show_error(form: FlaskForm, error: DomainError) -> None:
    # The API names the fee in cents; the form takes it as money.
    if "fee_cents" in error.fields:
        error.fields = {("fee" if k == "fee_cents" else k): v for k, v in error.fields.items()}
    apply_domain_error(form, error)


def _form_page(form: FlaskForm, membership: Membership, kind: str, **context: Any):
    status = 422 if form.errors or form.form_errors else 200
    context.setdefault("placement", None)
    context.setdefault("promotion", None)
    return render_template("growth/form.html", form=form, membership=membership,
                           partner=membership.partner, kind=kind, **context), status


@bp.route("/memberships/<int:membership_id>/commission", methods=["GET", "POST"])
def commission(membership_id: int):
    """Change the commission terms, now or from a later day."""
    membership = db.get_or_404(Membership, membership_id)
    form = CommissionChangeForm(data={"effective_on": today()})
    if form.validate_on_submit():
        try:
            change = commissions.record_commission_change(membership, actor=_actor(),
                                                          **form.change_data())
        except DomainError as error:
            _show_error(form, error)
        else:
            flash(f"Commission for {membership.client.name}: {change.new_terms} from "
                  f"{format_day(change.effective_on)}.", "success")
            return _back_to_partner(membership)
    return _form_page(form, membership, "commission",
                      terms=commissions.terms_in_force(membership))


@bp.route("/memberships/<int:membership_id>/placements/new", methods=["GET", "POST"])
def new_placement(membership_id: int):
    """Book a paid placement."""
    membership = db.get_or_404(Membership, membership_id)
    form = PlacementForm()
    if form.validate_on_submit():
        try:
            placements.add_placement(membership, actor=_actor(), **form.placement_data())
        except DomainError as error:
            _show_error(form, error)
        else:
            flash(f"Placement at {membership.client.name} booked.", "success")
            return _back_to_partner(membership)
    return _form_page(form, membership, "placement")


@bp.route("/placements/<int:placement_id>/edit", methods=["GET", "POST"])
def edit_placement(placement_id: int):
    """Change a placement's kind, dates, fee or notes."""
    placement = db.get_or_404(Placement, placement_id)
    form = PlacementForm.for_placement(placement)
    if form.validate_on_submit():
        try:
            placements.update_placement(placement, actor=_actor(), **form.placement_data())
        except DomainError as error:
            _show_error(form, error)
        else:
            flash("Placement saved.", "success")
            return _back_to_partner(placement.membership)
    return _form_page(form, placement.membership, "placement", placement=placement)


@bp.post("/placements/<int:placement_id>/delete")
def delete_placement(placement_id: int):
    """Remove a placement booked by mistake."""
    placement = db.get_or_404(Placement, placement_id)
    membership = placement.membership
    if DeleteForm().validate_on_submit():
        placements.delete_placement(placement, actor=_actor())
        flash("Placement removed.", "success")
    return _back_to_partner(membership)


@bp.route("/memberships/<int:membership_id>/promotions/new", methods=["GET", "POST"])
def new_promotion(membership_id: int):
    """Record a promotion the partner runs."""
    membership = db.get_or_404(Membership, membership_id)
    form = PromotionForm()
    if form.validate_on_submit():
        try:
            promotions.add_promotion(membership, actor=_actor(), **form.promotion_data())
        except DomainError as error:
            _show_error(form, error)
        else:
            flash(f"Promotion at {membership.client.name} recorded.", "success")
            return _back_to_partner(membership)
    return _form_page(form, membership, "promotion")


@bp.route("/promotions/<int:promotion_id>/edit", methods=["GET", "POST"])
def edit_promotion(promotion_id: int):
    """Change a promotion's code, dates or terms."""
    promotion = db.get_or_404(Promotion, promotion_id)
    form = PromotionForm.for_promotion(promotion)
    if form.validate_on_submit():
        try:
            promotions.update_promotion(promotion, actor=_actor(), **form.promotion_data())
        except DomainError as error:
            _show_error(form, error)
        else:
            flash("Promotion saved.", "success")
            return _back_to_partner(promotion.membership)
    return _promotion_page(form, promotion, EndPromotionForm(formdata=None))


@bp.post("/promotions/<int:promotion_id>/end")
def end_promotion(promotion_id: int):
    """End a running promotion today."""
    promotion = db.get_or_404(Promotion, promotion_id)
    end_form = EndPromotionForm()
    if end_form.validate_on_submit():
        try:
            promotions.end_promotion(promotion, actor=_actor(), reason=end_form.reason.data)
        except DomainError as error:
            _show_error(end_form, error)
        else:
            flash(f"Promotion at {promotion.membership.client.name} ends today.", "success")
            return _back_to_partner(promotion.membership)
    # Show the promotion as saved, not the end form's fields.
    edit_form = PromotionForm.for_promotion(promotion, formdata=None)
    return _promotion_page(edit_form, promotion, end_form)


def _promotion_page(form: PromotionForm, promotion: Promotion, end_form: EndPromotionForm):
    on = today()
    page, status = _form_page(form, promotion.membership, "promotion", promotion=promotion,
                              end_form=end_form, today=on,
                              can_end=promotions.can_end_early(promotion, on))
    return page, 422 if end_form.errors or end_form.form_errors else status
