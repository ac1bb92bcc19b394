"""Schema fuzzing of /api/v1: every operation in openapi.json answers generated requests with
no server error and with a response the document describes.

Schemathesis reads the app's own document (so a resource added later is fuzzed without
editing this file), generates valid and invalid requests for each operation, sends them
through the WSGI app with a bearer token, and checks each answer. The run is bounded and
deterministic: a fixed number of examples per operation and kind, derandomized. It runs on
PostgreSQL, which refuses what SQLite lets through (32-bit ids, NUL in text); set
FUZZ_EXAMPLES for a deeper run by hand.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import APIOperation, BaseSchema, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from crm.admin.organisation import update_postal_address
from crm.extensions import db
from crm.models import Partner
from tests.dashboard.helpers import flag

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES_PER_OPERATION = int(os.environ.get("FUZZ_EXAMPLES", "20"))
# Rows the seed makes have small ids; most generated ids are pointed at them so reads and
# changes of real rows are fuzzed as well as missing ones.
REAL_IDS = 3


@pytest.fixture
def seeded_api(api, manager) -> Iterator[None]:
    """A little of everything, made through the API itself: rows with ids 1, 2 …"""

    def made(url: str, body: dict) -> dict:
        response = api.post(url, json=body)
        assert response.status_code == 201, (url, response.get_json())
        return response.get_json()

    client = made("/api/v1/clients", {"name": "Forkful"})
    partner = made("/api/v1/partners", {
        "name": "Lena Park", "email": "lena@dishes.example.com", "stage": "onboarding"})
    other = made("/api/v1/partners", {"name": "Sam Ortiz", "email": "sam@ortiz.com"})
    membership = made(f"/api/v1/clients/{client['id']}/members",
                      {"partner_id": partner["id"], "status": "approved"})
    made(f"/api/v1/partners/{partner['id']}/interactions",
         {"kind": "call", "summary": "Intro call"})
    made("/api/v1/sequences", {"client_id": client["id"]})
    # The approved membership enrolled the first partner already.
    made(f"/api/v1/partners/{other['id']}/enrollments", {})
    made(f"/api/v1/partners/{partner['id']}/meetings", {"starts_at": "2026-03-17T16:00:00+01:00"})
    growth = f"/api/v1/memberships/{membership['id']}"
    made(f"{growth}/placements", {"kind": "newsletter", "starts_on": "2026-03-01",
                                  "ends_on": "2026-03-31", "fee_cents": 25_000})
    made(f"{growth}/promotions", {"code": "SPRING", "starts_on": "2026-03-01"})
    made(f"{growth}/commission-changes", {"new_terms": "10% CPS", "effective_on": "2026-03-01"})
    made("/api/v1/performance", {"client_id": client["id"], "rows": [
        {"date": date(2026, 3, 9).isoformat(), "partner_id": partner["id"], "clicks": 120,
         "conversions": 3, "revenue": "240.00", "commission": "24.00"}]})
    # A recruitment campaign with a step and an enrolled prospect (it needs the postal address).
    update_postal_address("Forkful Partnerships\n1 Example Street", None)
    campaign = made("/api/v1/campaigns", {"name": "Spring", "client_id": client["id"]})
    made(f"/api/v1/campaigns/{campaign['id']}/steps", {
        "subject": "Hello {{ partner.first_name }}", "html_body": "<p>Join us?</p>"})
    prospect = made("/api/v1/partners", {"name": "Ana Diaz", "email": "ana@diaz.example.com"})
    enrolled = api.post(f"/api/v1/campaigns/{campaign['id']}/enrollments",
                        json={"partner_ids": [prospect["id"]]})
    assert enrolled.status_code == 200 and enrolled.get_json()["enrolled"] == 1
    flag(db.session.get_one(Partner, partner["id"]))
    db.session.remove()
    yield


@pytest.fixture
def api_schema(app, api_token, seeded_api) -> BaseSchema:
    """The app's own OpenAPI document, loaded through the WSGI app like any client would."""
    return schemathesis.openapi.from_wsgi(
        "/api/v1/openapi.json", app, headers={"Authorization": f"Bearer {api_token}"}
    )


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
                         ids=["valid", "invalid"])
def test_every_operation_answers_generated_requests_as_documented(api_schema, api_token, mode):
    # schemathesis' own pytest integration reaches into pytest internals that pytest 9.2
    # changed, so each operation is driven here with its Hypothesis strategies. Two test
    # items (valid and invalid requests) so parallel workers can share the run.
    headers = {"Authorization": f"Bearer {api_token}"}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 50  # the whole document, not a subset

    problems = [problem for operation in operations
                for problem in _fuzz(operation, mode, headers)]

    assert not problems, "\n\n".join(problems)


def _fuzz(operation: APIOperation, mode: GenerationMode, headers: dict[str, str]) -> list[str]:
    """What went wrong sending one operation generated requests of one kind (none: [])."""

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES_PER_OPERATION, derandomize=True, deadline=None,
              database=None, suppress_health_check=list(HealthCheck))
    def send(case: schemathesis.Case) -> None:
        _point_ids_at_real_rows(case)
        try:
            case.call_and_validate(headers=headers, checks=CHECKS)
        finally:
            # Each request starts clean, as in its own process: no failed transaction or
            # stale identity map carried over from the one before.
            db.session.remove()

    try:
        send()
    except Exception as error:  # Hypothesis re-raises the smallest failing example
        return [f"{operation.label} ({mode.value}):\n{error}"]
    return []


def _point_ids_at_real_rows(case: schemathesis.Case) -> None:
    """Most generated integer ids become 1 … REAL_IDS; one in REAL_IDS + 1 stays as generated."""
    for name, value in (case.path_parameters or {}).items():
        if isinstance(value, int) and not isinstance(value, bool) and value % (REAL_IDS + 1):
            case.path_parameters[name] = value % (REAL_IDS + 1)
