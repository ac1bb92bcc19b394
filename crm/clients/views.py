"""Pages for clients (stub: filled in by the pages work)."""

from flask import Blueprint

bp = Blueprint("clients", __name__, url_prefix="/clients")


@bp.route("/")
def index():
    return "clients"
