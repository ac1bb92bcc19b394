"""My settings: one page per area, each reachable by every signed-in user for themselves."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from crm.auth import passwords
from crm.auth.service import create_token, revoke_token, tokens_of
from crm.auth.sessions import keep_this_session
from crm.errors import DomainError
from crm.extensions import db, limiter
from crm.models import ApiToken, User
from crm.partners.forms import apply_domain_error
from crm.settings.forms import PasswordChangeForm, ProfileForm, TokenForm
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


def _me() -> User:
    return current_user._get_current_object()


def _password_limit() -> str:
    # Checking the current password is a password guess like a login is.
    return current_app.config["RAPPORT_LOGIN_RATE_LIMIT"]


@bp.route("/password", methods=["GET", "POST"])
@limiter.limit(_password_limit, methods=["POST"])
def password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            passwords.change_password(_me(), form.current_password.data or "",
                                      form.new_password.data or "")
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            keep_this_session(_me())
            flash("Your password is changed. Your other sessions are signed out.", "success")
            return redirect(url_for(".password"))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("settings/password.html", form=form), status


@bp.route("/tokens", methods=["GET", "POST"])
def tokens():
    """The user's API tokens; a new one is shown once, on the page that made it."""
    form = TokenForm()
    new_token = None
    if form.validate_on_submit():
        try:
            new_token = create_token(_me(), form.name.data or "", form.scope.data or "",
                                     actor=_me())
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            form = TokenForm(formdata=None)
    status = 422 if form.errors or form.form_errors else 200
    return render_template("settings/tokens.html", form=form, tokens=tokens_of(_me()),
                           new_token=new_token), status


@bp.post("/tokens/<int:token_id>/revoke")
def revoke(token_id: int):
    api_token = db.session.get(ApiToken, token_id)
    if api_token is None or api_token.user_id != current_user.id:
        abort(404)
    revoke_token(api_token, _me())
    flash(f"Token “{api_token.name}” revoked; it no longer works.", "success")
    return redirect(url_for(".tokens"))
