"""The matching rules on single listings: facts, conditions, travel, time, score, reasons."""

from datetime import UTC, datetime, timedelta

import pytest

from resdir.matching import plan as plans
from resdir.matching.explain import reasons
from resdir.matching.profile import ProfileSchema, compile_plan
from resdir.matching.rules import evaluate, fact, travel
from resdir.search import Stops
from resdir.search.documents import build

NOW = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)  # Tuesday 10:00 in California
MISSION = {"lat": 37.7615, "lon": -122.4190}


def _plan(profile: dict, stops: Stops | None = None):
    loaded = ProfileSchema().load(profile)
    return loaded, compile_plan(loaded, NOW, stops)


def _fact(value: str) -> dict:
    return {"value": value, "source": "test", "note": None}


@pytest.fixture
def listing(make_listing):
    def make(**overrides):
        return build(make_listing(**overrides))

    return make


def test_a_barrier_is_met_by_any_known_yes_and_conflicts_only_when_all_are_no(listing):
    _, plan = _plan({"barriers": ["needs_childcare", "justice_involved"]})
    neither = listing(attributes={"childcare": _fact("no"), "child_friendly": _fact("no")})
    one = listing(attributes={"childcare": _fact("no"), "child_friendly": _fact("yes")})
    half = listing(attributes={"childcare": _fact("no")})
    assert fact(neither, "barrier:needs_childcare", plan) == "no"
    assert fact(one, "barrier:needs_childcare", plan) == "yes"
    assert fact(half, "barrier:needs_childcare", plan) == "unknown"
    # proof of attendance helps a person on probation; its absence is no conflict
    poa = listing(attributes={"proof_of_attendance": _fact("yes"), "accepts_records": _fact("no")})
    assert fact(poa, "barrier:justice_involved", plan) == "yes"
    assert (
        fact(
            listing(attributes={"proof_of_attendance": _fact("no")}),
            "barrier:justice_involved",
            plan,
        )
        == "unknown"
    )


def test_prefer_hides_known_conflicts_require_hides_unknowns_too(listing):
    unknown = listing()
    refuses = listing(attributes={"accepts_moud": _fact("no")})
    _, prefer = _plan({"barriers": ["on_moud"]})
    _, require = _plan({"barriers": {"on_moud": "require"}})
    assert evaluate(unknown, prefer).hidden is None
    assert evaluate(refuses, prefer).hidden.text == "do not accept people on MOUD"
    assert evaluate(unknown, require).hidden.reason == "requires:on_moud"


def test_the_first_failed_condition_names_the_hiding(listing):
    closed_for_men = listing(
        temporarily_closed=True,
        eligibility={
            "genders": ["man"],
            "min_age": None,
            "max_age": None,
            "text": None,
            "required_documents": [],
        },
    )
    _, plan = _plan({"gender": "woman"})
    assert evaluate(closed_for_men, plan).hidden.reason == "closed"


def test_travel_is_an_estimate_by_the_fastest_car_free_mode_first(listing):
    here = {"lat": 37.7509, "lon": -122.4153}
    _, plan = _plan({"location": here, "travel": {"mode": "any", "max_minutes": 30}})
    near = travel(listing(location=MISSION), plan)
    # "any": the quickest way without a car is shown first, the car last.
    assert near.reach == "yes" and near.mode == "transit"
    assert [mode for mode, _ in near.trips] == ["transit", "walk", "car"]
    assert near.km == pytest.approx(1.24, abs=0.05)
    assert near.trips[-1][1] == pytest.approx(
        plans.CAR_PARKING_MINUTES + near.km * plans.DETOUR / plans.CAR_KMH * 60
    )
    _, no_car = _plan(
        {"location": here, "barriers": ["no_vehicle"], "travel": {"mode": "any", "max_minutes": 30}}
    )
    assert travel(listing(location=MISSION), no_car).mode == "transit"
    _, walking = _plan({"location": here, "travel": {"mode": "walk", "max_minutes": 30}})
    assert travel(listing(location=MISSION), walking).mode == "walk"
    daly_city = listing(location={"lat": 37.6879, "lon": -122.4702})
    assert travel(daly_city, walking).reach == "no"


def test_transit_needs_a_stop_near_both_ends_once_stops_are_loaded(listing):
    stops = Stops([(37.7650, -122.4197)])  # one stop, ~400 m from the listing and the person
    profile = {
        "location": {"lat": 37.7620, "lon": -122.4150},
        "travel": {"mode": "transit", "max_minutes": 20},
    }
    _, plan = _plan(profile, stops)
    assert plan.origin_near_stop
    near_stop = listing(location=MISSION)
    near_stop["stop_metres"] = 400.0
    no_stop = listing(location={"lat": 37.7351, "lon": -122.4372})  # 4 km away, no stop near
    no_stop["stop_metres"] = None
    assert travel(near_stop, plan).reach == "yes"
    far = travel(no_stop, plan)
    assert (far.reach, far.mode) == ("no", "walk")  # only walking is left, and it is too far


def test_meetings_occur_when_they_start_in_the_window_services_when_open(listing):
    def schedule(day, opens, closes):
        return {
            "intervals": [{"day": day, "opens": opens, "closes": closes}],
            "text": None,
            "by_appointment": False,
        }

    window = {"when": {"from": "2026-12-01T17:00:00-08:00", "to": "2026-12-01T21:00:00-08:00"}}
    _, plan = _plan(window)
    meeting_1930 = listing(kind="meeting", schedule=schedule(1, "19:30", "20:30"))
    meeting_2100 = listing(kind="meeting", schedule=schedule(1, "21:00", "22:00"))
    office = listing(schedule=schedule(1, "09:00", "17:30"))
    night = listing(schedule=schedule(1, "20:00", "08:00"))
    assert evaluate(meeting_1930, plan).hidden is None
    assert evaluate(meeting_2100, plan).hidden.reason == "window"
    assert evaluate(office, plan).hidden is None  # open until 17:30
    assert evaluate(night, plan).hidden is None


@pytest.mark.parametrize(
    "schedule",
    [
        {"intervals": [], "text": None, "by_appointment": False},
        {"intervals": [], "text": "Call for hours", "by_appointment": False},
        {"intervals": [], "text": None, "by_appointment": True},
    ],
)
@pytest.mark.parametrize("kind", ["service", "meeting"])
def test_a_schedule_not_listed_does_not_fit_a_window_and_is_hidden_as_that(
    listing, make_listing, schedule, kind
):
    window = {"when": {"from": "2026-12-01T17:00:00-08:00", "to": "2026-12-01T21:00:00-08:00"}}
    profile, plan = _plan(window)
    doc = make_listing(kind=kind, schedule=schedule)
    evaluation = evaluate(build(doc), plan)
    assert (evaluation.hidden.reason, evaluation.hidden.text) == ("schedule", "schedule not listed")
    # shown on request, it says to call
    said = {r["code"]: r for r in reasons(doc, build(doc), plan, evaluation, None, profile)}
    when = (said["when"]["text"], said["when"]["met"])
    assert when == ("Hours not listed: call to confirm", None)
    _, anytime = _plan({})
    assert evaluate(build(doc), anytime).hidden is None  # no window asked: nothing to fit


def test_score_components_follow_the_plan(listing):
    _, plan = _plan(
        {"values": {"secular": "prefer", "faith_based": "avoid"}, "barriers": ["low_income"]}
    )
    fits = listing(attributes={"secular": _fact("yes"), "faith_based": _fact("no")})
    clashes = listing(
        attributes={"secular": _fact("no"), "faith_based": _fact("yes")},
        cost={
            "kind": "fee",
            "amount": 900.0,
            "currency": "USD",
            "period": "month",
            "text": "$900 a month",
        },
    )
    good, bad = evaluate(fits, plan), evaluate(clashes, plan)
    assert bad.hidden.reason == "barrier:low_income"  # a fee is a known conflict
    assert good.components["values"] == 1.0 and good.components["cost"] == 1.0
    assert set(plan.weights) == {"values", "barriers", "cost", "freshness", "availability"}
    assert good.score == round(
        sum(plan.weights[k] * v for k, v in good.components.items()) / sum(plan.weights.values()), 9
    )


def test_reasons_come_in_reading_order_with_call_to_confirm(make_listing):
    doc = make_listing(
        attributes={"wheelchair_accessible": _fact("yes")},
        last_verified_at="2023-01-01T00:00:00+00:00",
    )
    profile, plan = _plan(
        {
            "location": {"lat": 37.7509, "lon": -122.4153},
            "barriers": ["mobility", "on_moud"],
            "values": {"secular": "prefer"},
        }
    )
    sdoc = build(doc)
    evaluation = evaluate(sdoc, plan)
    said = reasons(doc, sdoc, plan, evaluation, None, profile)
    assert [r["code"] for r in said] == [
        "need",
        "travel",
        "barrier:mobility",
        "barrier:on_moud",
        "value:secular",
        "cost",
        "freshness",
    ]
    assert said[2] == {"code": "barrier:mobility", "text": "Wheelchair accessible", "met": True}
    assert said[3]["met"] is None and said[3]["text"].startswith("Call to confirm: Do they")
    assert said[-1] == {
        "code": "freshness",
        "text": "Last checked 3 years ago: call to confirm",
        "met": None,
    }


def test_travel_scores_the_best_usable_mode_halving_every_few_minutes(listing):
    here = {"lat": 37.7509, "lon": -122.4153}
    _, plan = _plan({"location": here, "travel": {"mode": "walk", "max_minutes": 60}})
    near, far = listing(location=MISSION), listing(location={"lat": 37.7800, "lon": -122.4100})
    near_eval, far_eval = evaluate(near, plan), evaluate(far, plan)
    walk_minutes = near_eval.travel.km * plans.DETOUR / plans.WALK_KMH * 60
    assert near_eval.components["travel"] == pytest.approx(
        0.5 ** (walk_minutes / plans.TRAVEL_DECAY_MINUTES["walk"])
    )
    assert far_eval.components["travel"] < near_eval.components["travel"]
    # with a car too, the quickest way there scores: never less than walking alone
    _, any_mode = _plan({"location": here, "travel": {"mode": "any", "max_minutes": 60}})
    assert evaluate(far, any_mode).components["travel"] > far_eval.components["travel"]


@pytest.mark.parametrize(
    ("available", "days_ago", "expected"),
    [
        (3, 0, 1.0),  # places reported today
        (3, 7, 0.75),  # half way to the horizon
        (0, 0, 0.0),  # full, reported today
        (0, 7, 0.25),
        (0, 20, 0.5),  # an old report says nothing
        (None, None, 0.5),
    ],
)
def test_availability_moves_from_unknown_by_how_fresh_the_report_is(
    listing, available, days_ago, expected
):
    _, plan = _plan({})
    as_of = None if days_ago is None else (NOW - timedelta(days=days_ago)).isoformat()
    capacity = {"available": available, "total": 10, "as_of": as_of, "unit": "bed"}
    evaluation = evaluate(listing(capacity=capacity), plan)
    assert evaluation.components["availability"] == pytest.approx(expected)
