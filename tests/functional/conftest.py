"""Drive `resdir ingest` through the real CLI and read its JSON report."""

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from resdir import store
from tests.seed import load_seed

# Tables whose content is the directory itself (runs and problems are the log of how it got there).
DIRECTORY_TABLES = (
    store.Organization,
    store.Listing,
    store.ListingAttribute,
    store.ListingSource,
    store.ListingVersion,
    store.OutboxEntry,
    store.TransitStop,
    store.Source,
)


@pytest.fixture(scope="module")
def seed_app(tmp_path_factory):
    """Return an app whose store holds the demo directory (loaded once for each module)."""
    return load_seed(tmp_path_factory.mktemp("seed") / "seed.sqlite3")


@pytest.fixture(scope="module")
def seed_file(tmp_path_factory) -> Path:
    """Return a SQLite file holding the demo directory (loaded once for each module), for
    tests that each work on a copy of it."""
    path = tmp_path_factory.mktemp("seed") / "seed.sqlite3"
    load_seed(path)
    return path


@pytest.fixture
def directory(seed_file, tmp_path):
    """Return an app on a fresh copy of the demo directory with the agency accounts of
    tests/functional/test_agency_pages.py (staff of two organizations, one verified; an admin)."""
    from tests.functional.test_agency_pages import directory_on

    return directory_on(seed_file, tmp_path)


@pytest.fixture
def client(seed_app):
    """Return a test client of the demo directory's app."""
    return seed_app.test_client()


@pytest.fixture
def ingest(app, tmp_path):
    """Return a function running `resdir ingest ARGS...` that returns (result, report dict)."""
    runner = app.test_cli_runner()
    counter = iter(range(1_000_000))

    def run(*args: str):
        report_path = tmp_path / f"report-{next(counter)}.json"
        result = runner.invoke(args=["ingest", *map(str, args), "--report", str(report_path)])
        report = json.loads(report_path.read_text()) if report_path.exists() else None
        return result, report

    return run


@pytest.fixture
def snapshot(app):
    """Return a function giving every row of the directory tables, to compare two moments."""

    def take() -> dict:
        with app.app_context(), store.session() as session:
            out = {}
            for table in DIRECTORY_TABLES:
                columns = table.__table__.columns
                rows = session.execute(select(*columns)).all()
                out[table.__tablename__] = sorted(repr(tuple(r)) for r in rows)
            return out

    return take


@pytest.fixture
def listing_docs(app):
    """Return a function giving the full documents of the stored listings of a source."""
    from resdir import listings

    def docs(source: str) -> dict[str, dict]:
        with app.app_context(), store.session() as session:
            rows = session.scalars(
                select(store.ListingSource).where(store.ListingSource.source_id == source)
            ).all()
            return {r.record_key: listings.load_document(session, r.listing_id) for r in rows}

    return docs
