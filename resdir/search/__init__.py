"""Search: one protocol, engines behind it, and the outbox that keeps them up to date.

An engine indexes search documents (`resdir.search.documents.build`) and answers a match plan
with the qualifying listings in score order, the hidden counts by reason and facets. The outbox
(written in the same transaction as every listing change) is drained by `sync`: each engine keeps
its position in the store's `index_state`, so an engine that was down catches up where it
stopped. With Elasticsearch configured and the store in SQLite, the embedded index is kept too,
as the fallback that answers while the cluster is unreachable.

Any number of workers and processes sync at once: each outbox entry is a version of its listing,
an index never takes an older version over a newer one, and positions only move forward. A
search runs within a budget (`budget`): the engines' calls give up when it is spent, and nothing
waits long for the store's write lock.
"""

import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Protocol

from flask import Flask, current_app
from sqlalchemy import Connection, Engine, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from resdir import geo, listings, store
from resdir.matching.plan import STOP_WALK_METRES, MatchPlan
from resdir.search.documents import build

EXTENSION = "resdir.search"
_STOPS: dict = {}  # database URL -> (version of its stops, Stops)
SYNC_BATCH = 2000
# Within a search: smaller batches, so that a backlog (after an outage) is applied a batch at a
# time by the searches that follow, each within its budget, each batch's position kept.
SEARCH_SYNC_BATCH = 100
STOP_GRID_DEGREES = 0.01  # ~1 km cells: a stop within 800 m is in a cell's neighbourhood
# Within a search, how long to wait for the store's write lock (held for seconds by an ingest)
# before answering from the index as it stands.
LOCK_WAIT_SECONDS = 0.25
_DEADLINE: ContextVar[float | None] = ContextVar("search_deadline", default=None)


class SearchUnavailable(RuntimeError):
    """The search engine cannot be reached (or keeps failing) for now; the outbox waits."""


class StoreBusy(RuntimeError):
    """Another writer holds the store's write lock, and the search that wanted it cannot wait."""


class DocumentsRefused(RuntimeError):
    """Documents the search engine refused to index; each (listing id, status, reason)."""

    def __init__(self, failures: list[tuple[str, int, str]]):
        self.failures = failures
        first = "; ".join(f"{i}: {status} {reason}" for i, status, reason in failures[:3])
        super().__init__(f"{len(failures)} documents refused ({first})")


@dataclass
class CandidateSet:
    """An engine's answer to a plan: one page of qualifying ids, and what was hidden."""

    ids: list[str]  # by score (highest first), then id
    total: int  # qualifying listings in all (or those hidden by the reason revealed)
    hidden: dict[str, int]  # condition reason -> candidates it hid
    facets: dict[str, dict[str, int]] = field(default_factory=dict)


@dataclass
class Changes:
    """The outbox entries after an index's position, as writes: each listing once, with the
    last entry that changed it as its version."""

    last: int  # the last outbox entry they hold
    docs: list[tuple[dict, int]]  # (search document, version) of listings published now
    gone: list[tuple[str, int]]  # (listing id, version) of listings no longer published

    def __len__(self) -> int:
        return len(self.docs) + len(self.gone)


class SearchEngine(Protocol):
    """What every search engine does."""

    name: str

    def catch_up(self, session: Session) -> int:
        """Apply the next outbox entries this index has not seen (`pending`) and move its
        position past them; return how many listings changed (0: nothing to do now)."""

    def rebuild(self, docs: Iterable[dict], position: int) -> None:
        """Replace the whole index with these documents, which hold the outbox up to
        `position`; readers keep the old index until the new one is complete."""

    def search(
        self, plan: MatchPlan, offset: int, size: int, reveal: str | None = None
    ) -> CandidateSet:
        """Return one page of the qualifying listings in exact score order (ties by id),
        hidden counts and facets of the qualifying ones; with `reveal` (a condition's reason),
        the page and total are of the listings that condition hid instead."""

    def documents(self, ids: list[str]) -> dict[str, dict]:
        """Return the search documents of listings by id."""

    def position(self) -> int:
        """Return the last outbox entry this engine has applied."""


class Stops:
    """The transit stops loaded from GTFS feeds, for "a stop near both ends"."""

    def __init__(self, points: list[tuple[float, float]]):
        self.loaded = bool(points)
        self._cells = defaultdict(list)
        for lat, lon in points:
            self._cells[self._cell(lat, lon)].append((lat, lon))

    @staticmethod
    def _cell(lat: float, lon: float) -> tuple[int, int]:
        return int(lat // STOP_GRID_DEGREES), int(lon // STOP_GRID_DEGREES)

    def nearest_metres(self, point: tuple[float, float]) -> float | None:
        """Return the distance to the nearest stop within reach on foot, else None."""
        cy, cx = self._cell(*point)
        near = [
            geo.haversine_km(*point, lat, lon) * 1000
            for dy in (-1, 0, 1)
            for dx in (-1, 0, 1)
            for lat, lon in self._cells.get((cy + dy, cx + dx), ())
        ]
        best = min(near, default=None)
        return best if best is not None and best <= STOP_WALK_METRES else None

    def near(self, point: tuple[float, float]) -> bool:
        """Return whether a stop is within walking distance of a point."""
        return self.nearest_metres(point) is not None


@contextmanager
def budget(seconds: float) -> Iterator[None]:
    """Run a search's engine work within `seconds`: each Elasticsearch call waits at most what
    is left, and the store's write lock is waited for at most LOCK_WAIT_SECONDS."""
    token = _DEADLINE.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def remaining() -> float | None:
    """Return the seconds left of the running search's budget (None: no search, no budget)."""
    deadline = _DEADLINE.get()
    return None if deadline is None else deadline - time.monotonic()


def _locked(exc: OperationalError) -> bool:
    return "locked" in str(exc.orig) or "busy" in str(exc.orig)


@contextmanager
def writing(db: Engine, patient: bool = False) -> Iterator[Connection]:
    """Begin a store transaction that holds the write lock from its start (SQLite: BEGIN
    IMMEDIATE), so that two writers take turns and each reads what the other committed; within
    a search's budget, unless `patient`, wait for the lock at most LOCK_WAIT_SECONDS, then
    raise StoreBusy."""
    if db.dialect.name != "sqlite":
        with db.begin() as connection:
            yield connection
        return
    hurried = remaining() is not None and not patient
    with db.connect() as connection:
        waits = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
        if hurried:
            connection.exec_driver_sql(f"PRAGMA busy_timeout = {int(LOCK_WAIT_SECONDS * 1000)}")
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except OperationalError as exc:
            if hurried and _locked(exc):
                raise StoreBusy("another writer holds the store") from exc
            raise
        finally:
            connection.exec_driver_sql(f"PRAGMA busy_timeout = {waits}")
        yield connection
        connection.commit()


def load_stops(session: Session) -> Stops:
    """Return the present transit stops of the store (kept while the stops do not change)."""
    present = select(store.TransitStop.lat, store.TransitStop.lon).where(store.TransitStop.present)
    version = tuple(
        session.execute(
            select(
                func.count(), func.sum(store.TransitStop.lat), func.sum(store.TransitStop.lon)
            ).where(store.TransitStop.present)
        ).one()
    )
    url = session.get_bind().engine.url
    cached = _STOPS.get(url)
    if cached is None or cached[0] != version:
        rows = session.execute(present).all()
        cached = _STOPS[url] = (version, Stops([(lat, lon) for lat, lon in rows]))
    return cached[1]


def search_document(doc: dict, stops: Stops) -> dict:
    """Return the search document of a canonical listing, with its nearest stop."""
    point = doc.get("location")
    metres = stops.nearest_metres((point["lat"], point["lon"])) if point else None
    return build(doc, metres)


def read_position(bind: Engine | Connection, key: str) -> int:
    """Return the last outbox entry the index named `key` has applied (0: none)."""
    with bind.connect() if isinstance(bind, Engine) else nullcontext(bind) as connection:
        found = connection.scalar(
            select(store.IndexState.position).where(store.IndexState.engine == key)
        )
    return found or 0


def last_entry(db: Engine) -> int:
    """Return the outbox's last entry (0: empty)."""
    with db.connect() as connection:
        return connection.scalar(select(func.max(store.OutboxEntry.seq))) or 0


def advance_position(connection: Connection, key: str, position: int) -> None:
    """Record that the index named `key` has applied the outbox up to `position`, unless it
    is recorded further already: a slower worker never moves a position back."""
    table = store.IndexState.__table__
    dialect = sqlite if connection.dialect.name == "sqlite" else postgresql
    statement = dialect.insert(table).values(engine=key, position=position)
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=[table.c.engine],
            set_={"position": statement.excluded.position},
            where=table.c.position < statement.excluded.position,
        )
    )


def set_position(connection: Connection, key: str, position: int | None) -> None:
    """Record exactly where the index named `key` stands, as a rebuild does (None: forget it)."""
    table = store.IndexState.__table__
    connection.execute(delete(table).where(table.c.engine == key))
    if position is not None:
        advance_position(connection, key, position)


def published_documents(session: Session, stops: Stops, ids: list[str]) -> Iterable[dict]:
    """Yield the search documents of published listings, loaded a chunk at a time."""
    for chunk in listings.chunked(ids):
        docs = listings.load_documents(session, chunk)
        for listing_id in chunk:
            doc = docs.get(listing_id)
            if doc is not None and doc["status"] == "published":
                yield search_document(doc, stops)


def pending(session: Session, position: int) -> Changes | None:
    """Return the next outbox entries after `position` as index writes (None: there are none)."""
    rows = session.execute(
        select(store.OutboxEntry.seq, store.OutboxEntry.listing_id)
        .where(store.OutboxEntry.seq > position)
        .order_by(store.OutboxEntry.seq)
        .limit(SYNC_BATCH if remaining() is None else SEARCH_SYNC_BATCH)
    ).all()
    if not rows:
        return None
    versions = {listing_id: seq for seq, listing_id in rows}  # the last entry of each wins
    docs = list(published_documents(session, load_stops(session), list(versions)))
    live = {d["id"] for d in docs}
    return Changes(
        rows[-1][0],
        [(d, versions[d["id"]]) for d in docs],
        [(i, v) for i, v in versions.items() if i not in live],
    )


def sync(engine: SearchEngine, session: Session) -> int:
    """Apply the outbox entries the engine has not seen; return how many listings changed.

    Within a search's budget, stop when it is spent: the search answers from the index as it
    stands (an Elasticsearch search then degrades), and the next one goes on from there.
    """
    changed = 0
    while applied := engine.catch_up(session):
        changed += applied
        left = remaining()
        if left is not None and left <= 0:
            break
    return changed


Progress = Callable[[Iterable[dict], int], Iterable[dict]]


def rebuild(engine: SearchEngine, session: Session, progress: Progress | None = None) -> int:
    """Rebuild an engine's index from the store; return how many listings it holds.

    `progress(documents, total)` may wrap the documents as they stream (a progress bar).
    """
    stops = load_stops(session)
    last = session.scalar(select(func.max(store.OutboxEntry.seq))) or 0
    ids = session.scalars(
        select(store.Listing.id)
        .where(store.Listing.status == "published")
        .order_by(store.Listing.id)
    ).all()
    docs = published_documents(session, stops, list(ids))
    engine.rebuild(progress(docs, len(ids)) if progress else docs, last)
    return len(ids)


def engine(app: Flask | None = None) -> SearchEngine:
    """Return the app's search engine (RESDIR_SEARCH), made on first use."""
    app = app or current_app
    if app.config["SEARCH"] == "embedded":
        return _embedded(app)
    state = app.extensions.setdefault(EXTENSION, {})
    if "elasticsearch" not in state:
        from resdir.search.elastic import ElasticEngine

        state["elasticsearch"] = ElasticEngine.from_config(app.config, store.engine(app))
    return state["elasticsearch"]


def fallback(app: Flask | None = None) -> SearchEngine | None:
    """Return the embedded index that answers while Elasticsearch is unreachable, if any: it
    lives in the store, so only a SQLite store has one."""
    app = app or current_app
    if (
        app.config["SEARCH"] == "embedded"
        or not app.config["SEARCH_FALLBACK"]
        or store.engine(app).dialect.name != "sqlite"
    ):
        return None
    return _embedded(app)


def _embedded(app: Flask) -> SearchEngine:
    from resdir.search.embedded import EmbeddedEngine

    state = app.extensions.setdefault(EXTENSION, {})
    if "embedded" not in state:
        state["embedded"] = EmbeddedEngine(store.engine(app))
    return state["embedded"]


def engines(app: Flask | None = None) -> list[SearchEngine]:
    """Return every index the outbox feeds: the engine, then its fallback."""
    return [e for e in (engine(app), fallback(app)) if e is not None]
