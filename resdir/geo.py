"""Place things: distances, coordinate checks, time zones, geocoding (offline gazetteer or geopy).

The offline gazetteer answers from US ZIP code centroids shipped with the `zipcodes` package (a
city's centroid is the mean of its ZIP centroids). A configured remote geocoder (a self-hosted
Nominatim or Pelias) is asked through geopy's rate limiter, behind a cache in the store, and the
gazetteer still answers when it finds nothing.
"""

import json
import logging
import math
import os
import re
import threading
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, wraps
from pathlib import Path
from statistics import fmean

import zipcodes
from geopy.exc import GeopyError
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import Nominatim, Pelias
from sqlalchemy.orm import Session

from resdir import clock
from resdir.store import GeocodeCacheEntry

logger = logging.getLogger(__name__)
# geopy logs every retry with a full traceback; one warning per failed address says enough.
logging.getLogger("geopy").setLevel(logging.ERROR)
EARTH_RADIUS_KM = 6371.0087714  # the mean radius Elasticsearch (Lucene) uses too
ZIP5 = re.compile(r"^(\d{5})(?:-?\d{4})?$")
# Service-area text: the parts of a list of places, and the words that may lead a place's name.
ZIP_GRID_DEGREES = 0.25  # ~25 km cells: a point's nearest ZIP centre is in its cell or next door
AREA_SEPARATORS = re.compile(r"\s*(?:[,;/&]|\band\b)\s*", re.IGNORECASE)
AREA_LEAD = re.compile(
    r"^(?:all of|anywhere in|throughout|the city of|city of|county of)\s+", re.IGNORECASE
)
# Nominatim result types that place a point no better than a town or a postcode.
CITY_TYPES = {"city", "town", "village", "hamlet", "suburb", "municipality", "county", "state"}
POSTCODE_TYPES = {"postcode"}
# Short names people type for a city ("SF", "Philly"): data, not code (see the file's "about").
ABBREVIATIONS_FILE = Path(__file__).resolve().parent / "data" / "place_abbreviations.json"
# A place name as typed: dots and runs of spaces do not change it ("S.F." is "sf").
SPACES = re.compile(r"\s+")
STATE_SUFFIX = re.compile(r"^(.+?)[\s,]+([A-Za-z]{2})$")  # "Daly City CA", "oakland, ca"


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Return the great-circle distance between two points in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def bounding_box(lat: float, km: float) -> tuple[float, float]:
    """Return the half height and half width in degrees of the box around a circle of `km`
    centred at latitude `lat` (the whole width of the globe near a pole)."""
    angle = km / EARTH_RADIUS_KM
    dlat = math.degrees(angle)
    ratio = math.sin(angle) / max(math.cos(math.radians(lat)), 1e-9)
    dlon = 180.0 if ratio >= 1 or angle >= math.pi / 2 else math.degrees(math.asin(ratio))
    return dlat, dlon


# One builder of the gazetteer's indexes at a time: a request that needs an index the start-up
# thread is building waits for it instead of building it a second time beside it.
_BUILDING = threading.RLock()


def _built_once(build):
    cached = cache(build)

    @wraps(build)
    def get():
        with _BUILDING:
            return cached()

    return get


def is_valid_coordinate(lat: float, lon: float) -> bool:
    """Return whether (lat, lon) is a place on Earth other than the null island (0, 0)."""
    return -90 <= lat <= 90 and -180 <= lon <= 180 and not (lat == 0 and lon == 0)


@_built_once
def _timezone_finder():
    from timezonefinder import TimezoneFinder

    return TimezoneFinder(in_memory=True)  # no file left open for the life of the process


def timezone_at(lat: float, lon: float) -> str | None:
    """Return the IANA time zone at a point, from an offline map of zone boundaries."""
    return _timezone_finder().timezone_at(lat=lat, lng=lon)


def timezone_for(location: dict | None, address: dict | None) -> str | None:
    """Return the time zone of a place: from its point, else from its US ZIP code, else None."""
    if location:
        return timezone_at(location["lat"], location["lon"])
    code = postal_code((address or {}).get("postal_code"))
    entry = zip_record(code) if code else None
    return (entry or {}).get("timezone") or None


def area_timezone(postal_codes: list[str]) -> str | None:
    """Return the time zone of an area given by ZIP codes: the one they all share, else None."""
    zones = {(zip_record(code) or {}).get("timezone") for code in postal_codes} - {None, ""}
    return zones.pop() if len(zones) == 1 else None


# Geocode precisions that place an area's centre, not a door.
AREA_PRECISIONS = ("postal_code", "city")


@dataclass(frozen=True)
class Place:
    """A point with how precisely it was placed."""

    lat: float
    lon: float
    precision: str  # resdir.vocab.GEOCODE_PRECISIONS


def postal_code(value: str | None) -> str | None:
    """Return the 5-digit US ZIP code in a postal code string, or None."""
    match = ZIP5.match((value or "").strip())
    return match.group(1) if match else None


@_built_once
def _zip_index() -> dict[str, dict]:
    # zipcodes.matching scans the whole list on every call; one pass builds an index instead.
    return {entry["zip_code"]: entry for entry in zipcodes.list_all()}


def load_gazetteer() -> None:
    """Load the gazetteer's indexes and the time zone map now rather than at first use."""
    _zip_index()
    _areas()
    _city_centroids()
    _zip_grid()
    _timezone_finder()
    _cities_named()
    _abbreviations()


_LOADER: list[threading.Thread] = []  # the process's loading thread, once started


def load_gazetteer_in_background() -> threading.Thread:
    """Start loading the gazetteer in a thread (once a process), so that the first search
    finds it ready."""
    with _BUILDING:
        if not _LOADER:
            thread = threading.Thread(target=load_gazetteer, name="load-gazetteer", daemon=True)
            thread.start()
            _LOADER.append(thread)
        return _LOADER[0]


def _after_fork_in_child() -> None:
    # A fork (gunicorn --preload) copies the lock as the loading thread held it, but not the
    # thread: the child takes a fresh lock, and loads what is missing in a thread of its own.
    global _BUILDING
    _BUILDING = threading.RLock()
    was_loading = bool(_LOADER)
    _LOADER.clear()
    if was_loading:
        load_gazetteer_in_background()


os.register_at_fork(after_in_child=_after_fork_in_child)


def zip_record(code: str) -> dict | None:
    """Return the gazetteer entry of a US ZIP code, or None."""
    return _zip_index().get(code)


@_built_once
def _city_centroids() -> dict[tuple[str, str], tuple[float, float]]:
    points = defaultdict(list)
    for entry in zipcodes.list_all():
        if entry.get("lat"):
            key = (entry["city"].lower(), entry["state"])
            points[key].append((float(entry["lat"]), float(entry["long"])))
    return {k: (fmean(p[0] for p in v), fmean(p[1] for p in v)) for k, v in points.items()}


@_built_once
def _cities_named() -> dict[str, list[str]]:
    """Return lower-case city name -> the states that have a city so named."""
    states = defaultdict(list)
    for city, state in _city_centroids():
        states[city].append(state)
    return states


@_built_once
def _abbreviations() -> dict[str, list[tuple[str, str]]]:
    places = json.loads(ABBREVIATIONS_FILE.read_text("utf-8"))["places"]
    return {
        name: [(city.lower(), state) for city, state in found] for name, found in places.items()
    }


def _name_key(text: str) -> str:
    return SPACES.sub(" ", text.replace(".", "")).strip(" ,").lower()


def named_place(text: str, states: Sequence[str] = ()) -> Place | None:
    """Place a city named without its state ("Daly City"), or by a short name ("SF"), or with
    its state after a space ("Daly City CA"), at its centre: of the places so named, the one in
    the first of `states` (the directory's covered states, most listings first) that has one,
    else the only one in the country; None when the name is unknown or it stays ambiguous."""
    name = _name_key(text)
    candidates = _abbreviations().get(name) or [(name, s) for s in _cities_named().get(name, ())]
    suffix = STATE_SUFFIX.match(name)
    if not candidates and suffix:
        city, state = suffix[1].strip(" ,"), suffix[2].upper()
        candidates = [(city, state)] if state in _cities_named().get(city, ()) else []
    chosen = next((c for s in states for c in candidates if c[1] == s), None)
    if chosen is None and len(candidates) == 1:
        chosen = candidates[0]
    if chosen is None:
        return None
    lat, lon = _city_centroids()[chosen]
    return Place(lat, lon, "city")


@_built_once
def _areas() -> dict[str, dict[str, tuple[str, list[str]]]]:
    """Return lower-case area name -> state -> (name, ZIP codes), for cities and counties."""
    areas: dict[str, dict[str, tuple[str, list[str]]]] = defaultdict(dict)
    for entry in zipcodes.list_all():
        for name in (entry["city"], entry["county"]):
            if name:
                _, codes = areas[name.lower()].setdefault(entry["state"], (name, []))
                codes.append(entry["zip_code"])
    return areas


@_built_once
def _zip_grid() -> dict[tuple[int, int], list[dict]]:
    grid = defaultdict(list)
    for entry in zipcodes.list_all():
        if entry.get("lat") and is_valid_coordinate(float(entry["lat"]), float(entry["long"])):
            grid[_grid_cell(float(entry["lat"]), float(entry["long"]))].append(entry)
    return grid


def _grid_cell(lat: float, lon: float) -> tuple[int, int]:
    return int(lat // ZIP_GRID_DEGREES), int(lon // ZIP_GRID_DEGREES)


def nearest_zip(lat: float, lon: float) -> dict | None:
    """Return the gazetteer entry of the ZIP code whose centre is nearest a point, within reach."""
    cy, cx = _grid_cell(lat, lon)
    near = [
        e for dy in (-1, 0, 1) for dx in (-1, 0, 1) for e in _zip_grid().get((cy + dy, cx + dx), [])
    ]
    return min(
        near, key=lambda e: haversine_km(lat, lon, float(e["lat"]), float(e["long"])), default=None
    )


def areas_at(point: tuple[float, float], code: str | None = None) -> tuple[str, ...]:
    """Return the area keys a point lies in: its ZIP code and county ("county:X County, CA")."""
    entry = zip_record(code) if code else nearest_zip(*point)
    if entry is None:
        return ()
    keys = [f"zip:{entry['zip_code']}"]
    if entry.get("county"):
        keys.append(f"county:{entry['county']}, {entry['state']}")
    return tuple(keys)


def area_keys(area: dict | None) -> list[str]:
    """Return the area keys a service area covers, in the form `areas_at` gives."""
    if not area:
        return []
    return [f"zip:{z}" for z in area.get("postal_codes", [])] + [
        f"county:{c}" for c in area.get("counties", [])
    ]


def service_area(text: str, state: str | None = None) -> dict | None:
    """Return the counties and city ZIP codes a service-area text names, or None.

    Every part of the text ("San Francisco and San Mateo County", "All of Daly City") must name a
    county or a city of one state (the listing's `state` when a name exists in several);
    otherwise the text is not understood, since a partial reading would understate the area.
    """
    counties, codes = [], []
    for part in AREA_SEPARATORS.split(text):
        name = AREA_LEAD.sub("", part.strip(" .")).strip().lower()
        if not name:
            continue
        found = _areas().get(name) or _areas().get(f"{name} county")
        if not found:
            return None
        if len(found) > 1:
            if state not in found:
                return None
            found = {state: found[state]}
        [(where, (canonical, zips))] = found.items()
        if canonical.endswith(" County"):
            counties.append(f"{canonical}, {where}")
        else:
            codes.extend(zips)
    if not counties and not codes:
        return None
    return {"counties": counties, "postal_codes": sorted(set(codes))}


def gazetteer_place(address: dict) -> Place | None:
    """Place an address at its ZIP centroid, else its city centroid, from the offline gazetteer."""
    code = postal_code(address.get("postal_code"))
    entry = zip_record(code) if code else None
    if entry and entry.get("lat"):
        return Place(float(entry["lat"]), float(entry["long"]), "postal_code")
    city, region = (address.get("city") or "").strip(), (address.get("region") or "").strip()
    if city and len(region) == 2:
        point = _city_centroids().get((city.lower(), region.upper()))
        if point:
            return Place(point[0], point[1], "city")
    return None


def address_query(address: dict) -> str:
    """Return a one-line query string for an address."""
    parts = (address.get(k) for k in ("street", "city", "region", "postal_code", "country"))
    return ", ".join(p.strip() for p in parts if p and p.strip())


class Geocoder:
    """Place addresses: a remote geopy geocoder when configured, else the offline gazetteer.

    Remote answers are cached in the store through the caller's session, so they are written in
    the caller's transaction (SQLite allows one writer at a time).
    """

    def __init__(
        self,
        setting: str = "offline",
        min_delay_seconds: float = 1.0,
        timeout_seconds: float = 10.0,
    ):
        self.setting = setting
        self._remote = None
        if setting != "offline":
            provider, url = setting.split(":", 1)
            scheme, domain = url.split("://", 1)
            cls = Nominatim if provider == "nominatim" else Pelias
            kwargs = {"user_agent": "resdir"} if provider == "nominatim" else {"api_key": None}
            client = cls(
                domain=domain.rstrip("/"), scheme=scheme, timeout=timeout_seconds, **kwargs
            )
            # The rate limiter spaces requests and retries transient errors; a geocoder that is
            # still down is skipped (the gazetteer answers) and nothing about it is cached.
            self._remote = RateLimiter(
                client.geocode,
                min_delay_seconds=min_delay_seconds,
                max_retries=2,
                error_wait_seconds=min_delay_seconds,
                swallow_exceptions=False,
            )

    def place(self, address: dict, session: Session) -> Place | None:
        """Return the best place for an address, or None if nothing can place it."""
        if self._remote is not None and (address.get("street") or "").strip():
            place = self._remote_place(address, session)
            if place is not None:
                return place
        return gazetteer_place(address)

    def _remote_place(self, address: dict, session: Session) -> Place | None:
        query = address_query(address)
        key = f"{self.setting}|{query.lower()}"
        hit = session.get(GeocodeCacheEntry, key)
        if hit is None:
            try:
                result = self._remote(query)
            except GeopyError as exc:
                logger.warning("geocoder %s unavailable: %s", self.setting, type(exc).__name__)
                return None
            hit = GeocodeCacheEntry(query=key, created_at=clock.now())
            if result is not None:
                hit.lat, hit.lon = result.latitude, result.longitude
                hit.precision = _precision(result.raw)
            session.add(hit)
            session.flush()
        return None if hit.lat is None else Place(hit.lat, hit.lon, hit.precision)


def _precision(raw: dict) -> str:
    kind = raw.get("addresstype") or raw.get("type") or (raw.get("properties") or {}).get("layer")
    if kind in POSTCODE_TYPES or kind == "postalcode":
        return "postal_code"
    if kind in CITY_TYPES or kind == "locality":
        return "city"
    return "address"
