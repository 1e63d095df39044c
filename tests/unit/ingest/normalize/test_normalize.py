"""The whole normalizer on small drafts: flags, confidential places, time zones, odd values."""

import pytest

from ingest.manifest import SourceSpec
from ingest.normalize import normalize
from ingest.pipeline import validate
from ingest.record import Record

SPEC = SourceSpec(id="test", path=None)


def _doc(spec=SPEC, **draft):
    doc, problems = normalize(
        Record(key="r1", draft={"name": "Harbor House"} | draft, raw={}), spec
    )
    assert validate(doc) == []
    return doc, problems


@pytest.mark.parametrize(
    ("word", "meant"),
    [
        ("No", False),
        ("FALSE", False),
        ("0", False),
        ("Yes", True),
        ("true", True),
        (True, True),
        ("", False),
        (None, False),
    ],
)
def test_flags_are_read_as_words(word, meant):
    doc, _ = _doc(temporarily_closed=word, approximate_location=word)
    assert doc["temporarily_closed"] is meant
    assert doc["approximate_location"] is meant


def test_a_confidential_place_keeps_its_area_and_says_nothing_of_its_point():
    doc, problems = _doc(
        confidential_location="Yes",
        address={"street": "1 Hidden Way", "city": "San Francisco", "postal_code": "94110"},
        location={"lat": -122.41, "lon": 37.76},  # swapped: would be reported with its value
    )
    assert doc["address"] == {
        "street": None,
        "city": "San Francisco",
        "region": None,
        "postal_code": "94110",
        "country": None,
    }
    assert doc["location"] is None
    assert doc["confidential_location"] is True
    assert problems == []


def test_naive_times_are_local_to_the_listings_zone():
    doc, problems = _doc(timezone="America/Edmonton", updated_at="8/25/2022 11:17:07 AM")
    assert doc["updated_at"] == "2022-08-25T17:17:07+00:00"
    assert problems == []


def test_the_zone_comes_from_the_place_when_the_source_gives_none_or_a_bad_one():
    placed, _ = _doc(location={"lat": 37.7615, "lon": -122.419}, last_verified_at="2026-11-02")
    assert placed["timezone"] == "America/Los_Angeles"
    assert placed["last_verified_at"] == "2026-11-02T08:00:00+00:00"  # midnight, Pacific time
    by_zip, problems = _doc(timezone="Mars/Base", address={"postal_code": "02713"})
    assert by_zip["timezone"] == "America/New_York"
    assert [(p.type, p.field) for p in problems] == [("invalid-value", "timezone")]
    nowhere, _ = _doc(spec=SourceSpec(id="yeg", path=None, timezone="America/Edmonton"))
    assert nowhere["timezone"] == "America/Edmonton"


def test_a_service_with_no_place_takes_the_zone_its_zip_codes_share():
    area = {"postal_codes": ["94110", "94103"]}
    served, _ = _doc(confidential_location="Yes", service_area=area)
    assert served["timezone"] == "America/Los_Angeles"
    # ZIP codes on two clocks (San Francisco and New York) give no zone rather than a guess.
    split, _ = _doc(service_area={"postal_codes": ["94110", "10001"]})
    assert split["timezone"] is None


@pytest.mark.parametrize(
    ("served", "genders"),
    [
        ("Women and children", ["woman"]),
        ("Men", ["man"]),
        ("Men and women", []),
        (["woman"], ["woman"]),
    ],
)
def test_who_is_served_in_words_gives_the_genders(served, genders):
    doc, problems = _doc(eligibility={"genders": served})
    assert doc["eligibility"]["genders"] == genders
    assert problems == []


def test_a_capacity_unit_is_read_in_any_case_and_an_unknown_one_reported():
    seats, problems = _doc(capacity={"available": "3", "unit": "Seats"})
    assert (seats["capacity"]["unit"], problems) == ("seats", [])
    rooms, problems = _doc(capacity={"available": "3", "unit": "Rooms"})
    assert rooms["capacity"]["unit"] == "beds"
    assert [(p.type, p.field) for p in problems] == [("invalid-value", "capacity.unit")]


def test_placeholder_dates_and_ages_are_dropped_not_fatal():
    doc, problems = _doc(
        updated_at="12/31/9999 11:00 PM", eligibility={"min_age": "18", "max_age": 999}
    )
    assert doc["updated_at"] is None
    assert (doc["eligibility"]["min_age"], doc["eligibility"]["max_age"]) == (18, None)
    assert sorted((p.type, p.field) for p in problems) == [
        ("invalid-date", "updated_at"),
        ("invalid-value", "eligibility.max_age"),
    ]


def test_fact_words_from_a_source_are_read_and_bad_ones_reported():
    doc, problems = _doc(
        facts=[
            {"code": "accepts_moud", "value": "TRUE", "source": "sheet"},
            {"code": "pets_allowed", "value": "maybe", "source": "sheet"},
        ]
    )
    assert doc["attributes"]["accepts_moud"] == {"value": "yes", "source": "sheet", "note": None}
    assert "pets_allowed" not in doc["attributes"]
    assert [p.type for p in problems] == ["invalid-value"]


def test_names_lose_a_directorys_trailing_full_stop_but_not_an_abbreviation():
    assert _doc(name="Little House.")[0]["name"] == "Little House"
    assert _doc(name="Mission Hiring Hall, Inc.")[0]["name"] == "Mission Hiring Hall, Inc."


def test_a_feeds_string_of_types_becomes_one_term_per_type():
    doc, problems = _doc(
        kind="meeting",
        meeting={"day": 2, "time": "7:00 PM"},
        taxonomy=[{"scheme": "meeting_guide", "code": "[open], W,S"}],
    )
    assert [t["code"] for t in doc["taxonomy"]] == ["open", "W", "S"]
    assert doc["attributes"]["women_only"]["value"] == "yes"
    assert doc["languages"] == ["es"]
    assert doc["schedule"]["intervals"] == [{"day": 1, "opens": "19:00", "closes": None}]
    assert problems == []
