"""Walk a client's paths through the public pages in a real browser, with and without JavaScript.

Each path starts where a person starts (the home page, a results page) and checks what they would
see against what the JSON API answers for the same profile, through the app's test client: the
same places in the same order, the same hidden counts. Screenshots of every page of a path are
written to screenshots/ (names below, each -phone.png and -desktop.png).
"""

import re
from datetime import datetime, time, timedelta
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from resdir import vocab
from tests.browser.conftest import (
    DESKTOP,
    PHONE,
    SCREENSHOTS,
    VIEWPORTS,
    axe_check,
    open_page,
    screenshot,
)
from tests.clock import NOW, clock_at
from tests.functional.test_api import MEETINGS_94110, NIGHT_SHELTER, SURVIVOR_SHELTER

MEETINGS_PATH = "/search?near=94110&needs=sober_social.meeting"
SHELTERS_94110 = {"location": {"postal_code": "94110"}, "needs": ["housing.shelter"]}
HOUSING_94110 = {"location": {"postal_code": "94110"}, "needs": ["housing"]}
ZONE_94110 = ZoneInfo("America/Los_Angeles")
EVENING = (time(17), time(23))  # "tonight" as the form offers it: 5 PM to 11 PM
SPANISH_LOCALE = "es-ES"  # the browser's language: Chromium asks for pages in Spanish
# The card's time line: "Next meeting: tomorrow, 7:00 PM" or "Open tomorrow, 6:00 PM–7:30 PM".
CLOCK = r"\d{1,2}:\d\d [AP]M"
WHEN_LINE = re.compile(
    rf"^(?:Next meeting: |Open )(?P<day>[^,]+), (?P<start>{CLOCK})(?:–(?P<end>{CLOCK}))?"
)
# Each card as a person reads it: its place in the list, name, lines of text and what fits.
CARD_TEXTS = """items => items.map(item => {
    const text = selector => (item.querySelector(selector) || {}).textContent || "";
    return {
        id: item.dataset.id, number: item.dataset.number, placed: "lat" in item.dataset,
        name: text("h3 a"), what: text(".what"), where: text(".where"),
        travel: text(".travel"), when: text(".when"),
        met: Array.from(item.querySelectorAll(".fit.met li"), li => li.textContent),
    };
})"""


def _words(text: str) -> str:
    # CLDR puts narrow no-break spaces in times ("7:00 PM"); a person reads a space.
    return " ".join(text.split())


def _match(live_app, profile: dict) -> dict:
    """Return the API's answer for a profile, through the app's test client."""
    response = live_app.app.test_client().post("/api/v1/match", json=profile)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def _cards(page: Page) -> list[dict]:
    cards = page.locator("li.result").evaluate_all(CARD_TEXTS)
    return [{k: _words(v) if isinstance(v, str) else v for k, v in c.items()} for c in cards]


def _submit(page: Page, name: str = "Search") -> None:
    """Press the form's button and wait for the page it loads."""
    with page.expect_navigation():
        page.get_by_role("button", name=name, exact=True).click()


def _search_from_home(page: Page, need: str) -> None:
    open_page(page, "/")
    page.get_by_label("Where are you?").fill("94110")
    page.get_by_label(need, exact=True).check()
    _submit(page)


def _filter(page: Page, *, barriers=(), values=(), when=None, day=None) -> None:
    """Open the filters on a results page, choose, and search again (a POST)."""
    page.locator("summary", has_text="Filters").click()
    for barrier in barriers:
        page.get_by_label(barrier, exact=True).check()
    for value, strength in values:
        page.get_by_label(value, exact=True).select_option(label=strength)
    if when:
        page.get_by_label(when, exact=True).check()
    if day:
        page.get_by_label("Day", exact=True).select_option(label=day)
    _submit(page)


def _minutes(clock: str) -> int:
    moment = datetime.strptime(clock, "%I:%M %p")
    return moment.hour * 60 + moment.minute


def test_search_from_a_zip_on_a_phone_lists_what_the_api_finds_with_a_map(page, live_app):
    assert live_app.app.config["TILE_URL"] == ""  # the map must work with no tile server
    page.set_viewport_size(PHONE)
    open_page(page, "/")
    page.get_by_label("Where are you?").fill("94110")
    page.get_by_label("Recovery meeting", exact=True).check()
    screenshot(page, "flow-home-filled")
    page.set_viewport_size(PHONE)
    _submit(page)

    expect(page.locator("main h1")).to_have_text("Places that fit")
    # Only where and what: nothing else a person chose ends up in the address.
    assert parse_qsl(urlsplit(page.url).query) == [
        ("near", "94110"),
        ("needs", "sober_social.meeting"),
    ]
    api = _match(live_app, MEETINGS_94110)
    cards = _cards(page)
    assert [c["id"] for c in cards] == [r["id"] for r in api["results"]]
    assert cards[0]["name"] == "Red Road Group"  # a Mission meeting a few blocks from 94110
    expect(page.locator("#results-title")).to_have_text(f"{api['total']} places fit")
    for card, result in zip(cards, api["results"], strict=True):
        # What it is: a meeting's fellowship where it is known, else the need it meets.
        need = next(r["text"] for r in result["reasons"] if r["code"] == "need")
        fellowship = vocab.FELLOWSHIPS.get(result.get("fellowship") or "")
        assert card["what"].startswith(fellowship.name if fellowship else need), card
        if result.get("travel_minutes") is not None:
            # No mode chosen: on foot and by transit first, the car last.
            words = {"walk": "on foot", "transit": "by transit", "car": "by car"}
            trips = " · ".join(f"{t['minutes']} min {words[t['mode']]}" for t in result["trips"])
            assert result["travel_mode"] != "car" and trips.endswith("by car")
            assert re.fullmatch(rf"\d+(\.\d)? mi · about {trips} \(estimate\)", card["travel"]), (
                card
            )
        if result["kind"] == "meeting":
            assert card["when"].startswith("Next meeting: "), card

    placed = [c["number"] for c in cards if c["placed"]]
    assert len(placed) >= len(cards) // 2, "most meetings near 94110 have a street address"
    # A phone shows the map when asked (tests/browser/test_results_map.py has the rest).
    page.get_by_role("button", name="Map", exact=True).click()
    pins = page.locator("#map .leaflet-marker-icon.map-pin")
    expect(pins).to_have_count(len(placed))
    assert sorted(pins.all_inner_texts(), key=int) == sorted(placed, key=int)
    expect(page.locator("#map .leaflet-marker-icon.map-you")).to_have_count(1)
    expect(page.locator("#map .leaflet-tile")).to_have_count(0)
    screenshot(page, "flow-results-94110-meetings")


def test_a_barrier_and_a_value_go_by_post_and_change_the_results_as_the_api_does(page, live_app):
    open_page(page, MEETINGS_PATH)
    start = len(live_app.log_lines)
    _filter(page, barriers=["No car"], values=[("Secular", "Must have")])

    # Barriers and values are private: posted, never in the address nor in the share link.
    assert urlsplit(page.url).path == "/search" and urlsplit(page.url).query == ""
    assert any('"POST /search HTTP/1.1" 200' in line for line in live_app.log_lines[start:])
    share = page.locator("#share-url").input_value()
    assert "no_vehicle" not in share and "secular" not in share, share
    profile = {**MEETINGS_94110, "barriers": ["no_vehicle"], "values": {"secular": "require"}}
    api = _match(live_app, profile)
    cards = _cards(page)
    assert [c["id"] for c in cards] == [r["id"] for r in api["results"]]
    assert api["results"][0]["id"] != _match(live_app, MEETINGS_94110)["results"][0]["id"]
    expect(page.locator(".hidden-counts li")).to_have_text(
        [f"{h['count']} hidden: {h['reason']}" for h in api["hidden"]]
    )
    secular = next(h for h in api["hidden"] if h["code"] == "requires:secular")
    assert (
        f"{secular['count']} hidden: not known to be secular"
        in page.locator(".hidden-counts").inner_text()
    )
    for card in cards:
        assert "Secular" in card["met"], card  # required: every place shown is known secular
    expect(page.get_by_text("Why it fits").first).to_be_visible()
    for viewport in VIEWPORTS.values():
        page.set_viewport_size(viewport)
        axe_check(page)
    screenshot(page, "flow-results-filtered")


def test_a_listing_opened_from_the_results_shows_phone_hours_and_address(page, live_app):
    page.set_viewport_size(PHONE)
    open_page(page, "/search?near=94110&needs=housing.shelter")
    ids = [c["id"] for c in _cards(page)]
    assert ids == [r["id"] for r in _match(live_app, SHELTERS_94110)["results"]]
    assert NIGHT_SHELTER in ids and SURVIVOR_SHELTER in ids
    with page.expect_navigation():
        page.get_by_role("link", name="Mission Lantern Night Shelter", exact=True).click()

    assert urlsplit(page.url).path == f"/listings/{NIGHT_SHELTER}"
    expect(page.locator("main h1")).to_have_text("Mission Lantern Night Shelter")
    # The Call button dials it and shows the number (once on the page).
    phone = page.locator('main .go-actions a.call[href="tel:+14155550142"]')
    expect(phone.locator(".call-number")).to_have_text("(415) 555-0142")
    expect(phone).to_be_visible()
    expect(page.locator("table.week tr")).to_have_count(7)
    expect(page.locator("table.week tr").first).to_have_text(
        re.compile(r"Monday.*7:00\sPM–7:00\sAM \(next day\)")
    )
    expect(page.locator("main address")).to_contain_text("2940 16th St")
    expect(page.locator("main address")).to_contain_text("San Francisco, CA 94103")
    screenshot(page, "flow-listing")


def test_a_confidential_listing_shows_its_area_and_no_street_anywhere(page, live_app):
    open_page(page, "/search?near=94110&needs=housing.shelter")
    card = page.locator(f"#result-{SURVIVOR_SHELTER}")
    expect(card.locator(".where")).to_have_text("Confidential location, serving San Francisco")
    assert card.get_attribute("data-lat") is None, "a confidential place has no map point"
    with page.expect_navigation():
        card.get_by_role("link", name="Tidewater Survivor Shelter", exact=True).click()

    main = page.locator("main")
    expect(main.locator("h1")).to_have_text("Tidewater Survivor Shelter")
    expect(main).to_contain_text("The address is kept confidential for safety.")
    expect(main).to_contain_text("Serves: San Francisco")
    expect(main.locator("address")).to_have_count(0)
    # The store keeps the place's own name for staff; the page names no place and no street.
    doc = live_app.app.test_client().get(f"/api/v1/listings/{SURVIVOR_SHELTER}").get_json()
    assert doc["location_name"] and doc["location_name"] not in main.inner_text()
    assert not re.search(r"\d+ \w+ (St|Ave|Blvd|Way|Rd)\b", main.inner_text())
    expect(page.locator('main a.call[href="tel:+14155550100"] .call-number')).to_have_text(
        "(415) 555-0100"
    )


def test_print_view_keeps_name_hours_and_phone_and_drops_the_rest(page, live_app):
    open_page(page, f"/listings/{NIGHT_SHELTER}")
    expect(page.get_by_role("button", name="Print")).to_be_visible()  # shown by the script
    page.emulate_media(media="print")
    for hidden in (".site-header", ".site-footer", "[data-print]", ".skip-link"):
        expect(page.locator(hidden)).to_be_hidden()
    expect(page.locator("main h1")).to_have_text("Mission Lantern Night Shelter")
    expect(page.locator("main h1")).to_be_visible()
    expect(page.locator("table.week")).to_be_visible()
    expect(page.locator("table.week")).to_contain_text("Monday")
    # On paper the Call button is its number.
    expect(page.locator('main a.call[href="tel:+14155550142"]')).to_be_visible()
    expect(page.locator('main a.call[href="tel:+14155550142"]')).to_contain_text("(415) 555-0142")
    SCREENSHOTS.mkdir(exist_ok=True)
    pdf = SCREENSHOTS / "flow-listing-print.pdf"
    page.pdf(path=pdf, format="Letter")
    assert pdf.read_bytes().startswith(b"%PDF-") and pdf.stat().st_size > 10_000
    screenshot(page, "flow-listing-print")

    # The results page prints its list without the form, the filters or the map (drawn once
    # the page is seen on a screen).
    page.emulate_media(media="screen")
    open_page(page, MEETINGS_PATH)
    expect(page.locator("#map .leaflet-marker-icon").first).to_be_attached()
    page.emulate_media(media="print")
    for hidden in ("form.search-form", "#map", ".site-header"):
        expect(page.locator(hidden)).to_be_hidden()
    expect(page.locator("li.result").first).to_be_visible()
    page.emulate_media(media="screen")
    expect(page.locator("#map")).to_be_visible()


def test_tonight_gives_a_windowed_search_whose_results_say_when(page, live_app):
    open_page(page, MEETINGS_PATH)
    # Tomorrow's evening: a whole window, whatever the hour the test runs.
    _filter(page, when="Tonight or evening, 5:00 PM to 11:00 PM", day="Tomorrow")

    expect(page.get_by_text("Time: tomorrow, 5:00")).to_have_text(
        re.compile(r"^Time: tomorrow, 5:00\sPM to 11:00\sPM$")
    )
    tomorrow = NOW.astimezone(ZONE_94110).date() + timedelta(days=1)
    window = {
        "from": datetime.combine(tomorrow, EVENING[0], ZONE_94110).isoformat(),
        "to": datetime.combine(tomorrow, EVENING[1], ZONE_94110).isoformat(),
    }
    api = _match(live_app, {**MEETINGS_94110, "when": window})
    cards = _cards(page)
    assert cards, "meetings near 94110 tomorrow evening"
    assert [c["id"] for c in cards] == [r["id"] for r in api["results"]]
    for card in cards:
        said = WHEN_LINE.match(card["when"])
        assert said and said["day"] == "tomorrow", card
        start = _minutes(said["start"])
        # A meeting starts in the window; a service's opening overlaps it (it may run past
        # midnight, its end then earlier than its start).
        end = _minutes(said["end"]) if said["end"] else start
        if end < start:
            end += 24 * 60
        assert start < EVENING[1].hour * 60 and end >= EVENING[0].hour * 60, card
    screenshot(page, "flow-results-tonight")


def _open_now_cards(page: Page, live_app) -> dict:
    """Return the results' time lines by what the API says of their hours now: open (True)
    or unknown (None)."""
    api = _match(live_app, {**HOUSING_94110, "when": {"open_now": True}})
    cards = _cards(page)
    assert [c["id"] for c in cards] == [r["id"] for r in api["results"]]
    said = {True: [], None: []}
    for card, result in zip(cards, api["results"], strict=True):
        met = next(r["met"] for r in result["reasons"] if r["code"] == "when")
        said[met].append(card["when"])
    return said


@pytest.mark.parametrize(
    ("moment", "night_shelter"),
    [
        # Sunday 2 AM: the night shelter has been open since Saturday evening.
        (datetime(2026, 12, 6, 2, 0, tzinfo=ZONE_94110), "Open now until 7:00 AM"),
        # Thursday 10 PM: open until tomorrow morning.
        (datetime(2026, 12, 3, 22, 0, tzinfo=ZONE_94110), "Open now until tomorrow, 7:00 AM"),
        # Thursday 10 AM: closed.
        (NOW, None),
    ],
)
def test_open_now_shows_places_open_now_and_says_until_when(page, live_app, moment, night_shelter):
    with clock_at(live_app.app, moment):
        open_page(page, "/search?near=94110&needs=housing")
        _filter(page, when="Open now")
        said = _open_now_cards(page, live_app)
        cards = {c["id"]: c["when"] for c in _cards(page)}
    assert said[True], "24-hour shelters near 94110 are open at any hour"
    # The badge, then how long for.
    assert all(re.match(r"^Open now (until |Open 24 hours today)", w) for w in said[True]), said
    assert cards.get(NIGHT_SHELTER) == night_shelter


def test_open_now_cards_say_unknown_hours_where_the_api_does(page, live_app):
    open_page(page, "/search?near=94110&needs=housing&when=now")
    said = _open_now_cards(page, live_app)
    assert set(said[None]) <= {"Hours not listed", "By appointment"}, said


@pytest.fixture
def spanish_browser_page(browser, live_app, browser_errors):
    """Return a page of a browser set to Spanish (es-ES); fail on any console or page error."""
    # conftest's page fixtures fix the locale to English: this is the same page in Spanish.
    context = browser.new_context(base_url=live_app.url, viewport=DESKTOP, locale=SPANISH_LOCALE)
    page = context.new_page()
    page.on("console", lambda m: m.type == "error" and browser_errors.append(m.text))
    page.on("pageerror", lambda error: browser_errors.append(str(error)))
    yield page
    context.close()
    assert not browser_errors, "the browser reported errors:\n" + "\n".join(browser_errors)


@pytest.mark.parametrize("name", ["switch", "browser-language"])
def test_spanish_home_results_and_listing(name, request, live_app):
    if name == "switch":
        page = request.getfixturevalue("page")
        open_page(page, "/?lang=es")
    else:
        page = request.getfixturevalue("spanish_browser_page")
        open_page(page, "/")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("main h1")).to_have_text(
        "Encuentre vivienda, transporte, cuidado de niños y apoyo para la recuperación"
    )
    expect(page.get_by_role("button", name="Buscar", exact=True)).to_be_visible()
    page.get_by_label("¿Dónde está?").fill("94110")
    page.get_by_label("Reunión de recuperación", exact=True).check()
    if name == "switch":
        axe_check(page)
        screenshot(page, "flow-es-home")
    _submit(page, "Buscar")

    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("main h1")).to_have_text("Lugares que le sirven")
    api = _match(live_app, MEETINGS_94110)
    cards = _cards(page)
    assert [c["id"] for c in cards] == [r["id"] for r in api["results"]]
    first = api["results"][0]
    fellowship = vocab.FELLOWSHIPS.get(first.get("fellowship") or "")
    assert cards[0]["what"].startswith(
        fellowship.name_es if fellowship else "Reunión de recuperación"
    ), cards[0]
    # No way chosen: a pie first (a few blocks), en carro last.
    assert cards[0]["travel"].endswith(
        f"unos {first['travel_minutes']} min a pie · {first['trips'][1]['minutes']} min en "
        f"transporte público · {first['trips'][2]['minutes']} min en carro (estimado)"
    ), cards[0]
    assert cards[0]["when"].startswith("Próxima reunión: ")
    expect(page.locator(".hidden-counts li").first).to_have_text(
        f"{api['hidden'][0]['count']} ocultos: a más de 60 minutos"
    )
    if name == "switch":
        axe_check(page)
        screenshot(page, "flow-es-results")
    with page.expect_navigation():
        page.get_by_role("link", name=first["name"], exact=True).click()

    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("main h1")).to_have_text(first["name"])
    expect(page.locator("#contact-title")).to_have_text("Contacto")
    expect(page.locator("#hours-title")).to_have_text("Horario")
    expect(page.locator("main .what")).to_contain_text(
        fellowship.name_es if fellowship else "Reunión de recuperación"
    )
    expect(page.locator("table.week th").first).to_contain_text("Lunes")
    if name == "switch":
        axe_check(page)
        screenshot(page, "flow-es-listing")


def test_spanish_filtered_results_give_reasons_and_hidden_counts_in_spanish(page, live_app):
    open_page(page, f"{MEETINGS_PATH}&lang=es")
    page.locator("summary", has_text="Filtros").click()
    page.get_by_label("Sin carro", exact=True).check()
    page.get_by_label("Laico", exact=True).select_option(label="Debe tener")
    _submit(page, "Buscar")

    cards = _cards(page)
    assert cards and all("Laico" in c["met"] for c in cards), cards
    assert "Se puede llegar sin carro" in cards[0]["met"]
    profile = {**MEETINGS_94110, "barriers": ["no_vehicle"], "values": {"secular": "require"}}
    secular = next(
        h for h in _match(live_app, profile)["hidden"] if h["code"] == "requires:secular"
    )
    expect(page.locator(".hidden-counts")).to_contain_text(
        f"{secular['count']} ocultos: no se sabe si es laico"
    )
    axe_check(page)
    screenshot(page, "flow-es-results-filtered")


def test_spanish_pages_say_when_a_place_was_last_checked_in_spanish(page):
    open_page(page, f"{MEETINGS_PATH}&lang=es")
    checked = page.locator("li.result .checked").first
    expect(checked).to_have_text(re.compile(r"^Revisado "), timeout=1000)


def test_without_javascript_the_search_and_a_listing_work_by_plain_forms_and_links(
    page_without_js, live_app
):
    page = page_without_js
    page.set_viewport_size(DESKTOP)
    _search_from_home(page, "Recovery meeting")
    expect(page.locator("main h1")).to_have_text("Places that fit")
    api = _match(live_app, MEETINGS_94110)
    cards = _cards(page)
    assert [c["id"] for c in cards] == [r["id"] for r in api["results"]]
    assert len(cards) == len(api["results"]) == 20  # the whole first page, map or not
    expect(page.locator("#map")).to_be_hidden()
    expect(page.locator(".leaflet-marker-icon")).to_have_count(0)
    screenshot(page, "flow-nojs-results")

    _filter(page, barriers=["No car"], values=[("Secular", "Must have")])
    assert urlsplit(page.url).query == ""
    profile = {**MEETINGS_94110, "barriers": ["no_vehicle"], "values": {"secular": "require"}}
    filtered = _match(live_app, profile)
    assert [c["id"] for c in _cards(page)] == [r["id"] for r in filtered["results"]]

    first = filtered["results"][0]
    with page.expect_navigation():
        page.get_by_role("link", name=first["name"], exact=True).click()
    expect(page.locator("main h1")).to_have_text(first["name"])
    expect(page.locator("#hours-title")).to_have_text("Hours")


def test_without_javascript_the_buttons_that_need_it_are_not_shown(page_without_js):
    open_page(page_without_js, "/")
    expect(page_without_js.locator("[data-locate]")).to_be_hidden(timeout=1000)
    open_page(page_without_js, f"/listings/{NIGHT_SHELTER}")
    expect(page_without_js.locator("[data-print]")).to_be_hidden(timeout=1000)
