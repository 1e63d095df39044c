"""Index sync under pressure: processes syncing one store into the same indexes while listings
change, and searches while another process holds the store's write lock (as an ingest does)."""

import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse

import pytest
from elasticsearch import Elasticsearch
from sqlalchemy import func, select

from resdir import create_app, listings, search, store
from resdir.search import elastic
from resdir.search.elastic import ElasticEngine
from tests.clock import NOW
from tests.locks import write_lock_held
from tests.proxy import StallingProxy
from tests.seed import load_seed

REPO = Path(__file__).resolve().parents[2]
WORKERS = 4
CHANGES = 240  # listing changes published while the workers sync
HOT_LISTINGS = 8  # changed over and over, so that the workers' batches overlap on them
CHANGE_PAUSE_SECONDS = 0.02
WORKER_EXIT_SECONDS = 300
QUICK_SECONDS = 2.0  # well under SQLite's 5 s busy timeout, which a waiting search used to hit
MEETINGS = {"location": {"postal_code": "94110"}, "needs": ["sober_social.meeting"], "limit": 50}


@pytest.fixture(scope="module")
def seed_path(tmp_path_factory) -> Path:
    """Return a SQLite file holding the demo directory (each test copies it)."""
    path = tmp_path_factory.mktemp("sync") / "seed.sqlite3"
    load_seed(path)
    return path


@pytest.fixture
def es_app(seed_path, tmp_path, use_elasticsearch):
    """Return an app on a copy of the demo directory, searching an alias of its own."""
    database = tmp_path / "sync.sqlite3"
    database.write_bytes(seed_path.read_bytes())
    app = create_app({"DATABASE": str(database), "TESTING": True, "NOW": NOW})
    use_elasticsearch(app, f"sync-{uuid.uuid4().hex[:8]}")
    return app


def _publish(app, listing: str, change: int) -> None:
    """Publish one change of a listing: a new name, or every fifth time a status flip."""
    with app.app_context(), store.session() as session:
        doc = listings.load_document(session, listing)
        if change % 5 == 4:
            flipped = "unpublished" if doc["status"] == "published" else "published"
            doc = doc | {"status": flipped}
        else:
            doc = doc | {"name": f"{doc['name'].split(' #')[0]} #{change}"}
        listings.save(session, [doc], "test", NOW)
        session.commit()


def _indexed_in_elasticsearch(app) -> dict[str, dict]:
    with Elasticsearch(app.config["ELASTICSEARCH_URL"]) as es:
        found = es.search(
            index=app.config["ELASTICSEARCH_INDEX"], size=10_000, query={"match_all": {}}
        )
    return {h["_id"]: elastic.search_document(h["_source"]) for h in found["hits"]["hits"]}


def test_workers_syncing_at_once_leave_every_index_as_the_store_is(es_app, tmp_path):
    config = es_app.config
    with es_app.app_context(), store.session() as session:
        hot = session.scalars(
            select(store.Listing.id)
            .where(store.Listing.status == "published")
            .order_by(store.Listing.id)
            .limit(HOT_LISTINGS)
        ).all()
    stop = tmp_path / "stop"
    command = [sys.executable, "-m", "tests.sync_worker", config["DATABASE"]]
    command += [config["ELASTICSEARCH_URL"], config["ELASTICSEARCH_INDEX"], str(stop)]
    logs = [tmp_path / f"worker-{n}.log" for n in range(WORKERS)]
    workers = []
    for log in logs:
        with log.open("wb") as errors:
            workers.append(
                subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=errors)
            )
    try:
        for worker, log in zip(workers, logs, strict=True):
            # each has replayed the outbox once: all of them are syncing
            assert worker.stdout.readline() == b"synced\n", log.read_text()[-3000:]
        for change in range(CHANGES):
            _publish(es_app, hot[change % len(hot)], change)
            time.sleep(CHANGE_PAUSE_SECONDS)
    finally:
        stop.touch()
        outcomes = [worker.communicate(timeout=WORKER_EXIT_SECONDS) for worker in workers]
    for worker, log, (rounds, _) in zip(workers, logs, outcomes, strict=True):
        assert worker.returncode == 0, log.read_text()[-3000:]
        assert int(rounds) > 2  # it synced while the listings changed

    # Each index holds every published listing as the store has it now: none older, none
    # missing, none unpublished; each position is the outbox's end.
    with es_app.app_context(), store.session() as session:
        ids = session.scalars(select(store.Listing.id)).all()
        published = session.scalars(
            select(store.Listing.id).where(store.Listing.status == "published")
        ).all()
        stops = search.load_stops(session)
        expected = {d["id"]: d for d in search.published_documents(session, stops, published)}
        last = session.scalar(select(func.max(store.OutboxEntry.seq)))
        cluster, embedded = search.engine(), search.fallback()
        assert cluster.position() == last and embedded.position() == last
        assert embedded.documents(list(ids)) == expected
    assert _indexed_in_elasticsearch(es_app) == expected


def test_a_lagging_worker_cannot_bring_back_an_older_document(es_app, monkeypatch):
    # Worker A reads its batch, then its writes hang on the way to the cluster (a stalled
    # connection); meanwhile the listings change again and worker B applies that. When A's
    # writes arrive at last, the cluster must keep B's newer documents and the position B set.
    result = es_app.test_cli_runner().invoke(args=["reindex"])
    assert result.exit_code == 0, result.output
    with es_app.app_context(), store.session() as session:
        renamed, removed = session.scalars(
            select(store.Listing.id).where(store.Listing.status == "published").limit(2)
        ).all()
        newest = f"{listings.load_document(session, renamed)['name']} #2"
    _publish(es_app, renamed, 0)
    _publish(es_app, removed, 1)
    node = urlparse(es_app.config["ELASTICSEARCH_URL"])
    db = store.engine(es_app)
    with StallingProxy(node.hostname, node.port) as proxy:
        lagging = ElasticEngine.from_config({**es_app.config, "ELASTICSEARCH_URL": proxy.url}, db)
        read = threading.Event()
        documents = search.published_documents

        def read_then_stall(*args):
            docs = list(documents(*args))
            if threading.current_thread() is worker and not read.is_set():
                proxy.stall()  # A has read its documents; its writes wait in the proxy
                read.set()
            return docs

        monkeypatch.setattr(search, "published_documents", read_then_stall)
        failures = []

        def sync_lagging() -> None:
            try:
                with store.session(es_app) as session:
                    search.sync(lagging, session)
            except Exception as exc:  # reported below, with the test's own failure
                failures.append(exc)

        worker = threading.Thread(target=sync_lagging)
        worker.start()
        assert read.wait(30)
        _publish(es_app, renamed, 2)
        _publish(es_app, removed, 4)  # unpublished
        with es_app.app_context(), store.session() as session:
            search.sync(search.engine(), session)  # worker B
            last = session.scalar(select(func.max(store.OutboxEntry.seq)))
        # From now on, watch what searches would see while A's writes arrive and A goes on.
        seen = []
        with Elasticsearch(es_app.config["ELASTICSEARCH_URL"]) as es:
            proxy.resume()
            while worker.is_alive():
                seen.append(_index_state(es, es_app, renamed, removed))
            worker.join()
            seen.append(_index_state(es, es_app, renamed, removed))
        assert failures == []
    assert set(seen) == {(newest, False, last)}, set(seen)


def _index_state(es, app, renamed: str, removed: str) -> tuple[str, bool, int]:
    """Return the indexed name of one listing, whether another is indexed, and the position."""
    alias = app.config["ELASTICSEARCH_INDEX"]
    name = es.get(index=alias, id=renamed, source_includes=["name"])["_source"]["name"]
    with store.engine(app).connect() as connection:
        (position,) = connection.execute(
            select(store.IndexState.position).where(
                store.IndexState.engine.startswith("elasticsearch:")
            )
        ).one()
    return name, es.exists(index=alias, id=removed).body, position


def _match(client) -> tuple[int, dict, float]:
    started = time.monotonic()
    response = client.post("/api/v1/match", json=MEETINGS)
    return response.status_code, response.get_json(), time.monotonic() - started


@pytest.mark.parametrize("engine", ["embedded", "elasticsearch"])
def test_a_search_while_another_process_holds_the_store_answers_at_once(es_app, engine):
    if engine == "embedded":
        es_app.config["SEARCH"] = "embedded"
    else:
        result = es_app.test_cli_runner().invoke(args=["reindex"])
        assert result.exit_code == 0, result.output
    client = es_app.test_client()
    status, before, _ = _match(client)
    assert status == 200 and not before["degraded"]
    listing = before["results"][0]["id"]
    with es_app.app_context(), store.session() as session:
        doc = listings.load_document(session, listing)
        listings.save(session, [doc | {"name": "Renamed Before The Lock"}], "test", NOW)
        session.commit()

    with write_lock_held(es_app.config["DATABASE"]):
        for _ in range(2):
            status, body, seconds = _match(client)
            assert status == 200, body
            assert seconds < QUICK_SECONDS, seconds
            assert not body["degraded"] and body["total"] == before["total"]
    # The lock released: the change reaches the index at the next search.
    status, body, _ = _match(client)
    assert status == 200
    assert {r["name"] for r in body["results"] if r["id"] == listing} == {"Renamed Before The Lock"}
