"""Fixtures shared by every test: the real public datasets beside the repository."""

import os
import uuid
from pathlib import Path

import pytest

from resdir.config import MAX_BUDGET_SECONDS
from tests.clock import NOW

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("RESDIR_SHARED_DATA", REPO.parent / "shared" / "data"))
# `make test` starts a node and names it here; CI sets RESDIR_REQUIRE_ELASTICSEARCH=1 so that a
# missing node fails the Elasticsearch tests rather than skipping them.
ELASTICSEARCH_URL = os.environ.get("RESDIR_TEST_ELASTICSEARCH_URL", "")
REQUIRE_ELASTICSEARCH = os.environ.get("RESDIR_REQUIRE_ELASTICSEARCH") == "1"
# Every app the tests make, in this process or a server it starts, runs on a stopped clock
# (resdir.clock): no answer may depend on the day the suite runs. A test needing another instant
# passes its own NOW in the app's config.
os.environ["RESDIR_NOW"] = NOW.isoformat()
# No test asks a public tile server for tiles (the default, OpenStreetMap's): a test of the map
# serves its own on 127.0.0.1 and names it in RESDIR_TILE_URL.
os.environ["RESDIR_TILE_URL"] = ""


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Return ../shared/data, or skip the test with a clear message where it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real datasets not found at {SHARED_DATA} (set RESDIR_SHARED_DATA)")
    return SHARED_DATA


def _no_elasticsearch(reason: str):
    message = f"no Elasticsearch node: {reason} (make test starts one, with Java 17+)"
    if REQUIRE_ELASTICSEARCH:
        pytest.fail(message + "; RESDIR_REQUIRE_ELASTICSEARCH=1 makes this a failure")
    pytest.skip(message)


@pytest.fixture(scope="session")
def elasticsearch_url() -> str:
    """Return the test node's URL once it is healthy, or skip (fail in CI) without one."""
    from elasticsearch import Elasticsearch
    from elasticsearch import TransportError as Unreachable

    if not ELASTICSEARCH_URL:
        _no_elasticsearch("RESDIR_TEST_ELASTICSEARCH_URL is not set")
    try:
        with Elasticsearch(ELASTICSEARCH_URL) as es:
            es.cluster.health(wait_for_status="yellow", timeout="30s")
    except Unreachable as exc:
        _no_elasticsearch(f"{ELASTICSEARCH_URL} does not answer ({exc})")
    return ELASTICSEARCH_URL


@pytest.fixture(scope="session")
def elasticsearch_prefix(elasticsearch_url):
    """Return a name prefix for this run's indexes, and delete them all at the end."""
    from elasticsearch import Elasticsearch

    prefix = f"resdir-test-{uuid.uuid4().hex[:8]}"
    yield prefix
    with Elasticsearch(elasticsearch_url) as es:
        for index in es.indices.get(index=f"{prefix}*", allow_no_indices=True):
            es.indices.delete(index=index)


@pytest.fixture
def use_elasticsearch(elasticsearch_url, elasticsearch_prefix):
    """Return a function pointing an app at the test node, under an alias of its own."""

    def use(app, name: str) -> None:
        app.config["SEARCH"] = "elasticsearch"
        app.config["ELASTICSEARCH_URL"] = elasticsearch_url
        app.config["ELASTICSEARCH_INDEX"] = f"{elasticsearch_prefix}-{name}"
        # The tests using this ask what the cluster answers, not whether it answers in time
        # (tests/functional/test_elasticsearch_stalled.py does): a busy CI machine gets the
        # longest budget the configuration allows rather than a fallback now and then.
        app.config["ELASTICSEARCH_BUDGET_SECONDS"] = MAX_BUDGET_SECONDS

    return use


@pytest.fixture
def make_listing():
    """Return a factory of valid canonical listing documents: make_listing(name=..., ...)."""
    from resdir.listings import listing_id

    def make(source="test", key="rec-1", **overrides) -> dict:
        doc = {
            "id": listing_id(source, key),
            "source": source,
            "source_id": key,
            "source_keys": {},
            "sources": [{"source": source, "source_id": key}],
            "kind": "service",
            "organization": None,
            "name": "Mission Recovery Center",
            "alternate_name": None,
            "description": None,
            "status": "published",
            "temporarily_closed": False,
            "category": "sober_social",
            "subcategories": ["recovery_center"],
            "taxonomy": [],
            "narr_level": None,
            "location_name": None,
            "address": {
                "street": "2200 Mission Street",
                "city": "San Francisco",
                "region": "CA",
                "postal_code": "94110",
                "country": "US",
            },
            "location": {"lat": 37.7615, "lon": -122.4190},
            "geocode_precision": "source",
            "approximate_location": False,
            "confidential_location": False,
            "timezone": "America/Los_Angeles",
            "service_area": None,
            "online": None,
            "schedule": {
                "intervals": [{"day": 0, "opens": "09:00", "closes": "17:00"}],
                "text": None,
                "by_appointment": False,
            },
            "phones": [
                {"number": "+14155550142", "extension": None, "type": "voice", "description": None}
            ],
            "url": None,
            "email": None,
            "next_steps": None,
            "transportation": None,
            "cost": {
                "kind": "free",
                "amount": None,
                "currency": None,
                "period": None,
                "text": "Free",
            },
            "eligibility": {
                "genders": [],
                "min_age": None,
                "max_age": None,
                "text": None,
                "required_documents": [],
            },
            "languages": ["en"],
            "attributes": {},
            "capacity": None,
            "last_verified_at": "2026-10-01T00:00:00+00:00",
            "verified_by": "source",
            "updated_at": None,
            "provenance": {},
        }
        return doc | overrides

    return make


@pytest.fixture
def app(tmp_path):
    """Return an app on a fresh SQLite file with its tables created."""
    from resdir import create_app, store

    app = create_app({"DATABASE": str(tmp_path / "resdir.sqlite3"), "TESTING": True})
    with app.app_context():
        store.init_db()
    return app
