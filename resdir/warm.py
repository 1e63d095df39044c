"""Warm a worker before it serves, so that the first search after a start is as fast as the next.

Profiled (cProfile, the first POST /api/v1/match after a start against the next one), the first
search paid for what a process builds once: the gazetteer and time zone map, SQLAlchemy's mapper
configuration and the compilation of each statement, the directory's coverage and transit stops
(kept while the data does not change), the translations and the compilation of each page's
templates. One search of the public page in each language, made inside the worker before it
takes requests, builds them all; it changes no listing and counts against no limit (it brings
the embedded index up to date, as the first search would).
"""

import logging

from flask import Flask
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from resdir import geo, i18n, store

log = logging.getLogger(__name__)

WARM_NEED = "sober_social.meeting"  # any need: the search runs the whole matcher either way


def warm_up(app: Flask) -> bool:
    """Load the gazetteer, then search the public page once in each language near a published
    listing; return False when the store has no placed listing to search near (or no tables)."""
    geo.load_gazetteer()
    try:
        with app.app_context(), store.session() as session:
            near = session.scalar(
                select(store.Listing.postal_code)
                .where(store.Listing.status == "published", store.Listing.postal_code.is_not(None))
                .order_by(store.Listing.id)
                .limit(1)
            )
    except OperationalError as exc:  # a store not made yet: `resdir init-db` comes first
        log.warning("not warmed up: %s", exc)
        return False
    if near is None:
        return False
    client = app.test_client()
    for language in i18n.LANGUAGES:
        query = {"near": near, "needs": WARM_NEED, "lang": language}
        client.get("/search", query_string=query)
    return True
