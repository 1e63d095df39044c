"""An ingest takes SQLite's write lock only to write: never while it waits on a geocoder."""

import json
import sqlite3

from sqlalchemy import func, select

from ingest import pipeline
from resdir import create_app, store
from tests.locks import write_lock_held
from tests.nominatim import NominatimServer

ADDRESSES = [
    "2200 Mission St, San Francisco, CA 94110",
    "3543 18th St, San Francisco, CA 94110",
    "1 Unknown Way, San Francisco, CA 94110",
]


class ProbingPlaces(dict):
    """The geocoder's answers, which try a write of their own from another connection each time
    they are looked up: while the ingest waits for the answer."""

    def __init__(self, places: dict, database: str):
        super().__init__(places)
        self.database = database
        self.writes: list[bool] = []  # one per request: could another writer write meanwhile?

    def get(self, key, default=None):
        db = sqlite3.connect(self.database, timeout=0, isolation_level=None)
        try:
            db.execute("BEGIN IMMEDIATE")
            db.execute("ROLLBACK")
            self.writes.append(True)
        except sqlite3.OperationalError:  # "database is locked"
            self.writes.append(False)
        finally:
            db.close()
        return super().get(key, default)


def test_searches_and_submissions_can_write_while_an_ingest_geocodes(tmp_path):
    database = str(tmp_path / "lock.sqlite3")
    feed = tmp_path / "feed.json"
    meetings = [
        {"slug": f"m{n}", "name": f"Meeting {n}", "day": 2, "time": "19:00", "address": a}
        for n, a in enumerate(ADDRESSES)
    ]
    feed.write_text(json.dumps(meetings))
    with NominatimServer({}) as server:
        places = {"2200 mission st, san francisco, ca 94110": (37.7615, -122.419, "building")}
        server.places = ProbingPlaces(places, database)
        app = create_app(
            {
                "DATABASE": database,
                "GEOCODER": f"nominatim:{server.url}",
                "GEOCODER_MIN_DELAY_SECONDS": 0,
            }
        )
        runner = app.test_cli_runner()
        runner.invoke(args=["init-db"])
        result = runner.invoke(args=["ingest", str(feed)])
        assert result.exit_code == 0, result.output
    assert server.places.writes == [True, True, True]
    with app.app_context(), store.session() as session:
        count = select(func.count()).select_from
        assert session.scalar(count(store.Listing)) == 3
        assert session.scalar(count(store.GeocodeCacheEntry)) == 3


MEETINGS = [
    {
        "slug": f"m{n}",
        "name": f"Meeting {n}",
        "day": 2,
        "time": "19:00",
        "location": "Hall",
        "address": "2200 Mission St",
        "city": "San Francisco",
        "state": "CA",
        "postal_code": "94110",
        "latitude": 37.7615,
        "longitude": -122.419,
    }
    for n in range(3)
]


def _ingest_while_locked(tmp_path):
    """Return (app, CLI result) of ingesting three meetings while another process holds the
    store's write lock for 3 s."""
    database = str(tmp_path / "busy.sqlite3")
    feed = tmp_path / "feed.json"
    feed.write_text(json.dumps(MEETINGS))
    app = create_app({"DATABASE": database})
    runner = app.test_cli_runner()
    runner.invoke(args=["init-db"])
    with write_lock_held(database, 3):
        return app, runner.invoke(args=["ingest", str(feed)])


def test_an_ingest_kept_from_the_store_by_other_writers_writes_again(tmp_path, monkeypatch):
    # The web app's writers (submissions, searches bringing their index up to date) can hold
    # the lock past the busy timeout while an ingest waits to write: it writes again later.
    monkeypatch.setattr(store, "SQLITE_BUSY_SECONDS", 0.2)
    monkeypatch.setattr(pipeline, "LOAD_BACKOFF_SECONDS", 0.3)
    app, result = _ingest_while_locked(tmp_path)
    assert result.exit_code == 0, result.output
    with app.app_context(), store.session() as session:
        assert session.scalar(select(func.count()).select_from(store.Listing)) == 3
        runs = session.scalars(select(store.IngestRun.counts)).all()
    assert [r["created"] for r in runs] == [3]  # counted once, not once per attempt


def test_an_ingest_kept_from_the_store_too_long_fails_alone_with_one_line(tmp_path, monkeypatch):
    monkeypatch.setattr(store, "SQLITE_BUSY_SECONDS", 0.1)
    monkeypatch.setattr(pipeline, "LOAD_ATTEMPTS", 2)
    monkeypatch.setattr(pipeline, "LOAD_BACKOFF_SECONDS", 0.1)
    app, result = _ingest_while_locked(tmp_path)
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.exception
    assert "the store stayed busy with other writers" in result.output
    assert "Traceback" not in result.output
    with app.app_context(), store.session() as session:
        assert session.scalar(select(func.count()).select_from(store.Listing)) == 0
