"""Resolve duplicates across sources: the same service at the same place becomes one listing.

Two records are the same listing when they come from different sources, are of the same kind,
stand at the same place (same house number, street and ZIP code, or within SAME_PLACE_KM), have
names that match after normalizing (the service's or the location's name), and, for meetings,
meet at the same times. A listing takes at most one record from each source, so two services of
one feed are never folded together.
"""

import re
from collections import defaultdict
from dataclasses import dataclass

from rapidfuzz import fuzz
from sqlalchemy import select
from sqlalchemy.orm import Session

from resdir import geo
from resdir.store import Listing, ListingSource

NAME_MATCH_MIN = 90  # rapidfuzz token_sort_ratio (0-100) for two names to name the same thing
SAME_PLACE_KM = 0.15
PRECISE = ("source", "address")
GRID_DEGREES = 0.01  # blocking cell (~1 km) so each record is compared with its neighbours only
STREET = re.compile(r"^\s*(\d+[a-z]?)\s+(?:(?:n|s|e|w|north|south|east|west)\.?\s+)?([a-z0-9]+)")


def normalize_name(name: str | None) -> str:
    """Return a name lower-cased, with "&" as "and" and punctuation removed."""
    text = (name or "").lower().replace("&", " and ")
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())


def place_key(address: dict | None) -> tuple[str, str, str] | None:
    """Return (house number, street word, ZIP) identifying a street address, or None."""
    if not address or not address.get("street"):
        return None
    match = STREET.match(address["street"].lower())
    code = geo.postal_code(address.get("postal_code"))
    return (match.group(1), match.group(2), code) if match and code else None


@dataclass
class Candidate:
    """A listing a new record may turn out to duplicate."""

    id: str
    kind: str
    name: str
    location_name: str
    place: tuple | None
    lat: float | None
    lon: float | None
    times: tuple


def _candidate(listing_id: str, doc: dict) -> Candidate:
    # Only a point that marks the building itself can say two records are at the same place.
    precise = doc.get("geocode_precision") in PRECISE and not doc.get("approximate_location")
    location = (doc.get("location") or {}) if precise else {}
    times = tuple((i["day"], i["opens"]) for i in (doc.get("schedule") or {}).get("intervals", []))
    return Candidate(
        listing_id,
        doc.get("kind", "service"),
        normalize_name(doc.get("name")),
        normalize_name(doc.get("location_name")),
        place_key(doc.get("address")),
        location.get("lat"),
        location.get("lon"),
        times if doc.get("kind") == "meeting" else (),
    )


def _cell(lat: float, lon: float) -> tuple[int, int]:
    return int(lat // GRID_DEGREES), int(lon // GRID_DEGREES)


class CandidateIndex:
    """Published listings of other sources, blocked by street address and by map cell."""

    def __init__(self, candidates: list[Candidate]):
        self.by_place = defaultdict(list)
        self.by_cell = defaultdict(list)
        for c in candidates:
            if c.place:
                self.by_place[c.place].append(c)
            if c.lat is not None:
                self.by_cell[_cell(c.lat, c.lon)].append(c)

    def near(self, record: Candidate) -> list[Candidate]:
        """Return the candidates at the same street address or within SAME_PLACE_KM."""
        found = {c.id: c for c in self.by_place.get(record.place, [])} if record.place else {}
        if record.lat is not None:
            cy, cx = _cell(record.lat, record.lon)
            for dy in (-1, 0, 1):
                for dx in (-1, 0, 1):
                    for c in self.by_cell.get((cy + dy, cx + dx), []):
                        if geo.haversine_km(record.lat, record.lon, c.lat, c.lon) <= SAME_PLACE_KM:
                            found[c.id] = c
        return list(found.values())


def _score(a: Candidate, b: Candidate) -> float:
    """Return how well two records' names match: a service's name may be the other's place name.

    Two place names alone never match: two services in one building share its name.
    """
    pairs = ((a.name, b.name), (a.name, b.location_name), (a.location_name, b.name))
    return max((fuzz.token_sort_ratio(x, y) for x, y in pairs if x and y), default=0)


def resolve(
    session: Session, source_id: str, docs: list[dict], former_keys: dict[str, str] | None = None
) -> dict[str, str]:
    """Return, for each record key, the id of the listing it belongs to.

    A key already stored keeps its listing, and so does a key whose former key is stored
    (`Record.former_key`); a new key joins the best-matching listing of another source, or
    starts a listing of its own.
    """
    stored = dict(
        session.execute(
            select(ListingSource.record_key, ListingSource.listing_id).where(
                ListingSource.source_id == source_id
            )
        ).all()
    )
    for key, former in (former_keys or {}).items():
        if key not in stored and former in stored:
            stored[key] = stored[former]
    claimed = set(stored.values())
    new = [d for d in docs if d["source_id"] not in stored]
    result = {d["source_id"]: stored[d["source_id"]] for d in docs if d["source_id"] in stored}
    if not new:
        return result
    mine = select(ListingSource.listing_id).where(ListingSource.source_id == source_id)
    # In id order, so that of two equally good candidates the same one wins on every database.
    rows = session.execute(
        select(Listing.id, Listing.document)
        .where(Listing.status == "published", Listing.id.not_in(mine))
        .order_by(Listing.id)
    ).all()
    index = CandidateIndex([_candidate(i, doc) for i, doc in rows])
    for doc in new:
        record = _candidate(doc["id"], doc)
        best, best_score = None, NAME_MATCH_MIN - 1
        for candidate in index.near(record):
            if candidate.id in claimed or candidate.kind != record.kind:
                continue
            if candidate.times != record.times:
                continue
            score = _score(record, candidate)
            if score > best_score:
                best, best_score = candidate, score
        result[doc["source_id"]] = best.id if best else doc["id"]
        if best:
            claimed.add(best.id)
    return result
