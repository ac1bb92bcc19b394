"""Checking and previewing a step's templates, field by field, without ever raising a 500.

outreach.email_templates does the real work; this module names the field a problem is in
and turns the few errors that module lets through (an unknown filter found while parsing,
a Python error such as 1/0 while rendering) into TemplateProblems with their line.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from jinja2 import TemplateSyntaxError

from outreach import email_templates
from outreach.email_templates import TemplateProblem
from outreach.personalize import Rendered, render_step

T = TypeVar("T")

# (field, is HTML) in the order a reader meets them.
TEMPLATE_FIELDS = (("subject", False), ("html_body", True), ("text_body", False))
# What a template can raise while rendering besides TemplateError (1/0, "a" + 1, huge range).
RUNTIME_ERRORS = (ArithmeticError, TypeError, ValueError, LookupError)


def _line_in_template(error: BaseException) -> int | None:
    frames = traceback.extract_tb(error.__traceback__)
    lines = [f.lineno for f in frames if f.filename == email_templates.TEMPLATE_NAME]
    return lines[-1] if lines else None


def guarded(render: Callable[[], T]) -> T:
    """Run a check or render; every failure of the template becomes a TemplateProblem."""
    try:
        return render()
    except TemplateProblem:
        raise
    except TemplateSyntaxError as error:  # an unknown filter or test, found while parsing
        raise TemplateProblem(error.message or "syntax error", error.lineno) from None
    except RUNTIME_ERRORS as error:
        raise TemplateProblem(str(error), _line_in_template(error)) from None


def problems(fields: Mapping[str, str]) -> dict[str, str]:
    """{field: "line N: what is wrong"} for every given template field that fails the check."""
    found: dict[str, str] = {}
    for name, html in TEMPLATE_FIELDS:
        source = fields.get(name)
        if source is None or (name == "text_body" and not source.strip()):
            continue
        try:
            guarded(lambda s=source, h=html: email_templates.check(s, html=h))
        except TemplateProblem as problem:
            found[name] = str(problem)
    return found


def render(fields: Mapping[str, str], context: dict[str, Any]) -> Rendered:
    """The step as one recipient gets it; raises TemplateProblem."""
    return guarded(lambda: render_step(
        fields.get("subject", ""), fields.get("html_body", ""), fields.get("text_body", ""),
        context,
    ))
