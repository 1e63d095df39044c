"""Saving listings: versions, history, outbox, attributes, and merging records of two sources."""

import json
from datetime import UTC, datetime

from sqlalchemy import func, select

from resdir import listings, store
from resdir.model import ListingSchema

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def test_factory_documents_are_valid(make_listing):
    assert ListingSchema().validate(make_listing()) == {}


def test_ids_are_stable_and_distinct():
    assert listings.listing_id("a", "1") == listings.listing_id("a", "1")
    assert listings.listing_id("a", "1") != listings.listing_id("b", "1")
    assert len(listings.listing_id("a", "1")) == 16


def _count(session, table):
    return session.scalar(select(func.count()).select_from(table))


def test_save_writes_versions_history_attributes_and_outbox(app, make_listing):
    facts = {"accepts_moud": {"value": "yes", "source": "test", "note": None}}
    doc = make_listing(attributes=facts)
    with app.app_context(), store.session() as session:
        assert listings.save(session, [doc], "ingest:test", NOW) == ["created"]
        assert listings.save(session, [doc], "ingest:test", NOW) == ["unchanged"]
        changed = doc | {"name": "Mission Recovery Café"}
        assert listings.save(session, [changed], "admin:ana", NOW) == ["updated"]
        gone = changed | {"status": "unpublished"}
        assert listings.save(session, [gone], "ingest:test", NOW) == ["unpublished"]
        session.commit()
        history = session.scalars(select(store.ListingVersion).order_by(store.ListingVersion.id))
        rows = [(v.version, v.change, v.author, v.changed_fields) for v in history]
        assert rows[1] == (2, "updated", "admin:ana", ["name"])
        assert [r[1] for r in rows] == ["created", "updated", "unpublished"]
        assert _count(session, store.OutboxEntry) == 3
        assert listings.load_document(session, doc["id"]) == gone
        attribute = session.get(store.ListingAttribute, (doc["id"], "accepts_moud"))
        assert (attribute.value, attribute.source) == ("yes", "test")


def test_merge_takes_fresher_content_and_keeps_the_creators_identity(make_listing):
    older = make_listing(
        source="cip",
        key="fair-oaks",
        last_verified_at="2013-06-03T00:00:00+00:00",
        url="http://old.example.org",
        attributes={"wheelchair_accessible": {"value": "yes", "source": "cip", "note": None}},
    )
    newer = make_listing(
        source="ohana", key="1:1", last_verified_at="2014-10-29T00:00:00+00:00", url=None, phones=[]
    )
    merged = listings.merge(older["id"], [older, newer])
    assert (merged["id"], merged["source"], merged["source_id"]) == (
        older["id"],
        "cip",
        "fair-oaks",
    )
    assert merged["sources"] == [
        {"source": "cip", "source_id": "fair-oaks"},
        {"source": "ohana", "source_id": "1:1"},
    ]
    assert merged["last_verified_at"] == "2014-10-29T00:00:00+00:00"
    assert merged["url"] == "http://old.example.org"  # the fresher record has none
    assert merged["phones"] == older["phones"]
    assert merged["provenance"]["url"] == "cip"
    assert merged["provenance"]["last_verified_at"] == "ohana"
    assert merged["attributes"]["wheelchair_accessible"]["value"] == "yes"
    assert ListingSchema().validate(merged) == {}


def test_stop_count_leaves_out_stops_gone_from_their_feed(app):
    def stop(stop_id, present):
        return store.TransitStop(
            id=f"harbor:{stop_id}",
            source_id="harbor",
            stop_id=stop_id,
            name=f"Stop {stop_id}",
            lat=37.7,
            lon=-122.4,
            wheelchair_boarding="",
            routes=[],
            content_hash="",
            present=present,
        )

    with app.app_context(), store.session() as session:
        session.add(store.Source(id="harbor"))
        session.add_all([stop("1", True), stop("2", True), stop("3", False)])
        session.commit()
        assert listings.stop_count(session) == 2


def test_a_listing_made_confidential_keeps_its_street_nowhere_not_even_in_an_old_key(
    app, make_listing
):
    key = "Secret Safe House:742 Evergreen Terrace"  # how an older agency mapping keyed rows
    address = {
        "street": "742 Evergreen Terrace",
        "city": "San Francisco",
        "region": "CA",
        "postal_code": "94110",
        "country": "US",
    }
    public = make_listing(key=key, name="Secret Safe House", address=address)
    with app.app_context(), store.session() as session:
        listings.save(session, [public], "ingest:test", NOW)
        session.add(store.Source(id="test"))
        session.flush()
        session.add(
            store.ListingSource(
                source_id="test",
                record_key="rec",
                listing_id=public["id"],
                document=public,
                content_hash="h",
                present=True,
            )
        )
        session.flush()
        listings.save(session, [public | {"confidential_location": True}], "agency", NOW)
        session.commit()
        kept = [
            *session.scalars(select(store.ListingVersion.document)),
            *session.scalars(select(store.ListingSource.document)),
            *session.scalars(select(store.Listing.document)),
        ]
    assert len(kept) == 4
    assert not any("Evergreen" in json.dumps(doc) for doc in kept)
    current = kept[-1]
    assert current["address"] == {**address, "street": None}
    assert current["geocode_precision"] == "postal_code" and current["approximate_location"]
    assert current["location"] != public["location"]  # the door's point is not kept either
