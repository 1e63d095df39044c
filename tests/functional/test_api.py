"""Drive the JSON API through the test client on the demo directory."""

import json
import logging
import re
import threading
import urllib.request

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from resdir import store
from resdir.api import views
from resdir.cli import PathOnlyRequestHandler
from resdir.listings import listing_id
from resdir.matching.profile import ProfileSchema

MEETINGS_94110 = {"location": {"postal_code": "94110"}, "needs": ["sober_social.meeting"]}
# A person without a car who uses a wheelchair, wants a secular group and not a faith-based one.
SECULAR_BY_TRANSIT = {
    **MEETINGS_94110,
    "barriers": ["no_vehicle", "mobility"],
    "values": {"secular": "require", "faith_based": "avoid"},
    "travel": {"mode": "transit", "max_minutes": 45},
}
# What of it a URL may carry: where, what, travel and time (DESIGN §13).
MEETINGS_BY_TRANSIT = {**MEETINGS_94110, "travel": {"mode": "transit", "max_minutes": 45}}
MEETINGS_BY_TRANSIT_QUERY = "near=94110&needs=sober_social.meeting&mode=transit&max_minutes=45"
NIGHT_SHELTER = listing_id("seed-hsds", "98564e2f-4a2d-55b2-b977-c9c6c9ec60f9")
SURVIVOR_SHELTER = listing_id("seed-hsds", "50fb83f4-c0ce-5f82-bd14-052ee84e13dc")


def _error(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}
    return body["error"]


def test_match_from_94110_for_meetings_explains_results_and_counts_the_hidden(client):
    response = client.post("/api/v1/match", json=MEETINGS_94110)
    assert response.status_code == 200
    body = response.get_json()
    assert body["total"] == 115 and len(body["results"]) == 20
    # too far is said first: two closed meetings out of reach count as too far
    assert body["hidden"] == [
        {"code": "travel", "reason": "farther than 60 minutes", "count": 32},
        {"code": "closed", "reason": "temporarily closed", "count": 2},
        {"code": "for_family_friends", "reason": "for families and friends", "count": 14},
    ]
    scores = [r["score"] for r in body["results"]]
    assert scores == sorted(scores, reverse=True)
    first = body["results"][0]
    assert first["name"] == "Red Road Group"
    assert first["reasons"][0] == {"code": "need", "text": "Recovery meeting", "met": True}
    assert first["reasons"][1]["code"] == "travel"
    # No mode chosen: any way the person can get there, on foot first (a short walk).
    assert first["reasons"][1]["text"].startswith("About 5 min on foot (estimate), 0.3 km")
    assert all(r["subcategories"] == ["meeting"] for r in body["results"])
    assert body["facets"]["subcategories"] == {"meeting": 115}
    assert body["degraded"] is False and body["next_cursor"]


def test_no_mode_chosen_shows_walking_and_transit_before_the_car(client):
    body = client.post("/api/v1/match", json=MEETINGS_94110).get_json()
    placed = [r for r in body["results"] if r["trips"]]
    assert placed
    for result in placed:
        modes = [t["mode"] for t in result["trips"]]
        assert modes[-1] == "car" and result["travel_mode"] in ("walk", "transit"), result
        assert result["trips"][0] == {
            "mode": result["travel_mode"],
            "minutes": result["travel_minutes"],
        }
        assert not result["reasons"][1]["text"].endswith("by car (estimate)")


def test_no_vehicle_never_shows_a_car_time(client):
    profile = {**MEETINGS_94110, "barriers": ["no_vehicle"]}
    body = client.post("/api/v1/match", json=profile).get_json()
    assert body["results"]
    for result in body["results"]:
        assert "car" not in [t["mode"] for t in result["trips"]]
        assert result["travel_mode"] in (None, "walk", "transit")
        assert all("by car" not in r["text"] for r in result["reasons"])


def test_outside_the_covered_area_the_answer_says_so_and_names_the_areas(client):
    outside = client.post("/api/v1/match", json={"location": {"postal_code": "10001"}})
    coverage = outside.get_json()["coverage"]
    assert coverage["outside"] is True
    # The demo directory is in the Bay Area: its counties are named, most first.
    assert coverage["areas"][0] == "San Francisco County, CA"
    assert "New York County, NY" not in coverage["areas"]
    inside = client.post("/api/v1/match", json=MEETINGS_94110).get_json()["coverage"]
    assert inside["outside"] is False and inside["areas"] == coverage["areas"]
    assert client.post("/api/v1/match", json={}).get_json()["coverage"] is None


def test_a_neighbouring_county_within_reach_is_not_outside_the_covered_area(client):
    # Sausalito (Marin County) has no listing of its own but San Francisco's are a bridge away:
    # the answer lists them and does not tell the person the directory is elsewhere.
    near = client.post("/api/v1/match", json={"location": {"postal_code": "94965"}}).get_json()
    assert "Marin County, CA" not in near["coverage"]["areas"]
    assert near["total"] > 0 and near["coverage"]["outside"] is False
    # Santa Cruz, also without listings, is beyond any trip the search allows from there.
    far = client.post(
        "/api/v1/match",
        json={"location": {"postal_code": "95060"}, "travel": {"mode": "walk", "max_minutes": 30}},
    ).get_json()
    assert far["coverage"]["outside"] is True


def test_required_value_hides_the_rest_and_says_so(client):
    body = client.post("/api/v1/match", json=SECULAR_BY_TRANSIT).get_json()
    assert body["total"] == 19
    hidden = {h["code"]: (h["reason"], h["count"]) for h in body["hidden"]}
    assert hidden["travel"] == ("farther than 45 minutes by transit", 35)
    assert hidden["for_family_friends"] == ("for families and friends", 9)
    assert hidden["requires:secular"] == ("not known to be secular", 57)
    assert list(hidden) == ["travel", "for_family_friends", "requires:secular"]
    for result in body["results"]:
        secular = next(r for r in result["reasons"] if r["code"] == "value:secular")
        assert secular == {"code": "value:secular", "text": "Secular", "met": True}
        assert result["travel_mode"] in (None, "walk", "transit")


def test_search_url_gives_what_the_same_profile_posted_gives(client):
    posted = client.post("/api/v1/match", json=MEETINGS_BY_TRANSIT).get_json()
    response = client.get(f"/api/v1/search?{MEETINGS_BY_TRANSIT_QUERY}&q=")
    assert response.status_code == 200
    searched = response.get_json()
    assert [r["id"] for r in searched["results"]] == [r["id"] for r in posted["results"]]
    assert searched["hidden"] == posted["hidden"]
    assert searched["total"] == posted["total"] > 20


def test_search_reads_repeated_lists(client):
    posted = client.post(
        "/api/v1/match",
        json={
            "location": {"postal_code": "94110"},
            "needs": ["sober_social.meeting", "childcare"],
        },
    ).get_json()
    searched = client.get(
        "/api/v1/search?near=94110&needs=sober_social.meeting&needs=childcare&open_now=false"
    ).get_json()
    assert [r["id"] for r in searched["results"]] == [r["id"] for r in posted["results"]]
    assert searched["total"] == posted["total"] > 20


def test_search_by_coordinates(client):
    body = client.get("/api/v1/search?near=37.7599,-122.4148&needs=housing.shelter").get_json()
    posted = client.post(
        "/api/v1/match",
        json={"location": {"lat": 37.7599, "lon": -122.4148}, "needs": ["housing.shelter"]},
    ).get_json()
    assert [r["id"] for r in body["results"]] == [r["id"] for r in posted["results"]]
    assert "Tidewater Survivor Shelter" in [r["name"] for r in body["results"]]


@pytest.mark.parametrize(
    "query",
    [
        "barriers=dv_survivor:require",
        "values=secular:require",
        "languages=es",
        "gender=woman",
        "age=34",
        "age=",  # even empty: a form that put it there would put a value there next time
        "barriers=on_moud&values=secular&languages=es&gender=woman&age=34",
    ],
)
def test_a_profile_in_a_search_url_is_a_400_that_says_to_post_it(client, query):
    error = _error(client.get(f"/api/v1/search?near=94110&needs=housing&{query}"), 400)
    assert error["code"] == "profile_in_url"
    assert "POST the profile to /api/v1/match" in error["message"]
    assert set(error["fields"]) == {part.split("=")[0] for part in query.split("&")}
    for value in ("dv_survivor", "secular", "woman", "34"):
        assert value not in json.dumps(error), "the answer does not repeat the profile"


def test_paging_with_next_cursor_visits_every_result_once(client):
    profile = {**MEETINGS_94110, "values": {"women_only": "require"}, "limit": 5}
    seen, pages, cursor = [], 0, None
    while True:
        body = client.post(
            "/api/v1/match", json={**profile, "cursor": cursor} if cursor else profile
        )
        body = body.get_json()
        seen += [r["id"] for r in body["results"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert body["total"] == 12 and pages == 3
    assert len(seen) == len(set(seen)) == 12
    # The GET takes the same cursor.
    query = "near=94110&needs=sober_social.meeting&limit=5"
    posted = client.post("/api/v1/match", json={**MEETINGS_94110, "limit": 10}).get_json()
    first = client.get(f"/api/v1/search?{query}").get_json()
    second = client.get(f"/api/v1/search?{query}&cursor={first['next_cursor']}").get_json()
    assert [r["id"] for r in second["results"]] == [r["id"] for r in posted["results"]][5:10]


def test_listing_by_id(client):
    response = client.get(f"/api/v1/listings/{NIGHT_SHELTER}")
    assert response.status_code == 200
    doc = response.get_json()
    assert doc["name"] == "Mission Lantern Night Shelter"
    assert doc["organization"]["name"] == "Mission Lantern Community Services"
    assert doc["phones"][0]["number"] == "+14155550142"
    assert doc["schedule"]["intervals"][0] == {"day": 0, "opens": "19:00", "closes": "07:00"}
    assert doc["attributes"]["accepts_moud"]["value"] == "yes"
    assert doc["attributes"]["pets_allowed"]["value"] == "no"


def test_confidential_listing_shows_no_street_or_point_anywhere(client, seed_app):
    with seed_app.app_context(), store.session() as session:
        rows = session.scalars(select(store.Listing)).all()
        confidential = [r for r in rows if r.document["confidential_location"]]
        sources = session.scalars(
            select(store.ListingSource.document).where(
                store.ListingSource.listing_id.in_([r.id for r in confidential])
            )
        ).all()
    assert sorted(r.name for r in confidential) == [
        "Cypress Refuge Emergency Housing",
        "Tidewater Survivor Shelter",
    ]
    # The store never had them: not in the listing, its columns, or any source's record.
    for row in confidential:
        assert row.lat is None and row.lon is None and row.document["location"] is None
        assert not (row.document["address"] or {}).get("street")
    assert sources and all(not (d["address"] or {}).get("street") for d in sources)
    listing = client.get(f"/api/v1/listings/{SURVIVOR_SHELTER}").get_json()
    assert listing["name"] == "Tidewater Survivor Shelter"
    assert listing["address"] is None and listing["location"] is None
    assert listing["service_area"]["text"] == "San Francisco"
    result = client.post(
        "/api/v1/match",
        json={**MEETINGS_94110, "needs": ["housing.shelter"], "gender": "woman"},
    ).get_json()["results"]
    shelter = next(r for r in result if r["id"] == SURVIVOR_SHELTER)
    assert shelter["address"] is None and shelter["location"] is None
    assert shelter["distance_km"] is None
    assert {"code": "travel", "text": "Serves your area", "met": True} in shelter["reasons"]


def test_unpublished_and_unknown_listings_are_not_found(client, seed_app):
    with seed_app.app_context(), store.session() as session:
        unpublished = session.scalars(
            select(store.Listing.id).where(store.Listing.status == "unpublished")
        ).all()
    assert len(unpublished) == 6
    for listing in [*unpublished, "no-such-listing"]:
        error = _error(client.get(f"/api/v1/listings/{listing}"), 404)
        assert error["code"] == "not_found" and listing in error["message"]


def test_vocabulary_labels_every_code(client):
    body = client.get("/api/v1/vocab").get_json()
    housing = next(n for n in body["needs"] if n["code"] == "housing")
    assert housing["label"] == "Housing"
    assert {
        "code": "recovery_residence",
        "label": "Recovery residence (sober living, halfway house)",
    } in housing["subcategories"]
    assert [n["code"] for n in body["needs"]] == [
        "housing",
        "transport",
        "childcare",
        "sober_social",
    ]
    assert {"code": "on_moud", "label": "On methadone, buprenorphine or naltrexone"} in body[
        "barriers"
    ]
    assert len(body["barriers"]) == 19 and len(body["values"]) == 20
    moud = next(a for a in body["attributes"] if a["code"] == "accepts_moud")
    assert moud["question"] == "Do they accept people on methadone or buprenorphine?"
    assert body["genders"][0] == {"code": "woman", "label": "Women"}
    assert [s["code"] for s in body["strengths"]] == ["require", "prefer", "avoid"]
    assert [m["code"] for m in body["travel_modes"]] == ["walk", "transit", "car", "any"]


@pytest.mark.parametrize(
    ("profile", "fields"),
    [
        ({"barriers": ["flying"]}, {"barriers"}),
        ({"barriers": {"mobility": "avoid"}}, {"barriers"}),
        ({"values": {"secular": "maybe"}}, {"values.secular.value"}),
        ({"needs": ["housing", "spaceflight"]}, {"needs.1"}),
        (
            {"when": {"from": "2026-12-01T21:00:00-08:00", "to": "2026-12-01T17:00:00-08:00"}},
            {"when.to"},
        ),
        ({"when": {"from": "2026-12-01T17:00:00"}}, {"when.from"}),
        ({"when": {}}, {"when"}),
        ({"location": {"lat": 91, "lon": -122.4}}, {"location.lat"}),
        ({"location": {"lat": 37.7, "lon": "west"}}, {"location.lon"}),
        ({"location": {"lat": 37.7}}, {"location.lon"}),
        ({"location": {}}, {"location"}),
        ({"travel": {"mode": "teleport", "max_km": 0}}, {"travel.mode", "travel.max_km"}),
        ({"age": "thirty", "gender": "robot", "limit": 1000}, {"age", "gender", "limit"}),
        ({"barriers": ["limited_english"]}, {"languages"}),
        ({"postcode": "94110"}, {"postcode"}),
        ([], {"_schema"}),
        ({"barriers": [["on_moud"]]}, {"barriers"}),
    ],
)
def test_each_bad_field_is_named_by_its_path(client, profile, fields):
    error = _error(client.post("/api/v1/match", json=profile), 422)
    assert error["code"] == "invalid"
    assert set(error["fields"]) == fields
    assert all(error["fields"][f] for f in fields)


def test_unknown_codes_are_named_in_the_message(client):
    error = _error(client.post("/api/v1/match", json={"barriers": ["flying", "mobility"]}), 422)
    assert error["fields"] == {"barriers": ["unknown barrier codes: flying"]}


def test_place_not_known_offline_is_a_422_on_location(client):
    error = _error(client.post("/api/v1/match", json={"location": {"postal_code": "00000"}}), 422)
    assert list(error["fields"]) == ["location"]
    assert "give a US ZIP code or lat and lon" in error["fields"]["location"][0]


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ("needs=flying", {"needs"}),
        ("near=94110&from=2026-12-01T21:00:00-08:00&to=2026-12-01T17:00:00-08:00", {"to"}),
        ("near=91,-122.4", {"near"}),
        ("near=00000", {"near"}),
        ("mode=teleport&max_minutes=soon", {"mode", "max_minutes"}),
        ("max_km=0", {"max_km"}),
        ("limit=0&open_now=perhaps", {"limit", "open_now"}),
        ("near=94110&at=9999-12-31T23:00:00%2B14:00", {"at"}),
        ("from=2026-12-01T17:00:00-08:00", {"to"}),
        ("barrier=on_moud", {"barrier"}),
    ],
)
def test_each_bad_search_parameter_is_named_by_its_query_name(client, query, fields):
    error = _error(client.get(f"/api/v1/search?{query}"), 422)
    assert set(error["fields"]) == fields


def test_cursor_this_api_did_not_hand_out_is_a_400(client):
    error = _error(client.post("/api/v1/match", json={**MEETINGS_94110, "cursor": "abc"}), 400)
    assert error["code"] == "bad_cursor" and list(error["fields"]) == ["cursor"]
    error = _error(client.get("/api/v1/search?near=94110&cursor=eyJvIjogLTF9"), 400)
    assert list(error["fields"]) == ["cursor"]


def test_oversized_body_is_a_413(client):
    body = json.dumps({**MEETINGS_94110, "q": "x" * views.MAX_BODY_BYTES})
    response = client.post("/api/v1/match", data=body, content_type="application/json")
    assert _error(response, 413)["code"] == "request_entity_too_large"


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_body_not_sent_as_json_is_a_415(client, content_type):
    response = client.post(
        "/api/v1/match", data=json.dumps(MEETINGS_94110), content_type=content_type
    )
    assert _error(response, 415)["code"] == "unsupported_media_type"


@pytest.mark.parametrize("body", ["{", "", '{"needs": [}', "[" * 10_000, b"\xff\xfe"])
def test_malformed_json_is_a_400(client, body):
    response = client.post("/api/v1/match", data=body, content_type="application/json")
    assert _error(response, 400)["code"] == "malformed_json"


def test_unknown_api_paths_and_methods_answer_in_the_envelope(client):
    assert _error(client.get("/api/v1/listing"), 404)["code"] == "not_found"
    assert _error(client.get("/api/v1/match"), 405)["code"] == "method_not_allowed"
    assert _error(client.put("/api/v1/vocab"), 405)["code"] == "method_not_allowed"
    # Pages outside the API keep werkzeug's own answer.
    page = client.get("/no-such-page")
    assert page.status_code == 404 and page.mimetype == "text/html"


def test_a_bug_is_a_500_without_a_trace_and_logs_no_profile(client, monkeypatch, caplog):
    def broken(profile, session, now):
        raise RuntimeError(f"bug while matching {profile['barriers']}")

    monkeypatch.setattr(views, "match", broken)
    response = client.post("/api/v1/match", json={**MEETINGS_94110, "barriers": ["on_moud"]})
    error = _error(response, 500)
    assert error == {
        "code": "internal_error",
        "message": "Something went wrong on our side.",
        "fields": {},
    }
    text = response.get_data(as_text=True)
    assert "Traceback" not in text and "on_moud" not in text
    assert "API bug: RuntimeError in POST /api/v1/match" in caplog.text
    assert "views.py" in caplog.text and "on_moud" not in caplog.text


def test_no_profile_reaches_a_log(client, caplog):
    caplog.set_level(logging.DEBUG)
    client.post("/api/v1/match", json={**MEETINGS_94110, "barriers": ["on_moud"], "q": "suboxone"})
    client.get("/api/v1/search?near=94110&barriers=on_moud&q=suboxone")
    client.post("/api/v1/match", json={"barriers": ["on_moud", "fentanyl"]})
    assert "on_moud" not in caplog.text and "suboxone" not in caplog.text


def test_serve_logs_request_paths_without_their_query_or_the_client_s_address(seed_app, caplog):
    caplog.set_level(logging.INFO, logger="werkzeug")
    server = make_server("127.0.0.1", 0, seed_app, request_handler=PathOnlyRequestHandler)
    thread = threading.Thread(target=server.serve_forever)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/api/v1/search?near=94110&q=suboxone"
        with urllib.request.urlopen(url) as response:
            assert response.status == 200
    finally:
        server.shutdown()
        thread.join()
    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert len(lines) == 1
    assert '"GET /api/v1/search HTTP/1.1" 200' in lines[0]
    assert "suboxone" not in lines[0] and "?" not in lines[0]
    assert lines[0].startswith("- - - [") and "127.0.0.1" not in lines[0]  # nobody's address


def test_openapi_document_is_generated_from_the_schemas(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    doc = response.get_json()
    assert doc["openapi"] == "3.1.0"
    v1 = {(p, m) for p, ops in doc["paths"].items() for m in ops if p.startswith("/api/")}
    assert v1 == {
        ("/api/v1/match", "post"),
        ("/api/v1/search", "get"),
        ("/api/v1/listings/{listing_id}", "get"),
        ("/api/v1/vocab", "get"),
        ("/api/v1/submissions", "post"),
        ("/api/v1/listings/{listing_id}", "patch"),
        ("/api/v1/submissions/{submission_id}", "get"),
    }
    match = doc["paths"]["/api/v1/match"]["post"]
    assert match["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Profile"
    }
    assert sorted(match["responses"]) == ["200", "400", "413", "415", "422", "429", "503"]
    assert "Retry-After" in match["responses"]["503"]["headers"]
    assert "Retry-After" in match["responses"]["429"]["headers"]
    assert match["summary"] == views.match_profile.__doc__.splitlines()[0]
    schemas = doc["components"]["schemas"]
    # Every profile field, as the schema that validates requests names it.
    assert set(schemas["Profile"]["properties"]) == {
        f.data_key or name for name, f in ProfileSchema().fields.items()
    }
    assert schemas["Profile"]["additionalProperties"] is False
    assert schemas["ProfileTravel"]["properties"]["mode"]["enum"] == [
        "walk",
        "transit",
        "car",
        "any",
    ]
    query = [p["name"] for p in doc["paths"]["/api/v1/search"]["get"]["parameters"]]
    assert query[:3] == ["near", "needs", "mode"] and "from" in query
    assert not {"barriers", "values", "languages", "gender", "age"} & set(query)


def test_docs_page_lists_the_endpoints_and_links_the_document(client):
    response = client.get("/api/docs")
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    for endpoint in ("POST /api/v1/match", "GET /api/v1/search", "GET /api/v1/vocab"):
        assert endpoint in page
    assert "GET /api/v1/listings/{listing_id}" in page
    assert 'href="/api/openapi.json"' in page
    # one stylesheet of this site's own (and no favicon to fetch), no script
    assert "<script" not in page
    assert re.findall(r"<link [^>]*>", page) == [
        '<link rel="icon" href="data:,">',
        '<link rel="stylesheet" href="/static/css/site.css">',
    ]


def test_no_profile_reaches_the_database(client, seed_app):
    """A match writes nothing of the person: not their words, not a row anywhere."""
    from sqlalchemy import func, select

    from resdir import store

    marker = "zqxjvw"  # a word no listing holds
    with seed_app.app_context():
        engine = store.engine()

        def counts():
            with engine.connect() as connection:
                return {
                    name: connection.execute(select(func.count()).select_from(table)).scalar()
                    for name, table in store.Base.metadata.tables.items()
                }

        client.post("/api/v1/match", json=MEETINGS_94110)  # bring the index up to date first
        before = counts()
        for _ in range(3):
            client.post(
                "/api/v1/match",
                json={**MEETINGS_94110, "q": marker, "age": 57, "barriers": {"on_moud": "require"}},
            )
            client.get(f"/api/v1/search?near=94110&q={marker}&barriers=on_moud")
        assert counts() == before
        database = engine.url.database
    for path in (database, f"{database}-wal"):
        with open(path, "rb") as stored:
            assert marker.encode() not in stored.read()


def test_hidden_listings_can_be_shown_with_what_hid_them(client):
    body = client.post("/api/v1/match", json=SECULAR_BY_TRANSIT).get_json()
    hidden = {h["code"]: h for h in body["hidden"]}
    shown = client.post(
        "/api/v1/match", json={**SECULAR_BY_TRANSIT, "show_hidden": "requires:secular"}
    ).get_json()
    assert shown["total"] == hidden["requires:secular"]["count"] == 57
    assert shown["hidden"] == body["hidden"]  # the counts stay those of the search
    assert {r["id"] for r in shown["results"]}.isdisjoint(r["id"] for r in body["results"])
    for result in shown["results"]:
        assert result["hidden_by"] == {
            "code": "requires:secular",
            "reason": "not known to be secular",
        }
        secular = next(r for r in result["reasons"] if r["code"] == "value:secular")
        assert secular["met"] is not True
    assert all(r["hidden_by"] is None for r in body["results"])
    # too far: the trip is said, and said not to fit
    far = client.post(
        "/api/v1/match", json={**SECULAR_BY_TRANSIT, "show_hidden": "travel", "limit": 5}
    ).get_json()
    for result in far["results"]:
        trip = next(r for r in result["reasons"] if r["code"] == "travel")
        assert trip["met"] is False and result["travel_minutes"] > 45
    error = _error(
        client.post("/api/v1/match", json={**SECULAR_BY_TRANSIT, "show_hidden": "gender"}), 422
    )
    assert list(error["fields"]) == ["show_hidden"]
    assert "requires:secular" in error["fields"]["show_hidden"][0]
