"""Elasticsearch as the engine: rebuilds behind an alias, the outbox, an outage, degraded search.

Everything runs against real nodes: the test node `make test` starts, and for the outage a second
node this module starts and stops with the project's own script (es/es.sh).
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch
from sqlalchemy import func, select

from resdir import create_app, search, store
from resdir.search import elastic
from resdir.search.elastic import ElasticEngine

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "data" / "seed"
ES_SCRIPT = REPO / "es" / "es.sh"
OUTAGE_PORT = 9251
RECOVERY_SECONDS = 60.0  # for searches to catch up with a restarted node, a batch at a time
MEETINGS = {"location": {"postal_code": "94110"}, "needs": ["sober_social.meeting"], "limit": 50}
HOUSING = {
    "location": {"postal_code": "94103"},
    "needs": ["housing", "childcare"],
    "barriers": ["on_moud"],
    "limit": 100,
}


def _app(database: Path, **config):
    return create_app({"DATABASE": str(database), "TESTING": True, **config})


def _cli(app, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output


def _match(client, profile: dict) -> dict:
    response = client.post("/api/v1/match", json=profile)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def _ids(body: dict) -> list[str]:
    return [r["id"] for r in body["results"]]


def _indexes(app) -> dict[str, list[str]]:
    """Return the indexes named after the app's alias, each with its aliases."""
    alias = app.config["ELASTICSEARCH_INDEX"]
    with Elasticsearch(app.config["ELASTICSEARCH_URL"]) as es:
        found = es.indices.get_alias(index=f"{alias}-*")
    return {name: sorted(entry["aliases"]) for name, entry in found.items()}


def _indexed_ids(app) -> set[str]:
    with Elasticsearch(app.config["ELASTICSEARCH_URL"]) as es:
        found = es.search(
            index=app.config["ELASTICSEARCH_INDEX"],
            size=10_000,
            source=False,
            query={"match_all": {}},
        )
    return {hit["_id"] for hit in found["hits"]["hits"]}


def _published_ids(app) -> set[str]:
    with app.app_context(), store.session() as session:
        return set(
            session.scalars(select(store.Listing.id).where(store.Listing.status == "published"))
        )


def _last_change(app) -> int:
    with app.app_context(), store.session() as session:
        return session.scalar(select(func.max(store.OutboxEntry.seq)))


@pytest.fixture
def es_app(tmp_path, use_elasticsearch):
    """Return an app on the test node holding the demo directory, loaded through the CLI."""
    app = _app(tmp_path / "es.sqlite3")
    use_elasticsearch(app, uuid.uuid4().hex[:8])
    _cli(app, "init-db")
    output = _cli(app, "ingest", str(SEED / "manifest.toml"))
    assert "search index (elasticsearch) rebuilt: 353 listings" in output  # GTFS stops came in
    return app


def test_reindex_swaps_the_alias_while_searches_keep_answering(es_app):
    client = es_app.test_client()
    expected = _match(client, MEETINGS)
    (first,) = _indexes(es_app)
    answers, failures = [], []
    done = threading.Event()

    def search_until_done():
        searcher = es_app.test_client()
        while not done.is_set():
            response = searcher.post("/api/v1/match", json=MEETINGS)
            body = response.get_json()
            if response.status_code != 200 or body["degraded"]:
                failures.append((response.status_code, body))
            else:
                answers.append((_ids(body), body["total"], body["hidden"]))

    searcher = threading.Thread(target=search_until_done)
    searcher.start()
    try:
        for _ in range(3):
            output = _cli(es_app, "reindex")
            assert "indexed 353 published listings (elasticsearch)" in output
    finally:
        done.set()
        searcher.join()
    assert failures == []
    assert len(answers) >= 5  # searches really ran across the three swaps
    assert set(map(json.dumps, answers)) == {
        json.dumps((_ids(expected), expected["total"], expected["hidden"]))
    }
    # the alias moved to a new index each time; each old one is gone
    ((last, aliases),) = _indexes(es_app).items()
    assert last != first and aliases == [es_app.config["ELASTICSEARCH_INDEX"]]


def test_a_failed_load_deletes_the_new_index_and_the_old_one_serves_on(es_app, monkeypatch):
    client = es_app.test_client()
    before = _indexes(es_app)
    expected = _match(client, HOUSING)
    victim = expected["results"][0]["id"]
    indexed = elastic.es_document

    def one_bad_document(sdoc: dict) -> dict:
        doc = indexed(sdoc)
        if doc["id"] == victim:
            doc["min_age"] = "eighteen"  # the mapping refuses it
        return doc

    monkeypatch.setattr(elastic, "es_document", one_bad_document)
    result = es_app.test_cli_runner().invoke(args=["reindex"])
    assert result.exit_code == 1
    assert "reindex failed, the old index still serves" in result.output
    assert f"1 documents refused ({victim}: 400" in result.output
    assert _indexes(es_app) == before  # no half-built index left, the alias untouched
    after = _match(client, HOUSING)
    assert not after["degraded"] and _ids(after) == _ids(expected)


# A rebuild in a process of its own that stops in the middle of its load, as a killed one does.
INTERRUPTED_REBUILD = """
import sys, time
from pathlib import Path
from resdir import create_app, search, store

database, url, alias, marker = sys.argv[1:]
app = create_app({"DATABASE": database, "TESTING": True, "SEARCH": "elasticsearch",
                  "ELASTICSEARCH_URL": url, "ELASTICSEARCH_INDEX": alias})

def stall(docs, total):
    for n, doc in enumerate(docs):
        if n == 10:
            Path(marker).touch()
            time.sleep(600)
        yield doc

with app.app_context(), store.session() as session:
    search.rebuild(search.engine(), session, stall)
"""


def _killed_mid_rebuild(app, tmp_path: Path) -> None:
    """Run a rebuild in another process and kill it (SIGKILL) while it loads."""
    marker = tmp_path / "loading"
    config = app.config
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            INTERRUPTED_REBUILD,
            config["DATABASE"],
            config["ELASTICSEARCH_URL"],
            config["ELASTICSEARCH_INDEX"],
            str(marker),
        ],
        cwd=REPO,
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert process.poll() is None, "the rebuild ended before it loaded"
            assert time.monotonic() < deadline, "the rebuild did not start loading"
            time.sleep(0.1)
    finally:
        process.kill()
        process.wait()


def test_a_rebuild_deletes_the_indexes_interrupted_rebuilds_left(es_app, tmp_path):
    alias = es_app.config["ELASTICSEARCH_INDEX"]
    (live,) = _indexes(es_app)
    _killed_mid_rebuild(es_app, tmp_path)
    (killed,) = set(_indexes(es_app)) - {live}
    left = f"{alias}-20261130120000-0badf00d"  # a failed load that could not delete its index
    building = f"{alias}-20261202180000-5ca1ab1e"  # a rebuild still running, in this process
    unrelated = f"{alias}-archive"
    with Elasticsearch(es_app.config["ELASTICSEARCH_URL"]) as es:
        es.indices.create(index=left)
        es.indices.create(index=unrelated)
        builder = {"build": {"host": socket.gethostname(), "pid": os.getpid()}}
        es.indices.create(index=building, mappings={"_meta": builder})
    assert {killed, left, building, unrelated} < set(_indexes(es_app))

    output = _cli(es_app, "reindex")
    assert "indexed 353 published listings (elasticsearch)" in output
    indexes = _indexes(es_app)
    (rebuilt,) = [name for name, aliases in indexes.items() if aliases == [alias]]
    assert set(indexes) == {rebuilt, building, unrelated}  # the orphans are gone, the rest kept
    assert not _match(es_app.test_client(), MEETINGS)["degraded"]


def _feed(path: Path, meetings: list[dict]) -> Path:
    path.write_text(json.dumps(meetings), encoding="utf-8")
    return path


def _meeting(slug: str, name: str, time: str) -> dict:
    return {
        "name": name,
        "slug": slug,
        "day": 3,
        "time": time,
        "end_time": "21:00",
        "types": ["O", "D"],
        "location": "Quillfeather Hall",
        "address": "3200 22nd St",
        "city": "San Francisco",
        "state": "CA",
        "postal_code": "94110",
        "latitude": 37.75532,
        "longitude": -122.41939,
        "timezone": "America/Los_Angeles",
        "updated": "2026-11-20 10:00:00",
    }


def test_listing_changes_reach_the_index_in_order(es_app, tmp_path):
    client = es_app.test_client()
    find = {**MEETINGS, "q": "quillfeather"}
    feed = tmp_path / "quillfeather.json"
    first = [
        _meeting("a", "Quillfeather Wednesday Step Study", "19:00"),
        _meeting("b", "Quillfeather Wednesday Big Book", "20:00"),
    ]
    _cli(es_app, "ingest", str(_feed(feed, first)))
    names = {r["name"] for r in _match(client, find)["results"]}
    assert names == {"Quillfeather Wednesday Step Study", "Quillfeather Wednesday Big Book"}
    # renamed twice and the other one dropped from the feed (half of it: allowed by hand): the
    # index holds the last state
    for name in ("Quillfeather Wednesday Candlelight", "Quillfeather Wednesday Speakers"):
        only = _feed(feed, [_meeting("a", name, "19:00")])
        _cli(es_app, "ingest", str(only), "--allow-shrink")
    body = _match(client, find)
    assert [r["name"] for r in body["results"]] == ["Quillfeather Wednesday Speakers"]
    assert _indexed_ids(es_app) == _published_ids(es_app)
    engine = ElasticEngine.from_config(es_app.config, store.engine(es_app))
    assert engine.position() == _last_change(es_app)


class Node:
    """A second Elasticsearch node, started and stopped by es/es.sh as a developer would."""

    def __init__(self, state: Path):
        self.env = {**os.environ, "RESDIR_ES_PORT": str(OUTAGE_PORT), "RESDIR_ES_STATE": str(state)}
        self.url = f"http://127.0.0.1:{OUTAGE_PORT}"

    def _run(self, command: str) -> None:
        done = subprocess.run(
            [str(ES_SCRIPT), command], env=self.env, capture_output=True, text=True, timeout=180
        )
        assert done.returncode == 0, done.stderr

    def start(self) -> None:
        self._run("start")

    def stop(self) -> None:
        self._run("stop")


@pytest.fixture(scope="module")
def outage_node(elasticsearch_url):
    """Return a node of this module's own, so that stopping it disturbs no other test."""
    # The node may run as another user (never as root), so its state lives in a directory
    # that user can reach.
    state = Path(tempfile.mkdtemp(prefix="resdir-es-outage-"))
    state.chmod(0o755)
    node = Node(state)
    node.start()
    yield node
    node.stop()
    shutil.rmtree(state, ignore_errors=True)


def test_an_outage_loses_no_change_and_searches_degrade_then_recover(
    outage_node, tmp_path, monkeypatch
):
    database = tmp_path / "outage.sqlite3"
    app = _app(
        database,
        SEARCH="elasticsearch",
        ELASTICSEARCH_URL=outage_node.url,
        ELASTICSEARCH_INDEX="resdir-outage",
        ELASTICSEARCH_TIMEOUT_SECONDS=5,
    )
    embedded = _app(database)  # the same store, searched by the embedded engine only
    client, reference = app.test_client(), embedded.test_client()
    _cli(app, "init-db")
    meetings = sorted(str(p) for p in (SEED / "meetings").glob("*.json"))
    output = _cli(app, "ingest", *meetings)
    assert "search index (elasticsearch) updated" in output

    # The node stops in the middle of the next ingest's index update (after its first batch).
    monkeypatch.setattr(search, "SYNC_BATCH", 25)
    catch_up = ElasticEngine.catch_up

    def catch_up_then_stop(self, session):
        changed = catch_up(self, session)
        outage_node.stop()
        return changed

    monkeypatch.setattr(ElasticEngine, "catch_up", catch_up_then_stop)
    output = _cli(app, "ingest", str(SEED / "hsds"))
    monkeypatch.setattr(ElasticEngine, "catch_up", catch_up)
    assert "search index (elasticsearch) not updated, the changes wait in the outbox" in output
    assert "search index (embedded) updated" in output

    # Searches during the outage: the embedded index answers, and says so.
    body = _match(client, HOUSING)
    assert body["degraded"] is True
    assert body["total"] > 0 and _ids(body) == _ids(_match(reference, HOUSING))
    # Without an embedded index to stand in: 503, the error envelope, when to retry.
    app.config["SEARCH_FALLBACK"] = False
    response = client.post("/api/v1/match", json=HOUSING)
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert response.get_json()["error"]["code"] == "search_unavailable"
    assert "Traceback" not in response.get_data(as_text=True)
    app.config["SEARCH_FALLBACK"] = True

    # After that ingest, still down: another source's changes wait too.
    residences = ["--mapping", str(SEED / "residences.mapping.toml")]
    output = _cli(app, "ingest", str(SEED / "residences.csv"), *residences)
    assert "search index (elasticsearch) not updated" in output

    # The node is back: the searches that follow bring the index up to date, a batch each
    # within their budget, and nothing was lost.
    outage_node.start()
    deadline = time.monotonic() + RECOVERY_SECONDS
    while _match(client, HOUSING)["degraded"] and time.monotonic() < deadline:
        time.sleep(0.2)
    for profile in (HOUSING, MEETINGS, {**HOUSING, "needs": ["housing.recovery_residence"]}):
        body = _match(client, profile)
        assert body["degraded"] is False
        assert _ids(body) == _ids(_match(reference, profile)) and body["total"] > 0
    assert _indexed_ids(app) == _published_ids(app)
    engine = ElasticEngine.from_config(app.config, store.engine(app))
    assert engine.position() == _last_change(app)
