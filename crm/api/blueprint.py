"""What every API resource shares: request parsing that fails in our error shape, and the caller.

Parsing errors are raised as crm.errors exceptions or plain HTTP errors, so crm.http_errors
renders them like every other error: {"error": {"code", "message", "fields"}}.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, NoReturn

import flask
import marshmallow as ma
from flask import g
from flask_smorest import Blueprint
from marshmallow.exceptions import SCHEMA
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

from crm.errors import InvalidInput
from crm.input_checks import refuse_unstorable_text
from crm.models import User


def _describe(problem: Any) -> str:
    """One readable line from marshmallow's nested lists and dicts of messages."""
    if isinstance(problem, Mapping):
        return "; ".join(
            f"item {key}: {_describe(value)}" if isinstance(key, int) else _describe(value)
            for key, value in problem.items()
        )
    if isinstance(problem, list | tuple):
        return " ".join(_describe(item) for item in problem)
    return str(problem)


def field_errors(messages: Mapping[str, Any]) -> tuple[dict[str, str], list[str]]:
    """({field: reason}, errors about the body as a whole) from webargs' per-location messages."""
    fields: dict[str, str] = {}
    general: list[str] = []
    for per_location in messages.values():
        if not isinstance(per_location, Mapping):
            general.append(_describe(per_location))
            continue
        for name, problem in per_location.items():
            if name == SCHEMA:
                general.append(_describe(problem))
            else:
                fields[str(name)] = _describe(problem)
    return fields, general


class ApiParser(FlaskParser):
    """webargs' Flask parser, failing with InvalidInput (422) and a JSON 400 for bad bodies."""

    # Query arguments are checked as strictly as bodies: a misspelt filter must not
    # silently return everything.
    DEFAULT_UNKNOWN_BY_LOCATION = {
        **FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION,
        "querystring": ma.RAISE,
        "query": ma.RAISE,
    }

    def handle_error(
        self, error: ma.ValidationError, req: flask.Request, schema: ma.Schema, *,
        error_status_code: int | None, error_headers: Mapping[str, str] | None,
    ) -> NoReturn:
        fields, general = field_errors(error.messages)  # type: ignore[arg-type]
        if general:
            raise InvalidInput(" ".join(general), fields)
        raise InvalidInput(f"Some fields are not valid: {', '.join(sorted(fields))}.", fields)

    def _raw_load_json(self, req: flask.Request) -> Any:
        if not is_json_request(req) and req.get_data(cache=True):
            raise UnsupportedMediaType("Send the request body as application/json.")
        try:
            data = super()._raw_load_json(req)
        except json.JSONDecodeError:
            raise  # webargs answers these (an empty body is "no body")
        except (ValueError, RecursionError) as error:
            # Python's own limits: integers past 4,300 digits, nesting past the stack.
            raise BadRequest(f"The request body is not valid JSON: {error}.") from None
        refuse_unstorable_text(data)
        return data

    def _handle_invalid_json_error(
        self, error: json.JSONDecodeError | UnicodeDecodeError, req: flask.Request,
        *args: Any, **kwargs: Any,
    ) -> NoReturn:
        raise BadRequest(f"The request body is not valid JSON: {error}.")


class ApiBlueprint(Blueprint):
    """A flask-smorest Blueprint whose arguments fail in Rapport's error shape."""

    ARGUMENTS_PARSER = ApiParser()

    @staticmethod
    def _prepare_response_doc(doc: dict, doc_info: dict, **kwargs: Any) -> dict:
        # Every operation needs the bearer token, so every one can answer 401.
        responses = doc_info.setdefault("response", {}).setdefault("responses", {})
        responses.setdefault(401, []).append("UNAUTHORIZED")
        return Blueprint._prepare_response_doc(doc, doc_info, **kwargs)


def api_user() -> User:
    """The user whose bearer token authenticated this request (set by crm.auth.guard)."""
    return g.api_user

