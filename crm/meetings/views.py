"""Pages for onboarding calls: schedule from the partner page, move, cancel, log the outcome,
download the .ics, and the manager's calendar subscription."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from crm import clock
from crm.auth.guard import public
from crm.errors import DomainError
from crm.extensions import db
from crm.meetings.forms import CancelForm, MeetingForm, OutcomeForm
from crm.models import Meeting, Partner
from crm.partners.forms import apply_domain_error
from outreach import meetings
from outreach.meeting_times import describe, local_view

bp = Blueprint("meetings", __name__, url_prefix="/meetings")
feed_bp = Blueprint("calendar_feed", __name__)


@bp.app_template_global("partner_meetings")
def partner_meetings(partner: Partner) -> dict[str, Any]:
    """What _partner_meetings.html shows on the partner page."""
    now = clock.now()
    calls = meetings.meetings_of(partner)
    return {"upcoming": [m for m in calls if m.status == "scheduled" and m.ends_at > now][::-1],
            "past": [m for m in calls if not (m.status == "scheduled" and m.ends_at > now)]}


@bp.app_template_filter("meeting_time")
def meeting_time(instant, tzname: str) -> str:
    return describe(instant, tzname)


@bp.route("/new/<int:partner_id>", methods=["GET", "POST"])
def new(partner_id: int):
    """Schedule an onboarding call; the time is picked in the manager's zone."""
    partner = db.get_or_404(Partner, partner_id)
    form = MeetingForm()
    if form.validate_on_submit():
        try:
            meeting = meetings.schedule(partner, manager=current_user, actor=current_user,
                                        **_when_and_where(form))
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            flash(f"Invitation sent to {partner.name} for "
                  f"{describe(meeting.starts_at, current_user.timezone)}.", "success")
            return redirect(url_for("partners.detail", partner_id=partner.id,
                                    _anchor="meetings"))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("meetings/form.html", form=form, partner=partner, meeting=None), status


@bp.get("/<int:meeting_id>")
def detail(meeting_id: int):
    meeting = db.get_or_404(Meeting, meeting_id)
    return _detail_page(meeting)


@bp.post("/<int:meeting_id>/reschedule")
def reschedule(meeting_id: int):
    meeting = db.get_or_404(Meeting, meeting_id)
    form = MeetingForm()
    if form.validate_on_submit():
        try:
            meetings.reschedule(meeting, actor=current_user, **_when_and_where(form))
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            flash("Call moved; the partner has the updated invitation.", "success")
            return redirect(url_for(".detail", meeting_id=meeting.id))
    return _detail_page(meeting, reschedule_form=form, status=422)


@bp.post("/<int:meeting_id>/cancel")
def cancel(meeting_id: int):
    meeting = db.get_or_404(Meeting, meeting_id)
    form = CancelForm()
    if form.validate_on_submit():
        try:
            meetings.cancel(meeting, actor=current_user, reason=form.reason.data or "")
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash("Call cancelled; the partner's calendar will remove it.", "success")
    return redirect(url_for(".detail", meeting_id=meeting.id))


@bp.post("/<int:meeting_id>/outcome")
def outcome(meeting_id: int):
    meeting = db.get_or_404(Meeting, meeting_id)
    form = OutcomeForm()
    if form.validate_on_submit():
        try:
            meetings.record_outcome(meeting, outcome=form.outcome.data, notes=form.notes.data or "",
                                    activate=bool(form.activate.data), actor=current_user)
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            flash("Outcome logged.", "success")
            return redirect(url_for(".detail", meeting_id=meeting.id))
    return _detail_page(meeting, outcome_form=form, status=422)


@bp.get("/<int:meeting_id>.ics")
def download(meeting_id: int):
    meeting = db.get_or_404(Meeting, meeting_id)
    return Response(meetings.calendar_for(meeting), mimetype="text/calendar",
                    headers={"Content-Disposition":
                             f'attachment; filename="onboarding-call-{meeting.id}.ics"'})


@bp.get("/calendar")
def calendar_settings():
    """The manager's secret subscription URL (shown once, when made) and how to revoke it."""
    return render_template("meetings/calendar.html",
                           has_feed=current_user.calendar_token_hash is not None, feed_url=None)


@bp.post("/calendar/token")
def issue_token():
    token = meetings.issue_calendar_token(current_user)
    feed_url = url_for("calendar_feed.feed", token=token, _external=True)
    return render_template("meetings/calendar.html", has_feed=True, feed_url=feed_url)


@bp.post("/calendar/revoke")
def revoke_token():
    meetings.revoke_calendar_token(current_user)
    flash("Calendar subscription turned off; the old URL no longer works.", "success")
    return redirect(url_for(".calendar_settings"))


@feed_bp.get("/calendar/<token>.ics")
@public  # the secret in the URL is the credential; calendar apps cannot log in
def feed(token: str):
    user = meetings.user_for_calendar_token(token)
    if user is None:
        abort(404)
    response = Response(meetings.feed_for(user), mimetype="text/calendar")
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


def _when_and_where(form: MeetingForm) -> dict[str, Any]:
    """The form's values as the meetings service takes them (the time on the manager's clock)."""
    return {"starts_at": form.starts_at_utc(current_user.timezone),
            "duration_minutes": form.duration(), "location": form.location.data or "",
            "video_url": form.video_url.data or "", "agenda": form.agenda.data or ""}


def _detail_page(meeting: Meeting, *, reschedule_form: MeetingForm | None = None,
                 outcome_form: OutcomeForm | None = None, status: int = 200):
    if reschedule_form is None:
        local = local_view(meeting.starts_at, current_user.timezone)
        reschedule_form = MeetingForm(formdata=None, data={
            "starts_at": f"{local:%Y-%m-%dT%H:%M}",
            "duration_minutes": str(meeting.duration_minutes), "location": meeting.location,
            "video_url": meeting.video_url, "agenda": meeting.agenda})
    return render_template(
        "meetings/detail.html", meeting=meeting, partner=meeting.partner,
        reschedule_form=reschedule_form, cancel_form=CancelForm(formdata=None),
        outcome_form=outcome_form or OutcomeForm(formdata=None),
        started=meeting.starts_at <= clock.now(),
    ), status
