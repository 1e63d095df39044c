"""Extreme values through every way in — the agency API, the agency form, feeds — into both
engines, then match and search: never a 500; a value the model refuses is a 4xx, or a quarantined
record, naming its field; a value it takes is published and found by search.

Each test runs on a copy of a small directory (one shelter of one organization, a verified
agency account and an admin), searched by the embedded engine and by Elasticsearch, with a few
generated examples; the values that once broke resdir are always among them (`@example`).
"""

import csv
import json
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from io import StringIO
from pathlib import Path

import pytest
from flask import Flask
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from resdir import accounts, create_app, listings, model, store, submissions
from resdir.model import ListingSchema
from resdir.store import Account, ListingSource, Organization, Source, Submission
from resdir.web import listing_form
from tests.clock import NOW

PASSWORD = "correct horse battery staple"
STAFF, ADMIN = "val@harborlight.example.org", "admin@directory.example.org"
ORGANIZATION = {"id": "harbor-light", "name": "Harbor Light", "url": None, "description": None}
ZIP = "94110"
SHELTER = {
    "name": "Harbor Light Night Shelter",
    "category": "housing",
    "subcategories": ["shelter"],
    "address": {
        "street": "2200 Mission Street",
        "city": "San Francisco",
        "region": "CA",
        "postal_code": ZIP,
        "country": "US",
    },
    "capacity": {"available": 3, "total": 10, "unit": "beds"},
}
TOO_BIG = 9223372036854775808  # one past SQLite's largest integer
MAPPING = Path(__file__).resolve().parents[2] / "ingest" / "mappings" / "resdir-agency.toml"
# Few examples, repeatable: the file runs in well under a minute on both engines. Each write
# is followed by searches and pages; a profile alone is cheap, so it gets more.
EXAMPLES = settings(
    max_examples=6,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
PROFILE_EXAMPLES = settings(EXAMPLES, max_examples=40)


@dataclass
class Directory:
    """A small directory: one shelter, a verified agency account (API token) and an admin."""

    app: Flask
    token: str
    listing: str

    def approve(self, submission_id: str) -> None:
        """Publish a pending submission as the admin does from the review page."""
        with self.app.test_request_context(), store.session() as session:
            admin = session.scalar(select(Account).where(Account.email == ADMIN))
            submissions.approve(session, session.get(Submission, submission_id), admin, NOW)
            session.commit()


def _app(database: Path) -> Flask:
    app = create_app(
        {"DATABASE": str(database), "TESTING": True, "WTF_CSRF_ENABLED": False}
        | {"API_RATE_LIMIT": "off"}
    )
    app.instance_path = str(database.parent / "instance")
    return app


def _account(session, email: str, role: str, organization: str | None) -> Account:
    token = accounts.invite(session, email, role, organization, None, NOW)
    account = accounts.accept_invitation(session, token, email.split("@")[0], PASSWORD, NOW)
    account.verified = True
    session.flush()
    return account


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Directory:
    """Return the small directory, made once for the module: the shelter as its agency proposed
    it and the admin approved it."""
    app = _app(tmp_path_factory.mktemp("extreme") / "resdir.sqlite3")
    with app.test_request_context():
        store.init_db()
        with store.session() as session:
            session.add(Source(id="harbor-feed", name="Harbor Light's feed"))
            session.flush()
            session.add(Organization(source_id="harbor-feed", **ORGANIZATION))
            staff = _account(session, STAFF, "staff", ORGANIZATION["id"])
            _account(session, ADMIN, "admin", None)
            token = accounts.create_token(session, staff, "test", NOW)[1]
            shelter = submissions.submit(session, staff, "new", None, SHELTER, NOW)
            session.commit()
    directory = Directory(app, token, shelter.listing_id)
    directory.approve(shelter.id)
    store.engine(app).dispose()  # the file alone holds everything: no write-ahead log beside it
    return directory


@pytest.fixture(params=["embedded", "elasticsearch"])
def directory(request, template, tmp_path) -> Directory:
    """Return a copy of the small directory, searched by the engine of the parameter."""
    database = tmp_path / "resdir.sqlite3"
    shutil.copyfile(template.app.config["DATABASE"], database)
    app = _app(database)
    if request.param == "elasticsearch":
        request.getfixturevalue("use_elasticsearch")(app, tmp_path.name[-20:].lower())
        result = app.test_cli_runner().invoke(args=["reindex"])
        assert result.exit_code == 0, result.output
    return Directory(app, template.token, template.listing)


def searched(client, listing_id: str) -> bool:
    """Match, search and show the pages around a listing (none may fail), and tell whether the
    match near it finds it."""
    doc = client.get(f"/api/v1/listings/{listing_id}").get_json()
    point = doc["location"]
    where = point or {"postal_code": ZIP}
    near = f"{point['lat']},{point['lon']}" if point else ZIP
    profile = {"location": where, "needs": [doc["category"]], "limit": 100}
    answer = client.post("/api/v1/match", json=profile)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.get_json()["degraded"] is False
    query = f"near={near}&needs={doc['category']}&limit=100"
    shared = client.get(f"/api/v1/search?{query}")
    assert shared.status_code == 200, shared.get_data(as_text=True)
    assert [r["id"] for r in shared.get_json()["results"]] == [
        r["id"] for r in answer.get_json()["results"]
    ]
    for page in (client.get(f"/search?{query}"), client.get(f"/listings/{listing_id}")):
        assert page.status_code == 200, page.request.path
    return listing_id in [r["id"] for r in answer.get_json()["results"]]


def _refused(response, expected: set[str]) -> None:
    """Assert a 422 that names exactly the expected fields."""
    assert response.status_code == 422, response.get_data(as_text=True)
    assert set(response.get_json()["error"]["fields"]) == expected


def _unchanged(response) -> bool:
    """Tell whether the API refused a change for saying what is published already."""
    fields = response.get_json()["error"]["fields"] if response.status_code == 422 else {}
    return list(fields) == ["_schema"]


# --- the agency API --------------------------------------------------------------------------

WHOLE = st.one_of(
    st.integers(-3, model.MAX_CAPACITY + 3),
    st.sampled_from([TOO_BIG, 2**31, 2**63 - 1, -(2**63), model.MAX_CAPACITY]),
)
ANY_NUMBER = st.one_of(
    WHOLE,
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e308, max_value=1e308),
)
POINT = st.tuples(st.floats(-95, 95), st.floats(-185, 185))
LANGUAGES = st.lists(
    st.sampled_from(["en", "es", "yue", "ase", "tl", "zz", "EN", "xx"]), max_size=4
)
URLS = st.sampled_from(
    [
        "https://harborlight.example.org/beds",
        "http://203.0.113.7:8080/intake?lang=es#hours",
        "https://example.org/" + "a" * (model.MAX_URL_LENGTH - 20),
        "javascript:alert(1)",
        "JaVaScRiPt:alert(document.cookie)",
        "data:text/html,<script>alert(1)</script>",
        "ftp://example.org/",
        "https://exa mple.org/",
        "https://user:pass@example.org/",
        "https://example.org/" + "a" * model.MAX_URL_LENGTH,
    ]
)
NAMES = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), min_size=0, max_size=40),
    st.sampled_from(["N" * model.MAX_NAME_LENGTH, "N" * (model.MAX_NAME_LENGTH + 1)]),
    st.just("N" * 100_000),
)


def _whole_in(value, low: int, high: int) -> bool:
    number_ok = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    return number_ok and low <= value <= high


def edit_case(field: str, value) -> tuple[dict, set[str]]:
    """Return the changes of an edit setting one field, and the paths the model refuses."""
    if field == "name":
        bad = {"name"} if not 1 <= len(value) <= model.MAX_NAME_LENGTH else set()
        return {"name": value}, bad
    if field == "url":
        good = value.startswith("http") and " " not in value and "@" not in value
        good = good and len(value) <= model.MAX_URL_LENGTH
        return {"url": value}, set() if good else {"url"}
    if field == "location":
        lat, lon = value
        bad = {"location.lat"} if abs(lat) > 90 else set()
        bad |= {"location.lon"} if abs(lon) > 180 else set()
        if not bad and max(abs(lat), abs(lon)) < model.NULL_ISLAND_DEGREES:
            bad = {"location"}
        return {"location": {"lat": lat, "lon": lon}}, bad
    if field == "postal_code":
        address = {"street": "1 Harbor Way", "city": "San Francisco", "region": "CA"}
        bad = set() if len(value) <= model.MAX_POSTAL_CODE_LENGTH else {"address.postal_code"}
        return {"address": {**address, "postal_code": value, "country": "US"}}, bad
    if field == "ages":
        low, high = value
        ages = {"min_age": low, "max_age": high}
        bad = {f"eligibility.{k}" for k, v in ages.items() if not _whole_in(v, 0, model.MAX_AGE)}
        if not bad and low > high:
            bad = {"eligibility.min_age"}
        eligibility = {"genders": [], "text": None, "required_documents": []}
        return {"eligibility": {**eligibility, "min_age": low, "max_age": high}}, bad
    if field == "amount":
        bad = set() if 0 <= value <= model.MAX_COST_AMOUNT else {"cost.amount"}
        cost = {"kind": "fee", "currency": "USD", "period": "month", "text": None}
        return {"cost": {**cost, "amount": value}}, bad
    if field == "languages":
        bad = {f"languages.{n}" for n, code in enumerate(value) if not model.is_language(code)}
        return {"languages": value}, bad
    if field == "narr_level":
        return {"narr_level": value}, set() if _whole_in(value, 1, 4) else {"narr_level"}
    raise AssertionError(field)


EDITS = st.one_of(
    st.tuples(st.just("name"), NAMES),
    st.tuples(st.just("url"), URLS),
    st.tuples(st.just("location"), POINT),
    st.tuples(
        st.just("postal_code"), st.sampled_from(["94110", "94103-1234", "9" * 13, "9" * 500])
    ),
    st.tuples(st.just("ages"), st.tuples(ANY_NUMBER, ANY_NUMBER)),
    st.tuples(st.just("amount"), ANY_NUMBER),
    st.tuples(st.just("languages"), LANGUAGES),
    st.tuples(st.just("narr_level"), st.one_of(st.integers(-1, 6), st.just(2.5))),
)


def test_agency_api_edits_are_refused_by_name_or_published_and_found(directory):
    client = directory.app.test_client()
    headers = {"Authorization": f"Bearer {directory.token}"}

    @EXAMPLES
    @given(EDITS)
    @example(("url", "javascript:alert(1)"))
    @example(("postal_code", "9" * 500))
    @example(("name", "N" * 100_000))
    @example(("location", (0.0, 0.0)))
    @example(("ages", (1.5, 60)))
    @example(("languages", ["zz"]))
    @example(("amount", 1e300))
    @example(("location", (-89.999, 179.999)))
    def publish(edit):
        changes, bad = edit_case(*edit)
        answer = client.patch(
            f"/api/v1/listings/{directory.listing}", json=changes, headers=headers
        )
        if bad:
            _refused(answer, bad)
        elif not _unchanged(answer):
            assert answer.status_code == 202, answer.get_data(as_text=True)
            directory.approve(answer.get_json()["id"])
        assert searched(client, directory.listing) is True

    publish()


@pytest.mark.parametrize("field", ["name", "url", "location"])
def test_a_new_listing_with_an_extreme_value_is_refused_or_published_and_found(directory, field):
    client = directory.app.test_client()
    headers = {"Authorization": f"Bearer {directory.token}"}
    cases = {
        "name": [("N" * 100_000, True), ("Ñandú House 🏠", False)],
        "url": [("javascript:alert(1)", True), ("https://ñandu.example.org/", False)],
        "location": [((0.0, 0.0), True), ((89.9, -179.9), False)],
    }[field]
    for value, refused in cases:
        extra, bad = edit_case(field, value)
        changes = {"name": "Ñandú House", "category": "housing", **extra}
        answer = client.post(
            "/api/v1/submissions", json={"kind": "new", "changes": changes}, headers=headers
        )
        if refused:
            _refused(answer, {f"changes.{path}" for path in bad})
            continue
        assert answer.status_code == 202, answer.get_data(as_text=True)
        directory.approve(answer.get_json()["id"])
        assert searched(client, answer.get_json()["listing_id"]) is True


def test_beds_from_a_verified_agency_publish_at_once_only_within_the_bounds(directory):
    client = directory.app.test_client()
    headers = {"Authorization": f"Bearer {directory.token}"}

    @EXAMPLES
    @given(WHOLE, st.one_of(st.none(), WHOLE))
    @example(TOO_BIG, None)  # published at once, then every search answered 500
    @example(model.MAX_CAPACITY, model.MAX_CAPACITY)
    def publish(available, total):
        changes = {"available": available, "total": total}
        answer = client.post(
            "/api/v1/submissions",
            json={"kind": "capacity", "listing_id": directory.listing, "changes": changes},
            headers=headers,
        )
        bad = {
            f"changes.{k}"
            for k, v in changes.items()
            if v is not None and not _whole_in(v, 0, model.MAX_CAPACITY)
        }
        if not bad and total is not None and available > total:
            bad = {"changes.available"}
        if bad:
            _refused(answer, bad)
        elif not _unchanged(answer):
            assert answer.status_code == 202 and answer.get_json()["status"] == "published"
            listing = client.get(f"/api/v1/listings/{directory.listing}").get_json()
            assert listing["capacity"]["available"] == available
        assert searched(client, directory.listing) is True

    publish()


# --- a person's profile ----------------------------------------------------------------------

OFFSETS = st.sampled_from([timedelta(hours=14), timedelta(hours=-12), timedelta(0)])
INSTANTS = st.builds(
    lambda moment, offset: moment.replace(tzinfo=timezone(offset)),
    st.datetimes(datetime(1, 1, 2), datetime(9999, 12, 30)),
    OFFSETS,
)


def test_a_profile_at_any_instant_is_matched_or_refused_by_name(directory):
    client = directory.app.test_client()

    @PROFILE_EXAMPLES
    @given(INSTANTS, st.one_of(st.none(), st.integers(1, 14 * 24 * 60)))
    @example(datetime(9999, 12, 31, 23, 0, tzinfo=timezone(timedelta(hours=14))), None)
    @example(datetime(1, 1, 1, 0, 0, tzinfo=timezone(timedelta(hours=-12))), None)
    @example(datetime(2100, 12, 31, 23, 59, tzinfo=timezone(timedelta(hours=-12))), 60)
    def match(start, minutes):
        if minutes is None:
            when, named = {"at": start.isoformat()}, "when.at"
        else:
            end = start + timedelta(minutes=minutes) if start.year < 9999 else start
            when, named = {"from": start.isoformat(), "to": end.isoformat()}, "when.from"
        profile = {"location": {"postal_code": ZIP}, "needs": ["housing"], "when": when}
        answer = client.post("/api/v1/match", json=profile)
        if model.EARLIEST_YEAR <= start.year <= model.LATEST_YEAR and (
            minutes is None or model.EARLIEST_YEAR <= end.year <= model.LATEST_YEAR
        ):
            assert answer.status_code == 200, answer.get_data(as_text=True)
        else:
            assert answer.status_code == 422, answer.get_data(as_text=True)
            fields = answer.get_json()["error"]["fields"]
            assert named in fields or "when.to" in fields, fields

    match()


# --- the agency form -------------------------------------------------------------------------

FORM_CASES = st.one_of(
    st.tuples(st.just("name"), st.sampled_from(["Ñandú House", "N" * 100_000, "N" * 501])),
    st.tuples(
        st.just("url"),
        st.sampled_from(["www.harborlight.org", "javascript:alert(1)", "https://exa mple.org"]),
    ),
    st.tuples(st.just("address.postal_code"), st.sampled_from(["94103", "9" * 500, "<b>9</b>"])),
    st.tuples(
        st.sampled_from(["capacity.available", "eligibility.min_age", "cost.amount"]),
        st.one_of(
            st.integers(-2, 200_000).map(str),
            st.sampled_from([str(TOO_BIG), "1.5", "1e300", "12,000", "$25"]),
        ),
    ),
    st.tuples(st.just("languages"), st.sampled_from(["Spanish, Cantonese", "Blorgish", "zz"])),
    st.tuples(st.just("description"), st.sampled_from(["d" * 20_000, "d" * 20_001])),
)


# The form's number boxes: the most each takes, and whether it takes whole numbers only.
NUMBER_BOXES = {
    "capacity.available": (model.MAX_CAPACITY, True),
    "eligibility.min_age": (model.MAX_AGE, True),
    "cost.amount": (model.MAX_COST_AMOUNT, False),
}
REFUSED_ENTRIES = frozenset(
    {
        "N" * 100_000,
        "N" * 501,
        "javascript:alert(1)",
        "https://exa mple.org",
        "9" * 500,
        "<b>9</b>",
        "Blorgish",
        "zz",
        "d" * 20_001,
    }
)


def _form_refuses(name: str, text: str) -> bool:
    """Tell whether the agency form refuses an entry (its rules, written out independently)."""
    if name not in NUMBER_BOXES:
        return text in REFUSED_ENTRIES
    most, whole = NUMBER_BOXES[name]
    written = text.removeprefix("$") if name == "cost.amount" else text
    try:
        value = float(written.replace(",", ""))
    except ValueError:
        return True
    return not (0 <= value <= most and (value.is_integer() or not whole))


def _form(doc: dict) -> MultiDict:
    """Return the edit form of a listing as the browser posts it unchanged."""
    values, _rows = listing_form.form_values(doc)
    pairs = []
    for name, value in values.items():
        pairs += [(name, v) for v in value] if isinstance(value, list) else [(name, value)]
    return MultiDict(pairs)


def test_the_agency_form_refuses_by_field_or_publishes_and_finds(directory):
    client = directory.app.test_client()
    signed_in = client.post("/login", data={"email": STAFF, "password": PASSWORD})
    assert signed_in.status_code == 302, signed_in.get_data(as_text=True)
    edit = f"/agency/listings/{directory.listing}/edit"

    @EXAMPLES
    @given(FORM_CASES)
    @example(("capacity.available", str(TOO_BIG)))
    @example(("eligibility.min_age", "1.5"))
    def post(case):
        name, text = case
        with directory.app.app_context(), store.session() as session:
            form = _form(listings.load_document(session, directory.listing))
        form[name] = text
        if name == "capacity.available":
            form["capacity.total"] = ""
        page = client.post(edit, data=form)
        html = page.get_data(as_text=True)
        assert page.status_code < 500, html
        if _form_refuses(name, text):
            assert page.status_code == 422 and f'id="{name}-error"' in html, html
        elif page.status_code == 422:
            assert "Nothing has changed" in html and 'class="error"' not in html, html
        else:
            assert page.status_code == 302, html
            directory.approve(page.headers["Location"].rstrip("/").rsplit("/", 1)[1])
        assert searched(client, directory.listing) is True

    post()


def test_a_new_listing_with_a_category_and_no_kind_of_service_is_sent(directory):
    client = directory.app.test_client()
    client.post("/login", data={"email": STAFF, "password": PASSWORD})
    page = client.post(
        "/agency/listings/new",
        data={"name": "Harbor Light Day Center", "category": "housing", "address.postal_code": ZIP},
    )
    assert page.status_code == 302, page.get_data(as_text=True)


# --- feeds -----------------------------------------------------------------------------------

CSV_CASES = st.one_of(
    st.tuples(st.just("Available"), WHOLE.map(str)),
    st.tuples(st.just("Min Age"), ANY_NUMBER.map(str)),
    st.tuples(st.just("Latitude"), POINT.map(lambda p: f"{p[0]}|{p[1]}")),
    st.tuples(st.just("Website"), URLS),
    st.tuples(st.just("ZIP"), st.sampled_from(["94103", "9" * 500])),
    st.tuples(st.just("Name"), NAMES.filter(lambda n: n.strip())),
    st.tuples(
        st.just("Capacity As Of"), st.sampled_from(["9999-12-31", "0001-01-01", "2026-12-01"])
    ),
)


def _ingest(app: Flask, folder: Path, name: str, text: str) -> dict:
    """Ingest a feed file as a partial snapshot through the CLI; return its source's report."""
    feed = folder / name
    feed.write_text(text, "utf-8")
    mapping = f'mapping = "{MAPPING}"\n' if name.endswith(".csv") else ""
    manifest = folder / "manifest.toml"
    manifest.write_text(
        f'[[sources]]\nid = "feed"\npath = "{feed}"\nsnapshot = "partial"\n{mapping}', "utf-8"
    )
    report = folder / "report.json"
    result = app.test_cli_runner().invoke(args=["ingest", str(manifest), "--report", str(report)])
    assert result.exit_code == 0, result.output
    [source] = json.loads(report.read_text())["sources"]
    assert source["read"] == source["accepted"] + source["rejected"] == 1
    return source


def _feed_listings(app: Flask) -> list[dict]:
    with app.app_context(), store.session() as session:
        ids = session.scalars(
            select(ListingSource.listing_id).where(ListingSource.source_id == "feed")
        ).all()
        return list(listings.load_documents(session, sorted(set(ids))).values())


def _loaded_or_quarantined(directory: Directory, source: dict, refused: set[str]) -> None:
    """Assert a record the model refuses is quarantined naming its field, and one it takes is
    stored within the bounds and found by search."""
    client = directory.app.test_client()
    errors = [p for p in source["problems"] if p["severity"] == "error"]
    if source["rejected"]:
        assert errors and all(p["field"] for p in errors), errors
    assert {p["field"] for p in errors} >= refused, source["problems"]
    for doc in _feed_listings(directory.app):
        assert ListingSchema().validate(doc) == {}
        assert searched(client, doc["id"]) is True


def test_an_agency_spreadsheet_feed_quarantines_by_field_or_loads_and_finds(directory, tmp_path):
    columns = listing_form.template_columns()

    @EXAMPLES
    @given(CSV_CASES)
    @example(("Available", str(TOO_BIG)))  # once killed resdir ingest and resdir reindex
    @example(("Latitude", "0|0"))
    @example(("Website", "javascript:alert(1)"))
    def load(case):
        column, text = case
        row = {
            "Name": "Harbor Light Family Shelter",
            "Category": "Shelter",
            "Street": "1 Harbor Way",
            "City": "San Francisco",
            "State": "CA",
            "ZIP": "94103",
            "Available": "2",
            "Total": "",
        }
        if column == "Latitude":
            row["Latitude"], row["Longitude"] = text.split("|")
        else:
            row[column] = text
        source = _ingest(directory.app, tmp_path, "feed.csv", _csv(columns, row))
        refused = set()
        if column == "Available" and not _whole_in(int(text), 0, model.MAX_CAPACITY):
            refused = {"capacity.available"}
        _loaded_or_quarantined(directory, source, refused)

    load()
    result = directory.app.test_cli_runner().invoke(args=["reindex"])
    assert result.exit_code == 0, result.output


def _csv(columns: list[str], row: dict) -> str:
    out = StringIO()
    writer = csv.DictWriter(out, columns)
    writer.writeheader()
    writer.writerow(row)
    return out.getvalue()


MEETING_CASES = st.one_of(
    st.tuples(st.just("latitude"), POINT),
    st.tuples(
        st.just("updated"), st.sampled_from(["9999-12-31 23:59:59", "0001-01-01", "garbage"])
    ),
    st.tuples(st.just("name"), NAMES.filter(lambda n: n.strip())),
    st.tuples(st.just("postal_code"), st.sampled_from(["94110", "9" * 500])),
    st.tuples(st.just("url"), URLS),
    st.tuples(st.just("conference_url"), URLS),
    st.tuples(st.just("day"), st.one_of(st.integers(-2, 9), st.just(TOO_BIG), st.just("Funday"))),
    st.tuples(st.just("time"), st.sampled_from(["19:00", "25:99", "7 PM", ""])),
)


def test_a_meeting_feed_quarantines_by_field_or_loads_and_finds(directory, tmp_path):
    @EXAMPLES
    @given(MEETING_CASES)
    @example(("latitude", (0.0, 0.0)))
    @example(("updated", "9999-12-31 23:59:59"))
    def load(case):
        field, value = case
        meeting = {
            "name": "Harbor Light Serenity Group",
            "slug": "harbor-light-serenity",
            "day": 2,
            "time": "19:00",
            "end_time": "20:00",
            "location": "Harbor Light Hall",
            "address": "1 Harbor Way",
            "city": "San Francisco",
            "state": "CA",
            "postal_code": "94103",
            "types": ["O", "D"],
            "updated": "2026-11-30 10:00:00",
        }
        if field == "latitude":
            meeting["latitude"], meeting["longitude"] = value
        else:
            meeting[field] = value
        source = _ingest(directory.app, tmp_path, "meetings.json", json.dumps([meeting]))
        _loaded_or_quarantined(directory, source, set())

    load()
