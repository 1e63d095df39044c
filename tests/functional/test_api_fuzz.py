"""Fuzz the JSON API from its own OpenAPI document: no 5xx, and every response fits its schema."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from resdir import create_app, store

MAX_EXAMPLES = 25  # generated per operation; the coverage phase adds its fixed boundary cases
# Repeatable runs: the same cases every time, no example database, no deadline on a busy machine.
FUZZ = settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

# The document needs no data: an app on a database it never opens serves it at collection time.
# (schemathesis.pytest.from_fixture, which would load it from the seeded app, fails on pytest 9.)
schema = schemathesis.openapi.from_wsgi(
    "/api/openapi.json", create_app({"DATABASE": "sqlite://", "TESTING": True})
)


@pytest.fixture(autouse=True)
def _no_rate_limit(seed_app):
    """Switch the API's rate limit off: this module sends hundreds of requests from one address
    on purpose (tests/functional/test_api_limits.py tests the limit)."""
    seed_app.config["API_RATE_LIMIT"] = "off"


@schema.parametrize()
@FUZZ
def test_no_server_error_and_every_response_fits_its_schema(case, seed_app):
    case.call_and_validate(app=seed_app, checks=CHECKS)


def test_every_published_listing_fits_the_document(seed_app):
    with seed_app.app_context(), store.session() as session:
        ids = session.scalars(
            select(store.Listing.id).where(store.Listing.status == "published")
        ).all()
    assert len(ids) == 353
    operation = schema["/api/v1/listings/{listing_id}"]["GET"]
    for listing in ids:
        case = operation.Case(path_parameters={"listing_id": listing})
        assert case.call_and_validate(app=seed_app, checks=CHECKS).status_code == 200


@pytest.mark.parametrize(
    "profile",
    [
        # Every need, a whole page: online meetings, area-wide services, organizations or none.
        {"location": {"postal_code": "94401"}, "limit": 100},
        # Beds with their counts, opening hours in a window.
        {
            "location": {"lat": 37.7599, "lon": -122.4148},
            "needs": ["housing"],
            "barriers": {"on_moud": "prefer", "low_income": "require"},
            "when": {"from": "2026-12-01T17:00:00-08:00", "to": "2026-12-02T09:00:00-08:00"},
        },
        # Tonight's meetings for a Spanish speaker without a car, by text.
        {
            "location": {"postal_code": "94110"},
            "needs": ["sober_social.meeting", "childcare.during_meetings"],
            "barriers": ["no_vehicle", "limited_english", "needs_childcare"],
            "languages": ["es"],
            "values": {"in_person": "prefer", "online": "avoid"},
            "travel": {"mode": "walk", "max_km": 5},
            "q": "grupo",
        },
    ],
)
def test_real_matches_fit_the_document(seed_app, profile):
    case = schema["/api/v1/match"]["POST"].Case(body=profile, media_type="application/json")
    response = case.call_and_validate(app=seed_app, checks=CHECKS)
    assert response.status_code == 200 and response.json()["results"]
