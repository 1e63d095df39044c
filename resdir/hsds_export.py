"""Write the published directory as Open Referral HSDS 3.0 files: a tabular data package (one
CSV table per table of the spec's tabular schema, and datapackage.json describing them) or the
spec's service package (one JSON array of full services).

Every object comes from resdir/hsds.py, the mapping the /hsds API serves; this module only lays
the nested objects out as rows joined by their id columns. `resdir/data/hsds_tabular.json` is
the spec's schema/compiled/tabular.json (HSDS 3.0, CC BY-SA 4.0): its tables, columns, types and
required fields make the CSV headers and the table schemas of datapackage.json.
"""

import csv
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from resdir import hsds

TABULAR_FILE = Path(__file__).resolve().parent / "data" / "hsds_tabular.json"
DATAPACKAGE = "datapackage.json"
PACKAGE_NAME = "resdir-hsds"
PACKAGE_TITLE = "resdir: recovery peer-support resources in Open Referral HSDS 3.0"
PROFILE_URL = "https://docs.openreferral.org/en/v3.0/hsds/schema_reference.html"
# A nested list or object of the mapping's objects → the table its items are rows of.
NESTED = {
    "service_at_locations": "service_at_location",
    "location": "location",
    "organization": "organization",
    "phones": "phone",
    "schedules": "schedule",
    "service_areas": "service_area",
    "languages": "language",
    "cost_options": "cost_option",
    "required_documents": "required_document",
    "contacts": "contact",
    "attributes": "attribute",
    "taxonomy_term": "taxonomy_term",
    "addresses": "address",
    "accessibility": "accessibility",
}
# An id column → the table whose id it holds (link_id and resource_id name several tables).
REFERENCES = {
    "organization_id": "organization",
    "parent_organization_id": "organization",
    "program_id": "program",
    "service_id": "service",
    "location_id": "location",
    "service_at_location_id": "service_at_location",
    "contact_id": "contact",
    "phone_id": "phone",
    "taxonomy_term_id": "taxonomy_term",
    "taxonomy_id": "taxonomy",
    "parent_id": "taxonomy_term",  # a term's parent term
}
# The schema's JSON type and format → the Table Schema field's type and format.
FIELD_TYPES = {
    ("string", None): {"type": "string"},
    ("string", "uuid"): {"type": "string", "format": "uuid"},
    ("string", "email"): {"type": "string", "format": "email"},
    ("string", "uri"): {"type": "string", "format": "uri"},
    ("string", "date-time"): {"type": "datetime"},
    ("number", None): {"type": "number"},
}


@dataclass(frozen=True)
class Table:
    """One table of the spec's tabular format: its file and its Table Schema."""

    name: str
    path: str
    description: str
    columns: tuple[str, ...]
    schema: dict


@cache
def tables() -> tuple[Table, ...]:
    """Return the spec's tables in its own order, each with its flat columns."""
    spec = json.loads(TABULAR_FILE.read_text("utf-8"))["properties"]
    items = sorted(
        (entry["items"] for entry in spec.values()),
        key=lambda item: item["datapackage_metadata"]["order"],
    )
    return tuple(_table(item) for item in items)


def _table(item: dict) -> Table:
    # The JSON schemas' `required`; not `tabular_required` (a service's organization_id): a
    # listing whose source named no organization has none, and resdir makes none up.
    required = set(item.get("required") or [])
    fields = []
    for name, prop in item["properties"].items():
        if prop.get("type") not in ("string", "number"):
            continue  # nested arrays and objects are rows of other tables
        field = {"name": name, **FIELD_TYPES[prop["type"], prop.get("format")]}
        if name in required:
            field["constraints"] = {"required": True}
            if field["type"] == "string" and "format" not in field:
                # The JSON schemas take "" for a required text (an organization that gave no
                # description, an address without a street): in a CSV that is an empty cell.
                field["missingValues"] = []
        fields.append(field)
    keys = [
        {"fields": f["name"], "reference": {"resource": REFERENCES[f["name"]], "fields": "id"}}
        for f in fields
        if f["name"] in REFERENCES
    ]
    schema = {"fields": fields, "primaryKey": "id", "foreignKeys": keys}
    columns = tuple(f["name"] for f in fields)
    return Table(item["name"], item["path"], item["description"], columns, schema)


def services(entries: Iterable, on_service: Callable[[], None] = lambda: None) -> list[dict]:
    """Return the full HSDS service of each catalog entry (the spec's service_package)."""
    out = []
    for entry in entries:
        out.append(hsds.service(entry.doc, entry.modified))
        on_service()
    return out


def rows(found, on_service: Callable[[], None] = lambda: None) -> dict[str, dict[str, dict]]:
    """Return the rows of every table for a catalog, by table and id: its services with what
    they nest, and every published taxonomy term and taxonomy."""
    out: dict[str, dict[str, dict]] = {table.name: {} for table in tables()}
    for service in services(found.entries, on_service):
        _flatten("service", service, out)
    for term in found.terms.values():
        _flatten("taxonomy_term", hsds.term_object(term), out)
    for taxonomy in found.taxonomies.values():
        _flatten("taxonomy", taxonomy, out)
    return out


def _flatten(table: str, obj: dict, out: dict[str, dict[str, dict]]) -> None:
    """Add an object's own values as a row of `table`, and what it nests as rows of theirs
    (the mapping already gives each nested object the id of the one it hangs off)."""
    row = {k: v for k, v in obj.items() if not isinstance(v, dict | list)}
    out[table].setdefault(row["id"], row)
    for key, value in obj.items():
        if key in NESTED and isinstance(value, dict):
            _flatten(NESTED[key], value, out)
        elif key in NESTED and isinstance(value, list):
            for item in value:
                _flatten(NESTED[key], item, out)


def write_tabular(folder: Path, found: dict[str, dict[str, dict]]) -> None:
    """Write every table as CSV (the empty ones as a header) and datapackage.json in `folder`."""
    folder.mkdir(exist_ok=True)
    for table in tables():
        with (folder / table.path).open("w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, table.columns, restval="", extrasaction="raise")
            writer.writeheader()
            writer.writerows(found[table.name].values())
    (folder / DATAPACKAGE).write_text(json.dumps(descriptor(), indent=2) + "\n", "utf-8")


def descriptor() -> dict:
    """Return the package's datapackage.json: a tabular data package of the spec's tables."""
    return {
        "name": PACKAGE_NAME,
        "title": PACKAGE_TITLE,
        "profile": "tabular-data-package",
        "homepage": PROFILE_URL,
        "resources": [
            {
                "name": table.name,
                "path": table.path,
                "description": table.description,
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": table.schema,
            }
            for table in tables()
        ],
    }


def write_json(path: Path, found: list[dict]) -> None:
    """Write the services as one JSON array, the shape of the spec's service_package.json."""
    path.write_text(json.dumps(found, indent=2, ensure_ascii=False) + "\n", "utf-8")
