"""Limit how often one client may do a thing: attempts counted per key in fixed windows, refused
past the limit with the wait until the window ends; and the public JSON API guarded per address.

Counts live in the store (`claim`: one row per key, counted by one UPDATE ... WHERE count <
limit and committed at once, so every process and host on the database agrees: the sign-in
limit, and the API's with RESDIR_API_RATE_LIMIT_STORAGE=database) or in this process's memory
(`MemoryCounts`: the API's default, no write per request; each gunicorn worker counts apart).
Every instant comes from resdir.clock: a test moves the clock to let a window pass.
"""

import ipaddress
import math
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

from flask import Flask, current_app, request
from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from resdir import clock, store
from resdir.config import ConfigError
from resdir.store import RateCounter

EXTENSION = "resdir.limits"
# The public JSON API, limited per client address; the agency API's routes carry a token.
LIMITED_ENDPOINTS = frozenset({"api.match_profile", "api.search", "api.listing", "api.vocab"})
LIMITED_BLUEPRINTS = frozenset({"hsds"})  # the HSDS API is public too, every route of it
STORAGES = ("memory", "database")
UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
RATE_PATTERN = re.compile(
    r"\s*(\d+)\s*(?:/|per)\s*(\d*)\s*(second|minute|hour|day)s?\s*", re.IGNORECASE
)
OFF = frozenset({"", "off"})
# A provider hands each IPv6 customer a /64 at least: one such network counts as one client,
# or a client could take a fresh address for every request.
IPV6_PREFIX = 64
# The most keys one process keeps; past it the oldest window is forgotten (bounded memory
# whatever the number of addresses knocking).
MEMORY_KEYS = 100_000
# A new key's row lost to another request inserting it at the same moment is counted again
# by the update; rounds beyond the second only follow a row pruned in between.
CLAIM_ROUNDS = 3


@dataclass(frozen=True)
class Rate:
    """At most `limit` attempts in each window of `window`."""

    limit: int
    window: timedelta
    text: str  # as the setting said it, for messages

    def __str__(self) -> str:
        return self.text


@cache
def parse_rate(setting: str | None) -> Rate | None:
    """Return the rate a setting such as "120/minute", "120 per minute" or "1000/5 minutes"
    names; None when it is off ("" or "off"); ValueError when it is none of these."""
    text = str(setting or "").strip()
    if text.lower() in OFF:
        return None
    found = RATE_PATTERN.fullmatch(text)
    limit, count = (int(found.group(1)), int(found.group(2) or 1)) if found else (0, 0)
    if limit < 1 or count < 1:
        raise ValueError(f"not a rate: {text!r}")
    unit = found.group(3).lower()
    per = f"{count} {unit}s" if count > 1 else unit
    return Rate(limit, timedelta(seconds=count * UNITS[unit]), f"{limit} per {per}")


def client_address(remote_addr: str | None) -> str:
    """Return whom a request is counted against: its IPv4 address, or its IPv6 /64."""
    try:
        address = ipaddress.ip_address(remote_addr or "")
    except ValueError:
        return remote_addr or "-"
    if address.version == 6:
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/{IPV6_PREFIX}", strict=False))
    return str(address)


def _utc(moment: datetime) -> datetime:
    # SQLite hands back the UTC instants it stored without their zone.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(1, math.ceil((moment - now).total_seconds()))


def claim(session: Session, key: str, limit: int, window: timedelta, now: datetime) -> int:
    """Count one attempt for `key` unless `limit` are counted in its window already; return 0
    when counted, else the seconds until the window ends. The caller commits, at once: until
    then the row stays locked and concurrent attempts wait for it.

    The count is raised by one UPDATE that holds the limit in its WHERE, so two attempts can
    never both take the last place.
    """
    table = RateCounter.__table__
    ends = now + window
    dialect = sqlite if session.get_bind().dialect.name == "sqlite" else postgresql
    for _round in range(CLAIM_ROUNDS):
        counted = session.execute(
            update(table)
            .where(table.c.key == key, table.c.expires_at > now, table.c.count < limit)
            .values(count=table.c.count + 1)
        ).rowcount
        if not counted:  # a window that has ended starts again with this attempt
            counted = session.execute(
                update(table)
                .where(table.c.key == key, table.c.expires_at <= now)
                .values(count=1, expires_at=ends)
            ).rowcount
        if not counted:  # a key not seen in any window still kept
            session.execute(delete(table).where(table.c.expires_at <= now))
            counted = session.execute(
                dialect.insert(table)
                .values(key=key, count=1, expires_at=ends)
                .on_conflict_do_nothing(index_elements=[table.c.key])
            ).rowcount
        if counted:
            return 0
        full_until = session.scalar(select(table.c.expires_at).where(table.c.key == key))
        if full_until is not None:
            return _seconds_until(_utc(full_until), now)
    return _seconds_until(ends, now)


def forget(session: Session, key: str) -> None:
    """Drop the count of `key` (in the caller's transaction): its next attempt starts a window."""
    session.execute(delete(RateCounter).where(RateCounter.key == key))


class MemoryCounts:
    """Fixed windows counted in this process's memory, thread-safe, oldest window first."""

    def __init__(self, max_keys: int = MEMORY_KEYS):
        self._lock = threading.Lock()
        self._windows: OrderedDict[str, list] = OrderedDict()  # key -> [count, window's end]
        self._max_keys = max_keys

    def claim(self, key: str, limit: int, window: timedelta, now: datetime) -> int:
        """Count one attempt for `key` unless `limit` are counted in its window already; return
        0 when counted, else the seconds until the window ends."""
        with self._lock:
            self._forget_ended(now)
            entry = self._windows.get(key)
            if entry is not None and entry[1] <= now:
                del self._windows[key]
                entry = None
            if entry is None:
                # Appended: the keys stay in the order their windows end.
                self._windows[key] = [1, now + window]
                while len(self._windows) > self._max_keys:
                    self._windows.popitem(last=False)
                return 0
            if entry[0] < limit:
                entry[0] += 1
                return 0
            return _seconds_until(entry[1], now)

    def _forget_ended(self, now: datetime) -> None:
        while self._windows:
            key, (_count, ends) = next(iter(self._windows.items()))
            if ends > now:
                return
            del self._windows[key]


def claim_here(kind: str, rate: Rate) -> int:
    """Count one `kind` attempt from the request's address in this process's memory; return 0
    when counted, else the seconds until its window ends. Only the count is kept, and only
    until the window ends."""
    key = f"{kind}:{client_address(request.remote_addr)}"
    return current_app.extensions[EXTENSION].claim(key, rate.limit, rate.window, clock.now())


def _refuse_api(wait: int, rate: Rate):
    # Imported here: the API's modules import accounts, which imports this module.
    from resdir.api.errors import envelope

    response, status = envelope(
        429,
        "rate_limited",
        f"Too many requests from your address: at most {rate}. Try again in {wait} seconds.",
    )
    response.headers["Retry-After"] = str(wait)
    return response, status


def _guard_api():
    """Refuse a public API request past the client address's rate (429, Retry-After)."""
    if request.endpoint not in LIMITED_ENDPOINTS and request.blueprint not in LIMITED_BLUEPRINTS:
        return None
    config = current_app.config
    rate = parse_rate(config["API_RATE_LIMIT"])
    if rate is None:
        return None
    key, now = f"api:{client_address(request.remote_addr)}", clock.now()
    if config["API_RATE_LIMIT_STORAGE"] == "database":
        with store.session() as session:
            wait = claim(session, key, rate.limit, rate.window, now)
            session.commit()
    else:
        wait = current_app.extensions[EXTENSION].claim(key, rate.limit, rate.window, now)
    return _refuse_api(wait, rate) if wait else None


def init_app(app: Flask) -> None:
    """Guard the public API with RESDIR_API_RATE_LIMIT, or fail fast naming a bad setting."""
    config = app.config
    for setting in ("API_RATE_LIMIT", "REPORT_RATE_LIMIT"):
        try:
            parse_rate(config[setting])
        except ValueError as exc:
            raise ConfigError(
                f"RESDIR_{setting} must be a rate such as '120/minute' or '1000 per hour', "
                f"or 'off' ({exc})"
            ) from exc
    if config["API_RATE_LIMIT_STORAGE"] not in STORAGES:
        raise ConfigError(f"RESDIR_API_RATE_LIMIT_STORAGE must be one of {', '.join(STORAGES)}")
    app.extensions[EXTENSION] = MemoryCounts()
    app.before_request(_guard_api)
