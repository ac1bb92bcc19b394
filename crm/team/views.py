"""The Team page (admins) and the public page where an invitee accepts their invitation."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from crm import clock
from crm.admin.views import admins_only
from crm.auth.guard import public
from crm.auth.sessions import sign_in
from crm.auth.views import account_form_limit, secret_page
from crm.errors import DomainError, NotFound
from crm.extensions import db
from crm.models import Invitation, User
from crm.partners.forms import apply_domain_error
from crm.team import handover, service
from crm.team.forms import AcceptForm, DeactivateForm, InviteForm, RoleForm

bp = Blueprint("team", __name__, url_prefix="/admin/team")
bp.before_request(admins_only)
join_bp = Blueprint("join", __name__)


def _actor() -> User:
    return current_user._get_current_object()


@bp.get("/")
def index():
    return _team_page(InviteForm())


def _team_page(invite_form: InviteForm, status: int = 200):
    return render_template(
        "team/index.html", members=service.members(), invitations=service.open_invitations(),
        invite_form=invite_form, role_form=RoleForm(), now=clock.now(),
    ), status


@bp.post("/invitations")
def invite():
    form = InviteForm()
    if form.validate_on_submit():
        try:
            invitation = service.invite(form.email.data or "", form.role.data or "", _actor())
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            flash(f"Invitation sent to {invitation.email}; the link works for 7 days.",
                  "success")
            return redirect(url_for(".index"))
    return _team_page(form, 422)


@bp.post("/invitations/<int:invitation_id>/cancel")
def cancel_invitation(invitation_id: int):
    invitation = db.get_or_404(Invitation, invitation_id)
    service.cancel_invitation(invitation, _actor())
    flash(f"The invitation to {invitation.email} is cancelled; its link no longer works.",
          "success")
    return redirect(url_for(".index"))


@bp.post("/<int:user_id>/role")
def change_role(user_id: int):
    user = db.get_or_404(User, user_id)
    try:
        service.change_role(user, RoleForm().role.data or "", _actor())
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(f"{user.name} is now {user.role}.", "success")
    if not current_user.is_admin:  # they demoted themselves
        return redirect(url_for("dashboard.index"))
    return redirect(url_for(".index"))


@bp.route("/<int:user_id>/deactivate", methods=["GET", "POST"])
def deactivate(user_id: int):
    """What the user owns, whom to hand it to, and the button that does both."""
    user = db.get_or_404(User, user_id)
    successors = service.successors_for(user)
    form = DeactivateForm(successors)
    if form.validate_on_submit():
        successor = _successor(form.successor_id.data, successors)
        try:
            summary = service.deactivate(user, successor, _actor())
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            moved = f" {successor.name} now has {summary.describe()}." if successor else ""
            flash(f"{user.name} is deactivated and signed out everywhere.{moved}", "success")
            return redirect(url_for(".index"))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("team/deactivate.html", user=user, form=form,
                           owned=handover.owned_by(user), kinds=handover.KINDS), status


def _successor(raw: str | None, successors: list[User]) -> User | None:
    return next((user for user in successors if str(user.id) == (raw or "")), None)


@bp.post("/<int:user_id>/reactivate")
def reactivate(user_id: int):
    user = db.get_or_404(User, user_id)
    service.reactivate(user, _actor())
    flash(f"{user.name} can sign in again.", "success")
    return redirect(url_for(".index"))


@join_bp.route("/join/<token>", methods=["GET", "POST"])
@account_form_limit()
@public  # the secret in the URL is the credential; CSRF still applies to the form
def accept(token: str):
    invitation = service.invitation_for_token(token)
    if invitation is None:
        abort(404)
    form = AcceptForm()
    if form.validate_on_submit():
        try:
            user = service.accept(invitation, form.name.data or "", form.password.data or "",
                                  form.timezone.data or "")
        except NotFound:
            abort(404)
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            sign_in(user)
            flash(f"Welcome to Rapport, {user.name}.", "success")
            return redirect(url_for("dashboard.index"))
    status = 422 if form.errors or form.form_errors else 200
    return secret_page(render_template("team/accept.html", form=form, invitation=invitation),
                       status)
