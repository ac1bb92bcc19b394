"""Report pages: a client's report for a period, its exports, and the shared read-only view."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")
