"""Installation-wide settings that admins change in the app, kept in the database.

Environment variables (crm.config) say how Rapport runs; these say how the organisation
works (its postal address, for example) and change without a restart.
"""

from __future__ import annotations

from typing import Any

from crm import audit, clock
from crm.extensions import db
from crm.models import AppSetting, User


def get_setting(name: str, default: Any = None) -> Any:
    """The saved value of a setting, or `default` when it was never set."""
    row = db.session.get(AppSetting, name)
    return default if row is None else row.value


def set_setting(name: str, value: Any, actor: User | None, label: str = "") -> None:
    """Save a setting and audit the change, in the caller's transaction (the caller commits)."""
    row = db.session.get(AppSetting, name)
    before = None if row is None else row.value
    if row is None:
        row = AppSetting(name=name)
        db.session.add(row)
    row.value = value
    row.updated_at = clock.now()
    row.updated_by_id = actor.id if actor else None
    if before != value:
        audit.record("setting.changed", actor, label or name, f"{before!r} → {value!r}")
