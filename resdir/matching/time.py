"""Read a listing's weekly schedule against real instants: windows, open now, next occurrence.

A schedule is the canonical one (`resdir.model.ScheduleSchema`): intervals of a weekday (0 =
Monday) and "HH:MM" wall-clock times in the listing's own IANA time zone. Every time of day is read
on that clock, so a meeting at 19:30 is at 19:30 local in winter and in summer.

- A service's interval is an opening. `closes` at or before `opens` runs past midnight into the next
  day ("20:00"–"08:00"; "00:00"–"00:00" is 24 hours); "24:00" is the end of the day; an unknown end
  (None) is read as DEFAULT_OPEN_MINUTES, so that a stated opening time still counts.
- A meeting's interval is a meeting start; `closes` is its end. A meeting without an end, or whose
  end equals its start (a feed's error: no group meets for 0 or 24 hours each week), lasts
  MEETING_DEFAULT_MINUTES.
- A meeting occurs in a window [from, to) when it starts inside it; a service when one of its
  openings overlaps it.

Daylight saving time, by the wall clock:

- A time the clocks skip (02:00–02:59 on the spring-forward night) does not happen that day: a
  meeting set in the skipped hour does not meet that day (rather than be moved to a time the group
  never stated), and an opening loses its skipped part (an opening 01:00–02:30 closes when the
  clocks jump; one of 02:15–02:45 does not open that night).
- A time the clocks repeat (01:00–01:59 on the fall-back night) is its first occurrence: a 01:30
  meeting meets once, at 01:30 daylight time; an opening 00:00–01:30 closes at the first 01:30.

The search engines filter by time in SQL with integer minute-of-week ranges:
`local_week_ranges` (the window on the listing's clock) overlapping `interval_week_ranges` (each
interval), or for "open now" the whole spans of `week_spans`, meetings in progress included.
Away from DST transitions the filter and the functions here agree exactly; at a transition the
filter keeps a few more (a window in the repeated hour also covers the first pass's wall-clock
minutes), so the exact check here only ever drops listings the filter kept, never misses one.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from resdir.i18n import _, clock, words

MINUTES_PER_DAY = 24 * 60
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY
# An opening whose closing time is not stated: long enough to count as open at the stated time.
DEFAULT_OPEN_MINUTES = 60
# Most recovery meetings last an hour; feeds often give only the start.
MEETING_DEFAULT_MINUTES = 60
KINDS = ("service", "meeting")
WEEK = timedelta(days=7)
# No time zone changes its offset twice within a day, so offsets sampled a day apart find every
# transition inside a window.
OFFSET_SAMPLE_STEP = timedelta(days=1)


@dataclass(frozen=True)
class Occurrence:
    """One meeting or opening: aware instants in the listing's zone.

    Compare occurrences of the same zone by instant (`.astimezone(UTC)`), not directly: Python
    compares two datetimes of one zone by their wall clocks, which repeat when clocks fall back.
    """

    start: datetime
    end: datetime


def occurrences(
    schedule: dict, kind: str, tz: str, start: datetime, end: datetime
) -> list[Occurrence]:
    """Return the listing's occurrences inside [start, end): meeting starts, or openings
    overlapping it, in order."""
    zone, low, high = _window(tz, start, end)
    first = low.astimezone(zone).date() - timedelta(days=1)  # an opening from the day before
    found = [
        (opens, closes)
        for opens, closes in _spans(schedule, kind, zone, first, high.astimezone(zone).date())
        if (low <= opens < high if kind == "meeting" else opens < high and low < closes)
    ]
    return [_in_zone(span, zone) for span in sorted(found)]


def next_occurrence(
    schedule: dict, kind: str, tz: str, after: datetime, horizon_days: int = 8
) -> Occurrence | None:
    """Return the next meeting start (or the next opening, or the current one if open now) at or
    after `after`, within `horizon_days`."""
    # A weekly schedule repeats within 7 days; the eighth catches a meeting skipped by DST.
    found = occurrences(schedule, kind, tz, after, after + timedelta(days=horizon_days))
    return found[0] if found else None


def is_open(schedule: dict, kind: str, tz: str, at: datetime) -> bool:
    """Return whether a service is open (or a meeting is in progress) at `at`."""
    zone, moment, _ = _window(tz, at, at)
    day = moment.astimezone(zone).date()
    spans = _spans(schedule, kind, zone, day - timedelta(days=1), day)
    return any(opens <= moment < closes for opens, closes in spans)


def local_week_ranges(tz: str, start: datetime, end: datetime) -> list[tuple[int, int]]:
    """Return [from, to) as minute-of-week ranges on the listing's clock (0 = Monday 00:00).

    Ranges are split at the week's end and merged; a window of a week or more is the whole week.
    A start is rounded down and an end up to the minute, so no occurrence inside is lost.
    """
    zone, low, high = _window(tz, start, end)
    if high - low >= WEEK:
        return [(0, MINUTES_PER_WEEK)]
    ranges = []
    # Each stretch of one UTC offset covers its own wall-clock span, so the hour the clocks skip
    # is in none. A stretch in the second pass of the hour clocks repeat also reaches to the time
    # they fell back from: an opening that began in the first pass (01:30 daylight time) is still
    # open in the second (01:10 standard time), at an earlier wall-clock minute.
    for piece_low, piece_high in _constant_offset_pieces(zone, low, high):
        offset = piece_low.astimezone(zone).utcoffset()
        first = _minute_number(_naive(piece_low + offset))
        last = _minute_number(_naive(piece_high + offset), round_up=True)
        fell_back_from = _fell_back_from(zone, piece_low)
        if fell_back_from is not None:
            last = max(last, _minute_number(fell_back_from))
        if last - first >= MINUTES_PER_WEEK:
            return [(0, MINUTES_PER_WEEK)]
        ranges += _week_split(first % MINUTES_PER_WEEK, last - first)
    return _merge(ranges)


def interval_week_ranges(interval: dict, kind: str) -> list[tuple[int, int]]:
    """Return one interval as local minute-of-week ranges: an opening's span (split at the week's
    end), or a meeting's start minute as (start, start + 1)."""
    spans = week_spans(interval, kind)
    if kind == "meeting":
        start = spans[0][0]
        return [(start, start + 1)]
    return [(low, high) for low, high, _ in spans]


def week_spans(interval: dict, kind: str) -> list[tuple[int, int, bool]]:
    """Return one interval's whole span, a meeting's too, as minute-of-week ranges split at the
    week's end, each with whether it holds the start (for "in progress now" filters)."""
    opens, closes = _span(interval, kind)
    start = interval["day"] * MINUTES_PER_DAY + opens
    return [(low, high, low == start) for low, high in _week_split(start, closes - opens)]


def hours_summary(schedule: dict, kind: str, tz: str, on: date) -> str:
    """Return a plain English line for a day: "Open 9:00 AM–5:00 PM", "Meets at 7:30 PM",
    "Closed today", "Open 24 hours", "By appointment", "Hours not listed"."""
    _check_kind(kind)
    zone = ZoneInfo(tz)
    if not schedule.get("intervals"):
        return _("By appointment") if schedule.get("by_appointment") else _("Hours not listed")
    today = sorted(_spans(schedule, kind, zone, on, on))
    if kind == "meeting":
        if not today:
            return _("No meeting today")
        starts = [clock(opens.astimezone(zone)) for opens, _end in today]
        return _("Meets at %(times)s", times=words(list(dict.fromkeys(starts))))
    today = _merge(today)
    if not today:
        return _("By appointment") if schedule.get("by_appointment") else _("Closed today")
    midnight = _instant(datetime.combine(on, datetime.min.time()), zone)
    tomorrow = _instant(datetime.combine(on + timedelta(days=1), datetime.min.time()), zone)
    if any(opens <= midnight and tomorrow <= closes for opens, closes in today):
        return _("Open 24 hours")
    spans = [f"{clock(o.astimezone(zone))}–{clock(c.astimezone(zone))}" for o, c in today]
    return _("Open %(times)s", times=", ".join(spans))


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")


def _window(tz: str, start: datetime, end: datetime) -> tuple[ZoneInfo, datetime, datetime]:
    """Return the zone and the window's ends in UTC, checking both are aware and in order."""
    for moment in (start, end):
        if moment.utcoffset() is None:
            raise ValueError(f"a naive datetime has no time zone: {moment.isoformat()}")
    if end < start:
        raise ValueError(
            f"the window ends before it starts: {start.isoformat()} > {end.isoformat()}"
        )
    # UTC from here on: Python compares and subtracts datetimes of one zone by wall clock.
    return ZoneInfo(tz), start.astimezone(UTC), end.astimezone(UTC)


def _span(interval: dict, kind: str) -> tuple[int, int]:
    """Return an interval's opening and closing in minutes from its day's midnight, closes later."""
    _check_kind(kind)
    opens = _minutes(interval["opens"])
    closes = None if interval.get("closes") is None else _minutes(interval["closes"])
    if kind == "meeting" and closes in (None, opens):
        return opens, opens + MEETING_DEFAULT_MINUTES
    if closes is None:
        return opens, opens + DEFAULT_OPEN_MINUTES
    return opens, closes if closes > opens else closes + MINUTES_PER_DAY


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def _spans(schedule: dict, kind: str, zone: ZoneInfo, first: date, last: date):
    """Yield (start, end) in UTC of the intervals whose day falls from `first` to `last` (local)."""
    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        midnight = datetime.combine(day, datetime.min.time())
        for interval in schedule.get("intervals") or ():
            if interval["day"] != day.weekday():
                continue
            opens, closes = _span(interval, kind)
            start_wall = midnight + timedelta(minutes=opens)
            if kind == "meeting" and _skipped(start_wall, zone):
                continue
            start = _instant(start_wall, zone)
            end = _instant(midnight + timedelta(minutes=closes), zone)
            if start < end:  # an opening wholly inside the skipped hour is not one
                yield start, end


def _skipped(wall: datetime, zone: ZoneInfo) -> bool:
    """Return whether the clocks skip this wall-clock time (spring forward)."""
    return _naive(wall.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)) != wall


def _instant(wall: datetime, zone: ZoneInfo) -> datetime:
    """Return a wall-clock time's instant in UTC: the first of a repeated time, and for a time
    the clocks skip, the moment they jump."""
    if not _skipped(wall, zone):
        return wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    # fold=1 reads a skipped time with the offset after the jump, fold=0 with the one before:
    # the jump lies between the two.
    return _offset_change(
        zone,
        wall.replace(tzinfo=zone, fold=1).astimezone(UTC),
        wall.replace(tzinfo=zone, fold=0).astimezone(UTC),
    )


def _offset_change(zone: ZoneInfo, low: datetime, high: datetime) -> datetime:
    """Return the first whole second after `low`, up to `high`, with another UTC offset than `low`'s
    (one change between them)."""
    offset = low.astimezone(zone).utcoffset()
    low_second, high_second = int(low.timestamp()), int(high.timestamp())
    while high_second - low_second > 1:
        middle = (low_second + high_second) // 2
        if datetime.fromtimestamp(middle, zone).utcoffset() == offset:
            low_second = middle
        else:
            high_second = middle
    return datetime.fromtimestamp(high_second, UTC)


def _fell_back_from(zone: ZoneInfo, moment: datetime) -> datetime | None:
    """Return, for an instant in the second pass of a repeated time, the wall-clock time the
    clocks fell back from (02:00 on a US fall-back night), else None."""
    wall = _naive(moment.astimezone(zone))
    first_pass = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if first_pass >= moment:
        return None
    change = _offset_change(zone, first_pass, moment)
    return _naive(change + first_pass.astimezone(zone).utcoffset())


def _constant_offset_pieces(zone: ZoneInfo, low: datetime, high: datetime):
    """Yield [low, high) cut where the zone's UTC offset changes, as UTC instants."""
    samples = []
    moment = low
    while moment < high:
        samples.append(moment)
        moment += OFFSET_SAMPLE_STEP
    samples.append(high)
    cuts = [low]
    for before, after in pairwise(samples):
        if before.astimezone(zone).utcoffset() != after.astimezone(zone).utcoffset():
            cuts.append(_offset_change(zone, before, after))
    cuts.append(high)
    for piece_low, piece_high in pairwise(cuts):
        if piece_low < piece_high:
            yield piece_low, piece_high


def _naive(moment: datetime) -> datetime:
    return moment.replace(tzinfo=None)


def _in_zone(span: tuple[datetime, datetime], zone: ZoneInfo) -> Occurrence:
    return Occurrence(span[0].astimezone(zone), span[1].astimezone(zone))


def _minute_number(wall: datetime, round_up: bool = False) -> int:
    """Return a wall-clock time as minutes since Monday 0001-01-01 00:00, rounded down or up."""
    minutes = (wall.toordinal() - 1) * MINUTES_PER_DAY + wall.hour * 60 + wall.minute
    return minutes + 1 if round_up and (wall.second or wall.microsecond) else minutes


def _week_split(start: int, length: int) -> list[tuple[int, int]]:
    """Return `length` minutes from minute-of-week `start`, split where the week wraps."""
    end = start + length
    if end <= MINUTES_PER_WEEK:
        return [(start, end)]
    return [(start, MINUTES_PER_WEEK), (0, end - MINUTES_PER_WEEK)]


def _merge(ranges: list[tuple]) -> list[tuple]:
    """Return ranges sorted, with overlapping or touching ones joined."""
    merged: list[tuple] = []
    for low, high in sorted(ranges):
        if merged and low <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    return merged
