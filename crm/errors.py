"""Errors raised by domain operations and turned into form errors, JSON errors or CLI lines."""

from __future__ import annotations


class DomainError(Exception):
    """Base for errors a user can act on."""

    code = "invalid"
    status = 400

    def __init__(self, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class InvalidInput(DomainError):
    """One or more fields are wrong; `fields` maps each to its reason."""

    code = "invalid_input"
    status = 422


class Conflict(DomainError):
    """The change would duplicate something that exists."""

    code = "conflict"
    status = 409


class NotFound(DomainError):
    """The thing asked for does not exist."""

    code = "not_found"
    status = 404
