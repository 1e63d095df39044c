"""Keep listings in the store: stable ids, merged source records, versions with history, outbox.

Every write of a listing goes through `save`, which keeps three things in one transaction: the
listing row and its attributes, a history version saying who changed which fields, and an outbox
entry that the search index will consume. Unchanged content writes nothing, so loads are idempotent.
A change is written only onto the version of the listing its session read: when another writer
published one since, StaleDataError, and `resdir.store.write` runs the change again from the start.
A confidential place is stored without its street, in the listing and everywhere else.
"""

import hashlib
import json
from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from resdir import geo
from resdir.store import (
    Listing,
    ListingAttribute,
    ListingEdit,
    ListingSource,
    ListingVersion,
    OutboxEntry,
    Submission,
    TransitStop,
)

CHUNK = 500  # ids per IN clause: well inside SQLite's and PostgreSQL's parameter limits
READ_VERSIONS = "resdir.read_versions"  # session.info: listing id -> the version first read
WITHHELD = "[not kept]"  # what stands where a confidential place's street was written
PRECISION_RANK = {"source": 0, "address": 1, "postal_code": 2, "city": 3}
# Taken together from the most precisely placed record, so the point and the address agree.
PLACE_FIELDS = ("address", "location", "geocode_precision", "approximate_location")
# What the store keeps of a listing besides the listing itself that holds whole documents
# (or changes to one), where a confidential place's street could be.
DOCUMENT_COLUMNS = (
    (ListingVersion, ("document",)),
    (ListingSource, ("document",)),
    (Submission, ("changes", "base")),
)
# Fields that describe where a merged listing came from rather than what it says.
IDENTITY_FIELDS = ("id", "source", "source_id", "source_keys", "sources", "provenance")


def listing_id(source: str, key: str) -> str:
    """Return the stable id of the listing first created from record `key` of `source`."""
    return hashlib.sha256(f"{source}\x1f{key}".encode()).hexdigest()[:16]


def content_hash(document: dict) -> str:
    """Return a hash of a document's content, independent of key order."""
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _is_empty(value) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _freshness(document: dict) -> str:
    return document.get("last_verified_at") or document.get("updated_at") or ""


def _withheld(value, street: str):
    """Return a value with every mention of a street withheld, in every string it holds."""
    if isinstance(value, str):
        return value.replace(street, WITHHELD)
    if isinstance(value, dict):
        return {k: _withheld(v, street) for k, v in value.items()}
    if isinstance(value, list):
        return [_withheld(v, street) for v in value]
    return value


def _without_door(doc: dict) -> dict:
    """Return a document (or changes to one) without what finds a place's door: the street,
    wherever it is written (an older record key held it), and a point not already an area's
    centre (replaced by its ZIP or city centre)."""
    out = dict(doc)
    address = doc.get("address")
    if isinstance(address, dict) and address.get("street"):
        out = _withheld({**out, "address": {**address, "street": None}}, address["street"])
    if doc.get("location") and doc.get("geocode_precision") not in geo.AREA_PRECISIONS:
        place = geo.gazetteer_place(out.get("address") or {})
        out["location"] = place and {"lat": round(place.lat, 6), "lon": round(place.lon, 6)}
        out["geocode_precision"] = place and place.precision
        out["approximate_location"] = place is not None
    return out


def conceal(doc: dict) -> dict:
    """Return a document as a confidential place may be kept (DESIGN §13): its area, ZIP and
    an approximate point, never its street. Any other document is returned as it is."""
    return _without_door(doc) if doc.get("confidential_location") else doc


def _concealed_edit(edit: ListingEdit) -> None:
    for column in ("value", "replaced"):
        value = getattr(edit, column)
        if edit.field == "address" and isinstance(value, dict):
            setattr(edit, column, _without_door({"address": value})["address"])
        elif edit.field == "location" and value is not None:
            setattr(edit, column, None)


def conceal_past(session: Session, ids: list[str]) -> None:
    """Drop the street (and a point at the door) from everything the store kept of these
    confidential listings: their history, their source records, the agency edits and the
    submissions about them. Source records keep their content hash, so a feed that sends the
    same record again rewrites nothing."""
    for chunk in chunked(sorted(set(ids))):
        for model, columns in DOCUMENT_COLUMNS:
            for row in session.scalars(select(model).where(model.listing_id.in_(chunk))):
                for column in columns:
                    value = getattr(row, column)
                    if isinstance(value, dict) and _without_door(value) != value:
                        setattr(row, column, _without_door(value))
        edits = select(ListingEdit).where(
            ListingEdit.listing_id.in_(chunk), ListingEdit.field.in_(("address", "location"))
        )
        for edit in session.scalars(edits):
            _concealed_edit(edit)


def merge(listing_id_: str, documents: list[dict]) -> dict:
    """Merge the documents of one place's source records into one listing document.

    The first document is the one the listing was created from and gives its identity; content
    comes from the most recently verified document that has a value for a field, except the
    point on the map, which comes from the most precisely placed one. `provenance` says which
    source each field came from. Known attribute facts beat unknowns.
    """
    creator = documents[0]
    by_freshness = sorted(documents, key=_freshness, reverse=True)  # stable: ties keep order
    merged = {
        "id": listing_id_,
        "source": creator["source"],
        "source_id": creator["source_id"],
        "source_keys": creator.get("source_keys", {}),
        "sources": [{"source": d["source"], "source_id": d["source_id"]} for d in documents],
    }
    provenance = {}
    fields = {k for d in documents for k in d if k not in IDENTITY_FIELDS and k != "attributes"}
    placed = min(by_freshness, key=lambda d: PRECISION_RANK.get(d.get("geocode_precision"), 9))
    for field in sorted(fields):
        chosen = next((d for d in by_freshness if not _is_empty(d.get(field))), by_freshness[0])
        if field in PLACE_FIELDS and not _is_empty(placed.get(field)):
            chosen = placed
        merged[field] = chosen.get(field)
        if len(documents) > 1:
            provenance[field] = chosen["source"]
    attributes = {}
    for document in by_freshness:
        for code, fact in document.get("attributes", {}).items():
            attributes.setdefault(code, fact)
    merged["attributes"] = attributes
    merged["provenance"] = provenance
    # A place one source keeps confidential stays so, whatever another source says of it.
    if any(d.get("confidential_location") for d in documents):
        merged["confidential_location"] = True
    return conceal(merged)


def document(listing: Listing, attributes: list[ListingAttribute]) -> dict:
    """Return a listing's full canonical document, attributes included."""
    facts = {
        a.code: {"value": a.value, "source": a.source, "note": a.note}
        for a in sorted(attributes, key=lambda a: a.code)
    }
    return listing.document | {"attributes": facts}


def _read(session: Session, listing: Listing) -> None:
    """Remember the version of a listing this session first read: `save` writes onto it only
    while it is still the version in the store."""
    session.info.setdefault(READ_VERSIONS, {}).setdefault(listing.id, listing.version)


def load_documents(session: Session, ids: list[str]) -> dict[str, dict]:
    """Return the full documents of stored listings by id (missing ids left out)."""
    found = {}
    for chunk in chunked(ids):
        rows = session.scalars(select(Listing).where(Listing.id.in_(chunk))).all()
        attributes = _attributes_of(session, [r.id for r in rows])
        for row in rows:
            _read(session, row)
            found[row.id] = document(row, attributes.get(row.id, []))
    return found


def load_document(session: Session, listing_id_: str) -> dict | None:
    """Return the full document of a stored listing, or None."""
    listing = session.get(Listing, listing_id_)
    if listing is None:
        return None
    _read(session, listing)
    rows = session.scalars(
        select(ListingAttribute).where(ListingAttribute.listing_id == listing_id_)
    )
    return document(listing, list(rows))


def load_published(session: Session, listing_id: str) -> dict | None:
    """Return a published listing's document, or None: the public sees no other."""
    doc = load_document(session, listing_id)
    return doc if doc is not None and doc["status"] == "published" else None


def _changed_fields(old: dict | None, new: dict) -> list[str]:
    if old is None:
        return sorted(new)
    return sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))


def _parse_instant(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def chunked(items: list, size: int = CHUNK) -> Iterator[list]:
    """Yield successive slices of a list, to keep IN clauses within database limits."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _attributes_of(session: Session, ids: list[str]) -> dict[str, list[ListingAttribute]]:
    found: dict[str, list[ListingAttribute]] = {}
    for chunk in chunked(ids):
        query = select(ListingAttribute).where(ListingAttribute.listing_id.in_(chunk))
        for row in session.scalars(query):
            found.setdefault(row.listing_id, []).append(row)
    return found


def _change(previous: dict | None, doc: dict) -> str:
    if previous is None:
        return "created"
    if previous["status"] != "published" and doc["status"] == "published":
        return "republished"
    if doc["status"] == "unpublished" and previous["status"] != "unpublished":
        return "unpublished"
    return "updated"


def save(session: Session, docs: list[dict], author: str, now: datetime) -> list[str]:
    """Store listing documents; return for each "created", "updated", ... or "unchanged".

    Writes each changed listing, its attributes, a history version and an outbox entry (in the
    order given), all in the caller's transaction, and nothing for a listing whose content has
    not changed. Works in bulk: a feed of thousands costs a handful of statements.
    """
    docs = [conceal(doc) for doc in docs]
    secret = [doc["id"] for doc in docs if doc.get("confidential_location")]
    stored: dict[str, Listing] = {}
    for chunk in chunked([d["id"] for d in docs]):
        found = session.scalars(select(Listing).where(Listing.id.in_(chunk)))
        stored |= {row.id: row for row in found}
    digests = [content_hash(doc) for doc in docs]
    changed = [
        (doc, digest)
        for doc, digest in zip(docs, digests, strict=True)
        if doc["id"] not in stored or stored[doc["id"]].content_hash != digest
    ]
    read = session.info.setdefault(READ_VERSIONS, {})
    for doc, _ in changed:
        listing = stored.get(doc["id"])
        if listing is not None and read.get(listing.id, listing.version) != listing.version:
            # Another writer published a version since this session read the listing: what
            # this one would write was made from an older version.
            raise StaleDataError(
                f"listing {listing.id} is at version {listing.version}, "
                f"read at version {read[listing.id]}"
            )
    old_ids = [doc["id"] for doc, _ in changed if doc["id"] in stored]
    old_attributes = _attributes_of(session, old_ids)
    attributes, history, outbox, changes = [], [], [], {}
    for doc, digest in changed:
        listing = stored.get(doc["id"])
        previous = None
        if listing is None:
            listing = Listing(id=doc["id"], version=0, created_at=now)
            session.add(listing)
        else:
            previous = document(listing, old_attributes.get(listing.id, []))
        changes[doc["id"]] = _change(previous, doc)
        location = doc.get("location") or {}
        listing.status = doc["status"]
        listing.kind = doc["kind"]
        listing.category = doc["category"]
        listing.name = doc["name"]
        listing.organization_id = (doc.get("organization") or {}).get("id")
        listing.lat, listing.lon = location.get("lat"), location.get("lon")
        listing.postal_code = (doc.get("address") or {}).get("postal_code")
        listing.last_verified_at = _parse_instant(doc.get("last_verified_at"))
        listing.document = {k: v for k, v in doc.items() if k != "attributes"}
        listing.content_hash = digest
        listing.version += 1
        read[listing.id] = listing.version
        listing.updated_at = now
        attributes.extend(
            {
                "listing_id": doc["id"],
                "code": code,
                "value": fact["value"],
                "source": fact["source"],
                "note": fact.get("note"),
            }
            for code, fact in doc.get("attributes", {}).items()
        )
        history.append(
            {
                "listing_id": doc["id"],
                "version": listing.version,
                "change": changes[doc["id"]],
                "changed_fields": _changed_fields(previous, doc),
                "author": author,
                "document": doc,
                "created_at": now,
            }
        )
        outbox.append({"listing_id": doc["id"], "created_at": now})
    session.flush()
    for chunk in chunked(old_ids):
        session.execute(delete(ListingAttribute).where(ListingAttribute.listing_id.in_(chunk)))
    for table, rows in (
        (ListingAttribute, attributes),
        (ListingVersion, history),
        (OutboxEntry, outbox),
    ):
        if rows:
            session.execute(insert(table), rows)
    if secret:
        conceal_past(session, secret)
    return [changes.get(doc["id"], "unchanged") for doc in docs]


def category_counts(session: Session) -> dict[str, dict[str, int]]:
    """Return the number of listings per category and status."""
    rows = session.execute(
        select(Listing.category, Listing.status, func.count()).group_by(
            Listing.category, Listing.status
        )
    ).all()
    counts: dict[str, dict[str, int]] = {}
    for category, status, n in rows:
        counts.setdefault(category, {})[status] = n
    return counts


def stop_count(session: Session) -> int:
    """Return the number of transit stops present in their feed's latest run."""
    return session.scalar(select(func.count()).select_from(TransitStop).where(TransitStop.present))


def main_timezone(session: Session) -> str | None:
    """Return the time zone most published listings keep their hours in (None: none has one)."""
    zone = Listing.document["timezone"].as_string()
    return session.scalar(
        select(zone)
        .where(Listing.status == "published", zone.is_not(None))
        .group_by(zone)
        .order_by(func.count().desc(), zone)
        .limit(1)
    )


def covered_states(session: Session) -> list[str]:
    """Return the states (two-letter regions) of the published listings, most listings first:
    where a place named without its state is looked for first."""
    region = func.upper(Listing.document["address"]["region"].as_string())
    rows = session.execute(
        select(region)
        .where(Listing.status == "published", func.length(region) == 2)
        .group_by(region)
        .order_by(func.count().desc(), region)
    )
    return [state for (state,) in rows]
