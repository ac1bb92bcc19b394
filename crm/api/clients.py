"""/api/v1/clients: merchant brands, their profiles and the partners in their programs."""

from __future__ import annotations

from flask import url_for
from flask.views import MethodView
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from crm.api.blueprint import ApiBlueprint, api_user
from crm.api.pagination import id_cursor, keyset_page
from crm.api.schemas import (
    ClientCreateSchema,
    ClientDetailSchema,
    ClientPageSchema,
    ClientSchema,
    ClientUpdateSchema,
    MemberCreateSchema,
    MembershipSchema,
    PageArgsSchema,
)
from crm.clients.service import add_member, create_client, update_client
from crm.errors import InvalidInput, NotFound
from crm.extensions import db
from crm.models import Client, Membership, Partner

blp = ApiBlueprint(
    "api_clients", __name__, url_prefix="/api/v1/clients",
    description="Clients (merchant brands) and the partners in their programs.",
)


def load_client(client_id: int) -> Client:
    """The client with this id and its members, or NotFound (404)."""
    members = selectinload(Client.memberships).selectinload(Membership.partner)
    client = db.session.get(Client, client_id, options=[members])
    if client is None:
        raise NotFound(f"There is no client #{client_id}.")
    return client


def clients_after(after_id: int | None) -> Select[tuple[Client]]:
    """Clients in id order after the given one (a keyset page)."""
    query = select(Client).order_by(Client.id)
    return query if after_id is None else query.where(Client.id > after_id)


@blp.route("", endpoint="clients")
class Clients(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, ClientPageSchema)
    def get(self, args: dict):
        """List clients in id order, one page at a time."""
        query = clients_after(args.get("cursor"))
        return keyset_page(query, args["limit"], lambda client: id_cursor(client.id))

    @blp.arguments(ClientCreateSchema)
    @blp.response(201, ClientSchema)
    @blp.alt_response(409, response="CONFLICT")
    def post(self, data: dict):
        """Add a client; a name already in use is a 409."""
        client = create_client(data)
        return client, 201, {"Location": url_for(".client", client_id=client.id, _external=True)}


@blp.route("/<int:client_id>", endpoint="client")
class ClientById(MethodView):
    @blp.response(200, ClientDetailSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, client_id: int):
        """One client with the partners in its program."""
        return load_client(client_id)

    @blp.arguments(ClientUpdateSchema)
    @blp.response(200, ClientDetailSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    def patch(self, data: dict, client_id: int):
        """Change the given profile fields."""
        return update_client(load_client(client_id), data)


@blp.route("/<int:client_id>/members", endpoint="members", methods=["POST"])
@blp.arguments(MemberCreateSchema)
@blp.response(201, MembershipSchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT")
def add_client_member(data: dict, client_id: int):
    """Put a partner into the client's program; recorded on the partner's timeline."""
    client = load_client(client_id)
    partner_id = data.pop("partner_id")
    partner = db.session.get(Partner, partner_id)
    if partner is None:
        raise InvalidInput("Unknown partner.", {"partner_id": f"there is no partner #{partner_id}"})
    return add_member(client, partner, api_user(), **data), 201
