"""Upgrade, inspect and back up the store's database: Alembic migrations and SQLite's backup."""

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask, current_app
from sqlalchemy import Connection, func, inspect, make_url, select

from resdir import store

MIGRATIONS = Path(__file__).with_name("migrations")
INITIAL = "0001"  # the revision of the schema `create_all` made before migrations
# What `init-db` added to an older store made before migrations, and adoption still adds.
ADDABLE = frozenset({"add_table", "add_index"})
PARTIAL_SUFFIX = ".partial"  # a backup is written beside its path under this suffix, then renamed


class SchemaMismatch(RuntimeError):
    """A store made before migrations whose tables are not the ones the initial revision makes."""


class BackupFailed(RuntimeError):
    """A backup that was not written: the path cannot be written, or the store is not SQLite."""


@dataclass(frozen=True)
class Upgrade:
    """What `upgrade` did: the revision before (None: an empty database) and after, and whether
    a store made by `create_all` before migrations was recognised as the initial revision."""

    before: str | None
    after: str
    adopted: bool


@dataclass(frozen=True)
class Backup:
    """A finished backup: its path, bytes and the listings it holds."""

    path: Path
    size: int
    listings: int


def ours(obj, name, type_, reflected, compare_to) -> bool:
    """Tell Alembic to compare only resdir's tables: the embedded search index's tables live in
    the same SQLite file, and a PostgreSQL database may hold other applications' tables."""
    return not (type_ == "table" and reflected and compare_to is None)


def config(connection: Connection | None) -> Config:
    """Return the Alembic configuration of resdir's migrations, on `connection`."""
    alembic = Config()
    alembic.set_main_option("script_location", str(MIGRATIONS))
    alembic.attributes["connection"] = connection
    return alembic


def head() -> str:
    """Return the newest revision of the migrations resdir carries."""
    return ScriptDirectory.from_config(config(None)).get_current_head()


def revision(connection: Connection) -> str | None:
    """Return the database's revision, None when it has none."""
    return MigrationContext.configure(connection).get_current_revision()


def differences(connection: Connection) -> list:
    """Return what Alembic would change to make the database's tables resdir's models."""
    context = MigrationContext.configure(
        connection, opts={"include_object": ours, "compare_type": True}
    )
    return compare_metadata(context, store.Base.metadata)


def _describe(difference) -> str:
    # Changes of a column come as a list of tuples; the others as one tuple of the change's
    # name and the schema objects it touches.
    if isinstance(difference, list):
        difference = difference[0]
    change, *parts = difference
    names = [getattr(part, "name", part) for part in parts]
    return f"{change} {'.'.join(n for n in names if isinstance(n, str))}"


def _repair_history(connection: Connection) -> None:
    """Renumber the versions of listings whose history repeats a number (written by writers
    that raced before versions were checked), in the order written; each listing then stands
    at its last version."""
    history, listing = store.ListingVersion.__table__, store.Listing.__table__
    repeated = (
        select(history.c.listing_id)
        .group_by(history.c.listing_id, history.c.version)
        .having(func.count() > 1)
    )
    for listing_id in sorted(set(connection.scalars(repeated))):
        rows = connection.scalars(
            select(history.c.id).where(history.c.listing_id == listing_id).order_by(history.c.id)
        ).all()
        for number, row_id in enumerate(rows, start=1):
            connection.execute(
                history.update().where(history.c.id == row_id).values(version=number)
            )
        connection.execute(
            listing.update().where(listing.c.id == listing_id).values(version=len(rows))
        )


def _adopt(connection: Connection) -> None:
    """Take a store made by `create_all` before migrations as the initial revision: raise
    SchemaMismatch, changing nothing, when its tables differ from the models by more than what
    `init-db` used to add; else add that as it did (the tables and indexes it lacks, repeated
    history versions renumbered first) and stamp it."""
    found = [d for d in differences(connection) if isinstance(d, list) or d[0] not in ADDABLE]
    if found:
        more = f" and {len(found) - 1} more" if len(found) > 1 else ""
        raise SchemaMismatch(
            f"the database has resdir's tables but no revision, and they differ from revision "
            f"{INITIAL} ({_describe(found[0])}{more}): it was not made by resdir's create_all; "
            "upgrade it with the resdir that made it, or start a new store"
        )
    store.Base.metadata.create_all(connection)
    if "ux_listing_history_version" not in {
        i["name"] for i in inspect(connection).get_indexes("listing_history")
    }:
        _repair_history(connection)
    for table in store.Base.metadata.sorted_tables:
        for index in table.indexes:
            index.create(connection, checkfirst=True)
    command.stamp(config(connection), INITIAL)


def upgrade(app: Flask | None = None) -> Upgrade:
    """Apply every migration the database lacks; a store made by `create_all` before
    migrations is first recognised as the initial revision (SchemaMismatch when it is not)."""
    with store.engine(app).begin() as connection:
        before = revision(connection)
        adopted = before is None and inspect(connection).has_table("listings")
        if adopted:
            _adopt(connection)
        command.upgrade(config(connection), "head")
        return Upgrade(INITIAL if adopted else before, revision(connection), adopted)


def backup(path: Path, app: Flask | None = None) -> Backup:
    """Copy the SQLite store to `path` with SQLite's online backup, in one step: the copy is the
    store as of one moment while writers go on. It is written beside `path` and renamed, so a
    failed backup never replaces an earlier one. BackupFailed when it cannot be made."""
    backend = make_url((app or current_app).config["SQLALCHEMY_URL"]).get_backend_name()
    if backend != "sqlite":
        raise BackupFailed(
            f"the store is {backend}, not SQLite: back it up with pg_dump "
            "(the README's Deploying section shows how, and how to restore it)"
        )
    engine = store.engine(app)
    if not inspect(engine).has_table("listings"):
        raise BackupFailed("the database has no tables yet: run `resdir db upgrade` first")
    if Path(engine.url.database).resolve() == path.resolve():
        raise BackupFailed(f"{path} is the store itself: choose another path")
    partial = path.with_name(path.name + PARTIAL_SUFFIX)
    source = engine.raw_connection()
    try:
        target = sqlite3.connect(partial)
        try:
            source.driver_connection.backup(target)
            listings = target.execute("SELECT count(*) FROM listings").fetchone()[0]
        finally:
            target.close()
        os.replace(partial, path)
    except (sqlite3.Error, OSError) as exc:
        partial.unlink(missing_ok=True)
        raise BackupFailed(f"cannot write {path}: {exc}") from exc
    finally:
        source.close()
    return Backup(path, path.stat().st_size, listings)
