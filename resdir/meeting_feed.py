"""Build the Meeting Guide feed of the directory: every published meeting, one entry a week's
occurrence, in the shape of the code4recovery spec (feed.schema.json, types.json).

A listing meeting on several days is one entry per day and start time, as the spec's apps expect;
its slug is the listing id with the spec's day and the start time, so a slug stays the same across
exports and re-ingests. What resdir keeps that the spec has no field for is left out (README:
"Open Referral and Meeting Guide").
"""

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from resdir import meeting_guide, vocab
from resdir.listings import conceal
from resdir.store import Listing, ListingVersion, OutboxEntry

TEMPORARILY_CLOSED = "TC"
# A service its source files under this need is a meeting too (HSDS, 211 exports).
MEETING_CATEGORY, MEETING_SUBCATEGORY = "sober_social", "meeting"
UPDATED_FORMAT = "%Y-%m-%d %H:%M:%S"  # the spec's `updated`: UTC, no zone
END_OF_DAY, MIDNIGHT = "24:00", "00:00"  # the spec's times stop at 23:59: an end at 24:00 is 00:00
SLUG_SEPARATOR = "-"
# A conference phone as a phone dials it: digits, a leading +, and the pauses (,) and keys (* #)
# of a one-tap code ("+16699006833,,85291935709#"); spaces and dashes are only for reading.
DIAL_STRING = re.compile(r"^[+]?\d[\d,*#]*$")
NOT_DIALLED = re.compile(r"[\s().\-/]")


@dataclass(frozen=True)
class FeedVersion:
    """What a poller's cache needs to know the feed has not changed."""

    position: int  # the outbox's last entry: every change to a listing appends one
    last_modified: datetime | None  # when a listing last changed

    @property
    def etag(self) -> str:
        """Return the feed's entity tag (unquoted)."""
        return f"meetings-{self.position}"


def utc(moment: datetime) -> datetime:
    """Return an instant in UTC; the store's SQLite columns give them back without a zone."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def spec_day(day: int) -> int:
    """Return the spec's day (0 = Sunday) of resdir's day (0 = Monday)."""
    return (day + 1) % 7


def slug(listing_id: str, day: int | None = None, opens: str | None = None) -> str:
    """Return a meeting's stable slug: the listing id, the spec's day and the start time."""
    if day is None or opens is None:
        return listing_id
    return SLUG_SEPARATOR.join((listing_id, str(spec_day(day)), opens.replace(":", "")))


def spec_types(doc: dict) -> list[str]:
    """Return the listing's Meeting Guide types the spec defines, with the same meaning.

    ONL is left out (online is said by conference_url and conference_phone), and so is a code
    the spec lacks or a fellowship's own list gives another meaning (Al-Anon's POA, AC, YA):
    another app would read the spec's meaning.
    """
    names = meeting_guide.type_names()
    return [
        t["code"]
        for t in doc.get("meeting_types") or []
        if t["code"] in names and t["name"] == names[t["code"]][meeting_guide.SPEC_LANGUAGE]
    ]


def online_only(doc: dict) -> bool:
    """Tell whether a meeting is held online only: it has no address, or its place is closed."""
    online = doc.get("online") or {}
    if not (online.get("url") or online.get("phone")):
        return False
    return not _has_place(doc) or doc.get("temporarily_closed", False)


def _has_place(doc: dict) -> bool:
    address = doc.get("address") or {}
    return any(address.get(k) for k in ("street", "city", "postal_code")) or bool(
        doc.get("location")
    )


def _conference(online: dict) -> dict:
    out = {"conference_url": online.get("url")}
    phone = online.get("phone")
    dialled = NOT_DIALLED.sub("", phone or "")
    if DIAL_STRING.match(dialled):
        out["conference_phone"] = dialled
    elif phone:
        # Words ("call 669 900 6833, then ...") are for people: the notes carry them.
        out["conference_phone_notes"] = phone
    return out


def _place(doc: dict) -> dict:
    """Return where a meeting is held, in the spec's parts: the street only when the place is not
    confidential. (A `formatted_address` would be the same parts in one line, which a reader
    splits again at its commas: a street with a comma in it would not come back whole.)"""
    address = doc.get("address") or {}
    out = {
        "location": doc.get("location_name"),
        "location_notes": doc.get("transportation"),
        "address": None if doc.get("confidential_location") else address.get("street"),
        "city": address.get("city"),
        "state": address.get("region"),
        "postal_code": address.get("postal_code"),
        "country": address.get("country"),
    }
    point = doc.get("location")
    if point:
        approximate = doc.get("approximate_location") or doc.get("confidential_location")
        out |= {
            "latitude": point["lat"],
            "longitude": point["lon"],
            "approximate": "yes" if approximate else "no",
        }
    return out


def _common(doc: dict, updated: datetime | None) -> dict:
    """Return what every occurrence of a meeting says."""
    organization = doc.get("organization") or {}
    fellowship = vocab.FELLOWSHIPS.get(doc.get("fellowship") or "")
    area = (doc.get("service_area") or {}).get("text")
    types = spec_types(doc)
    if doc.get("temporarily_closed") and TEMPORARILY_CLOSED not in types:
        types.append(TEMPORARILY_CLOSED)
    entry = {
        "name": doc["name"],
        "timezone": doc.get("timezone"),
        "types": types,
        "notes": doc.get("description"),
        "url": doc.get("url"),
        "updated": utc(updated).strftime(UPDATED_FORMAT) if updated else None,
        "group": organization.get("name"),
        "group_notes": organization.get("description"),
        "website": organization.get("url"),
        # The spec has no field for the fellowship; the body a feed comes from says it, and
        # resdir's reader reads it there.
        "entity": fellowship.name if fellowship else None,
        "regions": [r.strip() for r in area.split(">") if r.strip()] if area else None,
    }
    online = doc.get("online") or {}
    entry |= _conference(online) if online else {}
    entry |= {} if online_only(doc) else _place(doc)
    return entry


def meeting_entries(doc: dict, updated: datetime | None) -> list[dict]:
    """Return a meeting listing's feed entries: one per weekly occurrence, or one without a day
    and time when it meets by appointment or its times are not known."""
    doc = conceal(doc)
    common = _common(doc, updated)
    intervals = (doc.get("schedule") or {}).get("intervals") or []
    if not intervals:
        return [_compact({"slug": slug(doc["id"]), **common})]
    entries = {}
    for interval in intervals:
        key = slug(doc["id"], interval["day"], interval["opens"])
        closes = interval.get("closes")
        entries[key] = _compact(
            {
                "slug": key,
                **common,
                "day": spec_day(interval["day"]),
                "time": interval["opens"] if interval["opens"] != END_OF_DAY else MIDNIGHT,
                "end_time": MIDNIGHT if closes == END_OF_DAY else closes,
            }
        )
    return list(entries.values())


def _compact(entry: dict) -> dict:
    return {k: v for k, v in entry.items() if v not in (None, "", [])}


def is_meeting(doc: dict) -> bool:
    """Tell whether a listing is a meeting: read from a meeting feed, or a service whose source
    files it as a recovery meeting (an HSDS group meeting on Mondays at 7 PM)."""
    return doc["kind"] == "meeting" or (
        doc["category"] == MEETING_CATEGORY and MEETING_SUBCATEGORY in doc.get("subcategories", [])
    )


def meetings(session: Session) -> list[dict]:
    """Return the feed entries of every published meeting, ordered by slug."""
    published = (
        Listing.status == "published",
        or_(Listing.kind == "meeting", Listing.category == MEETING_CATEGORY),
    )
    changed = dict(
        session.execute(
            select(ListingVersion.listing_id, func.max(ListingVersion.created_at))
            .join(Listing, Listing.id == ListingVersion.listing_id)
            .where(*published)
            .group_by(ListingVersion.listing_id)
        ).all()
    )
    rows = session.execute(select(Listing.id, Listing.document).where(*published))
    entries = [
        m for id_, doc in rows if is_meeting(doc) for m in meeting_entries(doc, changed.get(id_))
    ]
    return sorted(entries, key=lambda m: m["slug"])


def version(session: Session) -> FeedVersion:
    """Return the feed's version: the outbox's last entry and when it was written."""
    last = session.execute(
        select(OutboxEntry.seq, OutboxEntry.created_at).order_by(OutboxEntry.seq.desc()).limit(1)
    ).first()
    return FeedVersion(last.seq, utc(last.created_at)) if last else FeedVersion(0, None)


def dumps(entries: list[dict]) -> str:
    """Return the feed as the route serves it and the export writes it."""
    return json.dumps(entries, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
