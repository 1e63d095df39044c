"""Read any agency CSV, or JSON list of records, through a small TOML mapping into draft records.

A JSON file is read as a table too (`json_rows`): its records are the top-level array, or the
one top-level member holding an array of objects (`{"data": [...]}`, a GeoJSON collection's
`features`). A record's nested objects and arrays are flattened into columns named by their
dotted paths ("tags.coordinates_jittered", "geometry.coordinates.0"); an array of plain values is
a column of its own too, its values joined with "; " ("languages"). Numbers are written as JSON
wrote them, a whole number without ".0" (380500086.0 is "380500086"); true and false as words.

The mapping (given as `ReadOptions.mapping`, read with `tomllib`) says which column holds the key
and which columns fill which draft fields (`ingest.record`); values stay as the CSV wrote them.
A complete example:

    [source]
    key = "Listing ID"        # a column, or a list of columns joined with ":" (required)
                              # (a key never holds an address: see "Keys" below)
    kind = "service"          # or "meeting" (default "service")
    weekday_base = "iso"      # how numeric day columns count: "iso" or "sunday0" (optional)
    required = ["Listing ID", "Program"]  # columns a file must have to be read (optional)
    signature = ["Listing ID", "Beds Total", "NARR Level"]  # shipped mappings: see below
    parent = "Agency Row"     # a column naming the key of the row of the listing's organization,
                              # whose phones are the organization's phones (optional)

    [defaults]                # constant draft values for every row, by dotted draft path
    "address.region" = "CA"
    "address.country" = "US"

    [fields]                  # dotted draft path = a column, or a list of columns
    name = "Program"
    "organization.name" = "Agency"
    "organization.id" = "Agency ID"
    description = "About"
    "address.street" = "Street"
    "address.city" = "City"
    "address.postal_code" = "ZIP"
    "location.lat" = "Latitude"
    "location.lon" = "Longitude"
    phones = ["Main Phone", { column = "Fax", type = "fax" }]
    "hours.text" = ["Hours", "Office Hours"]
    languages = "Languages"
    "capacity.available" = "Beds Available"
    "capacity.total" = "Beds Total"
    "capacity.as_of" = "Beds Updated"
    last_verified_at = "Verified On"
    narr_level = "NARR Level"
    taxonomy = ["Service Type", { column = "AIRS Codes", scheme = "airs" }]
    status = "Status"

    [crosswalk."Service Type"]   # column value -> resdir need code (category or category.sub)
    "Sober living" = "housing.recovery_residence"
    "Emergency shelter" = "housing.shelter"

    [facts.accepts_moud]         # a resdir attribute code (resdir.vocab.ATTRIBUTES)
    column = "MOUD Policy"
    yes = ["All medications", "Buprenorphine only"]
    no = ["None"]
    note = "MOUD Policy"         # optional: a column kept as the fact's note

How fields are filled:
- A single-valued field given a list of columns takes the first non-empty one ("hours.text"
  above falls back to "Office Hours"). An empty cell sets nothing; a default fills what rows leave
  empty.
- A list field (phones, organization.phones, languages, accessibility, required_documents,
  eligibility.genders, cost.payments, service_area.postal_codes, service_area.counties) gets
  one item per non-empty
  column, the cell kept whole ("Spanish, Tagalog" is one item: the normalizer splits it). A phone
  item is {"number": cell} plus the other keys of its table, each a constant or read from a
  column: `{ column = "Phone1Number", description = { column = "Phone1Name" } }`.
- `source_keys.<name>` keeps one of the source's own ids ("source_keys.agency_id" = "Agency ID").
- `taxonomy` takes columns or `{ column, scheme }` tables. A cell may hold several values: it is
  split on ";", and each part on ",", except a part that is itself a crosswalk key ("Shelters,
  emergency" stays whole when the crosswalk names it). A value its column's crosswalk knows becomes
  {"scheme": "resdir", "code": need code}; any other value becomes {"scheme": "keyword", "name":
  value}, or {"scheme": scheme, "code": value} when the column gives a scheme ("airs").
- A fact is "yes" or "no" when the whole trimmed cell matches one of its lists, case-insensitively;
  any other value is unknown and sets no fact. Its source is "<csv file name> column <column>".

Keys: a row's key is its key cells joined with ":", except that a key never holds an address. A
key column that also fills a street, a formatted address or a coordinate ("Street" in `key =
["Name", "Street"]`) stands in the key as one digest of those cells ("Harbor House:at-9c1e...",
in the place of the first of them), and a confidential row (`confidential_location` says yes)
leaves them out altogether ("Safe Haven"), since a digest of a street names it to whoever tries
every street of the area. Keys of other mappings are the
cells as written, as they always were. A row keyed before this rule (2026-12) by its street
keeps its listing: the pipeline moves the stored record to the new key (`Record.former_key`).

The mapping is checked before any row is read: a missing or invalid file, an unknown section,
option, draft path, attribute or need code, or no `key` fails the source with one line. Then the
CSV header: a column in `required` that the CSV lacks, or a CSV with none of the key columns,
fails the source with one line naming them. Every other column is optional: the columns a CSV
lacks are one warning for the file (missing-column) and read as empty cells, since exports of one
format differ by version and by what each publisher turned on. A row with an empty key is yielded
with a missing-key error (and quarantined); a key that repeats is a problem of the pipeline's.
Columns the mapping does not use are reported once each (unknown-column).

`mapping` may also name a mapping shipped in ingest/mappings/ by its stem ("icarol": the iCarol 211
export format). Without a mapping, a CSV is read through the shipped mapping whose `signature` its
header carries: every required column, and at least half of the signature's columns (the columns
that name the format: an iCarol export has ResourceAgencyNum, TaxonomyLevelName, ...).
"""

import copy
import functools
import json
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingest.normalize.hours import WEEKDAY_BASES
from ingest.normalize.text import yes_no
from ingest.problems import Problem, SourceError, problem
from ingest.readers import Reader, ReadOptions
from ingest.readers.files import (
    address_digest,
    csv_header,
    csv_rows,
    load_json,
    read_head,
    read_text,
    split_values,
)
from ingest.record import Record
from resdir import vocab

SHIPPED_MAPPINGS = Path(__file__).resolve().parents[1] / "mappings"
KEY_JOINER = ":"
KINDS = ("service", "meeting")
SECTIONS = {"source", "defaults", "fields", "crosswalk", "facts"}
SOURCE_OPTIONS = {"key", "kind", "weekday_base", "required", "signature", "parent"}
SIGNATURE_SHARE = 0.5  # of a shipped mapping's signature columns a header must carry
FACT_OPTIONS = {"column", "yes", "no", "note"}
SINGLE_FIELDS = frozenset(
    {
        "name", "alternate_name", "description", "url", "email", "next_steps", "status",
        "temporarily_closed", "organization.id", "organization.name", "organization.url",
        "organization.description", "address.street", "address.street2", "address.city",
        "address.region", "address.postal_code", "address.country", "address.formatted",
        "location.lat", "location.lon", "location.text", "approximate_location",
        "confidential_location", "timezone", "online.url", "online.phone", "hours.text",
        "meeting.day", "meeting.time", "meeting.end_time", "cost.text", "cost.amount",
        "cost.currency", "cost.period", "eligibility.text", "eligibility.min_age",
        "eligibility.max_age", "capacity.available", "capacity.total", "capacity.unit",
        "capacity.as_of", "service_area.text", "service_area.radius_km", "transportation",
        "last_verified_at", "updated_at", "narr_level",
    }
)  # fmt: skip
LIST_FIELDS = frozenset(
    {
        "languages", "accessibility", "required_documents", "eligibility.genders",
        "cost.payments", "service_area.postal_codes", "service_area.counties",
    }
)  # fmt: skip
PHONES, TAXONOMY = "phones", "taxonomy"
ORGANIZATION_PHONES = "organization.phones"  # the organization's own, shown where a row has none
PHONE_LISTS = (PHONES, ORGANIZATION_PHONES)
# A key column filling one of these is an address (a city or ZIP code alone does not place a door).
PLACE_FIELDS = ("address.street", "address.street2", "address.formatted", "location.")
SOURCE_KEYS = "source_keys."  # source_keys.<any name>: one of the source's own ids
PHONE_OPTIONS = {"column", "extension", "type", "description"}
KEYWORD, RESDIR = "keyword", "resdir"
JSON_SUFFIXES = (".json", ".geojson")
FLATTEN_DEPTH = 8  # levels of a JSON record made columns; anything deeper stays one JSON text
LIST_JOINER = "; "
Row = dict[str, str]


@dataclass(frozen=True)
class Mapping:
    """A checked mapping: which columns fill which draft fields, and how."""

    key: tuple[str, ...]
    kind: str = "service"
    weekday_base: str | None = None
    defaults: dict[str, Any] = field(default_factory=dict)
    single: dict[str, tuple[str, ...]] = field(default_factory=dict)  # path -> columns, first wins
    lists: dict[str, tuple[dict, ...]] = field(default_factory=dict)  # path -> item specs
    taxonomy: tuple[tuple[str, str], ...] = ()  # (column, scheme of values no crosswalk knows)
    # column -> {casefolded value: need code}
    crosswalks: dict[str, dict[str, str]] = field(default_factory=dict)
    facts: dict[str, dict] = field(default_factory=dict)  # attribute -> {column, yes, no, note}
    key_addresses: frozenset[str] = frozenset()  # key columns that fill a street or a point
    required: tuple[str, ...] = ()  # columns without which a CSV is refused
    signature: tuple[str, ...] = ()  # columns that tell a CSV is in this mapping's format
    parent: str | None = None  # the column naming the key of the organization's own row

    def columns(self) -> set[str]:
        """Return every CSV column the mapping reads."""
        used = set(self.key) | {c for cols in self.single.values() for c in cols}
        used |= {self.parent} - {None}
        for items in self.lists.values():
            for item in items:
                used |= {v["column"] for v in item.values() if isinstance(v, dict)}
                used.add(item["column"])
        used |= {column for column, _ in self.taxonomy} | set(self.crosswalks)
        for fact in self.facts.values():
            used |= {fact["column"], fact["note"]} - {None}
        return used

    def missing(self, header: list[str]) -> tuple[list[str], list[str]]:
        """Return the columns a CSV header lacks: (required ones, optional ones), sorted.

        A header without any key column lacks them all, unless a required one already says so.
        """
        absent = self.columns() - set(header)
        required = set(self.required) & absent
        if not set(self.key) - absent and not required & set(self.key):
            required |= set(self.key)
        return sorted(required), sorted(absent - required)

    def recognises(self, header: list[str]) -> bool:
        """Tell whether a CSV header is in this mapping's format (see `signature`)."""
        carried = len(set(self.signature) & set(header))
        return (
            bool(self.signature)
            and carried >= len(self.signature) * SIGNATURE_SHARE
            and (not self.missing(header)[0])
        )


def sniff(path: Path) -> bool:
    """Return True for a .csv or JSON file (chosen only when a mapping is given: see `detect`)."""
    return path.is_file() and path.suffix.lower() in (".csv", *JSON_SUFFIXES)


def sniff_shipped(path: Path) -> bool:
    """Return True for a .csv file whose header a shipped mapping recognises (an iCarol export)."""
    return (
        path.is_file()
        and path.suffix.lower() == ".csv"
        and recognised_mapping(csv_header(read_head(path))) is not None
    )


def recognised_mapping(header: list[str]) -> Path | None:
    """Return the shipped mapping whose signature a CSV header carries, if one does."""
    for path in sorted(SHIPPED_MAPPINGS.glob("*.toml")):
        if _shipped(path).recognises(header):
            return path
    return None


@functools.cache
def _shipped(path: Path) -> Mapping:
    return read_mapping(path)


def read(path: Path, options: ReadOptions) -> Iterator[Record | Problem]:
    """Yield one record per CSV row or JSON record, its draft filled through the mapping (given,
    or the shipped one a CSV header is recognised by)."""
    problems: list[Problem] = []
    header, rows = _rows(path, problems)
    mapping_path = options.mapping or recognised_mapping(header)
    if mapping_path is None:
        raise SourceError(f"{path.name} needs a mapping file to be read as an agency CSV")
    mapping = load_mapping(mapping_path, header, path.name)
    yield from problems
    optional = mapping.missing(header)[1]
    if optional:
        noun, verb = ("column", "is") if len(optional) == 1 else ("columns", "are")
        detail = (
            f"{noun} {_names(optional)} of mapping {_resolve(mapping_path).name} {verb} not in "
            f"{path.name}; read as empty"
        )
        yield problem("missing-column", detail=detail)
    used = mapping.columns()
    yield from (problem("unknown-column", value=c) for c in header if c and c not in used)

    drafts = {
        line: row_draft(row, mapping, path.name) for line, row in rows if isinstance(row, dict)
    }
    parents = _parent_phones(rows, drafts, mapping)
    for line, row in rows:
        if not isinstance(row, dict):  # a JSON list's item that is no record
            found = problem("not-a-record", found=type(row).__name__, line=line)
            yield Record(key=f"line-{line}", draft={}, raw={}, line=line, problems=[found])
            continue
        draft = drafts[line]
        key, former = row_key(row, mapping, draft)
        phones = parents.get(row.get(mapping.parent, "")) if mapping.parent else None
        if phones and not (draft.get("organization") or {}).get("phones"):
            _put(draft, ORGANIZATION_PHONES, copy.deepcopy(phones))
        record = Record(key=key, draft=draft, raw=row, line=line, former_key=former)
        if not key:
            record.key = f"line-{line}"
            columns = mapping.key
            if any(row.get(c) for c in columns):  # a confidential place keyed by its street alone
                columns = tuple(c for c in columns if c not in mapping.key_addresses)
            detail = f"{_names(columns) or 'no column but the address'} empty on line {line}"
            record.problems.append(problem("missing-key", line=line, detail=detail))
        yield record


def _parent_phones(rows: list[tuple[int, Any]], drafts: dict, mapping: Mapping) -> dict:
    """Return the phones of each row another row names as its organization's: {key: phones}."""
    if not mapping.parent:
        return {}
    named = {row.get(mapping.parent) for _, row in rows if isinstance(row, dict)} - {"", None}
    found = {}
    for line, row in rows:
        key = KEY_JOINER.join(row.get(c, "") for c in mapping.key) if line in drafts else None
        if key in named and drafts[line].get(PHONES):
            found[key] = drafts[line][PHONES]
    return found


def _rows(path: Path, problems: list[Problem]) -> tuple[list[str], list[tuple[int, Any]]]:
    """Return a file's column names and its (line, row) pairs: a CSV's, or a JSON file's records
    (a record's position in its list standing for a line)."""
    if path.suffix.lower() not in JSON_SUFFIXES:
        text = read_text(path, problems)
        return csv_header(text), list(csv_rows(text))
    rows = list(json_rows(load_json(path, problems), path.name))
    header = list(
        dict.fromkeys(column for _, row in rows if isinstance(row, dict) for column in row)
    )
    return header, rows


def json_rows(data: Any, name: str) -> Iterator[tuple[int, Row | Any]]:
    """Yield (position, row) for the records of parsed JSON (see the module's docstring); an
    item that is no object is yielded as it is."""
    records = data if isinstance(data, list) else None
    if isinstance(data, dict):
        lists = [v for v in data.values() if isinstance(v, list) and v and isinstance(v[0], dict)]
        records = lists[0] if len(lists) == 1 else None
    if records is None:
        raise SourceError(f"{name} holds no list of records (an array of objects)")
    for position, record in enumerate(records, start=1):
        yield position, _flatten(record, "", 0) if isinstance(record, dict) else record


def _flatten(value: Any, prefix: str, depth: int) -> Row:
    if isinstance(value, dict | list) and depth >= FLATTEN_DEPTH:
        return {prefix[:-1]: json.dumps(value, ensure_ascii=False)}
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return {prefix[:-1]: _cell(value)}
    row: Row = {}
    if isinstance(value, list) and prefix and not any(isinstance(v, dict | list) for v in value):
        row[prefix[:-1]] = LIST_JOINER.join(_cell(v) for v in value if _cell(v))
    for key, item in items:
        row.update(_flatten(item, f"{prefix}{key}.", depth + 1))
    return row


def _cell(value: Any) -> str:
    """Return a JSON value as a CSV would hold it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def row_key(row: dict[str, str], mapping: Mapping, draft: dict) -> tuple[str, str | None]:
    """Return a row's key ("" when it has none) and, when a street was taken out of it, the key
    it had before (see "Keys" above)."""
    cells = [row.get(c, "") for c in mapping.key]
    if not any(cells):
        return "", None
    written = KEY_JOINER.join(cells)
    places = [row.get(c, "") for c in mapping.key if c in mapping.key_addresses]
    if not any(places):
        return written, None
    digest = (
        None if yes_no(draft.get("confidential_location")) == "yes" else address_digest(*places)
    )
    parts, placed = [], False
    for column, cell in zip(mapping.key, cells, strict=True):
        if column not in mapping.key_addresses:
            parts.append(cell)
        elif digest and not placed:
            parts.append(digest)
            placed = True
    return KEY_JOINER.join(parts) if any(parts) else "", written


def row_draft(row: dict[str, str], mapping: Mapping, csv_name: str) -> dict[str, Any]:
    """Return the draft of one CSV row filled through a checked mapping."""
    draft: dict[str, Any] = {"kind": mapping.kind}
    if mapping.weekday_base:
        draft["weekday_base"] = mapping.weekday_base
    for path, value in mapping.defaults.items():
        _put(draft, path, copy.deepcopy(value))
    for path, columns in mapping.single.items():
        value = next((row[c] for c in columns if row.get(c)), "")
        if value:
            _put(draft, path, value)
    for path, items in mapping.lists.items():
        values = [_item(path, item, row) for item in items if row.get(item["column"])]
        if values:
            _put(draft, path, values)
    terms = [
        _term(value, scheme, mapping.crosswalks.get(column, {}))
        for column, scheme in mapping.taxonomy
        for value in split_values(row.get(column, ""), mapping.crosswalks.get(column, {}))
    ]
    if terms:
        draft[TAXONOMY] = terms
    facts = [f for code, rule in mapping.facts.items() if (f := _fact(code, rule, row, csv_name))]
    if facts:
        draft["facts"] = facts
    return draft


def _term(value: str, scheme: str, crosswalk: dict[str, str]) -> dict[str, str]:
    if value.casefold() in crosswalk:
        return {"scheme": RESDIR, "code": crosswalk[value.casefold()]}
    if scheme == KEYWORD:
        return {"scheme": KEYWORD, "name": value}
    return {"scheme": scheme, "code": value}


def _fact(code: str, rule: dict, row: dict[str, str], csv_name: str) -> dict | None:
    cell = row.get(rule["column"], "").casefold()
    value = "yes" if cell in rule["yes"] else "no" if cell in rule["no"] else None
    if value is None:
        return None
    fact = {"code": code, "value": value, "source": f"{csv_name} column {rule['column']}"}
    if rule["note"] and row.get(rule["note"]):
        fact["note"] = row[rule["note"]]
    return fact


def _item(path: str, item: dict, row: dict[str, str]) -> str | dict[str, str]:
    if path not in PHONE_LISTS:
        return row[item["column"]]
    phone = {"number": row[item["column"]]}
    for name, value in item.items():
        if name != "column":
            resolved = row.get(value["column"], "") if isinstance(value, dict) else value
            if resolved:
                phone[name] = resolved
    return phone


def _put(draft: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".", 1) if path.startswith(SOURCE_KEYS) else path.split(".")
    for name in parents:
        draft = draft.setdefault(name, {})
    draft[last] = value


def load_mapping(path: Path, header: list[str], csv_name: str) -> Mapping:
    """Read a mapping file and check it against a CSV header, or fail the source saying why
    (a required column the CSV lacks: see `Mapping.missing`)."""
    mapping = read_mapping(path)
    required = mapping.missing(header)[0]
    if required:
        noun = "column" if len(required) == 1 else "columns"
        raise SourceError(
            f"mapping {_resolve(path).name} requires {noun} {_names(required)}, "
            f"which {csv_name} does not have"
        )
    return mapping


def read_mapping(path: Path) -> Mapping:
    """Read and check a mapping file (a path, or a shipped mapping's stem), or fail saying why."""
    path = _resolve(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise SourceError(f"cannot read mapping {path}: {exc.strerror}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SourceError(f"mapping {path.name} is not valid TOML: {exc}") from exc
    try:
        return _parse(data)
    except _Invalid as exc:
        raise SourceError(f"mapping {path.name} {exc}") from None


def _resolve(path: Path) -> Path:
    """Return the mapping file: the path itself, or a shipped mapping named by its stem."""
    shipped = SHIPPED_MAPPINGS / f"{path}.toml"
    if not path.exists() and not path.suffix and path.name == str(path) and shipped.is_file():
        return shipped
    return path


class _Invalid(Exception):
    """What is wrong with a mapping, worded to follow "mapping <file name> "."""


def _parse(data: dict) -> Mapping:
    """Turn parsed TOML into a Mapping, raising _Invalid on the first thing wrong with it."""
    _no_unknown(data, SECTIONS, "section")
    source = _table(data, "source")
    _no_unknown(source, SOURCE_OPTIONS, "[source] option")
    if "key" not in source:
        raise _Invalid("has no [source] key: name the column (or columns) that identify a row")
    kind = source.get("kind", "service")
    if kind not in KINDS:
        raise _Invalid(f"[source] kind {kind!r} is not one of {_names(KINDS)}")
    weekday_base = source.get("weekday_base")
    if weekday_base is not None and weekday_base not in WEEKDAY_BASES:
        raise _Invalid(
            f"[source] weekday_base {weekday_base!r} is not one of {_names(WEEKDAY_BASES)}"
        )
    defaults = _table(data, "defaults")
    for path in defaults:
        if not _known_path(path):
            raise _Invalid(f"[defaults] names unknown draft field {path!r}")

    single, lists, taxonomy = {}, {}, []
    for path, spec in _table(data, "fields").items():
        where = f"[fields] {path}"
        specs = spec if isinstance(spec, list) else [spec]
        if path == TAXONOMY:
            for item in specs:
                item = item if isinstance(item, dict) else {"column": item}
                _no_unknown(item, {"column", "scheme"}, f"option in {where}")
                taxonomy.append((_column(item.get("column"), where), item.get("scheme", KEYWORD)))
        elif path in PHONE_LISTS or path in LIST_FIELDS:
            items = [item if isinstance(item, dict) else {"column": item} for item in specs]
            for item in items:
                _no_unknown(item, PHONE_OPTIONS if path in PHONE_LISTS else {"column"}, where)
                _column(item.get("column"), where)
                for value in item.values():
                    if isinstance(value, dict):
                        _column(value.get("column"), where)
            lists[path] = tuple(items)
        elif _known_path(path):
            single[path] = tuple(_column(c, where) for c in specs)
        else:
            raise _Invalid(f"[fields] names unknown draft field {path!r}")

    key = tuple(_column(c, "[source] key") for c in _listed(source["key"]))
    places = {
        c for path, columns in single.items() if path.startswith(PLACE_FIELDS) for c in columns
    }
    mapping = Mapping(
        key=key,
        key_addresses=frozenset(places.intersection(key)),
        kind=kind,
        weekday_base=weekday_base,
        defaults=defaults,
        single=single,
        lists=lists,
        taxonomy=tuple(taxonomy),
        crosswalks=_crosswalks(_table(data, "crosswalk"), {column for column, _ in taxonomy}),
        facts={code: _fact_rule(code, rule) for code, rule in _table(data, "facts").items()},
        required=_columns(source, "required"),
        signature=_columns(source, "signature"),
        parent=_column(source["parent"], "[source] parent") if "parent" in source else None,
    )
    unread = sorted(set(mapping.required) - mapping.columns())
    if unread:
        raise _Invalid(f"[source] required names {_names(unread)}, which no field reads")
    return mapping


def _columns(source: dict, option: str) -> tuple[str, ...]:
    """Check a [source] option that lists columns."""
    value = source.get(option, [])
    if not isinstance(value, list):
        raise _Invalid(f"[source] {option} must be a list of columns")
    return tuple(_column(c, f"[source] {option}") for c in value)


def _crosswalks(tables: dict, taxonomy_columns: set[str]) -> dict[str, dict[str, str]]:
    """Check the [crosswalk."<column>"] tables; key each by casefolded, trimmed value."""
    needs = set(vocab.need_codes())
    crosswalks = {}
    for column, table in tables.items():
        if column not in taxonomy_columns:
            raise _Invalid(f"has a crosswalk for {column!r}, which is not a taxonomy column")
        if not isinstance(table, dict):
            raise _Invalid(f'[crosswalk."{column}"] must be a table of value = need code')
        for value, need in table.items():
            if need not in needs:
                raise _Invalid(f'[crosswalk."{column}"] maps {value!r} to unknown need {need!r}')
        crosswalks[column] = {value.strip().casefold(): need for value, need in table.items()}
    return crosswalks


def _fact_rule(code: str, rule: Any) -> dict:
    """Check one [facts.<attribute>] table; return it with casefolded yes/no words."""
    where = f"[facts.{code}]"
    if code not in vocab.ATTRIBUTES:
        raise _Invalid(f"{where} is not a resdir attribute code")
    if not isinstance(rule, dict) or "column" not in rule:
        raise _Invalid(f"{where} needs a column")
    _no_unknown(rule, FACT_OPTIONS, f"option in {where}")
    checked = {"column": _column(rule["column"], where), "note": None}
    if "note" in rule:
        checked["note"] = _column(rule["note"], f"{where} note")
    for answer in ("yes", "no"):
        words = rule.get(answer, [])
        if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
            raise _Invalid(f"{where} {answer} must be a list of values")
        checked[answer] = {w.strip().casefold() for w in words}
    return checked


def _column(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise _Invalid(f"{where}: expected a column name, found {value!r}")
    return value


def _listed(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def _table(data: dict, section: str) -> dict:
    value = data.get(section, {})
    if not isinstance(value, dict):
        raise _Invalid(f"[{section}] must be a table")
    return value


def _no_unknown(table: dict, allowed: set[str], what: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise _Invalid(f"has unknown {what} {_names(unknown)}")


def _names(values) -> str:
    return ", ".join(repr(v) for v in values)


def _known_path(path: str) -> bool:
    return (
        path in SINGLE_FIELDS
        or path in LIST_FIELDS
        or path in (*PHONE_LISTS, TAXONOMY)
        or (path.startswith(SOURCE_KEYS) and len(path) > len(SOURCE_KEYS))
    )


READER = Reader(name="agency-csv", format="csv", sniff=sniff, read=read, auto=False)
# The same reader, chosen without a mapping for a CSV a shipped mapping recognises.
SHIPPED_READER = Reader(name="agency-csv", format="csv", sniff=sniff_shipped, read=read)
