"""Sessions that end, in a real browser: a password changed on the account page signs out every
other browser of the account; a reset link an admin hands on sets a new password and signs out
every browser; signing out ends the session for good. Each page passes axe at phone and desktop
widths and fits a phone's screen."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import new_page, open_page, serve_agency_directory
from tests.browser.test_agency_review import check_page, sign_in
from tests.functional.test_agency_pages import ADMIN, STAFF

NEW_PASSWORD = "nine quiet harbours"
RESET_PASSWORD = "eleven paper kites"


@pytest.fixture(scope="module")
def live_app(tmp_path_factory):
    """Serve a copy of the demo directory with agency staff and an admin."""
    yield from serve_agency_directory(tmp_path_factory.mktemp("account-pages"))


@pytest.fixture
def second_page(browser, live_app, browser_errors):
    """Return another page, in a browser context (cookies) of its own."""
    yield from new_page(browser, live_app, browser_errors)


@pytest.fixture
def third_page(browser, live_app, browser_errors):
    """Return a third page, in a browser context of its own."""
    yield from new_page(browser, live_app, browser_errors)


def _signed_out(page: Page) -> None:
    open_page(page, "/account")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")


def test_a_password_change_and_a_reset_link_sign_out_the_other_browsers(
    page, second_page, third_page
):
    here, elsewhere, admin = page, second_page, third_page
    sign_in(here, STAFF)
    sign_in(elsewhere, STAFF)
    open_page(here, "/account")
    here.get_by_label("Current password").fill("not the password")
    here.get_by_label("New password").fill(NEW_PASSWORD)
    here.get_by_label("The same password again").fill(NEW_PASSWORD)
    here.get_by_role("button", name="Change the password").click()
    current = here.get_by_label("Current password")
    expect(current).to_have_attribute("aria-invalid", "true")
    check_page(here, "account-password-wrong")
    current.fill("correct horse battery staple")
    here.get_by_label("New password").fill(NEW_PASSWORD)
    here.get_by_label("The same password again").fill(NEW_PASSWORD)
    here.get_by_role("button", name="Change the password").click()
    expect(here.get_by_role("status")).to_contain_text(
        "1 other browser signed in to your account was signed out."
    )
    check_page(here, "account-password-changed")
    _signed_out(elsewhere)

    sign_in(admin, ADMIN)
    open_page(admin, "/admin/accounts")
    admin.get_by_role("button", name=re.compile(rf"^Reset link\W+{re.escape(STAFF)}$")).click()
    link = admin.get_by_label("Reset link", exact=True)
    expect(admin.get_by_role("heading", level=2, name=f"Password reset link for {STAFF}"))
    check_page(admin, "admin-reset-link")
    path = link.input_value().removeprefix(admin.url.split("/admin")[0])

    open_page(elsewhere, path)
    expect(elsewhere.get_by_role("heading", level=1)).to_have_text("Choose a new password")
    check_page(elsewhere, "reset-password")
    elsewhere.get_by_label("New password").fill(RESET_PASSWORD)
    elsewhere.get_by_label("The same password again").fill(RESET_PASSWORD)
    elsewhere.get_by_role("button", name="Set the new password").click()
    expect(elsewhere.get_by_role("heading", level=1)).to_have_text(
        "Listings of Fog City Sober Living"
    )
    _signed_out(here)
    assert elsewhere.goto(path).status == 404  # used up
    expect(elsewhere.get_by_role("heading", level=1)).to_have_text("This reset link cannot be used")

    elsewhere.get_by_role("button", name=f"Sign out ({STAFF})").click()
    _signed_out(elsewhere)
