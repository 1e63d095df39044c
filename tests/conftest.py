"""Fixtures shared by every test: the real public datasets beside the repository."""

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("RESDIR_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Return ../shared/data, or skip the test with a clear message where it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real datasets not found at {SHARED_DATA} (set RESDIR_SHARED_DATA)")
    return SHARED_DATA


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
