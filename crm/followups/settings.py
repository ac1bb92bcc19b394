"""Admins' switches and thresholds for the follow-up rules: shown as a form, checked, saved.

The form names each field `<rule>.enabled`, `<rule>.<param>`, or `<rule>.<param>.<stage>`
for a per-stage map (days_by_stage); errors come back under the same names. The scan reads
the saved rows (outreach.followups.rule_settings), so a change counts from the next scan.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from crm import audit, clock
from crm.errors import InvalidInput
from crm.extensions import db
from crm.models import STAGES, FollowUpRule, User
from outreach.followups import RULES, Rule, rule_settings

WHOLE_NUMBER = re.compile(r"\d{1,9}")


def is_map(rule: Rule, param: str) -> bool:
    """Whether a parameter is a per-stage map rather than one number."""
    return isinstance(rule.defaults[param], dict)


def field_label(key: str) -> str:
    """'performance_drop.percent' → 'Performance dropping: percent', for error summaries."""
    name, _, rest = key.partition(".")
    rule = RULES.get(name)
    words = rest.replace(".", " ").replace("_", " ").replace("days by stage", "days,")
    return f"{rule.title if rule else name}: {words}" if rest else (rule.title if rule else name)


def form_values() -> dict[str, str]:
    """The saved settings as the form's field values."""
    values: dict[str, str] = {}
    for name, (enabled, params) in rule_settings().items():
        if enabled:
            values[f"{name}.enabled"] = "on"
        for param, value in params.items():
            if isinstance(value, dict):
                values.update({f"{name}.{param}.{stage}": str(value.get(stage, 0))
                               for stage in STAGES})
            else:
                values[f"{name}.{param}"] = str(value)
    return values


def from_form(form: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    """Every rule's submitted switch and raw parameter strings (an unticked box is off)."""
    submitted = {}
    for rule in RULES.values():
        params: dict[str, Any] = {}
        for param in rule.defaults:
            key = f"{rule.name}.{param}"
            params[param] = ({stage: form.get(f"{key}.{stage}", "") for stage in STAGES}
                             if is_map(rule, param) else form.get(key, ""))
        submitted[rule.name] = {"enabled": bool(form.get(f"{rule.name}.enabled")),
                                "params": params}
    return submitted


def save_settings(submitted: Mapping[str, Mapping[str, Any]], actor: User | None) -> None:
    """Check every submitted rule's thresholds; save them all, or nothing and say why."""
    errors: dict[str, str] = {}
    checked = {}
    for name, setting in submitted.items():
        rule = RULES.get(name)
        if rule is None:
            errors[name] = "is not a follow-up rule"
            continue
        checked[name] = (bool(setting.get("enabled")),
                         _checked_params(rule, setting.get("params") or {}, errors))
    if errors:
        raise InvalidInput("Some thresholds need fixing; nothing was saved.", errors)
    changes = describe_changes(rule_settings(), checked)
    for name, (enabled, params) in checked.items():
        _store(RULES[name], enabled, params)
    if changes:
        audit.record("followup_rules.changed", actor, "Follow-up rules", "; ".join(changes))
    db.session.commit()


def describe_changes(before: Mapping[str, tuple[bool, dict[str, Any]]],
                     after: Mapping[str, tuple[bool, dict[str, Any]]]) -> list[str]:
    """'Gone quiet: days, contacted 14 → 10', one line per switch or threshold that moved."""
    lines = []
    for name, (enabled, params) in after.items():
        was_enabled, was_params = before[name]
        if enabled != was_enabled:
            lines.append(f"{RULES[name].title}: {'on' if enabled else 'off'}")
        old, new = _compact(was_params), _compact(params)
        for param, value in new.items():
            if isinstance(value, dict):
                lines += [f"{field_label(f'{name}.{param}.{stage}')} "
                          f"{old.get(param, {}).get(stage, 0)} → {value.get(stage, 0)}"
                          for stage in STAGES
                          if old.get(param, {}).get(stage, 0) != value.get(stage, 0)]
            elif old.get(param) != value:
                lines.append(f"{field_label(f'{name}.{param}')} {old.get(param)} → {value}")
    return lines


def _checked_params(rule: Rule, raw: Mapping[str, Any], errors: dict[str, str]) -> dict:
    params = {}
    for param in rule.defaults:
        key, low_high = f"{rule.name}.{param}", rule.bounds.get(param, (0, 3650))
        if is_map(rule, param):
            given = raw.get(param) or {}
            params[param] = {stage: _number(given.get(stage, 0), low_high, f"{key}.{stage}",
                                            errors) for stage in STAGES}
        else:
            params[param] = _number(raw.get(param), low_high, key, errors)
    return params


def _number(value: Any, bounds: tuple[int, int], key: str, errors: dict[str, str]) -> int:
    low, high = bounds
    if isinstance(value, str) and WHOLE_NUMBER.fullmatch(value.strip()):
        value = int(value.strip())
    if not isinstance(value, int) or isinstance(value, bool):
        errors[key] = f"must be a whole number from {low:,} to {high:,}"
        return 0
    if not low <= value <= high:
        errors[key] = f"must be from {low:,} to {high:,}"
    return value


def _store(rule: Rule, enabled: bool, params: dict[str, Any]) -> None:
    """Keep only what differs from the defaults, so untouched thresholds follow them."""
    changed = {param: value for param, value in _compact(params).items()
               if value != _compact(rule.defaults)[param]}
    row = db.session.get(FollowUpRule, rule.name)
    if row is None:
        row = FollowUpRule(name=rule.name)
        db.session.add(row)
    row.enabled, row.params, row.updated_at = enabled, changed, clock.now()


def _compact(params: Mapping[str, Any]) -> dict[str, Any]:
    # A stage at 0 means "never", the same as a stage left out of the map.
    return {param: ({stage: n for stage, n in value.items() if n}
                    if isinstance(value, dict) else value)
            for param, value in params.items()}
