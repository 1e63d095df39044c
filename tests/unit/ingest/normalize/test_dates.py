"""Dates and timestamps as real feeds write them, read into ISO 8601 instants with an offset."""

from datetime import UTC, date, datetime

import pytest

from ingest.normalize.dates import parse_datetime
from ingest.readers.files import csv_rows, load_json, read_text


@pytest.mark.parametrize(
    ("value", "tz", "expected"),
    [
        ("6/21/10", None, "2010-06-21T00:00:00+00:00"),
        ("12/24/15", None, "2015-12-24T00:00:00+00:00"),
        ("2005-01-01", None, "2005-01-01T00:00:00+00:00"),
        ("2014-05-31 07:32:23", None, "2014-05-31T07:32:23+00:00"),
        ("2014-05-31 07:32:23", "America/Los_Angeles", "2014-05-31T07:32:23-07:00"),
        ("8/25/2022 11:17:07 AM", "America/Edmonton", "2022-08-25T11:17:07-06:00"),
        ("2020-04-0416:50:58", None, "2020-04-04T16:50:58+00:00"),  # TSML: no separator
        ("2008-09-15T15:53:00Z", "America/New_York", "2008-09-15T15:53:00+00:00"),
        ("2016-08-25T08:31:03.916082+00:00", None, "2016-08-25T08:31:03.916082+00:00"),
        ("2014-04-18T12:49:47.791-07:00", None, "2014-04-18T12:49:47.791000-07:00"),
        ("20180526", None, "2018-05-26T00:00:00+00:00"),
        (date(2021, 3, 4), "America/Chicago", "2021-03-04T00:00:00-06:00"),
        (datetime(2021, 3, 4, 12, tzinfo=UTC), None, "2021-03-04T12:00:00+00:00"),
    ],
)
def test_parse_datetime(value, tz, expected):
    assert parse_datetime(value, tz) == (expected, [])


def test_a_two_digit_year_is_never_in_the_future():
    next_year = datetime.now(UTC).year % 100 + 1
    parsed, _ = parse_datetime(f"1/1/{next_year:02d}")
    assert parsed.startswith(str(datetime.now(UTC).year + 1 - 100))
    this_century, _ = parse_datetime("3/16/12")
    assert this_century.startswith("2012-03-16")


@pytest.mark.parametrize(
    "value", ["January 01, 0001", "5/4", "none", "Monday", "10:00", "13/45/99"]
)
def test_placeholders_and_non_dates_are_dropped_with_invalid_date(value):
    parsed, problems = parse_datetime(value)
    assert parsed is None
    assert [p.type for p in problems] == ["invalid-date"]


@pytest.mark.parametrize("empty", [None, "", "  "])
def test_an_empty_value_is_no_date_and_no_problem(empty):
    assert parse_datetime(empty) == (None, [])


def test_an_unknown_time_zone_reads_as_utc_and_says_so():
    parsed, problems = parse_datetime("6/21/10", "Mars/Olympus")
    assert parsed == "2010-06-21T00:00:00+00:00"
    assert [(p.type, p.field) for p in problems] == [("invalid-value", "timezone")]


@pytest.mark.shared_data
def test_san_francisco_211_verification_dates(shared_data):
    """Every LastVerifiedOn and UpdatedOn in the SF 211 export is a date in 2005-2014."""
    text = read_text(shared_data / "sfbrigade-sf-openreferral-data" / "211" / "sf_only.csv", [])
    values = [
        row[column]
        for _, row in csv_rows(text)
        for column in ("LastVerifiedOn", "UpdatedOn")
        if row[column]
    ]
    parsed = [parse_datetime(v, "America/Los_Angeles") for v in values]
    assert len(values) == 4959
    assert all(p and not problems for p, problems in parsed)
    years = {int(p[:4]) for p, _ in parsed}
    assert min(years) >= 2000
    assert max(years) <= 2014
    assert parse_datetime("6/21/10", "America/Los_Angeles")[0] == "2010-06-21T00:00:00-07:00"


@pytest.mark.shared_data
def test_meeting_feed_updated_times(shared_data):
    feeds = shared_data / "code4recovery-tsml-ui-meeting-feeds"
    edmonton = load_json(feeds / "edmonton.json", [])
    parsed = [parse_datetime(m["updated"], "America/Edmonton") for m in edmonton]
    assert all(p and not problems for p, problems in parsed)
    text = read_text(shared_data / "code4recovery-12-step-meeting-list" / "template.csv", [])
    updated = [row["Updated"] for _, row in csv_rows(text)]
    assert updated[0] == "2020-04-0416:50:58"
    assert all(parse_datetime(u)[0] for u in updated)


@pytest.mark.shared_data
def test_ohana_holiday_placeholders(shared_data):
    text = read_text(shared_data / "ohana-api-sample-csv" / "holiday_schedules.csv", [])
    rows = [row for _, row in csv_rows(text)]
    starts = [parse_datetime(row["start_date"]) for row in rows]
    assert ("2015-12-24T00:00:00+00:00", []) in starts
    assert sum(p is None for p, _ in starts) == 3  # "January 01, 0001"
