"""Read HSDS 3.0 JSON: a service, a service_at_location, an organization with its services, a page
of any of these (`{"contents": [...]}`), or a plain array of them.

The nested objects are flattened into the tables of the tabular format — each child row gets the
id of the object it was nested in (a phone inside a location gets `location_id`) — and the same
record builder as `hsds_tabular` makes one record per service at a location, or per area-wide
service. An object repeated at several places (the same phone under the service, its location and
its contact) is one row that collects every link. Each record's raw form is the JSON object it
came from.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ingest.problems import Problem, SourceError
from ingest.readers import Reader, ReadOptions
from ingest.readers.files import first_item, load_json
from ingest.readers.hsds_tabular import Package, Tables, listings
from ingest.record import Record

# Keys only an HSDS 3.0 service has; an object with an id, a name and MIN_SERVICE_KEYS of them
# is a service. Ohana JSON and Meeting Guide objects have their own tell-tale keys.
SERVICE_KEYS = {
    "organization_id", "program_id", "status", "interpretation_services", "application_process",
    "fees_description", "wait_time", "fees", "accreditations", "eligibility_description",
    "minimum_age", "maximum_age", "assured_date", "assurer_email", "licenses", "alert",
    "last_modified", "schedules", "service_areas", "service_at_locations", "organization",
    "funding", "cost_options", "program", "required_documents", "capacities",
}  # fmt: skip
MIN_SERVICE_KEYS = 2
FOREIGN_KEYS = {"services_attributes", "locations", "slug", "day", "time", "types"}
SNIFF_ITEMS = 20  # items of a page looked at to decide whether it is HSDS
PAGE_CONTENTS = "contents"  # the list of objects in a page of results

# Lists nested in an object: the table their items go to and the column that points back.
CHILDREN: dict[str, dict[str, tuple[str, str]]] = {
    "service": {
        "service_at_locations": ("service_at_location", "service_id"),
        "phones": ("phone", "service_id"),
        "schedules": ("schedule", "service_id"),
        "service_areas": ("service_area", "service_id"),
        "languages": ("language", "service_id"),
        "cost_options": ("cost_option", "service_id"),
        "required_documents": ("required_document", "service_id"),
        "contacts": ("contact", "service_id"),
        "attributes": ("attribute", "link_id"),
        "metadata": ("metadata", "resource_id"),
        "capacities": ("service_capacity", "service_id"),
    },
    "service_at_location": {
        "phones": ("phone", "service_at_location_id"),
        "schedules": ("schedule", "service_at_location_id"),
        "contacts": ("contact", "service_at_location_id"),
        "service_areas": ("service_area", "service_at_location_id"),
        "attributes": ("attribute", "link_id"),
    },
    "location": {
        "addresses": ("address", "location_id"),
        "phones": ("phone", "location_id"),
        "schedules": ("schedule", "location_id"),
        "languages": ("language", "location_id"),
        "accessibility": ("accessibility", "location_id"),
        "contacts": ("contact", "location_id"),
        "attributes": ("attribute", "link_id"),
    },
    "organization": {
        "phones": ("phone", "organization_id"),
        "contacts": ("contact", "organization_id"),
        "locations": ("location", "organization_id"),
        "services": ("service", "organization_id"),
    },
    "contact": {"phones": ("phone", "contact_id")},
}
# Objects nested in an object: the table they go to and the column of the parent that names them.
REFERENCES: dict[str, dict[str, tuple[str, str]]] = {
    "service": {"organization": ("organization", "organization_id")},
    "service_at_location": {
        "service": ("service", "service_id"),
        "location": ("location", "location_id"),
    },
    "attribute": {"taxonomy_term": ("taxonomy_term", "taxonomy_term_id")},
    "taxonomy_term": {"taxonomy_detail": ("taxonomy", "taxonomy_id")},
    "service_capacity": {"unit": ("unit", "unit_id")},
}
LINK_ENTITY = {
    "service": "service",
    "service_at_location": "service_at_location",
    "location": "location",
}  # what an attribute nested in each table describes


def sniff(path: Path) -> bool:
    """Return True for a JSON file whose object or first item is an HSDS 3.0 service (or holds one).

    Only the start of the file is read: the first item of an array or of a page's contents, or
    the whole object when that is what the file holds.
    """
    if not path.is_file() or path.suffix.lower() != ".json":
        return False
    head = first_item(path, envelope=PAGE_CONTENTS)
    items = _items(head) if isinstance(head, dict) else [head]
    return any(_kind(item) for item in items[:SNIFF_ITEMS])


def read(path: Path, options: ReadOptions) -> Iterator[Record | Problem]:
    """Yield one record per service at a location, or per area-wide service, in the file."""
    problems: list[Problem] = []
    data = load_json(path, problems)
    flat = _Flattener()
    for position, item in enumerate(_items(data), start=1):
        kind = _kind(item)
        if kind:
            flat.add(kind, item, position=position, origin=item)
    if not flat.tables.get("service"):
        raise SourceError(f"{path.name} holds no HSDS 3.0 services")
    yield from problems
    for found in listings(Package(flat.tables)):
        if isinstance(found, Record):
            service_id = found.draft.get("source_keys", {}).get("service_id", "")
            found.raw = flat.origins.get(service_id, found.raw)
        yield found


def _items(data: Any) -> list:
    """Return the top-level objects: a page's contents, an array's items, or the object itself."""
    if isinstance(data, dict) and isinstance(data.get(PAGE_CONTENTS), list):
        return data[PAGE_CONTENTS]
    return data if isinstance(data, list) else [data]


def _kind(item: Any) -> str | None:
    """Return which HSDS object a top-level item is, when it is or holds a service."""
    if _is_service(item):
        return "service"
    if isinstance(item, dict) and _is_service(item.get("service")):
        return "service_at_location"
    if isinstance(item, dict) and any(_is_service(s) for s in item.get("services") or []):
        return "organization"
    return None


def _is_service(obj: Any) -> bool:
    return (
        isinstance(obj, dict)
        and "id" in obj
        and "name" in obj
        and len(SERVICE_KEYS & obj.keys()) >= MIN_SERVICE_KEYS
        and not FOREIGN_KEYS & obj.keys()
    )


class _Flattener:
    """Collect nested HSDS objects into tables of flat rows, joined by id columns."""

    def __init__(self):
        self.tables: Tables = {}
        self.origins: dict[str, Any] = {}  # service id → the top-level JSON object it came from
        self._rows: dict[tuple[str, str], dict] = {}

    def add(
        self,
        table: str,
        obj: dict,
        links: dict | None = None,
        position: int = 0,
        origin: Any = None,
    ) -> str:
        """Add an object and everything nested in it; return its id."""
        row = {k: v for k, v in obj.items() if not isinstance(v, dict | list)}
        for column, value in (links or {}).items():
            row.setdefault(column, value)
        for key, (child_table, column) in REFERENCES.get(table, {}).items():
            if isinstance(obj.get(key), dict):
                row.setdefault(column, self.add(child_table, obj[key], None, position, origin))
        key = str(obj.get("id", "")).strip()
        if table == "service" and key:
            # a record's raw form: the top-level item, or the service nested in an organization
            self.origins.setdefault(key, origin if origin is not None else obj)
        self._store(table, key, row, position)
        entity = {"link_entity": LINK_ENTITY[table]} if table in LINK_ENTITY else {}
        for name, (child_table, column) in CHILDREN.get(table, {}).items():
            for child in obj.get(name) or []:
                if isinstance(child, dict):
                    extra = entity if child_table == "attribute" else {}
                    self.add(child_table, child, {column: key, **extra}, position, origin=None)
        return key

    def _store(self, table: str, key: str, row: dict, position: int) -> None:
        known = self._rows.get((table, key)) if key else None
        if known is not None:
            for column, value in row.items():
                if known.get(column) in (None, ""):
                    known[column] = value
            return
        self.tables.setdefault(table, []).append((position, row))
        if key:
            self._rows[table, key] = row


READER = Reader(name="hsds-json", format="hsds", sniff=sniff, read=read)
