"""My settings: one page per area, each reachable by every signed-in user for themselves."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from crm.errors import DomainError
from crm.partners.forms import apply_domain_error
from crm.settings.forms import ProfileForm
from crm.settings.service import update_profile

bp = Blueprint("settings", __name__, url_prefix="/settings")


@bp.get("/")
def index():
    return redirect(url_for(".profile"))


@bp.route("/profile", methods=["GET", "POST"])
def profile():
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        try:
            update_profile(current_user, form.name.data or "", form.timezone.data or "",
                           form.signature.data or "")
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            flash("Your profile is saved.", "success")
            return redirect(url_for(".profile"))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("settings/profile.html", form=form), status
