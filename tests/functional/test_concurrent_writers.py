"""Several writers at once through real gunicorn workers on one SQLite file: admins approving,
agencies posting beds, a writer holding the database; none loses another's work, none gets a 500.
"""

import sqlite3
import threading
import time

import pytest
import requests
from sqlalchemy import select

from resdir import accounts, store, submissions
from resdir.listings import load_document
from resdir.store import Account, ListingVersion, OutboxEntry, Submission
from tests.clock import NOW
from tests.functional.test_agency_pages import (
    ADMIN,
    NOE_HOUSE,
    PASSWORD,
    STAFF,
    VERIFIED,
    add_account,
)
from tests.locks import write_lock_held
from tests.server import Gunicorn

ADMINS = [f"admin{n}@resdir.example.org" for n in range(1, 7)]
# Six agency edits of one listing, each of a field of its own.
EDITS = {
    "description": "A quiet house near the J line.",
    "email": "intake@noe.example.org",
    "url": "https://noe.example.org/",
    "next_steps": "Call the house manager for an interview.",
    "transportation": "Two blocks from the 24 bus.",
    "alternate_name": "Noe Valley House",
}
CAPACITY_UPDATES = 20
REQUEST_SECONDS = 40


@pytest.fixture
def directory(directory):
    """Return the demo directory's app with the agency accounts and six more admins."""
    for email in ADMINS:
        add_account(directory, email, "admin", None)
    return directory


@pytest.fixture
def server(directory, tmp_path):
    """Return gunicorn serving the directory: 3 worker processes of 2 threads each."""
    settings = {
        "DATABASE": directory.config["DATABASE"],
        "SECRET_KEY": "concurrent-writers-test",
        "WTF_CSRF_ENABLED": "false",
    }
    with Gunicorn(settings, tmp_path / "gunicorn.log") as running:
        yield running
    assert running.worker_errors() == []


def at_once(calls: list) -> list:
    """Run the calls in threads released together; return their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(n: int, call) -> None:
        barrier.wait()
        results[n] = call()

    threads = [threading.Thread(target=run, args=(n, c)) for n, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def signed_in(server: Gunicorn, email: str) -> requests.Session:
    """Return an HTTP session signed in as the account."""
    session = requests.Session()
    response = session.post(
        f"{server.url}/login",
        data={"email": email, "password": PASSWORD},
        allow_redirects=False,
        timeout=REQUEST_SECONDS,
    )
    assert response.status_code == 302, response.text
    return session


def submit(app, email: str, kind: str, changes: dict) -> str:
    """Submit a change to Noe House as the account; return the submission's id."""
    with app.app_context(), store.session() as session:
        account = session.scalar(select(Account).where(Account.email == email))
        found = submissions.submit(session, account, kind, NOE_HOUSE, changes, NOW)
        session.commit()
        return found.id


def versions(app) -> list[int]:
    """Return Noe House's history version numbers, in the order they were written."""
    with app.app_context(), store.session() as session:
        query = select(ListingVersion.version).where(ListingVersion.listing_id == NOE_HOUSE)
        return list(session.scalars(query.order_by(ListingVersion.id)))


def test_six_admins_approving_six_edits_of_one_listing_lose_none(directory, server):
    ids = {
        field: submit(directory, STAFF, "edit", {field: value}) for field, value in EDITS.items()
    }
    before = versions(directory)
    clients = [signed_in(server, email) for email in ADMINS]
    answers = at_once(
        [
            lambda c=client, i=submission: c.post(
                f"{server.url}/admin/submissions/{i}/approve",
                allow_redirects=False,
                timeout=REQUEST_SECONDS,
            )
            for client, submission in zip(clients, ids.values(), strict=True)
        ]
    )
    assert [a.status_code for a in answers] == [302] * len(EDITS), [a.text for a in answers]
    doc = document_of(directory)
    assert {field: doc[field] for field in EDITS} == EDITS
    after = versions(directory)
    assert after == list(range(1, len(after) + 1))  # unique, in order, none skipped
    assert len(after) == len(before) + len(EDITS)
    with directory.app_context(), store.session() as session:
        statuses = session.scalars(select(Submission.status).where(Submission.id.in_(ids.values())))
        assert set(statuses) == {"published"}
        outbox = session.scalars(select(OutboxEntry).where(OutboxEntry.listing_id == NOE_HOUSE))
        assert len(list(outbox)) >= len(EDITS)


def document_of(app) -> dict:
    """Return Noe House as the store holds it now."""
    with app.app_context(), store.session() as session:
        return load_document(session, NOE_HOUSE)


def test_twenty_simultaneous_bed_counts_are_twenty_versions(directory, server):
    with directory.app_context(), store.session() as session:
        account = session.scalar(select(Account).where(Account.email == VERIFIED))
        _row, token = accounts.create_token(session, account, "beds", NOW)
        session.commit()
    before = versions(directory)
    headers = {"Authorization": f"Bearer {token}"}
    answers = at_once(
        [
            lambda n=n: requests.post(
                f"{server.url}/api/v1/submissions",
                json={
                    "kind": "capacity",
                    "listing_id": NOE_HOUSE,
                    "changes": {"available": n, "total": CAPACITY_UPDATES},
                },
                headers=headers,
                timeout=REQUEST_SECONDS,
            )
            for n in range(1, CAPACITY_UPDATES + 1)
        ]
    )
    assert [a.status_code for a in answers] == [202] * CAPACITY_UPDATES, [a.text for a in answers]
    assert {a.json()["status"] for a in answers} == {"published"}
    after = versions(directory)
    assert after == list(range(1, len(after) + 1))
    assert len(after) == len(before) + CAPACITY_UPDATES
    with directory.app_context(), store.session() as session:
        last = session.scalar(
            select(ListingVersion.document)
            .where(ListingVersion.listing_id == NOE_HOUSE)
            .order_by(ListingVersion.version.desc())
            .limit(1)
        )
    assert document_of(directory)["capacity"]["available"] == last["capacity"]["available"]


def test_one_submission_approved_by_two_admins_at_once_is_published_once(directory, server):
    submission = submit(directory, STAFF, "edit", {"email": "both@noe.example.org"})
    before = versions(directory)
    clients = [signed_in(server, ADMINS[0]), signed_in(server, ADMINS[1])]
    answers = at_once(
        [
            lambda c=client: c.post(
                f"{server.url}/admin/submissions/{submission}/approve",
                allow_redirects=False,
                timeout=REQUEST_SECONDS,
            )
            for client in clients
        ]
    )
    codes = sorted(a.status_code for a in answers)
    assert codes == [302, 422], [a.text for a in answers]
    refused = next(a for a in answers if a.status_code == 422)
    assert "This submission has been decided already." in refused.text
    assert len(versions(directory)) == len(before) + 1


def test_writes_wait_for_a_writer_holding_the_database_rather_than_fail(directory, server):
    # A writer such as an ingest holds SQLite's write lock for seconds; submissions wait their
    # turn (busy timeout, then attempts again) instead of answering "database is locked".
    with write_lock_held(directory.config["DATABASE"], 3):
        client = signed_in(server, ADMIN)
        started = time.monotonic()
        answers = at_once(
            [
                lambda n=n: client.post(
                    f"{server.url}/agency/listings/{NOE_HOUSE}/capacity",
                    data={"capacity.available": str(n), "capacity.unit": "beds"},
                    allow_redirects=False,
                    timeout=REQUEST_SECONDS,
                )
                for n in range(1, 7)
            ]
        )
        elapsed = time.monotonic() - started
    assert [a.status_code for a in answers] == [302] * 6, [a.text[:300] for a in answers]
    assert elapsed < 20
    with sqlite3.connect(directory.config["DATABASE"]) as connection:
        published = connection.execute(
            "SELECT count(*) FROM submissions WHERE kind = 'capacity' AND status = 'published'"
        ).fetchone()[0]
    assert published == 6


def test_a_lock_held_past_the_busy_timeout_is_a_busy_answer_never_a_500(directory, monkeypatch):
    monkeypatch.setattr(store, "SQLITE_BUSY_SECONDS", 0.2)
    directory.extensions["resdir.store"]["engine"] = None  # made again, with the short wait
    with directory.app_context(), store.session() as session:
        account = session.scalar(select(Account).where(Account.email == VERIFIED))
        token = accounts.create_token(session, account, "sync", NOW)[1]
        session.commit()
    client = directory.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    with write_lock_held(directory.config["DATABASE"], 2):
        # Reading with a token would stamp its "last used": it does not wait for that.
        status = client.get("/api/v1/submissions/none", headers=headers)
        assert status.status_code == 404
        signing_in = client.post("/login", data={"email": ADMIN, "password": PASSWORD})
        assert signing_in.status_code == 503 and signing_in.headers["Retry-After"]
        assert "The directory is busy" in signing_in.get_data(as_text=True)
        # A submission waits its turn (attempts again within its budget) and is saved.
        sent = client.post(
            "/api/v1/submissions",
            json={"kind": "verify", "listing_id": NOE_HOUSE, "changes": {}},
            headers=headers,
        )
    assert sent.status_code == 202, sent.get_json()
