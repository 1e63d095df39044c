"""Read an HSDS or Ohana tabular package: a folder of CSV tables, with or without datapackage.json.

Every shape found in the wild (Ohana CSV / HSDS 1.0, HSDS 1.1, 2.0 and 3.x) is read by the same
rules, never by dataset:

- Tables are found by name, singular or plural ("services.csv", "service_at_location.csv"), through
  the datapackage's resources when it has a readable one; a broken datapackage.json is a warning.
  Names that changed between versions are aliases (regular_schedule → schedule, physical_address →
  address, service_taxonomy / service_attribute / other_attribute → attribute, category →
  taxonomy_term); a "taxonomy" table holds terms when it has term columns (parent_id, code, ...),
  else it lists the taxonomies themselves (HSDS 3.0 taxonomies.csv).
- One record per service at a location: each service_at_location row, plus the service row's own
  location_id (Ohana CSV and HSDS 1.0); a service placed nowhere is one area-wide record.
- Rows hang off a record by their id columns. Phones are gathered from the service at location,
  the service, the location and their contacts (the organization's only when there are none);
  schedules, languages and service areas come from the most specific level that has any.
- Taxonomy terms come from attribute/link tables, the services' own taxonomy_ids, Ohana keywords,
  and sidecar JSON files that map service ids to lists of codes (a 211 export's categories). A
  term whose code is a resdir attribute code becomes a fact instead, unless it is one of
  resdir's needs linked without a value ("childcare" is both). A service with a term of the
  Meeting Guide taxonomy is a meeting; a "resdir" term "fellowship:<code>" names its fellowship.
- A virtual location's phone is how one joins the online room: its dial-in, not a listing phone.
  A schedule's notes that name a time zone give the listing's; service areas named by a ZIP code
  or a county ("San Mateo County, CA") are postal codes and counties; the cost text is
  fees_description, else the cost options' words.

`listings(package)` is shared with the HSDS JSON reader, which flattens its nested objects into
the same tables first.
"""

import re
import tempfile
import zipfile
import zlib
import zoneinfo
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any

from ingest.crosswalk import AIRS_CODE
from ingest.normalize.hours import ICALENDAR_DAYS
from ingest.problems import Problem, SourceError, problem
from ingest.readers import Reader, ReadOptions
from ingest.readers.files import (
    blank,
    compact,
    csv_header,
    csv_rows,
    first,
    load_json,
    read_text,
    split_values,
)
from ingest.record import Record
from resdir.vocab import ATTRIBUTES, FELLOWSHIPS, NEEDS

# HSDS has no field for these; a term of these codes (in any taxonomy, resdir's own in the demo
# data) sets the draft flag of the same name, with the attribute's value.
DRAFT_FLAGS = ("confidential_location", "temporarily_closed", "approximate_location")

DATAPACKAGE = "datapackage.json"
# Where a package keeps its tables, beside datapackage.json or below it (the transformer's data/).
TABLE_FOLDERS = ("", "data", "resources")
PACKAGE_SUFFIXES = (".csv", ".json")  # what a zipped package holds that the reader uses
MAX_UNPACKED_BYTES = 2 * 1024**3  # a zip that says it unpacks to more is refused (a zip bomb)
MAX_ZIP_MEMBERS = 10_000
HEADER_PROBE = 64 * 1024  # bytes of a zipped table read to see its header
# What a damaged or unusual zip raises: bad headers, a cut stream, encryption, an unknown method.
ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError)
Row = dict[str, Any]
Tables = dict[str, list[tuple[int, Row]]]  # canonical table name → (line, row) in file order

# Table names that changed between HSDS versions, after singularizing, → the name used here.
TABLE_ALIASES = {
    "physical_address": "address",
    "mail_address": "postal_address",
    "regular_schedule": "schedule",
    "accessibility_for_disability": "accessibility",
    "payment_accepted": "payment",
    "service_taxonomy": "attribute",
    "service_attribute": "attribute",
    "other_attribute": "attribute",
    "link_taxonomy": "attribute",
    "category": "taxonomy_term",
}
TERM_COLUMNS = {"parent_id", "parent_name", "vocabulary", "code", "term", "taxonomy_id"}
CORE_TABLES = {"service", "organization", "location", "service_at_location"}
LINK_ENTITIES = {"service", "location", "service_at_location"}  # what an attribute may describe

# How a taxonomy names itself → the scheme resdir's crosswalks know.
SCHEME_NAMES = (
    (re.compile(r"\bairs\b|\b211\b", re.IGNORECASE), "airs"),
    (re.compile(r"open[\s_-]*eligibility", re.IGNORECASE), "open_eligibility"),
    (re.compile(r"^resdir$", re.IGNORECASE), "resdir"),
    (re.compile(r"meeting[\s_-]*guide", re.IGNORECASE), "meeting_guide"),
)
MEETING_SCHEME = "meeting_guide"  # a service with a term of this scheme is a meeting
RESDIR_SCHEME = "resdir"
FELLOWSHIP_PREFIX = "fellowship:"  # resdir's term of a meeting's fellowship: "fellowship:aa"
# A code's shape when nothing names its taxonomy: AIRS "BH-1800.1500-100", Open Eligibility
# "101-02-01" (3-digit top level, then 2-digit levels).
SCHEME_SHAPES = (
    (AIRS_CODE, "airs"),
    (re.compile(r"^\d{3}(-\d{2})*$"), "open_eligibility"),
)
LOCAL_SCHEME = "local"  # a term whose taxonomy nothing names: the source's own
FACT_SOURCE = "HSDS attribute"
WEEKLY_FREQS = {"", "WEEKLY"}
CLOSED_WORDS = {"true", "yes", "1"}  # a holiday schedule's `closed`
DAILY_FREQ = "DAILY"
VIRTUAL_WORDS = {"virtual", "true"}  # HSDS 3.0 location_type, Ohana `virtual`
POSTAL_TYPES = {"postal"}
# A service area named by a US ZIP code ("94110", "ZIP 94110") is that postal code.
ZIP_AREA = re.compile(r"^(?:ZIP(?:\s+code)?\s*)?(\d{5})$", re.IGNORECASE)
COUNTY_AREA = re.compile(r"^[^,;]+ County, [A-Z]{2}$")  # "San Mateo County, CA" is that county
NOT_A_PLACE_TYPES = {"postal", "virtual"}


def sniff(path: Path) -> bool:
    """Return True for an HSDS or Ohana CSV package: its folder, its datapackage.json or a zip."""
    if path.is_file() and zipfile.is_zipfile(path):
        return _zip_is_package(path)
    try:
        return _layout(path) is not None
    except SourceError:
        return True  # a folder of several packages: read() names them


def read(path: Path, options: ReadOptions) -> Iterator[Record | Problem]:
    """Yield one record per service at a location, or per area-wide service, in the package."""
    if path.is_file() and zipfile.is_zipfile(path):
        with tempfile.TemporaryDirectory(prefix="resdir-package-") as unpacked:
            _unzip(path, Path(unpacked))
            yield from _read_layout(_layout(Path(unpacked)), path)
        return
    yield from _read_layout(_layout(path), path)


def _read_layout(layout: "Layout | None", path: Path) -> Iterator[Record | Problem]:
    if layout is None:
        raise SourceError(f"{path.name} is not a folder, datapackage.json or zip of HSDS tables")
    problems: list[Problem] = []
    tables, names = _load_tables(layout, problems)
    if "service" not in tables:
        found = ", ".join(sorted(names.values())) or "no CSV files"
        raise SourceError(f"{path.name} has no services table (services.csv); found: {found}")
    package = Package(tables, names)
    package.assignments = _sidecars(layout, package, problems)
    _require_locations(package)
    problems.extend(_missing_tables(package))
    yield from problems
    yield from listings(package)


@dataclass(frozen=True)
class Layout:
    """Where one package lives: its datapackage.json (if any) and the folder of its tables."""

    descriptor: Path | None
    tables: Path


def is_package(folder: Path) -> bool:
    """Return True when `folder` itself holds a package (its tables maybe in data/)."""
    return _layout_at(folder) is not None


def packages_in(path: Path) -> list[Path]:
    """Return the folders below `path` that each hold an HSDS package with a services table."""
    if not path.is_dir():
        return []
    return [
        sub
        for sub in _subfolders(path)
        if (found := _layout_at(sub)) is not None and _has_services(found.tables)
    ]


def _layout(path: Path) -> Layout | None:
    """Find the package at `path`, or in the one folder below it that holds one.

    Raise SourceError when several folders below it hold packages: each is a source of its own.
    """
    if path.is_file() and path.name == DATAPACKAGE:
        path = path.parent
    elif not path.is_dir():
        return None
    found = _layout_at(path)
    if found is not None:
        return found
    inside = packages_in(path)
    if len(inside) > 1:
        names = ", ".join(p.name for p in inside)
        raise SourceError(
            f"{path.name} holds {len(inside)} HSDS packages ({names}); ingest each by its path"
        )
    return _layout_at(inside[0]) if inside else None


def _layout_at(folder: Path) -> Layout | None:
    """Return the package whose descriptor or tables sit in `folder` (tables maybe in data/)."""
    descriptor = folder / DATAPACKAGE
    has_descriptor = descriptor.is_file()
    for name in TABLE_FOLDERS:
        tables = folder / name if name else folder
        if tables.is_dir() and _holds_core_tables(tables, has_descriptor):
            return Layout(descriptor if has_descriptor else None, tables)
    return None


def _holds_core_tables(folder: Path, has_descriptor: bool) -> bool:
    for file in _csv_files(folder):
        if table_name(file.stem) in CORE_TABLES:
            try:
                header = csv_header(read_text(file, []))
            except SourceError:
                continue
            if has_descriptor or "id" in header:
                return True
    return False


def _has_services(folder: Path) -> bool:
    return any(table_name(file.stem) == "service" for file in _csv_files(folder))


def _subfolders(folder: Path) -> list[Path]:
    try:
        return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError:
        return []


def _zip_is_package(path: Path) -> bool:
    """Tell whether a zip holds a package's core tables, at its top or one or two folders down."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            described = any(PurePosixPath(m.filename).name == DATAPACKAGE for m in members)
            for member in members:
                where = PurePosixPath(member.filename)
                if where.suffix.lower() != ".csv" or len(where.parts) > 3:
                    continue
                if table_name(where.stem) not in CORE_TABLES:
                    continue
                with archive.open(member) as f:
                    head = f.read(HEADER_PROBE).decode("utf-8-sig", errors="replace")
                if described or "id" in csv_header(head):
                    return True
    except (*ZIP_ERRORS, OSError):
        return False
    return False


def _unzip(path: Path, into: Path) -> None:
    """Unpack a zip's tables and JSON files into `into`; refuse paths outside it and zip bombs."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = [
                m
                for m in archive.infolist()
                if not m.is_dir() and PurePosixPath(m.filename).suffix.lower() in PACKAGE_SUFFIXES
            ]
            if len(members) > MAX_ZIP_MEMBERS:
                raise SourceError(f"{path.name} holds more than {MAX_ZIP_MEMBERS} files")
            if sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
                raise SourceError(f"{path.name} unpacks to more than {MAX_UNPACKED_BYTES:,} bytes")
            root = into.resolve()
            for member in members:
                target = (into / member.filename).resolve()
                if root not in target.parents:
                    raise SourceError(f"{path.name} holds a path outside itself: {member.filename}")
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(member) as source, target.open("wb") as out:
                    while chunk := source.read(HEADER_PROBE):
                        out.write(chunk)
    except ZIP_ERRORS as exc:
        raise SourceError(f"{path.name} is not a readable zip: {exc}") from exc
    except OSError as exc:
        raise SourceError(f"cannot unpack {path.name}: {exc.strerror or exc}") from exc


class Package:
    """The tables of one HSDS package, indexed by id and by the ids their rows refer to."""

    def __init__(self, tables: Tables, names: dict[str, str] | None = None):
        """Index `tables`; `names` are the file names the tables came from, for messages."""
        self.tables = tables
        self.names = names or {}
        self.assignments: dict[str, list[tuple[str, str]]] = {}  # service id → (sidecar, code)
        self._ids: dict[str, dict[str, Row]] = {}
        self._groups: dict[tuple[str, str], dict[str, list[Row]]] = {}
        self._codes: dict[str, Row] | None = None

    def rows(self, table: str) -> list[Row]:
        """Return the rows of a table, or none when the package lacks it."""
        return [row for _, row in self.tables.get(table, [])]

    def label(self, table: str) -> str:
        """Return how to name a table in a message: its file name where there is one."""
        return self.names.get(table, table)

    def get(self, table: str, key: Any) -> Row | None:
        """Return the row of `table` with id `key` (the first, if repeated)."""
        if table not in self._ids:
            index: dict[str, Row] = {}
            for row in self.rows(table):
                index.setdefault(_id(row.get("id")), row)
            self._ids[table] = index
        return self._ids[table].get(_id(key)) if _id(key) else None

    def linked(self, table: str, column: str, key: Any) -> list[Row]:
        """Return the rows of `table` whose `column` holds `key`."""
        if not _id(key):
            return []
        if (table, column) not in self._groups:
            groups: dict[str, list[Row]] = {}
            for row in self.rows(table):
                groups.setdefault(_id(row.get(column)), []).append(row)
            self._groups[table, column] = groups
        return self._groups[table, column].get(_id(key), [])

    def term(self, ref: Any) -> Row | None:
        """Return the taxonomy term a link points at, by its id or else by its code."""
        if self._codes is None:
            self._codes = {}
            for row in self.rows("taxonomy_term"):
                self._codes.setdefault(term_code(self, row), row)
        return self.get("taxonomy_term", ref) or self._codes.get(_id(ref))


def table_name(stem: str) -> str:
    """Return the canonical name of a table from a file or resource name ("services" → service)."""
    words = re.sub(r"[^a-z0-9]+", "_", stem.lower()).strip("_").split("_")
    name = "_".join(_singular(word) for word in words)
    return TABLE_ALIASES.get(name, name)


def _singular(word: str) -> str:
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith("sses"):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def listings(package: Package) -> Iterator[Record | Problem]:
    """Yield the records of a package: each service at each of its locations, or area-wide."""
    for line, service in package.tables["service"]:
        sid = _id(service.get("id"))
        placed = package.linked("service_at_location", "service_id", sid) if sid else []
        locations = [_id(sal.get("location_id")) for sal in placed]
        for sal in placed:
            yield _record(package, line, service, sal, _id(sal.get("location_id")))
        own = _id(service.get("location_id"))
        if own and own not in locations:
            yield _record(package, line, service, None, own)
        elif not placed:
            yield _record(package, line, service, None, "")
    services = {_id(row.get("id")) for row in package.rows("service")}
    for line, sal in package.tables.get("service_at_location", []):
        if _id(sal.get("service_id")) not in services:
            yield problem(
                "orphan-reference",
                table=package.label("service_at_location"),
                ref=_id(sal.get("service_id")),
                line=line,
                field="service_id",
                record=_id(sal.get("id")) or None,
            )


def _record(package: Package, line: int, service: Row, sal: Row | None, lid: str) -> Record:
    sid, salid = _id(service.get("id")), _id((sal or {}).get("id"))
    key = salid or (f"{sid}:{lid}" if lid else sid)
    found: list[Problem] = []
    if not sid:
        found.append(problem("missing-key", detail="the services row has no id", line=line))
    location = package.get("location", lid)
    if lid and location is None:
        table = "service_at_location" if sal else "service"
        found.append(
            problem(
                "orphan-reference",
                table=package.label(table),
                ref=lid,
                field="location_id",
                line=line,
            )
        )
    oid = _id(service.get("organization_id")) or _id((location or {}).get("organization_id"))
    organization = package.get("organization", oid)
    if oid and organization is None and "organization" in package.tables:
        table = "service" if _id(service.get("organization_id")) else "location"
        found.append(
            problem(
                "orphan-reference",
                table=package.label(table),
                ref=oid,
                field="organization_id",
                line=line,
            )
        )
    scope = _Scope(package, sid, lid, salid, oid)
    raw: dict[str, Any] = {
        "service": service,
        "service_at_location": sal,
        "location": location,
        "organization": organization,
    }
    draft = _draft(scope, service, sal or {}, location or {}, organization, raw, found)
    for p in found:
        p.record = key
    return Record(key=key, draft=draft, raw=compact(raw), line=line, problems=found)


class _Scope:
    """Which rows of a table belong to one service at one location."""

    def __init__(self, package: Package, sid: str, lid: str, salid: str, oid: str):
        self.package, self.sid, self.lid, self.salid, self.oid = package, sid, lid, salid, oid

    def levels(self, table: str) -> tuple[list[Row], list[Row], list[Row]]:
        """Return the rows for the service at location, the service, and the location."""
        pkg = self.package
        at_sal = pkg.linked(table, "service_at_location_id", self.salid)
        at_service = [
            row
            for row in pkg.linked(table, "service_id", self.sid)
            if _id(row.get("location_id")) in ("", self.lid)
            and _id(row.get("service_at_location_id")) in ("", self.salid)
        ]
        at_location = [
            row
            for row in pkg.linked(table, "location_id", self.lid)
            if not _id(row.get("service_id")) and not _id(row.get("service_at_location_id"))
        ]
        return at_sal, at_service, at_location

    def every(self, table: str) -> list[Row]:
        """Return the rows at every level, each once."""
        return _unique(row for rows in self.levels(table) for row in rows)

    def nearest(self, table: str) -> list[Row]:
        """Return the rows of the most specific level that has any."""
        return next((rows for rows in self.levels(table) if rows), [])

    def of_service(self, table: str) -> list[Row]:
        """Return the rows that belong to the service alone."""
        return self.package.linked(table, "service_id", self.sid)


def _draft(
    scope: _Scope,
    service: Row,
    sal: Row,
    location: Row,
    organization: Row | None,
    raw: dict,
    found: list[Problem],
) -> dict:
    """Build the draft; `raw` collects the rows each part was built from, for the quarantine."""
    ids = {
        "service_id": scope.sid,
        "location_id": scope.lid,
        "organization_id": scope.oid,
        "service_at_location_id": scope.salid,
    }
    schedules = scope.nearest("schedule")
    holidays = scope.nearest("holiday_schedule")
    taxonomy, facts, flags, rows = _classification(scope, service, found)
    virtual = _is_virtual(location)
    phones, organization_phones = _phones(scope, virtual), _organization_phones(scope)
    raw.update(phones=phones, organization_phones=organization_phones, schedules=schedules)
    raw.update(holiday_schedules=holidays, attributes=rows)
    hours = _hours(schedules, holidays)
    draft = {
        "source_keys": compact(ids),
        "organization": _organization(organization, organization_phones),
        "name": service.get("name"),
        "alternate_name": service.get("alternate_name"),
        "description": service.get("description") or sal.get("description"),
        "url": service.get("url") or service.get("website") or location.get("website"),
        "email": service.get("email") or location.get("email"),
        "next_steps": service.get("application_process"),
        "status": service.get("status"),
        "kind": "meeting" if any(t["scheme"] == MEETING_SCHEME for t in taxonomy) else None,
        "taxonomy": taxonomy,
        "facts": facts,
        **flags,
        "location_name": location.get("name"),
        "address": _address(scope, raw, virtual=virtual),
        "location": compact({"lat": location.get("latitude"), "lon": location.get("longitude")}),
        "online": _online(scope, service, location),
        "hours": hours,
        "timezone": _timezone(schedules),
        "weekday_base": "iso" if _numeric_days(hours) else None,
        "phones": [_phone(row) for row in phones],
        "cost": _cost(scope, service, raw),
        "eligibility": _eligibility(scope, service, raw),
        "required_documents": _documents(scope, service, raw),
        "languages": _languages(scope, service, location, raw),
        "accessibility": _accessibility(scope, location, raw),
        "service_area": _service_area(scope, service, raw),
        "transportation": location.get("transportation"),
        "capacity": _capacity(scope, raw),
        "last_verified_at": service.get("assured_date") or _last_action(scope, raw),
        "updated_at": service.get("last_modified"),
    }
    return compact(draft)


def _organization(row: Row | None, phones: list[Row]) -> dict | None:
    if row is None:
        return None
    return compact(
        {
            "id": row.get("id"),
            "name": row.get("name"),
            "url": row.get("url") or row.get("website"),
            "description": row.get("description"),
            "phones": [_phone(phone) for phone in phones],
        }
    )


def _phones(scope: _Scope, virtual: bool) -> list[Row]:
    """Gather the phones of the listing and its contacts' phones; a virtual location's own
    phones are its dial-in (`_online`)."""
    pkg = scope.package
    at_sal, at_service, at_location = scope.levels("phone")
    rows = _unique(at_sal + at_service + ([] if virtual else at_location)) + [
        phone
        for contact in scope.every("contact")
        for phone in pkg.linked("phone", "contact_id", contact.get("id"))
    ]
    return _unique_phones(rows)


def _organization_phones(scope: _Scope) -> list[Row]:
    """Gather the organization's own phones and its own contacts' phones (none of a service,
    location or contact of one)."""
    pkg = scope.package
    contacts = [c for c in pkg.linked("contact", "organization_id", scope.oid) if not _owned(c)]
    rows = [p for p in pkg.linked("phone", "organization_id", scope.oid) if not _owned(p)]
    rows += [p for c in contacts for p in pkg.linked("phone", "contact_id", c.get("id"))]
    return _unique_phones(rows)


def _unique_phones(rows: list[Row]) -> list[Row]:
    return _unique(
        rows,
        key=lambda r: (
            _id(r.get("number")),
            _id(r.get("extension")),
            _id(r.get("type") or r.get("number_type")),
        ),
    )


def _owned(row: Row) -> bool:
    """Return True when a row belongs to something more specific than its organization."""
    columns = ("service_id", "location_id", "service_at_location_id", "contact_id")
    return any(_id(row.get(c)) for c in columns)


def _phone(row: Row) -> dict:
    number = row.get("number")
    prefix = _id(row.get("country_prefix"))
    if prefix and not _id(number).startswith("+"):
        number = f"{prefix} {number}"
    return compact(
        {
            "number": number,
            "extension": row.get("extension"),
            "type": row.get("type") or row.get("number_type"),
            "description": row.get("description") or row.get("department"),
        }
    )


def _hours(rows: list[Row], holidays: list[Row]) -> dict:
    """Turn schedule rows into weekly intervals; what is not weekly stays as text.

    The listing model has no dated closures, so each holiday schedule row is a line of the hours
    text, in the row's own values ("closed 2019-12-24/2019-12-26").
    """
    intervals, texts = [], []
    for row in rows:
        days = _weekly_days(row)
        intervals += [
            {"day": d, "opens": row.get("opens_at"), "closes": row.get("closes_at")} for d in days
        ]
        if not blank(row.get("description")):
            texts.append(str(row["description"]))
    texts += [_holiday(row) for row in holidays]
    return compact(
        {"text": "\n".join(t for t in dict.fromkeys(texts) if t), "intervals": intervals}
    )


def _timezone(rows: list[Row]) -> str | None:
    """Return the time zone a schedule's notes name ("America/Los_Angeles"): the schema's own
    `timezone` is a UTC offset, which a zone with summer time has two of."""
    zones = _time_zones()
    return next((_id(r.get("notes")) for r in rows if _id(r.get("notes")) in zones), None)


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _holiday(row: Row) -> str:
    """Return a holiday schedule row as one line: its dates, then closed or its opening times."""
    dates = "/".join(
        dict.fromkeys(_id(row.get(k)) for k in ("start_date", "end_date") if _id(row.get(k)))
    )
    times = "-".join(_id(row.get(k)) for k in ("opens_at", "closes_at") if _id(row.get(k)))
    closed = _id(row.get("closed")).lower() in CLOSED_WORDS or not times
    return " ".join(p for p in ("closed" if closed else "", dates, "" if closed else times) if p)


def _weekly_days(row: Row) -> list:
    """Return the days a schedule row opens every week: its weekday, or a weekly rule's byday."""
    if not blank(row.get("weekday")):
        return [row["weekday"]]
    freq = _id(row.get("freq")).upper()
    if _id(row.get("interval")) not in ("", "1"):
        return []  # every other week is not a weekly opening
    byday = split_values(row.get("byday"))
    if freq in WEEKLY_FREQS:
        return byday
    if freq == DAILY_FREQ and not byday:
        return list(ICALENDAR_DAYS)
    return []


def _numeric_days(hours: dict) -> bool:
    return any(_id(i["day"]).isdigit() for i in hours.get("intervals", []))


def _address(scope: _Scope, raw: dict, virtual: bool) -> dict | None:
    """Return the place's street address; a postal one only for a real place with no other."""
    pkg = scope.package
    rows = pkg.linked("address", "location_id", scope.lid)
    physical = [r for r in rows if _id(r.get("address_type")).lower() not in NOT_A_PLACE_TYPES]
    postal = [r for r in rows if _id(r.get("address_type")).lower() in POSTAL_TYPES]
    postal += pkg.linked("postal_address", "location_id", scope.lid)
    row = (physical or ([] if virtual else postal) or [None])[0]
    if row is None:
        return None
    raw["address"] = row
    street2 = ", ".join(
        str(row[k]) for k in ("address_2", "address_3", "address_4") if not blank(row.get(k))
    )
    return compact(
        {
            "street": row.get("address_1"),
            "street2": street2,
            "city": row.get("city"),
            "region": row.get("state_province") or row.get("region"),
            "postal_code": row.get("postal_code"),
            "country": row.get("country"),
        }
    )


def _is_virtual(location: Row) -> bool:
    return _id(location.get("location_type") or location.get("virtual")).lower() in VIRTUAL_WORDS


def _online(scope: _Scope, service: Row, location: Row) -> dict | None:
    if not _is_virtual(location):
        return None
    dial_in = next((_phone(row)["number"] for row in scope.levels("phone")[2]), None)
    return compact(
        {
            "url": location.get("url") or location.get("website") or service.get("url"),
            "phone": dial_in,
        }
    )


def _cost(scope: _Scope, service: Row, raw: dict) -> dict:
    options = scope.of_service("cost_option")
    payments = [p.get("payment") for p in scope.of_service("payment")]
    raw.update(cost_options=options, payments=scope.of_service("payment"))
    option = options[0] if options else {}
    described = service.get("fees_description") or service.get("fees")
    # The description is the cost in the source's words; the options' words stand in for it
    # only where there is none (their amount, currency and period are kept apart below).
    texts = (
        [described]
        if not blank(described)
        else [
            " ".join(
                str(o[k])
                for k in ("option", "amount", "currency", "amount_description")
                if not blank(o.get(k))
            )
            for o in options
        ]
    )
    return compact(
        {
            "text": "\n".join(str(t) for t in texts if not blank(t)),
            "amount": option.get("amount"),
            "currency": option.get("currency"),
            "period": option.get("amount_description"),
            "payments": [p for p in [service.get("accepted_payments"), *payments] if p],
        }
    )


def _eligibility(scope: _Scope, service: Row, raw: dict) -> dict:
    rows = scope.of_service("eligibility")
    raw["eligibility"] = rows
    texts = [service.get("eligibility_description"), service.get("eligibility")]
    texts += [row.get("eligibility") for row in rows] + [service.get("audience")]
    aged = next((row for row in rows if row.get("minimum_age") or row.get("maximum_age")), {})
    return compact(
        {
            "text": "\n".join(str(t) for t in dict.fromkeys(texts) if not blank(t)),
            "min_age": first(service.get("minimum_age"), aged.get("minimum_age")),
            "max_age": first(service.get("maximum_age"), aged.get("maximum_age")),
        }
    )


def _documents(scope: _Scope, service: Row, raw: dict) -> list:
    rows = scope.of_service("required_document")
    raw["required_documents"] = rows
    return [
        d
        for d in [service.get("required_documents"), *(r.get("document") for r in rows)]
        if not blank(d)
    ]


def _languages(scope: _Scope, service: Row, location: Row, raw: dict) -> list:
    rows = _unique(scope.nearest("language"))
    raw["languages"] = rows
    found = [first(r.get("name"), r.get("language"), r.get("code")) for r in rows]
    found = [f for f in found if f is not None]
    return found or [v for v in (service.get("languages") or location.get("languages"),) if v]


def _accessibility(scope: _Scope, location: Row, raw: dict) -> list:
    rows = scope.package.linked("accessibility", "location_id", scope.lid)
    raw["accessibility"] = rows
    items = split_values(location.get("accessibility"))
    for row in rows:
        items += [
            str(row[k])
            for k in ("accessibility", "description", "details")
            if not blank(row.get(k))
        ]
    return list(dict.fromkeys(item for item in items if item))


def _service_area(scope: _Scope, service: Row, raw: dict) -> dict | None:
    rows = scope.nearest("service_area")
    raw["service_areas"] = rows
    texts = [service.get("service_areas")]
    texts += [first(r.get("service_area"), r.get("name"), r.get("description")) for r in rows]
    names = [str(t).strip() for t in dict.fromkeys(texts) if not blank(t)]
    codes = [found.group(1) for name in names if (found := ZIP_AREA.match(name))]
    counties = [name for name in names if COUNTY_AREA.match(name)]
    text = "; ".join(n for n in names if not (ZIP_AREA.match(n) or COUNTY_AREA.match(n)))
    return compact({"text": text, "postal_codes": codes, "counties": counties}) or None


def _capacity(scope: _Scope, raw: dict) -> dict | None:
    rows = scope.of_service("service_capacity")
    if not rows:
        return None
    row = rows[0]
    raw["service_capacity"] = rows
    unit = scope.package.get("unit", row.get("unit_id")) or {}
    return compact(
        {
            "available": row.get("available"),
            "total": row.get("maximum"),
            "unit": unit.get("name"),
            "as_of": row.get("updated"),
        }
    )


def _last_action(scope: _Scope, raw: dict) -> str | None:
    """Return the latest metadata action date on the service (ISO dates sort as text)."""
    rows = scope.package.linked("metadata", "resource_id", scope.sid)
    dates = [_id(r.get("last_action_date")) for r in rows if _id(r.get("last_action_date"))]
    if dates:
        raw["metadata"] = rows
    return max(dates, default=None)


def _classification(
    scope: _Scope, service: Row, found: list[Problem]
) -> tuple[list[dict], list[dict], dict[str, str], list[Row]]:
    """Return the listing's taxonomy terms, the facts and flags its attribute terms state, links."""
    pkg = scope.package
    terms: list[dict] = []
    facts: dict[str, dict] = {}
    flags: dict[str, str] = {}

    def add(entry: dict, value: Any = "") -> None:
        # An attribute linked with no value asserts its term.
        said = _id(value) or "yes"
        code = entry.get("code") or ""
        if entry.get("scheme") == RESDIR_SCHEME and code.startswith(FELLOWSHIP_PREFIX):
            if code.removeprefix(FELLOWSHIP_PREFIX) in FELLOWSHIPS:
                flags["fellowship"] = code.removeprefix(FELLOWSHIP_PREFIX)
        elif code in DRAFT_FLAGS:
            flags[code] = said
        elif code in ATTRIBUTES and not (_is_need(entry) and not _id(value)):
            facts[entry["code"]] = {"code": entry["code"], "value": said, "source": FACT_SOURCE}
        elif entry not in terms:
            terms.append(entry)

    links = _links(scope)
    for link in links:
        ref = first(link.get("taxonomy_term_id"), link.get("taxonomy_id"))
        term = pkg.term(ref)
        if term is None:
            found.append(
                problem(
                    "orphan-reference", table=pkg.label("attribute"), ref=_id(ref), field="taxonomy"
                )
            )
        else:
            add(_term_entry(pkg, term), link.get("value"))
    for code in split_values(service.get("taxonomy_ids")):
        add(_code_entry(pkg, code, LOCAL_SCHEME))
    for sidecar, code in pkg.assignments.get(scope.sid, []):
        add(_code_entry(pkg, code, sidecar))
    for word in split_values(service.get("keywords")):
        add({"scheme": "keyword", "name": word})
    return terms, list(facts.values()), flags, links


def _is_need(entry: dict) -> bool:
    """Tell whether a term is one of resdir's needs ("childcare", "housing.shelter")."""
    category, _, sub = (entry.get("code") or "").partition(".")
    return (
        entry.get("scheme") == RESDIR_SCHEME
        and category in NEEDS
        and (not sub or sub in NEEDS[category][1])
    )


def _links(scope: _Scope) -> list[Row]:
    """Return the attribute / taxonomy link rows that describe this service at location."""
    pkg = scope.package
    owners = {"service": scope.sid, "service_at_location": scope.salid, "location": scope.lid}
    rows = list(pkg.linked("attribute", "service_id", scope.sid))
    for entity, key in owners.items():
        for row in pkg.linked("attribute", "link_id", key):
            named = _id(row.get("link_entity") or row.get("link_type")).lower()
            # Ids may repeat across tables (service 1, location 1): trust the entity when named.
            if named not in LINK_ENTITIES or named == entity:
                rows.append(row)
    return _unique(rows)


def _code_entry(pkg: Package, code: str, fallback: str) -> dict:
    """Return the taxonomy entry for a bare code: its term when the package has one."""
    term = pkg.term(code)
    if term is not None:
        return _term_entry(pkg, term)
    return {"scheme": _scheme_from_code(code) or fallback, "code": code}


def _term_entry(pkg: Package, row: Row) -> dict:
    code = term_code(pkg, row)
    taxonomy = pkg.get("taxonomy", row.get("taxonomy_id")) or {}
    named = first(taxonomy.get("name"), row.get("taxonomy"), row.get("vocabulary"))
    scheme = scheme_from_name(named) if named else _scheme_from_code(code) or LOCAL_SCHEME
    return compact(
        {"scheme": scheme, "code": code, "name": first(row.get("name"), row.get("term"))}
    )


def term_code(pkg: Package, row: Row) -> str:
    """Return a term's code: `code`; else an Ohana-style `taxonomy_id` that is not a foreign key."""
    if _id(row.get("code")):
        return _id(row["code"])
    ref = _id(row.get("taxonomy_id"))
    if "code" not in row and ref and pkg.get("taxonomy", ref) is None:
        return ref
    return _id(row.get("id"))


def scheme_from_name(name: Any) -> str:
    """Return the scheme for a taxonomy's name: "AIRS"/"211" → airs, "Open Eligibility" → ..."""
    text = _id(name)
    for pattern, scheme in SCHEME_NAMES:
        if pattern.search(text):
            return scheme
    return text.lower()


def _scheme_from_code(code: str) -> str | None:
    return next((scheme for pattern, scheme in SCHEME_SHAPES if pattern.match(code)), None)


def _load_tables(layout: Layout, problems: list[Problem]) -> tuple[Tables, dict[str, str]]:
    """Read every CSV table of the package, keyed by canonical table name."""
    tables: Tables = {}
    names: dict[str, str] = {}
    seen: set[Path] = set()
    files = [(p.stem, p) for p in _csv_files(layout.tables)]
    for name, path in _resources(layout, problems) + files:
        if path.resolve() in seen:
            continue
        seen.add(path.resolve())
        text = read_text(path, problems)
        table = table_name(name)
        if table == "taxonomy" and TERM_COLUMNS & set(csv_header(text)):
            table = "taxonomy_term"  # HSDS 1.1 / Ohana "taxonomy" holds the terms themselves
        tables.setdefault(table, []).extend(csv_rows(text))
        names.setdefault(table, path.name)
    return tables, names


def _resources(layout: Layout, problems: list[Problem]) -> list[tuple[str, Path]]:
    """Return (resource name, CSV path) from datapackage.json; a broken one is a warning.

    A resource path that does not resolve (a transformer's `tmp/datapackage/data/x.csv`) names
    its file: one of that name among the tables is the resource.
    """
    path = layout.descriptor
    if path is None:
        return []
    folder = path.parent
    try:
        descriptor = load_json(path, problems)
    except SourceError as exc:
        problems.append(
            problem(
                "invalid-value", value=DATAPACKAGE, detail=f"{exc}; tables are found by file name"
            )
        )
        return []
    resources = descriptor.get("resources") if isinstance(descriptor, dict) else None
    if not isinstance(resources, list):
        problems.append(
            problem(
                "invalid-value",
                value=DATAPACKAGE,
                detail="no list of resources; tables are found by file name",
            )
        )
        return []
    inside = folder.resolve()
    found = []
    for resource in resources:
        where = resource.get("path") if isinstance(resource, dict) else None
        if not isinstance(where, str) or "://" in where:
            continue
        file = (folder / where).resolve()
        if not (inside in file.parents and file.is_file()):
            file = (layout.tables / PurePosixPath(where.replace("\\", "/")).name).resolve()
        if inside in file.parents and file.is_file():
            found.append((str(resource.get("name") or file.stem), file))
    return found


def _sidecars(
    layout: Layout, package: Package, problems: list[Problem]
) -> dict[str, list[tuple[str, str]]]:
    """Read JSON files that map service ids to lists of taxonomy codes or term ids.

    Such a file carries the categories of an export whose services.csv has none (a 211 export's
    AIRS codes, or ids of its categories table). Its scheme comes from the codes, else its name.
    """
    services = {_id(row.get("id")) for row in package.rows("service")}
    assignments: dict[str, list[tuple[str, str]]] = {}
    folders = dict.fromkeys(
        [layout.tables, *([layout.descriptor.parent] if layout.descriptor else [])]
    )
    jsons = sorted(p for f in folders for p in f.iterdir() if p.suffix.lower() == ".json")
    for path in jsons:
        if path.name == DATAPACKAGE:
            continue
        try:
            data = load_json(path, problems)
        except SourceError as exc:
            problems.append(problem("invalid-value", value=path.name, detail=str(exc)))
            continue
        if not _is_assignment(data, services):
            continue
        for sid, codes in data.items():
            if sid not in services:
                problems.append(problem("orphan-reference", table=path.name, ref=sid))
                continue
            pairs = assignments.setdefault(sid, [])
            pairs += [(path.stem, _id(code)) for code in codes if _id(code)]
    return assignments


def _is_assignment(data: Any, services: set[str]) -> bool:
    return (
        isinstance(data, dict)
        and any(key in services for key in data)
        and all(
            isinstance(v, list) and all(isinstance(c, str | int) for c in v) for v in data.values()
        )
    )


def _require_locations(package: Package) -> None:
    """Fail a package whose services are placed at locations it does not have."""
    placed = package.rows("service_at_location") or any(
        _id(row.get("location_id")) for row in package.rows("service")
    )
    if placed and "location" not in package.tables:
        raise SourceError(
            "services refer to locations but the package has no locations table (locations.csv)"
        )


def _missing_tables(package: Package) -> list[Problem]:
    """Warn once about a table the package refers to but lacks, instead of once per record."""
    wanted = {
        "organization": any(
            _id(r.get("organization_id"))
            for table in ("service", "location")
            for r in package.rows(table)
        ),
        "taxonomy_term": bool(package.rows("attribute")),
    }
    return [
        problem(
            "missing-table",
            detail=f"rows refer to {table} ids but there is no "
            f"{table} table; those references are dropped",
        )
        for table, needed in wanted.items()
        if needed and table not in package.tables
    ]


def _csv_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix.lower() == ".csv" and p.is_file())


def _id(value: Any) -> str:
    """Return a value as a stripped string ("" for none): ids may be numbers in JSON."""
    return "" if value is None else str(value).strip()


def _unique(rows: Iterable[Row], key=None) -> list[Row]:
    """Return rows once each, keeping the first: the same row (or the same `key`) only once.

    A child row's own id says nothing about it: real exports leave it empty, repeat it, or give
    every language of a service the service's id.
    """
    seen, kept = set(), []
    for row in rows:
        mark = key(row) if key else id(row)
        if mark not in seen:
            seen.add(mark)
            kept.append(row)
    return kept


READER = Reader(name="hsds-tabular", format="hsds", sniff=sniff, read=read)
