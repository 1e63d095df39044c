"""The engine conformance suite: the same scenarios and checks for every search engine."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from ingest.manifest import specs_from_args
from resdir import create_app, search, store
from resdir.listings import load_document
from resdir.matching import match
from resdir.matching.profile import ProfileSchema
from tests.seed import load_seed, load_sources

ENGINES = ["embedded", "elasticsearch"]
NOW = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)  # a Tuesday, 10:00 in California


@pytest.fixture(scope="session")
def seed_app(tmp_path_factory):
    """Return an app whose store holds the demo directory (loaded once for the suite)."""
    return load_seed(tmp_path_factory.mktemp("seed") / "seed.sqlite3")


@pytest.fixture(scope="session")
def san_jose_app(tmp_path_factory):
    """Return an app whose store holds the 2021 San Jose meeting feed, or skip without it."""
    from tests.conftest import SHARED_DATA

    feed = SHARED_DATA / "code4recovery-tsml-ui-meeting-feeds" / "aasanjose.test.json"
    if not feed.exists():
        pytest.skip(f"real datasets not found at {SHARED_DATA} (set RESDIR_SHARED_DATA)")
    app = create_app({"DATABASE": str(tmp_path_factory.mktemp("sj") / "sj.sqlite3")})
    load_sources(app, specs_from_args([feed], source_id="san-jose"))
    return app


@pytest.fixture(params=ENGINES)
def engine_name(request):
    """Run a test once per search engine."""
    return request.param


@pytest.fixture
def select_engine(request, engine_name):
    """Return a function making an app use the engine under test."""

    def select(app) -> None:
        if engine_name == "elasticsearch":
            use = request.getfixturevalue("use_elasticsearch")
            use(app, Path(app.config["DATABASE"]).stem)
        else:
            app.config["SEARCH"] = "embedded"

    return select


@pytest.fixture
def run_match(select_engine):
    """Return a function matching a profile (a JSON-like dict) against an app's directory."""

    def run(app, profile: dict, now: datetime = NOW) -> dict:
        loaded = ProfileSchema().load(profile)
        select_engine(app)
        with app.app_context(), store.session() as session:
            found = match(loaded, session, now)
        assert found["degraded"] is False  # the engine under test answered, not a fallback
        return found

    return run


@pytest.fixture
def documents():
    """Return a function giving every published listing of an app, by id."""

    def get(app) -> dict[str, dict]:
        with app.app_context(), store.session() as session:
            ids = session.scalars(
                select(store.Listing.id).where(store.Listing.status == "published")
            ).all()
            return {i: load_document(session, i) for i in ids}

    return get


@pytest.fixture
def engine_of(select_engine):
    """Return a function giving an app's search engine under test, synced with its store."""

    def get(app):
        select_engine(app)
        with app.app_context(), store.session() as session:
            engine = search.engine()
            search.sync(engine, session)
            return engine, search.load_stops(session)

    return get
