"""Submissions: proposed documents, review decisions, history and restore, staleness, and the
agency edits a feed's next ingest keeps or puts up for review."""

import copy
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from resdir import create_app, listings, store, submissions
from resdir.store import Account, AuditEntry, ListingEdit, Organization, Source, Submission

NOW = datetime(2026, 11, 26, 20, 0, tzinfo=UTC)
FEED_AUTHOR = "ingest:harbor-feed"
LISTING = "harbor-shelter"
FEED_PHONE = {
    "number": "+14155550142",
    "extension": None,
    "type": "voice",
    "description": "Shelter desk",
}
NEW_PHONE = {"number": "+14155550199", "extension": "12", "type": "voice", "description": None}


def make_doc(**overrides) -> dict:
    """Return a feed's listing document: a night shelter of Harbor Lights (organization X)."""
    doc = {
        "id": LISTING,
        "source": "harbor-feed",
        "source_id": "r1",
        "source_keys": {},
        "sources": [{"source": "harbor-feed", "source_id": "r1"}],
        "kind": "service",
        "organization": {"id": "org-x", "name": "Harbor Lights", "url": None, "description": None},
        "name": "Harbor Lights Night Shelter",
        "alternate_name": None,
        "description": "Forty cots, open every night.",
        "status": "published",
        "temporarily_closed": False,
        "category": "housing",
        "subcategories": ["shelter"],
        "taxonomy": [],
        "narr_level": None,
        "location_name": None,
        "address": {
            "street": "2940 16th St",
            "city": "San Francisco",
            "region": "CA",
            "postal_code": "94103",
            "country": "US",
        },
        "location": {"lat": 37.76512, "lon": -122.41893},
        "geocode_precision": "source",
        "approximate_location": False,
        "confidential_location": False,
        "timezone": "America/Los_Angeles",
        "service_area": None,
        "online": None,
        "schedule": {
            "intervals": [{"day": 0, "opens": "19:00", "closes": "07:00"}],
            "text": "Doors open at 7 pm.",
            "by_appointment": False,
        },
        "phones": [FEED_PHONE],
        "url": None,
        "email": None,
        "next_steps": None,
        "transportation": None,
        "cost": {"kind": "free", "amount": None, "currency": None, "period": None, "text": None},
        "eligibility": {
            "genders": [],
            "min_age": 18,
            "max_age": None,
            "text": None,
            "required_documents": [],
        },
        "languages": ["en"],
        "attributes": {
            "accepts_moud": {"value": "yes", "source": "HSDS attribute", "note": None},
            "pets_allowed": {"value": "no", "source": "HSDS attribute", "note": None},
        },
        "capacity": {
            "available": 4,
            "total": 40,
            "unit": "beds",
            "as_of": "2026-11-20T08:00:00+00:00",
        },
        "last_verified_at": "2026-06-01T00:00:00+00:00",
        "verified_by": "source",
        "updated_at": "2026-06-01T00:00:00+00:00",
        "provenance": {},
    }
    return doc | overrides


@pytest.fixture
def app(tmp_path):
    """Return an app on an empty store (every table created)."""
    app = create_app({"DATABASE": str(tmp_path / "store.sqlite3"), "TESTING": True})
    with app.app_context():
        store.init_db()
    return app


@pytest.fixture
def db(app):
    """Return a session on a store holding the shelter, two organizations and four accounts,
    inside an English request (the texts people read)."""
    with app.test_request_context("/?lang=en"), store.session() as session:
        session.add(Source(id="harbor-feed", name="Harbor feed"))
        session.flush()
        for oid, name in (("org-x", "Harbor Lights"), ("org-y", "Ridge Recovery")):
            session.add(Organization(id=oid, source_id="harbor-feed", name=name))
        session.flush()
        listings.save(session, [make_doc()], FEED_AUTHOR, NOW - timedelta(days=30))
        for email, role, org, verified in (
            ("admin@dir.example.org", "admin", None, False),
            ("ana@harbor.example.org", "staff", "org-x", False),
            ("val@harbor.example.org", "staff", "org-x", True),
            ("yuri@ridge.example.org", "staff", "org-y", True),
        ):
            session.add(
                Account(
                    email=email,
                    role=role,
                    organization_id=org,
                    verified=verified,
                    active=True,
                    password_hash="x",
                    created_at=NOW,
                )
            )
        session.commit()
        yield session


def account(session, email: str) -> Account:
    """Return the account with this email."""
    return session.scalar(select(Account).where(Account.email == email))


def published(session) -> dict:
    """Return the shelter as the store publishes it now."""
    return listings.load_document(session, LISTING)


def actions(session) -> list[tuple[str, str]]:
    """Return the audit log as (actor, action), oldest first."""
    rows = session.scalars(select(AuditEntry).order_by(AuditEntry.id))
    return [(row.actor, row.action) for row in rows]


# proposed_document


def test_a_proposed_phone_changes_only_the_phones_and_is_validated_whole(app):
    with app.test_request_context():
        doc = submissions.proposed_document(make_doc(), "edit", {"phones": [NEW_PHONE]}, NOW)
    assert doc["phones"] == [NEW_PHONE]
    assert doc == make_doc(phones=[NEW_PHONE])


def test_every_bad_field_is_named_by_its_dotted_path_at_once(app):
    changes = {
        "colour": "blue",
        "source": "mine",
        "phones": [{"number": "415-555-0199"}],
        "attributes": {"secular": "maybe", "flying": "yes"},
        "eligibility": {"min_age": 30, "max_age": 18},
        "capacity": {"available": 5, "as_of": "2026-01-01T00:00:00+00:00"},
        "schedule": {"intervals": [{"day": 9, "opens": "7pm"}]},
    }
    with app.test_request_context(), pytest.raises(submissions.SubmissionError) as caught:
        submissions.proposed_document(make_doc(), "edit", changes, NOW)
    fields = caught.value.fields
    assert fields.pop("attributes.flying")
    assert fields == {
        "colour": ["Unknown field."],
        "source": ["Not a field an agency can change."],
        "attributes.secular": ["Must be one of: yes, no, unknown."],
        "capacity.as_of": ["Unknown field."],
        "phones.0.number": [
            "Give the number in E.164 form: + and the country code, such as +14155550142."
        ],
        "eligibility.min_age": ["min_age is above max_age"],
        "schedule.intervals.0.day": [
            "Must be greater than or equal to 0 and less than or equal to 6."
        ],
        "schedule.intervals.0.opens": ["String does not match expected pattern."],
    }
    with app.test_request_context(), pytest.raises(submissions.SubmissionError) as caught:
        submissions.proposed_document(make_doc(), "capacity", {"available": 5, "total": 3}, NOW)
    assert caught.value.fields == {"available": ["available is above total"]}


def test_values_of_the_wrong_shape_are_named_not_crashed_on(app):
    changes = {
        "address": "1 Main St",
        "location": [37.7, -122.4],
        "phones": "555-0100",
        "attributes": ["secular"],
        "capacity": 5,
        "languages": "es",
    }
    with app.test_request_context(), pytest.raises(submissions.SubmissionError) as caught:
        submissions.proposed_document(make_doc(), "edit", changes, NOW)
    assert set(caught.value.fields) == set(changes)
    with app.test_request_context(), pytest.raises(submissions.SubmissionError) as caught:
        submissions.proposed_document(make_doc(), "edit", ["name"], NOW)
    assert set(caught.value.fields) == {"_schema"}


def test_facts_an_agency_states_are_theirs_and_unknown_removes_one(app):
    changes = {"attributes": {"pets_allowed": "yes", "accepts_moud": "yes", "asl": "no"}}
    with app.test_request_context():
        doc = submissions.proposed_document(make_doc(), "edit", changes, NOW)
        removed = submissions.proposed_document(
            make_doc(), "edit", {"attributes": {"accepts_moud": "unknown"}}, NOW
        )
    assert doc["attributes"] == {
        # the same value keeps where it came from
        "accepts_moud": {"value": "yes", "source": "HSDS attribute", "note": None},
        "asl": {"value": "no", "source": "agency", "note": None},
        "pets_allowed": {"value": "yes", "source": "agency", "note": None},
    }
    assert set(removed["attributes"]) == {"pets_allowed"}


def test_capacity_is_stamped_now_and_keeps_the_unit_and_total_left_out(app):
    with app.test_request_context():
        doc = submissions.proposed_document(make_doc(), "capacity", {"available": 2}, NOW)
        seats = submissions.proposed_document(
            make_doc(), "edit", {"capacity": {"available": 9, "total": None, "unit": "seats"}}, NOW
        )
    assert doc["capacity"] == {
        "available": 2,
        "total": 40,
        "unit": "beds",
        "as_of": "2026-11-26T20:00:00+00:00",
    }
    assert seats["capacity"] == {
        "available": 9,
        "total": None,
        "unit": "seats",
        "as_of": "2026-11-26T20:00:00+00:00",
    }


def test_a_new_address_moves_the_point_a_respelt_one_does_not(app):
    moved = {**make_doc()["address"], "street": "1 Main St", "postal_code": "94401"}
    respelt = {**make_doc()["address"], "city": "SAN FRANCISCO "}
    with app.test_request_context():
        doc = submissions.proposed_document(make_doc(), "edit", {"address": moved}, NOW)
        same = submissions.proposed_document(make_doc(), "edit", {"address": respelt}, NOW)
        hidden = submissions.proposed_document(
            make_doc(), "edit", {"confidential_location": True}, NOW
        )
    # San Mateo's ZIP centre, approximate: an agency's street is not geocoded offline
    assert doc["geocode_precision"] == "postal_code" and doc["approximate_location"] is True
    assert round(doc["location"]["lat"], 1) == 37.6 and round(doc["location"]["lon"], 1) == -122.3
    assert same["location"] == {"lat": 37.76512, "lon": -122.41893}
    assert same["geocode_precision"] == "source"
    # a confidential place loses its street and its precise point
    assert hidden["address"]["street"] is None and hidden["approximate_location"] is True
    assert hidden["location"] != make_doc()["location"]


def test_verify_stamps_the_time_and_takes_no_changes(app):
    with app.test_request_context():
        doc = submissions.proposed_document(make_doc(), "verify", {}, NOW)
        with pytest.raises(submissions.SubmissionError) as caught:
            submissions.proposed_document(make_doc(), "verify", {"name": "x"}, NOW)
    assert doc["last_verified_at"] == "2026-11-26T20:00:00+00:00"
    assert doc["verified_by"] == "agency"
    assert set(caught.value.fields) == {"name"}


def test_a_new_listing_needs_a_name_and_a_category(app):
    with app.test_request_context(), pytest.raises(submissions.SubmissionError) as caught:
        submissions.proposed_document(None, "new", {"description": "Rides"}, NOW)
    assert set(caught.value.fields) == {"name", "category"}


# submit, approve, reject


def test_an_edit_waits_for_review_then_publishes_with_history_and_a_remembered_edit(db):
    ana = account(db, "ana@harbor.example.org")
    submission = submissions.submit(db, ana, "edit", LISTING, {"phones": [NEW_PHONE]}, NOW)
    db.commit()
    assert submission.status == "pending" and submission.organization_id == "org-x"
    assert submission.base == {"phones": [FEED_PHONE]} and submission.base_version == 1
    assert published(db)["phones"] == [FEED_PHONE]
    admin = account(db, "admin@dir.example.org")
    later = NOW + timedelta(hours=2)
    submissions.approve(db, submission, admin, later)
    db.commit()
    assert published(db)["phones"] == [NEW_PHONE]
    assert submission.status == "published" and submission.decided_by == "admin@dir.example.org"
    versions = submissions.history(db, LISTING)
    assert [(v.version, v.author, v.changed_fields) for v in versions] == [
        (2, "ana@harbor.example.org", ["phones"]),
        (1, FEED_AUTHOR, versions[1].changed_fields),
    ]
    edit = db.get(ListingEdit, (LISTING, "phones"))
    assert (edit.value, edit.replaced, edit.author) == (
        [NEW_PHONE],
        [FEED_PHONE],
        "ana@harbor.example.org",
    )
    assert actions(db) == [
        ("ana@harbor.example.org", "submitted"),
        ("admin@dir.example.org", "published"),
    ]


def test_staff_of_another_organization_cannot_submit_and_unknown_listings_are_said(db):
    yuri = account(db, "yuri@ridge.example.org")
    with pytest.raises(submissions.NotAllowed):
        submissions.submit(db, yuri, "verify", LISTING, {}, NOW)
    with pytest.raises(submissions.UnknownListing):
        submissions.submit(db, yuri, "verify", "nowhere", {}, NOW)
    ana = account(db, "ana@harbor.example.org")
    with pytest.raises(submissions.NotAllowed):
        submissions.approve(db, submissions.submit(db, ana, "verify", LISTING, {}, NOW), ana, NOW)


def test_a_change_to_the_published_values_is_no_change(db):
    ana = account(db, "ana@harbor.example.org")
    with pytest.raises(submissions.SubmissionError) as caught:
        submissions.submit(db, ana, "edit", LISTING, {"phones": [FEED_PHONE]}, NOW)
    assert set(caught.value.fields) == {"_schema"}


def test_a_verified_agency_publishes_capacity_and_verify_at_once_as_configured(app, db):
    val = account(db, "val@harbor.example.org")
    ana = account(db, "ana@harbor.example.org")
    beds = submissions.submit(db, val, "capacity", LISTING, {"available": 0}, NOW)
    waiting = submissions.submit(db, ana, "capacity", LISTING, {"available": 7}, NOW)
    db.commit()
    assert (beds.status, waiting.status) == ("published", "pending")
    assert published(db)["capacity"]["available"] == 0
    assert submissions.history(db, LISTING)[0].author == "val@harbor.example.org"
    app.config["AUTO_PUBLISH"] = "capacity"
    checked = submissions.submit(db, val, "verify", LISTING, {}, NOW)
    assert checked.status == "pending"
    assert published(db)["last_verified_at"] == "2026-06-01T00:00:00+00:00"
    # an edit from a verified agency is still reviewed
    assert submissions.submit(db, val, "edit", LISTING, {"name": "Harbor Lights"}, NOW).status == (
        "pending"
    )


def test_a_rejection_needs_a_note_publishes_nothing_and_decides_once(db):
    ana = account(db, "ana@harbor.example.org")
    admin = account(db, "admin@dir.example.org")
    submission = submissions.submit(db, ana, "edit", LISTING, {"name": "Harbour Lights"}, NOW)
    with pytest.raises(submissions.SubmissionError):
        submissions.reject(db, submission, admin, "  ", NOW)
    submissions.reject(db, submission, admin, "The sign on the door says Harbor.", NOW)
    db.commit()
    assert submission.status == "rejected" and submission.note.startswith("The sign")
    assert published(db)["name"] == "Harbor Lights Night Shelter"
    assert len(submissions.history(db, LISTING)) == 1
    with pytest.raises(submissions.SubmissionError) as caught:
        submissions.approve(db, submission, admin, NOW)
    assert set(caught.value.fields) == {"status"}


def test_an_older_submission_shows_and_applies_only_its_own_fields_on_the_current_listing(db):
    ana = account(db, "ana@harbor.example.org")
    admin = account(db, "admin@dir.example.org")
    phones = submissions.submit(db, ana, "edit", LISTING, {"phones": [NEW_PHONE]}, NOW)
    name = submissions.submit(db, ana, "edit", LISTING, {"name": "Harbor Lights Shelter"}, NOW)
    rename = submissions.submit(db, ana, "edit", LISTING, {"name": "Harbor Night Shelter"}, NOW)
    submissions.approve(db, name, admin, NOW)
    # the third was made against version 1: it is compared with what is published now
    rows = submissions.diff(db, rename)
    assert rows == [
        {
            "field": "name",
            "label": "Name",
            "published": "Harbor Lights Shelter",
            "proposed": "Harbor Night Shelter",
            "changed": True,
        }
    ]
    submissions.approve(db, phones, admin, NOW)
    doc = published(db)
    assert (doc["name"], doc["phones"]) == ("Harbor Lights Shelter", [NEW_PHONE])


def test_the_diff_reads_as_a_person_would(db):
    ana = account(db, "ana@harbor.example.org")
    changes = {
        "phones": [NEW_PHONE],
        "attributes": {"pets_allowed": "yes", "accepts_moud": "unknown"},
        "schedule": {"intervals": [{"day": 5, "opens": "18:00", "closes": "08:00"}]},
    }
    submission = submissions.submit(db, ana, "edit", LISTING, changes, NOW)
    rows = {row["field"]: row for row in submissions.diff(db, submission)}
    assert rows["phones"]["published"] == "+14155550142 voice Shelter desk"
    assert rows["phones"]["proposed"] == "+14155550199 ext. 12 voice"
    assert rows["attributes.pets_allowed"] | {} == {
        "field": "attributes.pets_allowed",
        "label": "Pets allowed",
        "published": "no",
        "proposed": "yes",
        "changed": True,
    }
    assert rows["attributes.accepts_moud"]["proposed"] == "unknown"
    assert rows["schedule"]["published"] == (
        "intervals: Monday 19:00–07:00; text: Doors open at 7 pm.; by appointment: no"
    )
    assert rows["schedule"]["proposed"] == "intervals: Saturday 18:00–08:00; by appointment: no"


def test_an_admin_corrects_then_approves_and_the_correction_is_what_publishes(db):
    ana = account(db, "ana@harbor.example.org")
    admin = account(db, "admin@dir.example.org")
    changes = {"phones": [NEW_PHONE], "attributes": {"asl": "yes", "pets_allowed": "yes"}}
    submission = submissions.submit(db, ana, "edit", LISTING, changes, NOW)
    fixed = {**NEW_PHONE, "extension": None}
    submissions.approve(
        db, submission, admin, NOW, {"phones": [fixed], "attributes": {"asl": "no"}}
    )
    doc = published(db)
    assert doc["phones"] == [fixed]
    assert {c: f["value"] for c, f in doc["attributes"].items()} == {
        "accepts_moud": "yes",
        "asl": "no",
        "pets_allowed": "yes",
    }
    assert submission.changes["phones"] == [fixed]
    detail = db.scalar(select(AuditEntry).where(AuditEntry.action == "published")).detail
    assert detail["edited"] == ["attributes.asl", "phones"]


def test_a_new_listing_is_the_agencys_once_approved(db):
    ana = account(db, "ana@harbor.example.org")
    admin = account(db, "admin@dir.example.org")
    changes = {
        "name": "Harbor Lights Ride Line",
        "category": "transport",
        "subcategories": ["ride_program"],
        "phones": [NEW_PHONE],
        "address": {"city": "San Francisco", "region": "CA", "postal_code": "94110"},
    }
    submission = submissions.submit(db, ana, "new", None, changes, NOW)
    db.commit()
    assert listings.load_document(db, submission.listing_id) is None
    submissions.approve(db, submission, admin, NOW)
    db.commit()
    doc = listings.load_document(db, submission.listing_id)
    assert submission.listing_id == listings.listing_id("agency", submission.id)
    assert (doc["source"], doc["source_id"], doc["status"]) == (
        "agency",
        submission.id,
        "published",
    )
    assert doc["organization"]["name"] == "Harbor Lights"
    assert doc["timezone"] == "America/Los_Angeles" and doc["geocode_precision"] == "postal_code"
    assert db.get(Source, "agency").name == "Agency submissions"
    assert submissions.history(db, doc["id"])[0].author == "ana@harbor.example.org"


# history and restore


def test_three_edits_and_a_restore_leave_every_version_with_its_author(db):
    ana = account(db, "ana@harbor.example.org")
    admin = account(db, "admin@dir.example.org")
    for hour, name in enumerate(("Harbor One", "Harbor Two", "Harbor Three"), start=1):
        submission = submissions.submit(db, ana, "edit", LISTING, {"name": name}, NOW)
        submissions.approve(db, submission, admin, NOW + timedelta(hours=hour))
    submissions.restore(db, LISTING, 2, admin, NOW + timedelta(hours=5))
    db.commit()
    versions = submissions.history(db, LISTING)
    assert [(v.version, v.author, v.document["name"]) for v in versions] == [
        (5, "admin@dir.example.org", "Harbor One"),
        (4, "ana@harbor.example.org", "Harbor Three"),
        (3, "ana@harbor.example.org", "Harbor Two"),
        (2, "ana@harbor.example.org", "Harbor One"),
        (1, FEED_AUTHOR, "Harbor Lights Night Shelter"),
    ]
    assert published(db) == versions[3].document
    assert db.get(ListingEdit, (LISTING, "name")).value == "Harbor One"
    # back to the feed's version: nothing of the agency's is left to keep over the feed
    submissions.restore(db, LISTING, 1, admin, NOW + timedelta(hours=6))
    assert published(db)["name"] == "Harbor Lights Night Shelter"
    assert db.get(ListingEdit, (LISTING, "name")) is None
    assert [a for a in actions(db) if a[1] == "restored"] == [
        ("admin@dir.example.org", "restored")
    ] * 2


# staleness


def test_stale_listings_come_by_organization_oldest_first(db):
    other = make_doc(
        id="ridge-meeting",
        name="Ridge Morning Group",
        organization={"id": "org-y", "name": "Ridge Recovery", "url": None, "description": None},
        last_verified_at=None,
        updated_at=None,
    )
    fresh = make_doc(
        id="harbor-fresh", name="Harbor Day Room", last_verified_at="2026-11-01T00:00:00+00:00"
    )
    older = make_doc(
        id="harbor-old", name="Harbor Annex", last_verified_at="2024-01-01T00:00:00+00:00"
    )
    unowned = make_doc(id="loose", name="Loose Meeting", organization=None, last_verified_at=None)
    listings.save(db, [other, fresh, older, unowned], FEED_AUTHOR, NOW)
    found = submissions.stale_listings(db, 90, NOW)
    assert list(found) == ["Harbor Lights", "Ridge Recovery", None]
    assert [(i["name"], i["days"]) for i in found["Harbor Lights"]] == [
        ("Harbor Annex", 1060),
        ("Harbor Lights Night Shelter", 178),
    ]
    assert found["Ridge Recovery"][0] | {} == {
        "id": "ridge-meeting",
        "name": "Ridge Morning Group",
        "organization_id": "org-y",
        "checked_at": None,
        "last_verified_at": None,
        "days": None,
    }
    # the feed's own update date stands in for a check, as on the public pages
    assert found[None][0]["checked_at"] == "2026-06-01T00:00:00+00:00"
    assert [i["name"] for i in submissions.stale_listings(db, 365, NOW)["Harbor Lights"]] == [
        "Harbor Annex"
    ]
    val = account(db, "val@harbor.example.org")
    submissions.submit(db, val, "verify", "harbor-old", {}, NOW)
    assert "Harbor Lights" not in submissions.stale_listings(db, 365, NOW)


# ingest and edits


def _edited(db) -> None:
    """Publish an agency's phone and pets fact on the shelter."""
    ana = account(db, "ana@harbor.example.org")
    changes = {"phones": [NEW_PHONE], "attributes": {"pets_allowed": "yes"}}
    submission = submissions.submit(db, ana, "edit", LISTING, changes, NOW)
    submissions.approve(db, submission, account(db, "admin@dir.example.org"), NOW)


def _conflicts(db) -> list[Submission]:
    return list(db.scalars(select(Submission).where(Submission.kind == "conflict")))


def test_a_feed_that_has_not_changed_keeps_the_agencys_edits(db):
    _edited(db)
    doc = submissions.apply_edits(db, make_doc(), NOW + timedelta(days=1))
    assert doc["phones"] == [NEW_PHONE]
    assert doc["attributes"]["pets_allowed"] == {"value": "yes", "source": "agency", "note": None}
    assert listings.save(db, [doc], FEED_AUTHOR, NOW + timedelta(days=1)) == ["unchanged"]
    assert _conflicts(db) == []


def test_an_older_feed_with_new_values_goes_to_review_once(db):
    _edited(db)
    other = {**FEED_PHONE, "number": "+14155550100"}
    feed = make_doc(phones=[other], attributes={})
    doc = submissions.apply_edits(db, copy.deepcopy(feed), NOW + timedelta(days=1))
    assert doc["phones"] == [NEW_PHONE] and doc["attributes"]["pets_allowed"]["value"] == "yes"
    submissions.apply_edits(db, copy.deepcopy(feed), NOW + timedelta(days=2))
    (conflict,) = _conflicts(db)
    assert conflict.status == "pending" and conflict.author == "ingest:harbor-feed"
    assert conflict.changes == {"phones": [other], "attributes": {"pets_allowed": "unknown"}}
    assert conflict.organization_id == "org-x"
    assert ("ingest:harbor-feed", "conflict") in actions(db)
    # rejected: the edit stays, and the same feed values never come back for review
    admin = account(db, "admin@dir.example.org")
    submissions.reject(db, conflict, admin, "The agency's number is the new one.", NOW)
    submissions.apply_edits(db, copy.deepcopy(feed), NOW + timedelta(days=3))
    assert len(_conflicts(db)) == 1
    assert db.get(ListingEdit, (LISTING, "phones")).value == [NEW_PHONE]


def test_approving_a_conflict_publishes_the_feed_and_forgets_the_edits(db):
    _edited(db)
    other = {**FEED_PHONE, "number": "+14155550100"}
    listings.save(
        db, [submissions.apply_edits(db, make_doc(phones=[other]), NOW)], FEED_AUTHOR, NOW
    )
    (conflict,) = _conflicts(db)
    assert conflict.changes == {"phones": [other]}
    submissions.approve(db, conflict, account(db, "admin@dir.example.org"), NOW)
    assert published(db)["phones"] == [other]
    assert db.get(ListingEdit, (LISTING, "phones")) is None
    assert db.get(ListingEdit, (LISTING, "attributes.pets_allowed")) is not None
    assert submissions.history(db, LISTING)[0].author == "ingest:harbor-feed"


def test_a_feed_newer_than_the_edit_wins_and_the_edit_is_forgotten(db):
    _edited(db)
    other = {**FEED_PHONE, "number": "+14155550100"}
    newer = make_doc(phones=[other], updated_at="2026-11-27T09:00:00+00:00")
    doc = submissions.apply_edits(db, newer, NOW + timedelta(days=1))
    db.commit()
    assert doc["phones"] == [other]
    assert db.get(ListingEdit, (LISTING, "phones")) is None
    assert _conflicts(db) == []


def test_a_verification_is_kept_until_the_feed_verifies_later(db):
    val = account(db, "val@harbor.example.org")
    submissions.submit(db, val, "verify", LISTING, {}, NOW)
    kept = submissions.apply_edits(db, make_doc(), NOW + timedelta(days=1))
    assert (kept["last_verified_at"], kept["verified_by"]) == (
        "2026-11-26T20:00:00+00:00",
        "agency",
    )
    later = make_doc(last_verified_at="2026-11-30T00:00:00+00:00")
    assert submissions.apply_edits(db, later, NOW)["verified_by"] == "source"
    assert submissions.edited_listings(db, [LISTING, "other"]) == set()
