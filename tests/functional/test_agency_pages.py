"""Drive the agency portal through the test client on the demo directory: freshness, "still
accurate", beds and seats, the edit form, new listings, the spreadsheet upload, and the walls
between organizations."""

import json
import re
import sqlite3
from datetime import datetime, timedelta
from html import unescape
from io import BytesIO
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from ingest.manifest import specs_from_args
from ingest.pipeline import run_source
from ingest.readers.agency_csv import read_mapping
from resdir import accounts, create_app, geo, store
from resdir.listings import listing_id, load_document, load_documents
from resdir.store import Listing, Organization, Submission
from resdir.web import listing_form
from tests.clock import NOW

PASSWORD = "correct horse battery staple"
FOG_CITY = "Fog City Sober Living"  # four recovery residences in data/seed/residences.csv
MARIPOSA = "Mariposa Women's Recovery Homes"
NOE_HOUSE = listing_id("seed-residences", "RR-1001")  # Fog City's; (628) 555-0100
RICHMOND_FLAT = listing_id("seed-residences", "RR-1011")
PORTOLA = listing_id("seed-residences", "RR-1009")
FOG_LISTINGS = ("Noe House", "Outer Sunset Men's House", "Portola Place", "Richmond Recovery Flat")
STAFF, VERIFIED, OTHER, ADMIN = (
    "dana@fogcity.example.org",
    "lee@fogcity.example.org",
    "kim@mariposa.example.org",
    "admin@resdir.example.org",
)
TEMPLATE = Path(__file__).resolve().parents[2] / "resdir" / "static" / "agency-listings.csv"


def organization_id(app, name: str) -> str:
    """Return the id of the organization of this name."""
    with app.app_context(), store.session() as session:
        return session.scalar(select(Organization.id).where(Organization.name == name))


def add_account(app, email: str, role: str, organization: str | None, verified=False) -> None:
    """Invite an account and join with PASSWORD, as a person with the link would."""
    now = NOW
    with app.app_context(), store.session() as session:
        token = accounts.invite(session, email, role, organization, None, now)
        account = accounts.accept_invitation(session, token, email.split("@")[0], PASSWORD, now)
        account.verified = verified
        session.commit()


def copy_database(source: Path, target: Path) -> None:
    """Copy a SQLite file consistently (its write-ahead log included)."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


def directory_on(seed_file: Path, folder: Path):
    """Return an app on a copy of the demo directory with four accounts: staff of Fog City
    (one verified), staff of Mariposa, and an admin. CSRF is off: tests of it turn it on."""
    database = folder / "resdir.sqlite3"
    copy_database(seed_file, database)
    app = create_app({"DATABASE": str(database), "TESTING": True, "WTF_CSRF_ENABLED": False})
    app.instance_path = str(folder / "instance")  # pending uploads land here
    fog, mariposa = organization_id(app, FOG_CITY), organization_id(app, MARIPOSA)
    add_account(app, STAFF, "staff", fog)
    add_account(app, VERIFIED, "staff", fog, verified=True)
    add_account(app, OTHER, "staff", mariposa)
    add_account(app, ADMIN, "admin", None)
    return app


def signed_in(app, email: str):
    """Return a test client signed in as the account."""
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def text_of(response) -> str:
    """Return a page's visible text, tags dropped and spaces collapsed."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", response.get_data(as_text=True), flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def submissions_of(app) -> list[Submission]:
    """Return every submission, oldest first."""
    with app.app_context(), store.session() as session:
        return list(session.scalars(select(Submission).order_by(Submission.created_at)))


def document(app, listing: str) -> dict:
    """Return a stored listing's document."""
    with app.app_context(), store.session() as session:
        return load_document(session, listing)


def form_of(doc: dict, **changes) -> MultiDict:
    """Return the edit form of a listing as the page fills it, with some fields changed."""
    values, _rows = listing_form.form_values(doc)
    values |= changes
    pairs = []
    for name, value in values.items():
        pairs.extend((name, v) for v in value) if isinstance(value, list) else pairs.append(
            (name, value)
        )
    return MultiDict(pairs)


def edit_form(app, listing: str, **changes) -> MultiDict:
    """Return a listing's edit form as the page shows it (in a request: labels are
    translated), with some fields changed."""
    with app.test_request_context("/"):
        return form_of(document(app, listing), **changes)


def other_listing(app) -> str:
    """Return the id of a Mariposa listing (not Fog City's)."""
    with app.app_context(), store.session() as session:
        return session.scalar(
            select(Listing.id)
            .join(Organization, Organization.id == Listing.organization_id)
            .where(Organization.name == MARIPOSA)
            .order_by(Listing.name)
        )


# --- signing in and the walls between organizations ---------------------------------------


AGENCY_PAGES = (
    ("GET", "/agency"),
    ("GET", f"/agency/listings/{NOE_HOUSE}/edit"),
    ("POST", f"/agency/listings/{NOE_HOUSE}/edit"),
    ("POST", f"/agency/listings/{NOE_HOUSE}/verify"),
    ("POST", f"/agency/listings/{NOE_HOUSE}/capacity"),
    ("GET", "/agency/listings/new"),
    ("POST", "/agency/listings/new"),
    ("GET", "/agency/upload"),
    ("POST", "/agency/upload"),
    ("POST", "/agency/upload/" + "a" * 32),
    ("GET", "/agency/submissions/abc"),
)


@pytest.mark.parametrize(("method", "path"), AGENCY_PAGES)
def test_every_portal_page_sends_a_visitor_to_sign_in_and_back(directory, method, path):
    response = directory.test_client().open(path, method=method)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    assert path in unescape(response.headers["Location"]).replace("%2F", "/")
    assert submissions_of(directory) == []


def test_the_portal_lists_the_organizations_listings_with_their_freshness(directory):
    page = text_of(signed_in(directory, STAFF).get("/agency"))
    assert f"Listings of {FOG_CITY}" in page
    for name in FOG_LISTINGS:
        assert name in page
    assert "Mariposa Dolores" not in page  # another organization's
    # residences.csv: Noe House last verified 2026-11-24, 2 of 8 beds open as of that morning
    assert "Last checked November 24, 2026" in page
    assert "2 beds open (of 8)" in page


def test_a_listing_not_checked_for_stale_days_is_marked_stale(directory):
    client = signed_in(directory, STAFF)
    # Last verified: Noe House 2026-11-24, Portola Place 11-01, Outer Sunset 10-02, Richmond
    # 08-12. Ten days past Portola's, the last two are stale.
    checked = datetime.fromisoformat(document(directory, PORTOLA)["last_verified_at"])
    directory.config["STALE_DAYS"] = (NOW - checked).days + 10
    html = client.get("/agency").get_data(as_text=True)
    richmond = _card(html, RICHMOND_FLAT)
    assert "Stale" in richmond and "Last checked August 12, 2026" in richmond
    assert "Stale" not in _card(html, NOE_HOUSE)
    assert "2 have not been checked for over" in text_of_html(html)


def _card(html: str, listing: str) -> str:
    start = html.index(f'id="listing-{listing}"')
    return text_of_html(html[start : html.index("</li>", start)])


def text_of_html(html: str) -> str:
    """Return the visible text of an HTML fragment."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_staff_cannot_edit_verify_or_count_beds_of_another_organizations_listing(directory):
    client = signed_in(directory, STAFF)
    theirs = other_listing(directory)
    form = edit_form(directory, theirs, name="Taken over")
    assert client.get(f"/agency/listings/{theirs}/edit").status_code == 403
    assert client.post(f"/agency/listings/{theirs}/edit", data=form).status_code == 403
    assert client.post(f"/agency/listings/{theirs}/verify").status_code == 403
    counts = {"capacity.available": "1", "capacity.total": "4", "capacity.unit": "beds"}
    assert client.post(f"/agency/listings/{theirs}/capacity", data=counts).status_code == 403
    assert submissions_of(directory) == []
    assert client.get("/agency/listings/nosuchlisting/edit").status_code == 404


def test_another_organizations_submission_is_not_even_said_to_exist(directory):
    theirs = other_listing(directory)
    mine = signed_in(directory, OTHER)
    form = edit_form(directory, theirs, description="New intake rules from December.")
    response = mine.post(f"/agency/listings/{theirs}/edit", data=form)
    assert response.status_code == 302
    (draft,) = submissions_of(directory)
    assert mine.get(f"/agency/submissions/{draft.id}").status_code == 200
    stranger = signed_in(directory, STAFF)
    response = stranger.get(f"/agency/submissions/{draft.id}")
    assert response.status_code == 404
    assert "New intake rules" not in response.get_data(as_text=True)
    assert "New intake rules" not in stranger.get("/agency").get_data(as_text=True)


def test_a_form_posted_without_its_csrf_token_is_refused(directory):
    directory.config["WTF_CSRF_ENABLED"] = True
    client = signed_in_with_token(directory, STAFF)
    response = client.post(f"/agency/listings/{NOE_HOUSE}/verify")
    assert response.status_code == 400
    assert submissions_of(directory) == []
    page = client.get("/agency").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
    response = client.post(f"/agency/listings/{NOE_HOUSE}/verify", data={"csrf_token": token})
    assert response.status_code == 302
    assert [s.kind for s in submissions_of(directory)] == ["verify"]


def signed_in_with_token(app, email: str):
    """Return a client signed in through the sign-in form with its CSRF token."""
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
    response = client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    return client


# --- still accurate, beds and seats -----------------------------------------------------------


def test_still_accurate_from_a_verified_account_publishes_at_once(directory):
    client = signed_in(directory, VERIFIED)
    response = client.post(f"/agency/listings/{RICHMOND_FLAT}/verify")
    assert response.status_code == 302
    (sent,) = submissions_of(directory)
    assert (sent.kind, sent.status) == ("verify", "published")
    assert document(directory, RICHMOND_FLAT)["last_verified_at"][:10] == str(NOW.date())
    page = text_of(client.get("/agency"))
    assert "Marked as still accurate." in page
    assert "Last checked" in _card(client.get("/agency").get_data(as_text=True), RICHMOND_FLAT)
    public = text_of(client.get(f"/listings/{RICHMOND_FLAT}"))
    assert "Last checked today" in public


def test_still_accurate_from_an_unverified_account_waits_for_review(directory):
    client = signed_in(directory, STAFF)
    before = document(directory, RICHMOND_FLAT)["last_verified_at"]
    client.post(f"/agency/listings/{RICHMOND_FLAT}/verify")
    (sent,) = submissions_of(directory)
    assert (sent.kind, sent.status) == ("verify", "pending")
    assert document(directory, RICHMOND_FLAT)["last_verified_at"] == before
    card = _card(client.get("/agency").get_data(as_text=True), RICHMOND_FLAT)
    assert "Still accurate waiting for review" in card


def test_beds_open_now_are_posted_and_stamped(directory):
    client = signed_in(directory, VERIFIED)
    counts = {"capacity.available": "5", "capacity.total": "8", "capacity.unit": "beds"}
    assert client.post(f"/agency/listings/{NOE_HOUSE}/capacity", data=counts).status_code == 302
    capacity = document(directory, NOE_HOUSE)["capacity"]
    assert (capacity["available"], capacity["total"], capacity["unit"]) == (5, 8, "beds")
    assert capacity["as_of"][:10] == str(NOW.date())
    assert "5 beds open (of 8), as of today" in text_of(client.get(f"/listings/{NOE_HOUSE}"))


def test_beds_open_above_the_total_are_told_beside_the_form(directory):
    client = signed_in(directory, VERIFIED)
    counts = {"capacity.available": "9", "capacity.total": "8", "capacity.unit": "beds"}
    response = client.post(f"/agency/listings/{NOE_HOUSE}/capacity", data=counts)
    assert response.status_code == 422
    card = response.get_data(as_text=True)
    card = card[card.index(f'id="listing-{NOE_HOUSE}"') :]
    assert "More are open than there are in all." in card
    assert 'value="9"' in card and 'aria-invalid="true"' in card
    assert submissions_of(directory) == []


# --- the edit form ------------------------------------------------------------------------------


def test_an_edited_phone_waits_for_review_and_the_public_page_keeps_the_old_one(directory):
    client = signed_in(directory, STAFF)
    form = edit_form(directory, NOE_HOUSE, **{"phones.0.number": "415-555-0199"})
    response = client.post(f"/agency/listings/{NOE_HOUSE}/edit", data=form)
    assert response.status_code == 302
    (sent,) = submissions_of(directory)
    assert (sent.kind, sent.status, sent.author) == ("edit", "pending", STAFF)
    assert sorted(sent.changes) == ["phones"]
    assert sent.changes["phones"][0]["number"] == "+14155550199"
    page = text_of(client.get(response.headers["Location"]))
    assert "Waiting for review" in page
    assert "Phone: (628) 555-0100" in page and "Phone: (415) 555-0199" in page
    assert "(628) 555-0100" in text_of(client.get(f"/listings/{NOE_HOUSE}"))


def test_bad_entries_are_told_beside_each_field_and_kept_as_entered(directory):
    client = signed_in(directory, STAFF)
    form = edit_form(
        directory,
        NOE_HOUSE,
        **{
            "phones.0.number": "555-01",
            "schedule.intervals.0.day": "weekdays",
            "schedule.intervals.0.opens": "nine-ish",
            "eligibility.min_age": "40",
            "eligibility.max_age": "30",
            "languages": "English, Klingonese",
            "email": "intake at fogcity",
        },
    )
    response = client.post(f"/agency/listings/{NOE_HOUSE}/edit", data=form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    for name, message in (
        ("phones.0.number", "Enter a phone number with its area code"),
        ("schedule.intervals.0.opens", "Enter the time it opens"),
        ("eligibility.min_age", "The youngest age is above the oldest."),
        ("languages", "Not a language we know: Klingonese."),
        ("email", "Enter an email address"),
    ):
        error = re.search(rf'<p class="error" id="{re.escape(name)}-error">([^<]+)</p>', html)
        assert error and message in unescape(error[1]), name
        control = re.search(rf'<[^>]+id="{re.escape(name)}"[^>]*>', html)[0]
        assert 'aria-invalid="true"' in control and f"{name}-error" in control
    assert 'value="555-01"' in html and 'value="nine-ish"' in html
    assert 'value="English, Klingonese"' in html
    assert submissions_of(directory) == []


def test_sending_the_form_unchanged_submits_nothing(directory):
    client = signed_in(directory, STAFF)
    response = client.post(
        f"/agency/listings/{NOE_HOUSE}/edit", data=edit_form(directory, NOE_HOUSE)
    )
    assert response.status_code == 422
    assert "Nothing has changed from the published listing" in text_of(response)
    assert submissions_of(directory) == []


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_form_reads_every_listing_of_the_directory_back_unchanged(directory, language):
    # Every demo listing, shown as the form and sent back as it is, changes nothing: the form
    # neither loses nor invents a value (hours past midnight, 24:00, facts, costs, ages, phones
    # as dialled at home, languages named in the page's language, ...).
    with directory.test_request_context(f"/?lang={language}"), store.session() as session:
        ids = list(session.scalars(select(Listing.id)))
        for doc in load_documents(session, ids).values():
            changes, errors = listing_form.read_form(form_of(doc), doc)
            assert (changes, errors) == ({}, {}), doc["name"]
    assert len(ids) == 359


@pytest.mark.parametrize(
    "path",
    ["/agency", f"/agency/listings/{NOE_HOUSE}/edit", "/agency/listings/new", "/agency/upload"],
)
def test_portal_pages_answer_in_spanish(directory, path):
    response = signed_in(directory, STAFF).get(f"{path}?lang=es")
    assert response.status_code == 200
    assert '<html lang="es">' in response.get_data(as_text=True)


def test_hours_rows_with_day_groups_become_one_interval_a_day(directory):
    with directory.test_request_context("/"):
        doc = document(directory, NOE_HOUSE)  # Mon-Fri 9-5: five rows, replaced here
        no_hours = {**doc, "schedule": {**doc["schedule"], "intervals": []}}
        form = form_of(
            no_hours,
            **{
                "schedule.intervals.0.day": "weekdays",
                "schedule.intervals.0.opens": "9 AM",
                "schedule.intervals.0.closes": "5:30 PM",
                "schedule.intervals.1.day": "5",
                "schedule.intervals.1.opens": "22:00",
                "schedule.intervals.1.closes": "02:00",
            },
        )
        changes, errors = listing_form.read_form(form, doc)
    assert errors == {}
    assert changes["schedule"]["intervals"] == [
        {"day": d, "opens": "09:00", "closes": "17:30"} for d in range(5)
    ] + [{"day": 5, "opens": "22:00", "closes": "02:00"}]


def test_schema_paths_are_told_at_the_control_that_holds_them():
    assert listing_form.form_field("attributes.secular.value") == "attributes.secular"
    assert listing_form.form_field("phones.2.number") == "phones.2.number"
    assert listing_form.form_field("schedule.intervals.1.closes") == "schedule.intervals.1.closes"
    assert listing_form.form_field("capacity._schema") == "capacity.available"
    assert listing_form.form_field("eligibility.min_age") == "eligibility.min_age"
    assert listing_form.form_field("provenance") == "form"


# --- new listings, one by one -------------------------------------------------------------------


def test_a_new_listing_is_proposed_for_the_organization(directory):
    client = signed_in(directory, STAFF)
    form = MultiDict(
        [
            ("name", "Haight Street House"),
            ("category", "housing"),
            ("subcategories", "housing.recovery_residence"),
            ("phones.0.number", "(415) 555-0123"),
            ("phones.0.type", "voice"),
            ("address.street", "1500 Haight St"),
            ("address.city", "San Francisco"),
            ("address.region", "CA"),
            ("address.postal_code", "94117"),
            ("capacity.available", "3"),
            ("capacity.total", "6"),
            ("capacity.unit", "beds"),
            ("attributes.accepts_moud", "yes"),
            ("attributes.pets_allowed", "no"),
        ]
    )
    response = client.post("/agency/listings/new", data=form)
    assert response.status_code == 302, text_of(response)
    (sent,) = submissions_of(directory)
    assert (sent.kind, sent.status) == ("new", "pending")
    assert sent.organization_id == organization_id(directory, FOG_CITY)
    assert sent.changes["name"] == "Haight Street House"
    assert sent.changes["subcategories"] == ["recovery_residence"]
    assert {c: f["value"] for c, f in sent.changes["attributes"].items()} == {
        "accepts_moud": "yes",
        "pets_allowed": "no",
    }
    page = text_of(client.get(response.headers["Location"]))
    assert "New listing: Haight Street House" in page and "Phone: (415) 555-0123" in page


def test_a_new_listing_without_name_or_category_is_refused_field_by_field(directory):
    response = signed_in(directory, STAFF).post(
        "/agency/listings/new", data={"description": "Somewhere"}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="name-error"' in html and 'id="category-error"' in html
    assert "Somewhere</textarea>" in html
    assert submissions_of(directory) == []


# --- the spreadsheet ----------------------------------------------------------------------------

SHEET = (
    "Name,Category,Phone,Street,City,State,ZIP,Hours,Available,Total,Women Only,Notes\r\n"
    "Dawn House,Sober living,(415) 555-0199,12 Oak St,San Francisco,CA,94110,"
    "Mon-Fri 9am-5pm,2,8,Yes,x\r\n"
    ",Shelter,415-555-0100,1 Main St,Oakland,CA,94601,,,,,\r\n"
    "Night Owl Shelter,Emergency shelter,510-555-0142,40 Elm Ave,Oakland,CA,94601,"
    "24 hours,,,,\r\n"
    "Dawn House,Sober living,,12 Oak St,San Francisco,CA,94110,,,,,\r\n"
    "Open Door Rides,Medical rides,555-01,,Oakland,CA,94601,,,,,\r\n"
)


def upload(client, text: str, name: str = "our-listings.csv"):
    """Post a spreadsheet to the upload form."""
    data = {"file": (BytesIO(text.encode("utf-8")), name)}
    return client.post("/agency/upload", data=data, content_type="multipart/form-data")


def test_a_spreadsheet_is_reported_row_by_row_and_nothing_is_submitted_before_the_confirm(
    directory,
):
    client = signed_in(directory, STAFF)
    response = upload(client, SHEET)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    rows = {
        int(m[1]): text_of_html(m[2])
        for m in re.finditer(r'<tr class="(?:ok|bad)">\s*<td>(\d+)</td>(.*?)</tr>', html, re.S)
    }
    assert sorted(rows) == [2, 3, 4, 5, 6]
    assert rows[2].startswith("Dawn House OK")
    assert "Not submitted" in rows[3] and "Name: The name is missing." in rows[3]
    assert rows[4].startswith("Night Owl Shelter OK")
    assert "Not submitted" in rows[5] and "Row 2 is the same place" in rows[5]
    # A number that cannot be dialled is dropped, as ingest drops it: said, not fatal.
    assert (
        rows[6].startswith("Open Door Rides OK") and "Phone: '555-01' is not a dialable" in rows[6]
    )
    page = text_of_html(html)
    assert "Column “Notes” is not in the format and was left out." in page
    assert "5 rows: 3 ready to submit, 2 with problems, left out." in page
    assert submissions_of(directory) == []

    confirm = re.search(r'action="(/agency/upload/[^"]+)"', html)[1]
    assert signed_in(directory, VERIFIED).post(confirm).status_code == 404  # not theirs
    assert submissions_of(directory) == []
    response = client.post(confirm)
    assert response.status_code == 302
    sent = submissions_of(directory)
    assert sorted(s.changes["name"] for s in sent) == [
        "Dawn House",
        "Night Owl Shelter",
        "Open Door Rides",
    ]
    assert {(s.kind, s.status, s.author) for s in sent} == {("new", "pending", STAFF)}
    dawn = next(s for s in sent if s.changes["name"] == "Dawn House")
    assert dawn.changes["capacity"]["available"] == 2
    assert dawn.changes["eligibility"]["genders"] == ["woman"]
    assert len(dawn.changes["schedule"]["intervals"]) == 5
    assert "3 new listings were sent for review." in text_of(client.get("/agency"))
    # The same button pressed twice submits nothing more.
    assert client.post(confirm).status_code == 404
    assert len(submissions_of(directory)) == 3


def test_a_spreadsheet_without_a_name_column_is_refused_whole(directory):
    response = upload(signed_in(directory, STAFF), "Program,Phone\r\nDawn House,415-555-0199\r\n")
    assert response.status_code == 422
    assert "The file has no Name column." in text_of(response)
    assert submissions_of(directory) == []


# An agency's own export: semicolons and Windows text, a few of the template's columns, one more.
SHEET_AS_WRITTEN = (
    "Name;Category;Phone;Street;City;State;ZIP;Notes\r\n"
    "Café Esperanza;Sober living;415-555-0142;3300 Mission St;San Francisco;CA;94110;ok\r\n"
    ";Shelter;510-555-0142;40 Elm Ave;Oakland;CA;94601;no name\r\n"
    "Casa Año Nuevo;Emergency shelter;510-555-0199;12 Oak St;Oakland;CA;94601;\r\n"
).encode("cp1252")


def ingested(app, tmp_path: Path, data: bytes, name: str = "our-listings.csv"):
    """Run `resdir ingest FILE --mapping resdir-agency --dry-run`: (result, report)."""
    path, report = tmp_path / name, tmp_path / "report.json"
    path.write_bytes(data)
    args = ["ingest", str(path), "--mapping", "resdir-agency", "--dry-run", "--report", report]
    result = app.test_cli_runner().invoke(args=[str(a) for a in args])
    return result, json.loads(report.read_text()) if report.exists() else None


def test_a_spreadsheet_reads_the_same_on_the_upload_page_and_the_command_line(directory, tmp_path):
    data = {"file": (BytesIO(SHEET_AS_WRITTEN), "our-listings.csv")}
    response = signed_in(directory, STAFF).post(
        "/agency/upload", data=data, content_type="multipart/form-data"
    )
    result, report = ingested(directory, tmp_path, SHEET_AS_WRITTEN)

    assert response.status_code == 200
    page = text_of(response)
    assert "The file is not UTF-8: it was read as cp1252." in page
    assert "Column “Notes” is not in the format and was left out." in page
    assert "60 columns of the template are not in the file and were left empty." in page
    assert "3 rows: 2 ready to submit, 1 with problems, left out." in page
    assert "Café Esperanza" in page and "Casa Año Nuevo" in page
    assert result.exit_code == 0, result.output
    [source] = report["sources"]
    assert (source["accepted"], source["rejected"]) == (2, 1)
    counts = source["problem_counts"]
    assert (counts["encoding-fallback"], counts["unknown-column"], counts["missing-column"]) == (
        1,
        1,
        1,
    )


def test_a_spreadsheet_without_its_required_column_is_refused_by_both(directory, tmp_path):
    sheet = b"Program,Phone\r\nDawn House,415-555-0199\r\n"
    data = {"file": (BytesIO(sheet), "our-listings.csv")}
    response = signed_in(directory, STAFF).post(
        "/agency/upload", data=data, content_type="multipart/form-data"
    )
    result, _ = ingested(directory, tmp_path, sheet)

    assert response.status_code == 422
    assert "The file has no Name column." in text_of(response)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert (
        "mapping resdir-agency.toml requires column 'Name', which our-listings.csv does not have"
        in " ".join(result.output.split())
    )


def test_the_template_names_every_column_of_the_mapping():
    columns = listing_form.template_columns()
    assert columns[0] == "Name" and len(columns) == len(set(columns)) == 67
    mapping = read_mapping(listing_form.MAPPING)
    assert mapping.columns() == set(columns)


def test_the_admin_has_no_portal_of_their_own(directory):
    client = signed_in(directory, ADMIN)
    response = client.get("/agency")
    assert response.status_code == 302 and response.headers["Location"] == "/admin"
    assert client.get("/agency/upload").status_code == 403


def test_kept_uploads_are_forgotten_after_an_hour(directory):
    client = signed_in(directory, STAFF)
    html = upload(client, SHEET).get_data(as_text=True)
    confirm = re.search(r'action="(/agency/upload/[^"]+)"', html)[1]
    kept = Path(directory.instance_path) / "uploads" / (confirm.rsplit("/", 1)[1] + ".json")
    assert kept.stat().st_mode & 0o777 == 0o600
    directory.config["NOW"] = NOW + timedelta(hours=1, minutes=1)
    try:
        assert client.post(confirm).status_code == 404
    finally:
        directory.config["NOW"] = NOW
    assert submissions_of(directory) == []
    with directory.app_context(), store.session() as session:
        assert session.scalar(select(func.count()).select_from(Submission)) == 0


@pytest.mark.shared_data
@pytest.mark.parametrize(
    ("path", "count"),
    [
        # San Mateo's historical export: addresses without a country, a listing serving in
        # Serbo-Croatian ("sh", whose English name reads back as another code).
        ("ohana-api-smc-historical/cip_mvp.json", 1689),
        # 693 meetings, two under one slug: the second is quarantined (duplicate-key)
        ("code4recovery-tsml-ui-meeting-feeds/aasanjose.test.json", 692),
    ],
)
def test_the_form_reads_real_listings_back_unchanged(shared_data, tmp_path, path, count):
    app = create_app({"DATABASE": str(tmp_path / "real.sqlite3"), "TESTING": True})
    with app.app_context():
        store.init_db()
        (spec,) = specs_from_args([shared_data / path])
        with store.session() as session:
            assert run_source(session, spec, geo.Geocoder()).status == "completed"
    with app.test_request_context("/"), store.session() as session:
        docs = load_documents(session, list(session.scalars(select(Listing.id))))
        changed = {
            doc["name"]: read
            for doc in docs.values()
            if (read := listing_form.read_form(form_of(doc), doc)) != ({}, {})
        }
    assert len(docs) == count
    assert changed == {}
