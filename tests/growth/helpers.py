"""Small arrangements for growth tests: a partner in a client's program."""

from __future__ import annotations

from typing import Any

from crm.models import Membership
from tests.factories import make_client, make_membership, make_partner


def member(terms: str = "8% CPS", status: str = "approved", levers: list[str] | None = None,
           currency: str = "USD", **client_fields: Any) -> Membership:
    """A partner in Summit & Pine's program with these terms."""
    client = make_client(name=client_fields.pop("name", "Summit & Pine"),
                         growth_levers=levers or [], currency=currency, **client_fields)
    partner = make_partner(name="Jamie Rivera")
    return make_membership(partner, client, status=status, commission_terms=terms)
