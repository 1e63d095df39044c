"""The store's writes: run again when another writer got there first, a busy answer past the
budget, one number per version, and older stores brought up to that."""

import sqlite3
import threading

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from resdir import listings, store
from resdir.store import Listing, ListingVersion
from tests.clock import NOW


def test_a_write_another_writer_got_to_first_runs_again_and_lands_on_the_newest(app, make_listing):
    with app.app_context():
        with store.session() as session:
            listings.save(session, [make_listing(name="First")], "test", NOW)
            session.commit()
        doc_id = make_listing()["id"]
        attempts = []

        def rename(session):
            current = listings.load_document(session, doc_id)
            attempts.append(current["name"])
            if len(attempts) == 1:
                # Another writer publishes a version between this one's read and its write.
                with store.session() as other:
                    listings.save(other, [{**current, "email": "x@example.org"}], "other", NOW)
                    other.commit()
            listings.save(session, [{**current, "name": "Second"}], "test", NOW)

        store.write(rename)
        with store.session() as session:
            doc = listings.load_document(session, doc_id)
            numbers = session.scalars(
                select(ListingVersion.version).where(ListingVersion.listing_id == doc_id)
            ).all()
    assert len(attempts) == 2  # the first attempt was refused (StaleDataError) and run again
    assert doc["name"] == "Second" and doc["email"] == "x@example.org"
    assert sorted(numbers) == [1, 2, 3]


def test_a_write_that_keeps_meeting_others_is_busy_and_a_bug_is_not_retried(app, monkeypatch):
    monkeypatch.setattr(store, "WRITE_BACKOFF_SECONDS", 0)
    calls = []

    def always_late(session):
        calls.append(1)
        raise StaleDataError("another writer got there first")

    with app.app_context():
        with pytest.raises(store.StoreBusy):
            store.write(always_late)
        assert len(calls) == store.WRITE_ATTEMPTS

        def broken(session):
            calls.append(1)
            raise IntegrityError("INSERT", {}, Exception("NOT NULL constraint failed: x.y"))

        calls.clear()
        with pytest.raises(IntegrityError):
            store.write(broken)
        assert len(calls) == 1


def test_two_writers_creating_one_listing_at_once_make_one(app, make_listing):
    barrier = threading.Barrier(2)
    results = []

    def create(name: str) -> None:
        attempts = []

        def work(session):
            if not attempts:  # both first attempts read "no such listing" together
                session.get(Listing, make_listing()["id"])
                barrier.wait(timeout=10)
            attempts.append(1)
            return listings.save(session, [make_listing(name=name)], name, NOW)

        with app.app_context():
            results.append(store.write(work))

    threads = [threading.Thread(target=create, args=(n,)) for n in ("A", "B")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r[0] for r in results) == ["created", "updated"]
    with app.app_context(), store.session() as session:
        assert session.get(Listing, make_listing()["id"]).version == 2


def test_init_db_numbers_repeated_versions_of_an_older_store_and_then_keeps_them_unique(
    app, make_listing
):
    with app.app_context():
        with store.session() as session:
            listings.save(session, [make_listing()], "test", NOW)
            listings.save(session, [make_listing(name="Renamed")], "test", NOW)
            session.commit()
        path = app.config["DATABASE"]
    # An older store: made before migrations (no revision), no unique index, and two racing
    # writers left version 2 twice.
    with sqlite3.connect(path) as connection:
        connection.execute("DROP TABLE alembic_version")
        connection.execute("DROP INDEX ux_listing_history_version")
        connection.execute(
            "INSERT INTO listing_history (listing_id, version, change, changed_fields, author, "
            "document, created_at) SELECT listing_id, version, change, changed_fields, 'racer', "
            "document, created_at FROM listing_history WHERE version = 2"
        )
    with app.app_context():
        store.init_db()
        with store.session() as session:
            rows = session.execute(
                select(ListingVersion.version, ListingVersion.author).order_by(ListingVersion.id)
            ).all()
            assert [tuple(r) for r in rows] == [(1, "test"), (2, "test"), (3, "racer")]
            assert session.get(Listing, make_listing()["id"]).version == 3
    with sqlite3.connect(path) as connection, pytest.raises(sqlite3.IntegrityError):
        connection.execute(
            "INSERT INTO listing_history (listing_id, version, change, changed_fields, author, "
            "document, created_at) SELECT listing_id, 3, change, changed_fields, author, "
            "document, created_at FROM listing_history WHERE version = 1"
        )
