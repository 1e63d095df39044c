"""A hung Elasticsearch node: searches degrade within a budget, through Flask and gunicorn.

The node answers through a TCP proxy in the test that can stall: connections stay open and
accepted, nothing goes through, as with a node stuck in garbage collection or a dead load balancer
in front of it. Every answer must come well inside gunicorn's worker timeout.
"""

import http.client
import json
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlparse

import pytest

from resdir import create_app, listings, store
from tests.clock import NOW
from tests.proxy import StallingProxy
from tests.seed import load_seed
from tests.server import WORKER_TIMEOUT_SECONDS, Gunicorn

DEGRADED_WITHIN_SECONDS = 3.0
GUNICORN_WORKERS = 2
WARM_UP_ROUNDS = 20
RECOVERY_SECONDS = 20.0  # how long a test waits for searches to use the cluster again
MEETINGS = {"location": {"postal_code": "94110"}, "needs": ["sober_social.meeting"], "limit": 50}


def _ids(body: dict) -> list[str]:
    return [r["id"] for r in body["results"]]


@pytest.fixture(scope="module")
def seed_path(tmp_path_factory) -> Path:
    """Return a SQLite file holding the demo directory (each test copies it)."""
    path = tmp_path_factory.mktemp("stalled") / "seed.sqlite3"
    load_seed(path)
    return path


@pytest.fixture
def stalled_app(seed_path, tmp_path, elasticsearch_url, elasticsearch_prefix):
    """Return (app, proxy): the demo directory on the test node reached through a proxy, its
    index built."""
    database = tmp_path / "stalled.sqlite3"
    database.write_bytes(seed_path.read_bytes())
    node = urlparse(elasticsearch_url)
    with StallingProxy(node.hostname, node.port) as proxy:
        app = create_app({"DATABASE": str(database), "TESTING": True, "NOW": NOW})
        app.config.update(
            SEARCH="elasticsearch",
            ELASTICSEARCH_URL=proxy.url,
            ELASTICSEARCH_INDEX=f"{elasticsearch_prefix}-{tmp_path.name[-20:].lower()}",
        )
        result = app.test_cli_runner().invoke(args=["reindex"])
        assert result.exit_code == 0, result.output
        yield app, proxy


def _rename(app, listing: str, name: str) -> None:
    """Publish a change of one listing's name, as a review or a feed would."""
    with app.app_context(), store.session() as session:
        doc = listings.load_document(session, listing)
        listings.save(session, [doc | {"name": name}], "test", NOW)
        session.commit()


def _timed(post) -> tuple[float, int, dict, dict]:
    started = time.monotonic()
    status, body, headers = post()
    return time.monotonic() - started, status, body, headers


def _until_recovered(post) -> dict:
    deadline = time.monotonic() + RECOVERY_SECONDS
    while True:
        status, body, _ = post()
        assert status == 200, body
        if not body["degraded"] or time.monotonic() > deadline:
            return body
        time.sleep(0.2)


def _flask_post(app):
    client = app.test_client()

    def post():
        response = client.post("/api/v1/match", json=MEETINGS)
        return response.status_code, response.get_json(), response.headers

    return post


def test_a_stalled_node_degrades_within_the_budget_and_recovers(stalled_app):
    app, proxy = stalled_app
    post = _flask_post(app)
    healthy = _until_recovered(post)  # a busy machine's first search may miss the budget
    assert not healthy["degraded"] and healthy["total"] > 0
    first = healthy["results"][0]

    proxy.stall()
    # A change waits in the outbox: the sync before the search meets the stalled node first.
    _rename(app, first["id"], "Renamed While The Node Hung")
    timings = []
    for _ in range(2):
        seconds, status, body, _ = _timed(post)
        timings.append(seconds)
        assert status == 200 and body["degraded"] is True
        assert _ids(body) == _ids(healthy)  # the embedded index answers, up to date
        assert body["results"][0]["name"] == "Renamed While The Node Hung"
    assert max(timings) < DEGRADED_WITHIN_SECONDS, timings

    # Without an embedded index to stand in: the 503 envelope, within the budget too.
    app.config["SEARCH_FALLBACK"] = False
    seconds, status, body, headers = _timed(post)
    assert status == 503 and headers["Retry-After"]
    assert body["error"]["code"] == "search_unavailable"
    assert seconds < DEGRADED_WITHIN_SECONDS, seconds
    app.config["SEARCH_FALLBACK"] = True

    proxy.resume()
    body = _until_recovered(post)
    assert body["degraded"] is False, "searches did not go back to the cluster"
    assert _ids(body) == _ids(healthy)
    assert body["results"][0]["name"] == "Renamed While The Node Hung"  # the outbox caught up


def _http_post(port: int):
    def post():
        connection = http.client.HTTPConnection(
            "127.0.0.1", port, timeout=WORKER_TIMEOUT_SECONDS + 10
        )
        try:
            connection.request(
                "POST", "/api/v1/match", json.dumps(MEETINGS), {"Content-Type": "application/json"}
            )
            response = connection.getresponse()
            data = response.read()
            body = json.loads(data) if response.status in (200, 503) else data
            return response.status, body, dict(response.getheaders())
        finally:
            connection.close()

    return post


def _warm_every_worker(post, access: Path) -> dict:
    """Send searches, as many at once as there are workers, until each worker has answered one
    (a worker's first request imports and loads what it needs); return a healthy answer."""
    for _ in range(WARM_UP_ROUNDS):
        with ThreadPoolExecutor(GUNICORN_WORKERS) as pool:
            answers = list(pool.map(lambda _: post(), range(GUNICORN_WORKERS)))
        assert [status for status, _, _ in answers] == [200] * GUNICORN_WORKERS, answers
        if len(set(access.read_text().split())) == GUNICORN_WORKERS:
            healthy = _until_recovered(post)
            assert not healthy["degraded"], healthy
            return healthy
    raise AssertionError("not every worker answered")


def test_a_stalled_node_degrades_within_the_budget_through_gunicorn(stalled_app, tmp_path):
    app, proxy = stalled_app
    config = app.config
    settings = {
        "DATABASE": config["DATABASE"],
        "SEARCH": "elasticsearch",
        "ELASTICSEARCH_URL": config["ELASTICSEARCH_URL"],
        "ELASTICSEARCH_INDEX": config["ELASTICSEARCH_INDEX"],
        "SECRET_KEY": "stalled-node-test",
    }
    access = tmp_path / "access.log"
    with Gunicorn(
        settings, tmp_path / "gunicorn.log", GUNICORN_WORKERS, threads=1, access_log=access
    ) as server:
        post = _http_post(server.port)
        healthy = _warm_every_worker(post, access)

        proxy.stall()
        _rename(app, healthy["results"][0]["id"], "Renamed Behind Gunicorn")
        timings = []
        for _ in range(4):  # enough for both workers, twice each
            seconds, status, body, _ = _timed(post)
            timings.append(seconds)
            assert status == 200 and body["degraded"] is True, (status, body)
            assert body["results"][0]["name"] == "Renamed Behind Gunicorn"
        assert max(timings) < DEGRADED_WITHIN_SECONDS, timings

        proxy.resume()
        body = _until_recovered(post)
        assert body["degraded"] is False and _ids(body) == _ids(healthy)
    assert server.worker_errors() == []
