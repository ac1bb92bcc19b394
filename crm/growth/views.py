"""Pages for growth records on a partner's memberships."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("growth", __name__, url_prefix="/growth")
