"""Drive the agency submissions API on the demo directory: what agencies propose stays private
until an admin approves it, then the listing and the matcher both show it."""

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
import schemathesis
from sqlalchemy import select

from resdir import accounts, create_app, store, submissions
from resdir.store import Account, Organization, Submission
from tests.clock import NOW
from tests.functional.test_api import NIGHT_SHELTER
from tests.functional.test_api_fuzz import CHECKS, FUZZ
from tests.seed import load_seed

SHELTER_ORG = "Mission Lantern Community Services"
OTHER_ORG = "Little Oaks Child Development Center"
OLD_PHONE = "+14155550142"
NEW_PHONE = "+14155550177"
SHELTER_NEAR = {"location": {"postal_code": "94103"}, "needs": ["housing.shelter"], "limit": 100}
PASSWORD = "correct horse battery staple"
# The agency's writes, fuzzed with a real token (the app-wide fuzz test has none: it sees 401s).
AGENCY_WRITES = schemathesis.openapi.from_wsgi(
    "/api/openapi.json", create_app({"DATABASE": "sqlite://", "TESTING": True})
).include(path_regex=r"^/api/v1/(submissions|listings/\{listing_id\})$", method=["POST", "PATCH"])


@dataclass
class Directory:
    """A copy of the demo directory with accounts, and the API tokens of its agency staff."""

    path: Path
    tokens: dict[str, str]

    def app(self, **config):
        """Return a new app on the directory's database (a restart, as far as it can tell)."""
        return create_app({"DATABASE": str(self.path), "TESTING": True, **config})


def _join(session, email: str, role: str, organization: str | None, verified=False) -> Account:
    org_id = None
    if organization:
        org_id = session.scalar(select(Organization.id).where(Organization.name == organization))
    token = accounts.invite(session, email, role, org_id, None, NOW)
    account = accounts.accept_invitation(session, token, email.split("@")[0], PASSWORD, NOW)
    account.verified = verified
    return account


def make_directory(tmp_path_factory) -> Directory:
    """Return the demo directory with an admin, staff of the night shelter's organization
    (one verified, one not) and staff of another organization, each with an API token."""
    path = tmp_path_factory.mktemp("submissions") / "seed.sqlite3"
    app = load_seed(path)
    tokens = {}
    with app.test_request_context(), store.session() as session:
        for email, role, org, verified in (
            ("admin@directory.example.org", "admin", None, False),
            ("ana@missionlantern.example.org", "staff", SHELTER_ORG, False),
            ("val@missionlantern.example.org", "staff", SHELTER_ORG, True),
            ("olu@littleoaks.example.org", "staff", OTHER_ORG, True),
        ):
            account = _join(session, email, role, org, verified)
            session.flush()
            tokens[email.split("@")[0]] = accounts.create_token(session, account, "test", NOW)[1]
        session.commit()
    # Close the connections, so the file holds everything (no write-ahead log left beside it).
    store.engine(app).dispose()
    return Directory(path, tokens)


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Directory:
    """Return the demo directory with accounts, made once for this module."""
    return make_directory(tmp_path_factory)


@pytest.fixture
def directory(template, tmp_path) -> Directory:
    """Return a fresh copy of the directory for one test."""
    path = tmp_path / "directory.sqlite3"
    shutil.copyfile(template.path, path)
    return Directory(path, template.tokens)


@pytest.fixture
def client(directory):
    """Return a test client of the directory."""
    return directory.app().test_client()


def bearer(directory: Directory, who: str) -> dict:
    """Return the Authorization header of someone's API token."""
    return {"Authorization": f"Bearer {directory.tokens[who]}"}


def decide(app, submission_id: str, note: str | None = None) -> None:
    """Approve a submission as the admin (reject it with a note), as the review page does."""
    with app.test_request_context(), store.session() as session:
        admin = session.scalar(select(Account).where(Account.role == "admin"))
        submission = session.get(Submission, submission_id)
        if note is None:
            submissions.approve(session, submission, admin, NOW)
        else:
            submissions.reject(session, submission, admin, note, NOW)
        session.commit()


def public_phone(client, listing_id: str = NIGHT_SHELTER) -> tuple[str, str]:
    """Return the listing's first phone as the listing API and the matcher give it."""
    listing = client.get(f"/api/v1/listings/{listing_id}").get_json()
    results = client.post("/api/v1/match", json=SHELTER_NEAR).get_json()["results"]
    (found,) = [r for r in results if r["id"] == listing_id]
    return listing["phones"][0]["number"], found["phones"][0]["number"]


def _error(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}
    return body["error"]


def test_a_phone_edit_is_private_until_approved_and_survives_a_restart(directory, client):
    change = {"phones": [{"number": NEW_PHONE, "type": "voice", "description": "Shelter desk"}]}
    response = client.patch(
        f"/api/v1/listings/{NIGHT_SHELTER}", json=change, headers=bearer(directory, "ana")
    )
    assert response.status_code == 202
    body = response.get_json()
    assert body == {
        "id": body["id"],
        "status": "pending",
        "kind": "edit",
        "listing_id": NIGHT_SHELTER,
        "url": f"/api/v1/submissions/{body['id']}",
    }
    assert response.headers["Location"].endswith(body["url"])
    assert public_phone(client) == (OLD_PHONE, OLD_PHONE)
    # a restart between the submission and the review loses nothing
    restarted = directory.app()
    status = restarted.test_client().get(body["url"], headers=bearer(directory, "ana"))
    assert status.get_json() | {"created_at": None} == {
        "id": body["id"],
        "kind": "edit",
        "status": "pending",
        "listing_id": NIGHT_SHELTER,
        "created_at": None,
        "decided_at": None,
        "note": None,
    }
    decide(restarted, body["id"])
    client = restarted.test_client()
    assert public_phone(client) == (NEW_PHONE, NEW_PHONE)
    status = client.get(body["url"], headers=bearer(directory, "ana")).get_json()
    assert status["status"] == "published" and status["decided_at"] >= status["created_at"]
    # the unchanged parts of the phone come from the listing's schema defaults
    phone = client.get(f"/api/v1/listings/{NIGHT_SHELTER}").get_json()["phones"][0]
    assert phone == {
        "number": NEW_PHONE,
        "extension": None,
        "type": "voice",
        "description": "Shelter desk",
    }


def test_a_rejected_change_never_reaches_the_public_and_the_agency_reads_why(directory, client):
    headers = bearer(directory, "ana")
    change = {"phones": [{"number": NEW_PHONE}], "name": "Mission Lantern Shelter"}
    body = client.patch(f"/api/v1/listings/{NIGHT_SHELTER}", json=change, headers=headers)
    submission_id = body.get_json()["id"]
    decide(directory.app(), submission_id, note="Call us from the shelter's own line, please.")
    assert public_phone(client) == (OLD_PHONE, OLD_PHONE)
    listing = client.get(f"/api/v1/listings/{NIGHT_SHELTER}").get_json()
    assert listing["name"] == "Mission Lantern Night Shelter"
    status = client.get(f"/api/v1/submissions/{submission_id}", headers=headers).get_json()
    assert (status["status"], status["note"]) == (
        "rejected",
        "Call us from the shelter's own line, please.",
    )


def test_bad_fields_are_each_named_by_their_dotted_path(directory, client):
    change = {
        "phones": [{"number": "(415) 555-0177"}, {"number": "+14155550178", "type": "pager"}],
        "colour": "teal",
        "id": "mine",
        "attributes": {"secular": "maybe"},
        "eligibility": {"min_age": -1},
        "url": 7,
    }
    response = client.patch(
        f"/api/v1/listings/{NIGHT_SHELTER}", json=change, headers=bearer(directory, "ana")
    )
    error = _error(response, 422)
    assert error["code"] == "invalid"
    assert sorted(error["fields"]) == [
        "attributes.secular",
        "colour",
        "eligibility.min_age",
        "id",
        "phones.0.number",
        "phones.1.type",
        "url",
    ]
    assert error["fields"]["phones.0.number"] == [
        "Give the number in E.164 form: + and the country code, such as +14155550142."
    ]
    assert error["fields"]["id"] == ["Not a field an agency can change."]
    # through POST, the same fields are named under "changes"
    response = client.post(
        "/api/v1/submissions",
        json={"kind": "capacity", "listing_id": NIGHT_SHELTER, "changes": {"available": -2}},
        headers=bearer(directory, "ana"),
    )
    assert _error(response, 422)["fields"] == {
        "changes.available": [
            "Must be greater than or equal to 0 and less than or equal to 100000."
        ]
    }
    response = client.post(
        "/api/v1/submissions", json={"kind": "teleport"}, headers=bearer(directory, "ana")
    )
    assert set(_error(response, 422)["fields"]) == {"kind"}
    response = client.post(
        "/api/v1/submissions", json={"kind": "edit"}, headers=bearer(directory, "ana")
    )
    assert _error(response, 422)["fields"] == {"listing_id": ["name the listing this changes"]}


def test_capacity_and_still_accurate_publish_at_once_only_for_a_verified_agency(directory, client):
    def post(who: str, kind: str, changes: dict):
        payload = {"kind": kind, "listing_id": NIGHT_SHELTER, "changes": changes}
        response = client.post("/api/v1/submissions", json=payload, headers=bearer(directory, who))
        assert response.status_code == 202, response.get_data(as_text=True)
        return response.get_json()

    assert post("ana", "capacity", {"available": 9, "total": 60})["status"] == "pending"
    assert client.get(f"/api/v1/listings/{NIGHT_SHELTER}").get_json()["capacity"] is None
    assert post("val", "capacity", {"available": 3, "total": 60})["status"] == "published"
    listing = client.get(f"/api/v1/listings/{NIGHT_SHELTER}").get_json()
    assert {k: listing["capacity"][k] for k in ("available", "total", "unit")} == {
        "available": 3,
        "total": 60,
        "unit": "beds",
    }
    results = client.post("/api/v1/match", json=SHELTER_NEAR).get_json()["results"]
    (shelter,) = [r for r in results if r["id"] == NIGHT_SHELTER]
    assert {"code": "capacity", "text": "3 beds open as of today", "met": True} in shelter[
        "reasons"
    ]
    verified = post("val", "verify", {})
    assert verified["status"] == "published"
    listing = client.get(f"/api/v1/listings/{NIGHT_SHELTER}").get_json()
    assert listing["verified_by"] == "agency" and listing["last_verified_at"] > "2026-11-18"


def test_a_proposed_new_listing_appears_only_once_approved(directory, client):
    new = {
        "name": "Lantern Late Ride",
        "category": "transport",
        "subcategories": ["ride_program"],
        "phones": [{"number": "+14155550190"}],
        "address": {"city": "San Francisco", "region": "CA", "postal_code": "94103"},
        "attributes": {"transport_provided": "yes"},
    }
    response = client.post(
        "/api/v1/submissions",
        json={"kind": "new", "changes": new},
        headers=bearer(directory, "ana"),
    )
    assert response.status_code == 202
    body = response.get_json()
    assert _error(client.get(f"/api/v1/listings/{body['listing_id']}"), 404)
    decide(directory.app(), body["id"])
    listing = client.get(f"/api/v1/listings/{body['listing_id']}").get_json()
    assert (listing["name"], listing["source"], listing["organization"]["name"]) == (
        "Lantern Late Ride",
        "agency",
        SHELTER_ORG,
    )
    assert listing["attributes"]["transport_provided"]["source"] == "agency"


def test_no_token_a_bad_token_and_another_organizations_listing_are_refused(directory, client):
    url = f"/api/v1/listings/{NIGHT_SHELTER}"
    change = {"name": "Taken Over"}
    response = client.patch(url, json=change)
    assert _error(response, 401)["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="resdir"'
    response = client.patch(url, json=change, headers={"Authorization": "Bearer nope"})
    assert _error(response, 401)["code"] == "invalid_token"
    assert "invalid_token" in response.headers["WWW-Authenticate"]
    olu = bearer(directory, "olu")
    assert _error(client.patch(url, json=change, headers=olu), 403)["code"] == "forbidden"
    for kind in ("verify", "capacity"):
        payload = {"kind": kind, "listing_id": NIGHT_SHELTER, "changes": {}}
        _error(client.post("/api/v1/submissions", json=payload, headers=olu), 403)
    assert _error(client.patch("/api/v1/listings/nowhere", json=change, headers=olu), 404)
    # another organization's submission is not even said to exist; an admin reads it
    mine = client.patch(url, json=change, headers=bearer(directory, "ana")).get_json()
    _error(client.get(mine["url"], headers=olu), 404)
    _error(client.get(mine["url"]), 401)
    assert client.get(mine["url"], headers=bearer(directory, "admin")).status_code == 200
    assert client.get(mine["url"], headers=bearer(directory, "val")).status_code == 200
    assert client.get(f"/api/v1/listings/{NIGHT_SHELTER}").get_json()["name"] != "Taken Over"


def test_bodies_the_api_cannot_read_are_refused_as_the_match_api_refuses_them(directory, client):
    url = f"/api/v1/listings/{NIGHT_SHELTER}"
    headers = bearer(directory, "ana")
    assert _error(client.patch(url, data="name=x", headers=headers), 415)
    response = client.patch(url, data="{", headers=headers, content_type="application/json")
    assert _error(response, 400)["code"] == "malformed_json"
    huge = {"description": "x" * 300_000}
    assert _error(client.patch(url, json=huge, headers=headers), 413)
    assert _error(client.patch(url, json=["name"], headers=headers), 422)["fields"] == {
        "_schema": ["Send the changes as an object of fields."]
    }


def test_matching_reasons_follow_the_configured_staleness(directory):
    def freshness(app) -> str:
        results = app.test_client().post("/api/v1/match", json=SHELTER_NEAR).get_json()["results"]
        (shelter,) = [r for r in results if r["id"] == NIGHT_SHELTER]
        return next(r for r in shelter["reasons"] if r["code"] == "freshness")

    # checked on 18 November 2026: fresh for a year, stale for a directory that wants a week
    assert freshness(directory.app())["text"].startswith("Checked ")
    stale = freshness(directory.app(STALE_DAYS=1))
    assert stale["text"].endswith("call to confirm") and stale["met"] is None
    page = directory.app(STALE_DAYS=1).test_client().get(f"/listings/{NIGHT_SHELTER}")
    assert "call to confirm" in page.get_data(as_text=True)


def test_the_openapi_document_describes_the_three_operations_with_their_token():
    app = create_app({"DATABASE": "sqlite://", "TESTING": True})
    document = app.test_client().get("/api/openapi.json").get_json()
    paths = document["paths"]
    operations = {
        ("post", "/api/v1/submissions"): "202",
        ("patch", "/api/v1/listings/{listing_id}"): "202",
        ("get", "/api/v1/submissions/{submission_id}"): "200",
    }
    for (method, path), success in operations.items():
        operation = paths[path][method]
        assert operation["security"] == [{"bearer": []}]
        assert {success, "401", "404"} <= set(operation["responses"])
    assert "security" not in paths["/api/v1/listings/{listing_id}"]["get"]
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    changes = document["components"]["schemas"]["ListingChanges"]["properties"]
    assert changes["attributes"]["properties"]["secular"]["enum"] == ["yes", "no", "unknown"]
    assert "as_of" not in document["components"]["schemas"]["CapacityChange"]["properties"]


@AGENCY_WRITES.parametrize()
@FUZZ
def test_whatever_an_agency_sends_is_answered_in_the_document(case, directory):
    app = directory.app()
    if case.path_parameters:
        case.path_parameters = {"listing_id": NIGHT_SHELTER}
    case.call_and_validate(app=app, headers=bearer(directory, "ana"), checks=CHECKS)
