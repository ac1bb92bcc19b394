"""Finding the membership a row is about: its client, then the partner in that program.

Each program's members are read once per import and indexed by every identity a network
export may use (Rapport id, email, website domain, name or company), so matching 100,000
rows costs one query per client, not one per row.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy import func, or_, select

from crm.extensions import db
from crm.ids import parse_id
from crm.models import Client, Membership, Partner
from crm.partners.identity import InvalidEmail, InvalidWebsite, normalize_email, normalize_website


@dataclass(frozen=True)
class Member:
    """One partner in one program, as an import needs it."""

    membership_id: int
    partner_id: int
    partner_name: str


@dataclass(frozen=True)
class Identity:
    """How a row names its partner: kind is id, email, website or name; key is normalised."""

    kind: str
    key: str
    text: str


@dataclass
class Program:
    """A client's program and its members under each identity."""

    client_id: int
    name: str
    currency: str
    members: dict[tuple[str, str], list[Member]] = field(default_factory=lambda: defaultdict(list))


class IdentityError(ValueError):
    """The partner cell cannot name anyone (a bad email, a bad id)."""


@lru_cache(maxsize=65536)
def _email_key(text: str) -> str:
    try:
        return normalize_email(text)[1]
    except InvalidEmail as error:
        raise IdentityError(f"{text!r} is not an email address ({error})") from None


@lru_cache(maxsize=65536)
def _website_key(text: str) -> str:
    try:
        key = normalize_website(text)[1]
    except InvalidWebsite as error:
        raise IdentityError(f"{text!r} is not a website ({error})") from None
    if key is None:
        raise IdentityError(f"{text!r} names a platform, not one partner's page")
    return key


def identity_of(raw: dict[str, str]) -> Identity:
    """The first identity the row gives: partner id, email, website, then the partner cell."""
    if raw.get("partner_id"):
        return _id_identity(raw["partner_id"])
    if raw.get("email"):
        return Identity("email", _email_key(raw["email"]), raw["email"])
    if raw.get("website"):
        return Identity("website", _website_key(raw["website"]), raw["website"])
    text = raw.get("partner", "")
    if not text:
        raise IdentityError("is missing: give the partner's email, website or partner id")
    if text.isdigit():
        return _id_identity(text)
    if "@" in text:
        return Identity("email", _email_key(text), text)
    if "." in text and " " not in text:
        return Identity("website", _website_key(text), text)
    return Identity("name", text.casefold(), text)


def _id_identity(text: str) -> Identity:
    if not text.isdigit():
        raise IdentityError(f"{text!r} is not a partner id (a whole number)")
    return Identity("id", str(int(text)), text)


class Programs:
    """Clients by name and their programs' members, loaded on first use."""

    def __init__(self) -> None:
        self._clients: dict[str, Client] | None = None
        self._programs: dict[int, Program] = {}

    def client_named(self, text: str) -> Program:
        """The program of the client with this name (any case) or id; ValueError if none."""
        if self._clients is None:
            clients = db.session.scalars(select(Client)).all()
            self._clients = {c.name.casefold(): c for c in clients}
            self._clients.update({str(c.id): c for c in clients})
        client = self._clients.get(text.strip().casefold())
        if client is None:
            raise ValueError(f"there is no client called {text.strip()!r}")
        return self.program(client)

    def program(self, client: Client) -> Program:
        """A client's program with its members indexed."""
        if client.id not in self._programs:
            self._programs[client.id] = _load_program(client)
        return self._programs[client.id]

    def member(self, program: Program, identity: Identity) -> Member:
        """The one member the identity names; ValueError saying who is missing or ambiguous."""
        found = program.members.get((identity.kind, identity.key), [])
        if len(found) == 1:
            return found[0]
        if found:
            names = ", ".join(sorted(m.partner_name for m in found)[:3])
            raise ValueError(f"{identity.text!r} matches {len(found)} partners in "
                             f"{program.name}'s program ({names}); use their email or "
                             "partner id")
        raise NotAMember(program, identity)


class NotAMember(ValueError):
    """The row's partner has no membership in the program; `message()` names them."""

    def __init__(self, program: Program, identity: Identity) -> None:
        super().__init__(identity.text)
        self.program = program
        self.identity = identity

    def message(self) -> str:
        """'Alice is not in Forkful's program', or that no partner has the identity."""
        name = _partner_name(self.identity)
        if name is None:
            what = {"id": "id", "email": "email", "website": "website", "name": "name"}
            return f"no partner has the {what[self.identity.kind]} {self.identity.text!r}"
        return f"{name} is not in {self.program.name}'s program"


def _load_program(client: Client) -> Program:
    program = Program(client.id, client.name, client.currency)
    rows = db.session.execute(
        select(Membership.id, Partner.id, Partner.name, Partner.company, Partner.email_key,
               Partner.website_domain)
        .join(Partner, Partner.id == Membership.partner_id)
        .where(Membership.client_id == client.id)
    )
    for membership_id, partner_id, name, company, email_key, domain in rows:
        member = Member(membership_id, partner_id, name)
        keys = {("id", str(partner_id)), ("name", name.casefold())}
        if company:
            keys.add(("name", company.casefold()))
        if email_key:
            keys.add(("email", email_key))
        if domain:
            keys.add(("website", domain))
        for key in keys:
            program.members[key].append(member)
    return program


def _partner_name(identity: Identity) -> str | None:
    column = {"email": Partner.email_key, "website": Partner.website_domain}.get(identity.kind)
    if identity.kind == "id":
        partner_id = parse_id(identity.key)
        if partner_id is None:
            return None  # beyond any id the database holds
        query = select(Partner.name).where(Partner.id == partner_id)
    elif identity.kind == "name":
        query = select(Partner.name).where(or_(func.lower(Partner.name) == identity.key,
                                               func.lower(Partner.company) == identity.key))
    else:
        query = select(Partner.name).where(column == identity.key)
    return db.session.scalars(query.limit(1)).first()
