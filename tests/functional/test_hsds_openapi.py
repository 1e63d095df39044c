"""The HSDS 3.0 API in /api/openapi.json beside /api/v1, and the API docs saying which to use."""

import schemathesis

from resdir.api.openapi import RULE_ARGUMENT


def test_the_document_validates_and_lists_every_hsds_route(seed_app, client):
    doc = client.get("/api/openapi.json").get_json()
    schemathesis.openapi.from_dict(doc).validate()  # against the OpenAPI 3.1 meta-schema
    routes = {
        RULE_ARGUMENT.sub(r"{\1}", rule.rule)
        for rule in seed_app.url_map.iter_rules()
        if rule.rule.startswith("/hsds") and "GET" in rule.methods
    }
    assert len(routes) == 11
    assert {p for p in doc["paths"] if p.startswith("/hsds")} == routes
    services = doc["paths"]["/hsds/services"]["get"]
    query = {p["name"] for p in services["parameters"]}
    assert {"page", "per_page", "modified_after", "full", "search", "taxonomy_term_id"} <= query
    assert services["responses"]["200"]["content"]["application/json"]["schema"]["allOf"][0] == {
        "$ref": "#/components/schemas/HsdsPage"
    }
    service = doc["components"]["schemas"]["HsdsService"]
    assert service["externalDocs"]["url"].endswith("/schema/compiled/service.json")
    assert "404" in doc["paths"]["/hsds/services/{service_id}"]["get"]["responses"]


def test_the_docs_page_says_which_api_to_use_when(client):
    page = client.get("/api/docs").get_data(as_text=True)
    assert "GET /hsds/services" in page and "GET /api/v1/search" in page
    which = page.split("<h2>Which API to use</h2>", 1)[1].split("<h2>", 1)[0]
    assert "to match a person" in which and "to exchange directory data" in which
