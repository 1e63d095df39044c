"""Test the rate limits' parts: settings, whom a request counts against, and fixed windows
counted in memory and in a real SQLite store."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from resdir import create_app, limits, store
from tests.clock import NOW

MINUTE = timedelta(minutes=1)


@pytest.mark.parametrize(
    ("setting", "limit", "seconds", "text"),
    [
        ("120/minute", 120, 60, "120 per minute"),
        ("120 per minute", 120, 60, "120 per minute"),
        (" 1000 / hours ", 1000, 3600, "1000 per hour"),
        ("30/5 minutes", 30, 300, "30 per 5 minutes"),
        ("2 per Second", 2, 1, "2 per second"),
    ],
)
def test_a_rate_is_read_from_its_setting(setting, limit, seconds, text):
    rate = limits.parse_rate(setting)
    assert (rate.limit, rate.window.total_seconds(), str(rate)) == (limit, seconds, text)


@pytest.mark.parametrize("setting", ["", "off", "OFF", None])
def test_a_rate_can_be_off(setting):
    assert limits.parse_rate(setting) is None


@pytest.mark.parametrize("setting", ["lots", "0/minute", "5/0 minutes", "5/fortnight", "-1/day"])
def test_a_setting_that_is_no_rate_is_refused(setting):
    with pytest.raises(ValueError, match="not a rate"):
        limits.parse_rate(setting)


@pytest.mark.parametrize(
    ("remote_addr", "client"),
    [
        ("203.0.113.9", "203.0.113.9"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.9", "203.0.113.9"),
        ("unix-socket", "unix-socket"),
        (None, "-"),
    ],
)
def test_a_request_counts_against_its_address_or_ipv6_network(remote_addr, client):
    assert limits.client_address(remote_addr) == client


def test_memory_counts_refuse_past_the_limit_until_the_window_ends():
    counts = limits.MemoryCounts()
    assert [counts.claim("a", 2, MINUTE, NOW) for _ in range(3)] == [0, 0, 60]
    assert counts.claim("b", 2, MINUTE, NOW) == 0  # another key, its own window
    assert counts.claim("a", 2, MINUTE, NOW + timedelta(seconds=59.5)) == 1
    assert counts.claim("a", 2, MINUTE, NOW + MINUTE) == 0  # a new window
    assert counts.claim("a", 2, MINUTE, NOW + MINUTE) == 0
    assert counts.claim("a", 2, MINUTE, NOW + MINUTE) == 60


def test_memory_counts_keep_a_bounded_number_of_keys():
    counts = limits.MemoryCounts(max_keys=3)
    for n in range(5):
        counts.claim(f"key-{n}", 1, MINUTE, NOW + timedelta(seconds=n))
    assert list(counts._windows) == ["key-2", "key-3", "key-4"]
    # Windows that have ended are forgotten as time goes on.
    counts.claim("key-5", 1, MINUTE, NOW + timedelta(seconds=63.5))
    assert list(counts._windows) == ["key-4", "key-5"]


@pytest.fixture
def db(tmp_path):
    """Return a session on a real SQLite store."""
    app = create_app({"DATABASE": str(tmp_path / "db.sqlite3"), "SECRET_KEY": "test"})
    with app.app_context():
        store.init_db()
        with store.session() as session:
            yield session


def _claim(db, key: str, at, limit: int = 2) -> int:
    wait = limits.claim(db, key, limit, MINUTE, at)
    db.commit()
    return wait


def test_store_counts_refuse_past_the_limit_until_the_window_ends(db):
    assert [_claim(db, "a", NOW) for _ in range(3)] == [0, 0, 60]
    assert _claim(db, "a", NOW + timedelta(seconds=30)) == 30
    assert _claim(db, "b", NOW) == 0
    assert _claim(db, "a", NOW + MINUTE) == 0  # a new window, in the same row
    rows = {r.key: (r.count, r.expires_at) for r in db.scalars(select(store.RateCounter))}
    assert rows == {
        "a": (1, (NOW + 2 * MINUTE).replace(tzinfo=None)),
        "b": (1, (NOW + MINUTE).replace(tzinfo=None)),
    }
    # A new key prunes the rows whose window has ended; forget() drops a key's count.
    assert _claim(db, "c", NOW + 2 * MINUTE) == 0
    assert sorted(db.scalars(select(store.RateCounter.key))) == ["c"]
    limits.forget(db, "c")
    db.commit()
    assert db.scalars(select(store.RateCounter)).all() == []
