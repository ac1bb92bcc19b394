"""Starting a browser session, and keeping the current one after the cookies are renewed."""

from __future__ import annotations

from flask import current_app, request
from flask_login import login_user

from crm.auth.service import record_sign_in
from crm.models import User


def sign_in(user: User, remember: bool = False) -> None:
    """Start a session for the user (a remember-me cookie too, if asked) and note the time."""
    login_user(user, remember=remember)
    record_sign_in(user)


def keep_this_session(user: User) -> None:
    """After end_other_sessions: give this browser a session with the new generation.

    A remember-me cookie it had is renewed too, so "keep me signed in" still holds here.
    """
    cookie = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    login_user(user, remember=cookie in request.cookies)
