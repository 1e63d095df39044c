"""Tests for the Ohana API JSON reader: flat CIP services and nested organizations."""

import json
from collections import Counter

import pytest

from ingest.problems import Severity, SourceError
from ingest.readers import ReadOptions
from ingest.readers.files import address_digest, slug
from ingest.readers.ohana_json import READER
from ingest.record import Record

SMC = "ohana-api-smc-historical"
SFB = "sfbrigade-sf-openreferral-data"


def read_records(path):
    """Read a file with the Ohana reader and return its records."""
    return [r for r in READER.read(path, ReadOptions()) if isinstance(r, Record)]


def problem_types(records):
    """Count the problem types over all records."""
    return Counter(p.type for r in records for p in r.problems)


@pytest.fixture(scope="module")
def cip(shared_data):
    return read_records(shared_data / SMC / "cip_mvp.json")


@pytest.fixture(scope="module")
def sf211(shared_data):
    return read_records(shared_data / SFB / "211" / "sf.json")


# --- flat CIP export -----------------------------------------------------------------------------


@pytest.mark.shared_data
def test_cip_yields_one_record_per_service_with_unique_keys(cip):
    assert len(cip) == 1689
    assert len({r.key for r in cip}) == 1689
    assert [r.line for r in cip[:3]] == [1, 2, 3]


@pytest.mark.shared_data
def test_cip_keys_are_the_same_when_read_again(cip, shared_data):
    again = read_records(shared_data / SMC / "cip_mvp.json")
    assert [r.key for r in again] == [r.key for r in cip]


@pytest.mark.shared_data
def test_cip_duplicate_agency_and_name_are_told_apart_by_a_digest_of_the_street(cip):
    pairs = Counter((r.raw.get("agency"), r.raw["name"]) for r in cip)
    assert sum(n - 1 for n in pairs.values() if n > 1) == 8
    labour = [r for r in cip if r.raw["name"] == "Division of Labor Standards Enforcement."]
    name = (
        "california-state-department-of-industrial-relations--"
        "division-of-labor-standards-enforcement"
    )
    streets = ["455-golden-gate-avenue-10th-floor", "100-paseo-de-san-antonio-room-120"]
    assert [r.key for r in labour] == [f"{name}--{address_digest(s)}" for s in streets]
    # the key before keys held no address, under which a store may hold the record
    assert [r.former_key for r in labour] == [
        f"{name}--455-golden-gate-avenue-10th-floor",
        f"{name}--100-paseo-de-san-antonio-room-120",
    ]
    placed = [(r, r.draft.get("address", {}).get("street")) for r in cip]
    placed = [(r, street) for r, street in placed if street]
    assert len(placed) == 1410
    assert not any(slug(street) in r.key for r, street in placed)


@pytest.mark.shared_data
def test_cip_record_is_restructured_with_raw_values(cip):
    sheriff = cip[0]
    assert sheriff.key == (
        "san-mateo-county-sheriff-s-office--operations-division-area-office-of-emergency-"
        f"services-and-homeland-security--{address_digest('555-county-center-4th-floor')}"
    )
    draft = sheriff.draft
    assert draft["organization"] == {"name": "San Mateo County Sheriff's Office."}
    assert draft["address"] == {
        "street": "555 County Center, 4th Floor",
        "city": "Redwood City",
        "region": "CA",
        "postal_code": "94063",
    }
    assert draft["hours"] == {"text": "Monday-Friday, 8-5"}
    assert draft["phones"] == [
        {"number": "650 363-4790", "description": "(Monday-Friday, 8-5)"},
        {"number": "650 363-1868", "type": "fax"},
    ]
    assert draft["url"] == "http://www.smcsheriff.com"
    assert draft["taxonomy"][:2] == [
        {"scheme": "keyword", "name": "EMERGENCY SERVICES"},
        {"scheme": "keyword", "name": "Disaster Relief"},
    ]
    assert draft["transportation"].startswith("SAMTRANS stops within 1 block")
    assert draft["accessibility"] == ["Wheelchair accessible"]
    assert "location" not in draft  # the CIP export has no coordinates
    assert sheriff.raw["agency"] == "San Mateo County Sheriff's Office."


@pytest.mark.shared_data
def test_cip_records_without_street_keep_the_rest_of_the_address(cip):
    streetless = [r for r in cip if "street" not in r.draft.get("address", {})]
    assert len(streetless) == 279
    assert sum(1 for r in cip if "organization" not in r.draft) == 1689 - 644


@pytest.mark.shared_data
def test_cip_numbers_filed_under_department_are_recovered(cip):
    crisis = next(r for r in cip if r.raw["name"].startswith("Department of Health and Recovery"))
    assert crisis.draft["phones"][0] == {
        "number": "800 273-TALK",
        "description": "(24 hours daily)",
    }
    # a department with no digits is a label, not a phone
    assert all(p["number"] != "Emergency" for r in cip for p in r.draft.get("phones", []))


@pytest.mark.shared_data
def test_cip_record_with_two_addresses_keeps_the_first_and_warns(cip):
    raices = next(r for r in cip if r.raw["name"] == "Raices de Mexico Ballet Folklorico.")
    assert raices.draft["address"]["street"] == (
        "Cubberley Community Center, 4000 Middlefield Road, Room L4"
    )
    assert raices.draft["address"]["city"] == "Palo Alto"
    assert [(p.type, p.field) for p in raices.problems] == [
        ("invalid-value", "street_address"),
        ("invalid-value", "city"),
        ("invalid-value", "zipcode"),
    ]
    assert all(p.severity is Severity.WARNING and p.record == raices.key for p in raices.problems)
    # the same value twice ("Rehearsal Studio" x2) is no conflict
    assert problem_types(cip) == Counter({"invalid-value": 3})


# --- nested organizations ------------------------------------------------------------------------


@pytest.mark.shared_data
def test_sample_data_gives_one_record_per_service_at_location(shared_data):
    records = read_records(shared_data / SMC / "sample_data.json")
    assert len(records) == 23  # 8 organizations, 22 locations, one with two services
    assert Counter(r.line for r in records)[8] == 2
    fair_oaks = records[0]
    assert fair_oaks.key == (
        "peninsula-family-service--fair-oaks-adult-activity-center--"
        + address_digest("2600-middlefield-road")
    )
    draft = fair_oaks.draft
    assert draft["name"] == "Fair Oaks Adult Activity Center"
    assert draft["location_name"] == "Fair Oaks Adult Activity Center"
    assert draft["organization"]["name"] == "Peninsula Family Service"
    assert draft["location"] == {"lat": 37.477227, "lon": -122.213221}
    assert draft["address"]["country"] == "US"
    assert draft["phones"] == [
        {"number": "650 780-7525", "type": "voice"},
        {"number": "650 701-0856", "type": "fax"},
    ]
    assert draft["languages"] == ["Tagalog", "Spanish"]
    assert draft["service_area"] == {"text": "Colma"}
    assert draft["hours"] == {"text": "Monday-Friday, 9-5"}
    assert draft["status"] == "active"
    assert fair_oaks.raw["name"] == "Peninsula Family Service"  # the organization's line


@pytest.mark.shared_data
def test_sample_data_phone_extension_and_service_level_fields(shared_data):
    records = read_records(shared_data / SMC / "sample_data.json")
    admin = next(r for r in records if r.key.startswith("admin-test-org"))
    assert {
        "number": "7035551212",
        "extension": "1223",
        "type": "voice",
        "description": "CalFresh",
    } in (admin.draft["phones"])
    passport = next(r for r in records if r.key.endswith("--passport-photos"))
    assert passport.draft["cost"]["payments"] == ["Cash", "Credit Card", "Check"]
    assert passport.draft["required_documents"] == ["Government-issued identification"]
    assert passport.draft["languages"] == ["English", "Spanish"]
    assert passport.draft["updated_at"] == "2014-04-18T12:49:47.791-07:00"


@pytest.mark.shared_data
def test_sf211_json_lines_coordinates_and_duplicate_sites(sf211):
    assert len(sf211) == 2697  # 841 organizations, one service per location
    # 211 repeats sites: the pipeline loads the first and quarantines the repeats (duplicate-key)
    assert len({r.key for r in sf211}) == 2697 - 790
    first = sf211[0]
    assert first.key == "611"
    assert first.line == 1
    # Ohana stored [longitude, latitude]
    assert first.draft["location"] == {"lat": "37.788462", "lon": "-122.394608"}
    assert "street" not in first.draft["address"]  # a lone space
    assert sum(1 for r in sf211 if "location" not in r.draft) == 4  # [null, null]
    # 211 repeats a site record for the same organization and street, under the same key
    assert sf211[1].key == "611"
    assert problem_types(sf211) == Counter()


@pytest.mark.shared_data
def test_apd_array_of_organizations(shared_data):
    records = read_records(shared_data / SFB / "apd" / "open_ref.json")
    assert len(records) == 229
    chp = records[0]
    assert chp.key == f"community-housing-partnership-chp--{address_digest('519-ellis-st')}"
    assert chp.draft["name"] == "Community Housing Partnership (CHP)"  # service and site unnamed
    assert "location_name" not in chp.draft
    assert chp.draft["phones"] == [{"number": "4155633205", "extension": "123"}]
    assert chp.draft["organization"]["description"].startswith("Properties Without Waitlists")
    nameless = [r for r in records if any(p.severity is Severity.ERROR for p in r.problems)]
    assert [(r.key, r.line, r.problems[0].type) for r in nameless] == [
        ("line-193", 193, "missing-key")
    ]


@pytest.mark.shared_data
def test_bapd_comma_terminated_lines_and_single_objects(shared_data):
    records = read_records(shared_data / SFB / "bapd" / "bapd.json")
    assert len(records) == 1804
    first = records[0]
    assert first.draft["phones"] == [{"number": "(510) 583-0100"}]
    assert [t["name"] for t in first.draft["taxonomy"]] == [
        "family",
        "guns",
        "services",
        "support groups",
        "violence",
    ]


@pytest.mark.shared_data
@pytest.mark.parametrize(
    ("path", "claimed"),
    [
        (f"{SMC}/cip_mvp.json", True),
        (f"{SMC}/sample_data.json", True),
        (f"{SFB}/211/sf.json", True),
        (f"{SFB}/apd/open_ref.json", True),
        (f"{SMC}/smc_farmers_markets.json", False),
        ("openreferral-hsds3-examples/organization_full.json", False),
        ("code4recovery-tsml-ui-meeting-feeds/aasanjose.test.json", False),
        ("code4recovery-tsml-ui-meeting-feeds/nocodeapi.com.test.json", False),
        ("ohana-api-sample-csv/locations.csv", False),
    ],
)
def test_sniff_claims_ohana_json_only(shared_data, path, claimed):
    assert READER.sniff(shared_data / path) is claimed


@pytest.mark.shared_data
def test_reading_a_meeting_feed_fails_the_source(shared_data):
    with pytest.raises(SourceError, match="is not Ohana JSON"):
        read_records(shared_data / "code4recovery-tsml-ui-meeting-feeds" / "atlanta.json")


# --- hand-written edge cases ---------------------------------------------------------------------


def write_lines(tmp_path, *lines):
    path = tmp_path / "orgs.json"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_location_without_services_is_one_record_named_after_it(tmp_path):
    org = {
        "name": "Harbor Light",
        "locations": [
            {"name": "Harbor Light Drop-in", "address_attributes": {"street_1": "1 Pier Rd"}},
            {"name": "Harbor Light Rides", "services_attributes": []},
        ],
    }
    records = read_records(write_lines(tmp_path, json.dumps(org)))
    assert [(r.key, r.draft["name"]) for r in records] == [
        (
            f"harbor-light--harbor-light-drop-in--{address_digest('1-pier-rd')}",
            "Harbor Light Drop-in",
        ),
        ("harbor-light--harbor-light-rides", "Harbor Light Rides"),
    ]


def test_a_line_that_is_not_json_is_quarantined_and_the_rest_read(tmp_path):
    good = json.dumps({"name": "A", "locations": [{"name": "B", "services_attributes": [{}]}]})
    path = write_lines(tmp_path, good, '{"name": "broken", ', good)
    records = read_records(path)
    assert [(r.key, r.line) for r in records] == [("a--b", 1), ("line-2", 2), ("a--b", 3)]
    assert records[1].problems[0].type == "invalid-record"
    assert records[1].problems[0].severity is Severity.ERROR
    assert records[1].raw == '{"name": "broken", '


def test_invalid_json_array_fails_the_source(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('[[{"name": "x", "agency": "y", "keywords": []}]', encoding="utf-8")
    with pytest.raises(SourceError, match=r"bad.json is not valid JSON: .* line 1"):
        read_records(path)


def test_slug():
    assert slug("  Café  Olé! (SF) ") == "cafe-ole-sf"


def test_sniff_reads_past_the_head_when_the_first_record_is_long(tmp_path):
    org = {
        "name": "Long Story",
        "description": "x" * 300_000,
        "locations": [{"name": "Main", "address_attributes": {"street": "1 Main St"}}],
    }
    path = write_lines(tmp_path, json.dumps(org))
    assert READER.sniff(path)
    assert [r.key for r in read_records(path)] == [
        f"long-story--main--{address_digest('1-main-st')}"
    ]
