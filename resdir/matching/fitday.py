"""Combine a person's matched meetings and childcare into days that fit together.

Pure: takes listing documents the matching engine already chose for each need (so every rule,
barrier and value applies as in any search), a time window and the person's travel mode, and
returns up to `MAX_COMBINATIONS` combinations of a meeting in the window and childcare that covers
it: on site (the meeting's own childcare fact), or at a childcare listing open from before the
trip there until after the trip back, the trips estimated as a plan estimates them. When nothing
combines, it says which part is missing.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from resdir.matching import plan as plans
from resdir.matching.time import Occurrence, occurrences

MAX_COMBINATIONS = 3
# A childcare place farther than this from the meeting (by the person's mode) is not "near it",
# whatever the person's own travel limit.
NEAR_TRIP_MINUTES = 30
# Listings of these childcare kinds look after children (a subsidy office does not).
PLACES_OF_CARE = ("center", "family_home", "drop_in", "head_start", "during_meetings")
ON_SITE_FACT = "childcare"


@dataclass(frozen=True)
class Trip:
    """An estimated trip between the childcare place and the meeting."""

    way: str  # walk | transit | car
    minutes: int


@dataclass(frozen=True)
class Combination:
    """A meeting in the window and the childcare that covers it (`childcare` None: on site)."""

    meeting: dict
    meets: Occurrence
    childcare: dict | None = None
    opening: Occurrence | None = None
    trip: Trip | None = None

    @property
    def travel_minutes(self) -> int:
        """Return the minutes spent between the childcare place and the meeting, both ways."""
        return 2 * self.trip.minutes if self.trip else 0

    @property
    def ids(self) -> list[str]:
        """Return the listing ids to put in a plan: the meeting, then the childcare place."""
        return [self.meeting["id"], *([self.childcare["id"]] if self.childcare else [])]


def meeting_time(doc: dict, window: tuple[datetime, datetime]) -> Occurrence | None:
    """Return the listing's first meeting (or opening) starting in the window, if any."""
    schedule, zone = doc["schedule"], doc.get("timezone")
    if not schedule.get("intervals") or not zone:
        return None
    found = occurrences(schedule, doc["kind"], zone, *window)
    starts = [o for o in found if _utc(o.start) >= _utc(window[0])]
    return starts[0] if starts else None


def on_site(meeting: dict) -> bool:
    """Return whether a meeting says it has childcare of its own."""
    fact = (meeting.get("attributes") or {}).get(ON_SITE_FACT) or {}
    return fact.get("value") == "yes"


def cares(doc: dict) -> bool:
    """Return whether a childcare listing looks after children at a place (not only pays)."""
    subs = doc.get("subcategories") or []
    return doc["category"] == "childcare" and (not subs or any(s in PLACES_OF_CARE for s in subs))


def trip(mode: str, here: dict, there: dict) -> Trip | None:
    """Return the quickest trip between two listings' points by a mode; None without a point."""
    a, b = here.get("location"), there.get("location")
    if not a or not b:
        return None
    km = plans.distance_km((a["lat"], a["lon"]), b["lat"], b["lon"])
    way, minutes = plans.fastest_trip(mode, km)
    return Trip(way, round(minutes))


def covering_opening(doc: dict, start: datetime, end: datetime) -> Occurrence | None:
    """Return the listing's opening that covers [start, end) whole, if one does."""
    schedule, zone = doc["schedule"], doc.get("timezone")
    if not schedule.get("intervals") or not zone:
        return None
    for opening in occurrences(schedule, "service", zone, start, end):
        if _utc(opening.start) <= _utc(start) and _utc(end) <= _utc(opening.end):
            return opening
    return None


def combine(
    meetings: list[dict],
    childcare: list[dict],
    window: tuple[datetime, datetime],
    mode: str,
    limit_minutes: int = NEAR_TRIP_MINUTES,
) -> tuple[list[Combination], str | None]:
    """Return up to MAX_COMBINATIONS combinations, one per meeting: childcare on site first,
    then the fewest trip minutes, then the meetings' own order; when there are none, why:
    "no_meeting", "too_far" (no childcare within the trip limit of a meeting) or "not_open"
    (none near is open for a whole meeting)."""
    found, timed, near = [], 0, False
    places = [doc for doc in childcare if cares(doc)]
    for rank, meeting in enumerate(meetings):
        meets = meeting_time(meeting, window)
        if meets is None:
            continue
        timed += 1
        if on_site(meeting):
            found.append((False, 0, rank, Combination(meeting, meets)))
            continue
        best = None
        for place in places:
            way = trip(mode, place, meeting)
            if way is None or way.minutes > limit_minutes:
                continue
            near = True
            gap = timedelta(minutes=way.minutes)
            opening = covering_opening(place, meets.start - gap, meets.end + gap)
            if opening and (best is None or way.minutes < best.trip.minutes):
                best = Combination(meeting, meets, place, opening, way)
        if best:
            found.append((True, best.travel_minutes, rank, best))
    if found:
        found.sort(key=lambda item: item[:3])
        return [combination for *_, combination in found[:MAX_COMBINATIONS]], None
    if not timed:
        return [], "no_meeting"
    return [], "not_open" if near else "too_far"


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)
