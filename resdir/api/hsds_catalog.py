"""Answer the HSDS 3.0 API's questions: the published directory as services, places,
organizations and taxonomy terms, filtered and paged as schema/openapi.json lays them out.

The catalog is built from the store's published listings and kept until the outbox moves (every
listing change appends to it), so a page costs a lookup, not a scan. `search` asks the
project's search engine (embedded or Elasticsearch), never a LIKE over the listings.
"""

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from resdir import clock, hsds, listings, search, vocab
from resdir.analysis import query_tokens
from resdir.matching.plan import WEIGHTS, MatchPlan
from resdir.store import Listing, ListingVersion, OutboxEntry

EXTENSION = "resdir.hsds"
DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 500
# The most listings one `search` reads from the engine (Elasticsearch's result window is 10,000).
MAX_SEARCH_HITS = 5_000
# Every category: a search over the whole directory, not a person's needs.
ALL_NEEDS = tuple((category, None) for category in vocab.CATEGORY_LABELS)


@dataclass
class Entry:
    """One published listing and what the API filters it by."""

    doc: dict
    modified: datetime | None
    service_id: str
    service_at_location_id: str | None
    organization_id: str | None
    term_ids: frozenset[str]
    taxonomy_ids: frozenset[str]


@dataclass
class Catalog:
    """The published directory as HSDS sees it, at one outbox position."""

    position: int
    entries: list[Entry]  # by name, then listing id
    services: dict[str, Entry] = field(default_factory=dict)
    places: dict[str, Entry] = field(default_factory=dict)  # service_at_location id -> entry
    organizations: dict[str, dict] = field(default_factory=dict)  # hsds id -> organization
    terms: dict[str, hsds.Term] = field(default_factory=dict)
    taxonomies: dict[str, dict] = field(default_factory=dict)

    def __post_init__(self):
        for entry in self.entries:
            self.services[entry.service_id] = entry
            if entry.service_at_location_id:
                self.places[entry.service_at_location_id] = entry
            organization = entry.doc.get("organization")
            if organization:
                self.organizations.setdefault(entry.organization_id, organization)
        every = hsds.resdir_terms() + hsds.meeting_guide_terms()
        every += [t for e in self.entries for t in hsds.source_terms(e.doc)]
        for term in every:
            self.terms.setdefault(term.id, term)
        for scheme in sorted({t.scheme for t in self.terms.values()}):
            found = hsds.taxonomy(scheme)
            self.taxonomies[found["id"]] = found

    def of_organization(self, organization_id: str) -> list[Entry]:
        """Return the entries an organization offers."""
        return [e for e in self.entries if e.organization_id == organization_id]


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _entry(doc: dict, modified: datetime | None) -> Entry:
    organization = doc.get("organization")
    terms = [term for term, _ in hsds.listing_terms(doc)]
    return Entry(
        doc=doc,
        modified=_utc(modified),
        service_id=hsds.hsds_id("service", doc["id"]),
        service_at_location_id=hsds.service_at_location_id(doc) if hsds.has_place(doc) else None,
        organization_id=hsds.hsds_id("organization", organization["id"]) if organization else None,
        term_ids=frozenset(t.id for t in terms),
        taxonomy_ids=frozenset(hsds.taxonomy_id(t.scheme) for t in terms),
    )


def build(session: Session, position: int) -> Catalog:
    """Return the catalog of every published listing, each modified when its history last
    changed (as the Meeting Guide feed's `updated`)."""
    published = Listing.status == "published"
    ids = list(session.scalars(select(Listing.id).where(published).order_by(Listing.id)))
    changed = dict(
        session.execute(
            select(ListingVersion.listing_id, func.max(ListingVersion.created_at))
            .join(Listing, Listing.id == ListingVersion.listing_id)
            .where(published)
            .group_by(ListingVersion.listing_id)
        ).all()
    )
    docs = listings.load_documents(session, ids)
    entries = [_entry(docs[i], changed.get(i)) for i in ids if i in docs]
    entries.sort(key=lambda e: (e.doc["name"].casefold(), e.doc["id"]))
    return Catalog(position, entries)


def catalog(session: Session) -> Catalog:
    """Return the catalog at the outbox's current position, built again only when it moved."""
    position = session.scalar(select(func.max(OutboxEntry.seq))) or 0
    kept = current_app.extensions.get(EXTENSION)
    if kept is None or kept.position != position:
        kept = build(session, position)
        current_app.extensions[EXTENSION] = kept
    return kept


def _search_plan(text: str, now: datetime) -> MatchPlan:
    """Return the plan of a text search over the whole directory: every category, no person."""
    return MatchPlan(
        needs=ALL_NEEDS,
        conditions=(),
        now=now,
        tokens=tuple(query_tokens(text)),
        weights={"text": WEIGHTS["text"]},
    )


def search_ids(session: Session, text: str) -> list[str]:
    """Return the listing ids the search engine finds for a text, best first; the embedded
    index answers while Elasticsearch cannot (as matching does)."""
    plan = _search_plan(text, clock.now())
    if not plan.tokens:
        return []

    def ask(engine) -> list[str]:
        with search.budget(current_app.config["ELASTICSEARCH_BUDGET_SECONDS"]):
            search.sync(engine, session)
            total = engine.search(plan, 0, 0).total
            return engine.search(plan, 0, min(total, MAX_SEARCH_HITS)).ids

    try:
        return ask(search.engine())
    except search.SearchUnavailable:
        fallback = search.fallback()
        if fallback is None:
            raise
        return ask(fallback)


@dataclass(frozen=True)
class Filters:
    """The filters of a list request (the spec's query parameters)."""

    search: str | None = None
    taxonomy_term_id: str | None = None
    taxonomy_id: str | None = None
    organization_id: str | None = None
    modified_after: datetime | None = None


def select_entries(session: Session, found: Catalog, filters: Filters) -> list[Entry]:
    """Return the entries that pass every filter: by relevance with `search`, else by name."""
    entries = found.entries
    if filters.search is not None:
        by_listing = {e.doc["id"]: e for e in entries}
        entries = [by_listing[i] for i in search_ids(session, filters.search) if i in by_listing]
    if filters.taxonomy_term_id:
        entries = [e for e in entries if filters.taxonomy_term_id in e.term_ids]
    if filters.taxonomy_id:
        entries = [e for e in entries if filters.taxonomy_id in e.taxonomy_ids]
    if filters.organization_id:
        entries = [e for e in entries if e.organization_id == filters.organization_id]
    if filters.modified_after:
        after = filters.modified_after
        entries = [e for e in entries if e.modified is not None and e.modified >= after]
    return entries


def page(items: list, number: int, per_page: int) -> tuple[list, dict]:
    """Return one page of items and the spec's paging envelope (without `contents`)."""
    total = len(items)
    pages = max(1, math.ceil(total / per_page))
    chosen = items[(number - 1) * per_page : number * per_page]
    return chosen, {
        "total_items": total,
        "total_pages": pages,
        "page_number": number,
        "size": len(chosen),
        "first_page": number == 1,
        "last_page": number >= pages,
        "empty": total == 0,
    }
