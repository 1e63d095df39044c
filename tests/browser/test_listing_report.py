"""A member of the public reports a wrong phone from a listing page on a phone, in English and
Spanish, with no account; an admin sees the report in the review queue and dismisses it. Every
page passes axe at phone and desktop widths."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    PHONE,
    VIEWPORTS,
    axe_check,
    new_page,
    open_page,
    screenshot,
    serve_agency_directory,
)
from tests.browser.test_agency_review import sign_in
from tests.functional.test_agency_pages import ADMIN, NOE_HOUSE

TEXTS = {
    "en": {
        "summary": "Report a problem with this listing",
        "problem": "The phone number is wrong",
        "note": "What you know (optional)",
        "send": "Send the report",
        "thanks": "Thank you: your report was sent",
        "back": "Back to Noe House",
        "reported": "Reported today",
    },
    "es": {
        "summary": "Avisar de un problema con este anuncio",
        "problem": "El número de teléfono está mal",
        "note": "Lo que usted sabe (opcional)",
        "send": "Enviar el aviso",
        "thanks": "Gracias: su aviso fue enviado",
        "back": "Volver a Noe House",
        "reported": "Avisado hoy",
    },
}


@pytest.fixture(scope="module")
def live_app(tmp_path_factory):
    """Serve a copy of the demo directory with an admin account."""
    yield from serve_agency_directory(tmp_path_factory.mktemp("listing-report"))


@pytest.fixture
def admin_page(browser, live_app, browser_errors):
    """Return a second JavaScript page, in a browser context (cookies) of its own."""
    yield from new_page(browser, live_app, browser_errors)


def check_both_widths(page: Page) -> None:
    """Run axe on the page as it is at phone and desktop widths, then go back to a phone."""
    for viewport in VIEWPORTS.values():
        page.set_viewport_size(viewport)
        axe_check(page)
    page.set_viewport_size(PHONE)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_person_reports_a_wrong_phone_on_a_phone(page, lang):
    words = TEXTS[lang]
    page.set_viewport_size(PHONE)
    open_page(page, f"/listings/{NOE_HOUSE}?lang={lang}")
    page.get_by_role("link", name=words["summary"]).click()
    page.get_by_label(words["problem"]).check()
    page.get_by_label(words["note"]).fill("(415) 555-0111")
    check_both_widths(page)
    screenshot(page, f"listing-report-form-{lang}")
    page.get_by_role("button", name=words["send"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words["thanks"])
    check_both_widths(page)
    page.get_by_role("link", name=words["back"]).click()
    expect(page.locator(".reported")).to_contain_text(words["reported"])
    check_both_widths(page)


def test_an_admin_sees_the_report_and_dismisses_it(page, admin_page):
    open_page(page, f"/listings/{NOE_HOUSE}")
    page.get_by_role("link", name="Report a problem with this listing").click()
    page.get_by_label("It has moved").check()
    page.get_by_label("What you know (optional)").fill("Now on 24th Street.")
    page.get_by_role("button", name="Send the report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you: your report was sent")
    sign_in(admin_page, ADMIN)
    open_page(admin_page, "/admin")
    report = admin_page.locator("article", has_text="Now on 24th Street.")
    expect(report).to_contain_text("Noe House")
    expect(report).to_contain_text("It has moved")
    check_both_widths(admin_page)
    screenshot(admin_page, "admin-listing-report")
    report.get_by_role("button", name="Dismiss").click()
    expect(admin_page.get_by_role("status")).to_contain_text("Report dismissed.")
    expect(admin_page.locator("article", has_text="Now on 24th Street.")).to_have_count(0)
