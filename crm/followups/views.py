"""The follow-up queue: who needs the manager, why, and a one-click next step."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from crm.errors import DomainError, InvalidInput
from crm.extensions import db
from crm.followups import settings
from crm.followups.queries import open_count, queue_query
from crm.models import STAGES, FollowUp
from outreach import followups
from outreach.meeting_times import instant_from_local

bp = Blueprint("followups", __name__, url_prefix="/followups")
VIEWS = {"mine": "My partners", "all": "Everyone's"}
STATUSES = ("open", "snoozed", "resolved")


@bp.app_template_global("my_open_followups")
def my_open_followups() -> int:
    return open_count(current_user.id) if current_user.is_authenticated else 0


@bp.get("/")
def index():
    view = request.args.get("view", "mine")
    view = view if view in VIEWS else "mine"
    status = request.args.get("status", "open")
    status = status if status in STATUSES else "open"
    owner_id = current_user.id if view == "mine" else None
    page = db.paginate(queue_query(owner_id, status), per_page=50, error_out=False)
    return render_template("followups/index.html", page=page, view=view, views=VIEWS,
                           status=status, statuses=STATUSES,
                           rules={**followups.RULES, **followups.DIRECT_FLAGS})


@bp.post("/<int:followup_id>/snooze")
def snooze(followup_id: int):
    flag = db.get_or_404(FollowUp, followup_id)
    try:
        day = datetime.strptime(request.form.get("until", ""), "%Y-%m-%d")
        until = instant_from_local(day.replace(hour=9), current_user.timezone)
    except ValueError:
        flash("Pick a date to snooze until.", "error")
        return redirect(url_for(".index"))
    try:
        followups.snooze(flag, until, current_user)
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(f"Snoozed until {day:%a %d %b}.", "success")
    return redirect(url_for(".index"))


@bp.post("/<int:followup_id>/resolve")
def resolve(followup_id: int):
    flag = db.get_or_404(FollowUp, followup_id)
    followups.resolve(flag, request.form.get("note", ""), current_user)
    flash("Resolved; the note is on the partner's timeline.", "success")
    return redirect(url_for(".index"))


@bp.route("/rules", methods=["GET", "POST"])
def rules():
    """Admins switch rules on and off and set their thresholds; the next scan uses them."""
    if not current_user.is_admin:
        abort(403)
    values, errors = settings.form_values(), {}
    if request.method == "POST":
        try:
            settings.save_settings(settings.from_form(request.form), current_user)
        except InvalidInput as error:
            values, errors = request.form, error.fields
        else:
            flash("Rules saved; the next scan uses them.", "success")
            return redirect(url_for(".rules"))
    page = render_template("followups/rules.html", rules=followups.RULES, values=values,
                           errors=errors, stages=STAGES, is_map=settings.is_map,
                           field_label=settings.field_label)
    return page, 422 if errors else 200
