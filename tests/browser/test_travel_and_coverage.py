"""Walk the results on a phone, in English and Spanish: travel times without a car come first,
and a place outside the covered area is told which areas the directory covers, with 211 and 988.

Screenshots: screenshots/outside-area-<lang>-phone.png and -desktop.png.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import DESKTOP, PHONE, axe_check, open_page, screenshot
from tests.browser.test_public_flows import MEETINGS_PATH, _cards, _match
from tests.functional.test_api import MEETINGS_94110

TRIP_WORDS = {
    "en": {"walk": "on foot", "transit": "by transit", "car": "by car"},
    "es": {"walk": "a pie", "transit": "en transporte público", "car": "en carro"},
}
ABOUT = {"en": "about", "es": "unos"}
ESTIMATE = {"en": "(estimate)", "es": "(estimado)"}
OUTSIDE = {
    "en": "Your place is outside the area this directory covers.",
    "es": "Su lugar está fuera del área que cubre este directorio.",
}


def _axe_at_both_widths(page: Page) -> None:
    for viewport in (PHONE, DESKTOP):
        page.set_viewport_size(viewport)
        axe_check(page)
    page.set_viewport_size(PHONE)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_with_no_mode_chosen_cards_give_walking_and_transit_before_the_car(page, live_app, lang):
    page.set_viewport_size(PHONE)
    open_page(page, f"{MEETINGS_PATH}&lang={lang}")
    api = _match(live_app, MEETINGS_94110)
    cards = _cards(page)
    assert [c["id"] for c in cards] == [r["id"] for r in api["results"]]
    words = TRIP_WORDS[lang]
    checked = 0
    for card, result in zip(cards, api["results"], strict=True):
        if not result["trips"]:
            continue
        trips = " · ".join(f"{t['minutes']} min {words[t['mode']]}" for t in result["trips"])
        # On foot or by transit is read first; the car comes last.
        assert result["trips"][0]["mode"] in ("walk", "transit")
        assert result["trips"][-1]["mode"] == "car" and trips.endswith(words["car"])
        expected = rf".+ · {ABOUT[lang]} {re.escape(trips)} {re.escape(ESTIMATE[lang])}"
        assert re.fullmatch(expected, card["travel"]), card
        checked += 1
    assert checked >= len(cards) // 2
    _axe_at_both_widths(page)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_without_a_car_the_cards_never_give_a_car_time(page, live_app, lang):
    page.set_viewport_size(PHONE)
    open_page(page, f"{MEETINGS_PATH}&lang={lang}")
    page.locator("details.filters:has(input[value=no_vehicle]) > summary").click()
    page.locator('input[name="barriers"][value="no_vehicle"]').check()
    with page.expect_navigation():
        page.locator("form.search-form > button[type=submit]").click()
    cards = _cards(page)
    assert cards and any(c["travel"] for c in cards)
    assert all(TRIP_WORDS[lang]["car"] not in c["travel"] for c in cards)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_outside_the_covered_area_the_results_name_the_areas_and_211_and_988(page, live_app, lang):
    page.set_viewport_size(PHONE)
    open_page(page, f"/search?near=10001&lang={lang}")
    coverage = _match(live_app, {"location": {"postal_code": "10001"}})["coverage"]
    assert coverage["outside"] is True
    note = page.locator(".outside-area")
    expect(note).to_be_visible()
    expect(note).to_contain_text(OUTSIDE[lang])
    expect(note).to_contain_text("; ".join(coverage["areas"]))
    for number in ("988", "211"):
        expect(note.locator(f'a[href="tel:{number}"]')).to_be_visible()
        expect(page.locator(f'footer a[href="tel:{number}"]')).to_have_count(1)
    _axe_at_both_widths(page)
    screenshot(page, f"outside-area-{lang}")
