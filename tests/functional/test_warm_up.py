"""A gunicorn worker is warmed up before it serves (gunicorn.conf.py's post_worker_init): what
the first search would build is built, counted in the caches, not timed."""

import runpy
from pathlib import Path
from types import SimpleNamespace

from resdir import coverage, store
from tests.seed import load_seed

GUNICORN_CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"
SEARCH_TEMPLATES = ("public/search.html", "base.html")


def _compiled(app) -> set[str]:
    """Return the names of the templates the app's Jinja environment has compiled."""
    return {name for _, name in app.jinja_env.cache}


def _store_url(app):
    with app.app_context(), store.session() as session:
        return session.get_bind().engine.url


def test_a_worker_has_searched_once_before_its_first_request(tmp_path):
    app = load_seed(tmp_path / "seed.sqlite3")
    assert not _compiled(app)
    assert _store_url(app) not in coverage._CACHE

    runpy.run_path(str(GUNICORN_CONF))["post_worker_init"](SimpleNamespace(wsgi=app))

    assert set(SEARCH_TEMPLATES) <= _compiled(app)
    assert _store_url(app) in coverage._CACHE  # the covered areas, placed by the gazetteer


def test_a_store_without_listings_starts_without_a_warm_up_search(app):
    runpy.run_path(str(GUNICORN_CONF))["post_worker_init"](SimpleNamespace(wsgi=app))
    assert not _compiled(app)
