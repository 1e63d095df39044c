"""Changes made against a version of a listing that has moved on since: the agency's form, the
admin's review, restore and the API each check the version they started from, and never put back
what someone else changed meanwhile. And a place made confidential keeps no street anywhere."""

import re
import sqlite3
from html import unescape

from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from resdir import accounts, store, submissions
from resdir.store import Account, Listing, ListingVersion, Submission
from tests.clock import NOW
from tests.functional.test_agency_pages import (
    ADMIN,
    NOE_HOUSE,
    STAFF,
    VERIFIED,
    document,
    edit_form,
    signed_in,
    text_of,
)

NOE_STREET = "4120 26th St"  # Noe House's street in data/seed/residences.csv


def version_of(app, listing: str = NOE_HOUSE) -> int:
    """Return a listing's version now."""
    with app.app_context(), store.session() as session:
        return session.get(Listing, listing).version


def publish(app, changes: dict, email: str = STAFF) -> str:
    """Submit changes to Noe House and have the admin approve them; return the submission."""
    with app.app_context(), store.session() as session:
        staff = session.scalar(select(Account).where(Account.email == email))
        admin = session.scalar(select(Account).where(Account.email == ADMIN))
        found = submissions.submit(session, staff, "edit", NOE_HOUSE, changes, NOW)
        submissions.approve(session, found, admin, NOW)
        session.commit()
        return found.id


def propose(app, changes: dict, email: str = STAFF) -> str:
    """Submit changes to Noe House for review; return the submission's id."""
    with app.app_context(), store.session() as session:
        staff = session.scalar(select(Account).where(Account.email == email))
        found = submissions.submit(session, staff, "edit", NOE_HOUSE, changes, NOW)
        session.commit()
        return found.id


def phone(number: str) -> list[dict]:
    return [{"number": number, "extension": None, "type": "voice", "description": None}]


def test_a_form_opened_before_another_change_sends_only_what_its_sender_changed(directory):
    form = edit_form(directory, NOE_HOUSE, description="Now with a garden.")
    form["listing_version"] = str(version_of(directory))
    publish(directory, {"phones": phone("+16285550111")})  # meanwhile, a new number

    response = signed_in(directory, STAFF).post(f"/agency/listings/{NOE_HOUSE}/edit", data=form)
    assert response.status_code == 302, text_of(response)
    with directory.app_context(), store.session() as session:
        sent = session.scalars(select(Submission).where(Submission.status == "pending")).one()
    assert set(sent.changes) == {"description"}  # the old number is not sent back
    client = signed_in(directory, ADMIN)
    assert client.post(f"/admin/submissions/{sent.id}/approve").status_code == 302
    doc = document(directory, NOE_HOUSE)
    assert doc["description"] == "Now with a garden."
    assert doc["phones"][0]["number"] == "+16285550111"


def test_a_form_changing_a_field_someone_changed_meanwhile_comes_back_to_decide(directory):
    opened = version_of(directory)
    form = edit_form(directory, NOE_HOUSE, **{"phones.0.number": "(628) 555-0122"})
    form["listing_version"] = str(opened)
    publish(directory, {"phones": phone("+16285550111"), "email": "new@noe.example.org"})

    client = signed_in(directory, STAFF)
    response = client.post(f"/agency/listings/{NOE_HOUSE}/edit", data=form)
    assert response.status_code == 409
    page = text_of(response)
    assert "Changed since you opened this form: now Phone: (628) 555-0111." in page
    html = unescape(response.get_data(as_text=True))
    # Shown again as the listing is now, with the sender's number on it, read against now.
    assert f'name="listing_version" value="{version_of(directory)}"' in html
    assert 'value="(628) 555-0122"' in html and 'value="new@noe.example.org"' in html
    again = edit_form(directory, NOE_HOUSE, **{"phones.0.number": "(628) 555-0122"})
    again["listing_version"] = str(version_of(directory))
    assert client.post(f"/agency/listings/{NOE_HOUSE}/edit", data=again).status_code == 302
    with directory.app_context(), store.session() as session:
        sent = session.scalars(select(Submission).where(Submission.status == "pending")).one()
    assert set(sent.changes) == {"phones"}


def test_the_review_page_says_what_changed_since_a_change_was_proposed(directory):
    waiting = propose(directory, {"phones": phone("+16285550133")})
    publish(directory, {"phones": phone("+16285550111")}, email=VERIFIED)

    client = signed_in(directory, ADMIN)
    page = client.get(f"/admin/submissions/{waiting}")
    words = text_of(page)
    assert "Changed since this was proposed" in words
    table = re.search(r"When it was proposed Published now (.*?) What it changes", words)[1]
    assert "(628) 555-0100" in table and "(628) 555-0111" in table
    version = re.search(r'name="listing_version" value="(\d+)"', page.get_data(as_text=True))[1]
    approved = client.post(
        f"/admin/submissions/{waiting}/approve", data={"listing_version": version}
    )
    assert approved.status_code == 302
    assert document(directory, NOE_HOUSE)["phones"][0]["number"] == "+16285550133"


def test_an_approval_from_a_page_opened_before_the_listing_moved_on_is_refused(directory):
    waiting = propose(directory, {"email": "late@noe.example.org"})
    client = signed_in(directory, ADMIN)
    seen = version_of(directory)
    assert client.get(f"/admin/submissions/{waiting}").status_code == 200
    publish(directory, {"description": "Changed while the page was open."}, email=VERIFIED)

    refused = client.post(f"/admin/submissions/{waiting}/approve", data={"listing_version": seen})
    assert refused.status_code == 409
    assert "The listing has changed since you opened this page" in text_of(refused)
    with directory.app_context(), store.session() as session:
        assert session.get(Submission, waiting).status == "pending"
    assert document(directory, NOE_HOUSE)["email"] != "late@noe.example.org"


def test_a_correction_from_a_form_opened_before_the_listing_moved_on_is_shown_again(directory):
    waiting = propose(directory, {"email": "late@noe.example.org"})
    client = signed_in(directory, ADMIN)
    html = client.get(f"/admin/submissions/{waiting}/edit").get_data(as_text=True)
    seen = re.search(r'name="listing_version" value="(\d+)"', html)[1]
    publish(directory, {"description": "Changed while the form was open."}, email=VERIFIED)
    form = edit_form(directory, NOE_HOUSE, email="late@noe.example.org")
    form["description"] = "The old description the form still held."
    form["listing_version"] = seen

    response = client.post(f"/admin/submissions/{waiting}/edit", data=form)
    assert response.status_code == 409
    assert "The listing has changed since you opened this form" in text_of(response)
    assert document(directory, NOE_HOUSE)["description"] == "Changed while the form was open."


def test_a_restore_from_a_history_page_opened_before_a_new_version_is_refused(directory):
    client = signed_in(directory, ADMIN)
    publish(directory, {"email": "second@noe.example.org"})
    seen = version_of(directory)
    history = client.get(f"/admin/listings/{NOE_HOUSE}/history").get_data(as_text=True)
    assert f'name="listing_version" value="{seen}"' in history
    publish(directory, {"email": "third@noe.example.org"}, email=VERIFIED)

    response = client.post(
        f"/admin/listings/{NOE_HOUSE}/restore",
        data={"version": "1", "listing_version": str(seen)},
        follow_redirects=True,
    )
    assert "The listing has changed since you opened this page" in text_of(response)
    assert document(directory, NOE_HOUSE)["email"] == "third@noe.example.org"
    current = version_of(directory)
    restored = client.post(
        f"/admin/listings/{NOE_HOUSE}/restore",
        data={"version": "1", "listing_version": str(current)},
    )
    assert restored.status_code == 302
    assert version_of(directory) == current + 1


def _token(app, email: str) -> str:
    with app.app_context(), store.session() as session:
        account = session.scalar(select(Account).where(Account.email == email))
        token = accounts.create_token(session, account, "sync", NOW)[1]
        session.commit()
        return token


def test_the_api_checks_the_version_an_agency_read(directory):
    client = directory.test_client()
    headers = {"Authorization": f"Bearer {_token(directory, STAFF)}"}
    read = client.get(f"/api/v1/listings/{NOE_HOUSE}")
    etag = read.headers["ETag"]
    assert etag == f'"{version_of(directory)}"'
    publish(directory, {"email": "meanwhile@noe.example.org"}, email=VERIFIED)

    clash = client.patch(
        f"/api/v1/listings/{NOE_HOUSE}",
        json={"email": "mine@noe.example.org"},
        headers={**headers, "If-Match": etag},
    )
    assert clash.status_code == 409
    error = clash.get_json()["error"]
    assert error["code"] == "changed_since"
    assert error["fields"] == {
        "email": ["Changed since you opened it: now meanwhile@noe.example.org."]
    }
    # A field nobody else touched goes through on the same old version.
    other = client.patch(
        f"/api/v1/listings/{NOE_HOUSE}",
        json={"next_steps": "Call first."},
        headers={**headers, "If-Match": etag},
    )
    assert other.status_code == 202
    bad = client.patch(
        f"/api/v1/listings/{NOE_HOUSE}", json={"url": None}, headers={**headers, "If-Match": "*x"}
    )
    assert bad.status_code == 400 and "If-Match" in bad.get_json()["error"]["fields"]


def test_a_write_others_keep_getting_to_first_is_a_503_never_a_500(directory, monkeypatch):
    def always_late(*args, **kwargs):
        raise StaleDataError("another writer got there first")

    monkeypatch.setattr(submissions, "submit", always_late)
    monkeypatch.setattr(store, "WRITE_BACKOFF_SECONDS", 0)
    page = signed_in(directory, STAFF).post(
        f"/agency/listings/{NOE_HOUSE}/capacity", data={"capacity.available": "1"}
    )
    assert page.status_code == 503 and page.headers["Retry-After"]
    assert "The directory is busy" in text_of(page)
    api = directory.test_client().post(
        "/api/v1/submissions",
        json={"kind": "verify", "listing_id": NOE_HOUSE, "changes": {}},
        headers={"Authorization": f"Bearer {_token(directory, VERIFIED)}"},
    )
    assert api.status_code == 503 and api.get_json()["error"]["code"] == "busy"


def _everything_stored(app) -> str:
    """Return every row of every table of the store as text."""
    with sqlite3.connect(app.config["DATABASE"]) as connection:
        return "\n".join(connection.iterdump())


def test_a_place_made_confidential_keeps_no_street_anywhere(directory):
    assert NOE_STREET in _everything_stored(directory)
    waiting = propose(directory, {"email": "quiet@noe.example.org"})
    publish(directory, {"confidential_location": True})

    doc = document(directory, NOE_HOUSE)
    assert doc["address"]["street"] is None and doc["address"]["postal_code"] == "94131"
    assert doc["approximate_location"] and doc["geocode_precision"] == "postal_code"
    kept = [line for line in _everything_stored(directory).splitlines() if NOE_STREET in line]
    assert kept == []
    with directory.app_context(), store.session() as session:
        first = session.scalar(
            select(ListingVersion.document).where(
                ListingVersion.listing_id == NOE_HOUSE, ListingVersion.version == 1
            )
        )
        assert first["address"]["street"] is None  # the past is concealed too
        assert session.get(Submission, waiting).status == "pending"
    api = directory.test_client().get(f"/api/v1/listings/{NOE_HOUSE}").get_json()
    assert api["address"]["street"] is None
    public = text_of(directory.test_client().get(f"/listings/{NOE_HOUSE}"))
    assert "26th" not in public
