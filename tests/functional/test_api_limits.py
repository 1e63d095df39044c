"""Drive the public API's rate limit through the test client: a 429 in the API's envelope with
Retry-After past the limit, per client address, on the app's clock; counts in memory or in the
store; the agency API, the document and the pages untouched."""

import threading
from collections import Counter
from datetime import timedelta

import pytest

from resdir import create_app, store
from resdir.config import ConfigError
from tests.clock import NOW, clock_at

LIMITED = [
    ("get", "/api/v1/vocab", None),
    ("get", "/api/v1/listings/no-such-listing", None),
    ("get", "/api/v1/search?near=94110&limit=0", None),
    ("post", "/api/v1/match", {"location": {"postal_code": "94110"}, "limit": 0}),
]
CALLERS = 20  # concurrent requests against a limit of 5


def _app(database, **config):
    app = create_app({"DATABASE": str(database), "SECRET_KEY": "test-key", **config})
    with app.app_context():
        store.init_db()
    return app


@pytest.fixture
def app(tmp_path):
    """Return an app on an empty store allowing 3 API requests a minute from one address."""
    return _app(tmp_path / "db.sqlite3", API_RATE_LIMIT="3/minute")


def _call(client, method: str, path: str, body=None, address: str = "203.0.113.9"):
    return getattr(client, method)(path, json=body, environ_base={"REMOTE_ADDR": address})


@pytest.mark.parametrize(("method", "path", "body"), LIMITED)
def test_the_fourth_request_in_a_minute_is_a_429_in_the_envelope(app, method, path, body):
    client = app.test_client()
    answered = [_call(client, method, path, body).status_code for _ in range(3)]
    assert 429 not in answered
    refused = _call(client, method, path, body)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "60"
    assert refused.get_json() == {
        "error": {
            "code": "rate_limited",
            "message": "Too many requests from your address: at most 3 per minute. "
            "Try again in 60 seconds.",
            "fields": {},
        }
    }


def test_every_public_endpoint_counts_towards_one_limit(app):
    client = app.test_client()
    statuses = [_call(client, *call).status_code for call in LIMITED]
    assert statuses[:3] != [429] * 3 and statuses[3] == 429


def test_the_window_passes_on_the_apps_clock(app):
    client = app.test_client()
    for _ in range(3):
        assert _call(client, "get", "/api/v1/vocab").status_code == 200
    with clock_at(app, NOW + timedelta(seconds=45)):
        refused = _call(client, "get", "/api/v1/vocab")
        assert (refused.status_code, refused.headers["Retry-After"]) == (429, "15")
    with clock_at(app, NOW + timedelta(minutes=1)):
        assert _call(client, "get", "/api/v1/vocab").status_code == 200


def test_each_address_has_its_own_count_and_an_ipv6_network_is_one_address(app):
    client = app.test_client()
    for address in ("203.0.113.9", "2001:db8:5:6::1"):
        for _ in range(3):
            assert _call(client, "get", "/api/v1/vocab", address=address).status_code == 200
    assert _call(client, "get", "/api/v1/vocab", address="203.0.113.9").status_code == 429
    same_network = _call(client, "get", "/api/v1/vocab", address="2001:db8:5:6:abcd::7")
    assert same_network.status_code == 429
    assert _call(client, "get", "/api/v1/vocab", address="203.0.113.10").status_code == 200
    assert _call(client, "get", "/api/v1/vocab", address="2001:db8:5:7::1").status_code == 200


def test_the_document_the_agency_api_and_the_pages_are_not_limited(app):
    client = app.test_client()
    for _ in range(4):
        _call(client, "get", "/api/v1/vocab")
    assert _call(client, "get", "/api/openapi.json").status_code == 200
    assert _call(client, "get", "/api/docs").status_code == 200
    assert _call(client, "post", "/api/v1/submissions", {}).status_code == 401
    assert _call(client, "get", "/").status_code == 200


def test_the_limit_can_be_switched_off(tmp_path):
    app = _app(tmp_path / "db.sqlite3", API_RATE_LIMIT="off")
    client = app.test_client()
    assert {_call(client, "get", "/api/v1/vocab").status_code for _ in range(200)} == {200}


def test_the_default_allows_a_busy_client_and_stops_a_flood(tmp_path):
    app = _app(tmp_path / "db.sqlite3")
    assert app.config["API_RATE_LIMIT"] == "120/minute"
    client = app.test_client()
    statuses = Counter(_call(client, "get", "/api/v1/vocab").status_code for _ in range(150))
    assert statuses == {200: 120, 429: 30}


def test_memory_counts_are_per_process_and_database_counts_are_shared(tmp_path):
    database = tmp_path / "db.sqlite3"
    for storage, allowed in (("memory", 6), ("database", 3)):
        workers = [
            _app(database, API_RATE_LIMIT="3/minute", API_RATE_LIMIT_STORAGE=storage)
            for _ in range(2)
        ]
        clients = [worker.test_client() for worker in workers]
        address = f"198.51.100.{allowed}"
        statuses = [
            _call(client, "get", "/api/v1/vocab", address=address).status_code
            for _ in range(3)
            for client in clients
        ]
        assert statuses.count(200) == allowed, storage


@pytest.mark.parametrize("storage", ["memory", "database"])
def test_concurrent_requests_get_no_more_answers_than_the_limit(tmp_path, storage):
    app = _app(tmp_path / "db.sqlite3", API_RATE_LIMIT="5/minute", API_RATE_LIMIT_STORAGE=storage)
    start = threading.Barrier(CALLERS)
    statuses = Counter()
    lock = threading.Lock()

    def call() -> None:
        client = app.test_client()
        start.wait()
        status = _call(client, "get", "/api/v1/vocab").status_code
        with lock:
            statuses[status] += 1

    threads = [threading.Thread(target=call) for _ in range(CALLERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == {200: 5, 429: CALLERS - 5}


@pytest.mark.parametrize(
    ("config", "named"),
    [
        ({"API_RATE_LIMIT": "lots"}, "RESDIR_API_RATE_LIMIT"),
        ({"API_RATE_LIMIT": "0/minute"}, "RESDIR_API_RATE_LIMIT"),
        ({"API_RATE_LIMIT_STORAGE": "redis"}, "RESDIR_API_RATE_LIMIT_STORAGE"),
    ],
)
def test_a_setting_it_cannot_use_stops_the_app_from_starting(tmp_path, config, named):
    with pytest.raises(ConfigError, match=named):
        create_app({"DATABASE": str(tmp_path / "db.sqlite3"), **config})
