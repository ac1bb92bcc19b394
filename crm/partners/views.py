"""Pages for partners: the list and its CSV export, the partner page with its timeline, forms."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from crm import clock
from crm.errors import Conflict, DomainError, InvalidInput
from crm.extensions import db
from crm.ids import parse_page
from crm.models import SOURCES, STAGES, Interaction, Membership, Partner, User
from crm.partners import service
from crm.partners.export import csv_lines
from crm.partners.fields import clean_partner_fields
from crm.partners.forms import (
    InteractionForm,
    OwnerForm,
    PartnerForm,
    StageForm,
    apply_domain_error,
    client_choices,
    owner_choices,
)
from crm.partners.queries import SORT_LABELS, PartnerFilters, partner_query, timeline_query

bp = Blueprint("partners", __name__, url_prefix="/partners")

TIMELINE_PAGE = 50


def _actor() -> User:
    return current_user._get_current_object()


def _is_htmx() -> bool:
    # A history restore wants the whole page even though htmx asks for it.
    return "HX-Request" in request.headers and "HX-History-Restore-Request" not in request.headers


def _load_partner(partner_id: int) -> Partner:
    return db.get_or_404(
        Partner,
        partner_id,
        options=[
            joinedload(Partner.owner),
            selectinload(Partner.tags),
            selectinload(Partner.memberships).joinedload(Membership.client),
        ],
    )


@bp.get("/")
def index():
    """The partner list: search, filters, sort, page numbers."""
    filters = PartnerFilters.from_args(request.args)
    query = partner_query(filters).options(
        selectinload(Partner.owner), selectinload(Partner.tags)
    )
    page = db.paginate(
        query,
        page=parse_page(request.args.get("page")),
        per_page=current_app.config["RAPPORT_PAGE_SIZE"],
        error_out=False,
    )
    context: dict[str, Any] = {"page": page, "filters": filters}
    if _is_htmx():
        response = Response(render_template("partners/_results.html", **context))
    else:
        response = Response(render_template(
            "partners/index.html", **context, stages=STAGES, sources=SOURCES,
            sort_labels=SORT_LABELS, owners=owner_choices("Any owner"),
            clients=client_choices("Any client"),
        ))
    response.vary.add("HX-Request")
    return response


@bp.get("/export.csv")
def export():
    """The whole filtered list as CSV, streamed."""
    filters = PartnerFilters.from_args(request.args)
    filename = f"partners-{clock.now():%Y-%m-%d}.csv"
    return Response(
        stream_with_context(csv_lines(filters)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.route("/new", methods=["GET", "POST"])
def new():
    """Add a partner by hand."""
    form = PartnerForm(data={"owner_id": str(current_user.id)})
    duplicate = None
    if form.validate_on_submit():
        try:
            partner = service.create_partner(form.partner_data(), _actor())
        except DomainError as error:
            apply_domain_error(form, error)
            duplicate = _duplicate_of(form, error)
        else:
            flash(f"{partner.name} added.", "success")
            return redirect(url_for(".detail", partner_id=partner.id))
    return _form_page(form, None, duplicate)


@bp.route("/<int:partner_id>/edit", methods=["GET", "POST"])
def edit(partner_id: int):
    """Edit a partner's profile."""
    partner = _load_partner(partner_id)
    form = PartnerForm.for_partner(partner)
    duplicate = None
    if form.validate_on_submit():
        try:
            service.update_partner(partner, form.partner_data(), _actor())
        except DomainError as error:
            apply_domain_error(form, error)
            duplicate = _duplicate_of(form, error, exclude_id=partner.id)
        else:
            flash("Changes saved.", "success")
            return redirect(url_for(".detail", partner_id=partner.id))
    return _form_page(form, partner, duplicate)


def _duplicate_of(
    form: PartnerForm, error: DomainError, exclude_id: int | None = None
) -> Partner | None:
    """The existing partner a Conflict is about, so the page can link to it."""
    if not isinstance(error, Conflict):
        return None
    try:
        keys = clean_partner_fields(
            {"email": form.email.data or "", "website": form.website.data or ""}, creating=False
        )
    except InvalidInput:
        return None
    return service.find_duplicate(keys.get("email_key"), keys.get("website_domain"), exclude_id)


def _form_page(form: PartnerForm, partner: Partner | None, duplicate: Partner | None):
    status = 409 if duplicate else 422 if form.errors or form.form_errors else 200
    return render_template(
        "partners/form.html", form=form, partner=partner, duplicate=duplicate
    ), status


@bp.get("/<int:partner_id>")
def detail(partner_id: int):
    """The partner page: profile, controls, and the timeline newest first."""
    partner = _load_partner(partner_id)
    return _detail_page(partner, _new_interaction_form(), _cursor_arg())


@bp.get("/<int:partner_id>/timeline")
def timeline(partner_id: int):
    """The next timeline entries after a cursor (for "Show older")."""
    partner = db.get_or_404(Partner, partner_id)
    entries, more = _timeline_page(partner.id, _cursor_arg())
    return render_template(
        "partners/_timeline_entries.html", partner=partner, entries=entries, more=more
    )


@bp.post("/<int:partner_id>/interactions")
def log_interaction(partner_id: int):
    """Log a call, email, meeting, conference contact or note on the timeline."""
    partner = _load_partner(partner_id)
    form = InteractionForm()
    if form.validate():
        try:
            interaction = service.log_interaction(
                partner, _actor(), form.kind.data, form.summary.data or "",
                form.body.data or "", form.occurred_at_utc(), form.direction.data,
            )
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            return _logged(partner, interaction)
    if _is_htmx():
        return render_template("partners/_log_form.html", partner=partner, form=form)
    return _detail_page(partner, form, None, status=422)


def _logged(partner: Partner, interaction: Interaction):
    message = f"{interaction.kind.capitalize()} logged."
    if not _is_htmx():
        flash(message, "success")
        return redirect(url_for(".detail", partner_id=partner.id))
    # The whole first page again, not a prepend: a back-dated entry belongs further down.
    entries, more = _timeline_page(partner.id, None)
    return render_template(
        "partners/_logged.html", partner=partner, form=_new_interaction_form(),
        entries=entries, more=more, message=message,
    )


@bp.post("/<int:partner_id>/stage")
def change_stage(partner_id: int):
    """Move the partner to another stage."""
    partner = _load_partner(partner_id)
    form = StageForm()
    if not form.validate():
        return _refused(partner, form.errors)
    before = partner.stage
    try:
        service.change_stage(partner, form.stage.data, _actor())
    except DomainError as error:
        return _refused(partner, error.fields or {"stage": error.message})
    if partner.stage != before:
        flash(f"Stage changed to {partner.stage.capitalize()}.", "success")
    return redirect(url_for(".detail", partner_id=partner.id))


@bp.post("/<int:partner_id>/owner")
def change_owner(partner_id: int):
    """Hand the partner to another user (or to nobody)."""
    partner = _load_partner(partner_id)
    form = OwnerForm()
    if not form.validate():
        return _refused(partner, form.errors)
    before = partner.owner_id
    try:
        service.change_owner(partner, form.owner_id.data or None, _actor())
    except DomainError as error:
        return _refused(partner, error.fields or {"owner_id": error.message})
    if partner.owner_id != before:
        flash(f"Owner is now {partner.owner.name if partner.owner else 'nobody'}.", "success")
    return redirect(url_for(".detail", partner_id=partner.id))


def _refused(partner: Partner, fields: dict[str, Any]):
    for name, reasons in fields.items():
        reason = reasons if isinstance(reasons, str) else "; ".join(reasons)
        flash(f"Not changed — {name.replace('_id', '')}: {reason}", "error")
    return redirect(url_for(".detail", partner_id=partner.id))


def _new_interaction_form() -> InteractionForm:
    form = InteractionForm(formdata=None)
    form.occurred_at.data = clock.now().replace(second=0, microsecond=0)
    return form


def _detail_page(
    partner: Partner, form: InteractionForm, before: tuple[datetime, int] | None,
    status: int = 200,
):
    entries, more = _timeline_page(partner.id, before)
    stage_form = StageForm(formdata=None, data={"stage": partner.stage})
    owner_form = OwnerForm(formdata=None, data={"owner_id": str(partner.owner_id or "")})
    return render_template(
        "partners/detail.html", partner=partner, form=form, entries=entries, more=more,
        stage_form=stage_form, owner_form=owner_form, older=before is not None,
    ), status


def _timeline_page(
    partner_id: int, before: tuple[datetime, int] | None
) -> tuple[list[Interaction], str | None]:
    """Up to one page of entries, and the cursor for the next page if there is one."""
    query = timeline_query(partner_id, before).options(selectinload(Interaction.author))
    entries = list(db.session.scalars(query.limit(TIMELINE_PAGE + 1)))
    if len(entries) <= TIMELINE_PAGE:
        return entries, None
    entries = entries[:TIMELINE_PAGE]
    return entries, _cursor(entries[-1])


def _cursor(entry: Interaction) -> str:
    at = entry.occurred_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return f"{at},{entry.id}"


def _cursor_arg() -> tuple[datetime, int] | None:
    """The `before=<iso>,<id>` argument, or None; a malformed one is a 400."""
    raw = request.args.get("before", "").strip()
    if not raw:
        return None
    at_text, _, id_text = raw.rpartition(",")
    try:
        at = datetime.fromisoformat(at_text)
        entry_id = int(id_text)
    except ValueError:
        abort(400, description="The timeline position is not valid.")
    if at.tzinfo is None:
        abort(400, description="The timeline position needs a time zone.")
    return at.astimezone(UTC), entry_id
