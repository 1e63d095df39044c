"""An agency keeps its listings current and an admin reviews it, in a real browser, end to end.

Agency staff sign in, change a phone number or post a spreadsheet; an admin, signed in in a
context of their own, approves or rejects; the public listing page and POST /api/v1/match then
show what was published, and nothing that was not. The demo directory is served from a copy of
its database with accounts of its own (this module's `live_app` stands in for conftest's, which
stays untouched). Every portal and review page passes axe at phone and desktop widths and fits a
360 px screen without scrolling sideways.
"""

import re
import struct

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
from tests.functional.test_agency_pages import (
    ADMIN,
    NOE_HOUSE,
    PASSWORD,
    RICHMOND_FLAT,
    STAFF,
    VERIFIED,
)

NOE_MATCH = {  # a recovery residence near Noe House's ZIP code: Noe House is among the first
    "location": {"postal_code": "94131"},
    "needs": ["housing.recovery_residence"],
    "limit": 50,
}


@pytest.fixture(scope="module")
def live_app(tmp_path_factory):
    """Serve a copy of the demo directory with staff of Fog City (one verified) and an admin."""
    yield from serve_agency_directory(tmp_path_factory.mktemp("agency-review"))


@pytest.fixture
def admin_page(browser, live_app, browser_errors):
    """Return a second JavaScript page, in a browser context (cookies) of its own."""
    yield from new_page(browser, live_app, browser_errors)


def sign_in(page: Page, email: str) -> None:
    """Sign in through the sign-in form; land on the account's start page."""
    open_page(page, "/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).not_to_have_text("Sign in")


def _png_width(path) -> int:
    return struct.unpack(">I", path.read_bytes()[16:20])[0]


def check_page(page: Page, name: str) -> None:
    """Run axe at phone and desktop widths, then screenshot the page, asserting it is no wider
    than either screen."""
    for viewport in VIEWPORTS.values():
        page.set_viewport_size(viewport)
        axe_check(page)
    paths = screenshot(page, name)
    assert {w: _png_width(p) for w, p in paths.items()} == {
        w: v["width"] for w, v in VIEWPORTS.items()
    }


def match_phones(page: Page, listing_id: str) -> list[str]:
    """Return the phone numbers POST /api/v1/match gives for a listing near Noe House."""
    response = page.request.post("/api/v1/match", data=NOE_MATCH)
    assert response.status == 200
    result = next(r for r in response.json()["results"] if r["id"] == listing_id)
    return [p["number"] for p in result["phones"]]


def test_an_edited_phone_is_approved_and_reaches_the_public_page_and_the_api(page, admin_page):
    agency, admin = page, admin_page  # two browsers' worth of cookies
    sign_in(agency, STAFF)
    expect(agency.get_by_role("heading", level=1)).to_have_text("Listings of Fog City Sober Living")
    check_page(agency, "agency-portal")
    agency.get_by_role("link", name=re.compile(r"^Edit\W+Noe House$")).click()
    expect(agency.get_by_role("heading", level=1)).to_have_text("Edit Noe House")
    check_page(agency, "agency-edit")
    phone = agency.get_by_role("group", name="Phone 1").get_by_label("Number")
    expect(phone).to_have_value("(628) 555-0100")
    phone.fill("(415) 555-0199")
    agency.get_by_role("button", name="Send for review").click()
    expect(agency.get_by_role("heading", level=1)).to_have_text("Changes: Noe House")
    expect(agency.get_by_text("Waiting for review").first).to_be_visible()
    check_page(agency, "agency-submission")
    open_page(agency, f"/listings/{NOE_HOUSE}")
    expect(agency.locator("main .go-actions .call")).to_contain_text("(628) 555-0100")
    assert match_phones(agency, NOE_HOUSE) == ["+16285550100"]

    sign_in(admin, ADMIN)
    expect(admin.get_by_role("heading", level=1)).to_have_text("Review queue")
    check_page(admin, "admin-queue")
    row = admin.get_by_role("row").filter(has_text="Noe House")
    row.get_by_role("link").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Changes: Noe House")
    phones = admin.get_by_role("row", name="Phone numbers")
    expect(phones).to_contain_text("Phone: (628) 555-0100")
    expect(phones).to_contain_text("Phone: (415) 555-0199")
    check_page(admin, "admin-review")
    admin.get_by_role("button", name="Approve and publish").click()
    expect(admin.get_by_role("status")).to_have_text("Published.")

    open_page(agency, f"/listings/{NOE_HOUSE}")
    expect(agency.locator("main .go-actions .call")).to_contain_text("(415) 555-0199")
    expect(agency.locator("main")).not_to_contain_text("(628) 555-0100")
    assert match_phones(agency, NOE_HOUSE) == ["+14155550199"]

    open_page(admin, f"/admin/listings/{NOE_HOUSE}/history")
    expect(admin.locator("tbody tr").first).to_contain_text(STAFF)
    expect(admin.locator("tbody tr").first).to_contain_text("Phone numbers")
    check_page(admin, "admin-history")


def test_a_rejected_change_never_reaches_the_public(page, admin_page):
    agency, admin = page, admin_page
    sign_in(agency, STAFF)
    open_page(agency, f"/agency/listings/{NOE_HOUSE}/edit")
    agency.get_by_label("Description").fill("Now taking couples and pets.")
    agency.get_by_role("button", name="Send for review").click()
    expect(agency.get_by_role("heading", level=1)).to_have_text("Changes: Noe House")

    sign_in(admin, ADMIN)
    admin.get_by_role("row").filter(has_text="Noe House").get_by_role("link").click()
    note = admin.get_by_label("Why it is not accepted")
    note.fill("   ")  # blank: the browser lets it through, the server asks for words
    admin.get_by_role("button", name="Reject").click()
    expect(note).to_have_attribute("aria-invalid", "true")
    axe_check(admin)
    note.fill("Pets are not allowed at Noe House under its lease.")
    admin.get_by_role("button", name="Reject").click()
    expect(admin.get_by_role("status")).to_contain_text("Not accepted")

    open_page(agency, f"/listings/{NOE_HOUSE}")
    expect(agency.locator("main")).not_to_contain_text("couples and pets")
    open_page(agency, "/agency")
    expect(agency.locator("#submissions ~ div table")).to_contain_text(
        "Pets are not allowed at Noe House under its lease."
    )


def test_still_accurate_from_a_verified_account_shows_on_the_public_page_at_once(page):
    open_page(page, f"/listings/{RICHMOND_FLAT}")
    expect(page.locator(".checked")).not_to_have_text("Last checked today")
    sign_in(page, VERIFIED)
    page.get_by_role(
        "button", name=re.compile(r"^Still accurate\W+Richmond Recovery Flat$")
    ).click()
    expect(page.get_by_role("status")).to_have_text("Marked as still accurate.")
    open_page(page, f"/listings/{RICHMOND_FLAT}")
    expect(page.locator(".checked")).to_have_text("Last checked today")


def test_a_spreadsheet_is_checked_then_submitted_on_a_phone(page, admin_page):
    agency, admin = page, admin_page
    agency.set_viewport_size(PHONE)
    sign_in(agency, STAFF)
    agency.get_by_role("link", name="Upload a spreadsheet").click()
    check_page(agency, "agency-upload")
    sheet = (
        "Name,Category,Phone,Street,City,State,ZIP,Hours,Available,Total\r\n"
        "Dawn House,Sober living,(415) 555-0188,12 Oak St,San Francisco,CA,94110,"
        "Mon-Fri 9am-5pm,2,8\r\n"
        ",Shelter,415-555-0100,1 Main St,Oakland,CA,94601,,,\r\n"
    )
    agency.get_by_label("Spreadsheet (CSV)").set_input_files(
        {"name": "new-homes.csv", "mimeType": "text/csv", "buffer": sheet.encode()}
    )
    agency.get_by_role("button", name="Check the file").click()
    expect(agency.get_by_role("heading", name="What we found in new-homes.csv")).to_be_visible()
    expect(agency.get_by_role("row").filter(has_text="Dawn House")).to_contain_text("OK")
    expect(agency.get_by_role("row").filter(has_text="(no name)")).to_contain_text(
        "Name: The name is missing."
    )
    check_page(agency, "agency-upload-report")
    agency.get_by_role("button", name="Submit 1 listing").click()
    expect(agency.get_by_role("status")).to_have_text("1 new listing was sent for review.")

    sign_in(admin, ADMIN)
    admin.get_by_role("link", name="New listing (1)").click()
    admin.get_by_role("row").filter(has_text="Dawn House").get_by_role("link").click()
    expect(admin.get_by_role("row", name="Phone numbers")).to_contain_text("(415) 555-0188")
    admin.get_by_role("link", name="Edit, then approve").click()
    check_page(admin, "admin-correct")
    admin.get_by_label("Name", exact=True).fill("Dawn House for Women")
    admin.get_by_role("button", name="Publish as corrected").click()
    expect(admin.get_by_role("status")).to_have_text("Published as corrected.")

    response = agency.request.post(
        "/api/v1/match",
        data={"location": {"postal_code": "94110"}, "needs": ["housing"], "q": "Dawn House"},
    )
    names = [r["name"] for r in response.json()["results"]]
    assert "Dawn House for Women" in names


def test_the_stale_list_and_the_audit_log_read_on_a_phone(page):
    page.set_viewport_size(PHONE)
    sign_in(page, ADMIN)
    open_page(page, "/admin/stale")
    expect(page.get_by_role("heading", level=1)).to_have_text("Stale listings")
    check_page(page, "admin-stale")
    open_page(page, "/admin/audit")
    expect(page.locator("tbody tr").first).to_contain_text("Signed in")
    check_page(page, "admin-audit")
