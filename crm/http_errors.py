"""Errors as the caller expects them: JSON under /api/, a page everywhere else."""

from __future__ import annotations

from flask import Flask, Response, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from crm.errors import DomainError


def api_error(
    status: int, code: str, message: str, fields: dict[str, str] | None = None
) -> Response:
    """The API's one error shape: {"error": {"code", "message", "fields"}}."""
    response = jsonify({"error": {"code": code, "message": message, "fields": fields or {}}})
    response.status_code = status
    return response


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(Exception, _unexpected_error)


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _http_error(error: HTTPException):
    if _wants_json():
        code = (error.name or "error").lower().replace(" ", "_")
        response = api_error(error.code or 500, code, error.description or "")
        for header in ("Allow", "Retry-After"):
            if error.get_response().headers.get(header):
                response.headers[header] = error.get_response().headers[header]
        return response
    return render_template("error.html", error=error), error.code


def _csrf_error(error: CSRFError):
    error.description = "The form expired or was sent from elsewhere. Reload the page and retry."
    return _http_error(error)


def _domain_error(error: DomainError):
    if _wants_json():
        return api_error(error.status, error.code, error.message, error.fields)
    return render_template("error.html", error=error), error.status


def _unexpected_error(error: Exception):
    if isinstance(error, HTTPException):
        return _http_error(error)
    from flask import current_app

    current_app.logger.exception("Unhandled error on %s %s", request.method, request.path)
    return _http_error(InternalServerError())
