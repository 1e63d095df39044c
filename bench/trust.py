"""Re-run issue 10's probes against a real gunicorn and a real SQLite file: tried, and failed.

The directory is the demo one (data/seed/, loaded by tests/seed.py) with staff of two agencies
(Fog City Sober Living, 4 listings, and Mariposa Women's Recovery Homes, 5), six admins and a few
accounts of its own; each server is gunicorn as tests/server.py runs it (3 worker processes of 2
threads, CSRF on, the clock stopped at tests/clock.py's NOW) on a copy of one SQLite file.

What held up before, and must stay at 0:
- cross-agency: staff of each agency reading, editing, verifying, posting beds and reading the
  submissions of the other's listings, through the portal and the API: every answer must be a
  403 or a 404, and nothing submitted;
- reflected payloads: script, HTML, quote, template, entity and `javascript:` payloads in every
  query and form field of the public pages, the peer console and the API, and in their paths: an
  HTML answer holding a payload unescaped fails, so does a JSON answer holding one without
  `X-Content-Type-Options: nosniff`;
- CSRF: every portal, admin and account form posted without a token and with a forged one: each
  must be a 400 that changes nothing;
- a peer session with values only it uses (words, an age, barriers about medication, status and a
  record) must leave none of them in the database file (its write-ahead log and the embedded
  index's tables included) or the server's log (access lines, query strings included).

The failures issue 10 lists, re-run as they were found:
- privacy: an agency spreadsheet with a confidential row (and a different row under the same
  name), ingested with `--mapping resdir-agency`: the street and house number looked for in every
  table, the ingest report, `resdir problems --raw`, the API's answers and the public page;
  `GET /api/v1/search` with each profile field (barriers, values, languages, gender, age);
- concurrent writers: six admins approving six agency edits of one listing at once, for several
  rounds (changes missing from the listing though their approval said published, duplicate
  version numbers, answers other than the redirect of a publication); 20 simultaneous bed counts
  from a verified agency (versions written short of 20); an edit form opened, another change
  approved, the form saved and approved (the other change undone); searches right after each of
  several publications, across the workers (5xx); a synthetic Meeting Guide feed of 5,000
  meetings ingested by `resdir ingest` while threads search and submit (5xx, "database is
  locked");
- values that get published: beds 9223372036854775808 from a verified agency, then the match,
  search, peer and listing pages (5xx); `when.at` in the year 9999 at +14:00; through the agency
  API a `javascript:` URL, a 500-digit postal code, a 100 kB name, 0,0 coordinates, age 1.5 and an
  unknown language code (accepted is a failure); `POST /agency/listings/new` with a category and
  no kind of service (5xx);
- feeds, each with `resdir ingest` on a fresh copy: a full snapshot of one malformed Meeting
  Guide record, a spreadsheet cut mid-file, a spreadsheet of two rows (listings unpublished, and
  exit 0 instead of a refusal), and a feed repeating an id with another meeting (listings made
  beyond one per id);
- sessions and limits: a session cookie replayed after signing out; 12 wrong passwords at once
  against the limit of 5 (checks past the limit); five wrong guesses from one address, then the
  owner signing in from another; the public API hammered from one address (answers past 120 a
  minute per worker, and whether the 429s say Retry-After);
- Elasticsearch, when `--elasticsearch-url` is given or a node answers on 127.0.0.1:9200: a node
  stalled behind tests/proxy.py's StallingProxy (searches not answered degraded within 3 s), and
  a rebuild killed while it loads followed by `resdir reindex` (orphan indexes left).

It measures and never asserts: the table says what it saw, and the exit status is 0 whatever the
figures (1 only when a probe itself broke, which its row then says). It is not a test and `make
test` never runs it.

Run from the repository root (under 3 minutes on a 2-core machine):
    .venv/bin/python bench/trust.py
    .venv/bin/python bench/trust.py --rounds 1 --meetings 1000 --payloads 3 --no-elasticsearch
    .venv/bin/python bench/trust.py --elasticsearch-url http://127.0.0.1:9200 --json trust.json
"""

import argparse
import importlib.util
import json
import os
import platform
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, urlparse

import requests
from requests.adapters import HTTPAdapter
from rich.console import Console
from rich.table import Table
from sqlalchemy import select

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # tests/: the gunicorn runner, the demo directory, clock and proxy

from resdir import accounts, store  # noqa: E402
from resdir.listings import listing_id  # noqa: E402
from resdir.store import Account, Listing, Organization  # noqa: E402
from tests.clock import NOW  # noqa: E402
from tests.proxy import StallingProxy  # noqa: E402
from tests.seed import load_seed  # noqa: E402
from tests.server import Gunicorn  # noqa: E402

RESDIR = Path(sys.executable).parent / "resdir"
GENERATOR = REPO / "bench" / "generate.py"
SEED = REPO / "data" / "seed"
AGENCY_TEMPLATE = REPO / "resdir" / "static" / "agency-listings.csv"
DEFAULT_ELASTICSEARCH_URL = "http://127.0.0.1:9200"
TABLE_WIDTH = 120
REQUEST_SECONDS = 60  # well past gunicorn's 30 s worker timeout: a killed worker shows as a 5xx
CLI_SECONDS = 600

# -- the directory's people ---------------------------------------------------------------------
PASSWORD = "correct horse battery staple"
FOG_CITY = "Fog City Sober Living"
MARIPOSA = "Mariposa Women's Recovery Homes"
NOE_HOUSE = listing_id("seed-residences", "RR-1001")  # Fog City's, 2 of 8 beds open
NOE_ZIP = "94131"
STAFF = "dana@fogcity.example.org"  # Fog City staff: every change goes to review
VERIFIED = "lee@fogcity.example.org"  # Fog City, verified: beds and "still accurate" publish
OTHER = "kim@mariposa.example.org"  # Mariposa staff
TARGET = "ivy@mariposa.example.org"  # the account the admin forms of the CSRF probe act on
GUESSED = "gus@fogcity.example.org"  # the concurrent wrong guesses
OWNER = "olga@fogcity.example.org"  # guessed at from one address, signing in from another
REPLAYED = "ray@fogcity.example.org"  # signs out, then a copy of the cookie comes back
INVITED = "new@fogcity.example.org"  # holds an invitation nobody used (a CSRF target)
ADMINS = tuple(f"admin{n}@resdir.example.org" for n in range(1, 7))
STAFF_OF = {
    FOG_CITY: (STAFF, GUESSED, OWNER, REPLAYED),
    MARIPOSA: (OTHER, TARGET),
}
TOKEN_HOLDERS = (STAFF, VERIFIED, OTHER)

# -- sizes (each an option) ---------------------------------------------------------------------
DEFAULT_ROUNDS = 3  # of six admins approving at once
DEFAULT_BEDS = 20  # simultaneous bed counts
DEFAULT_STALE_ROUNDS = 2
DEFAULT_SEARCHES = 160  # right after publications
SEARCHES_PER_PUBLICATION = 20
DEFAULT_MEETINGS = 5000
DEFAULT_GUESSES = 12
LOGIN_ATTEMPTS = 5
DEFAULT_HAMMER = 600
API_LIMIT_PER_MINUTE = 120
WORKERS = 3  # tests/server.py's default: every server here runs that many
# Where each kind of client connects from (all of 127.0.0.0/8 is this host): wrong passwords and
# floods from one must not limit the others, as they would when an address is locked out whole.
GUESSERS_ADDRESS = "127.0.0.2"
LOCKING_ADDRESS, OWNER_ADDRESS = "127.0.0.3", "127.0.0.4"
FLOOD_ADDRESS = "127.0.0.5"
PAYLOAD_ADDRESS = "127.0.0.6"
DEFAULT_THREADS = 4  # client threads for the reflected payloads
SEED_VALUE = 10  # the synthetic feed's random stream

# -- searches: three places and needs of the demo directory --------------------------------------
PROFILES = (
    {"location": {"postal_code": NOE_ZIP}, "needs": ["housing"]},
    {"location": {"postal_code": "94110"}, "needs": ["sober_social.meeting"]},
    {"location": {"postal_code": "94103"}, "needs": ["housing", "childcare"]},
)
SEARCH_QUERIES = ("near=94131&needs=housing", "near=94110&needs=sober_social.meeting")

# -- the confidential row -----------------------------------------------------------------------
SAFE_HOUSE = {
    "Name": "Secret Safe House",
    "Category": "Emergency shelter",
    "Phone": "(415) 555-0199",
    "Street": "742 Evergreen Terrace",
    "City": "San Francisco",
    "State": "CA",
    "ZIP": "94110",
    "Latitude": "37.75123",
    "Longitude": "-122.41456",
    "Confidential Address": "Yes",
    "How To Get Started": "Call the hotline; staff meet you nearby.",
    "Women Only": "Yes",
}
SAFE_REPEAT = SAFE_HOUSE | {"Phone": "(415) 555-0100"}  # another record under the same name
HARBOR = SAFE_HOUSE | {
    "Name": "Harbor House",
    "Street": "1 Pier Rd",
    "Latitude": "37.80050",
    "Longitude": "-122.40001",
    "Confidential Address": "No",
}
# The street as written, its slug, or the house number on its own (not inside an id or a number).
STREET = re.compile(r"evergreen|(?<![\w.\-])742(?![\w\-])", re.IGNORECASE)

# -- reflected payloads: what is sent, and what would show it came back unescaped ----------------
PAYLOADS = (
    ('<script>alert("rx1")</script>', re.escape('<script>alert("rx1")</script>')),
    ("\"><img src=x onerror=alert('rx2')>", re.escape("<img src=x onerror=alert('rx2')>")),
    ("' onmouseover='alert(3)", re.escape("' onmouseover='alert(3)")),
    ("</textarea><b>rx4</b>", re.escape("<b>rx4</b>")),
    ("{{7*7777}}", r"(?<![\w\-])54439(?![\w\-])"),  # a template that ran
    ("&lt;svg onload=alert(5)&gt;", re.escape("<svg onload=alert(5)>")),  # decoded, then not
    ("javascript:alert(7)", r"(?:href|src|action)\s*=\s*[\"']?\s*javascript:alert\(7\)"),
    ("%3Cscript%3Ealert(8)%3C%2Fscript%3E", re.escape("<script>alert(8)</script>")),
)
# fmt: off
API_SEARCH_PARAMS = (
    "near", "needs", "mode", "max_minutes", "when", "from", "to", "at", "day", "q", "cursor",
    "limit", "lang", "show_hidden", "barriers", "values", "languages", "gender", "age",
)
# fmt: on
BASE_PROFILE = {"location": {"postal_code": "94110"}, "needs": ["housing"]}
MATCH_FIELDS: dict[str, Callable[[str], dict]] = {
    "location.postal_code": lambda p: {"location": {"postal_code": p}},
    "location.lat": lambda p: {"location": {"lat": p, "lon": -122.41}},
    "needs": lambda p: {"needs": [p]},
    "barriers": lambda p: {"barriers": [p]},
    "barriers (code)": lambda p: {"barriers": {p: "require"}},
    "barriers (strength)": lambda p: {"barriers": {"on_moud": p}},
    "values (code)": lambda p: {"values": {p: "prefer"}},
    "values (strength)": lambda p: {"values": {"secular": p}},
    "gender": lambda p: {"gender": p},
    "age": lambda p: {"age": p},
    "languages": lambda p: {"languages": [p]},
    "travel.mode": lambda p: {"travel": {"mode": p}},
    "travel.max_minutes": lambda p: {"travel": {"mode": "transit", "max_minutes": p}},
    "when.at": lambda p: {"when": {"at": p}},
    "when.from": lambda p: {"when": {"from": p, "to": "2026-12-03T20:00:00-08:00"}},
    "q": lambda p: {"q": p},
    "show_hidden": lambda p: {"show_hidden": p},
    "cursor": lambda p: {"cursor": p},
    "limit": lambda p: {"limit": p},
    "a field of its own": lambda p: {p: p},
}

# -- the peer session: values only this session uses ---------------------------------------------
PRIVATE_BARRIERS = ("on_moud", "undocumented", "justice_involved")
PRIVATE_AGE = "73"

# -- values that once got published -------------------------------------------------------------
TOO_BIG = 9223372036854775808  # one past SQLite's largest integer
FAR_FUTURE = "9999-12-31T23:00:00+14:00"
NOE_ADDRESS = {"street": "4120 26th St", "city": "San Francisco", "region": "CA", "country": "US"}
EXTREME_EDITS = {
    "javascript: URL": {"url": "javascript:alert(1)"},
    "500-digit postal code": {"address": NOE_ADDRESS | {"postal_code": "9" * 500}},
    "100 kB name": {"name": "N" * 100_000},
    "0,0 coordinates": {"location": {"lat": 0.0, "lon": 0.0}},
    "age 1.5": {
        "eligibility": {
            "genders": [],
            "min_age": 1.5,
            "max_age": 60,
            "text": None,
            "required_documents": [],
        }
    },
    "language zz": {"languages": ["zz"]},
}

# -- Elasticsearch ------------------------------------------------------------------------------
DEGRADED_WITHIN_SECONDS = 3.0
STALLED_SEARCHES = 6
LATE_ENOUGH = 2  # searches past the budget after which the probe stops asking (each may take 30 s)
RECOVERY_SECONDS = 20.0
ES_WORKERS = 2
WARM_UP_ROUNDS = 10
# A rebuild in a process of its own that stops in the middle of its load, to be killed there.
INTERRUPTED_REBUILD = """
import sys, time
from pathlib import Path
from resdir import create_app, search, store

database, url, alias, marker = sys.argv[1:]
app = create_app({"DATABASE": database, "SEARCH": "elasticsearch",
                  "ELASTICSEARCH_URL": url, "ELASTICSEARCH_INDEX": alias})

def stall(docs, total):
    for n, doc in enumerate(docs):
        if n == 10:
            Path(marker).touch()
            time.sleep(600)
        yield doc

with app.app_context(), store.session() as session:
    search.rebuild(search.engine(), session, stall)
"""


# -- what a probe reports -----------------------------------------------------------------------


@dataclass
class Row:
    """One probe's figures: how many tries, how many of them failed in each way, and a note."""

    probe: str
    tried: int
    failed: dict[str, int]
    note: str = ""
    broke: bool = False  # the probe itself raised: its figures are incomplete

    def failures(self) -> int:
        """Return the count of every way it failed."""
        return sum(self.failed.values())


@dataclass
class Directory:
    """The demo directory with its accounts, in a SQLite file each server gets a copy of."""

    database: Path
    fog: list[str]
    mariposa: list[str]
    tokens: dict[str, str]  # email -> API token
    token_ids: dict[str, int]
    account_ids: dict[str, int]
    invitation: str
    reset: str


@dataclass
class Served:
    """A running server, the copy of the directory it serves, and the bench's work folder."""

    server: Gunicorn
    directory: Directory
    database: Path
    folder: Path
    options: argparse.Namespace
    settings: dict  # the RESDIR_* settings it runs with, for commands on the same store

    @property
    def url(self) -> str:
        """Return the server's base URL."""
        return self.server.url


# -- HTTP ---------------------------------------------------------------------------------------


class FromAddress(HTTPAdapter):
    """Connect from another loopback address (all of 127.0.0.0/8 is this host), so that the
    server sees another client."""

    def __init__(self, address: str):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        """Bind every connection to the address."""
        super().init_poolmanager(*args, **kwargs, source_address=(self.address, 0))


CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


class Browser:
    """One person's browser: its own cookies, forms posted with the CSRF token its pages give
    (or without, `csrf=False`), from 127.0.0.1 or another loopback address."""

    def __init__(self, url: str, address: str | None = None):
        self.url = url
        self.http = requests.Session()
        if address:
            self.http.mount("http://", FromAddress(address))
        self.token: str | None = None
        self.token_page = "/login"

    def get(self, path: str, **kwargs) -> requests.Response:
        """GET a path, redirects not followed."""
        return self.http.get(
            self.url + path, allow_redirects=False, timeout=REQUEST_SECONDS, **kwargs
        )

    def post(self, path: str, data=(), csrf: bool = True, **kwargs) -> requests.Response:
        """POST a form (a dict or pairs), with the session's CSRF token unless told not to."""
        pairs = list(data.items() if isinstance(data, dict) else data)
        if csrf:
            pairs.append(("csrf_token", self.csrf()))
        return self.http.post(
            self.url + path, data=pairs, allow_redirects=False, timeout=REQUEST_SECONDS, **kwargs
        )

    def csrf(self) -> str:
        """Return the session's CSRF token, read from a page the first time."""
        if self.token is None:
            page = self.get(self.token_page).text
            found = CSRF_FIELD.search(page)
            if found is None:
                raise RuntimeError(f"no CSRF token on {self.token_page}")
            self.token = unescape(found[1])
        return self.token

    def sign_in(self, email: str, password: str = PASSWORD) -> requests.Response:
        """Sign in; once signed in, the session's token comes from the account page."""
        answer = self.post("/login", {"email": email, "password": password})
        if answer.status_code == 302:
            self.token, self.token_page = None, "/account"
        return answer


def signed_in(url: str, email: str, address: str | None = None) -> Browser:
    """Return a browser signed in as the account, or raise when the sign-in is refused."""
    browser = Browser(url, address)
    answer = browser.sign_in(email)
    if answer.status_code != 302:
        raise RuntimeError(f"{email} could not sign in: {answer.status_code}")
    return browser


def call(url: str, method: str, path: str, token: str | None = None, **kwargs):
    """Call the API once, with a bearer token when given."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.request(method, url + path, headers=headers, timeout=REQUEST_SECONDS, **kwargs)


def propose(url: str, token: str, listing: str, changes: dict) -> requests.Response:
    """Propose changes to a listing's fields through the agency API."""
    return call(url, "PATCH", f"/api/v1/listings/{listing}", token, json=changes)


def submit(url: str, token: str, kind: str, listing: str, changes: dict) -> requests.Response:
    """Send a submission (edit, capacity, verify) through the agency API."""
    body = {"kind": kind, "listing_id": listing, "changes": changes}
    return call(url, "POST", "/api/v1/submissions", token, json=body)


def at_once(calls: list[Callable]) -> list:
    """Run the calls in threads released together; return their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(n: int, work: Callable) -> None:
        barrier.wait()
        try:
            results[n] = work()
        except requests.RequestException as exc:  # a dropped connection is a figure too
            results[n] = exc

    threads = [threading.Thread(target=run, args=(n, c)) for n, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def status(answer) -> int:
    """Return an answer's status; 599 for a connection the server dropped."""
    return answer.status_code if isinstance(answer, requests.Response) else 599


def statuses(answers) -> str:
    """Return the statuses of answers (or status codes), counted: '302 x5, 409 x1'."""
    counted = Counter(a if isinstance(a, int) else status(a) for a in answers)
    return ", ".join(f"{code} x{n}" for code, n in sorted(counted.items()))


@dataclass
class Form:
    """A form as a browser would send it unchanged: method, action, the pairs it sends, and
    every field name it has (unchecked boxes and buttons included)."""

    method: str
    action: str
    pairs: list[tuple[str, str]] = field(default_factory=list)
    names: set[str] = field(default_factory=set)


class FormReader(HTMLParser):
    """Read the forms of a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._select: list | None = None  # [name, first value, selected value]
        self._textarea: list | None = None  # [name, text]

    def handle_starttag(self, tag: str, attrs: list) -> None:
        """Note a form or a field of the last form."""
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(Form(a.get("method", "get").lower(), a.get("action", "")))
            return
        if not self.forms:
            return
        form, name = self.forms[-1], a.get("name")
        if tag == "option" and self._select is not None:
            value = a.get("value", "")
            if self._select[1] is None:
                self._select[1] = value
            if "selected" in a:
                self._select[2] = value
        if not name:
            return
        form.names.add(name)
        kind = a.get("type", "text").lower()
        if tag == "input" and kind in ("checkbox", "radio"):
            if "checked" in a:
                form.pairs.append((name, a.get("value", "on")))
        elif tag == "input" and kind not in ("submit", "button", "image", "file", "reset"):
            form.pairs.append((name, a.get("value", "")))
        elif tag == "select":
            self._select = [name, None, None]
        elif tag == "textarea":
            self._textarea = [name, ""]

    def handle_data(self, data: str) -> None:
        """Keep a textarea's text."""
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag: str) -> None:
        """Close a select or a textarea with the value it sends."""
        if tag == "select" and self._select is not None:
            name, first, chosen = self._select
            self.forms[-1].pairs.append((name, chosen if chosen is not None else first or ""))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            name, text = self._textarea
            self.forms[-1].pairs.append((name, text.removeprefix("\n")))
            self._textarea = None


def forms_of(html: str) -> list[Form]:
    """Return the forms of a page."""
    reader = FormReader()
    reader.feed(html)
    return reader.forms


def form_to(html: str, action_end: str) -> Form:
    """Return the page's form posting to a path ending so."""
    for form in forms_of(html):
        if form.method == "post" and form.action.split("?")[0].endswith(action_end):
            return form
    raise RuntimeError(f"no form posting to …{action_end}")


# -- the store, read directly -------------------------------------------------------------------


def rows(database: Path, sql: str, *args) -> list[tuple]:
    """Return the rows of a query on a SQLite file."""
    with sqlite3.connect(database, timeout=30) as connection:
        return connection.execute(sql, args).fetchall()


def history(database: Path, listing: str) -> list[int]:
    """Return a listing's history version numbers in the order they were written."""
    found = rows(
        database, "SELECT version FROM listing_history WHERE listing_id = ? ORDER BY id", listing
    )
    return [v for (v,) in found]


def repeated(versions: list[int]) -> int:
    """Return how many version numbers are written more than once (each repeat counted)."""
    return len(versions) - len(set(versions))


def digests(database: Path, tables: tuple[str, ...]) -> dict[str, int]:
    """Return a hash of every row of each table, to tell whether a table changed."""
    return {t: hash(tuple(rows(database, f'SELECT * FROM "{t}" ORDER BY rowid'))) for t in tables}


def every_cell(database: Path) -> Iterator[tuple[str, str]]:
    """Yield (table.column, text) for every non-empty cell of every table."""
    with sqlite3.connect(database, timeout=30) as db:
        tables = [t for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            cursor = db.execute(f'SELECT * FROM "{table}"')
            names = [d[0] for d in cursor.description]
            for row in cursor:
                for name, value in zip(names, row, strict=True):
                    if value is not None:
                        text = value.decode(errors="replace") if isinstance(value, bytes) else value
                        yield f"{table}.{name}", str(text)


def copy_database(source: Path, target: Path) -> Path:
    """Copy a SQLite file consistently (its write-ahead log included); return the copy."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    return target


def settings_of(database: Path, **more) -> dict:
    """Return a server's RESDIR_* settings: the store, a stable key, the stopped clock."""
    return {
        "DATABASE": str(database),
        "SECRET_KEY": "bench-trust",
        "NOW": NOW.isoformat(),
        "SEARCH": "embedded",
        **more,
    }


def _environment(settings: dict) -> dict[str, str]:
    return {**os.environ, **{f"RESDIR_{k}": str(v) for k, v in settings.items()}}


def cli(settings: dict, *args: str) -> subprocess.CompletedProcess:
    """Run `resdir ARGS...` in a process of its own on the settings; return it, output kept."""
    return subprocess.run(
        [str(RESDIR), *args],
        cwd=REPO,
        env=_environment(settings),
        capture_output=True,
        text=True,
        timeout=CLI_SECONDS,
        check=False,
    )


def cli_process(settings: dict, log: Path, *args: str) -> subprocess.Popen:
    """Start `resdir ARGS...` in a process of its own, its output to a log."""
    with log.open("wb") as out:
        return subprocess.Popen(
            [str(RESDIR), *args],
            cwd=REPO,
            env=_environment(settings),
            stdout=out,
            stderr=subprocess.STDOUT,
        )


# -- the directory ------------------------------------------------------------------------------


def _join(session, email: str, role: str, organization: str | None, verified=False) -> Account:
    """Invite an account and join with PASSWORD, as a person with the link would."""
    token = accounts.invite(session, email, role, organization, None, NOW)
    account = accounts.accept_invitation(session, token, email.split("@")[0], PASSWORD, NOW)
    account.verified = verified
    session.flush()
    return account


def prepare(folder: Path) -> Directory:
    """Load the demo directory into a SQLite file and give it its accounts and tokens."""
    database = folder / "directory.sqlite3"
    app = load_seed(database, NOW)
    with app.test_request_context(), store.session() as session:
        organizations = dict(session.execute(select(Organization.name, Organization.id)).all())
        made = {email: _join(session, email, "admin", None) for email in ADMINS}
        made[VERIFIED] = _join(session, VERIFIED, "staff", organizations[FOG_CITY], True)
        for name, emails in STAFF_OF.items():
            for email in emails:
                made[email] = _join(session, email, "staff", organizations[name])
        tokens, token_ids = {}, {}
        for email in TOKEN_HOLDERS:
            row, tokens[email] = accounts.create_token(session, made[email], "bench", NOW)
            session.flush()
            token_ids[email] = row.id
        invitation = accounts.invite(session, INVITED, "staff", organizations[FOG_CITY], None, NOW)
        reset = accounts.issue_reset(session, made[TARGET], None, NOW)

        def listings_of(name: str) -> list[str]:
            query = select(Listing.id).where(Listing.organization_id == organizations[name])
            return list(session.scalars(query.order_by(Listing.id)))

        directory = Directory(
            database=database,
            fog=listings_of(FOG_CITY),
            mariposa=listings_of(MARIPOSA),
            tokens=tokens,
            token_ids=token_ids,
            account_ids={email: account.id for email, account in made.items()},
            invitation=invitation,
            reset=reset,
        )
        session.commit()
    store.engine(app).dispose()  # the file alone holds everything
    return directory


@contextmanager
def serving(directory: Directory, folder: Path, name: str, options, **settings):
    """Serve a fresh copy of the directory with gunicorn; yield it."""
    database = copy_database(directory.database, folder / f"{name}.sqlite3")
    config = settings_of(database, **settings)
    with Gunicorn(config, folder / f"{name}.log") as server:
        yield Served(server, directory, database, folder, options, config)


@contextmanager
def access_logged() -> Iterator[None]:
    """Have the gunicorns started meanwhile write access lines (query strings included) into
    their logs: the peer session must leave nothing there either."""
    before = os.environ.get("GUNICORN_CMD_ARGS")
    os.environ["GUNICORN_CMD_ARGS"] = f"{before or ''} --access-logfile -".strip()
    try:
        yield
    finally:
        if before is None:
            del os.environ["GUNICORN_CMD_ARGS"]
        else:
            os.environ["GUNICORN_CMD_ARGS"] = before


def log_since(served: Served, mark: int) -> str:
    """Return what the server logged since `mark` (a byte offset of its log)."""
    with served.server.log.open("rb") as log:
        log.seek(mark)
        return log.read().decode(errors="replace")


def log_size(served: Served) -> int:
    """Return the size of the server's log now."""
    return served.server.log.stat().st_size


# -- what held up before ------------------------------------------------------------------------


def _reaching(browser: Browser, token: str, listing: str) -> list[int]:
    """Return the answers to every way staff could change a listing, portal and API."""
    portal = f"/agency/listings/{listing}"
    kinds = {"edit": {"name": "Taken"}, "capacity": {"available": 1}, "verify": {}}
    answers = [
        browser.get(f"{portal}/edit"),
        browser.post(f"{portal}/edit", {"name": "Taken"}),
        browser.post(f"{portal}/verify"),
        browser.post(f"{portal}/capacity", {"capacity.available": "1", "capacity.unit": "beds"}),
        propose(browser.url, token, listing, {"name": "Taken"}),
    ]
    answers += [submit(browser.url, token, kind, listing, c) for kind, c in kinds.items()]
    return [a.status_code for a in answers]


def cross_agency(served: Served) -> list[Row]:
    """Staff of each agency at the other's listings and submissions, in the portal and the API."""
    d, url = served.directory, served.url
    before = rows(served.database, "SELECT count(*) FROM submissions")[0][0]
    pending = {}
    for email, listing in ((STAFF, d.fog[0]), (OTHER, d.mariposa[0])):
        answer = propose(
            url, d.tokens[email], listing, {"next_steps": "Ask for the house manager."}
        )
        pending[email] = answer.json()["id"]
    answers: Counter = Counter()
    for attacker, victims, victim in ((OTHER, d.fog, STAFF), (STAFF, d.mariposa, OTHER)):
        browser, token = signed_in(url, attacker), d.tokens[attacker]
        for listing in victims:
            answers.update(_reaching(browser, token, listing))
        theirs = pending[victim]
        answers[browser.get(f"/agency/submissions/{theirs}").status_code] += 1
        answers[call(url, "GET", f"/api/v1/submissions/{theirs}", token).status_code] += 1
    after = rows(served.database, "SELECT count(*) FROM submissions")[0][0]
    through = sum(n for code, n in answers.items() if code not in (403, 404))
    return [
        Row(
            "cross-agency: staff at the other agency's listings and submissions",
            answers.total(),
            {
                "answered neither 403 nor 404": through,
                "submissions made": after - before - len(pending),
            },
            "portal and API, both ways: "
            + ", ".join(f"{code} x{n}" for code, n in sorted(answers.items())),
        )
    ]


@dataclass
class Reflection:
    """One try of one payload in one field."""

    surface: str  # "GET /search near"
    payload: int  # index in PAYLOADS
    send: Callable[["Browser"], requests.Response]


def reflection_tries(url: str, count: int) -> list[Reflection]:
    """Return a try of each payload in every field of the public pages, the peer console and
    the API, and in their paths."""
    browser = Browser(url)
    home = forms_of(browser.get("/").text)[0]
    results_page = browser.get("/search?near=94110&needs=housing").text
    search_form = form_to(results_page, "/search")
    peer_page = browser.get("/peer").text
    peer_form, plan_form = form_to(peer_page, "/peer"), form_to(peer_page, "/peer/plan")
    login_form = form_to(browser.get("/login").text, "/login")
    placed = [("near", "94110"), ("needs", "housing")]

    def base(form: Form) -> list[tuple[str, str]]:
        pairs = [(k, v) for k, v in form.pairs if k != "csrf_token" and v]
        named = {k for k, _ in pairs}
        return pairs + [(k, v) for k, v in placed if k in form.names and k not in named]

    # (surface, how it is sent, base pairs, field names)
    fields: list[tuple[str, str, str, list, list[str]]] = [
        ("GET", "/", "query", [], ["lang", *sorted(home.names)]),
        ("GET", "/search", "query", placed, ["lang", "cursor", *sorted(search_form.names)]),
        ("POST", "/search", "form", base(search_form), ["cursor", *sorted(search_form.names)]),
        ("GET", "/peer", "query", [], ["lang", *sorted(peer_form.names)]),
        ("POST", "/peer", "form", base(peer_form), ["show_hidden", *sorted(peer_form.names)]),
        ("POST", "/peer/results", "form", base(peer_form), sorted(peer_form.names)),
        ("GET", "/peer/plan", "query", [], ["plan", "lang"]),
        ("POST", "/peer/plan", "form", base(peer_form), sorted(plan_form.names | {"plan"})),
        ("GET", "/login", "query", [], ["next", "lang"]),
        (
            "POST",
            "/login",
            "login",
            [("email", "nobody@example.org"), ("password", "x")],
            sorted(login_form.names - {"csrf_token"}),
        ),
        ("GET", f"/listings/{NOE_HOUSE}", "query", [], ["lang"]),
        ("GET", "/api/v1/search", "query", placed, list(API_SEARCH_PARAMS)),
    ]
    tries = []
    for index, (payload, _) in enumerate(PAYLOADS[:count]):
        for method, path, how, pairs, names in fields:
            for name in dict.fromkeys(names):
                sent = [(k, v) for k, v in pairs if k != name] + [(name, payload)]
                tries.append(
                    Reflection(
                        f"{method} {path} {name}",
                        index,
                        lambda b, p=path, h=how, s=sent: _send(b, p, h, s),
                    )
                )
        for name, build in MATCH_FIELDS.items():
            body = BASE_PROFILE | build(payload)
            tries.append(
                Reflection(
                    f"POST /api/v1/match {name}",
                    index,
                    lambda b, j=body: b.http.post(
                        b.url + "/api/v1/match", json=j, timeout=REQUEST_SECONDS
                    ),
                )
            )
        quoted = quote(payload, safe="")
        for path in ("/listings/", "/api/v1/listings/", "/", "/peer/", "/api/v1/"):
            tries.append(
                Reflection(
                    f"GET {path}<payload>",
                    index,
                    lambda b, p=path + quoted: b.get(p),
                )
            )
    return tries


def _send(browser: Browser, path: str, how: str, pairs: list) -> requests.Response:
    if how == "query":
        return browser.get(path, params=pairs)
    return browser.post(path, pairs, csrf=how == "login")


def unescaped(answer: requests.Response, payload: int) -> bool:
    """Tell whether an answer holds the payload as markup: in HTML (or any type but JSON), or
    in JSON a browser could be made to sniff as HTML."""
    if not re.search(PAYLOADS[payload][1], answer.text):
        return False
    kind = answer.headers.get("Content-Type", "")
    sniffable = answer.headers.get("X-Content-Type-Options", "").lower() != "nosniff"
    return "json" not in kind or sniffable


def reflected(served: Served) -> list[Row]:
    """Send every payload in every field; count the answers holding one unescaped."""
    tries = reflection_tries(served.url, served.options.payloads)
    local = threading.local()
    found: list[str] = []
    codes: Counter = Counter()
    lock = threading.Lock()

    def run(attempt: Reflection) -> None:
        if not hasattr(local, "browser"):
            local.browser = Browser(served.url, PAYLOAD_ADDRESS)
        answer = attempt.send(local.browser)
        bad = unescaped(answer, attempt.payload)
        with lock:
            codes[answer.status_code // 100 * 100] += 1
            if bad:
                found.append(f"{attempt.surface} (payload {attempt.payload + 1})")

    with ThreadPoolExecutor(served.options.threads) as pool:
        list(pool.map(run, tries))
    surfaces = len({t.surface for t in tries})
    note = f"{surfaces} fields x {served.options.payloads} payloads; answers " + ", ".join(
        f"{code // 100}xx {n}" for code, n in sorted(codes.items())
    )
    if found:
        note += "; unescaped: " + "; ".join(found[:5])
    return [
        Row(
            "reflected payloads: public pages, peer console, API",
            len(tries),
            {"came back unescaped": len(found)},
            note,
        )
    ]


STATE_TABLES = (
    "accounts",
    "api_tokens",
    "invitations",
    "password_resets",
    "submissions",
    "listings",
    "listing_history",
)


def csrf_less(served: Served) -> list[Row]:
    """Post every portal, admin and account form without a CSRF token, then with a forged one."""
    d, url = served.directory, served.url
    waiting = propose(
        url, d.tokens[STAFF], NOE_HOUSE, {"next_steps": "Call the house manager first."}
    ).json()["id"]
    anonymous, staff = Browser(url), signed_in(url, STAFF)
    admin = signed_in(url, ADMINS[0])
    target = d.account_ids[TARGET]
    new_password = {"password": "nine quiet harbours", "password_again": "nine quiet harbours"}
    posts = [
        (anonymous, "/login", {"email": STAFF, "password": PASSWORD}),
        (anonymous, f"/invite/{d.invitation}", {"name": "New", **new_password}),
        (anonymous, f"/reset/{d.reset}", new_password),
        (staff, "/account", {"name": "a token"}),
        (staff, "/account/password", {"current_password": PASSWORD, **new_password}),
        (staff, f"/account/tokens/{d.token_ids[STAFF]}/revoke", {}),
        (staff, f"/agency/listings/{NOE_HOUSE}/edit", {"name": "Forged House"}),
        (staff, f"/agency/listings/{NOE_HOUSE}/verify", {}),
        (staff, f"/agency/listings/{NOE_HOUSE}/capacity", {"capacity.available": "1"}),
        (staff, "/agency/listings/new", {"name": "Forged", "category": "housing"}),
        (staff, "/agency/upload", {}),
        (staff, "/agency/upload/" + "a" * 32, {}),
        (admin, "/admin/accounts", {"email": "forged@example.org", "role": "admin"}),
        (admin, f"/admin/accounts/{target}", {"change": "deactivate"}),
        (admin, f"/admin/accounts/{target}/reset", {}),
        (admin, f"/admin/submissions/{waiting}/approve", {}),
        (admin, f"/admin/submissions/{waiting}/reject", {"note": "forged"}),
        (admin, f"/admin/submissions/{waiting}/edit", {"name": "Forged House"}),
        (admin, f"/admin/listings/{NOE_HOUSE}/restore", {"version": "1"}),
        (staff, "/logout", {}),  # last: through, it would sign the others' pages out
        (admin, "/logout", {}),
    ]
    before = digests(served.database, STATE_TABLES)
    answers: dict[str, list[int]] = {}
    for browser, path, data in posts:
        for forged in (None, "forged-token"):
            form = dict(data) | ({"csrf_token": forged} if forged else {})
            answers.setdefault(path, []).append(browser.post(path, form, csrf=False).status_code)
    after = digests(served.database, STATE_TABLES)
    changed = [t for t in STATE_TABLES if before[t] != after[t]]
    codes = [code for got in answers.values() for code in got]
    # A 400 is the refusal; a 404 or 405 is a form this code does not have (yet).
    odd = [f"{path} {code}" for path, got in answers.items() for code in got if code != 400]
    note = f"{len(posts)} forms, no token and a forged one; answers {statuses(codes)}"
    if odd:
        note += "; " + ", ".join(odd[:6])
    if changed:
        note += "; changed: " + ", ".join(changed)
    return [
        Row(
            "CSRF: portal, admin and account forms without a valid token",
            len(codes),
            {
                "got through (2xx, 3xx)": sum(code < 400 for code in codes),
                "answered 5xx": sum(code >= 500 for code in codes),
                "tables changed": len(changed),
            },
            note,
        )
    ]


def peer_session(served: Served) -> list[Row]:
    """Run a peer session with values only it uses; look for them in the log and the file."""
    words = f"zq{uuid.uuid4().hex[:10]}peerwords"
    mark = log_size(served)
    browser = Browser(served.url)
    profile = [
        ("near", "94110"),
        ("needs", "housing"),
        ("needs", "sober_social.meeting"),
        *(("barriers", code) for code in PRIVATE_BARRIERS),
        ("gender", "woman"),
        ("age", PRIVATE_AGE),
    ]
    # As a peer works: the profile, a place ticked, then words typed, and the plan.
    answers = [browser.get("/peer"), browser.post("/peer/results", profile, csrf=False)]
    shown = re.findall(r'name="plan" value="([^"]+)"', answers[-1].text)[:1]
    profile.append(("q", words))
    answers.append(browser.post("/peer/results", profile, csrf=False))
    answers.append(browser.post("/peer", profile, csrf=False))
    answers.append(browser.post("/peer/plan", profile + [("plan", i) for i in shown], csrf=False))
    answers.append(browser.get("/search", params={"near": "94110"}))  # a share link: where only
    time.sleep(1)  # gunicorn writes its access lines after answering
    lines = log_since(served, mark).splitlines()
    secret = re.compile(
        "|".join([re.escape(words), *PRIVATE_BARRIERS, rf"[?&]age={PRIVATE_AGE}\b"])
    )
    found = [f"log: {line[:80]}" for line in lines if secret.search(line)]
    for suffix in ("", "-wal"):
        kept = Path(f"{served.database}{suffix}")
        if kept.exists() and words.encode() in kept.read_bytes():
            found.append(f"database file {kept.name}")
    logged = sum(1 for line in lines if '"POST /peer' in line)
    return [
        Row(
            "peer session: its values in the database file, index or server log",
            len(answers),
            {"places holding them": len(found)},
            f"answers {statuses(answers)}; {logged} of its posts in the access log, none may "
            "carry a value" + ("; found in " + "; ".join(found[:3]) if found else ""),
        )
    ]


# -- privacy ------------------------------------------------------------------------------------


def _sheet(path: Path, *records: dict) -> Path:
    columns = AGENCY_TEMPLATE.read_text().splitlines()[0].split(",")
    lines = [",".join(columns)]
    for record in records:
        lines.append(",".join(_csv_cell(record.get(c, "")) for c in columns))
    path.write_text("\n".join(lines) + "\n")
    return path


def _csv_cell(text: str) -> str:
    return f'"{text.replace(chr(34), chr(34) * 2)}"' if any(c in text for c in ',"\n') else text


def confidential(served: Served) -> list[Row]:
    """Ingest a spreadsheet with a confidential row; look for its street everywhere."""
    folder, url = served.folder, served.url
    sheet = _sheet(folder / "agency.csv", SAFE_HOUSE, SAFE_REPEAT, HARBOR)
    report = folder / "agency-report.json"
    source = "trust-agency"
    args = ["ingest", str(sheet), "--mapping", "resdir-agency", "--source-id", source]
    ingested = cli(served.settings, *args, "--report", str(report))
    raw = cli(served.settings, "problems", "--raw", "--source", source, "--limit", "0")
    places: dict[str, str] = {
        "ingest output": ingested.stdout + ingested.stderr,
        "ingest report": report.read_text() if report.exists() else "",
        "resdir problems --raw": raw.stdout + raw.stderr,
    }
    tables, leaks = set(), set()
    for where, text in every_cell(served.database):
        tables.add(where.split(".")[0])
        if STREET.search(text):
            leaks.add(where)
    leaks = sorted(leaks)
    ids = [
        i
        for (i,) in rows(
            served.database,
            "SELECT DISTINCT listing_id FROM listing_sources WHERE source_id = ?",
            source,
        )
    ]
    for listing in ids:
        places[f"GET /api/v1/listings/{listing[:8]}"] = call(
            url, "GET", f"/api/v1/listings/{listing}"
        ).text
        places[f"GET /listings/{listing[:8]}"] = call(url, "GET", f"/listings/{listing}").text
    shelter = {"location": {"postal_code": "94110"}, "needs": ["housing.shelter"], "limit": 100}
    places["POST /api/v1/match"] = call(url, "POST", "/api/v1/match", json=shelter).text
    places["GET /api/v1/search"] = call(
        url, "GET", "/api/v1/search?near=94110&needs=housing.shelter&limit=100"
    ).text
    leaks += [where for where, text in places.items() if STREET.search(text)]
    tried = len(tables) + len(places)
    note = f"{len(tables)} tables, {len(places)} outputs and answers"
    note += f"; ingest exit {ingested.returncode}"
    if leaks:
        note += "; street in " + ", ".join(leaks[:6])
    return [
        Row(
            "confidential street (spreadsheet, --mapping resdir-agency)",
            tried,
            {"places holding it": len(leaks)},
            note,
        )
    ]


def profile_in_url(served: Served) -> list[Row]:
    """Ask GET /api/v1/search with each profile field in the URL."""
    asked = {"barriers": "on_moud", "values": "secular", "languages": "es", "gender": "woman"}
    asked["age"] = "40"
    answers = {
        name: call(
            served.url, "GET", f"/api/v1/search?near=94110&needs=housing&{name}={value}"
        ).status_code
        for name, value in asked.items()
    }
    accepted = [name for name, code in answers.items() if code < 400]
    return [
        Row(
            "a profile in a URL: GET /api/v1/search?barriers=on_moud, ...",
            len(answers),
            {"accepted": len(accepted)},
            ", ".join(f"{name} {code}" for name, code in answers.items()),
        )
    ]


# -- concurrent writers -------------------------------------------------------------------------


def six_edits(round_: int) -> dict[str, str]:
    """Return six agency edits of Noe House, each of a field of its own, new in each round."""
    return {
        "description": f"A quiet house near the J line (round {round_}).",
        "email": f"intake{round_}@noe.example.org",
        "url": f"https://noe.example.org/round-{round_}",
        "next_steps": f"Call the house manager for an interview (round {round_}).",
        "transportation": f"Two blocks from the 24 bus (round {round_}).",
        "alternate_name": f"Noe Valley House {round_}",
    }


def listing_doc(url: str, listing: str) -> dict:
    """Return a listing as the public API gives it."""
    return call(url, "GET", f"/api/v1/listings/{listing}").json()


def _same(published, proposed: str) -> bool:
    return str(published or "").rstrip("/") == proposed.rstrip("/")


def six_admins(served: Served) -> list[Row]:
    """Six admins approve six edits of one listing at once, round after round."""
    d, url, database = served.directory, served.url, served.database
    admins = [signed_in(url, email) for email in ADMINS]
    for admin in admins:
        admin.csrf()
    missing = not_published = 0
    answers: list = []
    written = 0
    for round_ in range(served.options.rounds):
        edits = six_edits(round_)
        ids = {}
        for name, value in edits.items():
            answer = propose(url, d.tokens[STAFF], NOE_HOUSE, {name: value})
            ids[name] = answer.json()["id"]
        before = len(history(database, NOE_HOUSE))
        # Each approval is posted as the tests post it: without the review page's version, so
        # that the writers race rather than be told to look again.
        done = at_once(
            [
                lambda a=admin, i=ids[name]: a.post(f"/admin/submissions/{i}/approve")
                for admin, name in zip(admins, edits, strict=True)
            ]
        )
        answers += done
        written += len(history(database, NOE_HOUSE)) - before
        doc = listing_doc(url, NOE_HOUSE)
        for name, answer in zip(edits, done, strict=True):
            if status(answer) == 302 and not _same(doc.get(name), edits[name]):
                missing += 1
        not_published += sum(status(a) != 302 for a in done)
    duplicates = repeated(history(database, NOE_HOUSE))
    tried = 6 * served.options.rounds
    return [
        Row(
            "six admins approving six edits of one listing at once",
            tried,
            {
                "changes missing": missing,
                "duplicate versions": duplicates,
                "answers not a publication": not_published,
            },
            f"{served.options.rounds} rounds; answers {statuses(answers)}; "
            f"{written} versions written for {tried} approvals",
        )
    ]


def bed_counts(served: Served) -> list[Row]:
    """A verified agency posts bed counts at once; count the versions written."""
    d, url, database = served.directory, served.url, served.database
    count = served.options.beds
    before = history(database, NOE_HOUSE)
    answers = at_once(
        [
            lambda n=n: submit(
                url, d.tokens[VERIFIED], "capacity", NOE_HOUSE, {"available": n, "total": count}
            )
            for n in range(1, count + 1)
        ]
    )
    after = history(database, NOE_HOUSE)
    new = set(after) - set(before)  # version numbers, each counted once however often written
    published = sum(
        1 for a in answers if status(a) == 202 and a.json().get("status") == "published"
    )
    return [
        Row(
            f"{count} simultaneous bed counts (verified agency, API)",
            count,
            {
                "versions short": count - len(new),
                "duplicate versions": repeated(after),
                "not published": count - published,
            },
            f"answers {statuses(answers)}; {len(after) - len(before)} history rows written, "
            f"{len(new)} new version numbers",
        )
    ]


STALE_PAIRS = (("email", "description"), ("next_steps", "transportation"), ("url", "email"))


def stale_form(served: Served) -> list[Row]:
    """Open the edit form, have another change approved, then save the form and approve it."""
    d, url = served.directory, served.url
    staff, admin = signed_in(url, STAFF), signed_in(url, ADMINS[1])
    restored, notes = 0, []
    rounds = min(served.options.stale_rounds, len(STALE_PAIRS))
    for round_, (theirs, mine) in enumerate(STALE_PAIRS[:rounds]):
        page = staff.get(f"/agency/listings/{NOE_HOUSE}/edit").text
        form = form_to(page, f"/agency/listings/{NOE_HOUSE}/edit")
        newer = six_edits(100 + round_)
        other = propose(url, d.tokens[VERIFIED], NOE_HOUSE, {theirs: newer[theirs]}).json()["id"]
        approved = admin.post(f"/admin/submissions/{other}/approve").status_code
        mine_value = six_edits(200 + round_)[mine]
        pairs = [(k, v) for k, v in form.pairs if k != mine] + [(mine, mine_value)]
        saved = staff.post(f"/agency/listings/{NOE_HOUSE}/edit", pairs, csrf=False)
        outcome = f"other {approved}, form {saved.status_code}"
        if saved.status_code == 302:
            sent = saved.headers["Location"].rstrip("/").rsplit("/", 1)[1]
            outcome += f", approved {admin.post(f'/admin/submissions/{sent}/approve').status_code}"
        doc = listing_doc(url, NOE_HOUSE)
        if not _same(doc.get(theirs), newer[theirs]):
            restored += 1
            outcome += f": {theirs} back to the old value"
        notes.append(outcome)
    return [
        Row(
            "a stale edit form saved after another change was approved",
            rounds,
            {"other change undone": restored},
            "; ".join(notes),
        )
    ]


def search_calls(url: str, n: int) -> Callable[[], requests.Response]:
    """Return the n-th search of a mix: the match API, the search API, the results page."""
    profile = PROFILES[n % len(PROFILES)]
    query = SEARCH_QUERIES[n % len(SEARCH_QUERIES)]
    kind = n % 3
    if kind == 0:
        return lambda: call(url, "POST", "/api/v1/match", json=profile)
    if kind == 1:
        return lambda: call(url, "GET", f"/api/v1/search?{query}")
    return lambda: call(url, "GET", f"/search?{query}")


def after_publication(served: Served) -> list[Row]:
    """Publish a change, then search from many clients at once, across the workers."""
    d, url = served.directory, served.url
    mark = log_size(served)
    answers: list = []
    publications = max(1, served.options.searches // SEARCHES_PER_PUBLICATION)
    for round_ in range(publications):
        listing = d.fog[round_ % len(d.fog)]
        beds = {"available": round_ % 5, "total": 30 + round_}
        submit(url, d.tokens[VERIFIED], "capacity", listing, beds)
        answers += at_once([search_calls(url, n) for n in range(SEARCHES_PER_PUBLICATION)])
    logged = failures_logged(log_since(served, mark))
    failed = sum(status(a) >= 500 for a in answers)
    return [
        Row(
            "searches right after a publication, across workers",
            len(answers),
            {"answered 5xx": failed},
            f"{publications} publications, {SEARCHES_PER_PUBLICATION} searches at once after "
            f"each; answers {statuses(answers)}; logged: "
            + (_counted(Counter(error for error, _ in logged)) or "no failure"),
        )
    ]


def synthetic_meetings(path: Path, count: int) -> Path:
    """Write a Meeting Guide feed of `count` meetings at real Bay Area ZIP codes."""
    spec = importlib.util.spec_from_file_location("bench_generate", GENERATOR)
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    rng = random.Random(SEED_VALUE)
    places = generate.metro_places()
    meetings = []
    for n in range(count):
        place = rng.choice(places)
        zip_ = rng.choice(place["zips"])
        start = rng.randrange(6 * 60, 22 * 60, 30)
        meetings.append(
            {
                "name": f"Trust Probe Group {n}",
                "slug": f"trust-probe-{n}",
                "day": rng.randrange(7),
                "time": f"{start // 60:02d}:{start % 60:02d}",
                "end_time": f"{(start + 60) // 60:02d}:{start % 60:02d}",
                "types": rng.sample(["O", "C", "D", "B", "ST", "W", "M", "X", "S"], 2),
                "location": f"Hall {n}",
                "address": f"{100 + n} Probe Street",
                "city": place["city"],
                "state": "CA",
                "postal_code": zip_["postal_code"],
                "latitude": round(zip_["lat"] + rng.uniform(-0.01, 0.01), 5),
                "longitude": round(zip_["lon"] + rng.uniform(-0.01, 0.01), 5),
                "timezone": "America/Los_Angeles",
                "updated": "2026-11-20 10:00:00",
            }
        )
    path.write_text(json.dumps(meetings))
    return path


def during_ingest(served: Served) -> list[Row]:
    """Ingest a feed of thousands of meetings while threads search and submit."""
    d, url = served.directory, served.url
    feed = synthetic_meetings(served.folder / "meetings.json", served.options.meetings)
    mark = log_size(served)
    done = threading.Event()
    answers: dict[str, list] = {"search": [], "submission": []}
    lock = threading.Lock()

    def keep(kind: str, work: Callable) -> None:
        n = 0
        while not done.is_set():
            try:
                answer = work(n)
            except requests.RequestException as exc:
                answer = exc
            with lock:
                answers[kind].append(answer)
            n += 1

    def beds(n: int):
        changes = {"available": n % 7, "total": 7}
        return submit(url, d.tokens[VERIFIED], "capacity", d.fog[1], changes)

    def edit(n: int):
        return propose(url, d.tokens[STAFF], d.fog[2], {"next_steps": f"Call ahead ({n})."})

    workers = [
        threading.Thread(target=keep, args=("search", lambda n: search_calls(url, n)())),
        threading.Thread(target=keep, args=("search", lambda n: search_calls(url, n + 1)())),
        threading.Thread(target=keep, args=("submission", beds)),
        threading.Thread(target=keep, args=("submission", edit)),
    ]
    started = time.monotonic()
    args = ["ingest", str(feed), "--source-id", "trust-synthetic"]
    process = cli_process(served.settings, served.folder / "ingest.log", *args)
    for worker in workers:
        worker.start()
    try:
        process.wait(CLI_SECONDS)
    finally:
        done.set()
        for worker in workers:
            worker.join()
    seconds = time.monotonic() - started
    ingest = f"ingest exit {process.returncode} after {seconds:.0f} s"
    if "database is locked" in (served.folder / "ingest.log").read_text(errors="replace"):
        ingest += " ('database is locked')"
    logged = failures_logged(log_since(served, mark))
    found = []
    for kind, label in (("search", "searches"), ("submission", "submissions")):
        got = answers[kind]
        locked = sum(
            "database is locked" in a.text for a in got if isinstance(a, requests.Response)
        )
        errors = Counter(error for error, path in logged if _kind_of(path) == kind)
        found.append(
            Row(
                f"{label} during a {served.options.meetings:,}-meeting ingest",
                len(got),
                {"answered 5xx": sum(status(a) >= 500 for a in got), "database is locked": locked},
                f"answers {statuses(got)}; {ingest}"
                + (f"; logged: {_counted(errors)}" if errors else ""),
            )
        )
    return found


def _kind_of(request: str) -> str:
    return "submission" if "/submissions" in request or request.startswith("PATCH") else "search"


def _counted(counter: Counter) -> str:
    return ", ".join(f"{what} x{n}" for what, n in counter.most_common())


# The API logs a bug's type and request only (a message could hold a profile); a page logs the
# whole traceback, its last line the exception.
API_BUG = re.compile(r"API bug: (\w+) in (\w+ \S+)")
PAGE_BUG = re.compile(r"Exception on (\S+) \[(\w+)\].*?\n(\w[\w.]*(?:Error|Exception)\b)", re.S)


def failures_logged(text: str) -> list[tuple[str, str]]:
    """Return (exception type, request) for every failure a server's log tells of."""
    found = [(error, request) for error, request in API_BUG.findall(text)]
    found += [
        (error.rsplit(".", 1)[-1], f"{method} {path}")
        for path, method, error in PAGE_BUG.findall(text)
    ]
    return found


# -- values that get published ------------------------------------------------------------------


def extreme_values(served: Served) -> list[Row]:
    """Send values beyond every bound through the agency API, the match API and the form."""
    d, url = served.directory, served.url
    found = []
    beds = submit(
        url, d.tokens[VERIFIED], "capacity", NOE_HOUSE, {"available": TOO_BIG, "total": None}
    )
    query = f"near={NOE_ZIP}&needs=housing"
    reads = [
        call(url, "POST", "/api/v1/match", json=PROFILES[0]),
        call(url, "GET", f"/api/v1/search?{query}"),
        call(url, "GET", f"/search?{query}"),
        call(url, "POST", "/peer", data={"near": NOE_ZIP, "needs": "housing"}),
        call(url, "GET", f"/listings/{NOE_HOUSE}"),
    ]
    found.append(
        Row(
            f"beds {TOO_BIG} (verified agency), then match, search, peer, listing",
            1 + len(reads),
            {
                "accepted": int(beds.status_code < 400),
                "reads answered 5xx": sum(status(a) >= 500 for a in reads),
            },
            f"bed count {beds.status_code}; reads {statuses(reads)}",
        )
    )
    when = call(url, "POST", "/api/v1/match", json=BASE_PROFILE | {"when": {"at": FAR_FUTURE}})
    found.append(
        Row(
            f"when.at {FAR_FUTURE}",
            1,
            {"answered 5xx": int(when.status_code >= 500)},
            f"answered {when.status_code}",
        )
    )
    codes = {
        label: propose(url, d.tokens[STAFF], NOE_HOUSE, changes).status_code
        for label, changes in EXTREME_EDITS.items()
    }
    found.append(
        Row(
            "agency API: javascript: URL, 500-digit ZIP, 100 kB name, 0,0, age 1.5, language zz",
            len(codes),
            {"accepted": sum(code < 400 for code in codes.values())},
            ", ".join(f"{label} {code}" for label, code in codes.items()),
        )
    )
    staff = signed_in(url, STAFF)
    new = staff.post(
        "/agency/listings/new",
        {"name": "Harbor Light Day Center", "category": "housing", "address.postal_code": "94110"},
    )
    found.append(
        Row(
            "POST /agency/listings/new: a category, no kind of service",
            1,
            {"answered 5xx": int(new.status_code >= 500)},
            f"answered {new.status_code}",
        )
    )
    return found


# -- sessions and limits ------------------------------------------------------------------------


def replayed_cookie(served: Served) -> list[Row]:
    """Sign in, keep a copy of the cookie, sign out, and come back with the copy."""
    url = served.url
    browser = signed_in(url, REPLAYED)
    copy = browser.http.cookies.get("session")
    before = browser.get("/account").status_code
    out = browser.post("/logout").status_code
    replay = Browser(url)
    replay.http.cookies.set("session", copy)
    pages = {path: replay.get(path).status_code for path in ("/account", "/agency")}
    opened = [path for path, code in pages.items() if code == 200]
    return [
        Row(
            "a session cookie replayed after signing out",
            len(pages),
            {"pages opened": len(opened)},
            f"signed in {before}, sign-out {out}; replayed: "
            + ", ".join(f"{p} {c}" for p, c in pages.items()),
        )
    ]


def concurrent_guesses(served: Served) -> list[Row]:
    """Send wrong passwords for one account at once, past the limit."""
    count = served.options.guesses
    guessers = [Browser(served.url, GUESSERS_ADDRESS) for _ in range(count)]
    for guesser in guessers:
        guesser.csrf()
    answers = at_once(
        [
            lambda g=guesser, n=n: g.post("/login", {"email": GUESSED, "password": f"guess {n}"})
            for n, guesser in enumerate(guessers)
        ]
    )
    checked = sum(status(a) == 422 for a in answers)
    return [
        Row(
            f"{count} wrong passwords at once against a limit of {LOGIN_ATTEMPTS}",
            count,
            {"checked past the limit": max(0, checked - LOGIN_ATTEMPTS)},
            f"{checked} checked; answers {statuses(answers)}",
        )
    ]


def locked_out(served: Served) -> list[Row]:
    """Guess an account's password from one address, then its owner signs in from another."""
    guesser = Browser(served.url, LOCKING_ADDRESS)
    guesses = [
        guesser.post("/login", {"email": OWNER, "password": f"wrong {n}"})
        for n in range(LOGIN_ATTEMPTS + 1)
    ]
    owner = Browser(served.url, OWNER_ADDRESS).sign_in(OWNER)
    return [
        Row(
            f"{LOGIN_ATTEMPTS} wrong guesses from one address, the owner from another",
            len(guesses) + 1,
            {"owner refused": int(owner.status_code != 302)},
            f"guesses from {LOCKING_ADDRESS}: {statuses(guesses)}; the owner from "
            f"{OWNER_ADDRESS}: {owner.status_code}",
        )
    ]


def hammered(served: Served) -> list[Row]:
    """Ask the public API over and over from one address."""
    count = served.options.hammer
    local = threading.local()

    def ask(_n: int) -> requests.Response:
        if not hasattr(local, "http"):
            local.http = Browser(served.url, FLOOD_ADDRESS)
        return local.http.get("/api/v1/vocab")

    with ThreadPoolExecutor(served.options.threads) as pool:
        answers = list(pool.map(ask, range(count)))
    limited = [a for a in answers if a.status_code == 429]
    waits = Counter(a.headers.get("Retry-After", "none") for a in limited)
    allowed = API_LIMIT_PER_MINUTE * WORKERS
    answered = sum(a.status_code == 200 for a in answers)
    return [
        Row(
            f"public API hammered: {count} requests from one address",
            count,
            {
                "answered past the limit": max(0, answered - allowed),
                "429 without Retry-After": waits.get("none", 0),
            },
            f"answers {statuses(answers)} (limit {API_LIMIT_PER_MINUTE}/minute in each of "
            f"{WORKERS} workers); Retry-After {dict(waits) or 'never sent'}",
        )
    ]


# -- feeds --------------------------------------------------------------------------------------


def _one_source(copy: Path, source: str) -> Path:
    """Write a manifest of one demo source (its examples left out) beside its files."""
    text = (copy / "manifest.toml").read_text()
    block = next(b for b in text.split("\n[[sources]]\n")[1:] if f'id = "{source}"' in b)
    manifest = copy / f"{source}.toml"
    manifest.write_text("[[sources]]\n" + block.split("\n[[sources.examples]]")[0] + "\n")
    return manifest


def _published(database: Path, source: str) -> int:
    return rows(
        database,
        "SELECT count(*) FROM listings WHERE status = 'published' AND id IN "
        "(SELECT listing_id FROM listing_sources WHERE source_id = ?)",
        source,
    )[0][0]


def _malformed_meeting(path: Path) -> None:
    meetings = json.loads(path.read_text())
    path.write_text(json.dumps([meetings[0] | {"day": "someday", "time": "25:99"}]))


def _cut_mid_file(path: Path) -> None:
    whole = path.read_bytes()
    path.write_bytes(whole[: len(whole) * 2 // 5])  # the transfer stopped part way


def _two_rows(path: Path) -> None:
    path.write_text("".join(path.read_text().splitlines(keepends=True)[:3]))


BROKEN_SNAPSHOTS = (
    (
        "a Meeting Guide file of one malformed record",
        "seed-aa",
        "meetings/aa-bayside-intergroup.json",
        _malformed_meeting,
    ),
    ("a spreadsheet cut mid-file", "seed-residences", "residences.csv", _cut_mid_file),
    ("a spreadsheet of two rows", "seed-residences", "residences.csv", _two_rows),
)


def broken_snapshots(directory: Directory, folder: Path) -> list[Row]:
    """Ingest each broken full snapshot into a fresh copy; count what it unpublished."""
    copy = folder / "seed"
    shutil.copytree(SEED, copy, dirs_exist_ok=True)
    found = []
    for n, (label, source, path, spoil) in enumerate(BROKEN_SNAPSHOTS):
        shutil.copyfile(SEED / path, copy / path)
        spoil(copy / path)
        database = copy_database(directory.database, folder / f"feed-{n}.sqlite3")
        before = _published(database, source)
        report = folder / f"feed-{n}.json"
        ran = cli(
            settings_of(database), "ingest", str(_one_source(copy, source)), "--report", str(report)
        )
        after = _published(database, source)
        held = (
            json.loads(report.read_text())["sources"][0].get("held_back")
            if report.exists()
            else None
        )
        found.append(
            Row(
                f"full snapshot: {label}",
                before,
                {
                    "listings unpublished": max(0, before - after),
                    "exit 0": int(ran.returncode == 0),
                },
                f"{source}: {before} published before, {after} after; exit {ran.returncode}"
                + (f"; {held} held back" if held is not None else ""),
            )
        )
        shutil.copyfile(SEED / path, copy / path)
    return found


def repeated_ids(directory: Directory, folder: Path) -> list[Row]:
    """Ingest a feed in which one id is given to two different meetings."""
    meetings = json.loads((SEED / "meetings" / "aa-bayside-intergroup.json").read_text())[:3]
    twin = meetings[1] | {"name": f"{meetings[1]['name']} (Saturday)", "time": "11:00"}
    feed = folder / "repeated.json"
    feed.write_text(json.dumps([*meetings, twin]))
    database = copy_database(directory.database, folder / "repeated.sqlite3")
    ran = cli(settings_of(database), "ingest", str(feed), "--source-id", "trust-repeated")
    made = rows(
        database,
        "SELECT count(DISTINCT listing_id) FROM listing_sources WHERE source_id = ?",
        "trust-repeated",
    )[0][0]
    ids = len({m.get("slug") for m in meetings})
    return [
        Row(
            "a feed repeating an id with another meeting",
            len(meetings) + 1,
            {"listings beyond one per id": max(0, made - ids)},
            f"{ids} ids, {len(meetings) + 1} records: {made} listings made; exit {ran.returncode}",
        )
    ]


# -- Elasticsearch ------------------------------------------------------------------------------


def node_answering(url: str) -> bool:
    """Tell whether an Elasticsearch node answers at the URL."""
    try:
        return requests.get(f"{url}/_cluster/health", timeout=3).status_code == 200
    except requests.RequestException:
        return False


def _indexes(url: str, alias: str) -> dict[str, list[str]]:
    found = requests.get(f"{url}/{alias}-*/_alias", timeout=30)
    found.raise_for_status()
    return {name: list(entry.get("aliases", {})) for name, entry in found.json().items()}


def late(timings: list[tuple[float, int, bool]]) -> list:
    """Return the searches (seconds, status, degraded) not answered degraded within 3 s."""
    return [t for t in timings if not (t[1] == 200 and t[2] and t[0] < DEGRADED_WITHIN_SECONDS)]


def stalled_node(directory: Directory, folder: Path, url: str, alias: str) -> list[Row]:
    """Serve through a proxy to the node, stall it, and time the searches."""
    node = urlparse(url)
    database = copy_database(directory.database, folder / "elasticsearch.sqlite3")
    config = settings_of(
        database,
        SEARCH="elasticsearch",
        ELASTICSEARCH_URL=url,
        ELASTICSEARCH_INDEX=alias,
        API_RATE_LIMIT="off",
    )
    built = cli(config, "reindex")
    if built.returncode != 0:
        raise RuntimeError(f"resdir reindex failed: {built.stdout[-300:]}{built.stderr[-300:]}")
    timings: list[tuple[float, int, bool]] = []
    with StallingProxy(node.hostname, node.port) as proxy:
        served_config = config | {"ELASTICSEARCH_URL": proxy.url}
        with Gunicorn(served_config, folder / "elasticsearch.log", workers=ES_WORKERS) as server:

            def search() -> tuple[float, int, bool]:
                started = time.monotonic()
                answer = call(server.url, "POST", "/api/v1/match", json=PROFILES[1])
                degraded = answer.status_code == 200 and answer.json().get("degraded") is True
                return time.monotonic() - started, answer.status_code, degraded

            for _ in range(WARM_UP_ROUNDS):  # every worker loads what it needs, healthy
                at_once([search for _ in range(ES_WORKERS)])
            proxy.stall()
            # A change waits in the outbox: the sync before each search meets the hung node.
            beds = {"available": 1, "total": 9}
            submit(server.url, directory.tokens[VERIFIED], "capacity", NOE_HOUSE, beds)
            while len(timings) < STALLED_SEARCHES and len(late(timings)) < LATE_ENOUGH:
                timings.append(search())
            proxy.resume()
            deadline, back = time.monotonic() + RECOVERY_SECONDS, None
            while back is None and time.monotonic() < deadline:
                _seconds, code, degraded = search()
                if code == 200 and not degraded:
                    back = RECOVERY_SECONDS - (deadline - time.monotonic())
                time.sleep(0.2)
            timeouts = server.worker_errors()
    return [
        Row(
            "Elasticsearch stalled: searches degraded within 3 s",
            len(timings),
            {"not degraded within 3 s": len(late(timings))},
            f"slowest {max(t[0] for t in timings):.1f} s; answers "
            f"{statuses([t[1] for t in timings])}, degraded {sum(t[2] for t in timings)}; "
            + (
                f"back on the cluster {back:.1f} s after it answered"
                if back is not None
                else "not back on the cluster"
            )
            + f"; server log: {len(timeouts)} errors",
        )
    ]


def interrupted_reindex(directory: Directory, folder: Path, url: str, alias: str) -> list[Row]:
    """Kill a rebuild while it loads, rebuild again, and count the indexes left over."""
    database = copy_database(directory.database, folder / "rebuild.sqlite3")
    config = settings_of(
        database, SEARCH="elasticsearch", ELASTICSEARCH_URL=url, ELASTICSEARCH_INDEX=alias
    )
    marker = folder / "loading"
    process = subprocess.Popen(
        [sys.executable, "-c", INTERRUPTED_REBUILD, str(database), url, alias, str(marker)],
        cwd=REPO,
        env={**os.environ, "RESDIR_NOW": NOW.isoformat()},
    )
    try:
        deadline = time.monotonic() + 120
        while not marker.exists() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    loading = marker.exists()
    again = cli(config, "reindex")
    left = [name for name, aliases in _indexes(url, alias).items() if alias not in aliases]
    return [
        Row(
            "Elasticsearch: a rebuild killed mid-load, then resdir reindex",
            2,
            {"orphan indexes left": len(left)},
            f"killed {'while loading' if loading else 'before it loaded'}; "
            f"reindex exit {again.returncode}" + (f"; left: {', '.join(left)}" if left else ""),
        )
    ]


def delete_indexes(url: str, alias: str) -> None:
    """Delete every index of this run."""
    for name in _indexes(url, alias):
        requests.delete(f"{url}/{name}", timeout=30)


# -- the run ------------------------------------------------------------------------------------


def measure(rows_: list[Row], console: Console, name: str, probe: Callable, *args) -> None:
    """Run a probe, keep its rows and say them; a probe that breaks gets a row saying so."""
    started = time.monotonic()
    try:
        found = probe(*args)
    except Exception as exc:  # one broken probe must not hide the figures of the others
        detail = traceback.format_exception_only(exc)[-1].strip()
        found = [Row(name, 0, {"probe broke": 1}, detail[:300], broke=True)]
    for row in found:
        rows_.append(row)
        failed = ", ".join(f"{n} {what}" for what, n in row.failed.items())
        console.print(
            f"  {row.probe}: {row.tried:,} tried, {failed} ({time.monotonic() - started:.1f} s)"
        )


SERVED_PROBES = (
    ("cross-agency", cross_agency),
    ("reflected payloads", reflected),
    ("CSRF", csrf_less),
    ("peer session", peer_session),
    ("confidential street", confidential),
    ("profile in a URL", profile_in_url),
    ("six admins", six_admins),
    ("bed counts", bed_counts),
    ("stale edit form", stale_form),
    ("searches after a publication", after_publication),
    ("during an ingest", during_ingest),
)
SESSION_PROBES = (
    ("replayed cookie", replayed_cookie),
    ("concurrent guesses", concurrent_guesses),
    ("locked out from elsewhere", locked_out),
    ("extreme values", extreme_values),  # on this copy: it may leave the directory unsearchable
    ("API hammered", hammered),  # last: it uses up the address's API allowance
)
ELASTICSEARCH_PROBES = (
    ("Elasticsearch stalled", stalled_node),
    ("interrupted reindex", interrupted_reindex),
)


def served_group(
    found: list[Row], console: Console, name: str, probes, directory, folder, options, **settings
) -> None:
    """Start a server on a fresh copy and run probes against it, one after another."""
    started = time.monotonic()
    try:
        with serving(directory, folder, name, options, **settings) as served:
            console.print(f"{name} server up in {time.monotonic() - started:.1f} s at {served.url}")
            for label, probe in probes:
                errors = len(served.server.worker_errors())
                measure(found, console, label, probe, served)
                more = len(served.server.worker_errors()) - errors
                if more:
                    found[-1].note += f"; server log: {more} new error lines"
    except AssertionError as exc:  # gunicorn did not start: the code does not load today
        found.append(Row(f"{name} server", 0, {"could not start": 1}, str(exc)[-300:], True))


def table(found: list[Row]) -> Table:
    """Return the table of every probe's figures."""
    out = Table(title="Issue 10's probes, re-run", show_lines=True)
    out.add_column("probe")
    out.add_column("tried", justify="right")
    out.add_column("failed")
    out.add_column("note")
    for row in found:
        failed = "\n".join(f"{n:,} {what}" for what, n in row.failed.items())
        style = "red" if row.failures() else "green"
        out.add_row(row.probe, f"{row.tried:,}", f"[{style}]{failed}[/]", row.note)
    return out


def main(argv: list[str] | None = None) -> int:
    """Prepare the directory, run every probe, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=DEFAULT_ROUNDS, help="of six approvals")
    parser.add_argument("--beds", type=int, default=DEFAULT_BEDS, help="simultaneous bed counts")
    parser.add_argument("--stale-rounds", type=int, default=DEFAULT_STALE_ROUNDS)
    parser.add_argument(
        "--searches", type=int, default=DEFAULT_SEARCHES, help="searches right after publications"
    )
    parser.add_argument("--meetings", type=int, default=DEFAULT_MEETINGS, help="ingested at once")
    parser.add_argument(
        "--payloads", type=int, default=len(PAYLOADS), help=f"payloads per field, 1-{len(PAYLOADS)}"
    )
    parser.add_argument("--guesses", type=int, default=DEFAULT_GUESSES)
    parser.add_argument("--hammer", type=int, default=DEFAULT_HAMMER, help="API requests")
    parser.add_argument("--threads", type=int, default=DEFAULT_THREADS, help="client threads")
    parser.add_argument(
        "--elasticsearch-url",
        help=f"default: {DEFAULT_ELASTICSEARCH_URL} when a node answers there",
    )
    parser.add_argument(
        "--no-elasticsearch", action="store_true", help="skip its probes even if a node answers"
    )
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (logs)")
    parser.add_argument("--json", type=Path, help="write the rows to this file")
    args = parser.parse_args(argv)
    for name, value in vars(args).items():
        if type(value) is int and value < 1:  # every count: payloads, rounds, threads, ...
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.keep and args.keep.exists() and any(args.keep.iterdir()):
        parser.error(f"--keep {args.keep}: give a folder that is new or empty")
    if args.payloads > len(PAYLOADS):
        parser.error(f"--payloads must be 1 to {len(PAYLOADS)}")
    es_url = args.elasticsearch_url or (
        DEFAULT_ELASTICSEARCH_URL if node_answering(DEFAULT_ELASTICSEARCH_URL) else None
    )
    if args.no_elasticsearch:
        es_url = None
    console = Console(highlight=False)
    if not console.is_terminal:
        console.width = TABLE_WIDTH
    console.print(
        f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs; "
        f"clock stopped at {NOW.isoformat()}; Elasticsearch: {es_url or 'none answering'}"
    )
    started = time.monotonic()
    found: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="resdir-trust-") as temporary:
        folder = args.keep or Path(temporary)
        folder.mkdir(parents=True, exist_ok=True)
        directory = prepare(folder)
        console.print(f"demo directory and accounts ready in {time.monotonic() - started:.1f} s")
        with access_logged():
            served_group(
                found, console, "main", SERVED_PROBES, directory, folder, args, API_RATE_LIMIT="off"
            )
        served_group(
            found,
            console,
            "sessions",
            SESSION_PROBES,
            directory,
            folder,
            args,
            API_RATE_LIMIT=f"{API_LIMIT_PER_MINUTE}/minute",
            LOGIN_ATTEMPTS=LOGIN_ATTEMPTS,
        )
        console.print("feeds")
        measure(found, console, "broken snapshots", broken_snapshots, directory, folder)
        measure(found, console, "repeated ids", repeated_ids, directory, folder)
        if es_url:
            alias = f"resdir-trust-{uuid.uuid4().hex[:8]}"
            console.print(f"Elasticsearch at {es_url}, alias {alias}")
            try:
                for label, probe in ELASTICSEARCH_PROBES:
                    measure(found, console, label, probe, directory, folder, es_url, alias)
            finally:
                delete_indexes(es_url, alias)
        else:
            skipped = "--no-elasticsearch" if args.no_elasticsearch else "no node answering"
            found.append(Row("Elasticsearch probes", 0, {}, f"skipped: {skipped}"))
    console.print(table(found))
    console.print(f"{len(found)} probes in {time.monotonic() - started:.0f} s")
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in found], indent=2) + "\n", "utf-8")
    return 1 if any(r.broke for r in found) else 0


if __name__ == "__main__":
    sys.exit(main())
