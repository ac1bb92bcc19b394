"""Import pages: upload a recruitment list, check the preview, confirm the import."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    redirect,
    render_template,
    session,
    url_for,
)
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms.fields.choices import SelectChoice

from crm.errors import DomainError, NotFound
from crm.ids import parse_id
from crm.imports.forms import ConfirmForm, UploadForm
from crm.imports.report import ImportReport
from crm.imports.service import (
    ImportFailed,
    ImportOptions,
    PreviewOutdated,
    import_options,
    owner_choices,
    preview_import,
    run_import,
)
from crm.imports.uploads import discard_upload, save_upload, upload_path

bp = Blueprint("imports", __name__, url_prefix="/imports")


def _upload_form(read_request: bool = True) -> UploadForm:
    defaults = {"owner_id": str(current_user.id), "source": ""}
    form = UploadForm(data=defaults) if read_request else UploadForm(formdata=None, data=defaults)
    form.owner_id.choices = [SelectChoice("", "Nobody")] + [
        SelectChoice(str(user_id), name) for user_id, name in owner_choices()
    ]
    return form


def _upload_page(form: UploadForm, status: int = 200):
    limit_mb = current_app.config["RAPPORT_IMPORT_MAX_BYTES"] / 2**20
    return render_template("imports/upload.html", form=form, limit_mb=limit_mb), status


def _owner_id(value: str | None) -> int | None:
    return parse_id(value)


@bp.get("/")
def index():
    """Step 1: choose a CSV file, name the list and say where it came from."""
    return _upload_page(_upload_form())


@bp.post("/preview")
def preview():
    """Step 2: store the upload and show what importing it would do; nothing is written."""
    form = _upload_form()
    if not form.validate_on_submit():
        return _upload_page(form, 422)
    upload = form.file.data
    token, path = save_upload(upload.stream)
    try:
        options = import_options(upload.filename or "list.csv", form.list_name.data,
                                 form.source.data, _owner_id(form.owner_id.data), current_user.id)
        report = preview_import(path, options)
    except DomainError as error:
        discard_upload(token)
        form.form_errors.append(error.message)
        form.form_errors.extend(f"{field}: {reason}" for field, reason in error.fields.items())
        return _upload_page(form, 422)
    return _preview_page(report, _confirm_form(token, options, report))


def _confirm_form(token: str, options: ImportOptions, report: ImportReport) -> ConfirmForm:
    # formdata=None: these values, not the request's, go into the hidden fields.
    return ConfirmForm(formdata=None, data={
        "token": token, "file_name": options.file_name, "list_name": options.list_name,
        "source": options.source, "owner_id": options.owner_id or "",
        "fingerprint": report.fingerprint,
    })


def _preview_page(report: ImportReport, form: ConfirmForm, status: int = 200, **context):
    return render_template("imports/preview.html", report=report, form=form, **context), status


@bp.post("/commit")
def commit():
    """Step 3: import what the preview showed, all or nothing, then show the summary."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        raise DomainError("The confirmation was incomplete. Upload the file again.")
    token = form.token.data or ""
    try:
        path = upload_path(token)
    except NotFound as error:
        form = _upload_form()
        form.form_errors.append(error.message)
        return _upload_page(form, 410)
    options = import_options(form.file_name.data or "list.csv", form.list_name.data,
                             form.source.data or "", _owner_id(form.owner_id.data),
                             current_user.id)
    try:
        report = run_import(path, options, expected_fingerprint=form.fingerprint.data)
    except PreviewOutdated as outdated:
        return _preview_page(outdated.report, _confirm_form(token, options, outdated.report),
                             409, outdated=True)
    except ImportFailed as error:
        return render_template("imports/failed.html", error=error, form=form), 500
    discard_upload(token)
    session["import_summary"] = {
        "list_name": report.list_name, "source": report.source, "file_name": report.file_name,
        **report.counts,
    }
    return redirect(url_for("imports.done"))


@bp.get("/done")
def done():
    """What the last import did."""
    summary = session.pop("import_summary", None)
    if summary is None:
        return redirect(url_for("imports.index"))
    return render_template("imports/done.html", summary=summary)


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error: RequestEntityTooLarge):
    form = _upload_form(read_request=False)  # reading the oversized body again would raise
    limit_mb = current_app.config["RAPPORT_IMPORT_MAX_BYTES"] / 2**20
    form.form_errors.append(
        f"The file is larger than the {limit_mb:.0f} MB limit. Split it into smaller files."
    )
    return _upload_page(form, 413)
