"""JSON API under /api/v1: flask-smorest resources whose schemas also write openapi.json."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from crm.api.schemas import ApiErrorSchema
from crm.ids import IdConverter, id_parameter_schema

SPEC_OPTIONS = {
    "info": {
        "description": "Rapport's partner CRM. Send `Authorization: Bearer <token>` "
        "(tokens come from `rapport token create`). Errors are "
        '`{"error": {"code", "message", "fields"}}`; times are ISO 8601 with an offset.'
    },
    "security": [{"bearerAuth": []}],
}


class RapportApi(Api):
    """flask-smorest's Api, minus its app-wide error handler and with our error shape."""

    ERROR_SCHEMA = ApiErrorSchema

    def _register_error_handlers(self) -> None:
        # crm.http_errors already renders every error: JSON under /api/, a page elsewhere.
        # smorest's handler is app-wide and would answer page errors with JSON.
        return None


def init_app(app: Flask) -> None:
    """Register the API blueprints and describe the bearer scheme in the spec."""
    from crm.api import (
        campaigns,
        clients,
        enrollments,
        followups,
        growth,
        inbound,
        interactions,
        meetings,
        outbox,
        partners,
        performance,
        sequences,
    )

    api = RapportApi(app, spec_kwargs=SPEC_OPTIONS)
    api.register_converter(IdConverter, id_parameter_schema)
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "description": "An API token"}
    )
    for blueprint in (partners.blp, interactions.blp, clients.blp, inbound.blp, sequences.blp,
                      enrollments.blp, outbox.blp, meetings.blp, followups.blp, growth.blp,
                      performance.blp, campaigns.blp):
        api.register_blueprint(blueprint)
