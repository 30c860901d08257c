"""``/api/v1/openapi.json`` describes every public API route, and nothing it describes
answers a hostile value with a server error."""

from __future__ import annotations

import re

import pytest

from tests.conftest import SHOP

HOSTILE = ["", " ", "x" * 6000, "☃" * 300, "\x00", "-1", "1e309", "[]", "{}", "null", "%", "../"]


def documented(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def api_routes(app) -> set[tuple[str, str]]:
    """(OpenAPI path, method) of every route under /api/v1."""
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routes.add((path, method.lower()))
    return routes


def test_every_public_api_route_is_in_the_openapi_document(api, widget_app):
    doc = documented(api)
    assert doc["openapi"].startswith("3.1")
    described = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    missing = api_routes(widget_app) - described
    assert not missing, f"add these routes to portal/api/openapi.py: {sorted(missing)}"
    stale = described - api_routes(widget_app)
    assert not stale, f"the document describes routes that do not exist: {sorted(stale)}"


def test_every_reference_in_the_document_resolves(api):
    doc = documented(api)
    text = str(doc)
    for name in re.findall(r"#/components/schemas/(\w+)", text):
        assert name in doc["components"]["schemas"], name
    for ops in doc["paths"].values():
        for op in ops.values():
            assert op["operationId"] and op["responses"]


def operations(doc):
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            yield path, method, op


def test_no_documented_operation_answers_hostile_values_with_a_server_error(api):
    doc = documented(api)
    for path, method, op in operations(doc):
        if path.endswith("/inbound/email"):
            continue  # needs the provider's secret: tested in test_mail_inbound_webhook
        for value in HOSTILE:
            safe = value.replace("/", "%2F") or "x"
            url = path.replace("{article_id}", safe).replace("{token}", safe)
            params = {p["name"]: value for p in op.get("parameters", []) if p["in"] == "query"}
            headers = {
                p["name"]: value.encode("ascii", "replace").decode()[:200]
                for p in op.get("parameters", [])
                if p["in"] == "header" and "\x00" not in value
            }
            if method == "get":
                response = api.get(url, query_string=params, headers=headers)
            else:
                schema_name = op["requestBody"]["content"]["application/json"]["schema"]
                props = doc["components"]["schemas"][schema_name["$ref"].split("/")[-1]]
                for body in (
                    {name: value for name in props["properties"]},
                    {name: [value] for name in props["properties"]},
                    {name: {"x": value} for name in props["properties"]},
                    value,
                ):
                    response = api.post(url, json=body, headers=headers)
                    assert response.status_code < 500, (path, body, response.data[:300])
                continue
            assert response.status_code < 500, (path, value, response.data[:300])


def test_the_readme_links_the_document():
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    assert "/api/v1/openapi.json" in readme


@pytest.mark.parametrize("origin", [SHOP, None])
def test_the_document_itself_is_readable_from_a_listed_origin(api, origin):
    headers = {"Origin": origin} if origin else {}
    response = api.get("/api/v1/openapi.json", headers=headers)
    assert response.headers.get("Access-Control-Allow-Origin") == origin
