"""The OpenAPI document is generated from the schemas that validate requests."""

import pytest

from crm.partners.fields import EDITABLE

PATHS = {
    "/api/v1/partners": {"get", "post"},
    "/api/v1/partners/{partner_id}": {"get", "patch"},
    "/api/v1/partners/{partner_id}/interactions": {"get", "post"},
    "/api/v1/partners/{partner_id}/timeline": {"get"},
    "/api/v1/clients": {"get", "post"},
    "/api/v1/clients/{client_id}": {"get", "patch"},
    "/api/v1/clients/{client_id}/members": {"post"},
}


@pytest.fixture
def spec(api) -> dict:
    response = api.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def test_openapi_needs_the_token(client):
    assert client.get("/api/v1/openapi.json").status_code == 401


def test_spec_is_openapi_31_with_every_path_and_method(spec):
    assert spec["openapi"] == "3.1.0"
    assert spec["info"]["title"] == "Rapport"
    for path, methods in PATHS.items():
        assert methods <= set(spec["paths"].get(path, {})), path


def test_spec_declares_bearer_auth_for_everything(spec):
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "description": "An API token"
    }
    assert spec["security"] == [{"bearerAuth": []}]


def test_spec_has_the_schemas_and_our_error_shape(spec):
    schemas = spec["components"]["schemas"]
    for name in ("Partner", "PartnerCreate", "PartnerUpdate", "PartnerPage", "Interaction",
                 "InteractionCreate", "Client", "ClientCreate", "Membership", "ApiError"):
        assert name in schemas, name
    assert set(schemas["ApiErrorDetail"]["properties"]) == {"code", "message", "fields"}


def test_partner_create_request_lists_the_editable_fields(spec):
    body = spec["paths"]["/api/v1/partners"]["post"]["requestBody"]
    ref = body["content"]["application/json"]["schema"]["$ref"]
    schema = spec["components"]["schemas"][ref.rsplit("/", 1)[1]]

    assert set(schema["properties"]) == set(EDITABLE)
    assert schema["required"] == ["name"]
    assert schema["additionalProperties"] is False
    assert schema["properties"]["stage"]["enum"][0] == "prospect"


def test_interaction_create_documents_occurred_at_as_date_time(spec):
    schema = spec["components"]["schemas"]["InteractionCreate"]

    assert schema["properties"]["occurred_at"]["format"] == "date-time"
    assert set(schema["required"]) == {"kind", "summary"}


def test_list_documents_filters_and_paging_as_query_parameters(spec):
    parameters = spec["paths"]["/api/v1/partners"]["get"]["parameters"]

    assert {p["name"] for p in parameters} == {
        "q", "stage", "owner_id", "client_id", "source", "tag", "limit", "cursor"
    }
    assert all(p["in"] == "query" for p in parameters)


def _refs(node) -> list[str]:
    if isinstance(node, dict):
        return [node["$ref"]] if "$ref" in node else [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for item in node for r in _refs(item)]
    return []


def test_every_reference_resolves_and_every_operation_documents_success(spec):
    for ref in _refs(spec):
        section, name = ref.removeprefix("#/components/").split("/")
        assert name in spec["components"][section], ref
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":  # path parameters shared by the operations
                continue
            assert operation["summary"], (method, path)
            assert any(code.startswith("2") for code in operation["responses"]), (method, path)
