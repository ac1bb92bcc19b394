"""The dashboard page."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from crm import clock
from crm.dashboard.charts import week_chart
from crm.dashboard.queries import CALL_DAYS, dashboard
from crm.templating import viewer_timezone

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")


@bp.get("/")
def index():
    """The signed-in manager's partners, follow-ups, calls, sequences and sends; admins may
    look at everyone's."""
    everyone = request.args.get("view") == "all" and current_user.is_admin
    owner_id = None if everyone else current_user.id
    now, zone = clock.now(), viewer_timezone()
    data = dashboard(owner_id, now, zone)
    return render_template("dashboard/index.html", data=data, everyone=everyone,
                           owner_id=owner_id, call_days=CALL_DAYS,
                           chart=week_chart(data, now.astimezone(zone).date()))
