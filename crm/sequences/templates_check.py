"""Checking and previewing a step's templates, field by field, without ever raising a 500.

outreach.email_templates does the real work (every failure is a TemplateProblem with its
line); this module names the field a problem is in.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from outreach import email_templates
from outreach.email_templates import TemplateProblem
from outreach.personalize import Rendered, render_step

# (field, is HTML) in the order a reader meets them.
TEMPLATE_FIELDS = (("subject", False), ("html_body", True), ("text_body", False))


def problems(fields: Mapping[str, str]) -> dict[str, str]:
    """{field: "line N: what is wrong"} for every given template field that fails the check."""
    found: dict[str, str] = {}
    for name, html in TEMPLATE_FIELDS:
        source = fields.get(name)
        if source is None or (name == "text_body" and not source.strip()):
            continue
        try:
            email_templates.check(source, html=html)
        except TemplateProblem as problem:
            found[name] = str(problem)
    return found


def render(fields: Mapping[str, str], context: dict[str, Any]) -> Rendered:
    """The step as one recipient gets it; raises TemplateProblem."""
    return render_step(fields.get("subject", ""), fields.get("html_body", ""),
                       fields.get("text_body", ""), context)
