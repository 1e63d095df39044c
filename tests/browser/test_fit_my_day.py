"""Fit my day in a real Chromium: a peer sets a mother's evening (a meeting, childcare, no car),
gets combinations with their reasons, and puts one into the plan in one click; on a phone and a
desktop, in English and Spanish, axe clean; also without JavaScript."""

from urllib.parse import parse_qsl, urlsplit

import pytest
from playwright.sync_api import Page, expect

from resdir import store
from resdir.listings import load_documents
from tests.browser.conftest import DESKTOP, PHONE, axe_check, open_page, reveal, screenshot
from tests.functional.test_peer_pages import TOMORROW

TEXTS = {
    "en": {"fit": "Fit my day", "put": "Put in the plan", "plan": "Plan", "care": "Childcare at "},
    "es": {
        "fit": "Encajar mi día",
        "put": "Poner en el plan",
        "plan": "Plan",
        "care": "Guardería en ",
    },
}


def _set_her_evening(page: Page) -> None:
    """Fill the profile: the Mission, a meeting, no car, needs childcare, tomorrow evening."""
    page.locator("#near").fill("94110")
    reveal(page, page.locator('input[name="needs"][value="sober_social.meeting"]')).check()
    reveal(page, page.locator("#barrier-no_vehicle")).select_option("no_vehicle")
    reveal(page, page.locator("#barrier-needs_childcare")).select_option("needs_childcare")
    reveal(page, page.locator("#mode")).select_option("transit")
    reveal(page, page.locator('input[name="when"][value="tonight"]')).check()
    reveal(page, page.locator("#day")).select_option(TOMORROW.isoformat())


def _names(live_app, ids: list[str]) -> list[str]:
    with live_app.app.app_context(), store.session() as session:
        docs = load_documents(session, ids)
    return [docs[i]["name"] for i in ids]


@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_peer_fits_her_day_and_puts_it_in_the_plan_in_one_click(page, live_app, lang):
    words = TEXTS[lang]
    page.set_viewport_size(PHONE)
    open_page(page, f"/peer?lang={lang}")
    _set_her_evening(page)
    fit = page.get_by_role("button", name=words["fit"], exact=True)
    with page.expect_response(
        lambda r: (
            urlsplit(r.url).path == "/peer/results"
            and ("fit_day", "1") in parse_qsl(r.request.post_data or "")
        )
    ):
        fit.click()
    proposals = page.locator(".fit-day-list > li")
    expect(proposals.first).to_be_visible()
    assert 1 <= proposals.count() <= 3
    expect(page.locator("#fit-day-title")).to_be_focused()
    first = proposals.first
    expect(first.locator("ul li").first).to_contain_text(words["care"])
    ids = first.locator('input[name="plan"]').evaluate_all("(inputs) => inputs.map(i => i.value)")
    assert len(ids) == 2
    axe_check(page)
    page.set_viewport_size(DESKTOP)
    axe_check(page)
    # The helper adds the width: screenshots/fit-my-day-<lang>-{phone,desktop}.png.
    screenshot(page, f"fit-my-day-{lang}")
    page.set_viewport_size(PHONE)
    with page.expect_navigation():
        first.get_by_role("button", name=words["put"]).click()
    assert urlsplit(page.url).path == "/peer/plan"
    expect(page.get_by_role("heading", level=1)).to_have_text(words["plan"])
    for name in _names(live_app, ids):
        expect(page.get_by_role("heading", name=name)).to_be_visible()


def test_without_javascript_fit_my_day_posts_the_console(page_without_js, live_app):
    page = page_without_js
    open_page(page, "/peer")
    _set_her_evening(page)
    page.get_by_role("button", name="Fit my day", exact=True).click()
    expect(page.locator(".fit-day-list > li").first).to_be_visible()
    page.locator(".fit-day-list > li").first.get_by_role("button", name="Put in the plan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Plan")
