"""Tests of schedules read against real instants: windows, open now, next occurrence, DST."""

import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from resdir.matching.time import (
    MINUTES_PER_WEEK,
    Occurrence,
    hours_summary,
    interval_week_ranges,
    is_open,
    local_week_ranges,
    next_occurrence,
    occurrences,
    week_spans,
)

LA = "America/Los_Angeles"
EDMONTON = "America/Edmonton"
# US clocks spring forward at 02:00 on Sunday 2026-03-08 and fall back at 02:00 on 2026-11-01.
SPRING_FORWARD = date(2026, 3, 8)
FALL_BACK = date(2026, 11, 1)
TUESDAY = date(2026, 12, 1)


def at(day: date, clock: str, tz: str = LA, fold: int = 0) -> datetime:
    """Return a wall-clock time on a day in a zone."""
    hours, minutes = map(int, clock.split(":"))
    return datetime(day.year, day.month, day.day, hours, minutes, tzinfo=ZoneInfo(tz), fold=fold)


def weekly(*intervals: tuple, by_appointment: bool = False) -> dict:
    """Return a schedule of (day, opens, closes) intervals."""
    return {
        "intervals": [{"day": d, "opens": o, "closes": c} for d, o, c in intervals],
        "text": None,
        "by_appointment": by_appointment,
    }


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def sql_filter_keeps(schedule: dict, kind: str, tz: str, start: datetime, end: datetime) -> bool:
    """Return what the engines' SQL time filter decides: some interval range overlaps the window."""
    window = local_week_ranges(tz, start, end)
    return any(
        low < window_high and window_low < high
        for interval in schedule["intervals"]
        for low, high in interval_week_ranges(interval, kind)
        for window_low, window_high in window
    )


def test_tuesday_evening_window_finds_the_1930_meeting_and_not_the_2100_one():
    meetings = weekly((1, "19:30", "20:30"), (1, "21:00", None), (2, "19:30", None))
    found = occurrences(meetings, "meeting", LA, at(TUESDAY, "17:00"), at(TUESDAY, "21:00"))
    assert found == [Occurrence(at(TUESDAY, "19:30"), at(TUESDAY, "20:30"))]
    assert local_week_ranges(LA, at(TUESDAY, "17:00"), at(TUESDAY, "21:00")) == [(2460, 2700)]
    assert interval_week_ranges(meetings["intervals"][1], "meeting") == [(2700, 2701)]


def test_a_meeting_qualifies_by_its_start_and_a_service_by_any_overlap():
    window = (at(TUESDAY, "17:00"), at(TUESDAY, "21:00"))
    afternoon = weekly((1, "16:00", "18:00"))
    assert occurrences(afternoon, "meeting", LA, *window) == []
    assert occurrences(afternoon, "service", LA, *window) == [
        Occurrence(at(TUESDAY, "16:00"), at(TUESDAY, "18:00"))
    ]
    assert not sql_filter_keeps(afternoon, "meeting", LA, *window)
    assert sql_filter_keeps(afternoon, "service", LA, *window)
    # An opening that ends as the window begins does not overlap it.
    assert occurrences(weekly((1, "09:00", "17:00")), "service", LA, *window) == []


def test_a_night_shelter_open_2000_to_0800_is_open_at_0200_wednesday():
    shelter = weekly(*[(day, "20:00", "08:00") for day in range(7)])
    wednesday = TUESDAY + timedelta(days=1)
    assert is_open(shelter, "service", LA, at(wednesday, "02:00"))
    assert not is_open(shelter, "service", LA, at(wednesday, "08:00"))
    assert next_occurrence(shelter, "service", LA, at(wednesday, "02:00")) == Occurrence(
        at(TUESDAY, "20:00"), at(wednesday, "08:00")
    )
    assert hours_summary(shelter, "service", LA, wednesday) == "Open 8:00 PM–8:00 AM"


def test_a_sunday_2330_meeting_with_no_end_is_in_progress_at_2359_and_over_at_0030():
    meeting = weekly((6, "23:30", None))
    sunday, monday = date(2026, 12, 6), date(2026, 12, 7)
    assert is_open(meeting, "meeting", LA, at(sunday, "23:59"))
    assert not is_open(meeting, "meeting", LA, at(monday, "00:30"))


def test_the_week_wraps_from_sunday_night_to_monday_morning():
    late_sunday = weekly((6, "22:00", "02:00"))
    assert interval_week_ranges(late_sunday["intervals"][0], "service") == [
        (9960, MINUTES_PER_WEEK),
        (0, 120),
    ]
    monday = date(2026, 12, 7)
    window = (at(monday, "01:00"), at(monday, "03:00"))
    assert occurrences(late_sunday, "service", LA, *window) == [
        Occurrence(at(monday - timedelta(days=1), "22:00"), at(monday, "02:00"))
    ]
    assert sql_filter_keeps(late_sunday, "service", LA, *window)
    # A window from Saturday night to Monday morning crosses the week's end.
    saturday = date(2026, 12, 5)
    assert local_week_ranges(LA, at(saturday, "23:00"), at(monday, "01:30")) == [
        (0, 90),
        (8580, MINUTES_PER_WEEK),
    ]
    late_saturday = weekly((5, "23:30", None))
    found = occurrences(late_saturday, "meeting", LA, at(saturday, "23:00"), at(monday, "01:30"))
    assert [o.start for o in found] == [at(saturday, "23:30")]


def test_the_same_instant_is_a_different_local_window_in_los_angeles_and_edmonton():
    start, end = at(TUESDAY, "17:00"), at(TUESDAY, "21:00")  # 18:00-22:00 in Edmonton
    assert local_week_ranges(LA, start, end) == [(2460, 2700)]
    assert local_week_ranges(EDMONTON, start, end) == [(2520, 2760)]
    meeting = weekly((1, "21:30", None))
    assert occurrences(meeting, "meeting", LA, start, end) == []
    assert [o.start for o in occurrences(meeting, "meeting", EDMONTON, start, end)] == [
        at(TUESDAY, "21:30", EDMONTON)
    ]
    assert next_occurrence(meeting, "meeting", EDMONTON, start).start == at(TUESDAY, "20:30")


def test_a_window_of_a_week_or_more_is_the_whole_week():
    start = at(TUESDAY, "17:00")
    assert local_week_ranges(LA, start, start + timedelta(days=7)) == [(0, MINUTES_PER_WEEK)]
    assert local_week_ranges(LA, start, start + timedelta(days=30)) == [(0, MINUTES_PER_WEEK)]
    assert local_week_ranges(LA, start, start + timedelta(days=6, hours=23)) == [
        (0, 2400),
        (2460, MINUTES_PER_WEEK),
    ]
    assert local_week_ranges(LA, start, start) == []


def test_seconds_widen_the_window_to_whole_minutes_so_the_filter_loses_nothing():
    start = at(TUESDAY, "17:00") + timedelta(seconds=30)
    end = at(TUESDAY, "21:00") + timedelta(seconds=1)
    assert local_week_ranges(LA, start, end) == [(2460, 2701)]
    found = occurrences(weekly((1, "21:00", None)), "meeting", LA, start, end)
    assert [o.start for o in found] == [at(TUESDAY, "21:00")]


def test_2400_closes_at_the_end_of_the_day_and_a_full_day_reads_open_24_hours():
    all_day = weekly(*[(day, "00:00", "24:00") for day in range(7)])
    assert interval_week_ranges(all_day["intervals"][6], "service") == [(8640, MINUTES_PER_WEEK)]
    assert is_open(all_day, "service", LA, at(TUESDAY, "23:59"))
    assert hours_summary(all_day, "service", LA, TUESDAY) == "Open 24 hours"
    assert hours_summary(weekly((1, "00:00", "00:00")), "service", LA, TUESDAY) == "Open 24 hours"


def test_unknown_ends_last_an_hour_and_a_meeting_ending_as_it_starts_too():
    service = weekly((1, "09:00", None))
    assert is_open(service, "service", LA, at(TUESDAY, "09:59"))
    assert not is_open(service, "service", LA, at(TUESDAY, "10:00"))
    assert interval_week_ranges(service["intervals"][0], "service") == [(1980, 2040)]
    # "19:30"-"19:30" would be a 24-hour meeting each week: a feed's slip, not a marathon.
    survivors = weekly((6, "19:30", "19:30"))
    sunday = date(2026, 12, 6)
    assert next_occurrence(survivors, "meeting", LA, at(sunday, "12:00")) == Occurrence(
        at(sunday, "19:30"), at(sunday, "20:30")
    )


def test_next_occurrence_is_the_next_start_or_the_opening_under_way():
    meeting = weekly((1, "19:30", None))
    assert next_occurrence(meeting, "meeting", LA, at(TUESDAY, "19:30")).start == at(
        TUESDAY, "19:30"
    )
    # A meeting that has begun is not the next one: next week's is.
    assert next_occurrence(meeting, "meeting", LA, at(TUESDAY, "19:31")).start == at(
        TUESDAY + timedelta(days=7), "19:30"
    )
    office = weekly((1, "09:00", "17:00"), (3, "09:00", "17:00"))
    assert next_occurrence(office, "service", LA, at(TUESDAY, "12:00")).start == at(
        TUESDAY, "09:00"
    )
    assert next_occurrence(office, "service", LA, at(TUESDAY, "17:00")).start == at(
        TUESDAY + timedelta(days=2), "09:00"
    )
    assert next_occurrence(weekly(), "service", LA, at(TUESDAY, "12:00")) is None


def test_occurrences_are_in_the_listings_zone_whatever_the_callers():
    window = (utc(at(TUESDAY, "17:00")), utc(at(TUESDAY, "21:00")))
    (found,) = occurrences(weekly((1, "19:30", None)), "meeting", LA, *window)
    assert found.start.tzinfo == ZoneInfo(LA)
    assert found.start.isoformat() == "2026-12-01T19:30:00-08:00"


@pytest.mark.parametrize(
    ("schedule", "kind", "line"),
    [
        (weekly((1, "09:00", "17:00")), "service", "Open 9:00 AM–5:00 PM"),
        (
            weekly((1, "09:00", "12:00"), (1, "13:00", "17:00")),
            "service",
            "Open 9:00 AM–12:00 PM, 1:00 PM–5:00 PM",
        ),
        (weekly((1, "09:00", "12:00"), (1, "12:00", "17:00")), "service", "Open 9:00 AM–5:00 PM"),
        (weekly((2, "09:00", "17:00")), "service", "Closed today"),
        (weekly((2, "09:00", "17:00"), by_appointment=True), "service", "By appointment"),
        (weekly(by_appointment=True), "service", "By appointment"),
        (weekly(), "service", "Hours not listed"),
        (weekly((1, "19:30", None)), "meeting", "Meets at 7:30 PM"),
        (
            weekly((1, "19:30", None), (1, "07:00", None), (1, "12:00", None)),
            "meeting",
            "Meets at 7:00 AM, 12:00 PM, and 7:30 PM",
        ),
        (weekly((2, "19:30", None)), "meeting", "No meeting today"),
    ],
)
def test_hours_summary_reads_a_day_in_plain_english(schedule, kind, line):
    assert hours_summary(schedule, kind, LA, TUESDAY) == line


def test_naive_datetimes_backward_windows_and_unknown_kinds_are_refused():
    naive = datetime(2026, 12, 1, 17, 0)
    with pytest.raises(ValueError, match="naive"):
        occurrences(weekly(), "meeting", LA, naive, at(TUESDAY, "21:00"))
    with pytest.raises(ValueError, match="naive"):
        is_open(weekly(), "service", LA, naive)
    with pytest.raises(ValueError, match="naive"):
        local_week_ranges(LA, at(TUESDAY, "17:00"), naive)
    with pytest.raises(ValueError, match="ends before it starts"):
        local_week_ranges(LA, at(TUESDAY, "21:00"), at(TUESDAY, "17:00"))
    with pytest.raises(ValueError, match="kind"):
        interval_week_ranges({"day": 1, "opens": "09:00", "closes": None}, "event")


# Daylight saving time.


def test_a_meeting_in_the_hour_clocks_skip_does_not_meet_that_day():
    meeting = weekly((6, "02:30", None))
    night = (at(SPRING_FORWARD, "00:00"), at(SPRING_FORWARD, "06:00"))
    assert occurrences(meeting, "meeting", LA, *night) == []
    assert not sql_filter_keeps(meeting, "meeting", LA, *night)
    assert next_occurrence(meeting, "meeting", LA, night[0]).start == at(
        SPRING_FORWARD + timedelta(days=7), "02:30"
    )
    assert hours_summary(meeting, "meeting", LA, SPRING_FORWARD) == "No meeting today"
    # The window 01:00-04:00 on the clock lasts two hours: 02:00-03:00 does not exist.
    assert local_week_ranges(LA, at(SPRING_FORWARD, "01:00"), at(SPRING_FORWARD, "04:00")) == [
        (8700, 8760),
        (8820, 8880),
    ]


def test_an_opening_loses_the_hour_clocks_skip():
    day = (at(SPRING_FORWARD, "00:00"), at(SPRING_FORWARD, "12:00"))
    early, late = weekly((6, "01:00", "02:30")), weekly((6, "02:00", "05:00"))
    # 02:30 never shows on the clock: the opening closes as the clocks jump to 03:00.
    assert occurrences(early, "service", LA, *day) == [
        Occurrence(at(SPRING_FORWARD, "01:00"), at(SPRING_FORWARD, "03:00"))
    ]
    assert occurrences(late, "service", LA, *day) == [
        Occurrence(at(SPRING_FORWARD, "03:00"), at(SPRING_FORWARD, "05:00"))
    ]
    assert hours_summary(late, "service", LA, SPRING_FORWARD) == "Open 3:00 AM–5:00 AM"
    assert occurrences(weekly((6, "02:15", "02:45")), "service", LA, *day) == []
    # A night shelter's night is an hour shorter, and it still closes at 08:00.
    shelter = weekly((5, "20:00", "08:00"))
    (night,) = occurrences(shelter, "service", LA, *day)
    assert (night.end, utc(night.end) - utc(night.start)) == (
        at(SPRING_FORWARD, "08:00"),
        timedelta(hours=11),
    )


def test_a_meeting_in_the_repeated_hour_meets_once_at_its_first_occurrence():
    meeting = weekly((6, "01:30", None))
    day = (at(FALL_BACK, "00:00"), at(FALL_BACK + timedelta(days=1), "00:00"))
    (found,) = occurrences(meeting, "meeting", LA, *day)
    assert found.start.isoformat() == "2026-11-01T01:30:00-07:00"
    second_pass = (at(FALL_BACK, "01:00", fold=1), at(FALL_BACK, "02:00"))  # standard time
    assert occurrences(meeting, "meeting", LA, *second_pass) == []
    # The filter cannot tell the two passes apart by wall clock; it keeps the meeting and the
    # exact check drops it.
    assert sql_filter_keeps(meeting, "meeting", LA, *second_pass)
    assert hours_summary(meeting, "meeting", LA, FALL_BACK) == "Meets at 1:30 AM"


def test_an_opening_begun_before_clocks_fall_back_is_open_in_the_repeated_hour():
    late = weekly((6, "01:30", "03:00"))
    second_pass = (at(FALL_BACK, "01:05", fold=1), at(FALL_BACK, "01:20", fold=1))
    (opening,) = occurrences(late, "service", LA, *second_pass)
    assert utc(opening.end) - utc(opening.start) == timedelta(hours=2, minutes=30)
    assert is_open(late, "service", LA, second_pass[0])
    # The window reaches to 02:00 daylight time, where the clocks fell back from.
    assert local_week_ranges(LA, *second_pass) == [(8705, 8760)]
    assert sql_filter_keeps(late, "service", LA, *second_pass)
    shelter = weekly((5, "20:00", "08:00"))
    (night,) = occurrences(shelter, "service", LA, *second_pass)
    assert utc(night.end) - utc(night.start) == timedelta(hours=13)


# The SQL filter and the exact check.

SCHEDULES = [
    ("service", weekly(*[(day, "20:00", "08:00") for day in range(7)])),  # night shelter
    ("service", weekly((6, "22:00", "04:00"), (0, "09:00", "17:00"), (4, "09:00", None))),
    ("service", weekly((1, "00:00", "24:00"), (2, "12:00", "03:00"), (5, "00:00", "00:00"))),
    ("meeting", weekly((5, "23:30", None), (6, "23:59", None), (0, "00:00", "01:00"))),
    ("meeting", weekly((1, "19:30", "20:30"), (1, "21:00", None), (3, "07:00", "19:30"))),
    ("meeting", weekly((0, "23:00", "00:00"), (6, "19:30", "19:30"))),
]
# Sunday small hours, when US clocks (and Lord Howe's) change.
DST_SCHEDULES = [
    ("meeting", weekly((6, "01:30", None), (6, "02:15", None), (6, "02:30", "03:30"))),
    ("service", weekly((6, "01:30", "03:00"), (6, "02:15", "02:45"), (6, "00:00", "01:30"))),
]
ZONES = [LA, EDMONTON, "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "UTC"]


def _random_window(rng: random.Random) -> tuple[datetime, datetime]:
    start = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randrange(365 * 24 * 60))
    length = rng.choice([rng.randrange(1, 6 * 60), rng.randrange(1, 3 * 1440), 7 * 1440 - 1])
    caller = ZoneInfo(rng.choice(ZONES))  # the window's own zone does not matter
    return start.astimezone(caller), (start + timedelta(minutes=length)).astimezone(caller)


def _offset_changes(tz: str, start: datetime, end: datetime) -> bool:
    zone, moment = ZoneInfo(tz), start - timedelta(days=1)
    offsets = set()
    while moment < end + timedelta(days=1):
        offsets.add(moment.astimezone(zone).utcoffset())
        moment += timedelta(hours=1)
    return len(offsets) > 1


def sql_filter_open_at(schedule: dict, kind: str, tz: str, moment: datetime) -> bool:
    """Return what an "open now" SQL filter decides: some whole span holds the moment's minute."""
    ((minute, _),) = local_week_ranges(tz, moment, moment + timedelta(minutes=1))
    return any(
        low <= minute < high
        for interval in schedule["intervals"]
        for low, high, _ in week_spans(interval, kind)
    )


def test_week_spans_cover_a_meeting_in_progress_across_the_weeks_end():
    late_sunday = {"day": 6, "opens": "23:30", "closes": None}
    assert week_spans(late_sunday, "meeting") == [(10050, MINUTES_PER_WEEK, True), (0, 30, False)]
    assert interval_week_ranges(late_sunday, "meeting") == [(10050, 10051)]
    monday = date(2026, 12, 7)
    assert sql_filter_open_at(weekly((6, "23:30", None)), "meeting", LA, at(monday, "00:15"))


def test_the_sql_filter_agrees_with_occurrences_away_from_dst_transitions():
    rng = random.Random(20261201)
    checked = kept = 0
    for _ in range(3000):
        start, end = _random_window(rng)
        tz = rng.choice(ZONES)
        if _offset_changes(tz, start, end):
            continue
        for kind, schedule in SCHEDULES:
            exact = bool(occurrences(schedule, kind, tz, start, end))
            assert sql_filter_keeps(schedule, kind, tz, start, end) == exact, (kind, tz, start, end)
            open_now = is_open(schedule, kind, tz, start)
            assert sql_filter_open_at(schedule, kind, tz, start) == open_now, (kind, tz, start)
            checked, kept = checked + 1, kept + exact
    assert checked > 10_000 and 0.2 < kept / checked < 0.9  # both answers are well exercised


@pytest.mark.parametrize("tz", [LA, "Australia/Lord_Howe"])  # Lord Howe moves by 30 minutes
def test_at_dst_transitions_the_sql_filter_keeps_every_listing_the_exact_check_finds(tz):
    rng = random.Random(tz)
    zone = ZoneInfo(tz)
    transitions = [
        moment
        for moment in (datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=h) for h in range(8760))
        if moment.astimezone(zone).utcoffset()
        != (moment - timedelta(hours=1)).astimezone(zone).utcoffset()
    ]
    assert len(transitions) == 2
    differ = 0
    for _ in range(2000):
        start = rng.choice(transitions) + timedelta(minutes=rng.randrange(-300, 300))
        end = start + timedelta(minutes=rng.randrange(1, 300))
        for kind, schedule in SCHEDULES + DST_SCHEDULES:
            exact = bool(occurrences(schedule, kind, tz, start, end))
            kept = sql_filter_keeps(schedule, kind, tz, start, end)
            assert kept or not exact, (kind, start, end)
            differ += kept != exact
    assert differ > 0  # the filter does keep extra listings here, which the exact check drops


# Real records.


def _documents(path: Path, mapping: Path | None = None) -> dict[str, dict]:
    """Return a source's canonical documents by source id, read through the ingest pipeline."""
    from ingest.manifest import SourceSpec
    from ingest.pipeline import check_record
    from ingest.readers import ReadOptions, detect
    from ingest.record import Record

    spec = SourceSpec(id=path.stem, path=path, mapping=mapping)
    docs = {}
    for item in detect(path, "auto", mapping).read(path, ReadOptions(mapping=mapping)):
        if isinstance(item, Record):
            doc, _ = check_record(item, spec)
            if doc is not None:
                docs[doc["source_id"]] = doc
    return docs


def _check(doc: dict, check, moment: datetime):
    return check(doc["schedule"], doc["kind"], doc["timezone"], moment)


@pytest.mark.shared_data
def test_real_night_services_of_san_francisco_211(shared_data):
    mapping = Path(__file__).parents[4] / "ingest" / "mappings" / "icarol.toml"
    docs = _documents(shared_data / "sfbrigade-sf-openreferral-data/211/sf_only.csv", mapping)
    diamond, ministry = docs["10596742"], docs["10597845"]
    assert diamond["name"] == "DIAMOND YOUTH SHELTER"
    wednesday, monday = TUESDAY + timedelta(days=1), date(2026, 12, 7)
    assert _check(diamond, is_open, at(wednesday, "02:00"))
    assert not _check(diamond, is_open, at(wednesday, "09:00"))
    # Night Ministry, 10pm-4am every day: Sunday night runs into Monday, across the week's end.
    assert ministry["name"] == "SAN FRANCISCO NIGHT MINISTRY"
    assert _check(ministry, is_open, at(monday, "03:30"))
    assert _check(ministry, next_occurrence, at(monday, "03:30")).start == at(
        monday - timedelta(days=1), "22:00"
    )
    assert hours_summary(ministry["schedule"], "service", LA, monday) == "Open 10:00 PM–4:00 AM"


@pytest.mark.shared_data
def test_real_late_meetings_of_bay_area_feeds(shared_data):
    feeds = shared_data / "code4recovery-tsml-ui-meeting-feeds"
    san_jose = _documents(feeds / "aasanjose.test.json")
    sicker = san_jose["sicker-than-others"]  # Monday 23:00-00:00
    monday = date(2026, 12, 7)
    assert _check(sicker, is_open, at(monday, "23:45"))
    assert not _check(sicker, is_open, at(monday + timedelta(days=1), "00:00"))
    survivors = san_jose["sunday-night-survivors"]  # stated 19:30-19:30
    assert not _check(survivors, is_open, at(monday - timedelta(days=1), "20:30"))
    # Sunday 23:59 with no end: still in progress after midnight, on Monday of the next week.
    step = _documents(feeds / "public_data.json")["step-by-step-to-acceptance"]
    assert _check(step, is_open, at(monday, "00:30"))
    window = (at(monday - timedelta(days=1), "23:00"), at(monday, "01:00"))
    assert occurrences(step["schedule"], "meeting", LA, *window)[0].start == at(
        monday - timedelta(days=1), "23:59"
    )
    assert sql_filter_keeps(step["schedule"], "meeting", LA, *window)
