"""A meeting with only its intergroup's phone has a Call button that dials it and says it is the
organization's (the number shown once), on its card and its page, on a phone and a desktop, in
English and Spanish (issue 12 item 1). Screenshots: organization-phone-card-<language> and
organization-phone-listing-<language> (each -phone.png and -desktop.png)."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, VIEWPORTS, axe_check, open_page, screenshot

OFFICE = "tel:+14155550183"  # Bayside Intergroup of Alcoholics Anonymous, in its feed
WHOSE = "Bayside Intergroup of Alcoholics Anonymous"  # the phone's description: the entity
CALL = {
    "en": f"Call (415) 555-0183 (Organization · {WHOSE})",
    "es": f"Llamar (415) 555-0183 (Organización · {WHOSE})",
}


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_meeting_without_a_phone_offers_its_organizations_on_its_card_and_page(
    page, live_app, language
):
    api = live_app.app.test_client().get(
        "/api/v1/search", query_string={"near": "94110", "needs": "sober_social.meeting"}
    )
    meeting = next(r["id"] for r in api.get_json()["results"] if r["name"] == "Fog Cutters")
    open_page(page, f"/search?near=94110&needs=sober_social.meeting&lang={language}")
    card = page.locator(f"#result-{meeting}")
    for viewport in VIEWPORTS.values():
        page.set_viewport_size(viewport)
        expect(card.locator("ul.phones")).to_have_count(0)
        expect(card.locator(".go-actions .call")).to_have_attribute("href", OFFICE)
        expect(card.locator(".go-actions .call")).to_contain_text(CALL[language])
        axe_check(page)
    screenshot(page, f"organization-phone-card-{language}")

    page.set_viewport_size(PHONE)
    with page.expect_navigation():
        card.locator("h3 a").click()
    for viewport in VIEWPORTS.values():
        page.set_viewport_size(viewport)
        expect(page.locator("main ul.phones")).to_have_count(0)
        expect(page.locator("main .go-actions .call")).to_have_attribute("href", OFFICE)
        expect(page.locator("main .go-actions .call")).to_contain_text(CALL[language])
        axe_check(page)
    screenshot(page, f"organization-phone-listing-{language}")
