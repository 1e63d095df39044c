"""Turn a reader's draft into a canonical listing document, the same way for every source."""

import re
import zoneinfo
from dataclasses import replace
from datetime import UTC, datetime
from functools import lru_cache

from ingest import crosswalk
from ingest.manifest import SourceSpec
from ingest.normalize import places
from ingest.normalize.dates import parse_datetime
from ingest.normalize.hours import parse_day, parse_hours, parse_time
from ingest.normalize.languages import language_codes
from ingest.normalize.phones import normalize_phone, split_phone_list
from ingest.normalize.terms import parse_cost, parse_eligibility
from ingest.normalize.text import (
    clean_email,
    clean_text,
    clean_url,
    number,
    strip_html,
    yes_no,
)
from ingest.problems import Problem, problem
from ingest.record import Record
from resdir import geo, meeting_guide, vocab
from resdir.listings import listing_id

INACTIVE_STATUSES = {"inactive", "defunct", "closed", "deleted", "permanently closed"}
TEMPORARILY_CLOSED = {"temporarily closed", "temporarily_closed", "suspended", "paused"}
PHONE_CACHE_SIZE = 65536
PHONES, ORGANIZATION_PHONES = "phones", "organization.phones"  # where a phone problem is
ZONES = zoneinfo.available_timezones()
MIN_AGE, MAX_AGE = 0, 120
# A name ending in an abbreviation keeps its period: "Mission Hiring Hall, Inc.", "U.S.".
ABBREVIATED_END = re.compile(r"(?:\b\w{1,3}|\.\w+)\.$")
ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
NARR = re.compile(r"\b(iv|iii|ii|i|[1-4])\b", re.IGNORECASE)


def _text(value) -> str | None:
    """Clean a text field that may hold HTML."""
    cleaned = clean_text(value)
    return clean_text(strip_html(cleaned)) if cleaned and "<" in cleaned else cleaned


def _name(value) -> str | None:
    """Clean a name; drop the full stop some directories end names with ("Little House.")."""
    name = _text(value)
    if name and ABBREVIATED_END.search(name) is None:
        name = name.removesuffix(".").rstrip() or name
    return name


def _instant(value, tz: str | None, field: str, problems: list[Problem]) -> str | None:
    if value in (None, ""):
        return None
    parsed, found = parse_datetime(value, tz)
    problems.extend(_at(found, field))
    return datetime.fromisoformat(parsed).astimezone(UTC).isoformat() if parsed else None


def _at(found: list[Problem], field: str) -> list[Problem]:
    for p in found:
        p.field = p.field or field
    return found


def _term_parts(term: dict) -> list[tuple]:
    """Return a draft term's (code, name) pairs: a feed's "O,D,W" types are three terms."""
    if term.get("scheme") == "meeting_guide":
        return [
            (token, None) for token in crosswalk.type_tokens(term.get("code") or term.get("name"))
        ]
    return [(term.get("code"), term.get("name"))]


def _timezone(
    value,
    location: dict | None,
    address: dict | None,
    area: dict | None,
    spec: SourceSpec,
    problems: list[Problem],
) -> str | None:
    """Return the listing's IANA time zone: as stated, else from its place, else from the ZIP
    codes it serves, else the source's."""
    stated = clean_text(value)
    if stated in ZONES:
        return stated
    if stated:
        detail = "not an IANA time zone; taken from the place instead"
        problems.append(problem("invalid-value", field="timezone", value=stated, detail=detail))
    return (
        geo.timezone_for(location, address)
        or geo.area_timezone((area or {}).get("postal_codes", []))
        or spec.timezone
    )


def _flag(value) -> bool:
    """Read a yes/no flag as sources write it: True, "Yes", "TRUE", "1", "y"."""
    return yes_no(value) == "yes"


def _organization(raw: dict | None, source: str, problems: list[Problem]) -> dict | None:
    raw = raw or {}
    name = _name(raw.get("name"))
    if not name:
        return None
    key = clean_text(str(raw["id"])) if raw.get("id") not in (None, "") else name.lower()
    return {
        "id": listing_id(source, f"org\x1f{key}"),
        "name": name,
        "url": clean_url(raw.get("url"))[0],
        "description": _text(raw.get("description")),
        "phones": _phones(raw.get("phones"), problems, ORGANIZATION_PHONES),
    }


def _schedule(draft: dict, problems: list[Problem]) -> dict:
    hours = draft.get("hours") or {}
    text = clean_text(hours.get("text"))
    base = draft.get("weekday_base", "iso")
    intervals, by_appointment = [], False
    for row in hours.get("intervals") or []:
        day = parse_day(row.get("day"), base)
        opens, closes = parse_time(row.get("opens")), parse_time(row.get("closes"))
        if day is None:
            problems.append(problem("invalid-day", field="hours", value=row.get("day")))
        elif opens is None:
            problems.append(problem("invalid-time", field="hours", value=row.get("opens")))
        else:
            intervals.append({"day": day, "opens": opens, "closes": closes})
    if text and not intervals:
        parsed = parse_hours(text)
        if parsed is None:
            problems.append(problem("unparsed-hours", field="hours", value=text))
        else:
            intervals, by_appointment = parsed.intervals, parsed.by_appointment
    meeting = draft.get("meeting")
    if meeting:
        days = meeting.get("day")
        days = days if isinstance(days, list) else [days]
        start, end = parse_time(meeting.get("time")), parse_time(meeting.get("end_time"))
        if meeting.get("time") not in (None, "") and start is None:
            problems.append(problem("invalid-time", field="time", value=meeting.get("time")))
        for raw_day in days:
            if raw_day in (None, ""):
                continue
            day = parse_day(raw_day, base)
            if day is None:
                problems.append(problem("invalid-day", field="day", value=raw_day))
            elif start is not None:
                intervals.append({"day": day, "opens": start, "closes": end})
        by_appointment = by_appointment or not intervals
    unique = {(i["day"], i["opens"], i["closes"]): i for i in intervals}
    return {
        "intervals": [unique[k] for k in sorted(unique, key=lambda k: (k[0], k[1]))],
        "text": text,
        "by_appointment": by_appointment,
    }


@lru_cache(maxsize=PHONE_CACHE_SIZE)
def _phone(number, extension, type_, description) -> tuple[dict | None, tuple[Problem, ...]]:
    # Feeds repeat an organization's numbers on every service; parsing one costs ~100 us.
    phone, found = normalize_phone(number, extension, type_, description)
    return phone, tuple(found)


def _phones(items: list | None, problems: list[Problem], field: str = PHONES) -> list[dict]:
    """Return the dialable phones of a draft's list, each once; the rest are problems at `field`."""
    phones, seen = [], set()
    for raw in items or []:
        if isinstance(raw, str):
            raw = {"number": raw}
        text = clean_text(raw.get("number"))
        # One cell can hold several numbers: "(925)522-0124 Intake: (925)522-0124x0".
        for dialled in split_phone_list(text) if text else []:
            phone, found = _phone(
                dialled, raw.get("extension"), raw.get("type"), clean_text(raw.get("description"))
            )
            problems.extend(replace(p, field=field) for p in found)
            key = phone and (phone["number"], phone.get("extension"), phone["type"])
            if phone and key not in seen:
                seen.add(key)
                phones.append(dict(phone))
    return phones


def _facts(
    draft: dict, spec: SourceSpec, classified: dict, meeting_facts: dict, problems: list[Problem]
) -> dict:
    """Combine facts: the source's defaults, then what codes imply, then what the record states."""
    facts = {
        code: {"value": value, "source": f"source {spec.id}", "note": None}
        for code, value in spec.facts.items()
    }
    facts.update(classified)
    facts.update(meeting_facts)
    facts.update(crosswalk.accessibility_facts(draft.get("accessibility") or []))
    for raw in draft.get("facts") or []:
        value = yes_no(raw.get("value"))
        if raw.get("code") not in vocab.ATTRIBUTES or value is None:
            detail = f"not a resdir attribute with value yes or no: {raw.get('value')!r}"
            problems.append(
                problem("invalid-value", field="facts", value=raw.get("code"), detail=detail)
            )
            continue
        facts[raw["code"]] = {
            "value": value,
            "source": raw.get("source") or spec.id,
            "note": clean_text(raw.get("note")),
        }
    return {
        code: {"value": f["value"], "source": f["source"], "note": f.get("note")}
        for code, f in sorted(facts.items())
    }


def _age(value, field: str, problems: list[Problem]) -> int | None:
    """Return an age in years, or None with a problem for one no person has (999: "no limit")."""
    years = number(value)
    if years is None or not MIN_AGE <= years <= MAX_AGE:
        if clean_text(None if value is None else str(value)):
            detail = "not an age in years; no limit recorded"
            problems.append(problem("invalid-value", field=field, value=value, detail=detail))
        return None
    return int(years)


def _eligibility(draft: dict, facts: dict, problems: list[Problem]) -> dict:
    raw = draft.get("eligibility") or {}
    text = _text(raw.get("text"))
    stated = parse_eligibility(text) if text else {}
    listed = raw.get("genders") or []
    listed = [listed] if isinstance(listed, str) else listed
    # A spreadsheet names who is served in words ("Women and children"): read as eligibility text.
    words = ", ".join(str(g) for g in listed if g not in vocab.GENDERS and clean_text(str(g)))
    genders = [g for g in listed if g in vocab.GENDERS]
    genders += parse_eligibility(words)["genders"] if words else []
    genders = genders or stated.get("genders") or []
    for code, gender in (("women_only", "woman"), ("men_only", "man")):
        if facts.get(code, {}).get("value") == "yes" and not genders:
            genders = [gender]
    genders = [g for g in vocab.GENDERS if g in genders]  # one order, whatever the source's
    ages = {}
    for key in ("min_age", "max_age"):
        value = raw.get(key) if raw.get(key) not in (None, "") else stated.get(key)
        ages[key] = _age(value, f"eligibility.{key}", problems)
    documents = [d for d in (_text(x) for x in draft.get("required_documents") or []) if d]
    return {"genders": genders, **ages, "text": text, "required_documents": documents}


def _gender_facts(eligibility: dict, facts: dict) -> None:
    """State women_only / men_only when the eligibility names a single gender."""
    genders = eligibility["genders"]
    for code, gender in (("women_only", "woman"), ("men_only", "man")):
        if code not in facts and genders:
            facts[code] = {
                "value": "yes" if genders == [gender] else "no",
                "source": "eligibility",
                "note": None,
            }


def _capacity(raw: dict | None, tz: str | None, problems: list[Problem]) -> dict | None:
    if not raw:
        return None
    counts = {}
    for key in ("available", "total"):
        count = number(raw.get(key))
        if count is not None and (count < 0 or not count.is_integer()):
            detail = "not a whole number of beds or seats"
            problems.append(
                problem("invalid-value", field=f"capacity.{key}", value=raw.get(key), detail=detail)
            )
            count = None
        elif count is None and clean_text(None if raw.get(key) is None else str(raw.get(key))):
            detail = "not a number"
            problems.append(
                problem("invalid-value", field=f"capacity.{key}", value=raw.get(key), detail=detail)
            )
        counts[key] = int(count) if count is not None else None
    if counts["available"] is None and counts["total"] is None:
        return None
    stated = (clean_text(raw.get("unit")) or "").lower()
    unit = stated if stated in vocab.CAPACITY_UNITS else "beds"
    if stated and stated != unit:
        detail = "not beds, seats or slots; counted as beds"
        problems.append(
            problem("invalid-value", field="capacity.unit", value=raw.get("unit"), detail=detail)
        )
    return counts | {
        "unit": unit,
        "as_of": _instant(raw.get("as_of"), tz, "capacity.as_of", problems),
    }


def _narr_level(value) -> int | None:
    match = NARR.search(str(value or ""))
    if not match:
        return None
    token = match.group(1).lower()
    return ROMAN.get(token) or int(token)


def _status(draft: dict, temporarily_closed: bool) -> tuple[str, bool]:
    word = (clean_text(draft.get("status")) or "").lower()
    if word in TEMPORARILY_CLOSED:
        return "published", True
    inactive = word in INACTIVE_STATUSES or yes_no(word) == "no"  # an "Active?" column saying no
    return ("unpublished" if inactive else "published"), temporarily_closed


def _service_area(raw: dict | None, kind: str, address: dict | None) -> dict | None:
    """Return where a service serves: named counties and ZIP codes, and the source's text.

    A meeting's "region" is a label for where it meets, not an area served: kept as text only.
    """
    if not raw:
        return None
    area = {
        "postal_codes": [str(p).strip() for p in raw.get("postal_codes") or [] if str(p).strip()],
        "counties": [c.strip() for c in raw.get("counties") or [] if c and c.strip()],
        "radius_km": raw.get("radius_km"),
        "text": _text(raw.get("text")),
    }
    if kind == "service" and area["text"] and not (area["postal_codes"] or area["counties"]):
        area |= geo.service_area(area["text"], (address or {}).get("region")) or {}
    return area if any(area.values()) else None


def _fellowship(draft: dict, spec: SourceSpec) -> "crosswalk.FellowshipFound":
    """Return a meeting's fellowship: the manifest's, else the one the record states (an HSDS
    "fellowship:<code>" term), else named by the meeting, its group, the feed's entity or the
    source's name, most specific first."""
    if spec.fellowship in vocab.FELLOWSHIPS:
        code = spec.fellowship
        family = vocab.FELLOWSHIPS[code].for_family_friends
        return crosswalk.FellowshipFound(code, family, f"source {spec.id}")
    stated = draft.get("fellowship")
    if stated in vocab.FELLOWSHIPS:
        family = vocab.FELLOWSHIPS[stated].for_family_friends
        return crosswalk.FellowshipFound(stated, family, f"fellowship {stated}")
    entity = draft.get("entity") or {}
    return crosswalk.fellowship_of(
        _text(draft.get("name")),
        _text((draft.get("organization") or {}).get("name")),
        _text(entity.get("name")),
        _text(entity.get("url")),
        spec.fellowship,
        spec.name,
    )


def normalize(record: Record, spec: SourceSpec) -> tuple[dict | None, list[Problem]]:
    """Return the canonical document for a record, or None when it must be rejected."""
    draft, problems = record.draft, []
    name = _name(draft.get("name"))
    if not name:
        return None, [problem("missing-name", field="name")]
    kind = "meeting" if draft.get("kind") == "meeting" else "service"
    terms = [
        {"scheme": t.get("scheme") or "keyword", "code": clean_text(code), "name": clean_text(name)}
        for t in draft.get("taxonomy") or []
        for code, name in _term_parts(t)
    ]
    terms = [t for t in terms if t["code"] or t["name"]]
    classified = crosswalk.classify(terms, kind)
    # A resdir code not in the vocabulary is a mapping's typo; any other term no rule covers is
    # a category the crosswalk does not know (said once per source: see ONCE_PER_SOURCE).
    for term in classified.unknown:
        code = term.get("code") or term.get("name")
        if term["scheme"] == "resdir":
            problems.append(problem("unknown-code", field="taxonomy", scheme="resdir", value=code))
        else:
            scheme = crosswalk.term_label(term)
            problems.append(
                problem("unknown-category", field="taxonomy", scheme=scheme, value=code)
            )
    fellowship = _fellowship(draft, spec) if kind == "meeting" else None
    meeting = crosswalk.meeting_types(
        [t["code"] or t["name"] for t in terms if t["scheme"] == "meeting_guide"],
        fellowship=(fellowship and fellowship.code) or spec.fellowship,
    )
    for code in meeting.unknown:
        problems.append(problem("unknown-code", field="types", scheme="Meeting Guide", value=code))
    if fellowship and fellowship.for_family_friends:
        meeting.facts[vocab.FAMILY_FRIENDS] = {"value": "yes", "source": fellowship.source}
    facts = _facts(draft, spec, classified.facts, meeting.facts, problems)
    address = places.normalize_address(draft.get("address"))
    confidential = _flag(draft.get("confidential_location"))
    location = None
    if confidential:
        # A confidential place shows its area only: its street and point never reach the store,
        # not even in a problem's message.
        if address:
            address["street"] = None
    else:
        location, found = places.normalize_location(draft.get("location"), address)
        problems.extend(found)
    area = _service_area(draft.get("service_area"), kind, address)
    tz = _timezone(draft.get("timezone"), location, address, area, spec, problems)
    online = {
        "url": clean_url((draft.get("online") or {}).get("url"))[0],
        "phone": clean_text((draft.get("online") or {}).get("phone")),
    }
    online = online if any(online.values()) else None
    languages, found = language_codes(draft.get("languages") or [])
    problems.extend(_at(found, "languages"))
    languages = list(dict.fromkeys(languages + meeting.languages))
    status, temporarily_closed = _status(
        draft, _flag(draft.get("temporarily_closed")) or meeting.temporarily_closed
    )
    url, found = clean_url(draft.get("url"))
    problems.extend(_at(found, "url"))
    email, found = clean_email(draft.get("email"))
    problems.extend(_at(found, "email"))
    cost_raw = draft.get("cost") or {}
    cost = parse_cost(
        _text(cost_raw.get("text")),
        cost_raw.get("amount"),
        cost_raw.get("currency"),
        cost_raw.get("period"),
    )
    eligibility = _eligibility(draft, facts, problems)
    _gender_facts(eligibility, facts)
    last_verified = _instant(draft.get("last_verified_at"), tz, "last_verified_at", problems)
    doc = {
        "id": listing_id(spec.id, record.key),
        "source": spec.id,
        "source_id": record.key,
        "source_keys": {
            k: str(v) for k, v in (draft.get("source_keys") or {}).items() if v not in (None, "")
        },
        "sources": [{"source": spec.id, "source_id": record.key}],
        "kind": kind,
        "organization": _organization(draft.get("organization"), spec.id, problems),
        "name": name,
        "alternate_name": _name(draft.get("alternate_name")),
        "description": _text(draft.get("description")),
        "status": status,
        "temporarily_closed": temporarily_closed,
        "fellowship": fellowship and fellowship.code,
        "meeting_types": [
            {"code": code, "name": meeting_guide.type_name(code, meaning, own)}
            for code, meaning, own in meeting.codes
        ],
        "category": classified.category,
        "subcategories": classified.subcategories,
        "taxonomy": terms,
        "narr_level": _narr_level(draft.get("narr_level")),
        "location_name": _name(draft.get("location_name")),
        "address": address,
        "location": location,
        "geocode_precision": "source" if location else None,
        "approximate_location": _flag(draft.get("approximate_location")),
        "confidential_location": confidential,
        "timezone": tz,
        "service_area": area,
        "online": online,
        "schedule": _schedule(draft, problems),
        "phones": _phones(draft.get("phones"), problems),
        "url": url,
        "email": email,
        "next_steps": _text(draft.get("next_steps")),
        "transportation": _text(draft.get("transportation")),
        "cost": cost,
        "eligibility": eligibility,
        "languages": languages,
        "attributes": dict(sorted(facts.items())),
        "capacity": _capacity(draft.get("capacity"), tz, problems),
        "last_verified_at": last_verified,
        "verified_by": "source" if last_verified else None,
        "updated_at": _instant(draft.get("updated_at"), tz, "updated_at", problems),
        "provenance": {},
    }
    return doc, problems
