"""Logging in and out, and resetting a forgotten password by an emailed link."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import login_required, logout_user

from crm.auth import passwords
from crm.auth.forms import ForgotPasswordForm, LoginForm, NewPasswordForm
from crm.auth.guard import public
from crm.auth.service import authenticate
from crm.auth.sessions import sign_in
from crm.errors import DomainError
from crm.extensions import limiter
from crm.partners.forms import apply_domain_error

bp = Blueprint("auth", __name__)


def _login_limit() -> str:
    return current_app.config["RAPPORT_LOGIN_RATE_LIMIT"]


def account_limit() -> str:
    """RAPPORT_ACCOUNT_RATE_LIMIT: shared by the public account forms, per client address."""
    return current_app.config["RAPPORT_ACCOUNT_RATE_LIMIT"]


def account_form_limit():
    """The rate limit decorator of a public account form's POST (one budget for all)."""
    return limiter.shared_limit(account_limit, scope="account-forms", methods=["POST"])


def secret_page(html: str, status: int = 200):
    """A page whose URL holds a secret: never sent on as a Referer, never cached."""
    response = current_app.make_response((html, status))
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


def _safe_next(target: str | None) -> str:
    # Only same-site paths: an absolute or scheme-relative URL would be an open redirect.
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("partners.index")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@public
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data or "", form.password.data or "")
        if user is not None:
            sign_in(user, remember=bool(form.remember.data))
            return redirect(_safe_next(request.args.get("next")))
        form.password.errors.append("Wrong email or password.")
    return render_template("auth/login.html", form=form), 200 if not form.errors else 401


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/")
def home():
    return redirect(url_for("dashboard.index"))


@bp.route("/forgot-password", methods=["GET", "POST"])
@account_form_limit()
@public
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        passwords.request_reset(form.email.data or "")
        # The same answer whether or not the address has an account.
        return render_template("auth/reset_sent.html", email=form.email.data)
    status = 422 if form.errors else 200
    return render_template("auth/forgot_password.html", form=form), status


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@account_form_limit()
@public  # the secret in the URL is the credential; CSRF still applies to the form
def reset_password(token: str):
    reset = passwords.reset_for_token(token)
    if reset is None:
        abort(404)
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            user = passwords.reset_password(reset, form.new_password.data or "")
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            sign_in(user)
            flash("Your password is changed, and you are signed in. Any other sessions "
                  "were signed out.", "success")
            return redirect(url_for("dashboard.index"))
    status = 422 if form.errors or form.form_errors else 200
    return secret_page(render_template("auth/reset_password.html", form=form,
                                       user=reset.user), status)
