"""Drive the admin pages through the test client on the demo directory: the review queue, the
diff in words, approve, reject with a note, correct then approve, history with restore, stale
listings and the audit log."""

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from resdir import accounts, create_app, store
from resdir.store import ListingVersion
from tests.clock import NOW
from tests.functional.test_agency_pages import (
    ADMIN,
    FOG_CITY,
    MARIPOSA,
    NOE_HOUSE,
    OTHER,
    RICHMOND_FLAT,
    STAFF,
    document,
    edit_form,
    other_listing,
    signed_in,
    submissions_of,
    text_of,
    text_of_html,
)

ADMIN_PAGES = (
    ("GET", "/admin"),
    ("GET", "/admin/submissions/abc"),
    ("POST", "/admin/submissions/abc/approve"),
    ("POST", "/admin/submissions/abc/reject"),
    ("GET", "/admin/submissions/abc/edit"),
    ("POST", "/admin/submissions/abc/edit"),
    ("GET", f"/admin/listings/{NOE_HOUSE}/history"),
    ("POST", f"/admin/listings/{NOE_HOUSE}/restore"),
    ("GET", "/admin/stale"),
    ("GET", "/admin/audit"),
)


def propose_phone(app, number: str = "415-555-0199", account: str = STAFF) -> str:
    """Send a new phone for Noe House from Fog City's staff; return the submission's id."""
    form = edit_form(app, NOE_HOUSE, **{"phones.0.number": number})
    response = signed_in(app, account).post(f"/agency/listings/{NOE_HOUSE}/edit", data=form)
    assert response.status_code == 302
    return response.headers["Location"].rsplit("/", 1)[1]


@pytest.mark.parametrize(("method", "path"), ADMIN_PAGES)
def test_admin_pages_are_for_admins_only(directory, method, path):
    visitor = directory.test_client().open(path, method=method)
    assert visitor.status_code == 302 and visitor.headers["Location"].startswith("/login?next=")
    staff = signed_in(directory, STAFF).open(path, method=method)
    assert staff.status_code == 403


def test_staff_cannot_approve_their_own_change(directory):
    submission = propose_phone(directory)
    client = signed_in(directory, STAFF)
    assert client.post(f"/admin/submissions/{submission}/approve").status_code == 403
    assert [s.status for s in submissions_of(directory)] == ["pending"]


def test_the_queue_lists_pending_submissions_oldest_first_with_their_organization(directory):
    first = propose_phone(directory)
    theirs = other_listing(directory)
    form = edit_form(directory, theirs, description="Now with a garden.")
    directory.config["NOW"] = NOW + timedelta(minutes=5)
    signed_in(directory, OTHER).post(f"/agency/listings/{theirs}/edit", data=form)
    directory.config["NOW"] = NOW + timedelta(minutes=10)
    signed_in(directory, STAFF).post(f"/agency/listings/{RICHMOND_FLAT}/verify")
    client = signed_in(directory, ADMIN)
    html = client.get("/admin").get_data(as_text=True)
    rows = [text_of_html(r) for r in re.findall(r"<tr>\s*<td>.*?</tr>", html, re.S)]
    assert len(rows) == 3
    assert "Changes Noe House " + FOG_CITY in rows[0]
    assert MARIPOSA in rows[1]
    assert "Still accurate Richmond Recovery Flat" in rows[2]
    assert f'href="/admin/submissions/{first}"' in html
    only = text_of(client.get("/admin?kind=verify"))
    assert "Richmond Recovery Flat" in only and "Noe House" not in only
    assert "Still accurate (1)" in only and "Changes (2)" in only


def test_the_review_page_shows_each_change_in_words(directory):
    submission = propose_phone(directory)
    form = edit_form(
        directory,
        NOE_HOUSE,
        **{
            "attributes.pets_allowed": "yes",
            "attributes.accepts_records": "",
            "schedule.intervals.5.day": "5",
            "schedule.intervals.5.opens": "10:00",
            "schedule.intervals.5.closes": "14:00",
        },
    )
    signed_in(directory, STAFF).post(f"/agency/listings/{NOE_HOUSE}/edit", data=form)
    client = signed_in(directory, ADMIN)
    phones = text_of(client.get(f"/admin/submissions/{submission}"))
    assert "Phone numbers Phone: (628) 555-0100 Phone: (415) 555-0199" in phones
    second = submissions_of(directory)[1].id
    page = text_of(client.get(f"/admin/submissions/{second}"))
    # Noe House: pets "No", records "Yes" in residences.csv; intake calls Mon-Fri 9-5.
    assert "Pets allowed No Yes" in page
    assert "Accepts people with criminal records Yes Not known" in page
    assert "Hours Monday: 9:00 AM–5:00 PM" in page
    assert "Saturday: 10:00 AM–2:00 PM" in page


def test_approving_publishes_the_change_to_the_public_page_and_the_index(directory):
    submission = propose_phone(directory)
    client = signed_in(directory, ADMIN)
    response = client.post(f"/admin/submissions/{submission}/approve")
    assert response.status_code == 302
    assert "Published." in text_of(client.get("/admin"))
    (decided,) = submissions_of(directory)
    assert (decided.status, decided.decided_by) == ("published", ADMIN)
    public = text_of(directory.test_client().get(f"/listings/{NOE_HOUSE}"))
    assert "(415) 555-0199" in public and "(628) 555-0100" not in public
    with directory.app_context(), store.session() as session:
        newest = session.scalars(
            select(ListingVersion)
            .where(ListingVersion.listing_id == NOE_HOUSE)
            .order_by(ListingVersion.version.desc())
        ).first()
    assert (newest.author, newest.changed_fields) == (STAFF, ["phones"])


def test_a_rejection_needs_a_note_which_the_agency_then_reads(directory):
    submission = propose_phone(directory)
    client = signed_in(directory, ADMIN)
    response = client.post(f"/admin/submissions/{submission}/reject", data={"note": "  "})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="note-error"' in html and 'aria-invalid="true"' in html
    assert [s.status for s in submissions_of(directory)] == ["pending"]
    note = "This number is the director's cell: give the intake line."
    response = client.post(f"/admin/submissions/{submission}/reject", data={"note": note})
    assert response.status_code == 302
    assert [(s.status, s.note) for s in submissions_of(directory)] == [("rejected", note)]
    portal = text_of(signed_in(directory, STAFF).get("/agency"))
    assert "Not accepted " + note in portal
    assert "(415) 555-0199" not in text_of(directory.test_client().get(f"/listings/{NOE_HOUSE}"))


def test_an_admin_corrects_a_proposal_then_publishes_it(directory):
    submission = propose_phone(directory)
    client = signed_in(directory, ADMIN)
    html = client.get(f"/admin/submissions/{submission}/edit").get_data(as_text=True)
    assert 'value="(415) 555-0199"' in html  # the form shows the proposal
    form = edit_form(
        directory,
        NOE_HOUSE,
        **{
            "phones.0.number": "+14155550199",
            "phones.0.extension": "12",
            "name": "Noe Street House",
        },
    )
    response = client.post(f"/admin/submissions/{submission}/edit", data=form)
    assert response.status_code == 302, text_of(response)
    doc = document(directory, NOE_HOUSE)
    assert doc["name"] == "Noe Street House"
    assert doc["phones"][0]["number"] == "+14155550199"
    assert doc["phones"][0]["extension"] == "12"
    assert "(415) 555-0199 ext. 12" in text_of(
        directory.test_client().get(f"/listings/{NOE_HOUSE}")
    )


def test_history_shows_every_version_with_its_author_and_restores_the_first(directory):
    client = signed_in(directory, ADMIN)
    for number in ("415-555-0101", "415-555-0102", "415-555-0103"):
        submission = propose_phone(directory, number)
        assert client.post(f"/admin/submissions/{submission}/approve").status_code == 302
    html = client.get(f"/admin/listings/{NOE_HOUSE}/history").get_data(as_text=True)
    rows = [text_of_html(r) for r in re.findall(r'<tr id="version-\d+">.*?</tr>', html, re.S)]
    assert [r.split()[0] for r in rows] == ["4", "3", "2", "1"]
    assert all(STAFF in r and "Updated: Phone numbers" in r for r in rows[:3])
    assert "ingest:seed-residences" in rows[3] and "Created" in rows[3]
    response = client.post(f"/admin/listings/{NOE_HOUSE}/restore", data={"version": "1"})
    assert response.status_code == 302
    page = client.get(f"/admin/listings/{NOE_HOUSE}/history").get_data(as_text=True)
    rows = [text_of_html(r) for r in re.findall(r'<tr id="version-\d+">.*?</tr>', page, re.S)]
    assert rows[0].startswith("5 ") and ADMIN in rows[0] and "Published now" in rows[0]
    assert "Version 1 was published again." in text_of_html(page)
    assert document(directory, NOE_HOUSE)["phones"][0]["number"] == "+16285550100"


def test_a_version_from_before_today_s_checks_is_not_published_again(directory):
    # An older store kept a version with a count no engine can index (2^63 beds).
    with directory.app_context(), store.session() as session:
        first = session.scalar(
            select(ListingVersion).where(
                ListingVersion.listing_id == NOE_HOUSE, ListingVersion.version == 1
            )
        )
        first.document = first.document | {"capacity": {"available": 2**63, "unit": "beds"}}
        session.commit()
    client = signed_in(directory, ADMIN)
    response = client.post(
        f"/admin/listings/{NOE_HOUSE}/restore", data={"version": "1"}, follow_redirects=True
    )
    assert "This version cannot be published again as it is: capacity.available." in (
        text_of_html(response.get_data(as_text=True))
    )
    assert document(directory, NOE_HOUSE)["capacity"]["available"] != 2**63
    assert (
        directory.test_client()
        .post("/api/v1/match", json={"location": {"postal_code": "94110"}, "needs": ["housing"]})
        .status_code
        == 200
    )


def test_stale_listings_are_listed_by_organization(directory):
    client = signed_in(directory, ADMIN)
    noe = datetime.fromisoformat(document(directory, NOE_HOUSE)["last_verified_at"])
    richmond = datetime.fromisoformat(document(directory, RICHMOND_FLAT)["last_verified_at"])
    directory.config["STALE_DAYS"] = (NOW - richmond).days - 1
    html = client.get("/admin/stale").get_data(as_text=True)
    start = html.index(f">{FOG_CITY} (")
    fog = text_of_html(html[start : html.index("</section>", start)])
    assert "Richmond Recovery Flat" in fog and "Noe House" not in fog
    assert (NOW - noe).days < directory.config["STALE_DAYS"]


def test_the_audit_log_is_newest_first_a_page_at_a_time(directory):
    now = NOW
    with directory.app_context(), store.session() as session:
        for n in range(60):
            accounts.audit(
                session, ADMIN, "token_created", f"token:{n}", {"n": n},
                now=now + timedelta(seconds=n),
            )  # fmt: skip
        session.commit()
    client = signed_in(directory, ADMIN)
    first = client.get("/admin/audit?action=token_created").get_data(as_text=True)
    rows = [text_of_html(r) for r in re.findall(r"<tr><td>.*?</tr>", first, re.S)]
    assert len(rows) == 50 and "token:59" in rows[0] and "token:10" in rows[-1]
    assert "60 entries, newest first. Page 1 of 2." in text_of_html(first)
    second = client.get("/admin/audit?action=token_created&page=2").get_data(as_text=True)
    rows = [text_of_html(r) for r in re.findall(r"<tr><td>.*?</tr>", second, re.S)]
    assert len(rows) == 10 and "token:0" in rows[-1]
    everything = text_of(client.get("/admin/audit"))
    assert "Signed in" in everything and "Joined" in everything


def test_an_approval_posted_without_its_csrf_token_is_refused(directory):
    submission = propose_phone(directory)
    directory.config["WTF_CSRF_ENABLED"] = True
    client = directory.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
    client.post("/login", data={"email": ADMIN, "password": "correct horse battery staple",
                                "csrf_token": token})  # fmt: skip
    assert client.post(f"/admin/submissions/{submission}/approve").status_code == 400
    assert [s.status for s in submissions_of(directory)] == ["pending"]


def test_a_submission_survives_a_restart_between_sending_and_review(directory):
    submission = propose_phone(directory)
    restarted = create_app(
        {"DATABASE": directory.config["DATABASE"], "TESTING": True, "WTF_CSRF_ENABLED": False}
    )
    client = signed_in(restarted, ADMIN)
    assert "Noe House" in text_of(client.get("/admin"))
    assert client.post(f"/admin/submissions/{submission}/approve").status_code == 302
    assert "(415) 555-0199" in text_of(restarted.test_client().get(f"/listings/{NOE_HOUSE}"))
