"""Read a GTFS feed (zip or folder) into transit stops with the routes that serve them.

The feed may be a folder, a zip, or a zip whose files sit in a nested folder (the shallowest
`stops.txt` wins). Files may carry a BOM, padded headers, quoted numbers and CRLF endings;
`route_short_name` of a single space becomes "".

Stations and platforms. A person walks to a station, not to a platform, so:
- a station (location_type 1) is yielded as one stop, served by every route that calls at it or
  at any of its platforms (stops whose `parent_station` is that station);
- a platform with a parent station in the feed is folded into that station and not yielded;
- a stop (location_type empty or 0) without a parent station is yielded as itself; one whose
  parent is missing from stops.txt is yielded as itself with an orphan-reference warning;
- entrances, generic nodes and boarding areas (location_type 2, 3, 4) are not places to board
  from and are skipped.

Routes come from trips.txt + stop_times.txt; stop_times is streamed, never held in memory. When
routes.txt, trips.txt or stop_times.txt is missing, stops are yielded without routes and one
missing-table warning says so. Values stay raw (coordinates and wheelchair_boarding as written);
only `route_type` becomes an int.
"""

import csv
import io
import re
import zipfile
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from ingest.problems import Problem, SourceError, problem
from ingest.readers import Reader, ReadOptions
from ingest.readers.files import csv_rows, read_text
from ingest.record import Stop

STOPS, ROUTES, AGENCY = "stops.txt", "routes.txt", "agency.txt"
TRIPS, STOP_TIMES = "trips.txt", "stop_times.txt"
BOARDING_TYPES = ("", "0")  # location_type of a stop or platform (empty means 0)
STATION_TYPE = "1"
ROUTE_TYPE = re.compile(r"[0-9]{1,4}")  # GTFS's route types and Google's extended ones (100-1702)
WITHOUT_ROUTES = "stops are read without their routes"

Feed = Path | zipfile.Path  # the folder that holds the feed's .txt files


def sniff(path: Path) -> bool:
    """Return True for a zip or folder holding stops.txt beside routes.txt or agency.txt."""
    try:
        with _open_feed(path) as feed:
            return (feed / ROUTES).is_file() or (feed / AGENCY).is_file()
    except SourceError:
        return False


def read(path: Path, options: ReadOptions) -> Iterator[Stop | Problem]:
    """Yield one stop per station or unparented stop, each with the routes that serve it."""
    with _open_feed(path) as feed:
        yield from _read_feed(feed)


@contextmanager
def _open_feed(path: Path) -> Iterator[Feed]:
    """Open a GTFS folder or zip and yield the folder its stops.txt sits in."""
    if path.is_dir():
        if not (path / STOPS).is_file():
            raise SourceError(f"{path.name} has no {STOPS}: not a GTFS feed")
        yield path
        return
    if not zipfile.is_zipfile(path):
        raise SourceError(f"{path.name} is neither a folder nor a zip: not a GTFS feed")
    try:
        with zipfile.ZipFile(path) as archive:
            names = [PurePosixPath(n) for n in archive.namelist()]
            found = [n for n in names if n.name == STOPS]
            if not found:
                raise SourceError(f"{path.name} has no {STOPS}: not a GTFS feed")
            folder = min(found, key=lambda p: len(p.parts)).parent
            yield zipfile.Path(archive, at="" if folder == PurePosixPath() else f"{folder}/")
    except zipfile.BadZipFile as exc:  # also raised while reading a damaged member
        raise SourceError(f"{path.name} is a damaged zip: {exc}") from exc


def _read_feed(feed: Feed) -> Iterator[Stop | Problem]:
    problems: list[Problem] = []
    rows = list(csv_rows(read_text(feed / STOPS, problems)))
    routes, route_ids_at = _routes(feed, problems)
    yield from problems

    types = {row.get("stop_id", ""): row.get("location_type", "") for _, row in rows}
    platforms: dict[str, list[str]] = defaultdict(list)
    for _, row in rows:
        parent = row.get("parent_station", "")
        if row.get("location_type", "") in BOARDING_TYPES and types.get(parent) == STATION_TYPE:
            platforms[parent].append(row["stop_id"])

    for line, row in rows:
        kind, key, parent = (row.get(c, "") for c in ("location_type", "stop_id", "parent_station"))
        if kind == STATION_TYPE:
            served = [key, *platforms[key]]
        elif kind in BOARDING_TYPES and types.get(parent) != STATION_TYPE:
            served = [key]
        else:
            continue  # a platform folded into its station, or not a place to board from
        route_ids = set().union(*(route_ids_at.get(s, ()) for s in served))
        stop = Stop(
            key=key or f"line-{line}",
            name=row.get("stop_name", ""),
            lat=row.get("stop_lat", ""),
            lon=row.get("stop_lon", ""),
            wheelchair_boarding=row.get("wheelchair_boarding", ""),
            routes=[route for route_id, route in routes.items() if route_id in route_ids],
            raw=row,
            line=line,
        )
        if not key:
            stop.problems.append(
                problem("missing-key", line=line, field="stop_id", detail="stop_id is empty")
            )
        if parent and parent not in types:
            stop.problems.append(
                problem(
                    "orphan-reference",
                    record=key,
                    line=line,
                    field="parent_station",
                    table=STOPS,
                    ref=parent,
                )
            )
        yield stop


def _routes(feed: Feed, problems: list[Problem]) -> tuple[dict[str, dict], dict[str, set[str]]]:
    """Return the routes by id, in routes.txt order, and the ids of the routes calling at each stop.

    A missing table or column leaves every stop without routes, with one warning saying why.
    """
    missing = [name for name in (ROUTES, TRIPS, STOP_TIMES) if not (feed / name).is_file()]
    if missing:
        detail = f"{', '.join(missing)} not in the feed"
        problems.append(problem("missing-table", detail=f"{detail}: {WITHOUT_ROUTES}"))
        return {}, {}
    try:
        return _routes_by_stop(feed, problems)
    except SourceError as exc:
        problems.append(problem("missing-table", detail=f"{exc}: {WITHOUT_ROUTES}"))
        return {}, {}


def _routes_by_stop(
    feed: Feed, problems: list[Problem]
) -> tuple[dict[str, dict], dict[str, set[str]]]:
    """Read routes.txt, then stream trips and stop_times into the route ids of each stop."""
    routes = {}
    for line, row in csv_rows(read_text(feed / ROUTES, problems)):
        route_type = row.get("route_type", "")
        if not ROUTE_TYPE.fullmatch(route_type):
            problems.append(
                problem(
                    "invalid-value",
                    record=row.get("route_id"),
                    line=line,
                    field="route_type",
                    value=route_type,
                    detail="route_type is not a GTFS route type number",
                )
            )
        routes[row.get("route_id", "")] = {
            "id": row.get("route_id", ""),
            "short_name": row.get("route_short_name", ""),
            "long_name": row.get("route_long_name", ""),
            "type": int(route_type) if ROUTE_TYPE.fullmatch(route_type) else None,
        }

    route_of_trip = {}
    missing_routes = set()
    for trip_id, route_id in _stream(feed / TRIPS, ("trip_id", "route_id")):
        if route_id in routes:
            route_of_trip[trip_id] = route_id
        elif route_id not in missing_routes:
            missing_routes.add(route_id)
            problems.append(
                problem("orphan-reference", field="route_id", table=TRIPS, ref=route_id)
            )

    route_ids_at: dict[str, set[str]] = defaultdict(set)
    for trip_id, stop_id in _stream(feed / STOP_TIMES, ("trip_id", "stop_id")):
        route_id = route_of_trip.get(trip_id)
        if route_id is not None:
            route_ids_at[stop_id].add(route_id)
    return routes, route_ids_at


def _stream(table: Feed, columns: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
    """Yield the named columns of each row of a table too big to hold in memory.

    Undecodable bytes are replaced rather than failing the table: these columns are ids, which are
    ASCII in every feed seen, and `read_text` reports the encoding on the smaller tables.
    """
    with table.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="")
        rows = csv.reader(text, skipinitialspace=True)
        header = [name.strip() for name in next(rows, [])]
        absent = [c for c in columns if c not in header]
        if absent:
            raise SourceError(f"{table.name} has no {', '.join(absent)} column")
        at = [header.index(c) for c in columns]
        for values in rows:
            yield tuple(values[i].strip() if i < len(values) else "" for i in at)


READER = Reader(name="gtfs", format="gtfs", sniff=sniff, read=read)
