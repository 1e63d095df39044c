"""Build the search document of a listing: the one place an index document is shaped.

Both engines index exactly this document (the embedded one in SQLite columns, Elasticsearch as
its source), and the matching rules evaluate it, so what an engine filters on and what an
explanation says come from the same values.
"""

from datetime import datetime

from resdir import geo, vocab
from resdir.analysis import listing_text
from resdir.matching.time import week_spans

ATTRIBUTE_CODES = tuple(vocab.ATTRIBUTES)  # fixed order: the bit of each in the engines' masks
EVENING_MINUTES = 17 * 60  # an opening that runs past this, or any weekend one, is "evening"
WEEKEND_DAYS = (5, 6)


def _minutes(hhmm: str | None) -> int | None:
    if not hhmm:
        return None
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def _evening(doc: dict) -> bool | None:
    """Return whether a listing is open (or meets) evenings or weekends; None if unknown."""
    intervals = doc["schedule"].get("intervals") or []
    if not intervals:
        return None
    for interval in intervals:
        opens, closes = _minutes(interval["opens"]), _minutes(interval["closes"])
        crosses_midnight = closes is not None and closes <= opens
        late = opens >= EVENING_MINUTES or (closes or 0) > EVENING_MINUTES or crosses_midnight
        if interval["day"] in WEEKEND_DAYS or late:
            return True
    return False


def _epoch(instant: str | None) -> float | None:
    return datetime.fromisoformat(instant).timestamp() if instant else None


def in_person(doc: dict) -> bool:
    """Return whether a listing meets in person: a real street address, or a confidential place."""
    street = bool((doc.get("address") or {}).get("street"))
    real = street and not doc["approximate_location"]
    return (real or doc["confidential_location"]) and not doc["temporarily_closed"]


def build(doc: dict, stop_metres: float | None = None) -> dict:
    """Return the search document of a canonical listing; `stop_metres` is the nearest stop."""
    location = doc.get("location")
    attributes = doc.get("attributes", {})
    capacity = doc.get("capacity") or {}
    online = bool(doc.get("online"))
    present = in_person(doc)
    return {
        "id": doc["id"],
        "name": doc["name"],
        "kind": doc["kind"],
        "fellowship": doc.get("fellowship"),
        "category": doc["category"],
        "subcategories": list(doc.get("subcategories", [])),
        "published": doc["status"] == "published",
        "closed": bool(doc["temporarily_closed"]),
        "point": {"lat": location["lat"], "lon": location["lon"]} if location else None,
        "approximate": bool(doc["approximate_location"]),
        "in_person": present,
        "online": online,
        "online_only": online and not present,
        "confidential": bool(doc["confidential_location"]),
        "area": geo.area_keys(doc.get("service_area")) if not location else [],
        "yes": sorted(c for c, f in attributes.items() if f["value"] == "yes"),
        "no": sorted(c for c, f in attributes.items() if f["value"] == "no"),
        "genders": list(doc["eligibility"].get("genders", [])),
        "min_age": doc["eligibility"].get("min_age"),
        "max_age": doc["eligibility"].get("max_age"),
        "languages": list(doc.get("languages", [])),
        "cost": doc["cost"].get("kind", "unknown"),
        "evening": _evening(doc),
        # A feed's "updated" date is the nearest thing to a verification it has.
        "verified_at": _epoch(doc.get("last_verified_at") or doc.get("updated_at")),
        "available": capacity.get("available"),
        "available_at": _epoch(capacity.get("as_of")),
        "stop_metres": stop_metres,
        "timezone": doc.get("timezone"),
        # [start, end, starts here] local minute-of-week spans: a meeting split at the week's
        # end starts in its first piece only.
        "times": [
            [start, end, int(starts)]
            for interval in doc["schedule"].get("intervals", [])
            for start, end, starts in week_spans(interval, doc["kind"])
        ],
        "tokens": listing_text(doc),
    }
