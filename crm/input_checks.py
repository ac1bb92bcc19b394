"""Refuse request text no database can store, before any query sees it.

PostgreSQL text cannot hold a NUL character (psycopg refuses it), and no UTF-8 column holds
half a surrogate pair (JSON's "\\ud800" escape makes one). Such input is a 422 naming each
field, never a database error.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from flask import Flask, request

from crm.errors import InvalidInput

REASON = "must not contain NUL characters or unpaired surrogates"


def init_app(app: Flask) -> None:
    app.before_request(_refuse_unstorable_request_text)


def _refuse_unstorable_request_text() -> None:
    # API bodies are JSON (checked as they are parsed), CSV or raw mail: reading them as a
    # form here would consume the body before the view sees it.
    form = () if request.path.startswith("/api/") else request.form.items(multi=True)
    pairs = [*request.args.items(multi=True), *form, *(request.view_args or {}).items()]
    _refuse([name for name, value in pairs
             if _unstorable(name) or isinstance(value, str) and _unstorable(value)])


def refuse_unstorable_text(data: Any) -> None:
    """InvalidInput (422) naming each field of parsed JSON whose text holds NUL or a lone
    surrogate; field names are dotted paths (rows.3.partner)."""
    _refuse(list(_unstorable_fields(data, "")))


def _refuse(names: list[str]) -> None:
    names = list(dict.fromkeys(names))
    if names:
        raise InvalidInput(f"Some fields are not valid: {', '.join(names)}.",
                           {name: REASON for name in names})


def _unstorable_fields(value: Any, path: str) -> Iterator[str]:
    if isinstance(value, str):
        if _unstorable(value):
            yield path
    elif isinstance(value, Mapping):
        for key, item in value.items():
            name = f"{path}.{key}" if path else str(key)
            yield from _unstorable_fields(key, name)
            yield from _unstorable_fields(item, name)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _unstorable_fields(item, f"{path}.{index}" if path else str(index))


def _unstorable(text: str) -> bool:
    if "\x00" in text:
        return True
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
