"""Duplicate resolution across sources: same kind, same place, same name, same meeting times."""

from datetime import UTC, datetime

import pytest

from ingest.resolve import normalize_name, place_key, resolve
from resdir import listings, store

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def test_names_and_street_addresses_are_compared_in_a_normal_form():
    assert normalize_name("Economic Self - Sufficiency Program.") == normalize_name(
        "Economic Self-Sufficiency Program"
    )
    assert normalize_name("Food & Shelter") == "food and shelter"
    assert place_key({"street": "1044 Middlefield Road, 2nd Floor", "postal_code": "94063"}) == (
        "1044",
        "middlefield",
        "94063",
    )
    assert place_key({"street": "19 West 39th Avenue", "postal_code": "94403-1234"}) == (
        "19",
        "39th",
        "94403",
    )
    assert place_key({"street": "Sneath Ln", "postal_code": "94066"}) is None


@pytest.fixture
def stored(app, make_listing):
    """Store one listing from source "a"; return a session factory and the factory."""

    def put(**overrides):
        doc = make_listing(source="a", key="one", **overrides)
        with app.app_context(), store.session() as session:
            session.add(store.Source(id="a"))
            session.flush()
            listings.save(session, [doc], "test", NOW)
            session.add(
                store.ListingSource(
                    source_id="a",
                    record_key="one",
                    listing_id=doc["id"],
                    document=doc,
                    content_hash="x",
                    present=True,
                )
            )
            session.commit()
        return doc

    return put


def _resolve(app, docs):
    with app.app_context(), store.session() as session:
        return resolve(session, "b", docs)


def test_the_same_service_at_the_same_street_joins_the_listing(app, stored, make_listing):
    first = stored(location=None, geocode_precision=None)
    twin = make_listing(source="b", key="x", name="Mission Recovery Center.", location=None)
    other = make_listing(source="b", key="y", name="Mission Food Pantry", location=None)
    assert _resolve(app, [twin, other]) == {"x": first["id"], "y": other["id"]}


def test_a_service_named_after_the_other_records_place_joins_it(app, stored, make_listing):
    first = stored(name="Redwood City Free Medical Clinic")
    project = make_listing(
        source="b", key="x", name="Project Smile", location_name="Redwood City Free Medical Clinic"
    )
    assert _resolve(app, [project]) == {"x": first["id"]}


def test_two_services_sharing_only_a_building_name_stay_apart(app, stored, make_listing):
    first = stored(name="Castro Gratitude", location_name="Collingwood Fellowship Room")
    other = make_listing(
        source="b",
        key="x",
        name="Adult Children Focus",
        location_name="Collingwood Fellowship Room",
    )
    assert _resolve(app, [other]) == {"x": other["id"]}
    assert first["id"] != other["id"]


def test_nearby_points_count_only_when_precise(app, stored, make_listing):
    first = stored(address=None)
    near = make_listing(
        source="b", key="x", address=None, location={"lat": 37.7620, "lon": -122.4195}
    )  # ~60 m away
    assert _resolve(app, [near]) == {"x": first["id"]}
    centroid = near | {"id": "c", "source_id": "c", "geocode_precision": "postal_code"}
    assert _resolve(app, [centroid]) == {"c": "c"}


def test_meetings_must_also_meet_at_the_same_times(app, stored, make_listing):
    stored(kind="meeting")
    other_day = make_listing(
        source="b",
        key="x",
        kind="meeting",
        schedule={
            "intervals": [{"day": 3, "opens": "09:00", "closes": "17:00"}],
            "text": None,
            "by_appointment": False,
        },
    )
    assert _resolve(app, [other_day]) == {"x": other_day["id"]}


def test_a_listing_takes_one_record_per_source(app, stored, make_listing):
    first = stored()
    twin_a = make_listing(source="b", key="x")
    twin_b = make_listing(source="b", key="y")
    assert _resolve(app, [twin_a, twin_b]) == {"x": first["id"], "y": twin_b["id"]}
