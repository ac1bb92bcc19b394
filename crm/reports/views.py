"""Report pages: a client's report for a period, its exports, and the shared read-only view."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from crm import clock
from crm.auth.guard import public
from crm.errors import DomainError, InvalidInput
from crm.extensions import db
from crm.models import Client, ReportShare
from crm.reports import charts, export, sharing
from crm.reports.periods import PERIOD_KINDS, PERIOD_LABELS, Period, parse
from crm.reports.service import Report, build_report

bp = Blueprint("reports", __name__, url_prefix="/reports")

SHARED_HEADERS = {"Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer",
                  "X-Robots-Tag": "noindex"}


@bp.app_template_filter("report_money")
def report_money(cents: int | None, currency: str) -> str:
    """Whole cents as '1,234.56 USD'."""
    if cents is None:
        return "—"
    return f"{cents / 100:,.2f} {currency}"


@bp.app_template_filter("report_change")
def report_change(ratio: float | None) -> str:
    """A relative change as '+12.5%', or '—' when there is nothing to compare with."""
    return "—" if ratio is None else f"{ratio:+.1%}"


def _period_from(args) -> Period:
    return parse(args.get("period"), args.get("start"), args.get("end"), clock.now().date())


@bp.get("/<int:client_id>")
def report(client_id: int):
    """The client's report for the period in the query string (last month by default)."""
    client = db.get_or_404(Client, client_id)
    try:
        period = _period_from(request.args)
    except InvalidInput as error:
        return _manager_page(client, None, error=error), 422
    return _manager_page(client, build_report(client, period))


@bp.get("/<int:client_id>/<name>.csv")
def export_csv(client_id: int, name: str):
    """One table of the report as CSV, for the same period as the page."""
    client = db.get_or_404(Client, client_id)
    if name not in export.TABLES:
        abort(404)
    try:
        period = _period_from(request.args)
    except InvalidInput:
        abort(404)
    return _csv(build_report(client, period), name)


@bp.post("/<int:client_id>/shares")
def create_share(client_id: int):
    """Make a read-only link to this report for the client; its URL is shown once."""
    client = db.get_or_404(Client, client_id)
    try:
        period = _period_from(request.form)
        share, token = sharing.create_share(client, period, current_user._get_current_object(),
                                            _days(request.form.get("expires_in_days")))
    except DomainError as error:
        return _manager_page(client, None, error=error), error.status
    return _manager_page(client, build_report(client, period), new_share=share,
                         new_share_url=url_for(".shared", token=token, _external=True))


@bp.post("/<int:client_id>/shares/<int:share_id>/revoke")
def revoke_share(client_id: int, share_id: int):
    """Stop a link working; only through the page of the client it belongs to."""
    share = db.get_or_404(ReportShare, share_id)
    if share.client_id != client_id:
        abort(404)
    sharing.revoke_share(share)
    flash("Link revoked: it no longer opens the report.", "success")
    return redirect(url_for(".report", client_id=client_id, **_period_args(share)))


@bp.get("/shared/<token>")
@public  # the secret in the URL is the credential: the client has no login
def shared(token: str):
    """The report behind a share link, without anything internal; 404 unless the link is live."""
    share = _live_share(token)
    report = build_report(share.client, sharing.share_period(share))
    page = render_template("reports/shared.html", report=report, charts=charts.charts(report),
                           token=token, share=share)
    return Response(page, headers=SHARED_HEADERS)


@bp.get("/shared/<token>/<name>.csv")
@public
def shared_csv(token: str, name: str):
    """One table of a shared report as CSV, through the same link (and the same 404s)."""
    share = _live_share(token)
    if name not in export.TABLES:
        abort(404)
    response = _csv(build_report(share.client, sharing.share_period(share)), name)
    response.headers.update(SHARED_HEADERS)
    return response


def _live_share(token: str) -> ReportShare:
    share = sharing.share_for_token(token)
    if share is None:
        abort(404)  # unknown, tampered, revoked and expired all look the same
    return share


def _days(text: str | None) -> int:
    try:
        return int(text or sharing.DEFAULT_DAYS)
    except ValueError:
        raise InvalidInput("How many days should the link last?",
                           {"expires_in_days": "must be a whole number of days"}) from None


def _period_args(share: ReportShare) -> dict[str, str]:
    return {"period": "custom", "start": share.period_start.isoformat(),
            "end": share.period_end.isoformat()}


def _csv(report: Report, name: str) -> Response:
    body = export.to_csv(export.TABLES[name](report))
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{export.filename(report, name)}"'})


def _manager_page(client: Client, report: Report | None, *, error: DomainError | None = None,
                  **extra):
    return render_template(
        "reports/report.html", client=client, report=report,
        charts=charts.charts(report) if report else None, error=error,
        kinds=PERIOD_KINDS, kind_labels=PERIOD_LABELS, args=request.values,
        shares=sharing.shares_of(client), is_live=sharing.is_live,
        max_days=sharing.MAX_DAYS, default_days=sharing.DEFAULT_DAYS, **extra)
