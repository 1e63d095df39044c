"""Drive resdir's pages in a real headless Chromium: the live app, the browser and the checks.

The browser suite shares one demo directory (data/seed) served over HTTP and one Chromium; each
test gets a fresh browser context (no cookies, no storage) whose base URL is the live app, so
`page.goto("/search?...")` takes a path. A page test (tests/browser/test_<page>.py; the labels
and headings below stand for the page's own)::

    from playwright.sync_api import expect

    from tests.browser.conftest import PHONE, axe_check, open_page, screenshot

    def test_search_from_a_zip_on_a_phone(page, live_app):
        page.set_viewport_size(PHONE)
        open_page(page, "/")                      # asserts HTTP 200, returns the response
        start = len(live_app.log_lines)
        page.get_by_label("ZIP code").fill("94110")
        page.get_by_role("button", name="Search").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Meetings near 94110")
        axe_check(page)                           # WCAG 2.1 A and AA, on the page as it is now
        screenshot(page, "search-results")        # screenshots/search-results-{phone,desktop}.png
        assert not any("94110" in line for line in live_app.log_lines[start:])

    def test_search_form_works_without_javascript(page_without_js):
        ...                                       # same steps: the form must submit by itself

Every check that holds for all pages (axe at both widths, weight, headers, skip link, language
switch, no JavaScript) is in test_pages_basics.py: add the new page to its PAGES there rather
than repeating them.

Fixtures:

- `browser_path` (the Chromium executable), `browser` (one Chromium for the session).
- `page`: a JavaScript page at DESKTOP size; `page_without_js`: the same with JavaScript off.
  For a second page, or one with other context options (clipboard permissions), use
  `yield from new_page(browser, live_app, browser_errors, **options)` in a fixture.
  Both fail the test (an error at teardown) on any console error or uncaught page error: a
  Content-Security-Policy violation is a console error, and so is a sub-resource that does not
  load. `browser_errors` is that list, for a test that provokes an error on purpose and clears it.
- `live_app`: the server, with `.url` ("http://127.0.0.1:PORT"), `.app` (the Flask app: use
  `with live_app.app.app_context():` to read its store), `.database` (the SQLite file) and
  `.log_lines` (every line the server and the app logged, debug included, as plain text;
  request lines as `resdir serve` logs them, query strings cut). It lives for the session: a test
  that writes to the store undoes it, and a test reading the log reads the lines it caused.

Helpers (import them from tests.browser.conftest):

- `open_page(page, path) -> Response`: go to the path, wait for its load event and assert 200
  (what scripts fetch later, wait for with `expect(...)`). A 404 raises PageMissing, so a page
  not built yet can be listed with `pytest.mark.xfail(raises=PageMissing, strict=True)`.
- `axe_check(page)`: run axe-core for WCAG 2.0/2.1 A and AA on the page as it stands; fails
  listing each violation's rule, impact, help and first targets. Resize first to check a width.
- `screenshot(page, name) -> {"phone": Path, "desktop": Path}`: full-page screenshots at both
  widths in screenshots/ at the repository root; leaves the page at DESKTOP size.
- `page_weight(page, path) -> int`: load the page as on a first visit (no cache), asserting
  200 as open_page does, and return the bytes of every response body fetched until the network
  was idle (document, styles, scripts, images, data), map tiles aside; bodies as sent: the
  development server does not compress.

Viewports are PHONE (360x740) and DESKTOP (1280x900). Chromium is Debian's (`make browser`),
axe-core comes from npm (`make install`): where either is missing the tests skip, or fail when
RESDIR_REQUIRE_BROWSER=1 (CI). RESDIR_CHROMIUM names another Chromium executable.
"""

import logging
import os
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from playwright.sync_api import Browser, Locator, Page, Response, sync_playwright
from werkzeug.serving import make_server

from resdir.cli import PathOnlyRequestHandler
from tests.seed import load_seed

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "screenshots"
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("RESDIR_CHROMIUM", "/usr/bin/chromium")
REQUIRE_BROWSER = os.environ.get("RESDIR_REQUIRE_BROWSER") == "1"
# Chromium refuses its sandbox to root, and containers often run tests as root.
CHROMIUM_ARGS = ["--no-sandbox"] if os.geteuid() == 0 else []
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}
LOCALE = "en-US"  # the browser's Accept-Language: pages answer in English unless switched
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_TARGETS_SHOWN = 3  # selectors listed per violation
# Map tiles are /{z}/{x}/{y}.png (or .jpg, .webp, .pbf) on any tile server.
TILE = re.compile(r"/\d+/\d+/\d+(@2x)?\.(png|jpe?g|webp|pbf)(\?|$)")
ANSI = re.compile(r"\x1b\[[0-9;]*m")  # werkzeug colours the status of 3xx-5xx request lines
LOG_FORMAT = "%(levelname)s %(name)s: %(message)s"


class PageMissing(Exception):
    """The server has no page at this path (404)."""


def _unavailable(message: str):
    if REQUIRE_BROWSER:
        pytest.fail(message + "; RESDIR_REQUIRE_BROWSER=1 makes this a failure")
    pytest.skip(message)


@cache
def _axe_source() -> str:
    if not AXE.is_file():
        _unavailable(f"no axe-core at {AXE}: make install puts it in node_modules")
    return AXE.read_text("utf-8")


def _answered(response: Response, path: str) -> Response:
    if response.status == 404:
        raise PageMissing(f"no page at {path} (404)")
    assert response.status == 200, f"{path} answered {response.status}"
    return response


def reveal(page: Page, field: Locator) -> Locator:
    """Open the peer console's profile group (and its "More") holding a field, as a person
    does, by clicking their summaries, outermost first; return the field."""
    groups = page.locator("#peer-form details", has=field)
    for index in range(groups.count()):
        group = groups.nth(index)
        if not group.evaluate("details => details.open"):
            group.locator(":scope > summary").click()
    return field


def open_page(page: Page, path: str) -> Response:
    """Load the path, assert 200 and return the response; raise PageMissing on a 404."""
    return _answered(page.goto(path), path)


def _violations(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        targets = [" ".join(node["target"]) for node in v["nodes"][:AXE_TARGETS_SHOWN]]
        more = len(v["nodes"]) - len(targets)
        lines.append(
            f"- {v['id']} ({v['impact']}): {v['help']}: {', '.join(targets)}"
            + (f" and {more} more" if more > 0 else "")
        )
    return "\n".join(lines)


def axe_check(page: Page) -> None:
    """Assert that axe-core finds no WCAG 2.1 A or AA violation on the page as it stands."""
    # Evaluated through DevTools, the script is not subject to the page's CSP (which refuses
    # inline and injected scripts). Each load of a page starts without it.
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source())
    violations = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})"
        ".then(result => result.violations)",
        AXE_TAGS,
    )
    size = page.viewport_size
    where = f"{page.url} at {size['width']}x{size['height']}"
    assert not violations, f"axe violations on {where}:\n{_violations(violations)}"


def screenshot(page: Page, name: str) -> dict[str, Path]:
    """Write screenshots/<name>-phone.png and <name>-desktop.png of the whole page."""
    SCREENSHOTS.mkdir(exist_ok=True)
    paths = {}
    for width, viewport in VIEWPORTS.items():
        page.set_viewport_size(viewport)
        paths[width] = SCREENSHOTS / f"{name}-{width}.png"
        page.screenshot(path=paths[width], full_page=True)
    return paths


def page_weight(page: Page, path: str) -> int:
    """Load the page (asserting 200, as open_page) and return the bytes of every response body
    it fetched, map tiles aside."""
    responses = []

    def keep(response: Response) -> None:
        responses.append(response)

    # Weighed as on a first visit: nothing from the cache, whatever this page loaded before.
    devtools = page.context.new_cdp_session(page)
    devtools.send("Network.enable")
    devtools.send("Network.setCacheDisabled", {"cacheDisabled": True})
    page.on("response", keep)
    try:
        # Idle: what scripts fetch once the page has loaded is part of its weight.
        _answered(page.goto(path, wait_until="networkidle"), path)
    finally:
        page.remove_listener("response", keep)
        devtools.detach()
    # A redirect has no body to read, and its few bytes are not the page's weight.
    return sum(
        len(r.body()) for r in responses if not TILE.search(r.url) and not 300 <= r.status < 400
    )


class _Lines(logging.Handler):
    """Keep each log record as one line of plain text."""

    def __init__(self, lines: list[str]):
        super().__init__()
        self.lines = lines
        self.setFormatter(logging.Formatter(LOG_FORMAT))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(ANSI.sub("", self.format(record)))


@dataclass
class LiveApp:
    """The demo directory served over HTTP for the browser."""

    url: str
    app: Flask
    database: Path
    log_lines: list[str] = field(default_factory=list)


def serve(app: Flask, database: Path, log_lines: list[str] | None = None) -> Iterator[LiveApp]:
    """Serve an app on a free port of 127.0.0.1 as `resdir serve` does, for as long as the
    caller holds it: `yield from` it in a fixture. `log_lines`: the list its logs go to."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=PathOnlyRequestHandler)
    thread = threading.Thread(target=server.serve_forever)
    thread.start()
    yield LiveApp(
        f"http://127.0.0.1:{server.server_port}",
        app,
        database,
        [] if log_lines is None else log_lines,
    )
    server.shutdown()
    thread.join()
    server.server_close()


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    """Serve the demo directory on a free port of 127.0.0.1 as `resdir serve` does, logs kept."""
    database = tmp_path_factory.mktemp("browser") / "seed.sqlite3"
    app = load_seed(database)
    lines = []
    handler = _Lines(lines)
    # Debug included: a test may assert that something never reaches any log.
    loggers = [logging.getLogger("werkzeug"), app.logger]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
    yield from serve(app, database, lines)
    for logger, level in zip(loggers, levels, strict=True):
        logger.removeHandler(handler)
        logger.setLevel(level)


def serve_agency_directory(folder: Path) -> Iterator[LiveApp]:
    """Serve a copy of the demo directory in `folder`, with the agency accounts of
    tests/functional/test_agency_pages.py (staff of two organizations, one verified; an admin):
    `yield from` it in a module's own `live_app` fixture."""
    from tests.functional.test_agency_pages import directory_on

    load_seed(folder / "seed.sqlite3")
    app = directory_on(folder / "seed.sqlite3", folder)
    yield from serve(app, folder / "resdir.sqlite3")


@pytest.fixture(scope="session")
def browser_path() -> str:
    """Return the Chromium executable, or skip (fail in CI) when there is none."""
    if not os.access(CHROMIUM, os.X_OK):
        _unavailable(f"no Chromium at {CHROMIUM}: make browser installs Debian's chromium")
    return CHROMIUM


@pytest.fixture(scope="session")
def browser(browser_path) -> Browser:
    """Return one headless Chromium for the whole session."""
    _axe_source()  # a missing axe-core says so once, before any page loads
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=browser_path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_errors() -> list[str]:
    """Return the console and page errors of this test's pages: the test fails unless empty."""
    return []


def new_page(browser: Browser, live_app: LiveApp, errors: list[str], **options):
    """Yield a page of the live app in a fresh context with `options` (permissions, JavaScript
    off, ...); fail at teardown on any console or page error collected in `errors`."""
    context = browser.new_context(base_url=live_app.url, viewport=DESKTOP, locale=LOCALE, **options)
    page = context.new_page()

    def console(message) -> None:
        # Not the page's errors: the document's own status (open_page asserts it; a page that
        # is not there says so plainly), and the icon the browser asks for once a session
        # whatever the page (test_site_has_an_icon checks it).
        failed_load = message.text.startswith("Failed to load resource")
        url = message.location["url"]
        if message.type != "error" or (
            failed_load and (url == page.url or urlsplit(url).path == "/favicon.ico")
        ):
            return
        errors.append(f"console error on {page.url}: {message.text} ({url})")

    page.on("console", console)
    page.on("pageerror", lambda error: errors.append(f"page error on {page.url}: {error}"))
    yield page
    context.close()
    assert not errors, "the browser reported errors:\n" + "\n".join(errors)


@pytest.fixture
def page(browser, live_app, browser_errors):
    """Return a page with JavaScript in a fresh context; fail on any console or page error."""
    yield from new_page(browser, live_app, browser_errors)


@pytest.fixture
def page_without_js(browser, live_app, browser_errors):
    """Return a page without JavaScript in a fresh context; fail on any console error."""
    yield from new_page(browser, live_app, browser_errors, java_script_enabled=False)
