"""JSON API under /api/v1 (stub: filled in by the API work)."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the API blueprints."""
