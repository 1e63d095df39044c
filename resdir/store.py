"""Keep the system of record: SQLAlchemy 2 tables on SQLite by default, PostgreSQL by URL.

Nothing here is SQLite-specific except the connection pragmas, so a postgresql:// URL needs no code
change. Tables are made and changed by the migrations in resdir/migrations (`resdir db upgrade`,
or `resdir init-db`), never as a side effect of starting the app.
"""

import random
import time
from collections.abc import Callable
from datetime import datetime
from typing import ClassVar, TypeVar

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    create_engine,
    event,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

EXTENSION = "resdir.store"
SQLITE_BUSY_SECONDS = 5  # a writer's wait for SQLite's lock before it says "database is locked"
WRITE_ATTEMPTS = 8  # a write other writers got to first is run again this many times at most
WRITE_BACKOFF_SECONDS = 0.05  # the longest random wait before the second attempt, and so on
# No attempt starts this long after the first did: with SQLite's busy timeout on top, a write
# gives up well inside gunicorn's 30 s worker timeout.
WRITE_BUDGET_SECONDS = 12
# PostgreSQL's "could not serialize" and "deadlock detected": run the transaction again.
PG_RETRY_CODES = frozenset({"40001", "40P01"})
PG_UNIQUE_VIOLATION = "23505"  # a row created by another writer at the same moment
T = TypeVar("T")
SQLITE_MMAP_BYTES = 1 << 30
SQLITE_CACHE_KIB = 64 * 1024


class Base(DeclarativeBase):
    """Base of every table."""

    type_annotation_map: ClassVar = {dict: JSON, list: JSON, datetime: DateTime(timezone=True)}


class Source(Base):
    """A feed resdir ingests: a file, folder or URL with a stable id."""

    __tablename__ = "sources"
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str | None] = mapped_column(Text)
    format: Mapped[str | None] = mapped_column(String(40))
    location: Mapped[str | None] = mapped_column(Text)
    licence: Mapped[str | None] = mapped_column(Text)
    snapshot: Mapped[str] = mapped_column(String(10), default="full")  # full | partial
    facts: Mapped[dict] = mapped_column(default=dict)


class Organization(Base):
    """An organization offering listings, as its source names it."""

    __tablename__ = "organizations"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    source_id: Mapped[str] = mapped_column(ForeignKey("sources.id"))
    name: Mapped[str] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)


class Listing(Base):
    """A published (or unpublished) listing: the merge of its source records.

    `document` is the canonical listing without its attributes; the attributes live in
    `listing_attributes` so they can be queried, and `resdir.listings.document()` joins them.
    """

    __tablename__ = "listings"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    status: Mapped[str] = mapped_column(String(12), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    category: Mapped[str] = mapped_column(String(20), index=True)
    name: Mapped[str] = mapped_column(Text)
    organization_id: Mapped[str | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    postal_code: Mapped[str | None] = mapped_column(String(20), index=True)
    last_verified_at: Mapped[datetime | None]
    document: Mapped[dict]
    content_hash: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    # Every write names the version it started from (UPDATE ... WHERE version = :read): a writer
    # that read an older version fails with StaleDataError instead of overwriting a newer one.
    # `listings.save` numbers the versions itself, as history needs them.
    __mapper_args__: ClassVar = {"version_id_col": version, "version_id_generator": False}


class ListingAttribute(Base):
    """A known yes/no fact about a listing; an absent row means unknown."""

    __tablename__ = "listing_attributes"
    listing_id: Mapped[str] = mapped_column(
        ForeignKey("listings.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(3))
    source: Mapped[str] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)


class ListingSource(Base):
    """One source record and the listing it feeds; its document is what that source said."""

    __tablename__ = "listing_sources"
    source_id: Mapped[str] = mapped_column(ForeignKey("sources.id"), primary_key=True)
    record_key: Mapped[str] = mapped_column(String(300), primary_key=True)
    # Deferred: a new record is stored before the listing it creates is merged and saved.
    listing_id: Mapped[str] = mapped_column(
        ForeignKey("listings.id", deferrable=True, initially="DEFERRED"), index=True
    )
    document: Mapped[dict]
    content_hash: Mapped[str] = mapped_column(String(64))
    present: Mapped[bool] = mapped_column(Boolean, default=True)


class ListingVersion(Base):
    """A published version of a listing: who changed what, and when."""

    __tablename__ = "listing_history"
    __table_args__ = (Index("ux_listing_history_version", "listing_id", "version", unique=True),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    listing_id: Mapped[str] = mapped_column(ForeignKey("listings.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    change: Mapped[str] = mapped_column(String(20))  # created | updated | unpublished | republished
    changed_fields: Mapped[list] = mapped_column(default=list)
    author: Mapped[str] = mapped_column(Text)
    document: Mapped[dict]
    created_at: Mapped[datetime]


class OutboxEntry(Base):
    """A listing change waiting for the search index, in commit order."""

    __tablename__ = "outbox"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    listing_id: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime]


class IndexState(Base):
    """How far a search index has followed the outbox: the last entry it applied."""

    __tablename__ = "index_state"
    engine: Mapped[str] = mapped_column(String(200), primary_key=True)  # engine, or engine:index
    position: Mapped[int] = mapped_column(Integer)


class IngestRun(Base):
    """One ingest of one source, with its counts."""

    __tablename__ = "ingest_runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source_id: Mapped[str] = mapped_column(ForeignKey("sources.id"), index=True)
    path: Mapped[str] = mapped_column(Text)
    reader: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(12))  # completed | failed
    counts: Mapped[dict] = mapped_column(default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]


class ProblemRow(Base):
    """A problem from the latest run of a source; errors carry the rejected record's raw form."""

    __tablename__ = "problems"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("ingest_runs.id", ondelete="CASCADE"))
    source_id: Mapped[str] = mapped_column(String(100), index=True)
    type: Mapped[str] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(String(10))
    record_key: Mapped[str | None] = mapped_column(Text)
    line: Mapped[int | None] = mapped_column(Integer)
    field: Mapped[str | None] = mapped_column(Text)
    message: Mapped[str] = mapped_column(Text)
    raw: Mapped[dict | None] = mapped_column(JSON)


class TransitStop(Base):
    """A transit stop from a GTFS feed, with the routes serving it."""

    __tablename__ = "transit_stops"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    source_id: Mapped[str] = mapped_column(ForeignKey("sources.id"), index=True)
    stop_id: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    wheelchair_boarding: Mapped[str] = mapped_column(String(8))
    routes: Mapped[list] = mapped_column(default=list)
    content_hash: Mapped[str] = mapped_column(String(64))
    present: Mapped[bool] = mapped_column(Boolean, default=True)


class GeocodeCacheEntry(Base):
    """A remote geocoder's answer, kept so the same address is never asked twice."""

    __tablename__ = "geocode_cache"
    query: Mapped[str] = mapped_column(Text, primary_key=True)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    precision: Mapped[str | None] = mapped_column(String(12))
    created_at: Mapped[datetime]


class Account(Base):
    """A person who signs in: a directory admin, or staff of one organization."""

    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)  # stored lower-case
    name: Mapped[str | None] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(10))  # admin | staff
    organization_id: Mapped[str | None] = mapped_column(ForeignKey("organizations.id"))
    password_hash: Mapped[str | None] = mapped_column(Text)  # argon2; None until invited in
    # An agency account the admins trust: its capacity and "still accurate" updates publish at
    # once (RESDIR_AUTO_PUBLISH), everything else still goes through review.
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]


class Invitation(Base):
    """A one-time link inviting someone to set a password and join as admin or staff."""

    __tablename__ = "invitations"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the token
    email: Mapped[str] = mapped_column(String(320))
    role: Mapped[str] = mapped_column(String(10))
    organization_id: Mapped[str | None] = mapped_column(ForeignKey("organizations.id"))
    invited_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class ApiToken(Base):
    """A per-account token for the agency API: shown once, stored hashed, revocable."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    name: Mapped[str] = mapped_column(Text)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of the token
    prefix: Mapped[str] = mapped_column(String(16))  # its first characters, to tell tokens apart
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class AuditEntry(Base):
    """One sign-in, change or decision: who did what to what, and when. Never client data."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(Text)  # an account's email, "ingest:<source>" or "system"
    action: Mapped[str] = mapped_column(String(40), index=True)  # resdir.accounts.AUDIT_ACTIONS
    target: Mapped[str | None] = mapped_column(Text)  # "listing:<id>", "submission:<id>", ...
    remote_addr: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict] = mapped_column(default=dict)


class SignIn(Base):
    """A browser's signed-in session of an account. Its cookie carries a random id, the store
    its sha256; the session works until it expires or ends: at sign-out (that one), a password
    change (the others), a password reset or the account turned off (all)."""

    __tablename__ = "sign_ins"
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class PasswordReset(Base):
    """A one-time link an admin issued for an account to choose a new password."""

    __tablename__ = "password_resets"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the token
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    issued_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))  # None: the CLI
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class RateCounter(Base):
    """Attempts counted against a limit in a fixed window (resdir.limits): sign-ins per email
    and address, and API requests per address when their counts are kept in the store."""

    __tablename__ = "rate_counters"
    key: Mapped[str] = mapped_column(String(512), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[datetime] = mapped_column(index=True)  # the end of the key's window


class Submission(Base):
    """A change proposed to the directory, waiting for (or past) an admin's decision.

    `kind`: edit (fields of a listing), new (a whole listing), capacity, verify ("still
    accurate"), or conflict (a feed's new value for a field an agency edited more recently).
    `changes` maps canonical fields to proposed values (for `new`, the whole document); `base`
    holds the published values of those fields when it was made, for the diff.
    """

    __tablename__ = "submissions"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), index=True)  # pending | published | rejected
    listing_id: Mapped[str] = mapped_column(String(40), index=True)
    organization_id: Mapped[str | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    author: Mapped[str] = mapped_column(Text)  # an account's email, or "ingest:<source>"
    changes: Mapped[dict]
    base: Mapped[dict] = mapped_column(default=dict)
    base_version: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)  # the admin's note, which the agency sees
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(Text)


class ListingEdit(Base):
    """A field of a listing as an agency last published it, which a feed must not overwrite
    silently; `replaced` is the value the feed gave when the edit was published."""

    __tablename__ = "listing_edits"
    listing_id: Mapped[str] = mapped_column(
        ForeignKey("listings.id", ondelete="CASCADE"), primary_key=True
    )
    field: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[dict | list | str | int | float | bool | None] = mapped_column(JSON)
    replaced: Mapped[dict | list | str | int | float | bool | None] = mapped_column(JSON)
    edited_at: Mapped[datetime]
    author: Mapped[str] = mapped_column(Text)


class ListingReport(Base):
    """A problem a member of the public reported with a listing, waiting for (or past) an
    admin's decision. Nothing about the reporter is kept: no account, name or address."""

    __tablename__ = "listing_reports"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    listing_id: Mapped[str] = mapped_column(ForeignKey("listings.id"), index=True)
    problem: Mapped[str] = mapped_column(String(20))  # resdir.reports.PROBLEMS
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), index=True)  # open | dismissed | acted
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(Text)


Index("ix_listings_lat_lon", Listing.lat, Listing.lon)


def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    # WAL lets the web app read while an ingest writes; SQLite leaves foreign keys off unless asked.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Searches read many rows by rowid: mapped pages and a larger cache halve their cost.
    cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
    cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    cursor.close()


def make_engine(url: str) -> Engine:
    """Create an engine for a SQLAlchemy URL, with SQLite's pragmas when it is SQLite."""
    options = {}
    if url.startswith("sqlite:"):
        # A writer waits this long for another's transaction before "database is locked".
        options["connect_args"] = {"timeout": SQLITE_BUSY_SECONDS}
    if url.startswith("sqlite:///"):
        from pathlib import Path

        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, **options)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def engine(app: Flask | None = None) -> Engine:
    """Return the app's engine, created on first use."""
    app = app or current_app
    state = app.extensions[EXTENSION]
    if state.get("engine") is None:
        state["engine"] = make_engine(app.config["SQLALCHEMY_URL"])
        state["sessionmaker"] = sessionmaker(state["engine"], expire_on_commit=False)
    return state["engine"]


def session(app: Flask | None = None) -> Session:
    """Return a new session on the app's database; the caller closes it (use `with`)."""
    app = app or current_app
    engine(app)
    return app.extensions[EXTENSION]["sessionmaker"]()


class StoreBusy(RuntimeError):
    """A write that other writers kept getting to first: nothing was written; try again."""

    retry_after_seconds = 5  # what the pages and the API tell the person to wait


def transient(exc: Exception) -> bool:
    """Return whether a failed write may succeed when run again from the start: another
    writer changed a listing it read or created the same row at the same moment, SQLite's
    lock was held past the busy timeout, or PostgreSQL would not serialize it."""
    if isinstance(exc, StaleDataError):
        return True
    text = str(getattr(exc, "orig", exc)).lower()
    code = getattr(getattr(exc, "orig", None), "sqlstate", None)
    if isinstance(exc, IntegrityError):
        return "unique constraint" in text or code == PG_UNIQUE_VIOLATION
    if isinstance(exc, OperationalError):
        return "database is locked" in text or "busy" in text or code in PG_RETRY_CODES
    return False


def write(work: Callable[[Session], T], app: Flask | None = None) -> T:
    """Run `work` in a new session and commit it; return what it returned.

    When another writer got there first (`transient`), the session is rolled back and `work`
    runs again from the start, reading everything afresh, after a short random wait: a change
    made field by field then lands on the newest version instead of overwriting it. After
    WRITE_ATTEMPTS, or WRITE_BUDGET_SECONDS, StoreBusy. `work` leaves the commit to this.
    """
    deadline = time.monotonic() + WRITE_BUDGET_SECONDS
    attempt = 0
    while True:
        attempt += 1
        with session(app) as db:
            try:
                result = work(db)
                db.commit()
                return result
            except (StaleDataError, IntegrityError, OperationalError) as exc:
                db.rollback()
                if not transient(exc):
                    raise
                if attempt == WRITE_ATTEMPTS or time.monotonic() > deadline:
                    raise StoreBusy(f"gave up after {attempt} attempts: {exc}") from exc
        time.sleep(random.uniform(0, WRITE_BACKOFF_SECONDS * attempt))


def init_db(app: Flask | None = None) -> None:
    """Bring the database's tables to the newest revision (resdir.database.upgrade)."""
    from resdir import database

    database.upgrade(app)


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create or upgrade the database tables (safe to run again; the same as `db upgrade`)."""
    from resdir import database

    try:
        done = database.upgrade()
    except database.SchemaMismatch as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"database ready: {engine().url.render_as_string(hide_password=True)} "
        f"(revision {done.after})"
    )


def init_app(app: Flask) -> None:
    """Register the store with the app: an engine made on first use, and the init-db command."""
    app.extensions[EXTENSION] = {"engine": None, "sessionmaker": None}
    app.cli.add_command(init_db_command)
