"""The plan a person leaves with and the calendar files, on the demo directory at a fixed clock:
every time absolute and right on any later day, checked against the next occurrence the rules
compute; directions, online links and questions; conflicts flagged; RFC 5545 files parsed with
the icalendar library, holding the listings and nothing about the person."""

import re
from datetime import UTC, timedelta
from html import unescape

import pytest
from icalendar import Calendar
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from resdir import store
from resdir.listings import load_documents
from resdir.matching import plan as plans
from resdir.matching.time import next_occurrence
from resdir.web.present import DIRECTIONS_DECIMALS
from tests.clock import NOW, clock_at
from tests.functional.test_peer_pages import HER_FORM, NIGHT_SHELTER, SURVIVOR_SHELTER
from tests.functional.test_public_pages import text


@pytest.fixture(scope="module")
def docs(seed_app) -> dict[str, dict]:
    """Return the demo directory's published listing documents by name."""
    with seed_app.app_context(), store.session() as session:
        ids = list(session.scalars(select(store.Listing.id)))
        found = load_documents(session, ids)
    return {d["name"]: d for d in found.values() if d["status"] == "published"}


def _next(doc: dict, now=NOW):
    return next_occurrence(doc["schedule"], doc["kind"], doc["timezone"], now)


def _english(moment) -> str:
    """Return a time as an English plan writes it: "Thu, Dec 3, 7:00 PM" (no Babel)."""
    return f"{moment:%a, %b} {moment.day}, {moment.hour % 12 or 12}:{moment:%M %p}"


def _message(html: str) -> list[str]:
    found = re.search(r'<textarea id="plan-text" readonly[^>]*>(.*?)</textarea>', html, re.S)
    return unescape(found[1]).split("\n")


def _meetings_at_the_same_time(docs: dict) -> tuple[dict, dict]:
    """Return two in-person meetings whose next occurrences overlap, as the rules compute them."""
    meetings = sorted(
        (d for d in docs.values() if d["kind"] == "meeting" and d.get("timezone")),
        key=lambda d: d["name"],
    )
    timed = [(d, _next(d)) for d in meetings if (d.get("address") or {}).get("street")]
    for index, (first, one) in enumerate(timed):
        for second, other in timed[index + 1 :]:
            if one and other and one.start == other.start:
                return first, second
    raise AssertionError("the demo directory has no two meetings at the same time")


def test_a_plan_says_the_date_and_time_so_that_it_reads_right_tomorrow(client, seed_app, docs):
    shelter = next(d for d in docs.values() if d["id"] == NIGHT_SHELTER)
    opening = _next(shelter)
    html = client.post("/peer/plan", data={"plan": NIGHT_SHELTER}).get_data(as_text=True)
    assert opening.start.date() == NOW.astimezone(opening.start.tzinfo).date()
    expected = f"Open {_english(opening.start)} (today) to {_english(opening.end)}"
    assert f"When: {expected}" in text(html)
    assert _message(html)[0].startswith(f"Mission Lantern Night Shelter — {expected} — ")
    # Made a day later, the plan names the next day's opening, and "today" moves with it.
    later = NOW + timedelta(days=1)
    with clock_at(seed_app, later):
        html = client.post("/peer/plan", data={"plan": NIGHT_SHELTER}).get_data(as_text=True)
    tomorrow = _next(shelter, later)
    assert f"When: Open {_english(tomorrow.start)} (today)" in text(html)
    assert tomorrow.start.date() == opening.start.date() + timedelta(days=1)


def test_a_meeting_in_a_plan_has_its_next_meeting_in_absolute_form_in_spanish_too(client, docs):
    meeting = docs["LifeRing Daly City"]
    found = _next(meeting)
    html = client.post("/peer/plan", data={"plan": meeting["id"]}).get_data(as_text=True)
    days = (found.start.date() - NOW.astimezone(found.start.tzinfo).date()).days
    beside = {0: " (today)", 1: " (tomorrow)"}.get(days, "")
    assert f"Next meeting: {_english(found.start)}{beside} — " in _message(html)[0]
    spanish = client.post("/peer/plan?lang=es", data={"plan": meeting["id"]})
    words = text(spanish.get_data(as_text=True))
    hour = f"{found.start:%H:%M}"
    assert re.search(rf"Próxima reunión: \w+, {found.start.day} \w+, {hour}", words), words


def test_each_place_says_how_to_get_there_whom_to_call_and_what_to_ask(client, docs):
    shelter = next(d for d in docs.values() if d["id"] == NIGHT_SHELTER)
    page = client.post(
        "/peer/plan", data=MultiDict([("plan", NIGHT_SHELTER), ("plan", SURVIVOR_SHELTER)])
    )
    html = page.get_data(as_text=True)
    point = shelter["location"]
    lat, lon = round(point["lat"], DIRECTIONS_DECIMALS), round(point["lon"], DIRECTIONS_DECIMALS)
    directions = f"https://www.openstreetmap.org/directions?route=%3B{lat}%2C{lon}"
    assert f'<a href="{directions}" class="directions">Directions' in html
    # A confidential place: its area, no street and no way to find it on a map.
    assert "Where: Confidential location, serving San Francisco" in text(html)
    assert html.count('class="directions"') == 1
    lines = _message(html)
    assert f"({directions})" in lines[0] and "openstreetmap" not in lines[1]
    # A place with no hours listed says to ask.
    no_hours = next(
        d
        for d in docs.values()
        if not d["schedule"].get("intervals") and not d["schedule"].get("by_appointment")
    )
    words = text(client.post("/peer/plan", data={"plan": no_hours["id"]}).get_data(as_text=True))
    assert "Still to ask: Hours not listed: call to ask when to come." in words


def test_meetings_at_the_same_time_are_flagged_in_the_plan(client, docs):
    first, second = _meetings_at_the_same_time(docs)
    html = client.post(
        "/peer/plan", data=MultiDict([("plan", first["id"]), ("plan", second["id"])])
    ).get_data(as_text=True)
    words = text(html)
    assert f"Overlaps with {second['name']} ({_english(_next(second).start)}" in words
    assert f"Overlaps with {first['name']} ({_english(_next(first).start)}" in words


def test_a_meeting_too_far_to_reach_in_time_is_flagged_by_the_persons_mode(client, docs):
    daly_city, grupo = docs["LifeRing Daly City"], docs["Grupo Luz del Camino"]
    ends, starts = _next(daly_city).end, _next(grupo).start
    assert ends.astimezone(UTC) <= starts.astimezone(UTC)
    a, b = daly_city["location"], grupo["location"]
    km = plans.distance_km((a["lat"], a["lon"]), b["lat"], b["lon"])
    form = MultiDict([("plan", daly_city["id"]), ("plan", grupo["id"]), ("mode", "transit")])
    words = text(client.post("/peer/plan", data=form).get_data(as_text=True))
    minutes = round(plans.travel_minutes("transit", km))
    assert (
        "Hard to reach in time from LifeRing Daly City, which ends at "
        f"{ends.hour % 12 or 12}:{ends:%M %p}: about {minutes} min by transit (estimate)."
    ) in words


def _calendar(response) -> Calendar:
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    return Calendar.from_ical(response.get_data())


def test_a_weekly_meeting_is_a_recurring_event_on_its_own_clock(client, docs):
    meeting = docs["LifeRing Daly City"]
    calendar = _calendar(client.get(f"/listings/{meeting['id']}.ics"))
    events = calendar.walk("VEVENT")
    times = {(i["day"], i["opens"]) for i in meeting["schedule"]["intervals"]}
    assert len(events) == len(times)
    starts = sorted(
        next_occurrence({"intervals": [i]}, "meeting", meeting["timezone"], NOW).start
        for i in meeting["schedule"]["intervals"]
    )
    assert sorted(e.decoded("dtstart") for e in events) == starts
    for event in events:
        assert event["rrule"]["FREQ"] == ["WEEKLY"]
        assert event["dtstart"].params["TZID"] == meeting["timezone"]
        assert str(event["summary"]) == meeting["name"]
        assert str(event["url"]).endswith(f"/listings/{meeting['id']}")
    assert [str(z["tzid"]) for z in calendar.walk("VTIMEZONE")] == [meeting["timezone"]]
    assert "Add to calendar" in text(
        client.get(f"/listings/{meeting['id']}").get_data(as_text=True)
    )


def test_a_listing_without_hours_has_an_empty_calendar_and_no_button(client, docs):
    no_hours = next(d for d in docs.values() if not d["schedule"].get("intervals"))
    calendar = _calendar(client.get(f"/listings/{no_hours['id']}.ics"))
    assert calendar.walk("VEVENT") == []
    page = client.get(f"/listings/{no_hours['id']}").get_data(as_text=True)
    assert "Add to calendar" not in page
    assert client.get("/listings/no-such-listing.ics").status_code == 404


def test_a_plans_calendar_holds_its_places_as_the_plan_says_and_nothing_of_the_person(client, docs):
    meeting = docs["LifeRing Daly City"]
    form = MultiDict([*HER_FORM, ("plan", meeting["id"]), ("plan", SURVIVOR_SHELTER)])
    response = client.post("/peer/plan.ics", data=form)
    calendar = _calendar(response)
    assert response.headers["Cache-Control"] == "no-store"
    events = {str(e["summary"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {meeting["name"], "Tidewater Survivor Shelter"}
    assert events[meeting["name"]].decoded("dtstart") == _next(meeting).start
    assert "rrule" not in events[meeting["name"]]
    survivor = events["Tidewater Survivor Shelter"]
    assert str(survivor["location"]) == "Confidential location, serving San Francisco"
    raw = response.get_data(as_text=True)
    for private in ("no_vehicle", "needs_childcare", "on_moud", "secular", "woman", "94110"):
        assert private not in raw
    # The plan page's button posts the same places.
    html = client.post("/peer/plan", data=form).get_data(as_text=True)
    button = re.search(
        r'<form id="plan-calendar" method="post" action="/peer/plan.ics">(.*?)</form>', html, re.S
    )[1]
    assert re.findall(r'name="plan" value="([^"]+)"', button) == [meeting["id"], SURVIVOR_SHELTER]


def test_a_plans_calendar_of_no_place_is_a_400(client):
    assert client.post("/peer/plan.ics").status_code == 400
