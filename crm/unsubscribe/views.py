"""Unsubscribe links: public, signed and expiring; one-click POST per RFC 8058.

The POST is exempt from login and CSRF on purpose: mail providers send it without cookies,
and the signed token is what authorises it. Repeating it changes nothing.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from crm.auth.guard import public, signed_link
from outreach.suppressions import suppress
from outreach.unsubscribe import address_from_token

bp = Blueprint("unsubscribe", __name__, url_prefix="/unsubscribe")


def _address(token: str) -> str:
    address = address_from_token(token)
    if address is None:
        abort(404, description="This unsubscribe link is not valid or has expired.")
    return address


@bp.get("/<token>")
@public
def confirm(token: str):
    """A page with one button, so link scanners that follow GETs unsubscribe nobody."""
    return render_template("unsubscribe/confirm.html", address=_address(token), token=token)


@bp.post("/<token>")
@signed_link
def one_click(token: str):
    address = _address(token)
    suppress(address, "unsubscribed", "one-click unsubscribe link")
    return render_template("unsubscribe/done.html", address=address)
