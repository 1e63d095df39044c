"""Ingest a feed again after an agency edited one of its listings: the edit is kept while the
feed says what it said before, a new feed value goes to review once, and a feed verified after
the edit wins."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from resdir import accounts, listings, store
from resdir.store import Account, AuditEntry, Organization, Submission
from tests.clock import NOW
from tests.functional.test_submissions_api import decide
from tests.seed import load_seed

SOURCE = "harbor"
SOBER_HOUSE = listings.listing_id(SOURCE, "H-1")
MAPPING = """
[source]
key = "ID"

[defaults]
"address.country" = "US"

[fields]
name = "Program"
"organization.id" = "Agency ID"
"organization.name" = "Agency"
taxonomy = "Category"
description = "About"
"address.street" = "Street"
"address.city" = "City"
"address.region" = "State"
"address.postal_code" = "ZIP"
phones = "Phone"
last_verified_at = "Verified On"

[crosswalk."Category"]
"Sober living" = "housing.recovery_residence"
"Volunteer rides" = "transport.ride_program"
"""
HEADER = "ID,Agency ID,Agency,Program,Category,Street,City,State,ZIP,Phone,About,Verified On"
RIDES = (
    "H-2,harbor,Harbor Lights Recovery,Harbor Lights Ride Line,Volunteer rides,120 Harbor Rd,"
    "San Francisco,CA,94124,(415) 555-0161,Rides to evening meetings.,2026-03-02"
)
FEED_PHONE = "(415) 555-0160"
AGENCY_PHONE = "+14155550170"
NEW_FEED_PHONE = "(415) 555-0162"
HOUSING_94124 = {"location": {"postal_code": "94124"}, "needs": ["housing"], "limit": 100}


def sober_house(phone: str, about: str = "Eight beds, house meetings on Sundays.", on="2026-03-02"):
    """Return the sober house's row of the feed."""
    return (
        f"H-1,harbor,Harbor Lights Recovery,Harbor Lights Sober House,Sober living,120 Harbor Rd,"
        f'San Francisco,CA,94124,{phone},"{about}",{on}'
    )


@pytest.fixture
def app(tmp_path):
    """Return the demo directory's app."""
    return load_seed(tmp_path / "seed.sqlite3")


@pytest.fixture
def feed(app, tmp_path):
    """Return a function writing the feed's CSV and running `resdir ingest` on it; it returns
    the run's report of the source."""
    mapping = tmp_path / "harbor.mapping.toml"
    mapping.write_text(MAPPING)
    runner = app.test_cli_runner()
    runs = iter(range(100))

    def run(*rows: str) -> dict:
        path = tmp_path / "harbor.csv"
        path.write_text("\n".join([HEADER, *rows]) + "\n")
        report = tmp_path / f"report-{next(runs)}.json"
        args = ["ingest", str(path), "--format", "csv", "--mapping", str(mapping)]
        result = runner.invoke(args=[*args, "--source-id", SOURCE, "--report", str(report)])
        assert result.exit_code == 0, result.output
        (source,) = json.loads(report.read_text())["sources"]
        return source

    return run


@pytest.fixture
def agency(app, feed) -> dict:
    """Load the feed, and return the API headers of the sober house's agency staff."""
    assert feed(sober_house(FEED_PHONE), RIDES)["created"] == 2
    with app.test_request_context(), store.session() as session:
        org = session.scalar(
            select(Organization.id).where(Organization.name == "Harbor Lights Recovery")
        )
        invited = accounts.invite(session, "kai@harbor.example.org", "staff", org, None, NOW)
        kai = accounts.accept_invitation(session, invited, "Kai", "a long enough password", NOW)
        session.flush()
        token = accounts.create_token(session, kai, "sync", NOW)[1]
        session.add(
            Account(
                email="admin@directory.example.org",
                role="admin",
                verified=False,
                active=True,
                password_hash="-",
                created_at=NOW,
            )
        )
        session.commit()
    return {"Authorization": f"Bearer {token}"}


def edit_phone(app, headers: dict) -> None:
    """Have the agency change the sober house's phone through the API, and the admin approve."""
    client = app.test_client()
    change = {"phones": [{"number": AGENCY_PHONE, "type": "voice"}]}
    response = client.patch(f"/api/v1/listings/{SOBER_HOUSE}", json=change, headers=headers)
    assert response.status_code == 202, response.get_data(as_text=True)
    decide(app, response.get_json()["id"])


def public(app) -> tuple[str, str, str]:
    """Return the sober house's phone from the listing API and the matcher, and its text."""
    client = app.test_client()
    listing = client.get(f"/api/v1/listings/{SOBER_HOUSE}").get_json()
    results = client.post("/api/v1/match", json=HOUSING_94124).get_json()["results"]
    (found,) = [r for r in results if r["id"] == SOBER_HOUSE]
    return listing["phones"][0]["number"], found["phones"][0]["number"], listing["description"]


def conflicts(app) -> list[Submission]:
    """Return the conflicts ingest put up for review."""
    with store.session(app) as session:
        return list(session.scalars(select(Submission).where(Submission.kind == "conflict")))


def test_an_edit_survives_the_same_feed_and_a_changed_value_goes_to_review_once(app, feed, agency):
    edit_phone(app, agency)
    assert public(app)[:2] == (AGENCY_PHONE, AGENCY_PHONE)
    # the same file again: nothing changes, nothing to review
    report = feed(sober_house(FEED_PHONE), RIDES)
    assert (report["unchanged"], report["updated"]) == (2, 0)
    assert public(app)[:2] == (AGENCY_PHONE, AGENCY_PHONE) and conflicts(app) == []
    # the feed changes the number the agency edited: the agency's stays public, for review
    assert feed(sober_house(NEW_FEED_PHONE), RIDES)["updated"] == 1
    assert public(app)[:2] == (AGENCY_PHONE, AGENCY_PHONE)
    (conflict,) = conflicts(app)
    assert (conflict.status, conflict.author) == ("pending", "ingest:harbor")
    assert [p["number"] for p in conflict.changes["phones"]] == ["+14155550162"]
    assert [p["number"] for p in conflict.base["phones"]] == [AGENCY_PHONE]
    status = app.test_client().get(f"/api/v1/submissions/{conflict.id}", headers=agency)
    assert (status.get_json()["kind"], status.get_json()["status"]) == ("conflict", "pending")
    # again, with the same new number and a new description: still one conflict; the
    # description, which no agency edited, is the feed's
    about = "Ten beds, house meetings on Sundays."
    assert feed(sober_house(NEW_FEED_PHONE, about), RIDES)["updated"] == 1
    assert public(app) == (AGENCY_PHONE, AGENCY_PHONE, about)
    assert len(conflicts(app)) == 1
    with store.session(app) as session:
        logged = session.scalars(select(AuditEntry).where(AuditEntry.action == "conflict")).all()
        assert [(e.actor, e.target) for e in logged] == [
            ("ingest:harbor", f"listing:{SOBER_HOUSE}")
        ]
    # approved: the feed's number is public, and the feed is followed again from now on
    decide(app, conflict.id)
    assert public(app) == ("+14155550162", "+14155550162", about)
    assert feed(sober_house(NEW_FEED_PHONE, about), RIDES)["unchanged"] == 2
    assert feed(sober_house("(415) 555-0163", about), RIDES)["updated"] == 1
    assert public(app)[:2] == ("+14155550163", "+14155550163")
    assert len(conflicts(app)) == 1


def test_a_rejected_conflict_keeps_the_edit_and_is_not_asked_again(app, feed, agency):
    edit_phone(app, agency)
    feed(sober_house(NEW_FEED_PHONE), RIDES)
    (conflict,) = conflicts(app)
    decide(app, conflict.id, note="The agency's number is the one that answers.")
    feed(sober_house(NEW_FEED_PHONE, "Ten beds."), RIDES)
    assert public(app) == (AGENCY_PHONE, AGENCY_PHONE, "Ten beds.")
    assert [c.status for c in conflicts(app)] == ["rejected"]


def test_a_feed_that_changes_again_replaces_the_conflict_waiting_for_review(app, feed, agency):
    edit_phone(app, agency)
    feed(sober_house(NEW_FEED_PHONE), RIDES)
    feed(sober_house("(415) 555-0163"), RIDES)
    assert public(app)[:2] == (AGENCY_PHONE, AGENCY_PHONE)
    first, second = sorted(conflicts(app), key=lambda c: c.created_at)
    assert (first.status, first.note) == (
        "rejected",
        "Superseded: the feed has changed these fields again.",
    )
    assert second.status == "pending"
    assert [p["number"] for p in second.changes["phones"]] == ["+14155550163"]


def test_a_feed_verified_after_the_edit_wins(app, feed, agency):
    edit_phone(app, agency)
    later = (NOW + timedelta(days=2)).date().isoformat()
    feed(sober_house(NEW_FEED_PHONE, on=later), RIDES)
    assert public(app)[:2] == ("+14155550162", "+14155550162")
    assert conflicts(app) == []
