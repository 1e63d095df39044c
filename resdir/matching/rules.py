"""Evaluate a match plan against one search document: facts, hard conditions, the soft score.

These are the rules every search engine follows in its own query language; the engines are
checked against them (tests/conformance). They read only the search document
(`resdir.search.documents.build`), so an engine and an explanation see the same values.
"""

from dataclasses import dataclass, field
from functools import cache

from resdir import vocab
from resdir.matching import plan as plans
from resdir.matching.plan import Condition, MatchPlan
from resdir.matching.time import local_week_ranges

SECONDS_PER_DAY = 86400.0
SCORE_DIGITS = 9  # scores are compared at this precision, ties broken by listing id


def fact(sdoc: dict, code: str, plan: MatchPlan) -> str:
    """Return "yes", "no" or "unknown" for a fact: an attribute, online, in_person, a barrier."""
    if code in vocab.ATTRIBUTES:
        return "yes" if code in sdoc["yes"] else "no" if code in sdoc["no"] else "unknown"
    if code == "online":
        return "yes" if sdoc["online"] else "no"
    if code == "in_person":
        return "yes" if sdoc["in_person"] else "no" if sdoc["online_only"] else "unknown"
    barrier = vocab.BARRIERS[code.removeprefix("barrier:")]
    return _barrier_fit(sdoc, barrier, plan)


def _barrier_fit(sdoc: dict, barrier: vocab.Barrier, plan: MatchPlan) -> str:
    if barrier.rule == "travel":
        return "yes"  # reachable without a car, or it would be hidden as too far
    if barrier.rule == "cost":
        cost = sdoc["cost"]
        return "yes" if cost in ("free", "sliding_scale") else "no" if cost == "fee" else "unknown"
    if barrier.rule == "language":
        if set(plan.languages) & set(sdoc["languages"]):
            return "yes"
        return "no" if sdoc["languages"] else "unknown"
    if barrier.rule == "evening_hours":
        return {True: "yes", False: "no", None: "unknown"}[sdoc["evening"]]
    if barrier.rule == "in_person":
        return fact(sdoc, "in_person", plan)
    if barrier.rule == "confidential" and sdoc["confidential"]:
        return "yes"
    if any(code in sdoc["yes"] for code in (*barrier.attributes, *barrier.helps)):
        return "yes"
    if barrier.attributes and all(code in sdoc["no"] for code in barrier.attributes):
        return "no"
    return "unknown"


@dataclass
class Travel:
    """How a listing is reached from the person: a point's distance and estimate, or not at all."""

    reach: str  # yes | no | unknown
    km: float | None = None
    mode: str | None = None  # the way shown first: car-free when one can be used
    minutes: float | None = None
    trips: tuple[tuple[str, float], ...] = ()  # (mode, minutes), in the order shown


def usable_modes(sdoc: dict, plan: MatchPlan) -> tuple[str, ...]:
    """Return the modes that can reach a listing: transit only with a stop near both ends."""
    transit_ok = not plan.stops_loaded or (
        plan.origin_near_stop
        and sdoc["stop_metres"] is not None
        and sdoc["stop_metres"] <= plans.STOP_WALK_METRES
    )
    return tuple(m for m in plans.modes_of(plan.mode) if m != "transit" or transit_ok)


def travel(sdoc: dict, plan: MatchPlan) -> Travel:
    """Return how the person would reach a listing, and whether within their limit."""
    if plan.origin is None:
        return Travel("unknown")
    point = sdoc["point"]
    online = sdoc["online"] and plan.online_ok
    if point is None:
        if online:
            return Travel("yes")
        if sdoc["area"]:
            return Travel("yes" if set(plan.origin_areas) & set(sdoc["area"]) else "no")
        return Travel("unknown")
    km = plans.distance_km(plan.origin, point["lat"], point["lon"])
    modes = usable_modes(sdoc, plan)
    trips = tuple(sorted(((m, plans.travel_minutes(m, km)) for m in modes), key=_shown_first))
    mode, minutes = trips[0] if trips else (None, None)
    within = any(km <= plan.reach[m] for m in modes)
    ride = plan.ride_ok and "transport_provided" in sdoc["yes"]
    if not (within or ride) and online:
        return Travel("yes", km)  # too far to go, but it can be joined online
    return Travel("yes" if within or ride else "no", km, mode, minutes, trips)


def _shown_first(trip: tuple[str, float]) -> tuple[bool, float]:
    # Most people looking for help have no car: walking and transit come first, quickest first,
    # and a car (only when the person may use one) after them.
    mode, minutes = trip
    return mode == "car", minutes


@cache
def _window_ranges(tz: str, start, end) -> tuple[tuple[int, int], ...]:
    return tuple(local_week_ranges(tz, start, end))


def has_schedule(sdoc: dict) -> bool:
    """Return whether a listing's weekly times are listed, on a known clock."""
    return bool(sdoc["times"]) and bool(sdoc["timezone"])


def in_window(sdoc: dict, plan: MatchPlan) -> str:
    """Return whether a listing has an occurrence in the plan's window: yes, no or unknown."""
    if not has_schedule(sdoc):
        return "unknown"
    ranges = _window_ranges(sdoc["timezone"], *plan.window)
    # A meeting counts when it starts in a window, or when it is in progress at an instant.
    starts_only = sdoc["kind"] == "meeting" and not plan.instant
    for start, end, starts in sdoc["times"]:
        for low, high in ranges:
            if starts_only and starts and low <= start < high:
                return "yes"
            if not starts_only and start < high and end > low:
                return "yes"
    return "no"


def hidden_by(sdoc: dict, plan: MatchPlan, condition: Condition) -> bool:
    """Return whether a listing fails a condition (and so is hidden)."""
    kind = condition.kind
    if kind == "closed":
        return sdoc["closed"]
    if kind == "gender":
        return bool(sdoc["genders"]) and plan.gender not in sdoc["genders"]
    if kind == "age":
        low, high = sdoc["min_age"], sdoc["max_age"]
        return (low is not None and plan.age < low) or (high is not None and plan.age > high)
    if kind == "yes":
        return fact(sdoc, condition.code, plan) != "yes"
    if kind == "not_no":
        return fact(sdoc, condition.code, plan) == "no"
    if kind == "not_yes":
        return fact(sdoc, condition.code, plan) == "yes"
    if kind == "schedule":
        return not has_schedule(sdoc)
    if kind == "window":
        return in_window(sdoc, plan) == "no"
    if kind == "area":
        return sdoc["point"] is None and travel(sdoc, plan).reach == "no"
    if kind == "reach":
        return sdoc["point"] is not None and travel(sdoc, plan).reach == "no"
    raise ValueError(f"unknown condition kind: {kind}")


def in_needs(sdoc: dict, plan: MatchPlan) -> bool:
    """Return whether a listing is of a kind the person needs (else it is no candidate)."""
    return any(
        sdoc["category"] == category and (sub is None or sub in sdoc["subcategories"])
        for category, sub in plan.needs
    )


def in_search_area(sdoc: dict, plan: MatchPlan) -> bool:
    """Return whether a listing is near enough to be a candidate at all (see SEARCH_AREA_FACTOR);
    one that meets online is reachable from anywhere."""
    if plan.origin is None or sdoc["point"] is None or (sdoc["online"] and plan.online_ok):
        return True
    point = sdoc["point"]
    return plans.distance_km(plan.origin, point["lat"], point["lon"]) <= plan.search_km


def matches_text(sdoc: dict, plan: MatchPlan) -> bool:
    """Return whether a listing holds one of the query's tokens (always, without a query)."""
    return not plan.tokens or bool(set(plan.tokens) & set(sdoc["tokens"].split()))


@dataclass
class Evaluation:
    """What the rules say of one listing for one plan."""

    hidden: Condition | None
    score: float
    components: dict[str, float] = field(default_factory=dict)
    travel: Travel | None = None


def _decay(age_seconds: float, half_life_days: float) -> float:
    return 0.5 ** (max(age_seconds, 0.0) / SECONDS_PER_DAY / half_life_days)


def _tri(value: str, yes: float = 1.0, unknown: float = 0.5, no: float = 0.0) -> float:
    return {"yes": yes, "unknown": unknown, "no": no}[value]


def components(sdoc: dict, plan: MatchPlan, trip: Travel) -> dict[str, float]:
    """Return the soft score's components, each in [0, 1], for the plan's active weights."""
    now = plan.now.timestamp()
    out = {}
    for name in plan.weights:
        if name == "travel":
            if trip.minutes is not None:
                # the best way there: each usable mode's estimate, decayed by its scale
                value = max(
                    0.5 ** (plans.travel_minutes(m, trip.km) / plans.TRAVEL_DECAY_MINUTES[m])
                    for m in usable_modes(sdoc, plan)
                )
            else:
                reached = trip.reach == "yes" or (trip.km is not None)
                value = plans.NO_TRAVEL_SCORE if reached else plans.UNKNOWN_REACH_SCORE
        elif name == "values":
            scores = [_tri(fact(sdoc, c, plan)) for c in plan.prefer]
            scores += [_tri(fact(sdoc, c, plan), yes=0.0, no=1.0) for c in plan.avoid]
            value = sum(scores) / len(scores)
        elif name == "barriers":
            fits = [_tri(fact(sdoc, f"barrier:{c}", plan)) for c in plan.barriers]
            value = sum(fits) / len(fits)
        elif name == "language":
            value = _tri(_barrier_fit(sdoc, vocab.BARRIERS["limited_english"], plan))
        elif name == "text":
            value = len(set(plan.tokens) & set(sdoc["tokens"].split())) / len(plan.tokens)
        elif name == "cost":
            value = plans.COST_SCORES[sdoc["cost"]]
        elif name == "freshness":
            verified = sdoc["verified_at"]
            value = (
                0.0 if verified is None else _decay(now - verified, plans.FRESHNESS_HALF_LIFE_DAYS)
            )
        else:  # availability: 0.5 unknown, up to 1 with places, down to 0 when full
            available, at = sdoc["available"], sdoc["available_at"]
            horizon = plans.AVAILABILITY_HORIZON_DAYS * SECONDS_PER_DAY
            fresh = 0.0 if at is None else max(0.0, 1.0 - max(now - at, 0.0) / horizon)
            value = 0.5 if available is None else 0.5 + (0.5 if available > 0 else -0.5) * fresh
        out[name] = value
    return out


def score(parts: dict[str, float], plan: MatchPlan) -> float:
    """Return the weighted mean of the components, rounded to SCORE_DIGITS."""
    total = sum(plan.weights.values())
    return round(sum(plan.weights[k] * v for k, v in parts.items()) / total, SCORE_DIGITS)


def evaluate(sdoc: dict, plan: MatchPlan) -> Evaluation:
    """Return the first condition a candidate fails (it is hidden by it), and its score (hidden
    listings shown on request are ranked by it too)."""
    trip = travel(sdoc, plan)
    hidden = next((c for c in plan.conditions if hidden_by(sdoc, plan, c)), None)
    parts = components(sdoc, plan, trip)
    return Evaluation(hidden, score(parts, plan), parts, trip)
