"""Tiny factories: the fewest fields a valid row needs, the rest overridable."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

from flask.testing import FlaskClient

from crm import clock
from crm.auth.service import create_user
from crm.extensions import db
from crm.models import Client, Interaction, Membership, Partner, User
from crm.partners.identity import normalize_email, normalize_website, search_text

_counter = itertools.count(1)
PASSWORD = "correct horse battery"


def make_user(**fields: Any) -> User:
    number = next(_counter)
    values = {
        "email": f"user{number}@agency.example.com",
        "password": PASSWORD,
        "name": f"User {number}",
        "role": "manager",
        "timezone": "UTC",
    }
    values.update(fields)
    return create_user(**values)


def make_partner(**fields: Any) -> Partner:
    """Insert a partner directly (no timeline events), for arranging a test."""
    number = next(_counter)
    now = clock.now()
    email = fields.pop("email", f"partner{number}@publisher{number}.com")
    website = fields.pop("website", f"https://publisher{number}.com/blog")
    tags = fields.pop("tags", [])
    partner = Partner(
        name=fields.pop("name", f"Partner {number}"),
        created_at=now, updated_at=now, channels=[],
        **{"stage": "prospect", "source": "other", **fields},
    )
    if email:
        partner.email, partner.email_key = normalize_email(email)
    if website:
        partner.website, partner.website_domain = normalize_website(website)
    from crm.partners.service import set_tags

    set_tags(partner, tags)
    partner.search_text = search_text(
        partner.name, partner.email, partner.company, partner.website_domain, partner.website
    )
    db.session.add(partner)
    db.session.commit()
    return partner


def make_client(**fields: Any) -> Client:
    number = next(_counter)
    client = Client(name=fields.pop("name", f"Brand {number}"), created_at=clock.now(),
                    growth_levers=fields.pop("growth_levers", []), **fields)
    db.session.add(client)
    db.session.commit()
    return client


def make_membership(partner: Partner, client: Client, **fields: Any) -> Membership:
    membership = Membership(partner=partner, client=client, created_at=clock.now(), **fields)
    db.session.add(membership)
    db.session.commit()
    return membership


def make_interaction(partner: Partner, occurred_at: datetime | None = None,
                     **fields: Any) -> Interaction:
    now = clock.now()
    interaction = Interaction(
        partner_id=partner.id, kind=fields.pop("kind", "note"),
        summary=fields.pop("summary", "A note"), occurred_at=occurred_at or now,
        created_at=now, **fields,
    )
    db.session.add(interaction)
    db.session.commit()
    return interaction


class ApiClient:
    """The test client with a bearer token on every request."""

    def __init__(self, client: FlaskClient, token: str) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, url: str, **kwargs):
        return self.client.get(url, headers=self.headers, **kwargs)

    def post(self, url: str, json: Any = None, **kwargs):
        return self.client.post(url, json=json, headers=self.headers, **kwargs)

    def patch(self, url: str, json: Any = None, **kwargs):
        return self.client.patch(url, json=json, headers=self.headers, **kwargs)

    def delete(self, url: str, **kwargs):
        return self.client.delete(url, headers=self.headers, **kwargs)
