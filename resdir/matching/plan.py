"""Compile a person's profile into a match plan: hard conditions in order, soft weights, reach.

The plan is plain data. Search engines translate its conditions into their own filters and its
score into their own ranking; `resdir.matching.rules` evaluates the same plan in Python, which is
how results are explained and how the engines are checked against each other.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from resdir import geo, vocab
from resdir.i18n import _, _l, in_sentence, label

# Travel estimates from straight-line distance (labelled as estimates wherever shown).
DETOUR = 1.25  # streets are longer than the crow flies
WALK_KMH = 4.8
TRANSIT_KMH = 18.0  # average door-to-door speed once aboard, stops included
TRANSIT_ACCESS_MINUTES = 10.0  # walking to the stop and waiting
CAR_KMH = 30.0
CAR_PARKING_MINUTES = 3.0
# Travel time in which the travel component halves, by mode (DESIGN §6); it decays
# exponentially, a shape every engine can compute.
TRAVEL_DECAY_MINUTES = {"walk": 12.0, "transit": 25.0, "car": 20.0}
DEFAULT_TRAVEL = {"mode": "any", "max_minutes": 60}
# Listings beyond the reach radius but within this many times it are counted as hidden "too
# far"; farther ones are simply not candidates (a metro area's far side is not news).
SEARCH_AREA_FACTOR = 2.0
STOP_WALK_METRES = 800.0  # a transit stop this close counts as "near"
INSTANT = timedelta(minutes=1)  # "at" and "open now" look at this much time

# Soft score: named components in [0, 1] and their weights (DESIGN §6).
WEIGHTS = {
    "travel": 3.0,
    "values": 2.0,
    "barriers": 2.0,
    "language": 1.5,
    "text": 2.0,
    "cost": 1.0,
    "freshness": 1.0,
    "availability": 1.0,
}
FRESHNESS_HALF_LIFE_DAYS = 365.0
# A report of places available (or full) moves the availability component away from "unknown"
# by an amount that falls linearly to nothing over this many days.
AVAILABILITY_HORIZON_DAYS = 14.0
NO_TRAVEL_SCORE = 0.35  # online or area-wide: no trip, but most people look for a place nearby
UNKNOWN_REACH_SCORE = 0.25
COST_SCORES = {"free": 1.0, "sliding_scale": 0.8, "insurance": 0.5, "unknown": 0.5, "fee": 0.0}


@dataclass(frozen=True)
class Condition:
    """A hard constraint; a candidate failing it is hidden under `reason`, first failure first.

    kinds: "closed" (temporarily closed), "gender", "age", "yes" (fact `code` must be known yes),
    "not_no" (fact `code` must not be known no), "not_yes" (fact `code` must not be known yes),
    "schedule" (a listed weekly schedule on a known clock, to read a window against),
    "window" (an occurrence in the window),
    "area" (an area-wide service serves the person's area), "reach" (a place within the travel
    limit). Facts are attribute codes, "online", "in_person",
    or "barrier:<code>".
    """

    reason: str
    text: str
    kind: str
    code: str | None = None


@dataclass(frozen=True)
class MatchPlan:
    """Everything a search engine and the explanations need to know about one search."""

    needs: tuple[tuple[str, str | None], ...]  # (category, subcategory or None)
    conditions: tuple[Condition, ...]
    origin: tuple[float, float] | None = None
    origin_areas: tuple[str, ...] = ()  # "zip:94110", "county:San Francisco County, CA"
    origin_near_stop: bool = False
    stops_loaded: bool = False  # with GTFS stops, transit needs a stop near both ends
    mode: str = "any"  # walk | transit | car | any | any_car_free (no_vehicle)
    reach: dict[str, float] = field(default_factory=dict)  # mode -> km reachable in the limit
    ride_ok: bool = False  # no car: a listing that provides transport is reachable
    online_ok: bool = True  # joining online reaches a listing (not for in-person-only, no internet)
    gender: str | None = None
    age: int | None = None
    languages: tuple[str, ...] = ()
    prefer: tuple[str, ...] = ()  # facts whose yes raises the score
    avoid: tuple[str, ...] = ()  # facts whose yes lowers it
    barriers: tuple[str, ...] = ()  # barrier codes whose fit is scored (prefer strength)
    low_income: bool = False
    window: tuple[datetime, datetime] | None = None
    now: datetime | None = None
    tokens: tuple[str, ...] = ()
    weights: dict[str, float] = field(default_factory=dict)  # active components only

    @property
    def search_km(self) -> float | None:
        """Return the radius within which listings are candidates at all."""
        return max(self.reach.values()) * SEARCH_AREA_FACTOR if self.reach else None

    @property
    def instant(self) -> bool:
        """Return whether the window is an instant ("open now", "at"): in progress counts."""
        return self.window is not None and self.window[1] - self.window[0] <= INSTANT


def distance_km(origin: tuple[float, float], lat: float, lon: float) -> float:
    """Return the great-circle distance from the person to a point (both engines use it)."""
    return geo.haversine_km(origin[0], origin[1], lat, lon)


def reach_km(mode: str, max_minutes: float | None, max_km: float | None) -> float:
    """Return the straight-line distance reachable in the limit by a mode."""
    if max_km is not None:
        return max_km
    minutes = max_minutes or 0
    if mode == "walk":
        return minutes / 60 * WALK_KMH / DETOUR
    if mode == "transit":
        return max(minutes - TRANSIT_ACCESS_MINUTES, 0) / 60 * TRANSIT_KMH / DETOUR
    return max(minutes - CAR_PARKING_MINUTES, 0) / 60 * CAR_KMH / DETOUR


def travel_minutes(mode: str, km: float) -> float:
    """Return the estimated travel time for a straight-line distance by a mode."""
    if mode == "walk":
        return km * DETOUR / WALK_KMH * 60
    if mode == "transit":
        return TRANSIT_ACCESS_MINUTES + km * DETOUR / TRANSIT_KMH * 60
    return CAR_PARKING_MINUTES + km * DETOUR / CAR_KMH * 60


def person_mode(mode: str, barriers) -> str:
    """Return the mode a person travels by: without a vehicle, "any" is any way but by car
    and "car" is transit."""
    if "no_vehicle" in barriers and mode in ("car", "any"):
        return "any_car_free" if mode == "any" else "transit"
    return mode


def fastest_trip(mode: str, km: float) -> tuple[str, float]:
    """Return the quickest way a mode allows over a straight-line distance, and its minutes."""
    return min(((way, travel_minutes(way, km)) for way in modes_of(mode)), key=lambda t: t[1])


def modes_of(mode: str) -> tuple[str, ...]:
    """Return the ways to travel a plan's mode allows ("any_car_free": a person without a car)."""
    # A person taking transit walks to the stop, and walks all the way when that is quicker.
    return {
        "any": ("walk", "transit", "car"),
        "any_car_free": ("walk", "transit"),
        "transit": ("walk", "transit"),
    }.get(mode, (mode,))


def _fact_label(code: str) -> str:
    if code.startswith("barrier:"):
        return label(vocab.BARRIERS[code.removeprefix("barrier:")].label)
    return label(vocab.VALUES[code].label if code in vocab.VALUES else vocab.ATTRIBUTES[code].label)


CONFLICT_TEXT = {
    "on_moud": _l("do not accept people on MOUD"),
    "no_id": _l("require an ID"),
    "justice_involved": _l("do not accept people with a record"),
    "needs_childcare": _l("no childcare and children not welcome"),
    "low_income": _l("charge a fee"),
    "limited_english": _l("do not serve in your languages"),
    "mobility": _l("not wheelchair accessible"),
    "deaf_hoh": _l("no ASL"),
    "blind_low_vision": _l("not accessible without sight"),
    "has_pet": _l("no pets"),
    "lgbtq_safety": _l("not LGBTQ+ affirming"),
    "undocumented": _l("ask for an SSN or status"),
    "uninsured": _l("do not serve people without insurance"),
    "medicaid": _l("do not take Medicaid"),
    "works_daytime": _l("open weekday daytimes only"),
    "no_phone": _l("need a call or appointment first"),
    "no_internet": _l("online only"),
}


def barrier_conditions(barriers: dict[str, str]) -> list[Condition]:
    """Return the conditions barriers impose: known conflicts hide; required fits must be known."""
    conditions = []
    for code, strength in barriers.items():
        barrier = vocab.BARRIERS[code]
        if barrier.rule == "travel":
            continue  # no_vehicle shapes the travel mode and reach, not a fact
        fact = f"barrier:{code}"
        if strength == "require":
            text = _("not known to suit: %(barrier)s", barrier=in_sentence(label(barrier.label)))
            conditions.append(Condition(f"requires:{code}", text, "yes", fact))
        elif barrier.attributes or barrier.rule in (
            "cost",
            "language",
            "evening_hours",
            "in_person",
        ):
            text = str(
                CONFLICT_TEXT.get(code)
                or _("do not suit: %(barrier)s", barrier=in_sentence(label(barrier.label)))
            )
            conditions.append(Condition(f"barrier:{code}", text, "not_no", fact))
    return conditions


def value_conditions(values: dict[str, str]) -> list[Condition]:
    """Return the conditions required values impose: the fact must be known yes."""
    return [
        Condition(
            f"requires:{code}",
            _("not known to be %(value)s", value=in_sentence(_fact_label(code))),
            "yes",
            code,
        )
        for code, strength in values.items()
        if strength == "require"
    ]
