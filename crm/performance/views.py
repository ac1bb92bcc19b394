"""Pages for importing and showing performance figures."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("performance", __name__, url_prefix="/performance")
