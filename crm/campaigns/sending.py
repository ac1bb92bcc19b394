"""My settings › Sending: the address campaign emails come from, the daily cap and warm-up.

The warm-up ramp: on the first day you send campaign emails you may send `warmup_start`,
each later day `warmup_increment` more, until `daily_send_cap` (start 0: the cap from the
first day). outreach.send_caps enforces it in the database.
"""

from __future__ import annotations

from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField

from crm import audit
from crm.errors import DomainError, InvalidInput
from crm.extensions import db
from crm.models import User
from crm.partners.forms import apply_domain_error
from outreach.senders import system_sender

MAX_CAP = 10_000
bp = Blueprint("sending", __name__, url_prefix="/settings/sending")


def _whole(raw: Any, name: str, errors: dict[str, str], lowest: int) -> int | None:
    text = str(raw if raw is not None else "").strip()
    if isinstance(raw, bool) or not text.lstrip("-").isdigit():
        errors[name] = f"must be a whole number from {lowest} to {MAX_CAP:,}"
        return None
    value = int(text)
    if not lowest <= value <= MAX_CAP:
        errors[name] = (f"must be at least {lowest}: 0 would never send" if value < lowest
                        and lowest == 1 else f"must be from {lowest} to {MAX_CAP:,}")
        return None
    return value


def update_sending(user: User, data: dict[str, Any], actor: User | None = None) -> User:
    """Set the user's sending address (blank: RAPPORT_MAIL_FROM's), daily cap and warm-up."""
    errors: dict[str, str] = {}
    raw = str(data.get("sending_address") or "").strip()
    address = None
    if raw:
        try:
            address = validate_email(raw, check_deliverability=False).normalized.lower()
        except EmailNotValidError as error:
            errors["sending_address"] = str(error)
    cap = _whole(data.get("daily_send_cap"), "daily_send_cap", errors, 1)
    start = _whole(data.get("warmup_start"), "warmup_start", errors, 0)
    increment = _whole(data.get("warmup_increment"), "warmup_increment", errors, 0)
    if start and increment == 0 and cap is not None and start < cap:
        errors["warmup_increment"] = "must be at least 1 while the warm-up starts below the cap"
    if errors:
        first = next(iter(errors))
        raise InvalidInput(f"Sending settings not saved: {first}: {errors[first]}", errors)
    before = (user.sending_address, user.daily_send_cap, user.warmup_start, user.warmup_increment)
    user.sending_address, user.daily_send_cap = address, cap
    user.warmup_start, user.warmup_increment = start, increment
    after = (address, cap, start, increment)
    if before != after:
        audit.record("user.sending_changed", actor or user, user.email,
                     f"address {before[0]!r} → {address!r}, cap {before[1]} → {cap}, "
                     f"warm-up {before[2]}+{before[3]}/day → {start}+{increment}/day")
    db.session.commit()
    return user


class SendingForm(FlaskForm):
    sending_address = StringField(
        "Sending address", description="Campaign emails come from your name at this address. "
        "Leave empty to use the organisation's address.")
    daily_send_cap = StringField("Daily cap", description="Campaign emails a day at most.",
                                 render_kw={"inputmode": "numeric"})
    warmup_start = StringField(
        "Warm-up: first day", render_kw={"inputmode": "numeric"},
        description="Emails on your first sending day (0: no warm-up, the cap from day one).")
    warmup_increment = StringField("Warm-up: more each day", render_kw={"inputmode": "numeric"},
                                   description="Added every later day until the cap.")


@bp.route("", methods=["GET", "POST"])
def settings():
    """The signed-in user's own sending identity and limits."""
    form = SendingForm(data={
        "sending_address": current_user.sending_address or "",
        "daily_send_cap": str(current_user.daily_send_cap),
        "warmup_start": str(current_user.warmup_start),
        "warmup_increment": str(current_user.warmup_increment)})
    if form.validate_on_submit():
        try:
            update_sending(current_user, form.data)
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            flash("Your sending settings are saved.", "success")
            return redirect(url_for(".settings"))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("settings/sending.html", form=form,
                           fallback=system_sender().address), status
