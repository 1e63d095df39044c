"""The Elasticsearch engine: the same search documents and plans, on a cluster.

The index holds each search document as built (`resdir.search.documents.build`), plus two
fields derived from its weekly times, under an alias; `rebuild` loads a fresh index and swaps the
alias in one atomic step. A plan compiles to one request: the candidates (needs, search area,
text) as filters; each hidden reason as a `filters` aggregation bucket of "fails this, passes
every earlier condition"; the qualifying listings as a post filter, with facets aggregated over
them; the score as function_score decays and filter weights shaped as `resdir.matching.rules`
computes it. Elasticsearch scores are 32-bit floats, so the rules re-score the leading hits
exactly, fetching further (search_after) until no hit left behind could still reach the page.

Within a search's budget (`resdir.search.budget`) every call waits at most what is left of it and
is not retried; a call that fails marks the cluster down for RESDIR_ELASTICSEARCH_RECHECK_SECONDS,
during which this process's searches go straight to the fallback.
"""

import logging
import os
import re
import socket
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from elasticsearch import ApiError, Elasticsearch, NotFoundError, TransportError, helpers
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from resdir import vocab
from resdir.matching import plan as plans
from resdir.matching.plan import Condition, MatchPlan
from resdir.matching.rules import SECONDS_PER_DAY, evaluate
from resdir.matching.time import local_week_ranges
from resdir.search import (
    CandidateSet,
    DocumentsRefused,
    SearchUnavailable,
    StoreBusy,
    advance_position,
    pending,
    read_position,
    remaining,
    set_position,
    writing,
)

log = logging.getLogger(__name__)

KEYWORD = {"type": "keyword"}
BOOLEAN = {"type": "boolean"}
STORED = {"type": "long", "index": False, "doc_values": False}  # kept for the rules only
MAPPING = {
    "dynamic": "strict",
    "properties": {
        "id": KEYWORD,
        "name": {"type": "keyword", "index": False, "doc_values": False},
        "kind": KEYWORD,
        "fellowship": KEYWORD,
        "category": KEYWORD,
        "subcategories": KEYWORD,
        "published": BOOLEAN,
        "closed": BOOLEAN,
        "point": {"type": "geo_point"},
        "approximate": BOOLEAN,
        "in_person": BOOLEAN,
        "online": BOOLEAN,
        "online_only": BOOLEAN,
        "confidential": BOOLEAN,
        "area": KEYWORD,
        "yes": KEYWORD,
        "no": KEYWORD,
        "genders": KEYWORD,
        "min_age": {"type": "integer"},
        "max_age": {"type": "integer"},
        "languages": KEYWORD,
        "cost": KEYWORD,
        "evening": BOOLEAN,
        "verified_at": {"type": "double"},  # epoch seconds, as the rules read them
        "available": {"type": "integer"},
        "available_at": {"type": "double"},
        "stop_metres": {"type": "double"},
        "timezone": KEYWORD,
        "times": STORED,
        # the analyzed tokens (resdir.analysis): the standard analyzer splits them on spaces
        "tokens": {"type": "text", "norms": False, "index_options": "docs"},
        # derived: every weekly span as a range, and where meetings start
        "spans": {"type": "integer_range"},
        "starts": {"type": "integer"},
    },
}
DERIVED = ("spans", "starts")
LIVE_SETTINGS = {"refresh_interval": "1s", "auto_expand_replicas": "0-1"}
# While a fresh index loads: no refreshes and no replicas (they are made once, at the end).
BUILD_SETTINGS = {
    "refresh_interval": "-1",
    "auto_expand_replicas": "false",
    "number_of_replicas": 0,
}
SHARDS = 1  # scores are not BM25, so one shard ranks as many would; split it when it grows
# How long a deleted document's version is remembered (Elasticsearch's default is 60 s): a write
# older than the delete, from a worker that lagged behind, is refused for that long.
GC_DELETES = "1h"
BULK_CHUNK = 1000
BULK_RETRIES = 5  # per document rejected with 429 (the cluster is busy), with backoff
# Command-line work only (rebuilds, ingest's sync): a search's calls fit its budget instead.
BULK_TIMEOUT_SECONDS = 120
RETRIES = 2  # by the client, for command-line work
HEALTH_WAIT = "60s"  # for a rebuilt index's shards to start
UNAVAILABLE = (401, 403, 408, 429)  # with every 5xx: the cluster cannot serve us now
RETRY_STATUSES = (429, 502, 503, 504)  # retried by the client before giving up
CONFLICT = 409  # a write older than the indexed version: refused, as it should be
FETCH_MARGIN = 20  # hits fetched beyond the page, for the exact re-scoring
TIE_BATCH = 1000  # hits fetched at once when scores near the page's end are too close to call
# A 32-bit score is within this of the rules' score; a hit scored this much below the page's
# last exact score cannot belong to the page.
SCORE_TOLERANCE = 1e-4
SORT = [{"_score": "desc"}, {"id": "asc"}]
FACET_SIZE = 200  # more than any vocabulary's codes
ALL = {"match_all": {}}
NONE = {"match_none": {}}


def client(config: dict) -> Elasticsearch:
    """Return a client for the configured cluster (API key or user and password, if given)."""
    options = {}
    if config["ELASTICSEARCH_API_KEY"]:
        options["api_key"] = config["ELASTICSEARCH_API_KEY"]
    elif config["ELASTICSEARCH_USERNAME"]:
        options["basic_auth"] = (
            config["ELASTICSEARCH_USERNAME"],
            config["ELASTICSEARCH_PASSWORD"] or "",
        )
    if config["ELASTICSEARCH_CA_CERTS"]:
        options["ca_certs"] = config["ELASTICSEARCH_CA_CERTS"]
    return Elasticsearch(
        config["ELASTICSEARCH_URL"],
        request_timeout=config["ELASTICSEARCH_TIMEOUT_SECONDS"],
        max_retries=RETRIES,
        retry_on_status=RETRY_STATUSES,
        retry_on_timeout=True,
        **options,
    )


def es_document(sdoc: dict) -> dict:
    """Return the indexed form of a search document: itself, with its derived time fields."""
    return {
        **sdoc,
        "spans": [{"gte": start, "lt": end} for start, end, _ in sdoc["times"]],
        "starts": [start for start, _, starts in sdoc["times"] if starts],
    }


def search_document(source: dict) -> dict:
    """Return the search document an indexed one was made from."""
    return {k: v for k, v in source.items() if k not in DERIVED}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


class ElasticEngine:
    """Search on an Elasticsearch cluster, through an alias; positions live in the store."""

    name = "elasticsearch"

    def __init__(
        self, es: Elasticsearch, alias: str, db: Engine, timeout: float, recheck_seconds: float
    ):
        self.es = es
        self.alias = alias
        self.db = db
        self.timeout = timeout
        self.recheck_seconds = recheck_seconds
        self._down_until = 0.0  # monotonic time until which searches do not try the cluster
        # The indexes rebuilds make (and the first, empty one): any not behind the alias is an
        # orphan, unless its build is still running.
        self._built = re.compile(rf"{re.escape(alias)}-(\d{{14}}-[0-9a-f]{{8}}|initial)")

    @classmethod
    def from_config(cls, config: dict, db: Engine) -> "ElasticEngine":
        """Return the engine of an app's configuration."""
        return cls(
            client(config),
            config["ELASTICSEARCH_INDEX"],
            db,
            config["ELASTICSEARCH_TIMEOUT_SECONDS"],
            config["ELASTICSEARCH_RECHECK_SECONDS"],
        )

    def _client(self, bulk: bool = False) -> Elasticsearch:
        """Return the client for the next call. Within a search: one that waits at most what is
        left of its budget and never retries, and none while the cluster is marked down.
        Otherwise (the command line) the configured one, or a patient one for bulk loads."""
        left = remaining()
        if left is None:
            return self.es.options(request_timeout=BULK_TIMEOUT_SECONDS) if bulk else self.es
        if time.monotonic() < self._down_until:
            raise SearchUnavailable(
                f"Elasticsearch failed less than {self.recheck_seconds:g} s ago; not tried yet"
            )
        if left <= 0:
            raise SearchUnavailable("the search's time for Elasticsearch ran out")
        return self.es.options(
            request_timeout=min(left, self.timeout), max_retries=0, retry_on_timeout=False
        )

    @contextmanager
    def _reachable(self) -> Iterator[None]:
        """Turn "cannot reach or use the cluster now" into SearchUnavailable, and remember it
        for RESDIR_ELASTICSEARCH_RECHECK_SECONDS (this process's searches do not wait for the
        cluster again meanwhile)."""
        try:
            yield
        except TransportError as exc:
            self._down_until = time.monotonic() + self.recheck_seconds
            raise SearchUnavailable(f"Elasticsearch is unreachable: {exc}") from exc
        except ApiError as exc:
            if exc.meta.status in UNAVAILABLE or exc.meta.status >= 500:
                self._down_until = time.monotonic() + self.recheck_seconds
                # Its status and error type only: a reason may quote the query, which holds
                # what a person told about themselves, and this message is logged.
                raise SearchUnavailable(
                    f"Elasticsearch answered {exc.meta.status} {exc.error}"
                ) from exc
            raise

    # -- the index behind the alias --------------------------------------------------------

    def _key(self, index: str) -> str:
        return f"{self.name}:{index}"

    def _resolve(self) -> str | None:
        """Return the index the alias points at, or None when there is none."""
        with self._reachable():
            try:
                found = self._client().indices.get_alias(name=self.alias)
            except NotFoundError:
                return None
        return next(iter(found))

    def _new_name(self) -> str:
        stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime())
        return f"{self.alias}-{stamp}-{uuid.uuid4().hex[:8]}"

    def _create(self, index: str, settings: dict, aliased: bool, meta: dict | None = None) -> None:
        body = {
            "settings": {"number_of_shards": SHARDS, "gc_deletes": GC_DELETES, **settings},
            "mappings": {"_meta": meta, **MAPPING} if meta else MAPPING,
        }
        if aliased:
            body["aliases"] = {self.alias: {}}
        with self._reachable():
            self._client().indices.create(index=index, **body)

    def _live_index(self) -> str:
        """Return the index behind the alias, creating an empty one the first time: the outbox,
        replayed from its start, then fills it."""
        index = self._resolve()
        if index is None:
            first = f"{self.alias}-initial"
            try:
                self._create(first, LIVE_SETTINGS, aliased=True)
            except ApiError as exc:
                if exc.meta.status != 400:  # 400: another process made it first
                    raise
            index = self._resolve()
            if index is None:
                raise SearchUnavailable(
                    f"index {first} exists without the alias {self.alias}; run resdir reindex"
                )
        return index

    def _uuid(self, index: str) -> str:
        with self._reachable():
            found = self._client().indices.get_settings(index=index, name="index.uuid")
        return found[index]["settings"]["index"]["uuid"]

    def _remove_orphans(self) -> None:
        """Delete the indexes interrupted rebuilds left (named as rebuilds name them, not behind
        the alias), except those whose build still runs in a process of this host."""
        with self._reachable():
            found = self._client().indices.get(
                index=f"{self.alias}-*", expand_wildcards="all", allow_no_indices=True
            )
        here = socket.gethostname()
        for index, entry in found.items():
            if not self._built.fullmatch(index) or self.alias in entry.get("aliases", {}):
                continue
            builder = (entry.get("mappings", {}).get("_meta") or {}).get("build") or {}
            if builder.get("host") == here and _alive(builder.get("pid", 0)):
                log.info("index %s is being built by process %s", index, builder["pid"])
                continue
            log.info("deleting index %s, left by an interrupted rebuild", index)
            with self._reachable():
                self._client().indices.delete(index=index, ignore_unavailable=True)
            with writing(self.db) as connection:
                set_position(connection, self._key(index), None)

    # -- writing -----------------------------------------------------------------------------

    def _bulk(self, actions: Iterable[dict]) -> list[tuple[str, int, str]]:
        """Send actions in chunks; return the documents refused, each with status and reason
        (a delete of what is not there, or a write older than the indexed one, is no refusal)."""
        refused = []
        hurried = remaining() is not None
        with self._reachable():
            for ok, item in helpers.streaming_bulk(
                self._client(bulk=True),
                actions,
                chunk_size=BULK_CHUNK,
                max_retries=0 if hurried else BULK_RETRIES,  # a search cannot wait for backoff
                initial_backoff=1,
                raise_on_error=False,
            ):
                if not ok:
                    (result,) = item.values()
                    status = result.get("status", 0)
                    if (status == 404 and "error" not in result) or status == CONFLICT:
                        continue
                    error = result.get("error") or {}
                    reason = error.get("reason", str(error)) if isinstance(error, dict) else error
                    refused.append((result.get("_id"), status, reason))
        return refused

    def _write(self, actions: list[dict]) -> None:
        """Apply changes to the live index: a busy or failing cluster raises SearchUnavailable
        (the outbox keeps them); a document it refuses is logged and left out."""
        refused = self._bulk(actions)
        if any(status in UNAVAILABLE or status >= 500 for _, status, _ in refused):
            raise SearchUnavailable(
                f"Elasticsearch failed to apply changes: {DocumentsRefused(refused)}"
            )
        for listing_id, status, reason in refused:
            log.error("search index refused listing %s (%s): %s", listing_id, status, reason)
        with self._reachable():
            self._client().indices.refresh(index=self.alias)

    def catch_up(self, session: Session) -> int:
        """Apply the next outbox entries, each written with its outbox entry as an external
        version: Elasticsearch refuses a write older than the version it holds, so workers
        replaying the same entries never bring an older document back (nor a deleted one, for
        GC_DELETES). Within a search, when the store is too busy to record the position, stop
        here: the next sync applies these entries again, harmlessly."""
        index = self._live_index()
        changes = pending(session, read_position(self.db, self._key(index)))
        if changes is None:
            return 0
        external = {"_index": self.alias, "version_type": "external"}
        self._write(
            [
                {**external, "_id": doc["id"], "version": version, "_source": es_document(doc)}
                for doc, version in changes.docs
            ]
            + [
                {**external, "_op_type": "delete", "_id": listing_id, "version": version}
                for listing_id, version in changes.gone
            ]
        )
        try:
            with writing(self.db) as connection:
                advance_position(connection, self._key(index), changes.last)
        except StoreBusy:
            log.info("the store is busy: the position of %s moves at the next sync", index)
            return 0
        return len(changes)

    def rebuild(self, docs: Iterable[dict], position: int) -> None:
        """Load a fresh index and swap the alias to it; on any failure delete it, leaving the
        alias and the index behind it as they were. Indexes that interrupted rebuilds left
        behind are deleted first. Every document is written at version `position`, so the
        outbox entries after it replace them and those before it cannot."""
        self._remove_orphans()
        index = self._new_name()
        builder = {"build": {"host": socket.gethostname(), "pid": os.getpid()}}
        self._create(index, BUILD_SETTINGS, aliased=False, meta=builder)
        try:
            created = self._uuid(index)
            refused = self._bulk(
                {
                    "_index": index,
                    "_id": d["id"],
                    "_source": es_document(d),
                    "version": position,
                    "version_type": "external",
                }
                for d in docs
            )
            if refused:
                raise DocumentsRefused(refused)
            with self._reachable():
                es = self._client(bulk=True)
                es.indices.put_settings(index=index, settings=LIVE_SETTINGS)
                es.indices.refresh(index=index)
                es.cluster.health(index=index, wait_for_status="yellow", timeout=HEALTH_WAIT)
            if self._uuid(index) != created:
                # deleted meanwhile (by another rebuild's clean-up) and re-made by the writes
                raise SearchUnavailable(f"index {index} was deleted while it was loading")
            with writing(self.db) as connection:
                set_position(connection, self._key(index), position)
            old = self._resolve()
            actions = [{"add": {"index": index, "alias": self.alias}}]
            if old:
                actions.insert(0, {"remove": {"index": old, "alias": self.alias}})
            with self._reachable():
                self._client().indices.update_aliases(actions=actions)
        except BaseException:
            with self._reachable():
                self._client().indices.delete(index=index, ignore_unavailable=True)
            with writing(self.db) as connection:
                set_position(connection, self._key(index), None)
            raise
        if old:
            with self._reachable():
                self._client().indices.delete(index=old, ignore_unavailable=True)
            with writing(self.db) as connection:
                set_position(connection, self._key(old), None)

    def position(self) -> int:
        """Return the last outbox entry the live index has applied."""
        return read_position(self.db, self._key(self._live_index()))

    # -- reading -----------------------------------------------------------------------------

    def documents(self, ids: list[str]) -> dict[str, dict]:
        """Return the search documents of listings by id."""
        if not ids:
            return {}
        found = self._read("mget", ids=ids)
        return {d["_id"]: search_document(d["_source"]) for d in found["docs"] if d.get("found")}

    def _zones(self) -> list[str]:
        """Return the time zones the indexed listings are in (the window is read on each)."""
        found = self._read(
            "search",
            size=0,
            aggs={"zones": {"terms": {"field": "timezone", "size": 1000}}},
            request_cache=True,
        )
        return [b["key"] for b in found["aggregations"]["zones"]["buckets"]]

    def _read(self, api: str, **body) -> dict:
        """Run a read of the alias (`api`: search or mget), once more if the index behind it
        went away meanwhile (an alias swap): a search never fails because of a rebuild."""
        for _ in range(2):
            with self._reachable():
                try:
                    found = getattr(self._client(), api)(index=self.alias, **body)
                except NotFoundError:
                    continue
            if not found.get("_shards", {}).get("failed"):
                return found
        raise SearchUnavailable(f"reads of {self.alias} keep failing")

    def search(
        self, plan: MatchPlan, offset: int, size: int, reveal: str | None = None
    ) -> CandidateSet:
        """Return one page of the qualifying listings (or of those `reveal` hid) in exact score
        order, hidden counts and facets."""
        query = _Query(plan, self._zones() if plan.window else [], reveal)
        want = offset + size
        batch = want + FETCH_MARGIN
        found = self._read(
            "search",
            **query.body(),
            size=batch,
            sort=SORT,
            track_total_hits=False,
            source_excludes=list(DERIVED),
        )
        aggregations = found["aggregations"]
        last = found["hits"]["hits"]
        scored = [(evaluate(h["_source"], plan).score, h["_id"]) for h in last]
        while len(last) == batch:
            # Done when the last hit, even 32-bit-rounded, scores below the page's last exact
            # score; else fetch on, at once, every hit that could still reach the page.
            scored.sort(key=lambda s: (-s[0], s[1]))
            floor = scored[want - 1][0] - SCORE_TOLERANCE if len(scored) >= want else None
            if floor is not None and last[-1]["_score"] < floor:
                break
            batch = TIE_BATCH
            more = {"min_score": floor} if floor is not None else {}
            last = self._read(
                "search",
                query=query.scored(),
                post_filter=query.shown(),
                size=batch,
                sort=SORT,
                search_after=last[-1]["sort"],
                track_total_hits=False,
                source_excludes=list(DERIVED),
                **more,
            )["hits"]["hits"]
            scored += [(evaluate(h["_source"], plan).score, h["_id"]) for h in last]
        scored.sort(key=lambda s: (-s[0], s[1]))
        qualifying = aggregations["qualifying"]
        hidden = (
            {
                reason: bucket["doc_count"]
                for reason, bucket in aggregations["hidden"]["buckets"].items()
                if bucket["doc_count"]
            }
            if "hidden" in aggregations
            else {}
        )
        total = qualifying["doc_count"] if reveal is None else hidden.get(reveal, 0)
        return CandidateSet(
            [i for _, i in scored[offset:want]], total, hidden, query.facets(qualifying)
        )


def _term(field: str, value) -> dict:
    return {"term": {field: value}}


def _terms(field: str, values: Iterable) -> dict:
    values = list(values)
    return {"terms": {field: values}} if values else NONE


def _exists(field: str) -> dict:
    return {"exists": {"field": field}}


def _not(query: dict) -> dict:
    if query is ALL:
        return NONE
    if query is NONE:
        return ALL
    return {"bool": {"must_not": [query]}}


def _join(queries: tuple[dict, ...], absorbing: dict, neutral: dict, clause) -> dict:
    """Join queries in a bool query, with the constants simplified away: `absorbing` decides
    alone, `neutral` drops out; `clause(kept)` is the bool query's body."""
    if any(q is absorbing for q in queries):
        return absorbing
    kept = [q for q in queries if q is not neutral]
    if not kept:
        return neutral
    return kept[0] if len(kept) == 1 else {"bool": clause(kept)}


def _and(*queries: dict) -> dict:
    return _join(queries, NONE, ALL, lambda kept: {"filter": kept})


def _or(*queries: dict) -> dict:
    return _join(queries, ALL, NONE, lambda kept: {"should": kept, "minimum_should_match": 1})


class _Query:
    """The query of one plan: candidates, the conditions, the score, facets (rules.py in DSL)."""

    def __init__(self, plan: MatchPlan, zones: list[str], reveal: str | None = None):
        self.plan = plan
        self.zones = zones
        self.reveal = reveal
        self.fails = [self._fails(c) for c in plan.conditions]

    # facts: a query for "yes" and one for "no" (rules.fact)
    def fact(self, code: str) -> tuple[dict, dict]:
        plan = self.plan
        if code in vocab.ATTRIBUTES:
            return _term("yes", code), _term("no", code)
        if code == "online":
            return _term("online", True), _not(_term("online", True))
        if code == "in_person":
            return _term("in_person", True), _term("online_only", True)
        barrier = vocab.BARRIERS[code.removeprefix("barrier:")]
        if barrier.rule == "travel":
            return ALL, NONE
        if barrier.rule == "cost":
            return _terms("cost", ("free", "sliding_scale")), _term("cost", "fee")
        if barrier.rule == "language":
            spoken = _terms("languages", plan.languages)
            return spoken, _and(_exists("languages"), _not(spoken))
        if barrier.rule == "evening_hours":
            return _term("evening", True), _term("evening", False)
        if barrier.rule == "in_person":
            return self.fact("in_person")
        yes = _terms("yes", (*barrier.attributes, *barrier.helps))
        if barrier.rule == "confidential":
            yes = _or(_term("confidential", True), yes)
        if not barrier.attributes:
            return yes, NONE
        return yes, _and(_not(yes), *(_term("no", a) for a in barrier.attributes))

    def online(self) -> dict:
        """Joining online reaches the listing, for this person."""
        return _term("online", True) if self.plan.online_ok else NONE

    def transit_ok(self) -> dict:
        plan = self.plan
        if not plan.stops_loaded:
            return ALL
        if not plan.origin_near_stop:
            return NONE
        return {"range": {"stop_metres": {"lte": plans.STOP_WALK_METRES}}}

    def _near(self, km: float) -> dict:
        lat, lon = self.plan.origin
        return {"geo_distance": {"distance": f"{km}km", "point": {"lat": lat, "lon": lon}}}

    def within(self) -> dict:
        """A placed listing within the limit by a usable mode, or one that gives rides."""
        plan = self.plan
        within = [
            _and(self._near(km), self.transit_ok() if mode == "transit" else ALL)
            for mode, km in plan.reach.items()
        ]
        if plan.ride_ok:
            within.append(_term("yes", "transport_provided"))
        return _or(*within)

    def _occurs(self) -> dict:
        """A listing with an occurrence in the window, on its own zone's clock."""
        plan = self.plan
        in_zones = []
        for zone in self.zones:
            spans = []
            for low, high in local_week_ranges(zone, *plan.window):
                overlap = {"range": {"spans": {"gte": low, "lt": high, "relation": "intersects"}}}
                if plan.instant:
                    spans.append(overlap)
                else:
                    starts = {"range": {"starts": {"gte": low, "lt": high}}}
                    meeting = _term("kind", "meeting")
                    spans.append(_or(_and(meeting, starts), _and(_not(meeting), overlap)))
            in_zones.append(_and(_term("timezone", zone), _or(*spans)))
        return _or(*in_zones)

    def _fails(self, condition: Condition) -> dict:
        kind, plan = condition.kind, self.plan
        if kind == "closed":
            return _term("closed", True)
        if kind == "gender":
            return _and(_exists("genders"), _not(_term("genders", plan.gender)))
        if kind == "age":
            return _or(
                {"range": {"min_age": {"gt": plan.age}}}, {"range": {"max_age": {"lt": plan.age}}}
            )
        if kind == "yes":
            return _not(self.fact(condition.code)[0])
        if kind == "not_no":
            return self.fact(condition.code)[1]
        if kind == "not_yes":
            return self.fact(condition.code)[0]
        if kind == "window":
            return _and(_exists("spans"), _exists("timezone"), _not(self._occurs()))
        if kind == "area":
            return _and(
                _not(_exists("point")),
                _not(self.online()),
                _exists("area"),
                _not(_terms("area", plan.origin_areas)),
            )
        if kind == "reach":
            return _and(_exists("point"), _not(self.online()), _not(self.within()))
        raise ValueError(f"unknown condition kind: {kind}")

    def candidates(self) -> dict:
        """Needed, near enough (or reachable from anywhere), holding a token of the query."""
        plan = self.plan
        needs = _or(
            *(
                _and(_term("category", c), _term("subcategories", s) if s else ALL)
                for c, s in plan.needs
            )
        )
        text = _terms("tokens", plan.tokens) if plan.tokens else ALL
        area = ALL
        if plan.origin is not None:
            area = _or(_not(_exists("point")), self.online(), self._near(plan.search_km))
        return _and(needs, text, area)

    def qualifying(self) -> dict:
        """The candidates that fail no condition."""
        return _not(_or(*self.fails))

    def hidden_by(self) -> dict[str, dict]:
        """Each condition's reason -> the candidates that fail it and no earlier one."""
        return {
            c.reason: _and(fails, *(_not(f) for f in self.fails[:n]))
            for n, (c, fails) in enumerate(zip(self.plan.conditions, self.fails, strict=True))
        }

    def shown(self) -> dict:
        """The listings a page shows: the qualifying ones, or those the revealed reason hid."""
        return self.qualifying() if self.reveal is None else self.hidden_by()[self.reveal]

    # the score (rules.components and rules.score), each component's weight share applied
    def _share(self, name: str) -> float:
        weights = self.plan.weights
        return weights[name] / sum(weights.values())

    def _tri(self, yes: dict, no: dict, weight: float) -> list[dict]:
        """yes 1, unknown 0.5, no 0: half for "not no", half for "yes"."""
        return [
            {"filter": _not(no), "weight": weight / 2},
            {"filter": yes, "weight": weight / 2},
        ]

    def _travel(self, weight: float) -> dict:
        """The travel component: the best usable mode's decay, or a flat score without a trip."""
        plan = self.plan
        if not plan.reach:
            return {"weight": plans.UNKNOWN_REACH_SCORE * weight}
        lat, lon = plan.origin
        placed = _exists("point")
        online_far = _and(placed, self.online(), _not(self.within()))
        functions = []
        speeds = {
            "walk": (0.0, plans.WALK_KMH),
            "transit": (plans.TRANSIT_ACCESS_MINUTES, plans.TRANSIT_KMH),
            "car": (plans.CAR_PARKING_MINUTES, plans.CAR_KMH),
        }
        for mode in plan.reach:
            access, kmh = speeds[mode]
            half = plans.TRAVEL_DECAY_MINUTES[mode]
            # 0.5 ** (minutes / half), minutes = access + km * DETOUR / kmh * 60
            scale_km = half * kmh / (60 * plans.DETOUR)
            usable = self.transit_ok() if mode == "transit" else ALL
            functions.append(
                {
                    "filter": _and(placed, _not(online_far), usable),
                    "exp": {
                        "point": {
                            "origin": {"lat": lat, "lon": lon},
                            "scale": f"{scale_km}km",
                            "decay": 0.5,
                        }
                    },
                    "weight": weight * 0.5 ** (access / half),
                }
            )
        reached = _or(online_far, _and(_not(placed), _or(self.online(), _exists("area"))))
        unknown = _and(_not(placed), _not(self.online()), _not(_exists("area")))
        functions.append({"filter": reached, "weight": plans.NO_TRAVEL_SCORE * weight})
        functions.append({"filter": unknown, "weight": plans.UNKNOWN_REACH_SCORE * weight})
        return {
            "function_score": {
                "query": ALL,
                "functions": [f for f in functions if f["filter"] is not NONE],
                "score_mode": "max",
                "boost_mode": "replace",
            }
        }

    def _functions(self, name: str, weight: float) -> list[dict]:
        """The summed functions of one component (every one but travel)."""
        plan, now = self.plan, self.plan.now.timestamp()
        if name == "values":
            each = weight / (len(plan.prefer) + len(plan.avoid))
            out = []
            for code in plan.prefer:
                out += self._tri(*self.fact(code), each)
            for code in plan.avoid:
                out += self._tri(*reversed(self.fact(code)), each)
            return out
        if name == "barriers":
            each = weight / len(plan.barriers)
            return [f for c in plan.barriers for f in self._tri(*self.fact(f"barrier:{c}"), each)]
        if name == "language":
            return self._tri(*self.fact("barrier:limited_english"), weight)
        if name == "text":
            each = weight / len(plan.tokens)
            return [{"filter": _term("tokens", t), "weight": each} for t in plan.tokens]
        if name == "cost":
            return [
                {"filter": _term("cost", kind), "weight": weight * value}
                for kind, value in plans.COST_SCORES.items()
            ]
        if name == "freshness":
            return [
                {
                    "filter": {"range": {"verified_at": {"lte": now}}},
                    "exp": {
                        "verified_at": {
                            "origin": now,
                            "scale": plans.FRESHNESS_HALF_LIFE_DAYS * SECONDS_PER_DAY,
                            "decay": 0.5,
                        }
                    },
                    "weight": weight,
                },
                {"filter": {"range": {"verified_at": {"gt": now}}}, "weight": weight},
            ]
        # availability: 0.5 unknown; with places 0.5 + 0.5 * fade; full 0.5 - 0.5 * fade, where
        # fade falls linearly from 1 (reported now) to 0 (AVAILABILITY_HORIZON_DAYS ago)
        horizon = plans.AVAILABILITY_HORIZON_DAYS * SECONDS_PER_DAY
        places, full = {"range": {"available": {"gt": 0}}}, {"range": {"available": {"lte": 0}}}
        recent = {"range": {"available_at": {"gte": now - horizon, "lte": now}}}
        ahead = {"range": {"available_at": {"gt": now}}}
        old = _or(_not(_exists("available_at")), {"range": {"available_at": {"lt": now - horizon}}})
        half = weight / 2

        def linear(origin: float) -> dict:
            # Elasticsearch's linear decay is 1 - distance / (scale / (1 - decay)): 1 - age/horizon
            return {"available_at": {"origin": origin, "scale": horizon / 2, "decay": 0.5}}

        return [
            {"filter": _not(_exists("available")), "weight": half},
            {"filter": places, "weight": half},
            {"filter": _and(places, recent), "linear": linear(now), "weight": half},
            {"filter": _and(places, ahead), "weight": half},
            {"filter": _and(full, old), "weight": half},
            # |age - horizon| from an origin a horizon back: the fade's complement, age/horizon
            {"filter": _and(full, recent), "linear": linear(now - horizon), "weight": half},
        ]

    def scored(self) -> dict:
        """The candidates, scored as the rules score them (to 32-bit precision)."""
        should = []
        functions = []
        for name in self.plan.weights:
            weight = self._share(name)
            if name == "travel":
                should.append(self._travel(weight))
            else:
                functions += self._functions(name, weight)
        functions = [f for f in functions if f["filter"] is not NONE and f["weight"] > 0]
        should.append(
            {
                "function_score": {
                    "query": ALL,
                    # a listing no filter matches scores 0 (function_score's default is 1)
                    "functions": [{"weight": 0.0}, *functions],
                    "score_mode": "sum",
                    "boost_mode": "replace",
                }
            }
        )
        return {"bool": {"filter": [self.candidates()], "should": should}}

    def body(self) -> dict:
        """The first request: scored candidates, qualifying hits, hidden counts and facets."""
        qualifying = self.qualifying()
        facets = {
            "categories": {
                "terms": {"field": "category", "size": FACET_SIZE},
                "aggs": {
                    "subcategories": {"terms": {"field": "subcategories", "size": FACET_SIZE}}
                },
            },
            "attributes": {"terms": {"field": "yes", "size": FACET_SIZE}},
            "cost": {"terms": {"field": "cost", "size": FACET_SIZE}},
            "online": {"filter": _term("online", True)},
            "in_person": {"filter": _term("in_person", True)},
        }
        aggs = {"qualifying": {"filter": qualifying, "aggs": facets}}
        if self.fails:
            aggs["hidden"] = {"filters": {"filters": self.hidden_by()}}
        return {"query": self.scored(), "post_filter": self.shown(), "aggs": aggs}

    def facets(self, qualifying: dict) -> dict:
        """Count the qualifying listings by subcategory, attribute, attendance and cost."""
        wanted = {c for c, _ in self.plan.needs}
        subs = {
            sub["key"]: sub["doc_count"]
            for category in qualifying["categories"]["buckets"]
            if category["key"] in wanted
            for sub in category["subcategories"]["buckets"]
        }
        return {
            "subcategories": subs,
            "attributes": {b["key"]: b["doc_count"] for b in qualifying["attributes"]["buckets"]},
            "attendance": {
                "online": qualifying["online"]["doc_count"],
                "in_person": qualifying["in_person"]["doc_count"],
            },
            "cost": {b["key"]: b["doc_count"] for b in qualifying["cost"]["buckets"]},
        }
