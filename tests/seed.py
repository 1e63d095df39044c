"""Load sources into a test app's store: the demo directory, or any feeds a test names."""

from datetime import datetime
from pathlib import Path

from flask import Flask

from ingest.manifest import SourceSpec, load_manifest
from ingest.pipeline import run_source
from resdir import create_app, geo, search, store
from tests.clock import NOW

SEED = Path(__file__).resolve().parents[1] / "data" / "seed" / "manifest.toml"


def load_sources(app: Flask, specs: list[SourceSpec]) -> None:
    """Create the app's tables, ingest each source (asserting that each run completes) and
    bring the app's search index up to date, as `resdir ingest` does: a search catches up
    within its budget, and a whole directory is more than a busy machine indexes in one."""
    with app.app_context():
        store.init_db()
        for spec in specs:
            with store.session() as session:
                report = run_source(session, spec, geo.Geocoder())
                assert report.status == "completed", report.error
        with store.session() as session:
            search.sync(search.engine(), session)


def load_seed(database: Path, now: datetime = NOW) -> Flask:
    """Return an app whose store (a SQLite file at `database`) holds the demo directory, its
    clock stopped at `now`."""
    app = create_app({"DATABASE": str(database), "TESTING": True, "NOW": now})
    load_sources(app, load_manifest(SEED))
    return app
