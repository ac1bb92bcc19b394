"""User-authored email templates: checked at save time, rendered in a Jinja2 sandbox.

Templates only ever see plain dicts of strings (never ORM objects), the sandbox refuses
access to Python internals, and StrictUndefined turns a misspelt variable into an error
with its line number instead of a silently blank greeting.
"""

from __future__ import annotations

import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateError, TemplateSyntaxError, meta
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

TEMPLATE_NAME = "<template>"

# What a template may use, with the sample values that the save-time check renders against.
SAMPLE_CONTEXT: dict[str, Any] = {
    "partner": {
        "name": "Jamie Rivera", "first_name": "Jamie", "company": "Trail Notes",
        "website": "https://trailnotes.example.com", "email": "jamie@trailnotes.example.com",
    },
    "manager": {"name": "Mia Manager", "first_name": "Mia", "email": "mia@agency.example.com"},
    "client": {"name": "Summit Outdoor", "website": "https://summit.example.com"},
    "unsubscribe_url": "https://rapport.example.com/u/token",
}


@dataclass(frozen=True)
class TemplateProblem(Exception):
    """A template cannot be used; `line` is 1-based, or None when unknown."""

    message: str
    line: int | None = None

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


def _environment(html: bool) -> ImmutableSandboxedEnvironment:
    return ImmutableSandboxedEnvironment(
        undefined=StrictUndefined, autoescape=html, keep_trailing_newline=True
    )


_HTML = _environment(html=True)
_TEXT = _environment(html=False)


def _line_of_name(source: str, name: str) -> int | None:
    for line, token, value in _TEXT.lex(source):
        if token == "name" and value == name:
            return line
    return None


def _template_line(error: BaseException) -> int | None:
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == TEMPLATE_NAME]
    return frames[-1].lineno if frames else None


def check(source: str, html: bool = True) -> None:
    """Raise TemplateProblem for a syntax error, an unknown variable or a forbidden access."""
    env = _HTML if html else _TEXT
    try:
        parsed = env.parse(source, filename=TEMPLATE_NAME)
    except TemplateSyntaxError as error:
        raise TemplateProblem(error.message or "syntax error", error.lineno) from None
    unknown = sorted(meta.find_undeclared_variables(parsed) - set(SAMPLE_CONTEXT))
    if unknown:
        name = unknown[0]
        allowed = ", ".join(sorted(SAMPLE_CONTEXT))
        raise TemplateProblem(f"unknown variable '{name}' (use {allowed})",
                              _line_of_name(source, name))
    render(source, SAMPLE_CONTEXT, html)


@lru_cache(maxsize=512)
def _compiled(source: str, html: bool) -> Template:
    # Compiling is ~100x the cost of rendering; a tick renders each step thousands of times.
    return (_HTML if html else _TEXT).from_string(source)


def render(source: str, context: Mapping[str, Any], html: bool = True) -> str:
    """Render in the sandbox; any failure is a TemplateProblem with its line."""
    try:
        return _compiled(source, html).render(context)
    except SecurityError as error:
        raise TemplateProblem(f"not allowed: {error}", _template_line(error)) from None
    except TemplateError as error:
        raise TemplateProblem(error.message or str(error), _template_line(error)) from None
