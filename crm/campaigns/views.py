"""Campaign pages: the list, a campaign with its figures, steps, enrolling prospects (by a
filter of the partner list or rows picked on it), pause / resume / archive, CSV export."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from crm.campaigns import audience as audiences
from crm.campaigns import service, stats
from crm.campaigns.forms import AudienceForm, CampaignForm, CampaignStepForm
from crm.errors import DomainError
from crm.extensions import db
from crm.models import Campaign, CampaignEnrollment, CampaignStep, User
from crm.partners.forms import apply_domain_error
from crm.sequences.previews import VARIABLES

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")


def _actor() -> User:
    return current_user._get_current_object()


@bp.get("/")
def index():
    archived = request.args.get("archived") == "1"
    campaigns = list(db.session.scalars(service.campaigns_query(include_archived=archived)))
    return render_template("campaigns/index.html", campaigns=campaigns, archived=archived)


@bp.route("/new", methods=["GET", "POST"])
def new():
    form = CampaignForm()
    if not form.is_submitted():
        form = CampaignForm(data={"owner_id": str(current_user.id),
                                  "send_weekdays": ["0", "1", "2", "3", "4"],
                                  "send_from": "09:00", "send_until": "17:00"})
    elif form.validate():
        try:
            campaign = service.create_campaign(form.campaign_data(), _actor())
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            flash(f"Campaign '{campaign.name}' created. Add its first email.", "success")
            return redirect(url_for(".new_step", campaign_id=campaign.id))
    return _form_page(form, None)


def _form_page(form: CampaignForm, campaign: Campaign | None):
    status = 422 if form.errors or form.form_errors else 200
    return render_template("campaigns/form.html", form=form, campaign=campaign), status


@bp.route("/<int:campaign_id>/edit", methods=["GET", "POST"])
def edit(campaign_id: int):
    campaign = service.load_campaign(campaign_id)
    form = CampaignForm.for_campaign(campaign)
    if form.validate_on_submit():
        try:
            service.update_campaign(campaign, form.campaign_data())
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            flash("Campaign saved.", "success")
            return redirect(url_for(".detail", campaign_id=campaign.id))
    return _form_page(form, campaign)


@bp.get("/<int:campaign_id>")
def detail(campaign_id: int):
    """The campaign: figures per step and variant, its steps, who is in it."""
    campaign = service.load_campaign(campaign_id)
    figures = stats.figures(campaign)
    page = db.paginate(
        select(CampaignEnrollment).where(CampaignEnrollment.campaign_id == campaign.id)
        .options(joinedload(CampaignEnrollment.partner))
        .order_by(CampaignEnrollment.id.desc()),
        page=request.args.get("page", 1, type=int),
        per_page=current_app.config["RAPPORT_PAGE_SIZE"], error_out=False, count=False)
    page.total = figures.enrolled  # counted with the figures: no second pass for the pager
    return render_template(
        "campaigns/detail.html", campaign=campaign, rows=figures.rows, total=figures.total,
        counts=figures.statuses, page=page,
        hours_label=service.hours_label(campaign), postal_address=service.postal_address())


@bp.get("/<int:campaign_id>/export.csv")
def export(campaign_id: int):
    campaign = service.load_campaign(campaign_id)
    return Response(stats.to_csv(campaign), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="campaign-{campaign.id}.csv"'})


# --- steps -------------------------------------------------------------------------------


@bp.route("/<int:campaign_id>/steps/new", methods=["GET", "POST"])
def new_step(campaign_id: int):
    campaign = service.load_campaign(campaign_id)
    form = CampaignStepForm()
    if not form.is_submitted():
        last = max((s.delay_days for s in campaign.steps), default=None)
        form.delay_days.data = "0" if last is None else str(last + 3)
    elif form.validate():
        try:
            step = service.add_step(campaign, form.step_data())
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            flash(f"Step {step.position} added.", "success")
            return redirect(url_for(".detail", campaign_id=campaign.id))
    return _step_page(campaign, None, form)


@bp.route("/<int:campaign_id>/steps/<int:step_id>/edit", methods=["GET", "POST"])
def edit_step(campaign_id: int, step_id: int):
    campaign = service.load_campaign(campaign_id)
    step = service.load_step(campaign, step_id)
    form = CampaignStepForm.for_campaign_step(step)
    if form.validate_on_submit():
        try:
            service.update_step(step, form.step_data())
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            flash(f"Step {step.position} saved; emails already queued keep their text.",
                  "success")
            return redirect(url_for(".detail", campaign_id=campaign.id))
    return _step_page(campaign, step, form)


def _step_page(campaign: Campaign, step: CampaignStep | None, form: CampaignStepForm):
    status = 422 if form.errors or form.form_errors else 200
    return render_template("campaigns/step_form.html", campaign=campaign, step=step, form=form,
                           variables=VARIABLES), status


@bp.post("/<int:campaign_id>/steps/<int:step_id>/delete")
def delete_step(campaign_id: int, step_id: int):
    campaign = service.load_campaign(campaign_id)
    step = service.load_step(campaign, step_id)
    position = step.position
    try:
        service.delete_step(step)
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(f"Step {position} deleted.", "success")
    return redirect(url_for(".detail", campaign_id=campaign.id))


# --- enrolling ---------------------------------------------------------------------------


def _audience_values() -> dict[str, Any]:
    values: dict[str, Any] = {name: request.values.get(name, "")
                              for name in ("stage", "tag", "source", "source_list", "q")}
    values["partner_ids"] = request.values.getlist("partner_ids")
    return values


@bp.route("/<int:campaign_id>/enrol", methods=["GET", "POST"])
def enrol(campaign_id: int):
    """Preview who a filter (or a selection) enrols and the first email, then enrol them."""
    campaign = service.load_campaign(campaign_id)
    return _enrol_page(campaign)


def _enrol_page(campaign: Campaign, campaigns: list[Campaign] | None = None):
    form = AudienceForm(data=_audience_values(), meta={"csrf": False})
    values = _audience_values()
    preview, status = None, 200
    try:
        audience = audiences.audience_from(values)
        if request.method == "POST" and request.form.get("action") == "enrol":
            count, skipped = audiences.enrol(campaign, audience, _actor())
            skipped_total = sum(skipped.values())
            flash(f"{count:,} prospect{'s' if count != 1 else ''} enrolled in '{campaign.name}'"
                  + (f"; {skipped_total:,} skipped." if skipped_total else "."), "success")
            return redirect(url_for(".detail", campaign_id=campaign.id))
        if request.method == "POST" or any(values.values()):
            preview = audiences.preview(campaign, audience)
    except DomainError as error:
        apply_domain_error(form, error)
        status = error.status
    return render_template(
        "campaigns/enrol.html", campaign=campaign, form=form, preview=preview,
        partner_ids=values["partner_ids"], reasons=audiences.SKIP_REASONS,
        campaigns=campaigns, postal_address=service.postal_address()), status


@bp.post("/selection")
def selection():
    """From the partner list's checkboxes: pick a campaign, preview, enrol."""
    ids = request.form.getlist("partner_ids")
    campaigns = list(db.session.scalars(service.campaigns_query()))
    raw = request.form.get("campaign_id", "")
    campaign = next((c for c in campaigns if str(c.id) == raw), None)
    if campaign is None:
        return render_template("campaigns/selection.html", partner_ids=ids,
                               campaigns=campaigns), (422 if not ids else 200)
    return _enrol_page(campaign, campaigns)


# --- the campaign's life -----------------------------------------------------------------


def _lifecycle(campaign_id: int, operation, done: str):
    campaign = service.load_campaign(campaign_id)
    try:
        operation(campaign, _actor())
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(done.format(name=campaign.name), "success")
    return redirect(url_for(".detail", campaign_id=campaign.id))


@bp.post("/<int:campaign_id>/pause")
def pause(campaign_id: int):
    return _lifecycle(campaign_id, service.pause, "'{name}' is paused: nothing more is queued.")


@bp.post("/<int:campaign_id>/resume")
def resume(campaign_id: int):
    return _lifecycle(campaign_id, service.resume, "'{name}' goes on where it stopped.")


@bp.post("/<int:campaign_id>/archive")
def archive(campaign_id: int):
    return _lifecycle(campaign_id, service.archive, "'{name}' is archived; every prospect in "
                      "it is taken out.")


@bp.post("/<int:campaign_id>/enrollments/<int:enrollment_id>/remove")
def remove(campaign_id: int, enrollment_id: int):
    campaign = service.load_campaign(campaign_id)
    enrollment = service.load_enrollment(campaign, enrollment_id)
    service.remove(enrollment, _actor())
    flash(f"{enrollment.partner.name} is out of '{campaign.name}'.", "success")
    return redirect(url_for(".detail", campaign_id=campaign.id))
