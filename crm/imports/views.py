"""Pages for imports (stub: filled in by the pages work)."""

from flask import Blueprint

bp = Blueprint("imports", __name__, url_prefix="/imports")


@bp.route("/")
def index():
    return "imports"
