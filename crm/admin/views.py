"""Administration pages; every route here is for admins only."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user

from crm import audit
from crm.extensions import db

bp = Blueprint("admin", __name__, url_prefix="/admin")
AUDIT_PAGE_SIZE = 100


@bp.before_request
def admins_only():
    # The login guard runs first (app.before_request), so current_user is signed in here.
    if not current_user.is_admin:
        abort(403)


@bp.get("/")
def index():
    return redirect(url_for("team.index"))


@bp.get("/audit")
def audit_log():
    action = request.args.get("action") or None
    actor_id = request.args.get("actor", type=int)
    page = db.paginate(audit.events_query(action, actor_id), per_page=AUDIT_PAGE_SIZE,
                       error_out=False)
    return render_template("admin/audit.html", page=page, action=action,
                           actions=audit.actions(), actor_id=actor_id, actors=audit.actors())
