"""User-authored email templates: checked at save time, rendered in a Jinja2 sandbox.

Templates only ever see plain dicts of strings (never ORM objects), the sandbox refuses
access to Python internals, and StrictUndefined turns a misspelt variable into an error
with its line number instead of a silently blank greeting. Every failure while compiling
or rendering, including Python errors from real data (`partner.name[40]` on a short name),
is a TemplateProblem, so one bad step stops its own enrollments, never the scheduler.
outreach.template_limits keeps a template from eating the machine.
"""

from __future__ import annotations

import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jinja2 import (
    StrictUndefined,
    Template,
    TemplateError,
    TemplateSyntaxError,
    meta,
)
from jinja2.sandbox import SecurityError

from outreach.template_limits import (
    OUTPUT_LIMIT,
    RUNTIME_ERRORS,
    Budget,
    Hardener,
    Limit,
    Sandbox,
    budgeted,
)

TEMPLATE_NAME = "<template>"
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
    "booking_link": "https://rapport.example.com/book/p/token",
}

@dataclass(frozen=True)
class TemplateProblem(Exception):
    """A template cannot be used; `line` is 1-based, or None when unknown."""

    message: str
    line: int | None = None

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


def _environment(html: bool) -> Sandbox:
    return Sandbox(undefined=StrictUndefined, autoescape=html, keep_trailing_newline=True)


_HTML = _environment(html=True)
_TEXT = _environment(html=False)


# --- checking and rendering --------------------------------------------------------------


def _line_of_name(source: str, name: str) -> int | None:
    for line, token, value in _TEXT.lex(source):
        if token == "name" and value == name:
            return line
    return None


def _template_line(error: BaseException) -> int | None:
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == TEMPLATE_NAME]
    return frames[-1].lineno if frames else None


def _problem(error: BaseException) -> TemplateProblem:
    """The TemplateProblem an exception from compiling or rendering stands for."""
    if isinstance(error, TemplateSyntaxError):  # TemplateAssertionError too: unknown filter
        return TemplateProblem(error.message or "syntax error", error.lineno)
    if isinstance(error, RecursionError | SyntaxError):  # the parser or Python's compiler
        message = "the template is nested too deeply"
    elif isinstance(error, SecurityError):
        message = f"not allowed: {error}"
    elif isinstance(error, TemplateError):
        message = error.message or str(error)
    else:
        message = str(error) or type(error).__name__
    return TemplateProblem(message, _template_line(error))


@lru_cache(maxsize=512)
def _compiled(source: str, html: bool) -> Template:
    # Compiling is ~100x the cost of rendering; a tick renders each step thousands of times.
    env = _HTML if html else _TEXT
    tree = Hardener().visit(env.parse(source))
    template = env.from_string(tree.set_environment(env))
    # A plain dict, not Jinja's ChainMap over the environment's globals: every render copies
    # the globals into its context, and copying a ChainMap costs more than the render itself.
    # The sandbox's globals are fixed when it is made, so the snapshot cannot go stale.
    template.globals = dict(template.globals)
    return template


def _compile(source: str, html: bool) -> Template:
    try:
        return _compiled(source, html)
    except (TemplateSyntaxError, RecursionError, SyntaxError, MemoryError) as error:
        raise _problem(error) from None


def check(source: str, html: bool = True) -> None:
    """Raise TemplateProblem for a syntax error, an unknown variable or a forbidden access."""
    _compile(source, html)  # an unknown filter or test is found only when compiling
    parsed = (_HTML if html else _TEXT).parse(source)
    unknown = sorted(meta.find_undeclared_variables(parsed) - set(SAMPLE_CONTEXT))
    if unknown:
        name = unknown[0]
        allowed = ", ".join(sorted(SAMPLE_CONTEXT))
        raise TemplateProblem(f"unknown variable '{name}' (use {allowed})",
                              _line_of_name(source, name))
    render(source, SAMPLE_CONTEXT, html)


def render(source: str, context: Mapping[str, Any], html: bool = True) -> str:
    """Render in the sandbox; any failure is a TemplateProblem with its line."""
    template = _compile(source, html)
    try:
        with budgeted() as budget:
            return _bounded(template, context, budget)
    except (TemplateError, Limit, *RUNTIME_ERRORS) as error:
        raise _problem(error) from None


def _bounded(template: Template, context: Mapping[str, Any], budget: Budget) -> str:
    # Output is counted as it is written, in the same count as what the template wrote into
    # captured blocks (macros, `{% set %}`, `{% filter %}`), which the Hardener charges.
    # A limit is thrown into the template where it stands, so the problem has its line.
    parts = []
    output = template.generate(context)
    for part in output:
        budget.written += len(part)
        if budget.written > OUTPUT_LIMIT:
            output.throw(Limit(f"the email would be longer than {OUTPUT_LIMIT:,} characters"))
        parts.append(part)
        if not len(parts) % 1024:  # plain output spends no steps, so look at the clock here
            try:
                budget.check_time()
            except Limit as limit:
                output.throw(limit)
    return "".join(parts)
