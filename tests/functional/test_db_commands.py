"""`resdir db upgrade`, `db current` and `db backup`: migrations on a new store and on one made
before migrations, and a backup taken while the store is being written."""

import sqlite3
import threading
from pathlib import Path

from sqlalchemy import select

from ingest.manifest import load_manifest
from ingest.pipeline import run_source
from resdir import create_app, database, geo, listings, store, submissions
from resdir.store import Account, Listing, ListingVersion, Submission
from tests.clock import NOW
from tests.seed import SEED

WRITES = 200  # listings the writer saves, one commit each, while the backup runs


def _app(path: Path):
    return create_app({"DATABASE": str(path), "TESTING": True})


def _rows(path: Path) -> dict[str, list[tuple]]:
    """Return every row of every table of resdir's models in the SQLite file at `path`."""
    with sqlite3.connect(path) as connection:
        return {
            table.name: connection.execute(f"SELECT * FROM {table.name} ORDER BY rowid").fetchall()
            for table in store.Base.metadata.sorted_tables
        }


def _store_made_before_migrations(path: Path):
    """Return an app on a store made as resdir made one before migrations: `create_all`, the
    demo directory ingested, an agency account and its pending submission."""
    app = _app(path)
    with app.app_context():
        store.Base.metadata.create_all(store.engine())
        for spec in load_manifest(SEED):
            with store.session() as session:
                assert run_source(session, spec, geo.Geocoder()).status == "completed"
    with app.test_request_context("/?lang=en"), store.session() as session:
        listing = session.scalars(
            select(Listing).where(Listing.organization_id.is_not(None)).order_by(Listing.id)
        ).first()
        staff = Account(
            email="ana@harbor.example.org",
            role="staff",
            organization_id=listing.organization_id,
            password_hash="x",
            verified=False,
            active=True,
            created_at=NOW,
        )
        session.add(staff)
        session.flush()
        submissions.submit(session, staff, "verify", listing.id, {}, NOW)
        session.commit()
    return app


def test_the_migrations_make_the_tables_of_the_models(tmp_path):
    app = _app(tmp_path / "new.sqlite3")
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert result.output == (
        f"database upgraded from empty to {database.head()}: sqlite:///{tmp_path}/new.sqlite3\n"
    )
    with app.app_context(), store.engine().connect() as connection:
        assert database.differences(connection) == []


def test_a_store_made_before_migrations_is_taken_as_the_first_revision_with_every_row(tmp_path):
    path = tmp_path / "old.sqlite3"
    app = _store_made_before_migrations(path)
    before = _rows(path)
    assert before["listings"] and before["listing_history"]
    assert len(before["accounts"]) == 1 and len(before["submissions"]) == 1
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "current"]).output == (
        f"revision none, the newest is {database.head()}: run `resdir db upgrade`\n"
    )

    result = runner.invoke(args=["db", "upgrade"])

    assert result.exit_code == 0, result.output
    assert result.output.startswith(
        f"database made before migrations taken as revision {database.INITIAL}"
    )
    assert _rows(path) == before
    assert runner.invoke(args=["db", "current"]).output == (
        f"revision {database.head()}, the newest\n"
    )
    with app.app_context(), store.session() as session:
        submission = session.scalars(select(Submission)).one()
        assert submission.status == "pending"
        assert session.get(Account, submission.account_id).email == "ana@harbor.example.org"
        assert session.scalar(select(ListingVersion).where(ListingVersion.version == 1))


def test_a_store_whose_tables_are_not_resdirs_is_refused_in_one_line(tmp_path):
    path = tmp_path / "odd.sqlite3"
    app = _app(path)
    with app.app_context():
        store.Base.metadata.create_all(store.engine())
    with sqlite3.connect(path) as connection:
        connection.execute("ALTER TABLE listings ADD COLUMN rating INTEGER")
        connection.execute("DROP TABLE listing_reports")

    result = app.test_cli_runner().invoke(args=["db", "upgrade"])

    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and "Traceback" not in result.output
    assert "remove_column listings.rating" in result.output
    with sqlite3.connect(path) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert not {"alembic_version", "listing_reports"} & tables  # nothing changed


def test_a_backup_taken_while_listings_are_written_is_the_store_at_one_moment(
    app, make_listing, tmp_path
):
    copy = tmp_path / "backup.sqlite3"
    started, finished = threading.Event(), threading.Event()

    def write() -> None:
        with app.app_context():
            for n in range(WRITES):
                with store.session() as session:
                    listings.save(session, [make_listing(key=f"rec-{n}")], "test", NOW)
                    session.commit()
                if n == WRITES // 10:
                    started.set()
        finished.set()

    writer = threading.Thread(target=write)
    writer.start()
    started.wait()
    result = app.test_cli_runner().invoke(args=["db", "backup", str(copy)])
    backed_up_while_writing = not finished.is_set()
    writer.join()

    assert result.exit_code == 0, result.output
    assert result.output.startswith("backed up ") and result.output.count("\n") == 1
    assert backed_up_while_writing
    with sqlite3.connect(copy) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    copied, source = _rows(copy), _rows(Path(app.config["DATABASE"]))
    assert WRITES // 10 < len(copied["listings"]) <= WRITES
    # Each listing is saved with its first version and its outbox entry in one commit.
    assert len(copied["listing_history"]) == len(copied["outbox"]) == len(copied["listings"])
    for table, rows in copied.items():
        assert set(rows) <= set(source[table]), table
    assert f"backed up {len(copied['listings'])} listings" in result.output
    restored = _app(copy)
    assert restored.test_cli_runner().invoke(args=["db", "current"]).output == (
        f"revision {database.head()}, the newest\n"
    )
    with restored.app_context(), store.session() as session:
        assert len(session.scalars(select(Listing)).all()) == len(copied["listings"])


def test_a_backup_to_a_path_that_cannot_be_written_says_so_in_one_line(app, tmp_path):
    target = tmp_path / "missing" / "backup.sqlite3"
    result = app.test_cli_runner().invoke(args=["db", "backup", str(target)])
    assert result.exit_code == 1
    assert result.output == f"Error: cannot write {target}: unable to open database file\n"
    assert not target.parent.exists()


def test_a_backup_of_a_postgresql_store_points_to_pg_dump(tmp_path):
    app = create_app({"DATABASE": "postgresql://resdir@127.0.0.1/resdir", "TESTING": True})
    result = app.test_cli_runner().invoke(args=["db", "backup", str(tmp_path / "x.dump")])
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and "pg_dump" in result.output
