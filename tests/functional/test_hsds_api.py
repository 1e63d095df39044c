"""The HSDS 3.0 API under /hsds: every answer validates against the Open Referral compiled
schemas, for every listing of the demo directory and of a real 211 export of another region
(Baltimore's CHARMcare); paging, filters, search on both engines, concealment, stable ids."""

import json
import uuid
from datetime import timedelta
from functools import cache

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from sqlalchemy import select

from ingest.manifest import load_manifest
from resdir import create_app, hsds, listings, store
from tests.clock import NOW
from tests.conftest import SHARED_DATA
from tests.functional.test_agency_pages import copy_database
from tests.seed import SEED, load_seed, load_sources

SCHEMAS = SHARED_DATA.parent / "specs" / "hsds-3.0" / "schema"
BALTIMORE = "bchd-baltimore-charmcare-icarol"
PER_PAGE = 40  # small pages: paging is part of what is checked
BIG_PAGE = 250  # for a real export's thousands
# For a real export, lists that only nest again the full services checked already (CPU).
REPEATS = ("/hsds/organizations?full_service=true",)
LISTS = {
    "/hsds/services": "compiled/service_list.json",
    "/hsds/services?full=true": "compiled/service.json",
    "/hsds/service_at_locations": "compiled/service_at_location_list.json",
    "/hsds/service_at_locations?full=true": "compiled/service_at_location.json",
    "/hsds/organizations": "compiled/organization_list.json",
    "/hsds/organizations?full=true": "compiled/organization.json",
    "/hsds/organizations?full_service=true": "compiled/organization.json",
    "/hsds/taxonomies": "taxonomy.json",
    "/hsds/taxonomy_terms": "taxonomy_term.json",
}
ONE = {
    "/hsds/services/": "compiled/service.json",
    "/hsds/service_at_locations/": "compiled/service_at_location.json",
    "/hsds/organizations/": "compiled/organization.json",
    "/hsds/taxonomies/": "taxonomy.json",
    "/hsds/taxonomy_terms/": "taxonomy_term.json",
}


@cache
def validator(name: str) -> Draft202012Validator:
    if not SCHEMAS.is_dir():
        pytest.skip(f"HSDS schemas not found at {SCHEMAS} (set RESDIR_SHARED_DATA)")
    schema = json.loads((SCHEMAS / name).read_text("utf-8"))
    return Draft202012Validator(schema, format_checker=FormatChecker())


def invalid(items: list[dict], schema: str) -> list[str]:
    check = validator(schema)
    return [
        f"{item.get('id')} {list(e.absolute_path)}: {e.message}"
        for item in items
        for e in check.iter_errors(item)
    ]


def get(client, path: str) -> dict:
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    return response.get_json()


def every_page(client, path: str, per_page: int = PER_PAGE) -> list[dict]:
    """Return the contents of every page of a list, checking each page's envelope."""
    joiner = "&" if "?" in path else "?"
    items, number = [], 1
    while True:
        body = get(client, f"{path}{joiner}per_page={per_page}&page={number}")
        total = body["total_items"]
        assert body["page_number"] == number
        assert body["total_pages"] == max(1, -(-total // per_page))
        assert body["size"] == len(body["contents"]) == min(per_page, total - len(items))
        assert (body["first_page"], body["empty"]) == (number == 1, total == 0)
        items += body["contents"]
        if body["last_page"]:
            assert number == body["total_pages"] and len(items) == total
            return items
        number += 1


def published(app) -> dict[str, dict]:
    with app.app_context(), store.session() as session:
        ids = session.scalars(
            select(store.Listing.id).where(store.Listing.status == "published")
        ).all()
        return listings.load_documents(session, list(ids))


def withdrawn(app) -> list[str]:
    with app.app_context(), store.session() as session:
        return session.scalars(
            select(store.Listing.id).where(store.Listing.status != "published")
        ).all()


def service_ids(docs) -> set[str]:
    return {hsds.hsds_id("service", i) for i in docs}


def check_directory(client, app, one_by_one: bool, per_page: int = PER_PAGE) -> None:
    """Assert that every list and object of the directory validates and holds every published
    listing once; with `one_by_one`, fetch each object by its id too (and check every list)."""
    docs = published(app)
    seen = {}
    for path, schema in LISTS.items():
        if path in REPEATS and not one_by_one:
            continue
        items = every_page(client, path, per_page)
        assert invalid(items, schema) == [], path
        ids = [item["id"] for item in items]
        assert len(ids) == len(set(ids)), f"{path} repeats an item across pages"
        seen[path] = items
    assert {s["id"] for s in seen["/hsds/services"]} == service_ids(docs)
    placed = {hsds.service_at_location_id(d) for d in docs.values() if hsds.has_place(d)}
    assert {s["id"] for s in seen["/hsds/service_at_locations"]} == placed
    organizations = {hsds.hsds_id("organization", d["organization"]["id"]) for d in docs.values()
                     if d.get("organization")}  # fmt: skip
    assert {o["id"] for o in seen["/hsds/organizations"]} == organizations
    nested = {s["id"] for o in seen["/hsds/organizations?full=true"] for s in o["services"]}
    assert nested == {hsds.hsds_id("service", i) for i, d in docs.items() if d.get("organization")}
    if one_by_one:
        kinds = {
            "/hsds/services/": "/hsds/services",
            "/hsds/service_at_locations/": "/hsds/service_at_locations",
            "/hsds/organizations/": "/hsds/organizations",
            "/hsds/taxonomies/": "/hsds/taxonomies",
            "/hsds/taxonomy_terms/": "/hsds/taxonomy_terms",
        }
        for prefix, schema in ONE.items():
            objects = [get(client, prefix + item["id"]) for item in seen[kinds[prefix]]]
            assert invalid(objects, schema) == [], prefix


@pytest.fixture(scope="module")
def baltimore(tmp_path_factory):
    """Return an app whose store holds Baltimore's 211 export, loaded with `resdir ingest`."""
    if not (SHARED_DATA / BALTIMORE).is_dir():
        pytest.skip(f"real datasets not found at {SHARED_DATA} (set RESDIR_SHARED_DATA)")
    app = create_app(
        {
            "DATABASE": str(tmp_path_factory.mktemp("bchd") / "bchd.sqlite3"),
            "TESTING": True,
            "NOW": NOW,
            "API_RATE_LIMIT": "off",
        }
    )
    result = app.test_cli_runner().invoke(
        args=["ingest", str(SHARED_DATA / BALTIMORE), "--source-id", "bchd"]
    )
    assert result.exit_code == 0, result.output
    return app


@pytest.fixture
def client(seed_app):
    """Return a client of the demo directory that may ask as often as a harvester does."""
    seed_app.config["API_RATE_LIMIT"] = "off"
    return seed_app.test_client()


@pytest.fixture
def copy_of_seed(seed_file, tmp_path):
    """Return an app on a fresh copy of the demo directory."""
    path = tmp_path / "seed.sqlite3"
    copy_database(seed_file, path)
    return create_app({"DATABASE": str(path), "TESTING": True, "NOW": NOW, "API_RATE_LIMIT": "off"})


def test_every_listing_of_the_demo_directory_validates_in_every_answer(seed_app, client):
    assert get(client, "/hsds/") == {
        "version": "3.0",
        "profile": hsds.PROFILE_URL,
        "openapi_url": "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/openapi.json",
    }
    check_directory(client, seed_app, one_by_one=True)


def test_every_listing_of_a_real_211_export_validates(baltimore):
    client = baltimore.test_client()
    check_directory(client, baltimore, one_by_one=False, per_page=BIG_PAGE)
    # The export's own categories come through as their taxonomies, beside resdir's.
    names = {t["name"] for t in every_page(client, "/hsds/taxonomies")}
    assert {"resdir", "AIRS/211 Taxonomy", "Open Eligibility"} <= names


def test_meetings_are_services_with_weekly_schedules_and_their_meeting_guide_types(
    seed_app, client
):
    docs = published(seed_app)
    women = [i for i, d in docs.items() if any(t["code"] == "W" for t in d["meeting_types"])]
    assert women
    term = hsds.term_id(hsds.MEETING_GUIDE_TAXONOMY, "W")
    assert get(client, f"/hsds/taxonomy_terms/{term}")["name"] == "Women"
    found = every_page(client, f"/hsds/services?taxonomy_term_id={term}")
    assert {s["id"] for s in found} == service_ids(women)
    meeting = get(client, f"/hsds/services/{hsds.hsds_id('service', women[0])}")
    schedules = meeting["service_at_locations"][0]["schedules"]
    intervals = docs[women[0]]["schedule"]["intervals"]
    assert len(schedules) == len(intervals) > 0
    assert {(s["byday"], s["opens_at"]) for s in schedules} == {
        (hsds.WEEKDAY_CODES[i["day"]], i["opens"]) for i in intervals
    }
    assert all(s["freq"] == "WEEKLY" for s in schedules)


def test_filters_by_need_taxonomy_and_organization(seed_app, client):
    docs = published(seed_app)
    childcare = hsds.need_term_id("childcare")
    found = every_page(client, f"/hsds/services?taxonomy_term_id={childcare}")
    assert {s["id"] for s in found} == service_ids(
        i for i, d in docs.items() if d["category"] == "childcare"
    )
    airs = hsds.taxonomy_id("airs")
    found = every_page(client, f"/hsds/service_at_locations?taxonomy_id={airs}")
    with_airs = [d for d in docs.values() if any(t["scheme"] == "airs" for t in d["taxonomy"])]
    assert with_airs
    assert {s["service_id"] for s in found} == service_ids(
        d["id"] for d in with_airs if hsds.has_place(d)
    )
    organization = next(d["organization"] for d in docs.values() if d.get("organization"))
    oid = hsds.hsds_id("organization", organization["id"])
    offered = {
        i for i, d in docs.items() if (d.get("organization") or {}).get("id") == organization["id"]
    }
    found = every_page(client, f"/hsds/services?organization_id={oid}")
    assert {s["id"] for s in found} == service_ids(offered)
    assert {s["id"] for s in get(client, f"/hsds/organizations/{oid}")["services"]} == {
        s["id"] for s in found
    }
    # Terms by taxonomy and parent: the subcategories of housing.
    housing = hsds.need_term_id("housing")
    children = every_page(client, f"/hsds/taxonomy_terms?parent_id={housing}")
    assert {t["code"] for t in children} >= {"housing.shelter", "housing.recovery_residence"}
    minimal = every_page(client, "/hsds/services?minimal=true")
    assert all(set(s) <= {"id", "name", "status", "last_modified"} for s in minimal)


def _search(client, text: str) -> set[str]:
    return {s["id"] for s in every_page(client, f"/hsds/services?search={text}")}


def test_search_asks_the_search_engine_on_both_engines(
    seed_app, client, tmp_path, use_elasticsearch, seed_file
):
    docs = published(seed_app)
    # The analyzer's synonyms: "AA" finds Alcoholics Anonymous, which a LIKE would not.
    anonymous = {i for i, d in docs.items() if d.get("fellowship") == "aa"}
    embedded = _search(client, "AA")
    assert anonymous and service_ids(anonymous) <= embedded
    spanish = _search(client, "spanish")
    assert spanish and spanish < service_ids(docs)
    # The same directory on Elasticsearch (no fallback: the cluster answers) finds the same.
    path = tmp_path / "es.sqlite3"
    copy_database(seed_file, path)
    es_app = create_app(
        {
            "DATABASE": str(path),
            "TESTING": True,
            "NOW": NOW,
            "SEARCH_FALLBACK": False,
            "API_RATE_LIMIT": "off",
        }
    )
    use_elasticsearch(es_app, uuid.uuid4().hex[:8])
    result = es_app.test_cli_runner().invoke(args=["reindex"])
    assert result.exit_code == 0, result.output
    es_client = es_app.test_client()
    assert _search(es_client, "AA") == embedded
    assert _search(es_client, "spanish") == spanish


def test_modified_after_follows_the_listing_history_on_a_fixed_clock(copy_of_seed, make_listing):
    app = copy_of_seed
    client = app.test_client()
    everything = {s["id"] for s in every_page(client, "/hsds/services")}
    assert {
        s["id"] for s in every_page(client, f"/hsds/services?modified_after={NOW.isoformat()}")
    } == everything
    later = NOW + timedelta(days=2)
    docs = published(app)
    changed_id = sorted(docs)[0]
    with app.app_context(), store.session() as session:
        doc = docs[changed_id] | {"description": "Now also open on Saturdays."}
        listings.save(session, [doc], "test", later)
        session.commit()
    after = (NOW + timedelta(days=1)).isoformat().replace("+00:00", "Z")
    found = every_page(client, f"/hsds/services?modified_after={after}")
    assert [s["id"] for s in found] == [hsds.hsds_id("service", changed_id)]
    assert found[0]["last_modified"] == later.isoformat()
    assert (
        get(client, f"/hsds/services/{found[0]['id']}")["description"]
        == "Now also open on Saturdays."
    )


def test_a_withdrawn_listing_never_appears(copy_of_seed):
    app = copy_of_seed
    client = app.test_client()
    gone = withdrawn(app)
    assert gone
    services = {s["id"] for s in every_page(client, "/hsds/services")}
    assert not services & service_ids(gone)
    docs = published(app)
    target = sorted(docs)[1]
    with app.app_context(), store.session() as session:
        listings.save(session, [docs[target] | {"status": "unpublished"}], "test", NOW)
        session.commit()
    sid = hsds.hsds_id("service", target)
    assert sid not in {s["id"] for s in every_page(client, "/hsds/services")}
    assert client.get(f"/hsds/services/{sid}").status_code == 404
    salid = hsds.service_at_location_id(docs[target])
    assert client.get(f"/hsds/service_at_locations/{salid}").status_code == 404


def test_a_confidential_place_has_no_address_and_no_point(app, make_listing):
    app.config["API_RATE_LIMIT"] = "off"
    doc = make_listing(
        key="safe-house",
        name="Harbor Safe House",
        category="housing",
        subcategories=["shelter"],
        confidential_location=True,
        location={"lat": 37.7599, "lon": -122.4148},
        geocode_precision="address",
    )
    with app.app_context(), store.session() as session:
        listings.save(session, [doc], "test", NOW)
        session.commit()
        kept = listings.load_document(session, doc["id"])
    # The store keeps its ZIP and an approximate point; HSDS shows neither address nor point.
    assert kept["location"] and kept["address"]["postal_code"]
    client = app.test_client()
    service = get(client, f"/hsds/services/{hsds.hsds_id('service', doc['id'])}")
    place = service["service_at_locations"][0]["location"]
    assert not place.get("addresses") and "latitude" not in place and "longitude" not in place
    for path in ("/hsds/service_at_locations", "/hsds/service_at_locations?full=true"):
        (item,) = every_page(client, path)
        assert not item["location"].get("addresses")
        assert not {"latitude", "longitude"} & set(item["location"])
    text = json.dumps(get(client, "/hsds/services?full=true"))
    assert "2200 Mission" not in text and "-122.41" not in text
    flags = {a["taxonomy_term"]["code"]: a.get("value") for a in service["attributes"]}
    assert flags["confidential_location"] == "yes"


def test_ids_stay_the_same_across_two_runs_and_a_reingest(client, tmp_path):
    first = {path: every_page(client, path) for path in LISTS}
    again = load_seed(tmp_path / "again.sqlite3")
    again.config["API_RATE_LIMIT"] = "off"
    second_client = again.test_client()
    second = {path: every_page(second_client, path) for path in LISTS}
    load_sources(again, load_manifest(SEED))  # the same feeds again, into the same store
    third = {path: every_page(second_client, path) for path in LISTS}
    for path in LISTS:
        ids = sorted(item["id"] for item in first[path])
        assert sorted(item["id"] for item in second[path]) == ids, path
        assert sorted(item["id"] for item in third[path]) == ids, path
    # Not only the top-level ids: every nested object's (phones, schedules, attributes).
    assert second["/hsds/services?full=true"] == third["/hsds/services?full=true"]


def test_unknown_ids_are_json_404s_and_bad_parameters_400s_naming_each(client):
    for prefix in ONE:
        response = client.get(prefix + str(uuid.uuid4()))
        assert response.status_code == 404
        assert response.get_json()["error"]["code"] == "not_found"
    assert client.get("/hsds/nothing").get_json()["error"]["code"] == "not_found"
    response = client.get(
        "/hsds/services?page=0&per_page=100000&modified_after=yesterday&minimal=perhaps"
    )
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert set(error["fields"]) == {"page", "per_page", "modified_after", "minimal"}
    assert error["code"] == "bad_parameters"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    # A page past the end is an empty page, not an error.
    body = get(client, "/hsds/services?page=999")
    assert body["contents"] == [] and body["total_items"] > 0 and body["last_page"]


def test_the_hsds_api_shares_the_public_api_rate_limit(tmp_path):
    app = create_app(
        {"DATABASE": str(tmp_path / "x.sqlite3"), "TESTING": True, "API_RATE_LIMIT": "2/minute"}
    )
    with app.app_context():
        store.init_db()
    client = app.test_client()
    assert [client.get("/hsds/taxonomies").status_code for _ in range(3)] == [200, 200, 429]
    assert client.get("/hsds/taxonomies").get_json()["error"]["code"] == "rate_limited"
