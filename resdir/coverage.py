"""Say which areas the directory covers, from the counties of its published listings; a person
is outside them when their county has none and no listing lies within their reach."""

import threading
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from resdir import geo, store

MAX_NAMED_AREAS = 6  # the areas with the most listings are named; the rest are counted
CELL_DIGITS = 2  # listings within about a kilometre are looked up in the gazetteer once

_CACHE: dict = {}  # database URL -> (data version, Coverage)
_LOCK = threading.Lock()


@dataclass(frozen=True)
class Coverage:
    """The counties with published listings, the most listed first, and the points (one per
    cluster) the listings are at."""

    counties: tuple[str, ...]  # "San Francisco County, CA"
    cells: tuple[tuple[float, float], ...]

    def covers(
        self, origin: tuple[float, float], origin_areas: tuple[str, ...], reach_km: float
    ) -> bool | None:
        """Return whether a person is in a covered county or has a listing within reach (a
        neighbouring county a bridge away is covered too); None when the directory has no
        placed listing."""
        if not self.cells:
            return None
        county = next(
            (a.removeprefix("county:") for a in origin_areas if a.startswith("county:")), None
        )
        if county in self.counties:
            return True
        lat, lon = origin
        return any(geo.haversine_km(lat, lon, *cell) <= reach_km for cell in self.cells)


def coverage(session: Session) -> Coverage:
    """Return the store's coverage, computed again only when a listing changed since."""
    # Every change to a listing appends to the outbox: its last entry is the data's version.
    version = session.scalar(select(func.max(store.OutboxEntry.seq))) or 0
    url = session.get_bind().engine.url
    with _LOCK:
        cached = _CACHE.get(url)
    if cached is None or cached[0] != version:
        cached = (version, _compute(session))
        with _LOCK:
            _CACHE[url] = cached
    return cached[1]


def _compute(session: Session) -> Coverage:
    points = session.execute(
        select(store.Listing.lat, store.Listing.lon).where(
            store.Listing.status == "published", store.Listing.lat.is_not(None)
        )
    ).all()
    # Listings a street apart share their county: each nearby cluster is placed once.
    cells = Counter((round(lat, CELL_DIGITS), round(lon, CELL_DIGITS)) for lat, lon in points)
    counties = Counter()
    for (lat, lon), count in cells.items():
        entry = geo.nearest_zip(lat, lon)
        if entry is not None and entry.get("county"):
            counties[f"{entry['county']}, {entry['state']}"] += count
    return Coverage(tuple(name for name, _ in counties.most_common()), tuple(cells))


def describe(
    cover: Coverage, origin: tuple[float, float], origin_areas: tuple[str, ...], reach_km: float
) -> dict:
    """Return the API's `coverage`: whether the person is outside it, and the areas it names."""
    covers = cover.covers(origin, origin_areas, reach_km)
    return {
        "outside": covers is False,
        "areas": list(cover.counties[:MAX_NAMED_AREAS]),
        "more_areas": max(len(cover.counties) - MAX_NAMED_AREAS, 0),
    }
