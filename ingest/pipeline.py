"""The ingest pipeline: read → normalize → validate → geocode → resolve duplicates → load.

Each step is a small function over plain records. A source is loaded in one transaction, so a
source that fails half way (a truncated file, a bad mapping) changes nothing; a bad record is
quarantined with its problems and its raw form; every run writes its report. Everything slow
(reading, checking, geocoding with its rate limit, resolving) is done before the first write,
so the store's one write lock (SQLite's) is held only while the source's rows are written.

A full snapshot that would unpublish more than a share of what its source has (`MAX_SHRINK`,
RESDIR_MAX_SHRINK, a manifest's `max_shrink`), or most of whose records were rejected, is far
likelier a broken export than a source closing its services: it loads its new and changed
records, unpublishes nothing and says so, unless the run allows it (`--allow-shrink`).
"""

import hashlib
import json
import logging
import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from ingest import remote
from ingest import resolve as resolver
from ingest.manifest import SourceSpec
from ingest.normalize import normalize
from ingest.normalize.places import normalize_location
from ingest.normalize.text import yes_no
from ingest.problems import ONCE_PER_SOURCE, Problem, Severity, SourceError, problem
from ingest.readers import ReadOptions, detect
from ingest.record import Record, Stop
from resdir import clock, geo, listings, store, submissions
from resdir.model import ListingSchema, TransitStopSchema, field_paths
from resdir.store import (
    IngestRun,
    ListingSource,
    Organization,
    ProblemRow,
    Source,
    TransitStop,
)

logger = logging.getLogger(__name__)
LISTING_SCHEMA = ListingSchema()
STOP_SCHEMA = TransitStopSchema()
AREA_POINT_MIN = 3
# A load that other writers keep from the store (SQLite's lock) is written again this many
# times, waiting a little longer each time: an ingest is not in a hurry, a busy web app is.
LOAD_ATTEMPTS = 6
LOAD_BACKOFF_SECONDS = 1.0
INTERNAL_ERROR = "resdir could not read this record (an internal error, logged); please report it"
SOURCE_INTERNAL_ERROR = (
    "resdir could not read {name} (an internal error, logged); nothing was changed; "
    "please report it"
)
REDACTED = "[not kept]"
PRIVATE_KEYS = re.compile(
    r"contact|e-?mail|venmo|paypal|square|cash.?app|author|password", re.IGNORECASE
)
CONFIDENTIAL_KEYS = re.compile(
    PRIVATE_KEYS.pattern + r"|address|street|lat|lon|coordinates|"
    r"location|zip|postal",
    re.IGNORECASE,
)
COUNTS = (
    "read",
    "accepted",
    "rejected",
    "created",
    "updated",
    "unchanged",
    "removed",
    "held_back",
    "merged",
)
MAX_SHRINK = 0.2  # share of a source's present records one full snapshot may unpublish
REMOTE_READER = "hsds-api"  # the reader a report names for a remote HSDS 3.0 API
HELD_BACK_LISTED = 1000  # keys of held-back records the report names (the count is always whole)


@dataclass
class SourceReport:
    """What one run of one source did."""

    source: str
    path: str
    reader: str | None = None
    status: str = "completed"  # completed | failed
    error: str | None = None
    counts: Counter = field(default_factory=Counter)
    problems: list[Problem] = field(default_factory=list)
    held_back: list[str] = field(default_factory=list)  # keys a full snapshot did not unpublish

    def as_dict(self) -> dict:
        """Return the report as JSON-ready data (DESIGN §8)."""
        return {
            "source": self.source,
            "path": self.path,
            "reader": self.reader,
            "status": self.status,
            "error": self.error,
            **{name: self.counts[name] for name in COUNTS},
            "held_back_records": self.held_back[:HELD_BACK_LISTED],
            "problem_counts": dict(Counter(p.type for p in self.problems).most_common()),
            "problems": [p.as_dict() for p in self.problems],
        }


def validate(doc: dict, schema=LISTING_SCHEMA) -> list[Problem]:
    """Return an invalid-record error for every field the canonical schema rejects."""
    return [
        problem("invalid-record", field=path, detail=f"{path}: {message}")
        for path, messages in field_paths(schema.validate(doc)).items()
        for message in messages
    ]


def check_record(record: Record, spec: SourceSpec) -> tuple[dict | None, list[Problem]]:
    """Normalize and validate a record; return its document, or None when it is rejected."""
    problems = list(record.problems)
    if any(p.severity is Severity.ERROR for p in problems):
        return None, problems
    doc, found = normalize(record, spec)
    problems.extend(found)
    if doc is not None:
        problems.extend(validate(doc))
    if any(p.severity is Severity.ERROR for p in problems):
        return None, problems
    return doc, problems


def check_stop(stop: Stop, spec: SourceSpec) -> tuple[dict | None, list[Problem]]:
    """Turn a GTFS stop into a TransitStopSchema document, or None when it is rejected."""
    problems = list(stop.problems)
    location, found = normalize_location({"lat": stop.lat, "lon": stop.lon}, None)
    problems.extend(found)
    doc = {
        "id": listings.listing_id(spec.id, f"stop\x1f{stop.key}"),
        "source": spec.id,
        "stop_id": stop.key,
        "name": (stop.name or "").strip(),
        "location": location,
        "wheelchair_boarding": {"1": "yes", "2": "no"}.get(
            str(stop.wheelchair_boarding).strip(), "unknown"
        ),
        "routes": stop.routes,
    }
    if location is None:
        problems.append(
            problem(
                "invalid-record",
                field="location",
                detail="a stop needs a valid stop_lat and stop_lon",
            )
        )
    problems.extend(validate(doc, STOP_SCHEMA) if location else [])
    if any(p.severity is Severity.ERROR for p in problems):
        return None, problems
    return doc, problems


def mark_area_points(docs: list[dict]) -> list[Problem]:
    """Mark coordinates shared by records at different street addresses as area centres.

    Some exports (211 iCarol) give every record in a ZIP code its centroid. A point shared by
    AREA_POINT_MIN records at as many different streets is such a centroid: it places the
    records in their area, not at their doors.
    """
    by_point = defaultdict(list)
    for doc in docs:
        if doc["location"] and doc["geocode_precision"] == "source":
            by_point[(doc["location"]["lat"], doc["location"]["lon"])].append(doc)
    problems = []
    for (lat, lon), group in sorted(by_point.items()):
        streets = {resolver.place_key(d["address"]) for d in group} - {None}
        if len(streets) < AREA_POINT_MIN:
            continue
        for doc in group:
            doc["geocode_precision"], doc["approximate_location"] = "postal_code", True
        problems.append(problem("area-coordinates", count=len(group), value=f"{lat}, {lon}"))
    return problems


def geocode(doc: dict, geocoder: geo.Geocoder, session: Session) -> list[Problem]:
    """Give a document without coordinates a place and every located document a time zone."""
    problems = []
    address = doc.get("address")
    if doc["location"] is None and address:
        # A confidential place is only ever placed at its ZIP or city centroid, never its street.
        place = (
            geo.gazetteer_place(address)
            if doc["confidential_location"]
            else geocoder.place(address, session)
        )
        if place is None:
            problems.append(
                problem(
                    "not-geocoded",
                    field="address",
                    detail=geo.address_query(address) or "empty address",
                )
            )
        else:
            doc["location"] = {"lat": round(place.lat, 6), "lon": round(place.lon, 6)}
            doc["geocode_precision"] = place.precision
            doc["approximate_location"] = doc["approximate_location"] or place.precision in (
                "postal_code",
                "city",
            )
    if doc["timezone"] is None:
        doc["timezone"] = geo.timezone_for(doc["location"], None)
    return problems


def _documents_by_listing(
    session: Session, listing_ids: list[str]
) -> dict[str, tuple[list[dict], bool]]:
    """Return each listing's source documents to merge, the one that created it first.

    A listing none of whose records is present keeps its last document, to be unpublished.
    """
    rows: dict[str, list[ListingSource]] = {}
    for chunk in listings.chunked(listing_ids):
        query = (
            select(ListingSource)
            .where(ListingSource.listing_id.in_(chunk))
            .order_by(ListingSource.source_id, ListingSource.record_key)
        )
        for row in session.scalars(query):
            rows.setdefault(row.listing_id, []).append(row)
    out = {}
    for listing_id, records in rows.items():
        present = [r for r in records if r.present] or records[-1:]
        present.sort(key=lambda r: r.document["id"] != listing_id)
        out[listing_id] = [r.document for r in present], any(r.present for r in records)
    return out


@dataclass
class Changes:
    """A source's documents sorted against what the store holds from it."""

    new: list[tuple[dict, str]] = field(default_factory=list)  # (document, hash)
    changed: list[tuple[Any, dict, str]] = field(default_factory=list)  # (row, document, hash)
    gone: list[Any] = field(default_factory=list)  # rows the source no longer holds


def compare(
    spec: SourceSpec, stored: dict[str, Any], docs: list[dict], key: str, counts: Counter
) -> Changes:
    """Sort documents into new, changed and unchanged against stored rows (by `key`), and find
    the rows a full snapshot no longer holds; count each kind."""
    changes = Changes()
    for doc in docs:
        digest = listings.content_hash(doc)
        row = stored.get(doc[key])
        if row is None:
            changes.new.append((doc, digest))
        elif not row.present or row.content_hash != digest:
            changes.changed.append((row, doc, digest))
        else:
            counts["unchanged"] += 1
    if spec.snapshot == "full":
        # A full snapshot that no longer holds a record means the source dropped it: the record
        # stops feeding its listing, and a listing with no record left is unpublished, not deleted.
        seen = {doc[key] for doc in docs}
        changes.gone = [row for k, row in stored.items() if k not in seen and row.present]
    counts["created"] += len(changes.new)
    counts["updated"] += len(changes.changed)
    return changes


@dataclass(frozen=True)
class Shrink:
    """How much of its source one full snapshot may unpublish."""

    limit: float = MAX_SHRINK  # a share of the source's present records
    allowed: bool = False  # --allow-shrink: whatever the snapshot leaves out goes


def hold_back(
    changes: Changes, present: int, shrink: Shrink, report: SourceReport, key: Callable
) -> None:
    """Keep what a full snapshot left out published when the snapshot looks broken: it would
    unpublish more than `shrink.limit` of the `present` records, or most of its records were
    rejected. Count what is unpublished (`removed`) and what is not (`held_back`)."""
    gone, counts = len(changes.gone), report.counts
    reasons = []
    if gone > shrink.limit * present:
        reasons.append(f"{gone / present:.0%}, more than the {shrink.limit:.0%} allowed")
    if counts["rejected"] > counts["accepted"]:
        reasons.append(f"{counts['rejected']} of its {counts['read']} records were rejected")
    if gone and reasons and not shrink.allowed:
        report.held_back.extend(sorted(key(row) for row in changes.gone))
        counts["held_back"] += gone
        refusal = problem("snapshot-shrink", gone=gone, present=present, why="; ".join(reasons))
        refusal.source = report.source
        report.problems.append(refusal)
        changes.gone = []
    counts["removed"] += len(changes.gone)


def rekey(stored: dict[str, Any], former_keys: dict[str, str]) -> None:
    """Move stored records from the keys resdir gave them before keys held no address to the
    keys their records have now (`Record.former_key`), keeping each record's listing."""
    for key, former in former_keys.items():
        if key not in stored and former in stored:
            row = stored.pop(former)
            row.record_key = key
            stored[key] = row


def load_listings(
    session: Session,
    spec: SourceSpec,
    docs: list[dict],
    resolution: dict[str, str],
    now: datetime,
    report: SourceReport,
    shrink: Shrink = Shrink(),
    former_keys: dict[str, str] | None = None,
) -> None:
    """Write a source's documents: record by record, then the listings they feed."""
    query = select(ListingSource).where(ListingSource.source_id == spec.id)
    stored = {r.record_key: r for r in session.scalars(query)}
    rekey(stored, former_keys or {})
    present = sum(r.present for r in stored.values())
    changes = compare(spec, stored, docs, "source_id", report.counts)
    hold_back(changes, present, shrink, report, lambda row: row.record_key)
    counts = report.counts
    new_rows = [
        {
            "source_id": spec.id,
            "record_key": doc["source_id"],
            "listing_id": resolution[doc["source_id"]],
            "document": doc,
            "content_hash": digest,
            "present": True,
        }
        for doc, digest in changes.new
    ]
    counts["merged"] += sum(row["listing_id"] != row["document"]["id"] for row in new_rows)
    for row, doc, digest in changes.changed:
        row.document, row.content_hash, row.present = doc, digest, True
    for row in changes.gone:
        row.present = False
    touched = {r["listing_id"] for r in new_rows}
    touched |= {row.listing_id for row, _, _ in changes.changed}
    touched |= {row.listing_id for row in changes.gone}
    if new_rows:
        session.execute(insert(ListingSource), new_rows)
    session.flush()
    merged_docs = []
    for listing_id, (documents, any_present) in sorted(
        _documents_by_listing(session, sorted(touched)).items()
    ):
        merged = listings.merge(listing_id, documents)
        if not any_present:
            merged["status"] = "unpublished"
        merged_docs.append(merged)
    _save_organizations(session, spec.id, merged_docs)
    # What agencies published is kept over the feed, or put up for review when the feed changed.
    edited = submissions.edited_listings(session, [d["id"] for d in merged_docs])
    merged_docs = [
        submissions.apply_edits(session, d, now) if d["id"] in edited else d for d in merged_docs
    ]
    listings.save(session, merged_docs, f"ingest:{spec.id}", now)


def _save_organizations(session: Session, source_id: str, docs: list[dict]) -> None:
    """Add the organizations the documents name, and bring known ones up to date."""
    wanted = {d["organization"]["id"]: d["organization"] for d in docs if d.get("organization")}
    known = {}
    for chunk in listings.chunked(sorted(wanted)):
        query = select(Organization).where(Organization.id.in_(chunk))
        known |= {org.id: org for org in session.scalars(query)}
    for oid, org in sorted(wanted.items()):
        row = known.get(oid)
        if row is None:
            row = Organization(id=oid, source_id=source_id)
            session.add(row)
        row.name, row.url, row.description = org["name"], org.get("url"), org.get("description")
    session.flush()


def load_stops(
    session: Session,
    spec: SourceSpec,
    docs: list[dict],
    report: SourceReport,
    shrink: Shrink = Shrink(),
) -> None:
    """Write a GTFS source's stops, marking stops it no longer has as not present."""
    query = select(TransitStop).where(TransitStop.source_id == spec.id)
    stored = {s.id: s for s in session.scalars(query)}
    changes = compare(spec, stored, docs, "id", report.counts)
    present = sum(s.present for s in stored.values())
    hold_back(changes, present, shrink, report, lambda row: row.stop_id)
    rows = [
        (TransitStop(id=doc["id"], source_id=spec.id), doc, digest) for doc, digest in changes.new
    ]
    session.add_all(row for row, _, _ in rows)
    for row, doc, digest in rows + changes.changed:
        row.stop_id, row.name, row.routes = doc["stop_id"], doc["name"], doc["routes"]
        row.lat, row.lon = doc["location"]["lat"], doc["location"]["lon"]
        row.wheelchair_boarding = doc["wheelchair_boarding"]
        row.content_hash, row.present = digest, True
    for row in changes.gone:
        row.present = False


def _save_source(session: Session, spec: SourceSpec, reader: str | None, *, failed=False) -> None:
    """Record what a source is; a failed run only makes sure the source exists."""
    source = session.get(Source, spec.id)
    if source is None:
        source = Source(id=spec.id)
        session.add(source)
    elif failed:
        return
    source.name, source.format, source.location = spec.name, reader, spec.location
    source.licence, source.snapshot, source.facts = spec.licence, spec.snapshot, dict(spec.facts)
    session.flush()


def _save_run(session: Session, spec: SourceSpec, report: SourceReport, started: datetime) -> None:
    run = IngestRun(
        source_id=spec.id,
        path=spec.location,
        reader=report.reader,
        status=report.status,
        counts={k: report.counts[k] for k in COUNTS},
        error=report.error,
        started_at=started,
        finished_at=clock.now(),
    )
    session.add(run)
    session.flush()
    # The quarantine holds the latest run's problems: what the source says today.
    session.execute(
        delete(ProblemRow).where(ProblemRow.source_id == spec.id, ProblemRow.run_id != run.id)
    )
    session.add_all(
        ProblemRow(
            run_id=run.id,
            source_id=spec.id,
            type=p.type,
            severity=str(p.severity),
            record_key=p.record,
            line=p.line,
            field=p.field,
            message=p.message,
            raw=p.raw if p.severity is Severity.ERROR else None,
        )
        for p in report.problems
    )


def _redact(raw, keys: re.Pattern):
    if isinstance(raw, dict):
        return {k: REDACTED if keys.search(str(k)) else _redact(v, keys) for k, v in raw.items()}
    if isinstance(raw, list):
        return [_redact(v, keys) for v in raw]
    return raw


def quarantine_form(record: Record | Stop):
    """Return a rejected record's raw form as the quarantine keeps it.

    Volunteers' contact details (some feeds carry them) are never kept, and a confidential
    place loses its address and coordinates as well.
    """
    confidential = isinstance(record, Record) and (
        yes_no(record.draft.get("confidential_location")) == "yes"
    )
    return _redact(record.raw, CONFIDENTIAL_KEYS if confidential else PRIVATE_KEYS)


@dataclass
class Batch:
    """What a source's file holds, checked: documents and stops to load, and the stored keys of
    records whose key changed (`Record.former_key`)."""

    docs: list[dict] = field(default_factory=list)
    stops: list[dict] = field(default_factory=list)
    former_keys: dict[str, str] = field(default_factory=dict)  # key -> former key


def _fingerprint(item: Record | Stop) -> str:
    content = item.draft if isinstance(item, Record) else item.raw
    text = json.dumps(content, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def repeated(item: Record | Stop, firsts: dict[str, tuple[int | None, str]]) -> Problem | None:
    """Return the problem of a record whose key an earlier record of the feed has, or None.

    The same record twice (an export that repeats a row) is loaded once; two different records
    under one key are a mistake in the source, and which of them it means cannot be guessed:
    the first is loaded, and the other is quarantined for the source to give its own id.
    `firsts` holds each key's first line and content, for the records still to come.
    """
    fingerprint = _fingerprint(item)
    if item.key not in firsts:
        firsts[item.key] = (item.line, fingerprint)
        return None
    line, first = firsts[item.key]
    where = "an earlier record" if line is None else f"the record on line {line}"
    if first == fingerprint:
        return problem("repeated-record", first=where)
    return problem("duplicate-key", key=item.key, first=where)


def _items(
    spec: SourceSpec, report: SourceReport, modified_after: datetime | None
) -> Iterator[Record | Stop | Problem]:
    """Return the reader's items of a source: a file's, or a remote HSDS API's."""
    if spec.url:
        report.reader = REMOTE_READER
        page_size = spec.page_size or remote.DEFAULT_PAGE_SIZE
        return remote.read(spec.url, page_size, modified_after)
    reader = detect(spec.path, spec.format, spec.mapping)
    report.reader = reader.name
    return reader.read(spec.path, ReadOptions(mapping=spec.mapping))


def read_source(
    spec: SourceSpec,
    report: SourceReport,
    on_item: Callable[[], None] | None = None,
    modified_after: datetime | None = None,
) -> Batch:
    """Read, normalize and validate a source's records; count and report them; raise
    SourceError when the source cannot be read at all. A remote API is asked only for what
    changed after `modified_after`, when given."""
    batch = Batch()
    firsts: dict[str, tuple[int | None, str]] = {}
    said: dict[tuple[str, str | None, str], list] = {}  # once-per-source problem -> [first, n]
    for item in _items(spec, report, modified_after):
        if isinstance(item, Problem):
            item.source = spec.id
            report.problems.append(item)
            continue
        report.counts["read"] += 1
        doc, found = _check(item, spec, firsts)
        for p in found:
            p.source, p.record, p.line = spec.id, p.record or item.key, p.line or item.line
        report.problems.extend(p for p in found if not _said_before(p, said))
        if doc is None:
            report.counts["rejected"] += 1
            raw = quarantine_form(item)
            for p in found:
                p.raw = raw if p.severity is Severity.ERROR else None
        else:
            report.counts["accepted"] += 1
            (batch.stops if isinstance(item, Stop) else batch.docs).append(doc)
            if isinstance(item, Record) and item.former_key:
                batch.former_keys[item.key] = item.former_key
        if on_item:
            on_item()
    for first, count in said.values():
        if count > 1:
            first.message += f" ({count} records have it; this is the first)"
    if report.counts["read"] == 0 and modified_after is None:
        # An empty feed is far likelier a broken export than a service body closing
        # everything; refusing it keeps a full-snapshot source from unpublishing its listings.
        raise SourceError(f"{spec.label} holds no records; nothing was changed")
    return batch


def _said_before(found: Problem, said: dict[tuple[str, str | None, str], list]) -> bool:
    """Return whether a once-per-source problem was already said by an earlier record (and
    count it on the first)."""
    if found.type not in ONCE_PER_SOURCE:
        return False
    first = said.setdefault((found.type, found.field, found.message), [found, 0])
    first[1] += 1
    return first[0] is not found


def _check(
    item: Record | Stop, spec: SourceSpec, firsts: dict[str, tuple[int | None, str]]
) -> tuple[dict | None, list[Problem]]:
    """Check one record: a repeated key rejects it, else it is normalized and validated."""
    found = repeated(item, firsts)
    if found:
        return None, [found]
    check = check_stop if isinstance(item, Stop) else check_record
    try:
        return check(item, spec)
    except Exception:  # a bug must cost one record, not the whole run
        logger.exception("%s: record %s could not be normalized", spec.id, item.key)
        return None, [problem("invalid-record", detail=INTERNAL_ERROR)]


def last_run(session: Session, source_id: str) -> datetime | None:
    """Return when the source's last completed run started, or None when none has."""
    query = (
        select(IngestRun.started_at)
        .where(IngestRun.source_id == source_id, IngestRun.status == "completed")
        .order_by(IngestRun.started_at.desc())
        .limit(1)
    )
    started = session.scalar(query)
    return started.replace(tzinfo=UTC) if started and started.tzinfo is None else started


def run_source(
    session: Session,
    spec: SourceSpec,
    geocoder: geo.Geocoder,
    *,
    dry_run: bool = False,
    shrink: Shrink = Shrink(),
    on_item: Callable[[], None] | None = None,
) -> SourceReport:
    """Ingest one source in one transaction and return its report; never raises for bad input.

    The write lock is taken by the first write, after everything slow: reading and checking
    every record, geocoding (whose cache entries are committed on their own, so that a failed
    run does not ask the geocoder again), and resolving duplicates.
    """
    report = SourceReport(spec.id, spec.location)
    started = clock.now()
    modified_after = last_run(session, spec.id) if spec.url else None
    if modified_after is not None:
        # Only what changed is fetched: what was not is still there, not withdrawn.
        spec = replace(spec, snapshot="partial")
    try:
        batch = read_source(spec, report, on_item, modified_after)
    except Exception as exc:
        if not isinstance(exc, SourceError):  # a reader's bug fails its source alone, logged
            logger.exception("%s: %s could not be read", spec.id, spec.location)
        session.rollback()
        report.status = "failed"
        report.error = (
            str(exc)
            if isinstance(exc, SourceError)
            else SOURCE_INTERNAL_ERROR.format(name=spec.label)
        )
        report.counts = Counter()
        if not dry_run:
            _save_source(session, spec, report.reader, failed=True)
            _save_run(session, spec, report, started)
            session.commit()
        return report
    docs, resolution = batch.docs, {}
    if docs:
        for found in mark_area_points(docs):
            found.source = spec.id
            report.problems.append(found)
        for doc in docs:
            asked = doc["location"] is None and doc.get("address")
            for p in geocode(doc, geocoder, session):
                p.source, p.record = spec.id, doc["source_id"]
                report.problems.append(p)
            if asked and dry_run:
                session.rollback()
            elif asked:  # a remote answer is cached whatever becomes of this run
                session.commit()
        resolution = resolver.resolve(session, spec.id, docs, batch.former_keys)
    counts, problems = Counter(report.counts), list(report.problems)
    for attempt in range(1, LOAD_ATTEMPTS + 1):
        try:
            # From here on the source's rows are written: SQLite's write lock is held until the
            # commit.
            _save_source(session, spec, report.reader)
            # Both, even with nothing accepted: what a full snapshot left out is gone from it.
            now = clock.now()
            load_listings(session, spec, docs, resolution, now, report, shrink, batch.former_keys)
            load_stops(session, spec, batch.stops, report, shrink)
            if dry_run:
                session.rollback()
            else:
                _save_run(session, spec, report, started)
                session.commit()
            return report
        except (OperationalError, IntegrityError, StaleDataError) as exc:
            # Writers of the web app got the lock first for longer than the busy timeout, or
            # changed a listing this load read: the load is written again from the start.
            session.rollback()
            if not store.transient(exc):
                raise
            logger.warning("%s: the store was busy (%s); writing again", spec.id, exc.orig or exc)
            report.counts, report.problems = Counter(counts), list(problems)
            time.sleep(LOAD_BACKOFF_SECONDS * attempt)
    # The source fails alone, said in one line, and the next run starts from what is stored.
    report.status, report.counts = "failed", Counter()
    report.error = (
        f"the store stayed busy with other writers through {LOAD_ATTEMPTS} attempts; nothing of "
        "this source was written: run the ingest again"
    )
    return report
