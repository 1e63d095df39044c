"""Read Ohana API JSON (Code for America's Ohana, HSDS's ancestor) into draft records.

Two shapes share the family:

- flat service records (the San Mateo County CIP export): a JSON array whose items are records or
  small arrays of records, each record one service with its agency, address, phones and hours;
- nested organizations (Ohana's import format): a JSON array, or JSON Lines, of organizations with
  `locations`, each location with `address_attributes`, `phones_attributes` and
  `services_attributes`. One record per service at a location; a location without services is
  one record of its own, named after it. Its raw form is the organization it came from. Lines
  ending in a comma, and a single object where a list belongs, are read as the exporter meant.

Neither shape carries ids, so a record's key is built from what identifies the place and the
service: the slugs of the organization (agency), location and service names and a digest of the
street (a key never holds an address), joined by "--" (`KEY_SEPARATOR`, which a slug never
contains). Re-reading a file yields the same keys; a key that repeats is a problem of its own.

Values are kept as the source wrote them. Where the source holds a list for a single field (a
CIP record with two street addresses), the first value is used and a warning says so. An item
that is not a record (a JSON Lines line that is not JSON) is still yielded, with an error, so it
is counted and quarantined.
"""

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingest.problems import Problem, Severity, SourceError, problem
from ingest.readers import Reader, ReadOptions
from ingest.readers.files import (
    NESTED_TOO_DEEPLY,
    AddressPart,
    blank,
    compact,
    first,
    first_item,
    load_json,
    read_head,
    read_text,
    slug_key,
)
from ingest.record import Record

# Fields only the flat CIP-style records have; two of them make a record recognisably Ohana.
FLAT_KEYS = frozenset(
    {
        "agency",
        "street_address",
        "zipcode",
        "services_provided",
        "service_hours",
        "service_wait",
        "how_to_apply",
        "keywords",
        "languages_spoken",
        "accessibility_options",
        "transportation_availability",
        "eligibility_requirements",
    }
)
FLAT_KEYS_NEEDED = 2
# Where Ohana's import format keeps a location's services (the last is a variant seen in exports).
SERVICE_LISTS = ("services_attributes", "services", "service_attributes")
LOCATION_MARKS = ("address_attributes", "phones_attributes", "short_desc", "coordinates")
_BETWEEN_VALUES = re.compile(r"[\s,]*")


# --- reading -------------------------------------------------------------------------------------


@dataclass
class _Unparsed:
    """A JSON Lines line that is not JSON."""

    text: str
    reason: str


def sniff(path: Path) -> bool:
    """Tell whether `path` looks like Ohana JSON (flat services or nested organizations)."""
    return path.is_file() and _is_ohana(first_item(path))


def read(path: Path, options: ReadOptions) -> Iterator[Record | Problem]:
    """Yield one record per service (at a location) in an Ohana JSON or JSON Lines file."""
    problems: list[Problem] = []
    items = list(_items(path, problems))
    yield from problems
    first = next((item for _, item in items if not isinstance(item, _Unparsed)), None)
    if items and not _is_ohana(first):
        raise SourceError(f"{path.name} is not Ohana JSON: expected services or organizations")
    for line, item in items:
        for parts, draft, raw, found in _drafts(item):
            # An organization, its only location and its only service often share one name.
            base, former = slug_key(parts, distinct=True)
            if not base and not any(p.severity is Severity.ERROR for p in found):
                found.append(problem("missing-key", detail="no name or address"))
            key = base or f"line-{line}"
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


def _is_ohana(item: Any) -> bool:
    if isinstance(item, list) and item:
        item = item[0]
    if not isinstance(item, dict) or "name" not in item:
        return False
    if "locations" in item:
        # HSDS 3.0 organizations also have locations, but keep services at the top level.
        locations = _dicts(item["locations"])
        return "services" not in item and any(
            any(mark in loc for mark in (*LOCATION_MARKS, *SERVICE_LISTS)) for loc in locations
        )
    return len(FLAT_KEYS & item.keys()) >= FLAT_KEYS_NEEDED


def _items(path: Path, problems: list[Problem]) -> Iterator[tuple[int, Any]]:
    """Yield (position, item): array index + 1, or the line a JSON Lines value starts on."""
    head = read_head(path)[:1]
    if head == "[":
        for n, item in enumerate(load_json(path, problems), 1):
            # The CIP export wraps each record in a one-element array.
            for inner in item if isinstance(item, list) else [item]:
                yield n, inner
    elif head == "{":
        yield from _json_lines(read_text(path, problems))
    else:
        raise SourceError(f"{path.name} is not JSON: it does not start with [ or {{")


def _json_lines(text: str) -> Iterator[tuple[int, Any]]:
    # Values one after another, one per line as a rule; a comma after each (seen in hand-made
    # exports) is tolerated. A line that is not JSON becomes an _Unparsed item and is skipped.
    decoder = json.JSONDecoder()
    pos, line = 0, 1
    while (start := _BETWEEN_VALUES.match(text, pos).end()) < len(text):
        line += text.count("\n", pos, start)
        try:
            value, end = decoder.raw_decode(text, start)
        except (ValueError, RecursionError) as exc:  # also a huge number, deep nesting
            end = text.find("\n", start)
            end = len(text) if end < 0 else end
            if isinstance(exc, json.JSONDecodeError):
                reason = exc.msg
            else:
                reason = NESTED_TOO_DEEPLY if isinstance(exc, RecursionError) else str(exc)
            value = _Unparsed(text[start:end], f"not JSON: {reason}")
        yield line, value
        line += text.count("\n", start, end)
        pos = end


def _drafts(item: Any) -> Iterator[tuple[list, dict, Any, list[Problem]]]:
    """Yield (key parts, draft, raw, problems) for each listing in one source item."""
    if isinstance(item, _Unparsed):
        yield [], {}, item.text, [problem("invalid-record", detail=item.reason)]
    elif not isinstance(item, dict):
        yield [], {}, item, [problem("not-a-record", found=type(item).__name__)]
    elif "locations" in item:
        yield from _nested(item)
    else:
        found: list[Problem] = []
        draft = _flat_draft(item, found)
        address = draft.get("address", {})
        street = AddressPart(address["street"]) if address.get("street") else None
        yield [item.get("agency"), item.get("name"), street], draft, item, found


# --- flat CIP records ----------------------------------------------------------------------------


def _flat_draft(rec: dict, found: list[Problem]) -> dict:
    def one(field: str) -> Any:
        return _one(rec.get(field), field, found)

    phones = [_flat_phone(p) for group in _as_list(rec.get("phones")) for p in _dicts(group)]
    phones += [{"number": rec.get("telephone_no")}]
    phones += [
        {"number": n, "type": "fax"} for n in [*_as_list(rec.get("faxes")), rec.get("fax_no")]
    ]
    phones += [{"number": n, "type": "tty"} for n in _as_list(rec.get("ttys"))]
    return compact(
        {
            "organization": compact({"name": rec.get("agency")}),
            "name": rec.get("name"),
            # services_provided restates the description in short; it stands in when that is missing
            "description": first(rec.get("description"), rec.get("services_provided")),
            "url": first(*_as_list(rec.get("urls"))),
            "email": first(*_as_list(rec.get("emails"))),
            "next_steps": rec.get("how_to_apply"),
            "taxonomy": _keywords(rec.get("keywords")),
            "address": compact(
                {
                    "street": one("street_address"),
                    "city": one("city"),
                    "region": one("state"),
                    "postal_code": one("zipcode"),
                }
            ),
            "hours": compact({"text": first(rec.get("service_hours"), rec.get("hours"))}),
            "phones": [compact(p) for p in phones if not blank(p.get("number"))],
            "cost": compact({"text": rec.get("fees")}),
            "eligibility": compact({"text": rec.get("eligibility_requirements")}),
            "languages": _as_list(rec.get("languages_spoken")),
            "accessibility": _as_list(rec.get("accessibility_options")),
            "transportation": rec.get("transportation_availability"),
        }
    )


def _flat_phone(entry: dict) -> dict:
    number, department = entry.get("number"), entry.get("department")
    # Numbers the CIP converter could not parse ("800 273-TALK", "650 369-1411 Ext. 7246") were
    # left in `department` with no `number`; a department holding digits is that number.
    if blank(number) and isinstance(department, str) and re.search(r"\d", department):
        number, department = department, None
    description = " ".join(
        s.strip() for s in (department, entry.get("phone_hours")) if not blank(s)
    )
    return {"number": number, "description": description}


# --- nested organizations ------------------------------------------------------------------------


def _nested(org: dict) -> Iterator[tuple[list, dict, Any, list[Problem]]]:
    organization = compact(
        {
            "name": org.get("name"),
            "url": first(org.get("website"), *_as_list(org.get("urls"))),
            "description": first(org.get("description"), org.get("notes")),
        }
    )
    for loc in _dicts(org.get("locations")):
        services = next((_dicts(loc[k]) for k in SERVICE_LISTS if k in loc), [])
        for service in services or [{}]:
            draft = _nested_draft(org, organization, loc, service)
            street = draft.get("address", {}).get("street")
            street = AddressPart(street) if street else None
            parts = [org.get("name"), loc.get("name"), street, service.get("name")]
            yield parts, draft, org, []


def _nested_draft(org: dict, organization: dict, loc: dict, svc: dict) -> dict:
    address = loc.get("address_attributes") or loc.get("address") or {}
    address = address if isinstance(address, dict) else {}
    phones = [_nested_phone(p, None) for p in _dicts(loc.get("phones_attributes"))]
    phones += [_nested_phone(p, "fax") for p in _dicts(loc.get("faxes_attributes"))]
    return compact(
        {
            "organization": organization,
            "name": first(svc.get("name"), loc.get("name"), org.get("name")),
            "alternate_name": first(svc.get("alternate_name"), loc.get("alternate_name")),
            "description": first(
                svc.get("description"), loc.get("description"), loc.get("short_desc")
            ),
            "url": first(svc.get("website"), *_as_list(loc.get("urls")), organization.get("url")),
            "email": first(svc.get("email"), *_as_list(loc.get("emails")), org.get("email")),
            "next_steps": svc.get("how_to_apply"),
            "status": svc.get("status"),
            "taxonomy": _keywords(svc.get("keywords")) + _categories(svc.get("categories")),
            "location_name": loc.get("name"),
            "address": compact(
                {
                    "street": first(address.get("street_1"), address.get("street")),
                    "street2": address.get("street_2"),
                    "city": address.get("city"),
                    "region": address.get("state"),
                    "postal_code": first(
                        address.get("postal_code"), address.get("zip"), address.get("zipcode")
                    ),
                    "country": first(address.get("country_code"), address.get("country")),
                }
            ),
            "location": _nested_location(loc),
            "hours": compact({"text": loc.get("hours")}),
            "phones": [p for p in phones if p],
            "cost": compact(
                {"text": svc.get("fees"), "payments": _as_list(svc.get("accepted_payments"))}
            ),
            "eligibility": compact({"text": svc.get("eligibility")}),
            "required_documents": _as_list(svc.get("required_documents")),
            "languages": _as_list(svc.get("languages")) or _as_list(loc.get("languages")),
            "accessibility": _as_list(loc.get("accessibility")),
            "service_area": compact({"text": ", ".join(_said(svc.get("service_areas")))}),
            "transportation": loc.get("transportation"),
            "updated_at": svc.get("updated_at"),
        }
    )


def _nested_phone(entry: dict, kind: str | None) -> dict:
    if blank(entry.get("number")):
        return {}
    return compact(
        {
            "number": entry.get("number"),
            "extension": entry.get("extension"),
            "type": kind or entry.get("number_type"),
            "description": entry.get("department"),
        }
    )


def _nested_location(loc: dict) -> dict:
    lat, lon = loc.get("latitude"), loc.get("longitude")
    if not blank(lat) and not blank(lon):
        return {"lat": lat, "lon": lon}
    coords = loc.get("coordinates")
    # Ohana stored points GeoJSON-style, [longitude, latitude]; a string is left for the normalizer.
    if isinstance(coords, list) and len(coords) == 2 and not any(blank(c) for c in coords):
        return {"lat": coords[1], "lon": coords[0]}
    if isinstance(coords, str) and coords.strip():
        return {"text": coords}
    return {}


# --- small helpers -------------------------------------------------------------------------------


def _as_list(value: Any) -> list:
    """Return a list field as a list; a lone value where a list belongs becomes one item."""
    if blank(value):
        return []
    return value if isinstance(value, list) else [value]


def _dicts(value: Any) -> list[dict]:
    return [v for v in _as_list(value) if isinstance(v, dict)]


def _said(value: Any) -> list:
    return [v for v in _as_list(value) if not blank(v)]


def _one(value: Any, field: str, found: list[Problem]) -> Any:
    """Return a single value for a field some records give as a list."""
    values = _said(value)
    if len(set(map(str, values))) > 1:
        found.append(
            problem(
                "invalid-value", field=field, value=values, detail="several values; kept the first"
            )
        )
    return values[0] if values else None


def _keywords(value: Any) -> list[dict]:
    # A string of keywords is "; "-separated in the exports that have one.
    words = [w.strip() for w in value.split(";")] if isinstance(value, str) else _said(value)
    return [{"scheme": "keyword", "name": w} for w in words if not blank(w)]


def _categories(value: Any) -> list[dict]:
    terms = []
    for c in _said(value):
        if isinstance(c, dict):
            terms.append(
                compact(
                    {"scheme": "open_eligibility", "code": c.get("oe_id"), "name": c.get("name")}
                )
            )
        else:
            terms.append({"scheme": "open_eligibility", "name": c})
    return terms


READER = Reader(name="ohana-json", format="hsds", sniff=sniff, read=read)
