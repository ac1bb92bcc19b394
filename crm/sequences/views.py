"""Pages for sequences (stub: filled in by the outreach pages work)."""

from flask import Blueprint

bp = Blueprint("sequences", __name__, url_prefix="/sequences")


@bp.route("/")
def index():
    return "sequences"
