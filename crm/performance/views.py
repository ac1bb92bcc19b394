"""Pages for importing performance figures (upload, preview, confirm) and the partner chart."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, redirect, render_template, session, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms.fields.choices import SelectChoice

from crm import clock
from crm.errors import DomainError, NotFound
from crm.extensions import db
from crm.imports.uploads import discard_upload, save_upload, upload_path
from crm.models import Client, Partner
from crm.performance.chart import partner_performance_view
from crm.performance.forms import ConfirmForm, UploadForm
from crm.performance.report import PerformanceReport
from crm.performance.service import RowsRejected, import_file, import_options, preview_file

bp = Blueprint("performance", __name__, url_prefix="/performance")


@bp.app_template_global("partner_performance")
def partner_performance(partner: Partner) -> dict[str, Any]:
    """What _partner_performance.html shows: the last 90 days per program."""
    return partner_performance_view(partner, clock.now().date())


def _upload_form(read_request: bool = True) -> UploadForm:
    form = UploadForm() if read_request else UploadForm(formdata=None)
    clients = db.session.execute(select(Client.id, Client.name).order_by(Client.name))
    form.client_id.choices = [SelectChoice("", "From the file (Client column)")] + [
        SelectChoice(str(client_id), name) for client_id, name in clients
    ]
    return form


def _upload_page(form: UploadForm, status: int = 200):
    limit_mb = current_app.config["RAPPORT_IMPORT_MAX_BYTES"] / 2**20
    return render_template("performance/upload.html", form=form, limit_mb=limit_mb), status


@bp.get("/")
def index():
    """Step 1: choose an export file and, if it has no Client column, its client."""
    return _upload_page(_upload_form())


@bp.post("/preview")
def preview():
    """Step 2: store the upload and show what importing it would do; nothing is written."""
    form = _upload_form()
    if not form.validate_on_submit():
        return _upload_page(form, 422)
    token, path = save_upload(form.file.data.stream)
    try:
        options = import_options(form.file.data.filename or "performance.csv",
                                 form.client_id.data, current_user.id)
        report = preview_file(path, options)
    except DomainError as error:
        discard_upload(token)
        form.form_errors.append(error.message)
        return _upload_page(form, 422)
    if not report.importable:
        discard_upload(token)  # nothing can be confirmed; the file must be fixed first
    return _preview_page(report, _confirm_form(token, report.file_name, options.client_id))


def _confirm_form(token: str, file_name: str, client_id: int | None) -> ConfirmForm:
    return ConfirmForm(formdata=None, data={
        "token": token, "file_name": file_name, "client_id": client_id or "",
    })


def _preview_page(report: PerformanceReport, form: ConfirmForm, status: int = 200):
    return render_template("performance/preview.html", report=report, form=form), status


@bp.post("/commit")
def commit():
    """Step 3: import the previewed file, all rows or none, then show what it did."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        raise DomainError("The confirmation was incomplete. Upload the file again.")
    try:
        path = upload_path(form.token.data or "")
    except NotFound as error:
        upload = _upload_form(read_request=False)
        upload.form_errors.append(error.message)
        return _upload_page(upload, 410)
    options = import_options(form.file_name.data or "performance.csv",
                             form.client_id.data or None, current_user.id)
    try:
        report = import_file(path, options)
    except RowsRejected as rejected:  # the programs changed since the preview
        discard_upload(form.token.data or "")
        return _preview_page(rejected.report, form, 422)
    discard_upload(form.token.data or "")
    session["performance_summary"] = _summary(report)
    return redirect(url_for("performance.done"))


def _summary(report: PerformanceReport) -> dict[str, Any]:
    return {
        "file_name": report.file_name, "rows": report.rows, "new_days": report.new_days,
        "replaced_days": report.replaced_days,
        "programs": [{"name": p.name, "rows": p.rows, "revenue": p.revenue,
                      "commission": p.commission} for p in report.programs.values()],
    }


@bp.get("/done")
def done():
    """What the last import did."""
    summary = session.pop("performance_summary", None)
    if summary is None:
        return redirect(url_for("performance.index"))
    return render_template("performance/done.html", summary=summary)


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error: RequestEntityTooLarge):
    form = _upload_form(read_request=False)  # reading the oversized body again would raise
    limit_mb = current_app.config["RAPPORT_IMPORT_MAX_BYTES"] / 2**20
    form.form_errors.append(
        f"The file is larger than the {limit_mb:.0f} MB limit. Split it into smaller files."
    )
    return _upload_page(form, 413)
