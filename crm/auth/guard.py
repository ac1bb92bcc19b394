"""Every request is refused unless it is authenticated or its view is marked public.

Protection is the default so that a new route cannot be forgotten: pages need a session
(and CSRF on unsafe methods), /api/ needs a bearer token and never trusts the cookie. A
token of scope `read` may only use the safe methods, whatever the route.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, current_app, g, request
from flask_login import current_user

from crm.auth.service import note_use, token_for, user_for_session
from crm.extensions import csrf, login_manager
from crm.http_errors import api_error
from crm.models import User

View = TypeVar("View", bound=Callable)
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def public(view: View) -> View:
    """Mark a view as reachable without logging in."""
    view.rapport_public = True  # type: ignore[attr-defined]
    return view


def signed_link(view: View) -> View:
    """Public and CSRF-exempt: for POSTs authorised by a signed token in the URL (RFC 8058)."""
    view.rapport_public = True  # type: ignore[attr-defined]
    view.rapport_csrf_exempt = True  # type: ignore[attr-defined]
    return view


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    login_manager.user_loader(_load_user)
    app.before_request(_guard)


def _load_user(user_id: str) -> User | None:
    # Flask-Login asks on every request, for the session and for a remember-me cookie alike;
    # it does not itself check is_active for a session it already has.
    return user_for_session(user_id)


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def _guard():
    if is_api_request():
        return _guard_api()
    if (
        request.method not in SAFE_METHODS
        and current_app.config.get("WTF_CSRF_ENABLED", True)
        and not _view_flag("rapport_csrf_exempt")
    ):
        csrf.protect()
    if _is_public_endpoint() or current_user.is_authenticated:
        return None
    return login_manager.unauthorized()


def _is_public_endpoint() -> bool:
    if request.endpoint is None:  # no route matched: let the 404 through
        return True
    if request.endpoint == "static":
        return True
    return _view_flag("rapport_public")


def _view_flag(name: str) -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, name, False))


def _guard_api():
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    api_token = token_for(token.strip()) if scheme.lower() == "bearer" and token else None
    if api_token is None:
        response = api_error(401, "unauthorized", "A valid bearer token is required.")
        response.headers["WWW-Authenticate"] = 'Bearer realm="rapport"'
        return response
    user, scope = api_token.user, api_token.scope
    note_use(api_token)
    if scope == "read" and request.method not in SAFE_METHODS:
        return api_error(403, "forbidden", "This token may only read (scope read); "
                         "changes need a read-write token.")
    g.api_user = user
    return None
