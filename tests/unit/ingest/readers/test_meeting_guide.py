"""Tests for the Meeting Guide JSON and 12 Step Meeting List CSV readers."""

import json
from collections import Counter

import pytest

from ingest.problems import Severity, SourceError
from ingest.readers import ReadOptions
from ingest.readers.meeting_guide import CSV_READER, JSON_READER
from ingest.record import Record

FEEDS = "code4recovery-tsml-ui-meeting-feeds"
TSML_CSV = "code4recovery-12-step-meeting-list/template.csv"


def read_records(path, reader=JSON_READER):
    """Read a file with a Meeting Guide reader and return its records."""
    return [r for r in reader.read(path, ReadOptions()) if isinstance(r, Record)]


def by_key(records):
    return {r.key: r for r in records}


def codes(record):
    return [t["code"] for t in record.draft.get("taxonomy", [])]


@pytest.fixture(scope="module")
def feeds(shared_data):
    return shared_data / FEEDS


@pytest.mark.shared_data
@pytest.mark.parametrize(
    ("name", "count"),
    [
        ("aasanjose.test.json", 693),
        ("public_data.json", 570),
        ("data.json", 568),
        ("aasfmarin.test.json", 658),
        ("benlomond.test.json", 35),
        ("kc.test.json", 206),
        ("nwta.test.json", 613),
        ("meetings.json", 46),
        ("edmonton.json", 315),
        ("al-anon.json", 360),
        ("eda.json", 185),
        ("atlanta.json", 6),
        ("airtable-json.test.json", 545),
        ("nocodeapi.com.test.json", 567),
        ("appointment.test.json", 2),
        ("timezones.test.json", 2),
        ("times.json", 9),
    ],
)
def test_every_meeting_of_every_feed_is_a_record(feeds, name, count):
    assert JSON_READER.sniff(feeds / name)
    records = read_records(feeds / name)
    assert len(records) == count
    # one slug repeats in the San Jose feed (the pipeline quarantines the second meeting)
    assert len({r.key for r in records}) == count - (name == "aasanjose.test.json")
    assert all(
        r.draft["kind"] == "meeting" and r.draft["weekday_base"] == "sunday0" for r in records
    )
    assert not any(p.severity is Severity.ERROR for r in records for p in r.problems)


@pytest.mark.shared_data
def test_san_jose_meeting_is_restructured(feeds):
    records = read_records(feeds / "aasanjose.test.json")
    meeting = by_key(records)["attitude-adjustment"]
    assert meeting.line == 247
    draft = meeting.draft
    assert draft["name"] == "Attitude Adjustment"
    assert draft["meeting"] == {"day": 0, "time": "06:00", "end_time": "07:00"}
    assert codes(meeting) == ["DR", "D", "LIT", "TC", "O", "DB"]
    assert draft["taxonomy"][0] == {"scheme": "meeting_guide", "code": "DR"}
    assert "TC" in [t["code"] for t in draft["taxonomy"]]  # temporarily closed, read by type
    assert draft["address"] == {"formatted": "1600 Dell Ave, Campbell, CA 95008, USA"}
    assert draft["location"] == {"lat": 37.2630048, "lon": -121.9557222}
    assert draft["online"] == {
        "url": "https://zoom.us/j/891281338",
        "phone": "+16699009128,,891281338#",
    }
    assert draft["organization"] == {"name": "Cornerstone Fellowship Group"}
    assert draft["service_area"] == {"text": "Campbell"}
    assert draft["description"] == "Business meeting: 2nd Sunday of even months @ 2 pm."
    assert draft["updated_at"] == "8/27/2021"
    assert meeting.raw["slug"] == "attitude-adjustment"


@pytest.mark.shared_data
def test_updated_in_the_specs_format_is_read_as_utc_as_the_spec_says(feeds):
    ward_parkway = by_key(read_records(feeds / "kc.test.json"))["254"]
    assert ward_parkway.raw["updated"] == "2021-05-26 19:03:46"
    assert ward_parkway.draft["updated_at"] == "2021-05-26T19:03:46+00:00"


@pytest.mark.shared_data
def test_san_jose_keys_are_stable_across_three_snapshots(feeds):
    snapshots = [
        by_key(read_records(feeds / name))
        for name in ("data.json", "public_data.json", "aasanjose.test.json")
    ]
    common = set(snapshots[0]) & set(snapshots[1]) & set(snapshots[2])
    assert len(common) == 509
    # 2018 wrote day as a string and coordinates as strings; 2019 as numbers
    assert snapshots[0]["attitude-adjustment"].draft["meeting"]["day"] == "0"
    assert snapshots[0]["attitude-adjustment"].draft["location"]["lat"] == "37.2630048"
    assert snapshots[1]["attitude-adjustment"].draft["meeting"]["day"] == 0
    assert snapshots[1]["attitude-adjustment"].draft["source_keys"] == {
        "meeting_id": "5495",
        "location_id": "5494",
    }


@pytest.mark.shared_data
def test_san_jose_repeated_slug_is_passed_on_for_the_pipeline_to_judge(feeds):
    records = read_records(feeds / "aasanjose.test.json")
    twins = [r for r in records if r.raw["slug"] == "pass-it-on-group"]
    assert [(r.key, r.line) for r in twins] == [
        ("pass-it-on-group", twins[0].line),
        ("pass-it-on-group", 512),
    ]


@pytest.mark.shared_data
def test_sf_marin_online_meeting_has_no_address(feeds):
    records = by_key(read_records(feeds / "aasfmarin.test.json"))
    online = records["marin-city-fellowship-speaker-619"]
    assert online.draft["online"] == {
        "url": "https://zoom.us/j/530851127",
        "phone": "+16699009128,,530851127#,,085392#",
    }
    assert "address" not in online.draft
    assert "location" not in online.draft
    assert online.draft["service_area"] == {"text": "Marin > Sausalito"}
    assert online.draft["timezone"] == "America/Los_Angeles"
    assert online.draft["meeting"] == {"day": 3, "time": "18:30"}
    assert sum(1 for r in records.values() if "address" not in r.draft) == 514


@pytest.mark.shared_data
def test_sf_marin_street_address_and_string_coordinates(feeds):
    records = by_key(read_records(feeds / "aasfmarin.test.json"))
    larkspur = records["larkspur-7am-group-200"].draft
    assert larkspur["address"] == {
        "street": "500 Magnolia Ave",
        "city": "Larkspur",
        "region": "CA",
        "postal_code": "94939",
        "country": "USA",
    }
    assert larkspur["location"] == {"lat": "37.93662", "lon": "-122.534462"}
    assert larkspur["location_name"] == "American Legion Hall"
    assert "transportation" not in larkspur  # no location notes
    horsemen = records["the-headless-horsemen-862"].draft
    assert horsemen["location_name"] == "Sleepy Hollow Presbyterian Church"
    assert horsemen["transportation"] == "CLEAR"
    # one meeting has a longitude and no latitude
    half = records["the-headless-horsemen-862"]
    assert "location" not in half.draft
    assert [(p.type, p.field) for p in half.problems] == [("invalid-value", "longitude")]


@pytest.mark.shared_data
def test_edmonton_day_lists_twelve_hour_times_and_whole_address(feeds):
    records = read_records(feeds / "edmonton.json")
    first = records[0]
    assert first.key == "6"
    assert first.draft["meeting"] == {"day": [6], "time": "11:00 AM"}
    assert first.draft["address"] == {
        "formatted": "8318 104 St, Edmonton, Alberta, T6E 4E8, Canada"
    }
    assert first.draft["organization"] == {"name": "Chapter House - Shifters Group"}
    assert first.draft["location_name"] == "Strathcona Baptist Church"
    assert first.draft["updated_at"] == "8/25/2022 11:17:07 AM"


@pytest.mark.shared_data
def test_nwta_string_types_and_integer_slug_and_postal_code(feeds):
    records = read_records(feeds / "nwta.test.json")
    first = records[0]
    assert first.key == "5202"
    assert codes(first) == ["[open]"]  # a string of types is one term: the crosswalk splits it
    assert first.draft["address"]["postal_code"] == 79107
    assert Counter(c for r in records for c in codes(r)) == {"[open]": 407, "[closed]": 206}


@pytest.mark.shared_data
def test_comma_separated_type_string_is_passed_on_whole(feeds):
    records = read_records(feeds / "meetings.json")
    assert Counter(tuple(codes(r)) for r in records)[("C,W",)] == 2
    assert records[0].draft["address"] == {
        "street": "3100 Piper Rd",
        "city": "Alpena",
        "region": "MI",
    }


@pytest.mark.shared_data
def test_legacy_and_lower_case_codes_are_kept_as_given(feeds):
    kc = by_key(read_records(feeds / "kc.test.json"))
    assert sum(1 for r in kc.values() if "onl" in codes(r)) == 70
    assert codes(kc["284"]) == ["C", "onl"]
    ben_lomond = read_records(feeds / "benlomond.test.json")
    assert sum(1 for r in ben_lomond if "ONL" in codes(r)) == 18
    assert codes(by_key(ben_lomond)["daily-reflections"]) == ["TC", "O", "X", "ONL"]


@pytest.mark.shared_data
def test_meeting_by_appointment_is_still_a_record(feeds):
    josh, timed = read_records(feeds / "appointment.test.json")
    assert josh.key == "josh-meeting"
    assert "meeting" not in josh.draft
    assert josh.draft["online"] == {"url": "https://zoom.us/j/12345678"}
    assert josh.draft["service_area"] == {"text": "San Francisco"}
    assert timed.draft["meeting"] == {"day": 4, "time": "20:00"}


@pytest.mark.shared_data
def test_approximate_is_passed_on_as_written(feeds):
    records = read_records(feeds / "al-anon.json")
    said = Counter(r.draft.get("approximate_location") for r in records)
    assert said == {"yes": 24, "no": 336}
    assert records[0].draft["approximate_location"] == "yes"  # Cuttyhunk Island, a Zoom group
    eda = read_records(feeds / "eda.json")
    assert sum(1 for r in eda if r.draft.get("approximate_location") == "yes") == 101


@pytest.mark.shared_data
def test_airtable_records_are_unwrapped(feeds):
    records = read_records(feeds / "nocodeapi.com.test.json")
    first = records[0]
    assert first.key == "marin-city-6-nights-wednesday-628"
    assert first.raw["id"] == "recdlIQVncYYtSZyG"  # the Airtable record, verbatim
    assert first.draft["meeting"] == {"day": "Wednesday", "time": "6:30 PM"}
    assert codes(first) == ["Open,English,Online Meeting"]
    assert "venmo" not in json.dumps(first.draft).lower()


@pytest.mark.shared_data
def test_invalid_feed_fails_the_source_with_its_position(feeds):
    assert JSON_READER.sniff(feeds / "invalid.json")  # it starts like a feed
    with pytest.raises(
        SourceError, match=r"invalid\.json is not valid JSON: Extra data at line 80"
    ):
        read_records(feeds / "invalid.json")


@pytest.mark.shared_data
@pytest.mark.parametrize(
    "path",
    [
        "ohana-api-smc-historical/cip_mvp.json",
        "sfbrigade-sf-openreferral-data/211/sf.json",
        "openreferral-hsds3-examples/organization_full.json",
        "code4recovery-spec/example.json",  # one meeting, not a feed
        TSML_CSV,
    ],
)
def test_json_sniff_claims_only_meeting_feeds(shared_data, path):
    assert not JSON_READER.sniff(shared_data / path)


@pytest.mark.shared_data
def test_reading_ohana_services_as_meetings_fails_the_source(shared_data):
    with pytest.raises(SourceError, match="not a Meeting Guide feed"):
        read_records(shared_data / "ohana-api-smc-historical" / "cip_mvp.json")


# --- 12 Step Meeting List CSV --------------------------------------------------------------------


@pytest.mark.shared_data
def test_tsml_csv_rows_are_meetings(shared_data):
    path = shared_data / TSML_CSV
    assert CSV_READER.sniff(path)
    records = read_records(path, CSV_READER)
    assert len(records) == 36
    after_work = by_key(records)["after-work-topic-meeting"]
    assert after_work.line == 2
    draft = after_work.draft
    assert draft["name"] == "After Work Topic Meeting"
    assert draft["meeting"] == {"day": "Monday", "time": "6:00 PM"}
    assert codes(after_work) == ["Open, Wheelchair Access"]
    assert draft["address"] == {"formatted": "2634 Union Ave, San Jose, CA 95124, USA"}
    assert draft["service_area"] == {"text": "San Jose > West San Jose"}
    assert draft["timezone"] == "America/Los_Angeles"
    assert draft["organization"] == {
        "name": "Saturday Nite Live",
        "url": "https://saturdaynitelive.org",
    }
    assert draft["updated_at"] == "2020-04-0416:50:58"
    # the group's payment handle and phone stay out of the draft
    text = json.dumps(draft)
    assert "@sample-venmo" not in text
    assert "555-1212" not in text
    tgif = by_key(records)["t-g-i-f"]
    assert tgif.draft["meeting"] == {"day": "Friday", "time": "7:30 PM", "end_time": "8:30 PM"}


@pytest.mark.shared_data
@pytest.mark.parametrize(
    "path",
    [
        "ohana-api-sample-csv/locations.csv",
        "sfbrigade-sf-openreferral-data/ss4women/directory.csv",
        f"{FEEDS}/aasanjose.test.json",
    ],
)
def test_csv_sniff_claims_only_tsml_columns(shared_data, path):
    assert not CSV_READER.sniff(shared_data / path)


# --- hand-written edge cases ---------------------------------------------------------------------


def write_feed(tmp_path, meetings):
    path = tmp_path / "feed.json"
    path.write_text(json.dumps(meetings), encoding="utf-8")
    return path


def test_a_meeting_on_several_days_is_one_record_meeting_on_each(tmp_path):
    path = write_feed(
        tmp_path,
        [{"slug": "noon", "name": "Noon", "day": [1, 3, 5], "time": "12:00", "types": ["O"]}],
    )
    records = read_records(path)
    assert [(r.key, r.draft["meeting"]["day"], r.line) for r in records] == [("noon", [1, 3, 5], 1)]


def test_key_falls_back_to_id_then_to_content(tmp_path):
    path = write_feed(
        tmp_path,
        [
            {"id": 42, "name": "Early", "day": 2, "time": "07:00"},
            {"name": "Late Night", "location": "Hall B", "day": 5, "time": "23:00"},
            {"types": ["O"], "conference_url": "https://zoom.us/j/1"},
        ],
    )
    records = read_records(path)
    assert [r.key for r in records] == ["42", "late-night--hall-b--5--23-00", "line-3"]
    assert [p.type for p in records[2].problems] == ["missing-key"]
    assert records[2].problems[0].severity is Severity.ERROR


def test_tsml_csv_with_address_columns(tmp_path):
    path = tmp_path / "meetings.csv"
    path.write_text(
        "Day,Time,Name,Address,City,State,Postal Code,Types,Slug,Email\n"
        'Tuesday,7:00 PM,Step Study,12 Elm St,Salem,OR,97301,"Closed, Men",step-study,x@y.org\n',
        encoding="utf-8",
    )
    (record,) = read_records(path, CSV_READER)
    assert record.draft["address"] == {
        "street": "12 Elm St",
        "city": "Salem",
        "region": "OR",
        "postal_code": "97301",
    }
    assert codes(record) == ["Closed, Men"]
    assert "x@y.org" not in json.dumps(record.draft)


def test_csv_without_meeting_columns_fails_the_source(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("Name,Phone\nA,555\n", encoding="utf-8")
    assert not CSV_READER.sniff(path)
    with pytest.raises(SourceError, match="not a 12 Step Meeting List CSV"):
        read_records(path, CSV_READER)


def test_an_item_that_is_not_a_meeting_is_quarantined(tmp_path):
    path = write_feed(tmp_path, [{"slug": "a", "name": "A", "day": 1, "time": "09:00"}, "oops"])
    records = read_records(path)
    assert [(r.key, [p.type for p in r.problems]) for r in records] == [
        ("a", []),
        ("line-2", ["not-a-record"]),
    ]


@pytest.mark.shared_data
def test_the_entitys_phone_is_the_meetings_organization_phone(feeds):
    meetings = by_key(read_records(feeds / "atlanta.json"))
    office = {"number": "555-555-4567", "description": "Site Group"}

    grouped = meetings["serenity-and-spirituality"].draft["organization"]
    assert (grouped["name"], grouped["phones"]) == ("Serenity and Spirituality", [office])
    # no group: the entity that publishes it is its organization
    assert meetings["sunday-meeting"].draft["organization"] == {
        "name": "Site Group",
        "url": "http://site.com",
        "phones": [office],
    }
    assert "phones" not in meetings["covington-4"].draft["organization"]  # no entity
