"""Tests for the hours normalizer: times, weekdays and free-text weekly schedules."""

from pathlib import Path

import pytest

from ingest.normalize.hours import Hours, parse_day, parse_hours, parse_time
from ingest.readers.files import csv_rows, load_json, read_text
from resdir.model import IntervalSchema

CIP = "ohana-api-smc-historical/cip_mvp.json"
SF_211 = "sfbrigade-sf-openreferral-data/211/sf_only.csv"
# Distinct non-empty hours strings understood, measured when the rules were written:
# cip_mvp.json 364 of 505 (72.1%; 788 of 948 services, 83.1%), sf_only.csv 415 of 577 (71.9%;
# 1,317 of 1,534 rows, 85.9%). The rest are mostly several schedules for different parts of a
# service, dated or seasonal events, vague text and hedged hours (see the module docstring).
CIP_COVERAGE_FLOOR = 0.70
SF_211_COVERAGE_FLOOR = 0.70

MON_FRI = range(5)
EVERY_DAY = range(7)


def each(days, opens: str, closes: str) -> list[tuple[int, str, str]]:
    return [(day, opens, closes) for day in days]


def spans(text: str) -> list[tuple[int, str, str]]:
    """Return the (day, opens, closes) a text is read as; fail if it is not understood."""
    hours = parse_hours(text)
    assert hours is not None, f"not understood: {text!r}"
    return [(i["day"], i["opens"], i["closes"]) for i in hours.intervals]


# --- parse_time ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("9:00am", "09:00"),
        ("9am", "09:00"),
        ("9 a.m.", "09:00"),
        ("09:00:00", "09:00"),
        ("19:00", "19:00"),
        ("7:00", "07:00"),
        ("6:00 PM", "18:00"),
        ("12:00 noon", "12:00"),
        ("Noon", "12:00"),
        ("12am", "00:00"),
        ("12:30 PM", "12:30"),
        ("midnight", "00:00"),
        ("1100", "11:00"),
        (1100, "11:00"),
        (900, "09:00"),
        (0, "00:00"),
        (2359, "23:59"),
        ("24:00", "24:00"),
        (2400, "24:00"),
    ],
)
def test_parse_time_reads_the_forms_sources_write(value, expected):
    assert parse_time(value) == expected


@pytest.mark.parametrize(
    "value", ["8", "5", "", "25:00", "9:60", "13pm", "0am", 2500, 1260, -100, True, None, "noonish"]
)
def test_parse_time_refuses_bare_hours_and_impossible_times(value):
    assert parse_time(value) is None


# --- parse_day ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Monday", 0),
        ("mon", 0),
        ("Mon.", 0),
        ("Tues", 1),
        ("WEDS", 2),
        ("Thurs", 3),
        ("Thu", 3),
        ("Sundays", 6),
        ("lunes", 0),
        ("miércoles", 2),
        ("miercoles", 2),
        ("Sábado", 5),
        ("Wedensday", 2),  # misspellings found in the 211 exports
        ("Firday", 4),
        ("Saturnday", 5),
        ("TH", 3),  # iCalendar BYDAY, as HSDS 3.0 schedules write days
        ("su", 6),
    ],
)
def test_parse_day_reads_names_abbreviations_and_misspellings(value, expected):
    assert parse_day(value) == expected


@pytest.mark.parametrize(
    ("value", "base", "expected"),
    [(1, "iso", 0), ("7", "iso", 6), (" 3 ", "iso", 2), (0, "sunday0", 6), (1, "sunday0", 0)],
)
def test_parse_day_counts_numbers_from_the_given_base(value, base, expected):
    assert parse_day(value, base) == expected


@pytest.mark.parametrize(
    ("value", "base"),
    [(0, "iso"), (8, "iso"), (7, "sunday0"), (True, "iso"), (None, "iso"), ("weekend", "iso")],
)
def test_parse_day_refuses_what_is_not_one_day(value, base):
    assert parse_day(value, base) is None


def test_parse_day_rejects_an_unknown_base():
    with pytest.raises(ValueError, match="monday1"):
        parse_day(1, "monday1")


# --- parse_hours: forms ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Monday-Friday, 8-5", each(MON_FRI, "08:00", "17:00")),
        (
            "Monday-Thursday, 8:30-5; Friday, 8:30-4",
            each(range(4), "08:30", "17:00") + each([4], "08:30", "16:00"),
        ),
        (
            "Mon-Fri 9-12, 1-5",
            each(MON_FRI, "09:00", "12:00") + each(MON_FRI, "13:00", "17:00"),
        ),
        (
            "Monday-Friday, 9-12, 1-5",
            each(MON_FRI, "09:00", "12:00") + each(MON_FRI, "13:00", "17:00"),
        ),
        ("Daily, 10-5", each(EVERY_DAY, "10:00", "17:00")),
        (
            "Monday, 2-7; Tuesday, Wednesday, 11-8; Thursday-Saturday, 10-6",
            each([0], "14:00", "19:00")
            + each([1, 2], "11:00", "20:00")
            + each([3, 4, 5], "10:00", "18:00"),
        ),
        ("Monday-Wednesday, 4 pm-8 pm", each(range(3), "16:00", "20:00")),
        ("Wednesday-Sunday, 12-4", each(range(2, 7), "12:00", "16:00")),
        (
            "Mon 10:00am - 5:30pm; Tue 10:00am - 5:30pm; Fri 10:00am - 4:30pm;",
            each([0, 1], "10:00", "17:30") + each([4], "10:00", "16:30"),
        ),
        ("Mon 9:00 - 5:00; Tue 9:00 - 5:00;", each([0, 1], "09:00", "17:00")),
        ("Monday through Friday, 8 am to 4 pm", each(MON_FRI, "08:00", "16:00")),
        ("Tue.-Sun., 10-4", each(range(1, 7), "10:00", "16:00")),
        (
            "M-F, 8am-10pm; Sat, 8am to 2pm",
            [*each(MON_FRI, "08:00", "22:00"), (5, "08:00", "14:00")],
        ),
        ("Tuesday/Thursday, 8:30am-7:00pm", each([1, 3], "08:30", "19:00")),
        ("Monday and Wednesday-Friday, 8-5", each([0, 2, 3, 4], "08:00", "17:00")),
        ("Sunday-Saturday, 8-5", each(EVERY_DAY, "08:00", "17:00")),
        ("Friday-Monday, 10-2", each([0, 4, 5, 6], "10:00", "14:00")),
        ("Monday-Friday, 8-5p", each(MON_FRI, "08:00", "17:00")),
        ("Monday-Friday, 10-12 noon", each(MON_FRI, "10:00", "12:00")),
        ("lunes a viernes, de 9 a 5", each(MON_FRI, "09:00", "17:00")),
        ("Monday-Firday, 9-5", each(MON_FRI, "09:00", "17:00")),
    ],
)
def test_common_forms_are_read(text, expected):
    assert spans(text) == sorted(expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("24 hours", each(EVERY_DAY, "00:00", "24:00")),
        ("24 hours daily", each(EVERY_DAY, "00:00", "24:00")),
        ("24-hour facility", each(EVERY_DAY, "00:00", "24:00")),
        ("Open 24 hours a day, 7 days a week", each(EVERY_DAY, "00:00", "24:00")),
        ("24/7", each(EVERY_DAY, "00:00", "24:00")),
        ("Monday-Sunday, 24 hours daily", each(EVERY_DAY, "00:00", "24:00")),
        ("Wednesdays and Thursdays, 24 hours", each([2, 3], "00:00", "24:00")),
    ],
)
def test_twenty_four_hours_means_the_whole_day(text, expected):
    assert spans(text) == sorted(expected)


def test_glued_clauses_of_exports_without_line_breaks_are_split():
    assert spans("Monday-Thursday, 9AM-5PMFriday, 9AM-6PMSaturday, 9AM-1PM") == sorted(
        [*each(range(4), "09:00", "17:00"), (4, "09:00", "18:00"), (5, "09:00", "13:00")]
    )


def test_a_repeated_schedule_gives_no_duplicate_intervals():
    text = "Monday - Friday, 9:00am to 5:00pmMonday - Friday, 9:00am to 5:00pm"
    assert spans(text) == each(MON_FRI, "09:00", "17:00")


# --- parse_hours: bare hours ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Monday, 8-5", ("08:00", "17:00")),  # a closing at or below the opening is pm
        ("Monday, 9-9", ("09:00", "21:00")),
        ("Monday, 10-9", ("10:00", "21:00")),
        ("Monday, 1-5", ("13:00", "17:00")),  # an opening 1-6 is pm ...
        ("Monday, 4-8", ("16:00", "20:00")),
        ("Monday, 6-8", ("18:00", "20:00")),
        ("Monday, 6-5", ("06:00", "17:00")),  # ... unless the closing is not later on the clock
        ("Monday, 6:30-1", ("06:30", "13:00")),
        ("Monday, 12-4", ("12:00", "16:00")),  # 12 is noon
        ("Monday, 9-12", ("09:00", "12:00")),
        ("Monday, 9-11:30", ("09:00", "11:30")),  # the first reading after the opening
        ("Monday, 8-9", ("08:00", "21:00")),  # an hour or less: the evening, when by 22:00
        ("Monday, 10-11", ("10:00", "11:00")),
        ("Monday, 7-9:30 pm", ("19:00", "21:30")),  # a stated closing: the latest opening before
        ("Monday, 10-9 pm", ("10:00", "21:00")),
        ("Monday, 11-1pm", ("11:00", "13:00")),
        ("Monday, 8 am-9", ("08:00", "21:00")),
        ("Monday, 8:30-5 p.m.", ("08:30", "17:00")),
    ],
)
def test_bare_hours_are_resolved_by_the_documented_rule(text, expected):
    assert spans(text) == [(0, *expected)]


def test_ranges_for_the_same_days_run_in_order_through_the_day():
    # "7-8" alone would be 07:00-20:00; the afternoon range after it makes it 07:00-08:00
    assert spans("Monday-Friday, 7-8, 2:40-6") == sorted(
        each(MON_FRI, "07:00", "08:00") + each(MON_FRI, "14:40", "18:00")
    )
    assert spans("Thursday, 9-12, 2-5, 6-9") == [
        (3, "09:00", "12:00"),
        (3, "14:00", "17:00"),
        (3, "18:00", "21:00"),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Daily, 8pm-2am", each(EVERY_DAY, "20:00", "02:00")),
        ("Monday-Sunday, 10pm-4am", each(EVERY_DAY, "22:00", "04:00")),
        ("Tuesday through Sunday, 12:00pm-3:00am", each(range(1, 7), "12:00", "03:00")),
        ("Daily, 7:30 am-12 midnight", each(EVERY_DAY, "07:30", "24:00")),
        ("Monday-Friday, 9am-12am", each(MON_FRI, "09:00", "24:00")),
        (
            "24 hours on weekends and holidays, 6 pm-8 am weeknights",
            each([5, 6], "00:00", "24:00") + each(MON_FRI, "18:00", "08:00"),
        ),
    ],
)
def test_intervals_crossing_midnight_keep_closes_before_opens(text, expected):
    assert spans(text) == sorted(expected)


# --- parse_hours: what a text says besides hours ---------------------------------------------


def test_by_appointment_alone_has_no_intervals():
    assert parse_hours("By appointment") == Hours([], by_appointment=True)
    assert parse_hours("Tuesday, Thursday - by appointment only") == Hours([], True)


def test_by_appointment_beside_hours_keeps_the_hours():
    hours = parse_hours("Monday-Friday, 9-5; Saturday by appointment")
    assert hours.by_appointment
    assert [(i["day"], i["opens"]) for i in hours.intervals] == [(d, "09:00") for d in MON_FRI]


def test_a_trailing_note_does_not_spoil_the_hours():
    text = "Monday-Friday, 8:30-5; some evening appointments"
    assert spans(text) == each(MON_FRI, "08:30", "17:00")
    assert parse_hours(text).by_appointment
    assert spans("Monday-Friday, 9-5; 24-hour voicemail system") == each(MON_FRI, "09:00", "17:00")
    assert spans("Monday-Friday, 9-6. Some counseling hours may be available") == each(
        MON_FRI, "09:00", "18:00"
    )


def test_days_without_times_are_closed():
    text = "Mon 8:00 am - 5:00 pm ; Tue 8:00 am - 5:00 pm ; Sat; Sun;"
    assert spans(text) == each([0, 1], "08:00", "17:00")


def test_one_label_for_the_whole_text_is_read_and_carried():
    assert spans("Gallery: Friday-Sunday, 1-5") == each([4, 5, 6], "13:00", "17:00")
    assert spans("Adoptions: Thursday-Saturday, 11-6; Sunday, 11-5") == sorted(
        [*each([3, 4, 5], "11:00", "18:00"), (6, "11:00", "17:00")]
    )
    assert spans("Monday-Friday, 8-4 (Office)") == each(MON_FRI, "08:00", "16:00")


@pytest.mark.parametrize(
    "text",
    [
        "Investigations: 24 hours daily; Administration: Monday-Friday, 8-5",
        "Monday-Friday, 8-5; Monday-Thursday, 7-6 (Environmental Health)",
        "Monday-Friday, 9-5 (Office); 24 hours daily (Residence)",
        "Phone hours - 24/7 Visiting hours - 9 am - 10 pm",
        "Monday-Friday, 2-6; Teens only - Monday-Friday, 6-8",
    ],
)
def test_schedules_of_several_labelled_parts_are_not_merged(text):
    assert parse_hours(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "Vary",
        "Varies according to program",
        "Hours vary",
        "Daily, dawn to dusk",
        "Daily, 8 am-dusk",
        "Monday-Sunday, hours vary",
        "Monday-Friday, 9-5 (EST)",
        "First Monday of the month, 1:30-4",
        "Tuesday, Thursday, 12-3; first and third Saturday of the month, 12-3",
        "Most clinics operate Monday-Friday, 8:30-5",
        "Up to 24 hours per day",
        "24-hour answering machine",
        "Person on-call at all times",
        "Monday-Friday, 9-5; no emergency food distribution on Tuesday",
        "Provides a 24-hour residential treatment program for persons who are suffering",
    ],
)
def test_vague_hedged_or_unattended_text_is_not_understood(text):
    assert parse_hours(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "9-5",  # which days?
        "Monday-Friday",  # which hours?
        "Daily",
        "Open daily at 8 am",  # when does it close?
        "Mon 7:00; Tue 7:00; Wed 7:00",
        "Monday-Friday, 9-5; evenings before 9 pm",
        "Monday-Friday, 9-45",  # not a time
        "Monday-Friday, 7:30-4;30",
    ],
)
def test_hours_the_text_does_not_state_are_never_invented(text):
    assert parse_hours(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "Summer: Monday-Friday, 9-6",
        "Monday-Friday, 2-8. Summer: Monday-Friday, 9-6",
        "6/22/06 to 7/26/06Breakfast: 8:00-8:30Lunch: 12:30-1:00",
        "Saturday, August 23, 2008, 10am-2pm",
        "May - October Saturday 10:00 AM to 2:00 PM",
        "November-February, 8-5; March-April, October, 8-6",
    ],
)
def test_hours_for_part_of_the_year_are_not_weekly_hours(text):
    assert parse_hours(text) is None


def test_a_month_range_covering_the_year_is_no_restriction():
    assert spans("January - December Saturday 9:00 AM to 1:00 PM") == [(5, "09:00", "13:00")]


# --- parse_hours: closures and restated days ----------------------------------------------------


def test_closed_removes_a_window_from_the_days_it_names():
    assert spans("Monday-Friday, 9-5, closed for lunch 1 pm - 2 pm") == sorted(
        each(MON_FRI, "09:00", "13:00") + each(MON_FRI, "14:00", "17:00")
    )
    assert spans("Monday-Friday, 8:45-4:30.  Closed Thursdays, 12:30-4") == sorted(
        [*each([0, 1, 2, 4], "08:45", "16:30"), (3, "08:45", "12:30"), (3, "16:00", "16:30")]
    )


def test_closed_days_have_no_intervals():
    assert spans("Monday, closed; Tuesday, 10-9; Wednesday, 1-9") == [
        (1, "10:00", "21:00"),
        (2, "13:00", "21:00"),
    ]
    assert spans("Monday-Wednesday and Thursday - 9:30-4Wednesday and Friday - Closed") == each(
        [0, 1, 3], "09:30", "16:00"
    )


def test_a_closure_on_some_weeks_only_is_an_exception_and_skipped():
    text = "Monday-Thursday, 7:30-5:30; Friday, 8-5. Closed alternate Fridays"
    assert spans(text) == sorted([*each(range(4), "07:30", "17:30"), (4, "08:00", "17:00")])


def test_a_closure_without_a_window_to_remove_is_not_understood():
    assert parse_hours("Monday-Friday 8:30am-4:15pm, closed Wednesday afternoon") is None


def test_a_day_restated_with_overlapping_hours_takes_the_new_ones():
    assert spans("Monday - Friday, 9:00am - 5:00pm; Wednesday, 9:00am - 12:00pm") == sorted(
        [*each([0, 1, 3, 4], "09:00", "17:00"), (2, "09:00", "12:00")]
    )
    text = "Monday-Friday, 8:30-12, 1-4:30; Monday-Thursday, 6:30 pm-8:30 pm"
    assert (0, "18:30", "20:30") in spans(text)
    assert (0, "08:30", "12:00") in spans(text)


@pytest.mark.parametrize(
    "text", [None, "", "   ", "-", "9-", "Monday-", ";;", "()", "24/7/365", "12:00 noon-", "a to a"]
)
def test_odd_input_is_not_understood_without_raising(text):
    assert parse_hours(text) is None


# --- the real datasets --------------------------------------------------------------------------


def _cip_services(shared_data: Path) -> list[dict]:
    return [service for group in load_json(shared_data / CIP, []) for service in group]


def _sf_211_rows(shared_data: Path) -> list[dict]:
    return [row for _, row in csv_rows(read_text(shared_data / SF_211, []))]


def _coverage(texts: set[str]) -> float:
    """Return the share of texts understood; every reading must fit the listing schema."""
    understood = {text: hours for text in texts if (hours := parse_hours(text)) is not None}
    for text, hours in understood.items():
        assert IntervalSchema(many=True).validate(hours.intervals) == {}, text
    return len(understood) / len(texts)


@pytest.mark.shared_data
def test_cip_hours_are_understood_above_the_measured_floor(shared_data):
    services = _cip_services(shared_data)
    texts = {s["service_hours"].strip() for s in services if s.get("service_hours")}
    assert len(texts) == 505
    assert _coverage(texts) >= CIP_COVERAGE_FLOOR


@pytest.mark.shared_data
def test_sf_211_hours_are_understood_above_the_measured_floor(shared_data):
    rows = _sf_211_rows(shared_data)
    texts = {row[column] for row in rows for column in ("HoursOfOperation", "Hours")} - {""}
    assert len(texts) == 577
    assert _coverage(texts) >= SF_211_COVERAGE_FLOOR


@pytest.mark.shared_data
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "San Mateo County/Silicon Valley Convention and Visitors Bureau.",
            [*each(range(4), "08:30", "17:00"), (4, "08:30", "16:00")],
        ),
        (
            "Calabazas Branch.",
            [
                (0, "14:00", "19:00"),
                *each([1, 2], "11:00", "20:00"),
                *each([3, 4, 5], "10:00", "18:00"),
            ],
        ),
        ("Mercy Center.", [*each(MON_FRI, "08:00", "21:00"), (6, "08:00", "16:00")]),
        ("Sanchez Art Center.", each([4, 5, 6], "13:00", "17:00")),
        ("Atherton-Holbrook Palmer Park.", each(EVERY_DAY, "07:30", "24:00")),
        (
            "Coastside Hope.",
            each([0, 1, 3, 4], "08:00", "12:00")
            + each(MON_FRI, "13:00", "17:00")
            + [(2, "11:00", "12:00")],
        ),
        (
            "North Peninsula Veterinary Emergency Clinic, Inc..",
            each(MON_FRI, "18:00", "08:00") + each([5, 6], "00:00", "24:00"),
        ),
        ("San Mateo County Coroner.", None),
        ("Crystal Springs Trail County Park.", None),
    ],
)
def test_named_cip_services_get_their_hours(shared_data, name, expected):
    (service,) = [s for s in _cip_services(shared_data) if (s["name"] or "").startswith(name)]
    if expected is None:
        assert parse_hours(service["service_hours"]) is None
    else:
        assert spans(service["service_hours"]) == sorted(expected)


@pytest.mark.shared_data
@pytest.mark.parametrize(
    ("agency", "column", "expected", "by_appointment"),
    [
        ("10598704", "Hours", each(MON_FRI, "08:00", "17:00"), False),
        (
            "10595661",
            "HoursOfOperation",
            each(MON_FRI, "07:00", "08:00") + each(MON_FRI, "14:40", "18:00"),
            False,
        ),
        (
            "10595927",
            "HoursOfOperation",
            [
                (1, "10:00", "21:00"),
                (2, "13:00", "21:00"),
                (3, "10:00", "18:00"),
                (4, "13:00", "18:00"),
                (5, "10:00", "18:00"),
                (6, "13:00", "17:00"),
            ],
            False,
        ),
        ("10598315", "HoursOfOperation", each(range(1, 7), "12:00", "03:00"), True),
        (
            "10599376",
            "HoursOfOperation",
            [*each(range(4), "09:00", "17:00"), (4, "09:00", "18:00"), (5, "09:00", "13:00")],
            False,
        ),
    ],
)
def test_named_sf_211_agencies_get_their_hours(
    shared_data, agency, column, expected, by_appointment
):
    (row,) = [r for r in _sf_211_rows(shared_data) if r["ResourceAgencyNum"] == agency]
    assert spans(row[column]) == sorted(expected)
    assert parse_hours(row[column]).by_appointment is by_appointment
