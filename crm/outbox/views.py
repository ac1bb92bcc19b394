"""Pages for outbox (stub: filled in by the outreach pages work)."""

from flask import Blueprint

bp = Blueprint("outbox", __name__, url_prefix="/outbox")


@bp.route("/")
def index():
    return "outbox"
