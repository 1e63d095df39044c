"""Define the record a reader yields: a source's data under canonical field names, values raw.

Readers only restructure: they find each listing in a source and put what it says under the draft
field names below, leaving values as the source wrote them (strings with padding, "650 780-7525",
"Monday-Friday, 8-5", "[open]", "Spanish, Tagalog"). `ingest.normalize` turns a draft into a
canonical listing document (resdir.model.ListingSchema) the same way for every source, so a rule
learnt from one feed serves all of them.

Draft fields (all optional except `name`):

    kind            "service" (default) or "meeting"
    source_keys     {"service_id", "location_id", "organization_id", ...}: the source's own ids
    organization    {"id", "name", "url", "description"}
    entity          {"name", "url"}: who publishes a meeting feed (an intergroup, a district)
    fellowship      a meeting's fellowship as a resdir.vocab.FELLOWSHIPS code, where the source
                    states it (an HSDS "resdir" term "fellowship:aa")
    name, alternate_name, description, url, email
    next_steps      how to apply or get started (HSDS application_process, Ohana how_to_apply)
    status          the source's status word: "active", "inactive", "defunct", "temporarily closed"
    temporarily_closed  a yes/no flag as written, where the source has one beside its status
    taxonomy        [{"scheme", "code", "name"}]: scheme is "airs", "open_eligibility",
                    "meeting_guide", "keyword" (a free-text category word) or the source's own
    location_name   the place's own name ("St. Timothy's Lutheran Church", an HSDS location name)
    address         {"street", "street2", "city", "region", "postal_code", "country"} or
                    {"formatted": "1600 Dell Ave, Campbell, CA 95008, USA"}
    location        {"lat", "lon"} as found (strings or numbers), or {"text": "[lon, lat]"}
    approximate_location  a yes/no flag as written: the source says the address is approximate
    confidential_location a yes/no flag as written: the address must not be shown
    timezone        an IANA name when the source gives one
    online          {"url", "phone"}: conference link or dial-in
    hours           {"text": free text} and/or {"intervals": [{"day", "opens", "closes"}]} with
                    day as a name, abbreviation or number (see `weekday_base`), times as found
    weekday_base    how numeric days count: "iso" (1 = Monday, HSDS) or "sunday0" (0 = Sunday,
                    Meeting Guide)
    meeting         {"day": int | str | list, "time", "end_time"} as found (Meeting Guide)
    phones          [{"number", "extension", "type", "description"}]
    cost            {"text", "amount", "currency", "period", "payments": [...]}
    eligibility     {"text", "genders": [...], "min_age", "max_age"}
    required_documents  [str]
    languages       [str]: names, codes or comma-separated lists as found
    accessibility   [str]: free-text accessibility items ("wheelchair", "Restroom accessible")
    facts           [{"code", "value": a yes/no word, "source": why, "note"}]: attributes a reader
                    knows from its format's own semantics (an agency CSV column "accepts MOUD")
    capacity        {"available", "total", "unit", "as_of"}
    service_area    {"text", "postal_codes", "counties", "radius_km"}
    transportation  how to get there, in the source's words
    last_verified_at, updated_at   dates as found
    narr_level      NARR level as found ("II", "2", "Level 2")
"""

from dataclasses import dataclass, field
from typing import Any

from ingest.problems import Problem


@dataclass
class Record:
    """One listing as a reader found it, with where it was and what was wrong on the way."""

    key: str  # the record's own key in its source: becomes the listing's source_id
    draft: dict[str, Any]  # draft fields (module docstring), values as the source wrote them
    raw: Any  # the source's own form of the record, kept verbatim for the quarantine
    line: int | None = None  # 1-based line or position in the file
    problems: list[Problem] = field(default_factory=list)
    # The key resdir gave this record before keys stopped holding addresses (2026-12): a stored
    # record under it is moved to `key`, keeping its listing.
    former_key: str | None = None


@dataclass
class Stop:
    """One transit stop as a GTFS reader found it."""

    key: str  # stop_id
    name: str
    lat: str | float
    lon: str | float
    wheelchair_boarding: str = ""
    routes: list[dict] = field(default_factory=list)
    raw: Any = None
    line: int | None = None
    problems: list[Problem] = field(default_factory=list)
