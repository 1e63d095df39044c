"""A plan a person leaves with, and "Add to calendar", in a real browser on the demo directory:
absolute times, directions, conflicts flagged, the calendar files downloaded and parsed, on a
phone and a desktop, in English and Spanish, axe clean.
Screenshots: plan-conflicts-en and plan-conflicts-es (-phone.png and -desktop.png)."""

import json

import pytest
from icalendar import Calendar
from playwright.sync_api import Page, expect
from sqlalchemy import select

from resdir import store
from resdir.listings import load_documents
from resdir.matching.time import next_occurrence
from resdir.web.present import DIRECTIONS_DECIMALS
from tests.browser.conftest import VIEWPORTS, axe_check, open_page, reveal, screenshot
from tests.clock import NOW

# Two meetings at the same hour, and one an hour later too far from the second (demo directory).
PLANNED = ("ASL Speaker Meeting", "LifeRing Daly City", "Grupo Luz del Camino")
TEXTS = {
    "en": {
        "make": "Make a plan",
        "calendar": "Add to calendar",
        "next": "Next meeting: ",
        "overlaps": "Overlaps with ",
        "far": "Hard to reach in time from ",
        "directions": "Directions",
    },
    "es": {
        "make": "Hacer un plan",
        "calendar": "Añadir al calendario",
        "next": "Próxima reunión: ",
        "overlaps": "Coincide con ",
        "far": "Difícil llegar a tiempo desde ",
        "directions": "Cómo llegar",
    },
}


@pytest.fixture(scope="module")
def docs(live_app) -> dict[str, dict]:
    """Return the demo directory's published listing documents by name."""
    with live_app.app.app_context(), store.session() as session:
        found = load_documents(session, list(session.scalars(select(store.Listing.id))))
    return {d["name"]: d for d in found.values() if d["status"] == "published"}


def _make_plan(page: Page, docs: dict, lang: str) -> None:
    """Open the console with the planned places in its shortlist, by transit, and make the plan."""
    open_page(page, f"/peer?lang={lang}")
    shortlist = [{"id": docs[name]["id"], "name": name} for name in PLANNED]
    page.evaluate(
        "items => sessionStorage.setItem('resdir.peer.shortlist', items)", json.dumps(shortlist)
    )
    open_page(page, "/peer")
    reveal(page, page.locator("#mode")).select_option("transit")
    with page.expect_navigation():
        page.locator("#shortlist").get_by_role("button", name=TEXTS[lang]["make"]).click()


@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_plan_flags_meetings_at_once_or_too_far_apart_and_goes_into_a_calendar(page, docs, lang):
    words = TEXTS[lang]
    _make_plan(page, docs, lang)
    places = page.locator("li.plan-place")
    expect(places.locator("h2")).to_have_text(list(PLANNED))
    for place, name in zip(places.all(), PLANNED, strict=True):
        found = next_occurrence(docs[name]["schedule"], "meeting", docs[name]["timezone"], NOW)
        hour = found.start.strftime("%-I:%M %p" if lang == "en" else "%H:%M")
        expect(place.locator(".when")).to_contain_text(words["next"])
        expect(place.locator(".when")).to_contain_text(f"{found.start.day}")
        expect(place.locator(".when")).to_contain_text(hour)
        expect(place.locator("a.directions")).to_have_attribute(
            "href", f"https://www.openstreetmap.org/directions?route=%3B{_point(docs[name])}"
        )
    asl, daly_city, grupo = places.all()
    expect(asl.locator(".plan-flags")).to_contain_text(words["overlaps"] + PLANNED[1])
    expect(daly_city.locator(".plan-flags")).to_contain_text(words["overlaps"] + PLANNED[0])
    expect(grupo.locator(".plan-flags")).to_contain_text(words["far"] + PLANNED[1])
    for viewport in VIEWPORTS.values():
        page.set_viewport_size(viewport)
        expect(page.get_by_role("button", name=words["calendar"])).to_be_visible()
        axe_check(page)
    screenshot(page, f"plan-conflicts-{lang}")

    with page.expect_download() as download:
        page.get_by_role("button", name=words["calendar"]).click()
    calendar = Calendar.from_ical(download.value.path().read_bytes())
    events = {str(e["summary"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == set(PLANNED)
    for name in PLANNED:
        found = next_occurrence(docs[name]["schedule"], "meeting", docs[name]["timezone"], NOW)
        assert events[name].decoded("dtstart") == found.start


def _point(doc: dict) -> str:
    """Return a listing's door as RESDIR_DIRECTIONS_URL's default fills it in ("lat%2Clon")."""
    lat, lon = (round(doc["location"][k], DIRECTIONS_DECIMALS) for k in ("lat", "lon"))
    return f"{lat}%2C{lon}"


@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_meetings_page_adds_its_weekly_times_to_a_calendar(page, docs, lang):
    meeting = docs[PLANNED[0]]
    open_page(page, f"/listings/{meeting['id']}?lang={lang}")
    link = page.get_by_role("link", name=TEXTS[lang]["calendar"])
    for viewport in VIEWPORTS.values():
        page.set_viewport_size(viewport)
        expect(link).to_be_visible()
        axe_check(page)
    with page.expect_download() as download:
        link.click()
    calendar = Calendar.from_ical(download.value.path().read_bytes())
    events = calendar.walk("VEVENT")
    assert len(events) == len({(i["day"], i["opens"]) for i in meeting["schedule"]["intervals"]})
    assert all(e["rrule"]["FREQ"] == ["WEEKLY"] for e in events)
    assert all(e["dtstart"].params["TZID"] == meeting["timezone"] for e in events)


def test_a_listing_without_hours_offers_no_calendar(page, docs):
    no_hours = next(d for d in docs.values() if not d["schedule"].get("intervals"))
    open_page(page, f"/listings/{no_hours['id']}")
    expect(page.locator("h1")).to_have_text(no_hours["name"])
    expect(page.get_by_role("link", name="Add to calendar")).to_have_count(0)
