"""Test the synthetic directory generator: deterministic, valid, realistic, stored as generated."""

import hashlib
import importlib.util
import json
import os
import subprocess
import sys
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import zipcodes
from sqlalchemy import func, select

from resdir import create_app, listings, store, vocab
from resdir.geo import haversine_km
from resdir.model import ListingSchema, TransitStopSchema
from resdir.store import Organization, Source, TransitStop

REPO = Path(__file__).resolve().parents[3]
SAMPLE = 5000  # documents for the shares: enough that a share is within a few points


def _load_generator():
    spec = importlib.util.spec_from_file_location("bench_generate", REPO / "bench" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


generate = _load_generator()


@pytest.fixture(scope="module")
def docs() -> list[dict]:
    return list(generate.generate(SAMPLE, 7))


def _share(items: list[dict], test) -> float:
    return sum(1 for d in items if test(d)) / len(items)


def _stored(path: Path) -> tuple[list[dict], list[tuple]]:
    app = create_app({"DATABASE": str(path)})
    with app.app_context(), store.session() as session:
        ids = sorted(session.scalars(select(store.Listing.id)))
        documents = [listings.load_document(session, i) for i in ids]
        stops = session.execute(
            select(TransitStop.id, TransitStop.name, TransitStop.lat, TransitStop.lon).order_by(
                TransitStop.id
            )
        ).all()
    return documents, [tuple(s) for s in stops]


def test_same_seed_gives_the_same_directory_byte_for_byte(tmp_path):
    for name in ("a", "b"):
        generate.populate(str(tmp_path / f"{name}.sqlite3"), 500, seed=7, batch_size=200)
    first, second = _stored(tmp_path / "a.sqlite3"), _stored(tmp_path / "b.sqlite3")
    assert len(first[0]) == 500
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)
    other = [json.dumps(d, sort_keys=True) for d in generate.generate(50, 8)]
    assert other != [json.dumps(d, sort_keys=True) for d in generate.generate(50, 7)]


def _digest(documents) -> str:
    return hashlib.sha256(json.dumps(list(documents), sort_keys=True).encode()).hexdigest()


def test_same_seed_gives_the_same_documents_in_another_process():
    # Another hash seed would reorder anything that iterates a set of strings.
    script = (
        "import sys, json, hashlib; sys.path.insert(0, 'bench'); import generate; "
        "docs = list(generate.generate(300, 7)); "
        "print(hashlib.sha256(json.dumps(docs, sort_keys=True).encode()).hexdigest())"
    )
    env = os.environ | {"PYTHONHASHSEED": "12345"}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == _digest(generate.generate(300, 7))


def test_stored_documents_are_the_generated_ones(tmp_path):
    path = tmp_path / "bench.sqlite3"
    figures = generate.populate(str(path), 500, seed=7)
    assert figures["created"] == 500
    expected = {d["id"]: d for d in generate.generate(500, 7)}
    assert expected[listings.listing_id("synthetic", "42")]["source_id"] == "42"
    app = create_app({"DATABASE": str(path)})
    with app.app_context(), store.session() as session:
        for listing_id, doc in expected.items():
            assert listings.load_document(session, listing_id) == doc
        assert session.get(Source, "synthetic").format == "synthetic"
        assert session.scalar(select(func.count()).select_from(TransitStop)) == figures["stops"]
        organizations = {d["organization"]["id"] for d in expected.values() if d["organization"]}
        assert session.scalar(select(func.count()).select_from(Organization)) == len(organizations)
    again = generate.populate(str(path), 500, seed=7)
    assert again["unchanged"] == 500 and "created" not in again


def test_every_document_and_stop_is_valid(docs):
    schema = ListingSchema()
    assert [(d["id"], schema.validate(d)) for d in docs[:1000] if schema.validate(d)] == []
    stops = generate.transit_stops(7)
    assert 1800 <= len(stops) <= 2200
    assert [s for s in stops if TransitStopSchema().validate(s)] == []
    route_types = Counter(s["routes"][0]["type"] for s in stops)
    assert route_types[3] > 1500 and route_types[1] > 20 and route_types[2] > 10


def test_every_category_and_subcategory_is_present():
    small = list(generate.generate(500, 7))
    present = {(d["category"], s) for d in small for s in d["subcategories"]}
    wanted = {(c, s) for c, (_, subs) in vocab.NEEDS.items() for s in subs}
    assert wanted - present == set()
    assert vocab.OTHER_CATEGORY in {d["category"] for d in small}


def test_category_shares_follow_the_assumed_mix(docs):
    counts = Counter(d["category"] for d in docs)
    total = sum(generate.CATEGORY_SHARES.values())
    for category, weight in generate.CATEGORY_SHARES.items():
        assert counts[category] / len(docs) == pytest.approx(weight / total, abs=0.03)
    social = [d for d in docs if d["category"] == "sober_social"]
    assert _share(social, lambda d: d["kind"] == "meeting") == pytest.approx(0.8, abs=0.04)


def test_meetings_are_in_person_online_or_hybrid(docs):
    meetings = [d for d in docs if d["kind"] == "meeting"]
    online_only = [d for d in meetings if d["online"] and d["address"] is None]
    hybrid = [d for d in meetings if d["online"] and d["address"]]
    assert len(online_only) / len(meetings) == pytest.approx(0.20, abs=0.03)
    assert len(hybrid) / len(meetings) == pytest.approx(0.10, abs=0.03)
    assert all(d["location"] is None for d in online_only)
    assert all(d["online"]["url"].startswith("https://zoom.example.org/j/") for d in online_only)
    facts = Counter(
        (d["attributes"].get("twelve_step", {}).get("value"), d["description"].split(" of ")[-1])
        for d in meetings
    )
    assert facts[("no", "SMART Recovery.")] > 0 and facts[("yes", "SMART Recovery.")] == 0
    assert facts[("yes", "Alcoholics Anonymous.")] > facts[("yes", "Narcotics Anonymous.")] > 0
    celebrate = [d for d in meetings if d["description"].endswith("Celebrate Recovery.")]
    assert {d["attributes"]["faith_based"]["value"] for d in celebrate} == {"yes"}
    women = [d for d in meetings if d["eligibility"]["genders"] == ["woman"]]
    assert _share(meetings, lambda d: d in women) == pytest.approx(0.07, abs=0.02)
    assert {d["attributes"]["women_only"]["value"] for d in women} == {"yes"}
    assert all("Women's" in d["name"] for d in women)


def test_meeting_times_span_the_day_and_cross_midnight(docs):
    intervals = [i for d in docs if d["kind"] == "meeting" for i in d["schedule"]["intervals"]]
    starts = Counter(int(i["opens"][:2]) for i in intervals)
    assert starts[7] > 0 and starts[12] > 0 and starts[19] > 0 and starts[23] > 0
    past_midnight = [i for i in intervals if i["closes"] and i["closes"] < i["opens"]]
    assert past_midnight and all(i["opens"] >= "22:00" for i in past_midnight)


def test_services_keep_office_hours_shelters_never_close(docs):
    def hours(d):
        return {(i["opens"], i["closes"]) for i in d["schedule"]["intervals"]}

    shelters = [d for d in docs if d["subcategories"][:1] == ["shelter"]]
    assert _share(shelters, lambda d: hours(d) == {("00:00", "24:00")}) > 0.35
    assert any(
        len(d["schedule"]["intervals"]) == 7 and hours(d) == {("18:00", "07:00")} for d in shelters
    )
    childcare = [d for d in docs if d["category"] == "childcare"]
    assert any(("17:00", "22:00") in hours(d) for d in childcare)
    other = [d for d in docs if d["category"] == "other"]
    assert _share(other, lambda d: hours(d) == {("09:00", "17:00")}) > 0.2


def test_places_are_real_zip_codes_of_the_metro(docs):
    placed = [d for d in docs if d["location"]]
    counties = set()
    for d in placed[:500]:
        [entry] = zipcodes.matching(d["address"]["postal_code"])
        counties.add(entry["county"])
        assert entry["city"] == d["address"]["city"]
        centroid = (float(entry["lat"]), float(entry["long"]))
        assert haversine_km(*centroid, d["location"]["lat"], d["location"]["lon"]) < 4
    assert counties == set(generate.CITY_POPULATIONS)
    cities = Counter(d["address"]["city"] for d in placed)
    assert cities["San Jose"] > cities["Oakland"] > cities["Berkeley"] > cities["Sausalito"]
    approximate = [d for d in placed if d["approximate_location"]]
    assert len(approximate) / len(placed) == pytest.approx(0.03, abs=0.01)


def test_area_wide_services_name_their_counties(docs):
    area_wide = [d for d in docs if d["location"] is None and d["online"] is None]
    assert len(area_wide) / len(docs) == pytest.approx(0.05, abs=0.015)
    assert all(d["service_area"]["counties"] for d in area_wide)
    assert {c for d in area_wide for c in d["service_area"]["counties"]} >= {
        "San Francisco County, CA",
        "Marin County, CA",
    }
    assert Counter(d["subcategories"][:1][0] for d in area_wide if d["subcategories"])["nemt"] > 0


def test_facts_are_mostly_unknown_and_fit_the_category(docs):
    def rate(items, code, value):
        return _share(items, lambda d: d["attributes"].get(code, {}).get("value") == value)

    for code in vocab.ATTRIBUTES:
        assert rate(docs, code, "yes") + rate(docs, code, "no") < 0.5, code
        assert rate(docs, code, "yes") > 0, code
    residences = [d for d in docs if "recovery_residence" in d["subcategories"][:1]]
    meetings = [d for d in docs if d["kind"] == "meeting"]
    assert rate(residences, "abstinence_based", "yes") > 0.6
    assert rate(residences, "accepts_moud", "no") > 0.15
    assert rate(meetings, "accepts_medicaid", "yes") == 0
    assert rate(meetings, "peer_led", "yes") > 0.85
    men = [d for d in residences if d["eligibility"]["genders"] == ["man"]]
    assert {d["attributes"]["men_only"]["value"] for d in men} == {"yes"}


def test_languages_costs_ages_and_capacity(docs):
    assert _share(docs, lambda d: "es" in d["languages"]) == pytest.approx(0.24, abs=0.03)
    assert all(
        _share(docs, lambda d, c=code: c in d["languages"]) > 0 for code in ("zh", "tl", "vi")
    )
    kinds = Counter(d["cost"]["kind"] for d in docs)
    assert set(kinds) == set(vocab.COST_KINDS)
    residences = [d for d in docs if d["subcategories"][:1] == ["recovery_residence"]]
    fees = [d["cost"]["amount"] for d in residences if d["cost"]["kind"] == "fee"]
    assert min(fees) >= 600 and max(fees) <= 1500
    head_start = [d for d in docs if d["subcategories"][:1] == ["head_start"]]
    assert {(d["eligibility"]["min_age"], d["eligibility"]["max_age"]) for d in head_start} == {
        (3, 5),
        (0, 3),
    }
    housing = [d for d in docs if d["category"] == "housing"]
    counted = [d["capacity"] for d in housing if d["capacity"]]
    assert len(counted) / len(housing) > 0.5
    as_of = [datetime.fromisoformat(c["as_of"]) for c in counted]
    assert generate.NOW - timedelta(days=180) <= min(as_of) and max(as_of) <= generate.NOW
    assert all(c["available"] <= c["total"] for c in counted)


def test_trust_and_status(docs):
    verified = [
        datetime.fromisoformat(d["last_verified_at"]) for d in docs if d["last_verified_at"]
    ]
    assert generate.NOW - max(verified) < timedelta(days=30)
    assert timedelta(days=3 * 365 - 30) < generate.NOW - min(verified) <= timedelta(days=3 * 365)
    assert {d["timezone"] for d in docs} == {"America/Los_Angeles"}
    assert _share(docs, lambda d: d["temporarily_closed"]) == pytest.approx(0.02, abs=0.01)
    assert _share(docs, lambda d: d["status"] == "unpublished") == pytest.approx(0.03, abs=0.01)
    assert all(d["status"] == "published" for d in docs if d["temporarily_closed"])
