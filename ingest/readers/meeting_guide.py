"""Read Meeting Guide meeting feeds (JSON) and 12 Step Meeting List CSV files into draft records.

A Meeting Guide feed is a JSON array of meetings (code4recovery spec). Airtable API responses whose
records carry Meeting-Guide-like fields (`{"records": [{"id", "fields": {...}}]}`) are unwrapped.
The 12 Step Meeting List (TSML) CSV has one meeting per row under columns named like the JSON keys
("End Time" is `end_time`); its types are words ("Open, Wheelchair Access").

Where each meeting key goes in the draft (`ingest.record`), values as the feed wrote them:

- `slug` is the key (else the meeting's or Airtable record's `id`, else the slugs of name,
  location name, day and time, with a digest of the address where there is no location name: a
  key never holds an address). A meeting held on several days (`day: [1, 3]`) is one record
  meeting on each.
- `day`, `time`, `end_time` -> `meeting`; numeric days count from 0 = Sunday (`weekday_base`).
- `types` -> `taxonomy` terms of scheme "meeting_guide", one per item of a list; a string of
  types ("C,W", "[open]", "Open, Wheelchair Access") is one term as written, which
  `ingest.crosswalk.meeting_types` splits.
- `formatted_address` -> address `formatted`; else `address` with `city`, `state`, `postal_code`,
  `country` -> street parts, or, when there is nothing but `address`, that text as `formatted`.
  A meeting with neither (online only, by appointment) has no address.
- `regions` (or `region` > `sub_region`) -> `service_area.text`, joined by " > ": the areas the
  feed files the meeting under. A meeting without a street address has its city and state there.
- `location` (the building's name) -> `location_name`; `location_notes` -> `transportation`.
- `group` -> `organization.name`, `group_notes` -> its description, `website` -> its url.
- `entity`, `entity_url` (the service body that publishes the feed) -> `entity` `name` and `url`,
  which with the names say which fellowship a meeting is (`ingest.crosswalk.fellowship_of`);
  `entity_phone` (the service body's office, what to call about a meeting) -> an
  `organization.phones` item described by the entity's name. A meeting without a `group` has
  the entity as its organization.
- `notes` -> `description`; `url` (the meeting's page, else `website`) -> `url`;
  `conference_url`, `conference_phone` -> `online`; `updated` -> `updated_at` (UTC when in the
  spec's "YYYY-MM-DD HH:MM:SS", else as written, which the normalizer reads as local time);
  `approximate` -> `approximate_location` (type `TC`, temporarily closed, is read with the types).

Contact people, their e-mails and phones, payment handles and editors' names are never read into a
draft.
"""

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ingest.problems import Problem, SourceError, problem
from ingest.readers import Reader, ReadOptions
from ingest.readers.files import (
    AddressPart,
    blank,
    compact,
    csv_header,
    csv_rows,
    first,
    first_item,
    load_json,
    read_head,
    read_text,
    slug_key,
)
from ingest.record import Record

# Keys of the Meeting Guide spec that other JSON formats do not use; two make a meeting.
MEETING_KEYS = frozenset(
    {
        "slug",
        "day",
        "time",
        "end_time",
        "types",
        "conference_url",
        "conference_phone",
        "formatted_address",
        "location_notes",
        "region",
        "sub_region",
        "timezone",
        "updated",
    }
)
MEETING_KEYS_NEEDED = 2
AIRTABLE_ENVELOPE = "records"
CSV_REQUIRED_COLUMNS = frozenset({"name", "day", "time"})
CSV_MEETING_COLUMNS = frozenset({"types", "slug", "end time", "location", "address"})
REGION_SEPARATOR = " > "
# The spec's `updated`: a UTC instant without a zone ("2021-05-26 19:03:46").
SPEC_UPDATED = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")


def sniff_json(path: Path) -> bool:
    """Tell whether `path` is a JSON array (or Airtable records object) of meetings."""
    item = first_item(path, envelope=AIRTABLE_ENVELOPE)
    # A lone object is a feed only as Airtable's envelope; one meeting by itself is not a feed.
    lone = read_head(path).startswith("{") and _fields(item) is item
    return not lone and _is_meeting(_fields(item))


def read_json(path: Path, options: ReadOptions) -> Iterator[Record | Problem]:
    """Yield one record per meeting (and day) of a Meeting Guide JSON feed."""
    problems: list[Problem] = []
    data = load_json(path, problems)
    yield from problems
    if isinstance(data, dict) and isinstance(data.get(AIRTABLE_ENVELOPE), list):
        data = data[AIRTABLE_ENVELOPE]
    if not isinstance(data, list):
        raise SourceError(f"{path.name} is not a Meeting Guide feed: expected an array of meetings")
    first = next((_fields(item) for item in data if isinstance(_fields(item), dict)), None)
    if data and not _is_meeting(first):
        raise SourceError(f"{path.name} is not a Meeting Guide feed: its records are not meetings")
    yield from _records((n, item, _fields(item)) for n, item in enumerate(data, 1))


def sniff_csv(path: Path) -> bool:
    """Tell whether `path` is a CSV file with the 12 Step Meeting List columns."""
    return _is_tsml_header(csv_header(read_head(path)))


def read_csv(path: Path, options: ReadOptions) -> Iterator[Record | Problem]:
    """Yield one record per meeting row of a 12 Step Meeting List CSV file."""
    problems: list[Problem] = []
    text = read_text(path, problems)
    yield from problems
    if not _is_tsml_header(csv_header(text)):
        raise SourceError(f"{path.name} is not a 12 Step Meeting List CSV: no Name, Day and Time")
    yield from _records((line, row, _csv_meeting(row)) for line, row in csv_rows(text))


def _is_meeting(item: Any) -> bool:
    return isinstance(item, dict) and len(MEETING_KEYS & item.keys()) >= MEETING_KEYS_NEEDED


def _fields(item: Any) -> Any:
    """Return the meeting an item holds: an Airtable record's `fields`, or the item itself."""
    if isinstance(item, dict) and isinstance(item.get("fields"), dict):
        return item["fields"]
    return item


def _is_tsml_header(header: list[str]) -> bool:
    names = {h.casefold() for h in header}
    return names >= CSV_REQUIRED_COLUMNS and bool(CSV_MEETING_COLUMNS & names)


def _csv_meeting(row: dict[str, str]) -> dict[str, str]:
    # TSML names its columns after the JSON keys: "Conference URL" is conference_url.
    return {name.casefold().replace(" ", "_"): value for name, value in row.items()}


def _records(items: Iterable[tuple[int, Any, Any]]) -> Iterator[Record]:
    """Turn (line, raw, meeting) triples into records keyed by slug, id or what identifies them."""
    for line, raw, meeting in items:
        if not isinstance(meeting, dict):
            key = f"line-{line}"
            found = problem("not-a-record", found=type(meeting).__name__, record=key, line=line)
            yield Record(key=key, draft={}, raw=raw, line=line, problems=[found])
            continue
        base, former = _base_key(meeting, raw)
        key = base or f"line-{line}"
        found: list[Problem] = []
        # A meeting held on several days ("day": [1, 2, 3, 4, 5]) is one listing that meets on
        # each of them.
        draft = _draft(meeting, meeting.get("day"), found)
        if not base:
            found.append(problem("missing-key", detail="no slug, id, name or time"))
        for p in found:
            p.record, p.line = key, line
        yield Record(
            key=key,
            draft=draft,
            raw=raw,
            line=line,
            problems=found,
            former_key=former if base and former != base else None,
        )


def _base_key(meeting: dict, raw: Any) -> tuple[str, str]:
    """Return the meeting's key and the key resdir gave it before keys held no address."""
    own = first(meeting.get("slug"), meeting.get("id"), _get(raw, "id"))
    if own is not None:
        return str(own), str(own)
    address = first(meeting.get("formatted_address"), meeting.get("address"))
    place = first(meeting.get("location"), AddressPart(address) if address else None)
    return slug_key([meeting.get("name"), place, meeting.get("day"), meeting.get("time")])


def _draft(m: dict, day: Any, found: list[Problem]) -> dict:
    types = m.get("types")
    address = _address(m)
    return compact(
        {
            "kind": "meeting",
            "weekday_base": "sunday0",
            "source_keys": compact(
                {
                    "meeting_id": _text(m.get("id")),
                    "location_id": _text(m.get("location_id")),
                    "organization_id": _text(m.get("group_id")),
                }
            ),
            "name": m.get("name"),
            "description": m.get("notes"),
            "organization": _organization(m),
            "url": first(m.get("url"), m.get("website")),
            "entity": compact({"name": m.get("entity"), "url": m.get("entity_url")}),
            "meeting": compact({"day": day, "time": m.get("time"), "end_time": m.get("end_time")}),
            "taxonomy": [
                {"scheme": "meeting_guide", "code": t}
                for t in (types if isinstance(types, list) else [types])
                if not blank(t)
            ],
            "online": compact({"url": m.get("conference_url"), "phone": m.get("conference_phone")}),
            "location_name": m.get("location"),
            "address": address,
            "location": _location(m, found),
            "approximate_location": m.get("approximate"),
            "timezone": m.get("timezone"),
            "service_area": compact({"text": _area(m, address)}),
            "transportation": m.get("location_notes"),
            "updated_at": _updated(m.get("updated")),
        }
    )


def _organization(m: dict) -> dict:
    """Return the meeting's group with its entity's phone, else the entity with its phone."""
    phones = [{"number": m.get("entity_phone"), "description": m.get("entity")}]
    phones = [compact(p) for p in phones if not blank(p["number"])]
    if blank(m.get("group")):
        return compact({"name": m.get("entity"), "url": m.get("entity_url"), "phones": phones})
    group = {"name": m.get("group"), "description": m.get("group_notes"), "url": m.get("website")}
    return compact({**group, "phones": phones})


def _address(m: dict) -> dict:
    if not blank(m.get("formatted_address")):
        return {"formatted": m["formatted_address"]}
    street = m.get("address")
    if blank(street):
        return {}
    parts = compact(
        {
            "city": m.get("city"),
            "region": m.get("state"),
            "postal_code": m.get("postal_code"),
            "country": m.get("country"),
        }
    )
    # Some feeds put the whole address in `address` ("8318 104 St, Edmonton, Alberta, ...").
    if not parts.keys() & {"city", "region", "postal_code"}:
        return {"formatted": street}
    return {"street": street, **parts}


def _location(m: dict, found: list[Problem]) -> dict:
    lat, lon = m.get("latitude"), m.get("longitude")
    if not blank(lat) and not blank(lon):
        return {"lat": lat, "lon": lon}
    if blank(lat) != blank(lon):
        field = "longitude" if blank(lat) else "latitude"
        value = lon if blank(lat) else lat
        detail = "the other coordinate is missing; dropped"
        found.append(problem("invalid-value", field=field, value=value, detail=detail))
    return {}


def _area(m: dict, address: dict) -> str:
    listed = m.get("regions") if isinstance(m.get("regions"), list) else []
    regions = [r for r in listed if not blank(r)]
    regions = regions or [r for r in (m.get("region"), m.get("sub_region")) if not blank(r)]
    if regions:
        return REGION_SEPARATOR.join(str(r) for r in regions)
    if not address:
        return ", ".join(str(v) for v in (m.get("city"), m.get("state")) if not blank(v))
    return ""


def _updated(value: Any) -> Any:
    """Return `updated` with its zone: UTC in the spec's format, which says so; any other form
    (TSML CSV's "2020-04-0416:50:58", Edmonton's "8/25/2022 11:17:07 AM") as written."""
    if isinstance(value, str) and SPEC_UPDATED.match(value.strip()):
        return value.strip().replace(" ", "T") + "+00:00"
    return value


def _text(value: Any) -> str:
    return "" if blank(value) else str(value)


def _get(item: Any, key: str) -> Any:
    return item.get(key) if isinstance(item, dict) else None


JSON_READER = Reader(
    name="meeting-guide-json", format="meeting-guide", sniff=sniff_json, read=read_json
)
CSV_READER = Reader(name="tsml-csv", format="meeting-guide", sniff=sniff_csv, read=read_csv)
