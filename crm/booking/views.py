"""Booking pages (no login: the signed link is the credential) and the manager's
availability settings.

Every public page answers a forged, damaged or expired link with a 404 page, and all of
them share one rate limit per client address (RAPPORT_BOOKING_RATE_LIMIT). The forms post
without a CSRF token on purpose: the signed token in the URL is what authorises them (as
for one-click unsubscribe), and the visitor has no session. Every page works without
JavaScript; booking.js only detects the visitor's zone, and htmx swaps the picker in place.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from crm import clock
from crm.auth.guard import public, signed_link
from crm.booking import availability as settings
from crm.booking import links, service
from crm.booking.forms import AvailabilityForm, CalendarForm
from crm.booking.pages import picker, slot_value, visitor_zone
from crm.errors import DomainError
from crm.extensions import db, limiter
from crm.models import Availability, Meeting, Partner, User
from crm.partners.forms import apply_domain_error
from crm.settings.forms import timezone_choices

bp = Blueprint("booking", __name__, url_prefix="/book")
settings_bp = Blueprint("availability", __name__, url_prefix="/settings/availability")


def _limit() -> str:
    return current_app.config["RAPPORT_BOOKING_RATE_LIMIT"]


# One budget across every booking page, so a burst cannot spread itself over them.
limited = limiter.shared_limit(_limit, scope="booking")


@bp.app_template_global("booking_link_for")
def booking_link_for(partner: Partner) -> str:
    """The partner's booking link, for the partner page."""
    return links.partner_link(partner.id)


@bp.app_template_global("booking_open")
def booking_open(partner: Partner) -> bool:
    """Whether the partner's booking page offers times (their owner has set hours)."""
    return service.host_for(partner.owner) is not None


@bp.app_template_global("slot_value")
def _slot_value(slot) -> str:
    return slot_value(slot)


# --- a partner's own link ----------------------------------------------------------------


@bp.get("/p/<token>")
@limited
@public
def partner_page(token: str):
    partner = _partner(token)
    if partner is None:
        return _not_found()
    return _booking_page(partner.owner, partner=partner, token=token)


@bp.post("/p/<token>")
@limited
@signed_link
def partner_book(token: str):
    partner = _partner(token)
    if partner is None:
        return _not_found()
    host = service.host_for(partner.owner)
    zone = visitor_zone(request.form.get("tz"), partner.timezone)
    if host is None or not partner.email:
        return _booking_page(partner.owner, partner=partner, token=token)
    try:
        start = service.parse_start(request.form.get("start", ""), zone)
        meeting = service.book(partner, host, start, note=request.form.get("note", ""))
    except DomainError as error:
        return _booking_page(partner.owner, partner=partner, token=token, error=error)
    return _to_call(meeting, zone, "booked")


def _partner(token: str) -> Partner | None:
    partner_id = links.partner_from_token(token)
    return db.session.get(Partner, partner_id) if partner_id else None


# --- a manager's general link --------------------------------------------------------------


@bp.get("/m/<token>")
@limited
@public
def general_page(token: str):
    manager = _manager(token)
    if manager is None:
        return _not_found()
    return _booking_page(manager, token=token)


@bp.post("/m/<token>")
@limited
@signed_link
def general_book(token: str):
    manager = _manager(token)
    if manager is None:
        return _not_found()
    host = service.host_for(manager)
    zone = visitor_zone(request.form.get("tz"), manager.timezone)
    if host is None:
        return _booking_page(manager, token=token)
    form = request.form
    try:
        start = service.parse_start(form.get("start", ""), zone)
        meeting = service.book_new_contact(host, form.get("name", ""), form.get("email", ""),
                                           zone, start, note=form.get("note", ""))
    except DomainError as error:
        return _booking_page(manager, token=token, error=error)
    return _to_call(meeting, zone, "booked")


def _manager(token: str) -> User | None:
    """The manager of a general link that is still current (a new link revokes old ones)."""
    found = links.manager_from_token(token)
    if found is None:
        return None
    user_id, version = found
    availability = db.session.get(Availability, user_id)
    if availability is None or availability.link_version != version:
        return None
    return availability.user


# --- a booked call: see, move, cancel -------------------------------------------------------


@bp.get("/call/<token>")
@limited
@public
def call_page(token: str):
    meeting = _meeting(token)
    if meeting is None:
        return _not_found()
    return _call_page(meeting, token)


@bp.post("/call/<token>/move")
@limited
@signed_link
def call_move(token: str):
    meeting = _meeting(token)
    if meeting is None:
        return _not_found()
    zone = _call_zone(meeting, request.form.get("tz"))
    host = service.host_for(meeting.manager)
    if host is None:
        return _call_page(meeting, token, moving=True)
    try:
        start = service.parse_start(request.form.get("start", ""), zone)
        service.reschedule(meeting, host, start)
    except DomainError as error:
        return _call_page(meeting, token, moving=True, error=error)
    return _to_call(meeting, zone, "moved")


@bp.post("/call/<token>/cancel")
@limited
@signed_link
def call_cancel(token: str):
    meeting = _meeting(token)
    if meeting is None:
        return _not_found()
    zone = _call_zone(meeting, request.form.get("tz"))
    try:
        service.cancel(meeting, reason=request.form.get("reason", ""))
    except DomainError as error:
        return _call_page(meeting, token, cancelling=True, error=error)
    return _to_call(meeting, zone, "cancelled")


def _meeting(token: str) -> Meeting | None:
    meeting_id = links.meeting_from_token(token)
    meeting = db.session.get(Meeting, meeting_id) if meeting_id else None
    return meeting if meeting is not None and meeting.booked_via else None


def _call_zone(meeting: Meeting, requested: str | None) -> str:
    return visitor_zone(requested, meeting.partner.timezone or meeting.timezone)


def _to_call(meeting: Meeting, zone: str, done: str):
    return redirect(url_for(".call_page", token=links.call_token(meeting.id), tz=zone,
                            done=done), 303)


# --- rendering -----------------------------------------------------------------------------


def _booking_page(manager: User | None, *, token: str, partner: Partner | None = None,
                  error: DomainError | None = None):
    """The slot picker (and, once a slot is chosen, the booking form) for a link."""
    kind = "partner" if partner is not None else "general"
    host = service.host_for(manager)
    fallback = partner.timezone if partner is not None else (manager.timezone if manager else "")
    zone = visitor_zone(_asked("tz"), fallback)
    slots = service.open_slots(host) if host is not None else []
    view = picker(slots, zone, _asked("day"), _asked("start"))
    context: dict[str, Any] = {
        "host": host, "manager": manager, "partner": partner, "token": token, "view": view,
        "zones": timezone_choices(), "zone_chosen": bool(request.values.get("tz")),
        "error": error, "form": request.form, "endpoint": f"booking.{kind}_page",
        "post_endpoint": f"booking.{kind}_book",
    }
    return render_template("booking/page.html", **context), _status(error)


def _call_page(meeting: Meeting, token: str, *, moving: bool = False, cancelling: bool = False,
               error: DomainError | None = None):
    zone = _call_zone(meeting, _asked("tz"))
    moving = moving or request.args.get("move") == "1"
    cancelling = cancelling or request.args.get("cancel") == "1"
    open_call = meeting.status == "scheduled" and meeting.starts_at > clock.now()
    host = service.host_for(meeting.manager) if open_call and moving else None
    slots = service.open_slots(host, moving=meeting) if host is not None else []
    context = {
        "meeting": meeting, "token": token, "zone": zone, "open_call": open_call,
        "moving": moving and open_call, "cancelling": cancelling and open_call,
        "view": picker(slots, zone, _asked("day"), _asked("start")),
        "zones": timezone_choices(), "zone_chosen": bool(request.values.get("tz")),
        "error": error, "form": request.form, "done": request.args.get("done", ""),
        "rebook": links.partner_link(meeting.partner_id),
    }
    return render_template("booking/call.html", **context), _status(error)


def _asked(name: str) -> str | None:
    """A query value, or the form's on a POST (the page is shown again with its choice)."""
    return request.values.get(name)


def _status(error: DomainError | None) -> int:
    return error.status if error is not None else 200


def _not_found():
    return render_template("booking/not_found.html"), 404


# --- My settings › Availability ------------------------------------------------------------


@settings_bp.route("", methods=["GET", "POST"])
def edit():
    """Weekly hours, call rules and dates off; the general link; the calendar for busy times."""
    availability = settings.availability_of(current_user)
    form = AvailabilityForm(data=settings.form_values(availability))
    if form.validate_on_submit():
        try:
            settings.save_availability(current_user, form.values())
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            flash("Your availability is saved.", "success")
            return redirect(url_for(".edit"))
    return _settings_page(form=form)


@settings_bp.post("/calendar")
def calendar():
    form = CalendarForm()
    if form.validate_on_submit():
        try:
            settings.save_calendar(current_user, form.calendar_url.data or "",
                                   form.calendar_username.data or "", form.password())
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            flash("Calendar saved; busy times are read in a moment." if form.calendar_url.data
                  else "Busy times are no longer read from a calendar.", "success")
            return redirect(url_for(".edit", _anchor="calendar"))
    return _settings_page(calendar_form=form)


@settings_bp.post("/new-link")
def new_link():
    settings.new_general_link(current_user)
    flash("New general link made; the old one no longer works.", "success")
    return redirect(url_for(".edit", _anchor="general-link"))


def _settings_page(form: AvailabilityForm | None = None,
                   calendar_form: CalendarForm | None = None):
    availability = settings.availability_of(current_user)
    form = form or AvailabilityForm(formdata=None, data=settings.form_values(availability))
    calendar_form = calendar_form or CalendarForm(formdata=None, data={
        "calendar_url": availability.calendar_url,
        "calendar_username": availability.calendar_username})
    failed = bool(form.errors or form.form_errors or calendar_form.errors
                  or calendar_form.form_errors)
    return render_template(
        "booking/availability.html", form=form, calendar_form=calendar_form,
        availability=availability, general_link=settings.general_link(current_user),
        link_days=current_app.config["RAPPORT_BOOKING_LINK_DAYS"],
    ), 422 if failed else 200
