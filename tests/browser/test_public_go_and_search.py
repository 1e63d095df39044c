"""Public search as people use it, in a real browser on a phone and a desktop, in English and
Spanish: a city typed as people say it ("SF"), words to look for, call and directions on a card,
back to the very results (a posted search too), the language switch keeping the filters, the
share link copied, a listing printed on one sheet (issue 12 items 4 and 8). Screenshots:
go-results and go-listing (each -phone.png and -desktop.png)."""

import re
from urllib.parse import parse_qsl, urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE, VIEWPORTS, axe_check, new_page, open_page, screenshot
from tests.functional.test_api import NIGHT_SHELTER, SURVIVOR_SHELTER

# Per language: the words a person reads and presses.
WORDS = {
    "en": {
        "where": "Where are you?",
        "words": "Words to look for",
        "shelter": "Emergency shelter",
        "search": "Search",
        "filters": "Filters",
        "no_car": "No car",
        "call": "Call",
        "directions": "Directions",
        "back": "Back to results",
        "copy": "Copy link",
        "copied": "The link is copied: paste it in a message.",
        "other": "Español",
    },
    "es": {
        "where": "¿Dónde está?",
        "words": "Palabras que buscar",
        "shelter": "Albergue de emergencia",
        "search": "Buscar",
        "filters": "Filtros",
        "no_car": "Sin carro",
        "call": "Llamar",
        "directions": "Cómo llegar",
        "back": "Volver a los resultados",
        "copy": "Copiar enlace",
        "copied": "El enlace está copiado: péguelo en un mensaje.",
        "other": "English",
    },
}
PDF_PAGE = re.compile(rb"/Type\s*/Page[^s]")  # a page object of a PDF (not the /Pages tree)


@pytest.fixture
def clipboard_page(browser, live_app, browser_errors):
    """Return a page whose site may write and read the clipboard, as a person's browser lets it."""
    yield from new_page(
        browser, live_app, browser_errors, permissions=["clipboard-read", "clipboard-write"]
    )


def _ids(page: Page) -> list[str]:
    return page.locator("li.result").evaluate_all("items => items.map(i => i.dataset.id)")


def _press(page: Page, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name, exact=True).click()


def _search_sf_shelters_without_a_car(page: Page, words: dict, language: str) -> list[str]:
    """Search from the home page for shelters in "SF", then filter by "no car" (a POST)."""
    open_page(page, f"/?lang={language}")
    page.get_by_label(words["where"]).fill("SF")
    page.get_by_label(words["shelter"], exact=True).check()
    _press(page, words["search"])
    expect(page.locator("li.result").first).to_be_visible()
    page.locator("summary", has_text=words["filters"]).click()
    page.get_by_label(words["no_car"], exact=True).check()
    _press(page, words["search"])
    return _ids(page)


@pytest.mark.parametrize("language", ["en", "es"])
def test_from_sf_a_card_calls_gives_directions_and_its_listing_goes_back_to_the_same_results(
    page, live_app, language
):
    words = WORDS[language]
    page.set_viewport_size(PHONE)
    ids = _search_sf_shelters_without_a_car(page, words, language)
    api = live_app.app.test_client().post(
        "/api/v1/match",
        json={
            "location": {"address": "San Francisco, CA"},
            "needs": ["housing.shelter"],
            "barriers": ["no_vehicle"],
        },
    )
    assert ids == [r["id"] for r in api.get_json()["results"]] and NIGHT_SHELTER in ids
    card = page.locator(f"#result-{NIGHT_SHELTER}")
    call = card.get_by_role("link", name=re.compile(f"^{words['call']} "))
    expect(call).to_have_attribute("href", "tel:+14155550142")
    expect(call).to_be_visible()
    directions = card.get_by_role("link", name=re.compile(f"^{words['directions']}"))
    expect(directions).to_have_attribute("href", re.compile(r"^https://www\.openstreetmap\.org/"))
    confidential = page.locator(f"#result-{SURVIVOR_SHELTER}")
    expect(confidential.get_by_role("link", name=re.compile(words["directions"]))).to_have_count(0)
    for viewport in VIEWPORTS.values():
        page.set_viewport_size(viewport)
        axe_check(page)
    screenshot(page, f"go-results-{language}")

    page.set_viewport_size(PHONE)
    with page.expect_navigation():
        card.locator("h3 a").click()
    expect(page.locator("main h1")).to_have_text("Mission Lantern Night Shelter")
    expect(page.locator("main .go-actions .call")).to_have_attribute("href", "tel:+14155550142")
    for viewport in VIEWPORTS.values():
        page.set_viewport_size(viewport)
        axe_check(page)
    screenshot(page, f"go-listing-{language}")

    # Back is the very page of results: the posted "no car" search, not the shared part alone.
    with page.expect_navigation():
        page.get_by_role("link", name=words["back"]).click()
    assert urlsplit(page.url).path == "/search"
    assert _ids(page) == ids
    expect(page.get_by_label(words["no_car"], exact=True)).to_be_checked()


def test_without_the_script_back_to_results_is_the_shareable_search(page_without_js):
    page = page_without_js
    open_page(page, "/search?near=Daly+City&needs=housing.shelter&q=shelter")
    ids = _ids(page)
    assert ids
    with page.expect_navigation():
        page.locator("li.result h3 a").first.click()
    with page.expect_navigation():
        page.get_by_role("link", name="Back to results").click()
    query = sorted(parse_qsl(urlsplit(page.url).query))
    assert query == [("near", "Daly City"), ("needs", "housing.shelter"), ("q", "shelter")]
    assert _ids(page) == ids
    expect(page.get_by_label("Words to look for")).to_have_value("shelter")


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_language_switch_on_filtered_results_keeps_the_whole_search(page, language):
    words, other = WORDS[language], WORDS["es" if language == "en" else "en"]
    ids = _search_sf_shelters_without_a_car(page, words, language)
    _press(page, words["other"])
    expect(page.locator("html")).to_have_attribute("lang", "es" if language == "en" else "en")
    assert _ids(page) == ids
    expect(page.get_by_label(other["where"])).to_have_value("SF")
    page.locator("summary", has_text=other["filters"]).click()
    expect(page.get_by_label(other["no_car"], exact=True)).to_be_checked()
    for viewport in VIEWPORTS.values():
        page.set_viewport_size(viewport)
        axe_check(page)


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_copy_button_puts_the_share_link_on_the_clipboard(clipboard_page, language):
    page, words = clipboard_page, WORDS[language]
    page.set_viewport_size(PHONE)
    open_page(page, f"/search?near=SF&needs=housing.shelter&q=women&lang={language}")
    share = page.locator("#share-url").input_value()
    assert "near=SF" in share and "q=women" in share
    page.get_by_role("button", name=words["copy"]).click()
    expect(page.locator('[data-copy-status="share-url"]')).to_have_text(words["copied"])
    assert page.evaluate("() => navigator.clipboard.readText()") == share
    axe_check(page)


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("listing", [NIGHT_SHELTER, SURVIVOR_SHELTER])
def test_a_listing_prints_on_one_sheet_of_letter_or_a4(page, listing, language):
    open_page(page, f"/listings/{listing}?lang={language}")
    for paper in ("Letter", "A4"):
        assert len(PDF_PAGE.findall(page.pdf(format=paper))) == 1, paper


@pytest.fixture
def touch_phone_page(browser, live_app, browser_errors):
    """Return a page as a phone's browser opens it: a touch screen, no mouse."""
    yield from new_page(browser, live_app, browser_errors, is_mobile=True, has_touch=True)


def test_a_phone_offers_its_maps_app_and_a_desktop_the_web_directions_alone(touch_phone_page, page):
    for opened, shown in ((touch_phone_page, True), (page, False)):
        open_page(opened, f"/listings/{NIGHT_SHELTER}")
        geo = opened.locator("main .go-actions a.geo-link")
        expect(geo).to_have_attribute("href", "geo:37.76512,-122.41893")
        expect(geo).to_have_text("Open in maps app: Mission Lantern Night Shelter")
        expect(geo).to_be_visible() if shown else expect(geo).to_be_hidden()
        expect(opened.get_by_role("link", name=re.compile("^Directions"))).to_be_visible()
    axe_check(touch_phone_page)
