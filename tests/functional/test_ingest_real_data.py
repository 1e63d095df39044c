"""`resdir ingest` on the real public datasets: counts, facts a person would see, idempotency."""

import json
import re
from collections import Counter

import pytest
from sqlalchemy import select

from ingest.crosswalk import classify
from ingest.problems import PROBLEM_TYPES
from ingest.readers.files import address_digest, csv_rows, read_text
from resdir import store

pytestmark = pytest.mark.shared_data

FEEDS = "code4recovery-tsml-ui-meeting-feeds"
# (path under ../shared/data, extra CLI arguments, records the source holds)
SOURCES = [
    ("ohana-api-smc-historical/cip_mvp.json", (), 1689),
    ("ohana-api-sample-csv", (), 23),
    ("bchd-baltimore-charmcare-icarol", (), 1876),
    ("openreferral-sample-HSDS-datapackage/all_resources", (), 13),
    ("openreferral-hsds-transformer-output", (), 19),
    ("openreferral-hsds-transformer-output/datapackage.json", ("--format", "hsds"), 19),
    ("openreferral-hsds3-examples/csv", (), 1),
    ("openreferral-hsds3-examples", (), 1),  # the package in its csv/ folder
    ("openreferral-hsds3-examples/service_full.json", (), 1),
    ("sfbrigade-sf-openreferral-data/211/sf_only.csv", (), 2824),  # iCarol, by its header
    ("sfbrigade-sf-openreferral-data/apd/open_ref.json", (), 229),
    ("code4recovery-12-step-meeting-list/template.csv", (), 36),
    (f"{FEEDS}/aasanjose.test.json", (), 693),
    (f"{FEEDS}/public_data.json", (), 570),
    (f"{FEEDS}/data.json", (), 568),
    (f"{FEEDS}/aasfmarin.test.json", (), 658),
    (f"{FEEDS}/benlomond.test.json", (), 35),
    (f"{FEEDS}/kc.test.json", (), 206),
    (f"{FEEDS}/nwta.test.json", (), 613),
    (f"{FEEDS}/meetings.json", (), 46),
    (f"{FEEDS}/edmonton.json", (), 315),
    (f"{FEEDS}/al-anon.json", (), 360),
    (f"{FEEDS}/eda.json", (), 185),
    (f"{FEEDS}/atlanta.json", (), 6),
    (f"{FEEDS}/airtable-json.test.json", (), 545),
    (f"{FEEDS}/nocodeapi.com.test.json", (), 567),
    (f"{FEEDS}/appointment.test.json", (), 2),
    (f"{FEEDS}/timezones.test.json", (), 2),
    (f"{FEEDS}/times.json", (), 9),
]
MAX_REJECTED_SHARE = 0.05
UNKNOWN_KEYWORD = re.compile(
    r"category keyword '(?P<value>.*)' is not in the crosswalk.*?(?:\((?P<count>\d+) records|$)"
)


@pytest.mark.parametrize(("path", "args", "count"), SOURCES, ids=[s[0] for s in SOURCES])
def test_every_real_source_loads_reconciles_and_reloads_unchanged(
    shared_data, ingest, snapshot, path, args, count
):
    result, report = ingest(shared_data / path, *args)
    assert result.exit_code == 0, result.output
    [source] = report["sources"]
    assert source["status"] == "completed"
    assert source["read"] == count
    assert source["read"] == source["accepted"] + source["rejected"]
    assert source["rejected"] <= MAX_REJECTED_SHARE * count
    assert source["created"] == source["accepted"]
    for problem in source["problems"]:
        assert problem["type"] in PROBLEM_TYPES
        assert problem["message"]
        if problem["severity"] == "error":  # a rejection says which record and why
            assert problem["record"], problem
    before = snapshot()
    result, again = ingest(shared_data / path, *args)
    [source] = again["sources"]
    unchanged = (source["unchanged"], source["created"], source["updated"], source["removed"])
    assert unchanged == (source["accepted"], 0, 0, 0)
    assert snapshot() == before  # byte for byte: a second run writes nothing


def test_san_mateo_record_keeps_its_phones_place_and_accessibility(
    shared_data, ingest, listing_docs
):
    ingest(shared_data / "ohana-api-sample-csv", "--source-id", "smc")
    fair_oaks = listing_docs("smc")["1:1"]
    assert fair_oaks["name"] == "Fair Oaks Adult Activity Center"
    assert [(p["number"], p["type"]) for p in fair_oaks["phones"]] == [
        ("+16507807525", "voice"),
        ("+16507010856", "fax"),
    ]
    assert fair_oaks["location"] == {"lat": 37.477227, "lon": -122.213221}
    assert fair_oaks["geocode_precision"] == "source"
    assert fair_oaks["address"]["street"] == "2600 Middlefield Road"
    assert fair_oaks["attributes"]["wheelchair_accessible"]["value"] == "yes"
    assert fair_oaks["languages"] == ["es", "tl"]
    assert fair_oaks["timezone"] == "America/Los_Angeles"


def test_cip_free_text_hours_phones_and_categories(shared_data, ingest, listing_docs):
    ingest(shared_data / "ohana-api-smc-historical/cip_mvp.json", "--source-id", "cip")
    docs = listing_docs("cip")
    street = address_digest("111-anza-blvd-suite-410")  # a key never holds an address
    bureau = docs[f"san-mateo-county-silicon-valley-convention-and-visitors-bureau--{street}"]
    assert bureau["schedule"]["text"] == "Monday-Thursday, 8:30-5; Friday, 8:30-4"
    assert bureau["schedule"]["intervals"] == [
        {"day": d, "opens": "08:30", "closes": "17:00"} for d in range(4)
    ] + [{"day": 4, "opens": "08:30", "closes": "16:00"}]
    assert [p["number"] for p in bureau["phones"]] == [
        "+18002884748",
        "+16503487600",
        "+16503487687",
    ]
    assert bureau["phones"][0]["type"] == "toll_free"
    # No coordinates in CIP: placed at its ZIP code's centre, and saying so.
    assert bureau["geocode_precision"] == "postal_code"
    assert bureau["approximate_location"] is True
    shelter = docs["asian-women-s-shelter"]
    assert (shelter["category"], shelter["subcategories"]) == ("housing", ["shelter"])
    assert len(shelter["schedule"]["intervals"]) == 7  # "24 hours daily"
    assert {i["opens"] + "-" + i["closes"] for i in shelter["schedule"]["intervals"]} == {
        "00:00-24:00"
    }
    assert shelter["phones"][0]["type"] == "hotline"


def test_san_jose_meeting_types_time_and_reachability(shared_data, ingest, listing_docs):
    ingest(shared_data / FEEDS / "aasanjose.test.json", "--source-id", "sj")
    meeting = listing_docs("sj")["amor-y-tolerancia"]
    assert meeting["kind"] == "meeting"
    assert (meeting["category"], meeting["subcategories"]) == ("sober_social", ["meeting"])
    assert meeting["schedule"]["intervals"] == [{"day": 0, "opens": "09:00", "closes": "11:00"}]
    assert [t["code"] for t in meeting["taxonomy"]] == ["D", "O", "S", "X", "XB", "SP"]
    assert meeting["languages"] == ["es"]
    assert meeting["attributes"]["wheelchair_accessible"] == {
        "value": "yes",
        "source": "Meeting Guide type X",
        "note": None,
    }
    assert "women_only" not in meeting["attributes"]  # no W: unknown, not "no"
    assert meeting["address"]["street"] == "222 Keyes St #110"
    assert meeting["location"] == {"lat": 37.321075, "lon": -121.873003}
    assert meeting["online"]["url"].startswith("https://zoom.us/j/7882727807")
    assert meeting["timezone"] == "America/Los_Angeles"


def test_online_meeting_without_an_address_is_kept_online(shared_data, ingest, listing_docs):
    ingest(shared_data / FEEDS / "aasfmarin.test.json", "--source-id", "marin")
    docs = listing_docs("marin")
    online_only = [d for d in docs.values() if d["online"] and not d["address"]]
    assert len(online_only) >= 500
    speaker = docs["marin-city-fellowship-speaker-619"]
    assert speaker["online"]["url"] == "https://zoom.us/j/530851127"
    assert (speaker["address"], speaker["location"]) == (None, None)
    assert speaker["schedule"]["intervals"][0] == {"day": 2, "opens": "18:30", "closes": None}


def test_bart_stops_and_the_routes_serving_them(shared_data, ingest, app):
    _, report = ingest(shared_data / "gtfs-bart-2018" / "bart.zip")
    assert report["sources"][0]["accepted"] == 50
    with app.app_context(), store.session() as session:
        stops = {s.stop_id: s for s in session.scalars(select(store.TransitStop))}
    assert len(stops) == 50
    mission = stops["16TH"]
    assert (mission.name, mission.lat, mission.lon) == ("16th St. Mission", 37.765062, -122.419694)
    assert sorted(r["id"] for r in mission.routes) == ["01", "05", "07", "11"]
    assert mission.wheelchair_boarding == "yes"


def test_san_mateo_sample_and_cip_overlap_on_19_of_22_locations(shared_data, ingest, app):
    """The Ohana sample and the CIP export describe the same places: 19 of 22 become one."""
    for order in (("cip_mvp", "sample"), ("sample", "cip_mvp")):
        paths = {
            "cip_mvp": shared_data / "ohana-api-smc-historical/cip_mvp.json",
            "sample": shared_data / "ohana-api-sample-csv",
        }
        for name in order:
            ingest(paths[name], "--source-id", f"{name}-{order[0]}")
    with app.app_context(), store.session() as session:
        rows = session.execute(
            select(
                store.ListingSource.source_id,
                store.ListingSource.record_key,
                store.ListingSource.listing_id,
            )
        ).all()
    for first in ("cip_mvp", "sample"):
        sample = {k: lid for s, k, lid in rows if s == f"sample-{first}"}
        cip = {lid: k for s, k, lid in rows if s == f"cip_mvp-{first}"}
        shared = {k.split(":")[1]: cip[lid] for k, lid in sample.items() if lid in cip}
        assert sorted(shared, key=int) == [str(n) for n in range(1, 20)]
        assert shared["1"].startswith("peninsula-family-service--fair-oaks-adult-activity-center")
        assert shared["12"].startswith("redwood-city-public-library--project-read")
        assert shared["18"].startswith("samaritan-house--redwood-city-free-medical-clinic")


def test_san_jose_snapshots_give_created_updated_removed(shared_data, ingest):
    """The same feed in 2018, 2019 and 2021: slugs decide created and removed."""
    snapshots = ["data.json", "public_data.json", "aasanjose.test.json"]
    slugs = [
        {meeting["slug"] for meeting in json.loads((shared_data / FEEDS / name).read_text())}
        for name in snapshots
    ]
    reports = [
        ingest(shared_data / FEEDS / name, "--source-id", "san-jose")[1]["sources"][0]
        for name in snapshots
    ]
    assert reports[0]["created"] == len(slugs[0])
    ever = set(slugs[0])
    for before, after, report in zip(slugs[:-1], slugs[1:], reports[1:], strict=True):
        assert report["created"] == len(after - ever)
        assert report["removed"] == len(before - after)
        # a meeting dropped in one snapshot and back in the next is an update, not a new one
        assert report["updated"] + report["unchanged"] == len(after & ever)
        ever |= after
    # Between 2019 and 2021 the pandemic moved meetings online: most kept ones changed.
    assert reports[2]["updated"] > 300


def test_a_dropped_meeting_is_unpublished_not_deleted(shared_data, ingest, app, tmp_path):
    feed = json.loads((shared_data / FEEDS / "benlomond.test.json").read_text())
    first = tmp_path / "first.json"
    first.write_text(json.dumps(feed))
    ingest(first, "--source-id", "bl")
    second = tmp_path / "second.json"
    second.write_text(json.dumps(feed[1:]))
    _, report = ingest(second, "--source-id", "bl")
    assert report["sources"][0]["removed"] == 1
    with app.app_context(), store.session() as session:
        statuses = [r.status for r in session.scalars(select(store.Listing))]
        history = [v.change for v in session.scalars(select(store.ListingVersion))]
    assert sorted(statuses) == ["published"] * (len(feed) - 1) + ["unpublished"]
    assert history.count("unpublished") == 1


def test_swapped_latitude_and_longitude_columns_are_detected_and_fixed(
    shared_data, ingest, listing_docs
):
    path = shared_data / "oeps-samhsa-moud-providers" / "us-wide-moudsCleaned.csv"
    mapping = "tests/fixtures/mappings/samhsa-moud.toml"
    _, report = ingest(path, "--mapping", mapping, "--source-id", "moud")
    counts = report["sources"][0]["problem_counts"]
    assert counts["swapped-coordinates"] >= 1390
    docs = listing_docs("moud").values()
    # Every provider is in California once its point is read the right way round.
    assert all(
        32.5 < d["location"]["lat"] < 42.1 and -124.5 < d["location"]["lon"] < -114
        for d in docs
        if d["location"]
    )
    assert all(d["attributes"]["accepts_moud"]["value"] == "yes" for d in docs)


def test_icarol_zip_centroids_are_not_taken_for_street_positions(shared_data, ingest, listing_docs):
    path = shared_data / "sfbrigade-sf-openreferral-data/211/sf_only.csv"
    _, report = ingest(path, "--mapping", "icarol", "--source-id", "sf211")
    assert report["sources"][0]["problem_counts"]["area-coordinates"] >= 25
    docs = listing_docs("sf211").values()
    approximate = [d for d in docs if d["approximate_location"]]
    assert len(approximate) > 2000
    assert {d["geocode_precision"] for d in approximate} == {"postal_code"}


def test_a_feed_without_coordinates_takes_its_manifests_time_zone(
    shared_data, ingest, listing_docs, tmp_path
):
    manifest = tmp_path / "manifest.toml"
    manifest.write_text(
        f'[[sources]]\nid = "yeg"\npath = "{shared_data / FEEDS}/edmonton.json"\n'
        'timezone = "America/Edmonton"\n'
    )
    _, report = ingest(manifest)
    assert report["sources"][0]["problem_counts"] == {"not-geocoded": 315}  # Canada: no ZIPs
    assert {d["timezone"] for d in listing_docs("yeg").values()} == {"America/Edmonton"}


def test_each_category_the_crosswalk_does_not_know_is_one_problem_of_its_source(
    shared_data, ingest, app
):
    sample = shared_data / "ohana-api-sample-csv"
    unknown = Counter()  # keyword -> services listing it, from the raw table
    for _, row in csv_rows(read_text(sample / "services.csv", [])):
        words = {w.strip() for w in (row["keywords"] or "").split(",") if w.strip()}
        unknown.update(w for w in words if classify([{"scheme": "keyword", "name": w}]).unknown)
    assert unknown

    _, report = ingest(sample, "--source-id", "smc")
    [source] = report["sources"]
    assert source["accepted"] == source["read"]  # an unknown category rejects nothing
    said = Counter()
    for found in source["problems"]:
        match = UNKNOWN_KEYWORD.match(found["message"])
        if found["type"] == "unknown-category" and match:
            assert found["severity"] == "warning" and found["record"]
            said[match["value"]] += int(match["count"] or 1)
    assert said == unknown  # once each, with how many records have it

    word, count = unknown.most_common(1)[0]
    listed = app.test_cli_runner().invoke(args=["problems", "--type", "unknown-category"])
    text = " ".join(listed.output.split())  # as read, whatever the terminal's width
    assert text.count(f"'{word}'") == 1
    said_once = (
        f"category keyword '{word}' is not in the crosswalk; the listing is filed by its other "
        f"categories, or as other ({count} records have it; this is the first)"
    )
    assert said_once in text


def test_a_licensing_list_in_json_is_read_through_a_mapping_and_matched(
    shared_data, ingest, listing_docs, app
):
    path = shared_data / "sf-childcare-ccld" / "childcare_all_coordinates.json"
    raw = json.loads(path.read_text(encoding="utf-8"))
    mapping = "tests/fixtures/mappings/ccld-childcare-json.toml"
    _, report = ingest(path, "--mapping", mapping, "--source-id", "ccld")
    [source] = report["sources"]
    assert source["read"] == source["accepted"] + source["rejected"] == len(raw)
    docs = listing_docs("ccld")
    # Family child care homes placed at a jittered ZIP centre are approximate, never a door.
    jittered = {str(int(r["facility_number"])) for r in raw if r["tags"]["coordinates_jittered"]}
    assert {docs[key]["approximate_location"] for key in jittered} == {True}
    # A parent near Noe Valley who needs a family child care home finds the licensed ones.
    homes = {
        str(int(r["facility_number"]))
        for r in raw
        if "FAMILY" in r["facility_type"] and r["facility_status"] == "LICENSED"
    }
    profile = {
        "location": {"postal_code": "94131"},
        "needs": ["childcare.family_home"],
        "travel": {"mode": "car", "max_km": 3},
        "limit": 50,
    }
    answer = app.test_client().post("/api/v1/match", json=profile).get_json()
    keys = {doc["id"]: key for key, doc in docs.items()}
    found = {keys[r["id"]] for r in answer["results"]}
    assert answer["total"] > 10 and found <= homes
