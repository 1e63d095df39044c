"""Route the HSDS 3.0 API (/hsds): services, service_at_locations, organizations, taxonomies
and taxonomy terms of the published directory, as the Open Referral spec's openapi.json lays
them out."""

from datetime import UTC, datetime

from flask import Blueprint, jsonify, request
from werkzeug.exceptions import NotFound

from resdir import hsds, store
from resdir.api import errors
from resdir.api.hsds_catalog import (
    DEFAULT_PER_PAGE,
    MAX_PER_PAGE,
    Catalog,
    Entry,
    Filters,
    catalog,
    page,
    select_entries,
)

SPEC_OPENAPI_URL = (
    "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/openapi.json"
)
TRUE_WORDS, FALSE_WORDS = ("true", "1", "yes"), ("false", "0", "no", "")
FORMATS = ("json",)  # ndjson, the spec's other format, is not served

blueprint = Blueprint("hsds", __name__, url_prefix="/hsds")
errors.register(blueprint)


@blueprint.after_request
def _public(response):
    # Public data, for another directory's page or server to read.
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _iso_instant(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


class _Query:
    """Read and check a list request's query parameters, collecting every bad one."""

    def __init__(self):
        self.bad: dict[str, list[str]] = {}

    def number(self, name: str, default: int, high: int | None = None) -> int:
        text = request.args.get(name, "").strip()
        if not text:
            return default
        if not text.isdigit() or int(text) < 1 or (high is not None and int(text) > high):
            upper = f" up to {high}" if high else ""
            self.bad[name] = [f"Give a whole number from 1{upper}."]
            return default
        return int(text)

    def flag(self, name: str) -> bool:
        text = request.args.get(name, "false").strip().lower()
        if text not in TRUE_WORDS + FALSE_WORDS:
            self.bad[name] = ["Give true or false."]
            return False
        return text in TRUE_WORDS

    def instant(self, name: str) -> datetime | None:
        text = request.args.get(name, "").strip()
        if not text:
            return None
        # An offset's "+" left unencoded in a URL arrives as a space ("...T18:00:00 00:00").
        tries = (text.replace("Z", "+00:00"), text.replace(" ", "+"))
        moment = next(filter(None, map(_iso_instant, tries)), None)
        if moment is None:
            self.bad[name] = ["Give a date and time in ISO 8601, such as 2026-12-01T00:00:00Z."]
            return None
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)

    def text(self, name: str) -> str | None:
        text = request.args.get(name)
        return text.strip() if text is not None and text.strip() else None

    def paging(self) -> tuple[int, int]:
        per_page = self.number("per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE)
        fmt = request.args.get("format", "json").strip().lower()
        if fmt not in FORMATS:
            self.bad["format"] = ["Only json is served."]
        return self.number("page", 1), per_page

    def filters(self) -> Filters:
        return Filters(
            search=self.text("search"),
            taxonomy_term_id=self.text("taxonomy_term_id"),
            taxonomy_id=self.text("taxonomy_id"),
            organization_id=self.text("organization_id"),
            modified_after=self.instant("modified_after"),
        )

    def check(self) -> None:
        if self.bad:
            names = ", ".join(sorted(self.bad))
            raise errors.ApiError(400, "bad_parameters", f"Not valid: {names}", self.bad)


def _paged(items: list, number: int, per_page: int, shape) -> dict:
    chosen, envelope = page(items, number, per_page)
    return envelope | {"contents": [shape(item) for item in chosen]}


def _full_service(entry: Entry) -> dict:
    return hsds.service(entry.doc, entry.modified)


def _summary(entry: Entry) -> dict:
    return hsds.service_summary(entry.doc, entry.modified)


def _minimal(entry: Entry) -> dict:
    summary = _summary(entry)
    return {k: summary[k] for k in ("id", "name", "status", "last_modified") if k in summary}


def _found(table: dict, key: str, what: str):
    if key not in table:
        raise NotFound(f"No {what} has the id {key!r}.")
    return table[key]


@blueprint.get("/")
def about():
    """Say which HSDS version this API serves, and where its profile and OpenAPI are."""
    return jsonify(
        {"version": hsds.HSDS_VERSION, "profile": hsds.PROFILE_URL, "openapi_url": SPEC_OPENAPI_URL}
    )


@blueprint.get("/services")
def services():
    """List the published services, filtered and paged; `minimal` gives ids and dates only."""
    query = _Query()
    number, per_page = query.paging()
    filters = query.filters()
    minimal, full = query.flag("minimal"), query.flag("full")
    query.check()
    with store.session() as session:
        entries = select_entries(session, catalog(session), filters)
    shape = _minimal if minimal else _full_service if full else _summary
    return jsonify(_paged(entries, number, per_page, shape))


@blueprint.get("/services/<service_id>")
def service(service_id: str):
    """Return one service with its places, schedules, phones and taxonomy terms."""
    with store.session() as session:
        entry = _found(catalog(session).services, service_id, "service")
    return jsonify(_full_service(entry))


def _place_summary(entry: Entry) -> dict:
    full = hsds.service_at_location(entry.doc)
    location = {k: v for k, v in full["location"].items() if not isinstance(v, list)}
    keep = ("id", "service_id", "location_id")
    return {k: full[k] for k in keep} | {"location": location, "service": _summary(entry)}


def _full_place(entry: Entry) -> dict:
    return hsds.service_at_location(entry.doc, with_service=_full_service(entry))


@blueprint.get("/service_at_locations")
def service_at_locations():
    """List the services at their places (area-wide services have none), filtered and paged."""
    query = _Query()
    number, per_page = query.paging()
    filters = query.filters()
    full = query.flag("full")
    query.check()
    with store.session() as session:
        entries = [
            e
            for e in select_entries(session, catalog(session), filters)
            if e.service_at_location_id
        ]
    return jsonify(_paged(entries, number, per_page, _full_place if full else _place_summary))


@blueprint.get("/service_at_locations/<place_id>")
def service_at_location(place_id: str):
    """Return one service at its place, the service nested."""
    with store.session() as session:
        entry = _found(catalog(session).places, place_id, "service_at_location")
    return jsonify(_full_place(entry))


def _organization(found: Catalog, organization_id: str, full_service: bool) -> dict:
    shape = _full_service if full_service else _summary
    services = [shape(e) for e in found.of_organization(organization_id)]
    return hsds.organization(found.organizations[organization_id], services)


@blueprint.get("/organizations")
def organizations():
    """List the organizations that offer published services, by name."""
    query = _Query()
    number, per_page = query.paging()
    text = query.text("search")
    full, full_service = query.flag("full"), query.flag("full_service")
    query.check()
    with store.session() as session:
        found = catalog(session)
        ids = sorted(
            found.organizations, key=lambda i: (found.organizations[i]["name"].casefold(), i)
        )
        if text is not None:
            offering = {
                e.organization_id for e in select_entries(session, found, Filters(search=text))
            }
            ids = [i for i in ids if i in offering]
    if full or full_service:
        shape = lambda i: _organization(found, i, full_service)  # noqa: E731
    else:
        shape = lambda i: hsds.organization_summary(found.organizations[i])  # noqa: E731
    return jsonify(_paged(ids, number, per_page, shape))


@blueprint.get("/organizations/<organization_id>")
def organization(organization_id: str):
    """Return one organization with its services (in full with `full_service`)."""
    query = _Query()
    full_service = query.flag("full_service")
    query.check()
    with store.session() as session:
        found = catalog(session)
        _found(found.organizations, organization_id, "organization")
    return jsonify(_organization(found, organization_id, full_service))


@blueprint.get("/taxonomies")
def taxonomies():
    """List the taxonomies: resdir's own, Meeting Guide types, and those the sources use."""
    query = _Query()
    number, per_page = query.paging()
    text = (query.text("search") or "").casefold()
    query.check()
    with store.session() as session:
        found = catalog(session)
    items = [t for t in found.taxonomies.values() if text in t["name"].casefold()]
    return jsonify(_paged(items, number, per_page, lambda t: t))


@blueprint.get("/taxonomies/<taxonomy_id>")
def taxonomy(taxonomy_id: str):
    """Return one taxonomy."""
    with store.session() as session:
        found = catalog(session)
    return jsonify(_found(found.taxonomies, taxonomy_id, "taxonomy"))


@blueprint.get("/taxonomy_terms")
def taxonomy_terms():
    """List the taxonomy terms, by taxonomy, parent or words of their code and name."""
    query = _Query()
    number, per_page = query.paging()
    # Terms are the vocabulary, not the listings: a match on their words is enough here.
    text = (query.text("search") or "").casefold()
    in_taxonomy, parent = query.text("taxonomy_id"), query.text("parent_id")
    top_only = query.flag("top_only")
    query.check()
    with store.session() as session:
        found = catalog(session)
    items = [
        hsds.term_object(t)
        for t in found.terms.values()
        if text in f"{t.code} {t.name}".casefold()
        and (in_taxonomy is None or hsds.taxonomy_id(t.scheme) == in_taxonomy)
        and (not top_only or t.parent is None)
    ]
    if parent is not None:
        items = [t for t in items if t.get("parent_id") == parent]
    return jsonify(_paged(items, number, per_page, lambda t: t))


@blueprint.get("/taxonomy_terms/<term_id>")
def taxonomy_term(term_id: str):
    """Return one taxonomy term."""
    with store.session() as session:
        found = catalog(session)
    return jsonify(hsds.term_object(_found(found.terms, term_id, "taxonomy term")))
