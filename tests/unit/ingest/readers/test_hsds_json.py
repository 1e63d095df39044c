"""Tests for the HSDS 3.0 JSON reader, on the spec's examples and small hand-written files."""

import json
from pathlib import Path

import pytest

from ingest.problems import Problem, SourceError
from ingest.readers import ReadOptions, hsds_tabular
from ingest.readers.hsds_json import read, sniff
from ingest.record import Record

EXAMPLES = "openreferral-hsds3-examples"
SERVICE_ID = "ac148810-d857-441c-9679-408f346de14b"
SAL_ID = "e94c9f38-1e8f-4564-91d4-d53501ab1765"


def records_of(path: Path) -> list[Record]:
    found = list(read(path, ReadOptions()))
    assert not [f for f in found if isinstance(f, Problem)]
    return [f for f in found if isinstance(f, Record)]


@pytest.fixture
def write_json(tmp_path):
    """Return a function that writes data as a JSON file and returns its path."""

    def write(data, name: str = "feed.json") -> Path:
        path = tmp_path / name
        path.write_text(json.dumps(data), encoding="utf-8")
        return path

    return write


def service(sid: str, name: str, **extra) -> dict:
    """Return a minimal HSDS 3.0 service object."""
    return {"id": sid, "name": name, "status": "active", "organization_id": "o1", **extra}


@pytest.mark.shared_data
@pytest.mark.parametrize(
    "example", ["service_full.json", "service_at_location_full.json", "organization_full.json"]
)
def test_community_counselling_matches_the_tabular_example(shared_data, example):
    (record,) = records_of(shared_data / EXAMPLES / example)
    (tabular,) = [
        r
        for r in hsds_tabular.read(shared_data / EXAMPLES / "csv", ReadOptions())
        if isinstance(r, Record)
    ]
    draft = record.draft
    assert record.key == tabular.key == SAL_ID
    assert draft["name"] == "Community Counselling"
    assert draft["hours"] == tabular.draft["hours"]
    assert draft["languages"] == ["Urdu"]
    assert draft["cost"]["amount"] == 35
    assert draft["cost"]["period"] == "per 1 hour session"
    assert (draft["eligibility"]["min_age"], draft["eligibility"]["max_age"]) == (12, 100)
    assert draft["address"] == tabular.draft["address"]
    assert draft["organization"]["name"] == "Example Organization Inc."
    assert draft["source_keys"] == tabular.draft["source_keys"]


@pytest.mark.shared_data
def test_phone_repeated_under_service_location_and_contact_is_one_phone(shared_data):
    (record,) = records_of(shared_data / EXAMPLES / "service_full.json")
    assert record.draft["phones"] == [
        {
            "number": '"+44 1234 234567"',
            "extension": 100,
            "type": "voice",
            "description": record.raw["phones"][0]["description"],
        }
    ]
    assert record.raw["id"] == SERVICE_ID  # the raw form is the JSON object as published


@pytest.mark.shared_data
def test_raw_form_is_the_object_the_record_came_from(shared_data):
    (at_location,) = records_of(shared_data / EXAMPLES / "service_at_location_full.json")
    assert at_location.raw["id"] == SAL_ID
    (in_organization,) = records_of(shared_data / EXAMPLES / "organization_full.json")
    assert in_organization.raw["id"] == SERVICE_ID  # the service nested in the organization


@pytest.mark.shared_data
def test_service_list_page_gives_an_area_wide_record_per_service(shared_data):
    (record,) = records_of(shared_data / EXAMPLES / "service_list.json")
    assert record.key == SERVICE_ID
    assert "location_id" not in record.draft["source_keys"]
    assert record.draft["last_verified_at"] == "2005-01-01"


@pytest.mark.shared_data
@pytest.mark.parametrize(
    ("path", "claimed"),
    [
        (f"{EXAMPLES}/service_full.json", True),
        (f"{EXAMPLES}/service_list.json", True),
        (f"{EXAMPLES}/service_at_location_list.json", True),
        (f"{EXAMPLES}/organization_full.json", True),
        (f"{EXAMPLES}/organization_list.json", False),  # organizations without services
        (f"{EXAMPLES}/location.json", False),
        (f"{EXAMPLES}/taxonomy_term_list.json", False),
        ("sfbrigade-sf-openreferral-data/apd/open_ref.json", False),  # Ohana JSON
        ("code4recovery-tsml-ui-meeting-feeds/aasanjose.test.json", False),  # Meeting Guide
        ("code4recovery-tsml-ui-meeting-feeds/invalid.json", False),
        ("bchd-baltimore-charmcare-icarol/service_icarol_categories.json", False),
    ],
)
def test_sniff_claims_hsds3_services_only(shared_data, path, claimed):
    assert sniff(shared_data / path) is claimed


def test_plain_array_with_nested_locations_gives_one_record_per_place(write_json):
    path = write_json(
        [
            service(
                "s1",
                "Ride Line",
                service_at_locations=[
                    {
                        "id": "sal1",
                        "location": {
                            "id": "l1",
                            "location_type": "physical",
                            "name": "North",
                            "latitude": 47.6,
                            "longitude": -122.3,
                            "addresses": [
                                {
                                    "id": "a1",
                                    "address_1": "1 Pine St",
                                    "city": "Seattle",
                                    "address_type": "physical",
                                }
                            ],
                        },
                    },
                    {
                        "id": "sal2",
                        "location": {
                            "id": "l2",
                            "location_type": "virtual",
                            "url": "https://meet.example.org/rides",
                        },
                    },
                ],
            ),
            service(
                "s2",
                "Sober Bowling",
                schedules=[
                    {
                        "id": "h1",
                        "freq": "WEEKLY",
                        "byday": "FR",
                        "opens_at": "19:00",
                        "closes_at": "21:00",
                    }
                ],
            ),
        ]
    )
    north, online, bowling = records_of(path)
    assert (north.key, online.key, bowling.key) == ("sal1", "sal2", "s2")
    assert north.draft["address"] == {"street": "1 Pine St", "city": "Seattle"}
    assert north.draft["location"] == {"lat": 47.6, "lon": -122.3}
    assert online.draft["online"] == {"url": "https://meet.example.org/rides"}
    assert bowling.draft["hours"]["intervals"] == [
        {"day": "FR", "opens": "19:00", "closes": "21:00"}
    ]
    assert bowling.line == 2


def test_nested_resdir_attribute_becomes_a_fact(write_json):
    term = {
        "id": "t1",
        "code": "accepts_moud",
        "name": "Accepts MOUD",
        "taxonomy_detail": {"id": "tx", "name": "resdir"},
    }
    need = {
        "id": "t2",
        "code": "housing.recovery_residence",
        "name": "Recovery residence",
        "taxonomy_detail": {"id": "tx", "name": "resdir"},
    }
    path = write_json(
        {
            "contents": [
                service(
                    "s1",
                    "Hope House",
                    attributes=[
                        {"id": "a1", "value": "no", "taxonomy_term": term},
                        {"id": "a2", "taxonomy_term": need},
                    ],
                )
            ]
        }
    )
    (house,) = records_of(path)
    assert house.draft["facts"] == [
        {"code": "accepts_moud", "value": "no", "source": "HSDS attribute"}
    ]
    assert house.draft["taxonomy"] == [
        {"scheme": "resdir", "code": "housing.recovery_residence", "name": "Recovery residence"}
    ]


def test_invalid_json_fails_the_source(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"id": "s1", "name": ', encoding="utf-8")
    with pytest.raises(SourceError, match="not valid JSON"):
        list(read(path, ReadOptions()))


def test_json_without_services_fails_the_source(write_json):
    path = write_json({"contents": [{"id": "o1", "name": "Org", "description": "No services"}]})
    with pytest.raises(SourceError, match=r"no HSDS 3\.0 services"):
        list(read(path, ReadOptions()))


def _term(tid: str, code: str, name: str, taxonomy: str) -> dict:
    return {
        "id": tid,
        "code": code,
        "name": name,
        "taxonomy_detail": {"id": taxonomy, "name": taxonomy},
    }


def test_a_service_with_meeting_guide_types_is_a_meeting_of_its_stated_fellowship(write_json):
    path = write_json(
        [
            service(
                "s1",
                "Lunch Bunch",
                attributes=[
                    {"id": "a1", "taxonomy_term": _term("t1", "W", "Women", "Meeting Guide")},
                    {"id": "a2", "taxonomy_term": _term("t2", "fellowship:na", "NA", "resdir")},
                ],
            ),
            service(
                "s2",
                "Food Pantry",
                attributes=[{"id": "a3", "taxonomy_term": _term("t3", "W", "Women", "Other")}],
            ),
        ]
    )
    meeting, pantry = records_of(path)
    assert meeting.draft["kind"] == "meeting"
    assert meeting.draft["fellowship"] == "na"
    assert meeting.draft["taxonomy"] == [{"scheme": "meeting_guide", "code": "W", "name": "Women"}]
    assert "kind" not in pantry.draft and "fellowship" not in pantry.draft


def test_a_resdir_need_that_is_also_a_fact_is_the_need_unless_linked_with_a_value(write_json):
    need = _term("t1", "childcare", "Childcare", "resdir")
    fact = _term("t2", "childcare", "Childcare on site", "resdir")
    path = write_json(
        [
            service("s1", "Little Steps", attributes=[{"id": "a1", "taxonomy_term": need}]),
            service(
                "s2",
                "Hope Hall",
                attributes=[{"id": "a2", "value": "yes", "taxonomy_term": fact}],
            ),
        ]
    )
    daycare, hall = records_of(path)
    assert daycare.draft["taxonomy"] == [
        {"scheme": "resdir", "code": "childcare", "name": "Childcare"}
    ]
    assert "facts" not in daycare.draft
    assert hall.draft["facts"] == [
        {"code": "childcare", "value": "yes", "source": "HSDS attribute"}
    ]


def test_a_virtual_locations_phone_is_the_rooms_dial_in_not_a_listing_phone(write_json):
    room = {
        "id": "l1",
        "location_type": "virtual",
        "url": "https://zoom.example.org/j/1",
        "phones": [{"id": "p1", "number": "+16695550132,,1#", "description": "Dial in"}],
    }
    path = write_json(
        [
            service(
                "s1",
                "Online Step Study",
                service_at_locations=[
                    {
                        "id": "sal1",
                        "location": room,
                        "phones": [{"id": "p2", "number": "4155550100"}],
                    }
                ],
            )
        ]
    )
    (meeting,) = records_of(path)
    assert meeting.draft["online"] == {
        "url": "https://zoom.example.org/j/1",
        "phone": "+16695550132,,1#",
    }
    assert [p["number"] for p in meeting.draft["phones"]] == ["4155550100"]


def test_the_cost_text_is_the_fee_description_and_options_stand_in_only_without_one(write_json):
    option = {"id": "c1", "option": "fee", "amount": 6, "currency": "USD"}
    path = write_json(
        [
            service(
                "s1",
                "Taxi Vouchers",
                fees_description="$6 buys $30 of rides.",
                cost_options=[option],
            ),
            service(
                "s2",
                "Counselling",
                cost_options=[{**option, "id": "c2", "option": "sliding scale"}],
            ),
        ]
    )
    vouchers, counselling = records_of(path)
    assert vouchers.draft["cost"]["text"] == "$6 buys $30 of rides."
    assert (vouchers.draft["cost"]["amount"], vouchers.draft["cost"]["currency"]) == (6, "USD")
    assert counselling.draft["cost"]["text"] == "sliding scale 6 USD"


def test_a_time_zone_in_schedule_notes_and_zip_and_county_areas_are_read_as_such(write_json):
    weekly = {
        "id": "h1",
        "freq": "WEEKLY",
        "byday": "TU",
        "opens_at": "19:00",
        "notes": "America/Chicago",
    }
    areas = [
        {"id": "z1", "name": "ZIP 64111"},
        {"id": "z2", "name": "Jackson County, MO"},
        {"id": "z3", "name": "Kansas City metro"},
    ]
    path = write_json([service("s1", "Rides", schedules=[weekly], service_areas=areas)])
    (rides,) = records_of(path)
    assert rides.draft["timezone"] == "America/Chicago"
    assert rides.draft["service_area"] == {
        "text": "Kansas City metro",
        "postal_codes": ["64111"],
        "counties": ["Jackson County, MO"],
    }
