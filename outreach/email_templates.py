"""User-authored email templates: checked at save time, rendered in a Jinja2 sandbox.

Templates only ever see plain dicts of strings (never ORM objects), the sandbox refuses
access to Python internals, and StrictUndefined turns a misspelt variable into an error
with its line number instead of a silently blank greeting. Every failure while rendering,
including Python errors from real data (`partner.name[40]` on a short name), is a
TemplateProblem, so one bad step stops its own enrollments, never the scheduler.

Size limits keep a template from eating the machine: `*` and `**` may not build huge values,
`range()` hands out at most RANGE_BUDGET numbers per render in all, and output stops at
OUTPUT_LIMIT characters. (A logged-in manager could still write nested loops over long text
that take seconds; the limits bound memory, not every CPU path.)
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateError, TemplateSyntaxError, meta
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

TEMPLATE_NAME = "<template>"
SIZE_LIMIT = 10_000  # items or characters one `*` may produce
POWER_LIMIT = 100  # largest exponent `**` accepts
RANGE_BUDGET = 10_000  # numbers all range() calls of one render may produce together
OUTPUT_LIMIT = 200_000  # characters of rendered output
# Python errors a template can cause with real data: 1/0, "a" + 1, a too-short name[40] …
RUNTIME_ERRORS = (ArithmeticError, TypeError, ValueError, LookupError)

# What a template may use, with the sample values that the save-time check renders against.
SAMPLE_CONTEXT: dict[str, Any] = {
    "partner": {
        "name": "Jamie Rivera", "first_name": "Jamie", "company": "Trail Notes",
        "website": "https://trailnotes.example.com", "email": "jamie@trailnotes.example.com",
    },
    "manager": {"name": "Mia Manager", "first_name": "Mia", "email": "mia@agency.example.com"},
    "client": {"name": "Summit Outdoor", "program": "the Summit Outdoor partner program",
               "website": "https://summit.example.com"},
    "unsubscribe_url": "https://rapport.example.com/u/token",
}


@dataclass(frozen=True)
class TemplateProblem(Exception):
    """A template cannot be used; `line` is 1-based, or None when unknown."""

    message: str
    line: int | None = None

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


class _Sandbox(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**"})

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.globals["range"] = _budgeted_range

    def call_binop(self, context, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, int | float) and abs(right) > POWER_LIMIT:
            raise SecurityError(f"exponent {right} is too large (at most {POWER_LIMIT})")
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, str | list | tuple) and isinstance(times, int) and (
                        len(seq) * times > SIZE_LIMIT):
                    raise SecurityError(f"result would be longer than {SIZE_LIMIT:,}")
        return super().call_binop(context, operator, left, right)


class _RangeBudget:
    """How many numbers range() may still produce in the render on this thread."""

    def __init__(self) -> None:
        self.left = RANGE_BUDGET


_budget = threading.local()


def _budgeted_range(*args: int) -> range:
    numbers = range(*args)
    budget = getattr(_budget, "current", None)
    if budget is not None:
        budget.left -= len(numbers)
        if budget.left < 0:
            raise SecurityError(f"loops over range() go past {RANGE_BUDGET:,} steps")
    return numbers


def _environment(html: bool) -> _Sandbox:
    return _Sandbox(undefined=StrictUndefined, autoescape=html, keep_trailing_newline=True)


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
        _compiled(source, html)  # an unknown filter or test is found only when compiling
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
    _budget.current = _RangeBudget()
    try:
        return _bounded(_compiled(source, html), context)
    except SecurityError as error:
        raise TemplateProblem(f"not allowed: {error}", _template_line(error)) from None
    except TemplateError as error:
        raise TemplateProblem(error.message or str(error), _template_line(error)) from None
    except RUNTIME_ERRORS as error:
        raise TemplateProblem(str(error) or type(error).__name__,
                              _template_line(error)) from None
    finally:
        _budget.current = None


def _bounded(template: Template, context: Mapping[str, Any]) -> str:
    parts, size = [], 0
    for part in template.generate(context):
        size += len(part)
        if size > OUTPUT_LIMIT:
            raise SecurityError(f"the email would be longer than {OUTPUT_LIMIT:,} characters")
        parts.append(part)
    return "".join(parts)
