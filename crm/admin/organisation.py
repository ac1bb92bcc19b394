"""Administration › Organisation: the postal address every campaign email carries."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import TextAreaField

from crm.app_settings import get_setting, set_setting
from crm.errors import DomainError, InvalidInput
from crm.extensions import db
from crm.models import Campaign, User
from crm.partners.forms import apply_domain_error
from outreach.campaign_steps import POSTAL_ADDRESS_SETTING

ADDRESS_LIMIT = 500
bp = Blueprint("organisation", __name__, url_prefix="/admin/organisation")


@bp.before_request
def admins_only():
    if not current_user.is_admin:
        abort(403)


def update_postal_address(value: str, actor: User | None) -> str:
    """Save the postal address; it cannot be emptied while a campaign is sending."""
    lines = [" ".join(line.split()) for line in (value or "").splitlines()]
    address = "\n".join(line for line in lines if line)
    if len(address) > ADDRESS_LIMIT:
        raise InvalidInput("The address was not saved.",
                           {"postal_address": f"must be at most {ADDRESS_LIMIT} characters"})
    if not address:
        running = db.session.scalar(select(func.count(Campaign.id)).where(
            Campaign.status.in_(("active", "paused")))) or 0
        if running:
            raise InvalidInput("The address was not saved.", {"postal_address": (
                f"is required while {running} campaign{'s' if running > 1 else ''} "
                "can send (archive them first)")})
    set_setting(POSTAL_ADDRESS_SETTING, address, actor, "Organisation postal address")
    db.session.commit()
    return address


class OrganisationForm(FlaskForm):
    postal_address = TextAreaField(
        "Postal address", description="Added to the footer of every campaign email, as "
        "anti-spam law (CAN-SPAM, and the like elsewhere) asks of commercial email.")


@bp.route("", methods=["GET", "POST"])
def settings():
    form = OrganisationForm(data={"postal_address": get_setting(POSTAL_ADDRESS_SETTING, "")})
    if form.validate_on_submit():
        try:
            update_postal_address(form.postal_address.data or "", current_user)
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            flash("The organisation's postal address is saved.", "success")
            return redirect(url_for(".settings"))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("admin/organisation.html", form=form), status
