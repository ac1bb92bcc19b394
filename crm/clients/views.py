"""Pages for clients: the list, a client's profile and program members, forms."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from crm.clients import service
from crm.clients.forms import ClientForm, MemberForm, MembershipStatusForm
from crm.errors import DomainError
from crm.extensions import db
from crm.ids import parse_page
from crm.models import MEMBERSHIP_STATUSES, STAGES, Client, Membership, Partner, User
from crm.partners.forms import apply_domain_error
from crm.partners.queries import PartnerFilters, partner_query

bp = Blueprint("clients", __name__, url_prefix="/clients")

PARTNER_OPTIONS = 20


def _actor() -> User:
    return current_user._get_current_object()


# Read-only queries for these pages (candidates for crm/clients/service.py).


def _member_counts() -> dict[int, tuple[int, int]]:
    """client id → (members, approved members), in one grouped query."""
    rows = db.session.execute(
        select(
            Membership.client_id,
            func.count(),
            func.count().filter(Membership.status == "approved"),
        ).group_by(Membership.client_id)
    )
    return {client_id: (total, approved) for client_id, total, approved in rows}


def _members_page(client: Client, page: int) -> Pagination:
    query = (
        select(Membership)
        .join(Membership.partner)
        .where(Membership.client_id == client.id)
        .options(joinedload(Membership.partner))
        .order_by(Partner.name, Partner.id)
    )
    return db.paginate(
        query, page=page, per_page=current_app.config["RAPPORT_PAGE_SIZE"], error_out=False
    )


def _partner_options(q: str) -> list[Partner]:
    """The first partners matching a search, for the add-member picker."""
    query = partner_query(PartnerFilters(q=q, sort="name" if q else "recent"))
    return list(db.session.scalars(query.limit(PARTNER_OPTIONS)))


@bp.get("/")
def index():
    """Every client with the size of its program."""
    clients = db.session.scalars(select(Client).order_by(Client.name))
    return render_template("clients/index.html", clients=list(clients), counts=_member_counts())


@bp.route("/new", methods=["GET", "POST"])
def new():
    """Add a client."""
    form = ClientForm()
    status = 422
    if form.validate_on_submit():
        try:
            client = service.create_client(form.client_data())
        except DomainError as error:
            apply_domain_error(form, error)
            status = error.status
        else:
            flash(f"{client.name} added.", "success")
            return redirect(url_for(".detail", client_id=client.id))
    return _form_page(form, None, status)


@bp.route("/<int:client_id>/edit", methods=["GET", "POST"])
def edit(client_id: int):
    """Edit a client's profile."""
    client = db.get_or_404(Client, client_id)
    form = ClientForm.for_client(client)
    status = 422
    if form.validate_on_submit():
        try:
            service.update_client(client, form.client_data())
        except DomainError as error:
            apply_domain_error(form, error)
            status = error.status
        else:
            flash("Changes saved.", "success")
            return redirect(url_for(".detail", client_id=client.id))
    return _form_page(form, client, status)


def _form_page(form: ClientForm, client: Client | None, status: int):
    status = status if form.errors else 200
    return render_template("clients/form.html", form=form, client=client), status


@bp.get("/<int:client_id>")
def detail(client_id: int):
    """A client's profile and the partners in its program."""
    client = db.get_or_404(Client, client_id)
    return _detail_page(client, MemberForm(formdata=None))


def _detail_page(client: Client, member_form: MemberForm, status: int = 200):
    partner_q = request.args.get("partner_q", "").strip()
    options = _partner_options(partner_q)
    picked_id = member_form.partner_id.data
    picked = db.session.get(Partner, picked_id) if picked_id else None
    if picked is not None and picked not in options:  # keep a refused choice visible
        options.insert(0, picked)
    return render_template(
        "clients/detail.html",
        client=client,
        members=_members_page(client, parse_page(request.args.get("page"))),
        member_form=member_form,
        partner_q=partner_q,
        partner_options=options,
        statuses=MEMBERSHIP_STATUSES,
        stages=STAGES,
        open_add=bool(partner_q) or bool(member_form.errors),
    ), status


@bp.get("/<int:client_id>/partner-options")
def partner_options(client_id: int):
    """The picker's <option>s for a search (htmx)."""
    db.get_or_404(Client, client_id)
    partner_q = request.args.get("partner_q", "").strip()
    return render_template(
        "clients/_partner_options.html", partner_options=_partner_options(partner_q),
        partner_q=partner_q, selected=None,
    )


@bp.post("/<int:client_id>/members")
def add_member(client_id: int):
    """Put a partner into this client's program."""
    client = db.get_or_404(Client, client_id)
    form = MemberForm()
    status = 422
    if form.validate():
        partner = db.session.get(Partner, form.partner_id.data)
        if partner is None:
            form.partner_id.errors.append("No partner with this id.")
        else:
            try:
                service.add_member(
                    client, partner, _actor(), form.status.data,
                    form.commission_terms.data or "", form.started_on.data,
                )
            except DomainError as error:
                apply_domain_error(form, error)
                status = error.status
            else:
                flash(f"{partner.name} added to the program.", "success")
                return redirect(url_for(".detail", client_id=client.id))
    return _detail_page(client, form, status)


@bp.post("/<int:client_id>/members/<int:membership_id>/status")
def set_member_status(client_id: int, membership_id: int):
    """Approve, pause, decline or end a membership."""
    membership = db.get_or_404(Membership, membership_id)
    if membership.client_id != client_id:
        abort(404)
    form = MembershipStatusForm()
    if form.validate():
        try:
            service.set_membership_status(membership, form.status.data, _actor())
        except DomainError as error:
            flash(f"Status not changed: {error.message}", "error")
        else:
            flash(f"{membership.partner.name} is now {membership.status}.", "success")
    else:
        flash("Status not changed: pick one of the listed statuses.", "error")
    return redirect(url_for(".detail", client_id=client_id, page=request.args.get("page")))
