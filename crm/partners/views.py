"""Pages for partners (stub: filled in by the pages work)."""

from flask import Blueprint

bp = Blueprint("partners", __name__, url_prefix="/partners")


@bp.route("/")
def index():
    return "partners"
