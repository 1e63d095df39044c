"""Tests of Fit my day's combining on hand-built listings: a meeting in the window and childcare
that covers it whole (on site or near it, trips included), up to three, ranked; why none."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from resdir.matching import fitday

LA = ZoneInfo("America/Los_Angeles")
# Thursday 3 December 2026 (weekday 3), the evening a person is free.
THURSDAY = 3
WINDOW = (datetime(2026, 12, 3, 17, 0, tzinfo=LA), datetime(2026, 12, 3, 23, 0, tzinfo=LA))
MISSION = {"lat": 37.7615, "lon": -122.4190}
# About 0.4 km from MISSION (a few minutes on foot), and about 9 km (downtown Oakland).
NEARBY = {"lat": 37.7650, "lon": -122.4190}
ACROSS_THE_BAY = {"lat": 37.8044, "lon": -122.2712}


@pytest.fixture
def meeting(make_listing):
    def make(key="m1", opens="18:00", closes="19:00", location=MISSION, **overrides):
        return make_listing(
            key=key,
            name=f"Meeting {key}",
            kind="meeting",
            subcategories=["meeting"],
            location=location,
            schedule={
                "intervals": [{"day": THURSDAY, "opens": opens, "closes": closes}],
                "text": None,
                "by_appointment": False,
            },
            **overrides,
        )

    return make


@pytest.fixture
def childcare(make_listing):
    def make(key="c1", opens="14:00", closes="21:00", location=NEARBY, kind="center", **overrides):
        return make_listing(
            key=key,
            name=f"Childcare {key}",
            category="childcare",
            subcategories=[kind],
            location=location,
            schedule={
                "intervals": [{"day": THURSDAY, "opens": opens, "closes": closes}],
                "text": None,
                "by_appointment": False,
            },
            **overrides,
        )

    return make


def test_childcare_open_for_the_whole_meeting_and_trips_nearby_combines(meeting, childcare):
    combos, why = fitday.combine([meeting()], [childcare()], WINDOW, "any_car_free")
    assert why is None
    [combo] = combos
    assert combo.ids == [meeting()["id"], childcare()["id"]]
    assert combo.meets.start == datetime(2026, 12, 3, 18, 0, tzinfo=LA)
    assert combo.opening.end == datetime(2026, 12, 3, 21, 0, tzinfo=LA)
    assert combo.trip.way == "walk" and 0 < combo.trip.minutes < 10


def test_childcare_closing_before_the_meeting_ends_does_not_combine(meeting, childcare):
    combos, why = fitday.combine([meeting()], [childcare(closes="18:30")], WINDOW, "walk")
    assert (combos, why) == ([], "not_open")


def test_childcare_closing_before_the_walk_back_does_not_combine(meeting, childcare):
    # The meeting ends at 19:00 and the walk back takes minutes: closing at 19:00 is too early.
    assert fitday.combine([meeting()], [childcare(closes="19:00")], WINDOW, "walk")[1] == "not_open"
    assert fitday.combine([meeting()], [childcare(closes="19:30")], WINDOW, "walk")[1] is None


def test_childcare_beyond_the_trip_limit_does_not_combine(meeting, childcare):
    far = childcare(location=ACROSS_THE_BAY)
    assert fitday.combine([meeting()], [far], WINDOW, "walk") == ([], "too_far")
    # Without a car the quickest way over 9 km is transit, still past a 20-minute limit.
    assert fitday.combine([meeting()], [far], WINDOW, "any_car_free", 20) == ([], "too_far")


def test_a_meeting_with_childcare_on_site_needs_no_childcare_listing(meeting):
    on_site = meeting(attributes={"childcare": {"value": "yes", "source": "test", "note": None}})
    [combo], why = fitday.combine([on_site], [], WINDOW, "walk")
    assert why is None
    assert combo.childcare is None and combo.trip is None and combo.ids == [on_site["id"]]


def test_no_meeting_in_the_window_says_so(meeting, childcare):
    morning = meeting(opens="07:00", closes="08:00")
    assert fitday.combine([morning], [childcare()], WINDOW, "walk") == ([], "no_meeting")


def test_a_meeting_overlapping_the_window_start_is_not_in_it(meeting, childcare):
    # Started at 16:30, before the person is free: not "in the window".
    early = meeting(opens="16:30", closes="17:30")
    assert fitday.combine([early], [childcare()], WINDOW, "walk") == ([], "no_meeting")


def test_a_subsidy_office_is_not_childcare_for_the_meeting(meeting, childcare):
    office = childcare(kind="subsidy")
    assert fitday.combine([meeting()], [office], WINDOW, "walk") == ([], "too_far")


def test_at_most_three_on_site_first_then_the_shortest_trips(meeting, childcare):
    on_site = meeting(
        "m4",
        opens="20:00",
        closes="21:00",
        attributes={"childcare": {"value": "yes", "source": "t"}},
    )
    meetings = [meeting("m1"), meeting("m2", location=NEARBY), meeting("m3"), on_site]
    places = [childcare("c1"), childcare("c2", location=MISSION)]
    combos, why = fitday.combine(meetings, places, WINDOW, "walk")
    assert why is None
    # m4 has childcare on site; m1 and m3 are at c2's door, m2 at c1's: 0 minutes each, so
    # the meetings' own order breaks the tie and m3 is left out.
    assert [c.meeting["id"] for c in combos] == [
        on_site["id"],
        meetings[0]["id"],
        meetings[1]["id"],
    ]
    assert len(combos) == fitday.MAX_COMBINATIONS
    assert [c.travel_minutes for c in combos] == [0, 0, 0]


def test_the_nearest_childcare_is_chosen_and_a_longer_trip_ranks_later(meeting, childcare):
    near_one, far_one = meeting("m1", location=NEARBY), meeting("m2")
    places = [childcare("c1", location=ACROSS_THE_BAY), childcare("c2", location=NEARBY)]
    combos, _ = fitday.combine([far_one, near_one], places, WINDOW, "walk")
    assert [(c.meeting["id"], c.childcare["id"]) for c in combos] == [
        (near_one["id"], places[1]["id"]),
        (far_one["id"], places[1]["id"]),
    ]
    assert combos[0].travel_minutes == 0 < combos[1].travel_minutes
