"""The embedded search engine: SQLite FTS5 for text, R*Tree for place, in the store's database.

Each search document becomes a row of plain columns (bit masks for attributes, subcategories and
genders), an R*Tree box, an FTS5 row of its analyzed tokens, its weekly time spans and the areas
it serves. A plan compiles to SQL that follows `resdir.matching.rules` exactly: one pass counts
the hidden candidates by their first failed condition, another returns a page of the qualifying
ones by the same score, a third counts facets.
"""

import json
import logging
import math
from collections import Counter
from collections.abc import Iterable, Iterator

from sqlalchemy import Engine, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from resdir import geo, vocab
from resdir.matching import plan as plans
from resdir.matching.plan import Condition, MatchPlan
from resdir.matching.rules import SCORE_DIGITS, SECONDS_PER_DAY
from resdir.matching.time import local_week_ranges
from resdir.search import (
    CandidateSet,
    StoreBusy,
    advance_position,
    last_entry,
    pending,
    read_position,
    set_position,
    writing,
)
from resdir.search.documents import ATTRIBUTE_CODES

log = logging.getLogger(__name__)

SUBCATEGORIES = tuple(f"{c}.{s}" for c, (_, subs) in vocab.NEEDS.items() for s in subs)
GENDER_CODES = tuple(vocab.GENDERS)

SCHEMA_VERSION = 2  # raise it whenever SCHEMA changes
SCHEMA = (
    """CREATE TABLE IF NOT EXISTS search_listings (
        rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, kind TEXT, category TEXT,
        sub_mask INTEGER, closed INTEGER, lat REAL, lon REAL, online INTEGER,
        online_only INTEGER, in_person INTEGER, confidential INTEGER, has_area INTEGER,
        yes_mask INTEGER, no_mask INTEGER, genders INTEGER, min_age INTEGER, max_age INTEGER,
        langs TEXT, cost TEXT, evening INTEGER, verified REAL, available INTEGER,
        available_at REAL, stop_metres REAL, tz TEXT, has_times INTEGER)""",
    # The time zones listings are in: the window is read on each zone's clock.
    "CREATE TABLE IF NOT EXISTS search_zones (tz TEXT PRIMARY KEY)",
    # Kept apart so that the rows searches scan stay small.
    "CREATE TABLE IF NOT EXISTS search_documents (rowid INTEGER PRIMARY KEY, document TEXT)",
    # A third dimension, the category's number, lets one box query return one category only.
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_rtree USING rtree(id, min_lat, max_lat, min_lon, "
    "max_lon, min_category, max_category)",
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_text USING fts5(tokens)",
    """CREATE TABLE IF NOT EXISTS search_times (
        listing INTEGER NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL,
        starts INTEGER NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS ix_search_times ON search_times (listing)",
    "CREATE TABLE IF NOT EXISTS search_areas (listing INTEGER NOT NULL, area TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS ix_search_areas ON search_areas (listing, area)",
    "CREATE INDEX IF NOT EXISTS ix_search_category ON search_listings (category)",
    # the listings every search may reach: no point, or online
    "CREATE INDEX IF NOT EXISTS ix_search_anywhere ON search_listings (category) "
    "WHERE lat IS NULL OR online",
    "CREATE INDEX IF NOT EXISTS ix_search_tz ON search_listings (tz)",
)
# What the conditions and the score read of a candidate (never the stored document: it is big).
COLUMNS = (
    "id",
    "kind",
    "category",
    "sub_mask",
    "closed",
    "lat",
    "lon",
    "online",
    "online_only",
    "in_person",
    "confidential",
    "has_area",
    "yes_mask",
    "no_mask",
    "genders",
    "min_age",
    "max_age",
    "langs",
    "cost",
    "evening",
    "verified",
    "available",
    "available_at",
    "stop_metres",
    "tz",
    "has_times",
)
ZONES = "SELECT tz FROM search_zones"
MATCH_TABLE = (
    "CREATE TEMP TABLE IF NOT EXISTS match_rows (id TEXT, sub_mask INTEGER, yes_mask INTEGER, "
    "online INTEGER, in_person INTEGER, cost TEXT, reason TEXT, score REAL)"
)
TABLES = (
    "search_listings",
    "search_documents",
    "search_rtree",
    "search_text",
    "search_times",
    "search_areas",
    "search_zones",
)
CATEGORIES = tuple(vocab.CATEGORY_LABELS)
BOX_MARGIN = 1.001  # the box around a search circle errs on the side of too big
REBUILD_BATCH = 1000  # documents inserted at once by a rebuild


def _mask(codes: Iterable[str], order: tuple[str, ...]) -> int:
    return sum(1 << order.index(c) for c in codes if c in order)


def _bit(code: str) -> int:
    return 1 << ATTRIBUTE_CODES.index(code)


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


class EmbeddedEngine:
    """Search in SQLite, beside the store."""

    name = "embedded"

    def __init__(self, engine: Engine):
        self.engine = engine
        self._ready = False

    def _connect(self):
        """Return a transaction on the store, the index's tables made (or remade) first."""
        self._ensure()
        return self.engine.begin()

    def _version(self) -> int | None:
        try:
            with self.engine.connect() as connection:
                return connection.execute(text("SELECT version FROM search_meta")).scalar()
        except OperationalError:
            return None  # no index yet

    def _ensure(self) -> None:
        if self._ready or self._version() == SCHEMA_VERSION:
            self._ready = True
            return
        # One process (re)makes it, the others wait: no search can do without its tables.
        with writing(self.engine, patient=True) as connection:
            connection.execute(text("CREATE TABLE IF NOT EXISTS search_meta (version INTEGER)"))
            version = connection.execute(text("SELECT version FROM search_meta")).scalar()
            if version != SCHEMA_VERSION:
                # An index of another shape is dropped; the outbox, replayed from its start,
                # fills the new one (`resdir reindex` does it at once).
                for table in TABLES:
                    connection.execute(text(f"DROP TABLE IF EXISTS {table}"))
                connection.execute(text("DELETE FROM search_meta"))
                connection.execute(
                    text("INSERT INTO search_meta VALUES (:v)"), {"v": SCHEMA_VERSION}
                )
                set_position(connection, self.name, None)
            for statement in SCHEMA:
                connection.execute(text(statement))
        self._ready = True

    # -- writing -----------------------------------------------------------------------------

    def _remove(self, connection: Connection, ids: list[str]) -> None:
        for listing_id in ids:
            row = connection.execute(
                text("SELECT rowid FROM search_listings WHERE id = :id"), {"id": listing_id}
            ).first()
            if row is None:
                continue
            for table, column in (
                ("search_rtree", "id"),
                ("search_documents", "rowid"),
                ("search_text", "rowid"),
                ("search_times", "listing"),
                ("search_areas", "listing"),
                ("search_listings", "rowid"),
            ):
                connection.execute(text(f"DELETE FROM {table} WHERE {column} = :r"), {"r": row[0]})

    def _insert(self, connection: Connection, docs: list[dict]) -> None:
        for doc in docs:
            point = doc["point"] or {}
            row = {
                "id": doc["id"],
                "kind": doc["kind"],
                "category": doc["category"],
                "sub_mask": _mask(
                    (f"{doc['category']}.{s}" for s in doc["subcategories"]), SUBCATEGORIES
                ),
                "closed": doc["closed"],
                "lat": point.get("lat"),
                "lon": point.get("lon"),
                "online": doc["online"],
                "online_only": doc["online_only"],
                "in_person": doc["in_person"],
                "confidential": doc["confidential"],
                "has_area": bool(doc["area"]),
                "yes_mask": _mask(doc["yes"], ATTRIBUTE_CODES),
                "no_mask": _mask(doc["no"], ATTRIBUTE_CODES),
                "genders": _mask(doc["genders"], GENDER_CODES),
                "min_age": doc["min_age"],
                "max_age": doc["max_age"],
                "langs": "".join(f"|{lang}|" for lang in doc["languages"]),
                "cost": doc["cost"],
                "evening": doc["evening"],
                "verified": doc["verified_at"],
                "available": doc["available"],
                "available_at": doc["available_at"],
                "stop_metres": doc["stop_metres"],
                "tz": doc["timezone"],
                "has_times": bool(doc["times"]),
            }
            rowid = connection.execute(
                text(
                    "INSERT INTO search_listings ("
                    + ", ".join(row)
                    + ") VALUES ("
                    + ", ".join(f":{k}" for k in row)
                    + ") RETURNING rowid"
                ),
                row,
            ).scalar_one()
            if doc["timezone"]:
                connection.execute(
                    text("INSERT OR IGNORE INTO search_zones VALUES (:z)"), {"z": doc["timezone"]}
                )
            connection.execute(
                text("INSERT INTO search_documents VALUES (:r, :d)"),
                {"r": rowid, "d": json.dumps(doc, sort_keys=True)},
            )
            if point:
                connection.execute(
                    text("INSERT INTO search_rtree VALUES (:r, :lat, :lat, :lon, :lon, :c, :c)"),
                    {
                        "r": rowid,
                        "lat": point["lat"],
                        "lon": point["lon"],
                        "c": CATEGORIES.index(doc["category"]),
                    },
                )
            connection.execute(
                text("INSERT INTO search_text (rowid, tokens) VALUES (:r, :t)"),
                {"r": rowid, "t": doc["tokens"]},
            )
            if doc["times"]:
                connection.execute(
                    text("INSERT INTO search_times VALUES (:r, :s, :e, :f)"),
                    [{"r": rowid, "s": s, "e": e, "f": f} for s, e, f in doc["times"]],
                )
            if doc["area"]:
                connection.execute(
                    text("INSERT INTO search_areas VALUES (:r, :a)"),
                    [{"r": rowid, "a": a} for a in doc["area"]],
                )

    def catch_up(self, session: Session) -> int:
        """Apply the next outbox entries in one write transaction that reads the position, the
        outbox and the listings itself (not through `session`): a worker that waited for
        another finds their work done. Within a search, when another writer holds the store,
        apply nothing now: the search answers from the index as it stands."""
        if self.position() >= last_entry(self.engine):
            return 0  # up to date: no need for the write lock
        try:
            with writing(self.engine) as connection:
                with Session(bind=connection) as reader:
                    changes = pending(reader, read_position(connection, self.name))
                if changes is None:
                    return 0
                docs = [doc for doc, _ in changes.docs]
                self._remove(connection, [d["id"] for d in docs] + [i for i, _ in changes.gone])
                self._insert(connection, docs)
                advance_position(connection, self.name, changes.last)
        except StoreBusy:
            log.info("the store is busy: the embedded index answers as it stands")
            return 0
        return len(changes)

    def rebuild(self, docs: Iterable[dict], position: int) -> None:
        """Replace the whole index in one transaction: readers see the old one until it commits."""
        self._ensure()
        with writing(self.engine) as connection:
            for table in TABLES:
                connection.execute(text(f"DELETE FROM {table}"))
            batch = []
            for doc in docs:
                batch.append(doc)
                if len(batch) >= REBUILD_BATCH:
                    self._insert(connection, batch)
                    batch = []
            self._insert(connection, batch)
            # Exactly where the load was taken: what changed since is replayed from the outbox.
            set_position(connection, self.name, position)

    def position(self) -> int:
        """Return the last outbox entry applied."""
        self._ensure()  # an index of another shape starts again from 0
        return read_position(self.engine, self.name)

    def documents(self, ids: list[str]) -> dict[str, dict]:
        """Return the search documents of listings by id."""
        if not ids:
            return {}
        with self._connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT s.id, d.document FROM search_listings AS s JOIN search_documents AS d "
                    "ON d.rowid = s.rowid WHERE s.id IN ("
                    + ", ".join(f":i{n}" for n in range(len(ids)))
                    + ")"
                ),
                {f"i{n}": i for n, i in enumerate(ids)},
            ).all()
        return {i: json.loads(d) for i, d in rows}

    # -- searching ---------------------------------------------------------------------------

    def search(
        self, plan: MatchPlan, offset: int, size: int, reveal: str | None = None
    ) -> CandidateSet:
        """Return one page of the qualifying listings (or of those `reveal` hid), hidden counts
        and facets.

        The candidates are read once, through the R*Tree (or the index of listings without a
        point), into a temporary table holding each one's hidden reason and score; counts,
        the page and the facets are then read from that small table.
        """
        query = _Query(plan)
        with self._connect() as connection:
            zones = [z for (z,) in connection.execute(text(ZONES))]
            connection.execute(text(MATCH_TABLE))
            connection.execute(text("DELETE FROM temp.match_rows"))
            reason = query.hidden_reason(zones)
            shown = "s.reason IS NULL" if reveal is None else "s.reason = :reveal"
            connection.execute(
                text(
                    "INSERT INTO temp.match_rows SELECT s.id, s.sub_mask, s.yes_mask, s.online, "
                    f"s.in_person, s.cost, s.reason, CASE WHEN {shown} THEN "
                    f"{query.score()} END FROM (SELECT s.*, {reason} AS reason FROM "
                    f"({query.candidates()}) AS s) AS s"
                ),
                {**query.params, "reveal": reveal},
            )
            counts = dict(
                connection.execute(
                    text("SELECT reason, count(*) FROM temp.match_rows GROUP BY reason")
                ).all()
            )
            qualifying = counts.pop(None, 0)
            total = qualifying if reveal is None else counts.get(reveal, 0)
            ids = [
                i
                for (i,) in connection.execute(
                    text(
                        "SELECT id FROM temp.match_rows WHERE reason IS :reveal "
                        "ORDER BY score DESC, id LIMIT :size OFFSET :offset"
                    ),
                    {"size": size, "offset": offset, "reveal": reveal},
                )
            ]
            facets = query.facets(connection)
        return CandidateSet(ids, total, counts, facets)


class _Query:
    """The SQL of one plan: candidates, the first failed condition, the score, facets."""

    def __init__(self, plan: MatchPlan):
        self.plan = plan
        self.params: dict = {}

    def _param(self, value) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f":{name}"

    def distance(self) -> str:
        """Return the distance from the person in km, as `plans.distance_km` computes it."""
        lat, lon = (math.radians(d) for d in self.plan.origin)
        dlat = f"(radians(s.lat) - {self._param(lat)})"
        dlon = f"(radians(s.lon) - {self._param(lon)})"
        half = (
            f"(power(sin({dlat} / 2), 2) + {self._param(math.cos(lat))} * cos(radians(s.lat)) "
            f"* power(sin({dlon} / 2), 2))"
        )
        return f"(2 * {geo.EARTH_RADIUS_KM} * asin(sqrt(min({half}, 1.0))))"

    def candidates(self) -> str:
        """Return a SELECT of the candidate rows: needed, near enough, matching the text."""
        plan, where = self.plan, []
        needs = []
        for category, sub in plan.needs:
            test = f"s.category = {self._param(category)}"
            if sub:
                bit = 1 << SUBCATEGORIES.index(f"{category}.{sub}")
                test += f" AND (s.sub_mask & {bit}) != 0"
            needs.append(f"({test})")
        where.append("(" + " OR ".join(needs) + ")")
        if plan.tokens:
            match = " OR ".join(f'"{t}"' for t in plan.tokens)
            where.append(
                f"s.rowid IN (SELECT rowid FROM search_text WHERE search_text MATCH "
                f"{self._param(match)})"
            )
        columns = ", ".join(f"s.{c}" for c in COLUMNS)
        if plan.origin is None:
            return (
                f"SELECT s.rowid AS rid, {columns}, NULL AS dist FROM search_listings AS s "
                f"WHERE {' AND '.join(where)}"
            )
        km = plan.search_km
        lat, lon = plan.origin
        dlat, dlon = geo.bounding_box(lat, km * BOX_MARGIN)
        north, south = self._param(lat + dlat), self._param(lat - dlat)
        east, west = self._param(lon + dlon), self._param(lon - dlon)
        # The distance is computed once per candidate, as the column `dist` the rest reads; one
        # box query per category needed, the R*Tree's third dimension. CROSS JOIN keeps the
        # R*Tree the outer loop (SQLite's planner would otherwise walk the category index).
        boxes = " OR ".join(
            f"(b.min_category <= {n} AND b.max_category >= {n})"
            for n in sorted({CATEGORIES.index(c) for c, _ in plan.needs})
        )
        near = (
            f"SELECT * FROM (SELECT s.rowid AS rid, {columns}, {self.distance()} AS dist "
            f"FROM search_rtree AS b CROSS JOIN search_listings AS s ON s.rowid = b.id "
            f"WHERE b.min_lat <= {north} AND b.max_lat >= {south} AND b.min_lon <= {east} "
            f"AND b.max_lon >= {west} AND ({boxes}) AND {' AND '.join(where)}) "
            f"WHERE dist <= {self._param(km)}"
        )
        # Listings without a point, and online ones from anywhere (not already near).
        anywhere = (
            f"SELECT s.rowid AS rid, {columns}, CASE WHEN s.lat IS NOT NULL THEN "
            f"{self.distance()} END AS dist FROM search_listings AS s WHERE (s.lat IS NULL OR "
            f"s.online) AND (s.lat IS NULL OR {self.online()}) AND {' AND '.join(where)}"
        )
        pointless = f"SELECT * FROM ({anywhere}) WHERE dist IS NULL OR dist > {self._param(km)}"
        return f"{near} UNION ALL {pointless}"

    # facts: 1 yes, 0 no, NULL unknown (rules.fact)
    def fact(self, code: str) -> str:
        if code in vocab.ATTRIBUTES:
            bit = _bit(code)
            return (
                f"(CASE WHEN (s.yes_mask & {bit}) != 0 THEN 1 "
                f"WHEN (s.no_mask & {bit}) != 0 THEN 0 END)"
            )
        if code == "online":
            return "(CASE WHEN s.online THEN 1 ELSE 0 END)"
        if code == "in_person":
            return "(CASE WHEN s.in_person THEN 1 WHEN s.online_only THEN 0 END)"
        barrier = vocab.BARRIERS[code.removeprefix("barrier:")]
        if barrier.rule == "travel":
            return "1"
        if barrier.rule == "cost":
            return (
                "(CASE WHEN s.cost IN ('free', 'sliding_scale') THEN 1 "
                "WHEN s.cost = 'fee' THEN 0 END)"
            )
        if barrier.rule == "language":
            spoken = (
                " OR ".join(
                    f"instr(s.langs, {self._param(f'|{lang}|')}) > 0"
                    for lang in self.plan.languages
                )
                or "0"
            )
            return f"(CASE WHEN {spoken} THEN 1 WHEN s.langs != '' THEN 0 END)"
        if barrier.rule == "evening_hours":
            return "s.evening"
        if barrier.rule == "in_person":
            return self.fact("in_person")
        any_bits = _mask((*barrier.attributes, *barrier.helps), ATTRIBUTE_CODES)
        all_bits = _mask(barrier.attributes, ATTRIBUTE_CODES)
        confidential = "s.confidential OR " if barrier.rule == "confidential" else ""
        conflict = f"WHEN (s.no_mask & {all_bits}) = {all_bits} THEN 0 " if all_bits else ""
        return f"(CASE WHEN {confidential}(s.yes_mask & {any_bits}) != 0 THEN 1 {conflict}END)"

    def transit_ok(self) -> str:
        plan = self.plan
        if not plan.stops_loaded:
            return "1"
        if not plan.origin_near_stop:
            return "0"
        return f"(s.stop_metres IS NOT NULL AND s.stop_metres <= {plans.STOP_WALK_METRES})"

    def within(self) -> str:
        """Return whether a placed listing is within the limit by a usable mode, or gives rides."""
        plan = self.plan
        within = [
            f"(s.dist <= {self._param(km)}"
            + (f" AND {self.transit_ok()})" if mode == "transit" else ")")
            for mode, km in plan.reach.items()
        ]
        if plan.ride_ok:
            within.append(f"(s.yes_mask & {_bit('transport_provided')}) != 0")
        return f"({' OR '.join(within)})"

    def online(self) -> str:
        """Return whether joining online reaches the listing, for this person."""
        return "s.online" if self.plan.online_ok else "0"

    def reach_no(self) -> str:
        return f"(s.lat IS NOT NULL AND NOT {self.online()} AND NOT {self.within()})"

    def area_no(self) -> str:
        areas = ", ".join(self._param(a) for a in self.plan.origin_areas) or "NULL"
        return (
            f"(s.lat IS NULL AND NOT {self.online()} AND s.has_area AND NOT EXISTS (SELECT 1 FROM "
            f"search_areas AS a WHERE a.listing = s.rid AND a.area IN ({areas})))"
        )

    def window_no(self, zones: list[str]) -> str:
        plan = self.plan
        cases = []
        for zone in zones:
            spans = []
            for low, high in local_week_ranges(zone, *plan.window):
                lo, hi = self._param(low), self._param(high)
                overlap = f"(t.start < {hi} AND t.end > {lo})"
                if plan.instant:
                    spans.append(overlap)
                else:
                    spans.append(
                        f"(CASE WHEN s.kind = 'meeting' THEN t.starts AND "
                        f"t.start >= {lo} AND t.start < {hi} ELSE {overlap} END)"
                    )
            cases.append(f"WHEN {self._param(zone)} THEN ({' OR '.join(spans) or '0'})")
        occurs = f"CASE s.tz {' '.join(cases)} ELSE 0 END" if cases else "0"
        return (
            f"(s.has_times AND s.tz IS NOT NULL AND NOT EXISTS (SELECT 1 FROM search_times "
            f"AS t WHERE t.listing = s.rid AND ({occurs})))"
        )

    def fails(self, condition: Condition, zones: list[str]) -> str:
        kind, plan = condition.kind, self.plan
        if kind == "closed":
            return "s.closed"
        if kind == "gender":
            bit = 1 << GENDER_CODES.index(plan.gender)
            return f"(s.genders != 0 AND (s.genders & {bit}) = 0)"
        if kind == "age":
            age = self._param(plan.age)
            return (
                f"((s.min_age IS NOT NULL AND {age} < s.min_age) OR "
                f"(s.max_age IS NOT NULL AND {age} > s.max_age))"
            )
        if kind == "yes":
            return f"({self.fact(condition.code)} IS NOT 1)"
        if kind == "not_no":
            return f"({self.fact(condition.code)} IS 0)"
        if kind == "not_yes":
            return f"({self.fact(condition.code)} IS 1)"
        if kind == "window":
            return self.window_no(zones)
        if kind == "area":
            return self.area_no()
        if kind == "reach":
            return self.reach_no()
        raise ValueError(f"unknown condition kind: {kind}")

    def hidden_reason(self, zones: list[str]) -> str:
        whens = " ".join(
            f"WHEN {self.fails(c, zones)} THEN {_quote(c.reason)}" for c in self.plan.conditions
        )
        return f"(CASE {whens} END)" if whens else "NULL"

    # the soft score (rules.components and rules.score)
    def _tri(self, fact: str, yes: float = 1.0, no: float = 0.0) -> str:
        return f"(CASE {fact} WHEN 1 THEN {yes} WHEN 0 THEN {no} ELSE 0.5 END)"

    def _travel(self) -> str:
        plan = self.plan
        if not plan.reach:
            return str(plans.UNKNOWN_REACH_SCORE)
        minutes = {
            "walk": f"(s.dist * {plans.DETOUR} / {plans.WALK_KMH} * 60)",
            "transit": f"({plans.TRANSIT_ACCESS_MINUTES} + s.dist * {plans.DETOUR} / "
            f"{plans.TRANSIT_KMH} * 60)",
            "car": f"({plans.CAR_PARKING_MINUTES} + s.dist * {plans.DETOUR} / "
            f"{plans.CAR_KMH} * 60)",
        }
        # the best usable mode (rules.components); an unusable one counts 0
        values = [
            f"(CASE WHEN {self.transit_ok() if mode == 'transit' else '1'} THEN "
            f"power(0.5, {minutes[mode]} / {plans.TRAVEL_DECAY_MINUTES[mode]}) ELSE 0 END)"
            for mode in plan.reach
        ]
        best = f"max({', '.join(values)}, 0)"
        reached = f"{plans.NO_TRAVEL_SCORE}"
        unknown = f"{plans.UNKNOWN_REACH_SCORE}"
        pointless = f"(CASE WHEN {self.online()} OR s.has_area THEN {reached} ELSE {unknown} END)"
        online_far = f"WHEN {self.online()} AND NOT {self.within()} THEN {reached}"
        return f"(CASE WHEN s.lat IS NULL THEN {pointless} {online_far} ELSE {best} END)"

    def component(self, name: str) -> str:
        plan, now = self.plan, self.plan.now.timestamp()
        if name == "travel":
            return self._travel()
        if name == "values":
            parts = [self._tri(self.fact(c)) for c in plan.prefer]
            parts += [self._tri(self.fact(c), yes=0.0, no=1.0) for c in plan.avoid]
            return f"(({' + '.join(parts)}) / {len(parts)}.0)"
        if name == "barriers":
            parts = [self._tri(self.fact(f"barrier:{c}")) for c in plan.barriers]
            return f"(({' + '.join(parts)}) / {len(parts)}.0)"
        if name == "language":
            return self._tri(self.fact("barrier:limited_english"))
        if name == "text":
            found = " + ".join(
                f"(s.rid IN (SELECT rowid FROM search_text WHERE search_text MATCH "
                f"{self._param(chr(34) + t + chr(34))}))"
                for t in plan.tokens
            )
            return f"(({found}) / {len(plan.tokens)}.0)"
        if name == "cost":
            whens = " ".join(f"WHEN {_quote(k)} THEN {v}" for k, v in plans.COST_SCORES.items())
            return f"(CASE s.cost {whens} ELSE 0.5 END)"
        if name == "freshness":
            half = plans.FRESHNESS_HALF_LIFE_DAYS
            return (
                f"(CASE WHEN s.verified IS NULL THEN 0.0 ELSE power(0.5, "
                f"max({now} - s.verified, 0.0) / {SECONDS_PER_DAY} / {half}) END)"
            )
        horizon = plans.AVAILABILITY_HORIZON_DAYS * SECONDS_PER_DAY
        fresh = (
            f"(CASE WHEN s.available_at IS NULL THEN 0.0 ELSE max(0.0, 1.0 - "
            f"max({now} - s.available_at, 0.0) / {horizon}) END)"
        )
        return (
            f"(CASE WHEN s.available IS NULL THEN 0.5 ELSE 0.5 + "
            f"(CASE WHEN s.available > 0 THEN 0.5 ELSE -0.5 END) * {fresh} END)"
        )

    def score(self) -> str:
        weights = self.plan.weights
        total = sum(weights.values())
        parts = " + ".join(f"{w} * {self.component(n)}" for n, w in weights.items())
        return f"round(({parts}) / {total}, {SCORE_DIGITS})"

    def facets(self, connection: Connection) -> dict:
        """Count the qualifying listings by subcategory, attribute, attendance and cost.

        SQLite groups the rows by their masks; the bits of the few distinct masks are then
        counted here, far cheaper than a sum per bit per row.
        """
        subs = Counter()
        attributes = Counter()
        attendance = Counter()
        cost = Counter()
        groups = connection.execute(
            text(
                "SELECT sub_mask, yes_mask, online, in_person, cost, count(*) FROM temp.match_rows "
                "WHERE reason IS NULL GROUP BY sub_mask, yes_mask, online, in_person, cost"
            )
        )
        for sub_mask, yes_mask, online, in_person, kind, n in groups:
            for code in _set_bits(sub_mask, SUBCATEGORIES):
                subs[code] += n
            for code in _set_bits(yes_mask, ATTRIBUTE_CODES):
                attributes[code] += n
            attendance["online"] += n if online else 0
            attendance["in_person"] += n if in_person else 0
            cost[kind] += n
        wanted = {c for c, _ in self.plan.needs}
        return {
            "subcategories": {
                code.split(".")[1]: n for code, n in subs.items() if code.split(".")[0] in wanted
            },
            "attributes": dict(attributes),
            "attendance": {"online": attendance["online"], "in_person": attendance["in_person"]},
            "cost": dict(cost),
        }


def _set_bits(mask: int, codes: tuple[str, ...]) -> Iterator[str]:
    """Yield the codes whose bits are set in a mask."""
    while mask:
        low = mask & -mask
        yield codes[low.bit_length() - 1]
        mask ^= low
