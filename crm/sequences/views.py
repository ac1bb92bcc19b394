"""Pages for welcome sequences: the list, a sequence with its steps, the step editor with a
live preview, and enrolling partners (the partner page includes _partner_enrollments.html)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from crm.errors import DomainError
from crm.extensions import db
from crm.ids import parse_id
from crm.models import Client, Partner, Sequence, SequenceStep, User
from crm.partners.forms import apply_domain_error
from crm.sequences import previews, service
from crm.sequences.forms import EnrollForm, HoursForm, StepForm

bp = Blueprint("sequences", __name__, url_prefix="/sequences")


def _actor() -> User:
    return current_user._get_current_object()


@bp.get("/")
def index():
    """The default sequence, each client's own, and clients that could have one."""
    return render_template("sequences/index.html", overview=service.overview(),
                           hours_label=service.hours_label)


@bp.post("/clients/<int:client_id>")
def create_for_client(client_id: int):
    """Give a client its own sequence, starting as a copy of the default."""
    client = db.get_or_404(Client, client_id)
    try:
        sequence = service.create_client_sequence(client, _actor())
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for(".index"))
    flash(f"{client.name} now has its own sequence, copied from the default. Edit it below.",
          "success")
    return redirect(url_for(".detail", sequence_id=sequence.id))


@bp.get("/<int:sequence_id>")
def detail(sequence_id: int):
    """A sequence: its steps in order, its business hours."""
    sequence = service.load_sequence(sequence_id)
    return _detail_page(sequence, HoursForm.for_sequence(sequence))


def _detail_page(sequence: Sequence, hours_form: HoursForm, status: int = 200):
    return render_template(
        "sequences/detail.html", sequence=sequence, hours_form=hours_form,
        previews=previews.step_previews(sequence), hours_label=service.hours_label(sequence),
        active=service.active_counts().get(sequence.id, 0),
    ), status


@bp.post("/<int:sequence_id>/hours")
def update_hours(sequence_id: int):
    """Change the days and hours the sequence sends in."""
    sequence = service.load_sequence(sequence_id)
    form = HoursForm()
    try:
        service.update_hours(sequence, form.hours_data(), _actor())
    except DomainError as error:
        apply_domain_error(form, error)
        return _detail_page(sequence, form, error.status)
    flash(f"Business hours saved: {service.hours_label(sequence)}.", "success")
    return redirect(url_for(".detail", sequence_id=sequence.id))


@bp.route("/<int:sequence_id>/steps/new", methods=["GET", "POST"])
def new_step(sequence_id: int):
    """Add an email at the end of the sequence."""
    sequence = service.load_sequence(sequence_id)
    form = StepForm()
    if not form.is_submitted():
        form.delay_days.data = str(service.next_delay(sequence))
    elif form.validate():
        try:
            step = service.add_step(sequence, form.step_data(), _actor())
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            flash(f"Step {step.position} added.", "success")
            return redirect(url_for(".detail", sequence_id=sequence.id))
    return _step_page(sequence, None, form)


@bp.route("/<int:sequence_id>/steps/<int:step_id>/edit", methods=["GET", "POST"])
def edit_step(sequence_id: int, step_id: int):
    """Change one email of the sequence."""
    sequence = service.load_sequence(sequence_id)
    step = service.load_step(sequence, step_id)
    form = StepForm.for_step(step)
    if form.validate_on_submit():
        try:
            service.update_step(step, form.step_data(), _actor())
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            flash(f"Step {step.position} saved.", "success")
            return redirect(url_for(".detail", sequence_id=sequence.id))
    return _step_page(sequence, step, form)


def _step_page(sequence: Sequence, step: SequenceStep | None, form: StepForm):
    status = 422 if form.errors or form.form_errors else 200
    partner = _picked_partner(sequence)
    return render_template(
        "sequences/step_form.html", sequence=sequence, step=step, form=form,
        partner=partner, partner_options=_options_with(partner, sequence),
        preview=previews.preview(sequence, partner, form.step_data()),
        variables=previews.VARIABLES,
    ), status


def _options_with(partner: Partner | None, sequence: Sequence) -> list[Partner]:
    options = previews.preview_partners("", sequence.client)
    if partner is not None and partner not in options:  # keep the picked one selectable
        options.insert(0, partner)
    return options


def _picked_partner(sequence: Sequence) -> Partner | None:
    """The partner the preview uses: the one asked for, else the first candidate."""
    raw = request.values.get("preview_partner_id", "") or request.args.get("partner_id", "")
    partner_id = parse_id(raw)
    if partner_id is not None:
        partner = db.session.get(Partner, partner_id)
        if partner is not None:
            return partner
    candidates = previews.preview_partners("", sequence.client, limit=1)
    return candidates[0] if candidates else None


@bp.post("/<int:sequence_id>/preview")
def preview(sequence_id: int):
    """The step being edited, rendered for one partner (htmx, as the form changes)."""
    sequence = service.load_sequence(sequence_id)
    partner = _picked_partner(sequence)
    return render_template(
        "sequences/_preview.html", sequence=sequence, partner=partner,
        preview=previews.preview(sequence, partner, StepForm().step_data()),
    )


@bp.get("/<int:sequence_id>/partner-options")
def partner_options(sequence_id: int):
    """The preview picker's <option>s for a search (htmx); the first match is picked."""
    sequence = service.load_sequence(sequence_id)
    q = request.args.get("q", "").strip()
    matches = previews.preview_partners(q, sequence.client)
    # No match: keep previewing the partner picked before, so the preview does not jump.
    options = matches or [p for p in [_picked_partner(sequence)] if p is not None]
    return render_template(
        "sequences/_partner_options.html", q=q, matched=bool(matches), partner_options=options,
        selected=options[0].id if options else None,
    )


@bp.post("/<int:sequence_id>/steps/<int:step_id>/move")
def move_step(sequence_id: int, step_id: int):
    """Move a step one place up or down."""
    sequence = service.load_sequence(sequence_id)
    step = service.load_step(sequence, step_id)
    try:
        service.move_step(step, request.form.get("direction", ""), _actor())
    except DomainError as error:
        flash(error.message, "error")
    return redirect(url_for(".detail", sequence_id=sequence.id, _anchor=f"step-{step.id}"))


@bp.post("/<int:sequence_id>/steps/<int:step_id>/delete")
def delete_step(sequence_id: int, step_id: int):
    """Remove a step from the sequence."""
    sequence = service.load_sequence(sequence_id)
    step = service.load_step(sequence, step_id)
    position = step.position
    service.delete_step(step, _actor())
    flash(f"Step {position} deleted.", "success")
    return redirect(url_for(".detail", sequence_id=sequence.id))


# --- enrollments, shown on the partner page -----------------------------------------------


@bp.app_template_global("partner_enrollments")
def partner_enrollments(partner_id: int) -> dict[str, Any]:
    """What _partner_enrollments.html shows for one partner."""
    partner = db.session.get(Partner, partner_id)
    enrollments = service.enrollments_of(partner_id)
    return {
        "enrollments": enrollments,
        "any_active": any(e.status == "active" for e in enrollments),
        "form": EnrollForm.for_partner(partner) if partner is not None else None,
        "reasons": service.STOP_REASON_TEXT,
    }


@bp.post("/enroll/<int:partner_id>")
def enroll(partner_id: int):
    """Start a welcome sequence for a partner (the client's, or the default)."""
    partner = db.get_or_404(Partner, partner_id)
    raw = EnrollForm().client_id.data or ""
    try:
        enrollment = service.enroll_partner(partner, parse_id(raw), _actor())
    except DomainError as error:
        flash(f"Not enrolled: {error.message}", "error")
    else:
        flash(f"{partner.name} is enrolled in '{enrollment.sequence.name}'.", "success")
    return redirect(url_for("partners.detail", partner_id=partner.id, _anchor="enrollments"))


@bp.post("/enrollments/<int:enrollment_id>/stop")
def stop_enrollment(enrollment_id: int):
    """Stop a partner's sequence by hand."""
    enrollment = service.load_enrollment(enrollment_id)
    was_active = enrollment.status == "active"
    service.stop_enrollment(enrollment, _actor())
    if was_active:
        flash(f"'{enrollment.sequence.name}' stopped; nothing more will be sent.", "success")
    else:
        flash(f"'{enrollment.sequence.name}' had already {enrollment.status}.", "info")
    return redirect(url_for("partners.detail", partner_id=enrollment.partner_id,
                            _anchor="enrollments"))
