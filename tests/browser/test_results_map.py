"""The results map: streets from a tile server, every result of the page its own pin, pins at
one place spread, "you are here" under them, and on a phone the list first, the map when asked.

The tile server is a small HTTP server on 127.0.0.1 standing in for OpenStreetMap's (which the
machine cannot reach): it answers /{z}/{x}/{y}.png with a real PNG, and the app is pointed at it
through RESDIR_TILE_URL, with the default attribution (OpenStreetMap's)."""

import re
import struct
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect

from ingest.manifest import SourceSpec
from resdir import create_app
from tests.browser.conftest import (
    DESKTOP,
    PHONE,
    SCREENSHOTS,
    axe_check,
    new_page,
    open_page,
    serve,
)
from tests.seed import load_seed, load_sources

MEETINGS_PATH = "/search?near=94110&needs=sober_social.meeting"
# San Francisco and Marin's Meeting Guide feed: near 94110, most of a page meets in one church.
SF_MARIN_FEED = "code4recovery-tsml-ui-meeting-feeds/aasfmarin.test.json"
TILE_PIXELS = 256
TILE_PATH = re.compile(r"^/(\d+)/(\d+)/(\d+)\.png$")
PINS = "#map .leaflet-marker-icon.map-pin"
LANGUAGES = {"en": "", "es": "&lang=es"}
TOGGLE = {"en": ("List", "Map"), "es": ("Lista", "Mapa")}


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """Return a PNG image of one colour."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


class TileServer(ThreadingHTTPServer):
    """Serve one PNG for every /{z}/{x}/{y}.png, keeping each request's path and Referer."""

    def __init__(self):
        super().__init__(("127.0.0.1", 0), TileHandler)
        self.tile = png(TILE_PIXELS, TILE_PIXELS, (232, 236, 224))
        self.requests: list[tuple[str, str | None]] = []


class TileHandler(BaseHTTPRequestHandler):
    """Answer tile requests as a tile server does."""

    server: TileServer

    def do_GET(self):
        self.server.requests.append((self.path, self.headers.get("Referer")))
        if not TILE_PATH.match(self.path):
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(self.server.tile)))
        self.end_headers()
        self.wfile.write(self.server.tile)

    def log_message(self, format, *args):
        """Keep the test output to the test's own."""


@pytest.fixture(scope="module")
def tiles():
    """Return a running tile server on 127.0.0.1."""
    server = TileServer()
    thread = threading.Thread(target=server.serve_forever)
    thread.start()
    yield server
    server.shutdown()
    thread.join()
    server.server_close()


def _with_tiles(tiles: TileServer, make):
    """Return the app `make()` creates with its map tiles from the loopback tile server, named
    in RESDIR_TILE_URL as an operator would (the attribution left at its default)."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("RESDIR_TILE_URL", f"http://127.0.0.1:{tiles.server_port}/{{z}}/{{x}}/{{y}}.png")
        env.delenv("RESDIR_TILE_ATTRIBUTION", raising=False)
        return make()


@pytest.fixture(autouse=True)
def fresh_tile_log(tiles):
    """Start each test with no tile request kept (both directories share the tile server)."""
    tiles.requests.clear()


@pytest.fixture(scope="module")
def live_app(tmp_path_factory, tiles):
    """Serve the demo directory with map tiles from the loopback tile server."""
    database = tmp_path_factory.mktemp("map") / "seed.sqlite3"
    yield from serve(_with_tiles(tiles, lambda: load_seed(database)), database)


@pytest.fixture(scope="module")
def sf_marin_app(tmp_path_factory, tiles, shared_data):
    """Serve the real San Francisco and Marin meeting feed with the same tiles."""
    database = tmp_path_factory.mktemp("sf-marin") / "meetings.sqlite3"
    app = _with_tiles(tiles, lambda: create_app({"DATABASE": str(database), "TESTING": True}))
    feed = SourceSpec(id="sf-marin", path=shared_data / SF_MARIN_FEED, format="meeting-guide")
    load_sources(app, [feed])
    yield from serve(app, database)


@pytest.fixture
def sf_marin_page(browser, sf_marin_app, browser_errors):
    """Return a page of the real feed's directory."""
    yield from new_page(browser, sf_marin_app, browser_errors)


def _screenshot(page, viewport: str, language: str) -> None:
    """Write screenshots/map-results-<viewport>-<language>.png of the page at its size now."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"map-results-{viewport}-{language}.png", full_page=True)


def _placed(page) -> list[str]:
    """Return the numbers of the listed results that have a place (not online only)."""
    return page.locator("li.result[data-lat]").evaluate_all(
        "items => items.map(item => item.dataset.number)"
    )


def _pins(page) -> list[dict]:
    """Return each result pin's number, title and centre on the screen."""
    return page.locator(PINS).evaluate_all(
        """pins => pins.map(pin => {
            const box = pin.getBoundingClientRect();
            return {number: pin.textContent, title: pin.title,
                    x: box.left + box.width / 2, y: box.top + box.height / 2};
        })"""
    )


def _assert_streets_drawn(page, live_app, tiles) -> None:
    """Assert that tiles were asked for, with this site as the only Referer, and drawn."""
    loaded = page.locator("#map img.leaflet-tile.leaflet-tile-loaded")
    expect(loaded.first).to_be_visible()
    widths = loaded.evaluate_all("tiles => tiles.map(tile => tile.naturalWidth)")
    assert widths and set(widths) == {TILE_PIXELS}
    asked = [(path, referer) for path, referer in tiles.requests if TILE_PATH.match(path)]
    assert asked, "the map asked the tile server for tiles"
    # The usage policy asks for a Referer; the page's address (what the person searched) stays.
    assert {referer for _, referer in asked} == {live_app.url + "/"}


def _assert_every_result_pinned(page) -> None:
    """Assert that every listed result has its own pin (every meeting near 94110 has a
    place), none hidden by another or by "you are here": each pin is what lies at its centre."""
    placed = _placed(page)
    assert len(placed) == page.locator("li.result").count()
    expect(page.locator(PINS)).to_have_count(len(placed))
    page.locator("#map").scroll_into_view_if_needed()
    pins = _pins(page)
    assert sorted(p["number"] for p in pins) == sorted(placed)
    on_top = page.evaluate(
        """points => points.map(p => {
            const found = document.elementFromPoint(p.x, p.y);
            const pin = found && found.closest('.map-pin');
            return pin ? pin.textContent : null;
        })""",
        pins,
    )
    assert on_top == [p["number"] for p in pins]


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_desktop_shows_the_list_and_the_map_with_streets_and_every_result(
    page, live_app, tiles, language
):
    page.set_viewport_size(DESKTOP)
    open_page(page, MEETINGS_PATH + LANGUAGES[language])
    expect(page.locator("[data-view-toggle]")).to_be_hidden()
    expect(page.locator("#results-list")).to_be_visible()
    expect(page.locator("#map")).to_be_visible()
    _assert_streets_drawn(page, live_app, tiles)
    _assert_every_result_pinned(page)
    credit = page.locator("#map .leaflet-control-attribution")
    expect(credit).to_contain_text("© OpenStreetMap contributors")
    expect(credit.get_by_role("link", name="OpenStreetMap")).to_have_attribute(
        "href", "https://www.openstreetmap.org/copyright"
    )
    # "You are here" is one ring, under the results' pins, and no pin itself.
    you = page.locator("#map .map-you")
    expect(you).to_have_count(1)
    expect(you).not_to_have_class(re.compile(r"\bmap-pin\b"))
    you_layer, pin_layer = page.evaluate(
        """() => ['.leaflet-origin-pane', '.leaflet-marker-pane'].map(
            pane => Number(getComputedStyle(document.querySelector('#map ' + pane)).zIndex))"""
    )
    assert you_layer < pin_layer
    axe_check(page)
    _screenshot(page, "desktop", language)


def test_meetings_at_one_place_are_distinct_pins_each_opening_its_own_listing(page, live_app):
    page.set_viewport_size(DESKTOP)
    open_page(page, MEETINGS_PATH)
    expect(page.locator(PINS)).to_have_count(len(_placed(page)))
    # The demo feed has several meetings at one church: the same point on more than one card.
    points = page.locator("li.result[data-lat]").evaluate_all(
        "items => items.map(i => [i.dataset.lat + ',' + i.dataset.lon, i.dataset.number])"
    )
    by_point: dict[str, list[str]] = {}
    for point, number in points:
        by_point.setdefault(point, []).append(number)
    shared = next(numbers for numbers in by_point.values() if len(numbers) > 1)
    centres = {p["number"]: (p["x"], p["y"]) for p in _pins(page)}
    first, second = shared[:2]
    assert centres[first] != centres[second]
    for number in (first, second):
        card = page.locator(f'li.result[data-number="{number}"]')
        name = card.locator("h3 a")
        page.locator(PINS, has_text=re.compile(rf"^{number}$")).click()
        # The popup just opened (the one before fades out behind it).
        popup = page.locator("#map .leaflet-popup-content").last
        link = popup.locator("a")
        expect(link).to_have_text(f"{number}. {name.inner_text()}")
        expect(link).to_have_attribute("href", name.get_attribute("href"))
        expect(popup).to_contain_text(card.locator(".where").inner_text())
    # From the keyboard: a pin is a button; Enter opens its popup and puts the link next.
    pin = page.locator(PINS, has_text=re.compile(rf"^{first}$"))
    expect(pin).to_have_attribute("role", "button")
    pin.focus()
    page.keyboard.press("Enter")
    link = page.locator("#map .leaflet-popup-content a").last
    expect(link).to_be_focused()
    expect(link).to_have_text(re.compile(rf"^{first}\. "))
    # Escape closes it and goes back to the pin.
    page.keyboard.press("Escape")
    expect(pin).to_be_focused()
    expect(page.locator("#map .leaflet-popup")).to_have_count(0)


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_phone_shows_the_list_first_and_the_map_when_asked(page, live_app, tiles, language):
    page.set_viewport_size(PHONE)
    open_page(page, MEETINGS_PATH + LANGUAGES[language])
    list_name, map_name = TOGGLE[language]
    show_list = page.get_by_role("button", name=list_name, exact=True)
    show_map = page.get_by_role("button", name=map_name, exact=True)
    expect(show_list).to_have_attribute("aria-pressed", "true")
    expect(show_map).to_have_attribute("aria-pressed", "false")
    expect(page.locator("#results-list")).to_be_visible()
    expect(page.locator("#map")).to_be_hidden()
    axe_check(page)

    show_map.click()
    expect(show_map).to_have_attribute("aria-pressed", "true")
    expect(show_list).to_have_attribute("aria-pressed", "false")
    expect(page.locator("#map")).to_be_visible()
    expect(page.locator("#results-list")).to_be_hidden()
    _assert_streets_drawn(page, live_app, tiles)
    _assert_every_result_pinned(page)
    axe_check(page)
    _screenshot(page, "phone", language)

    show_list.click()
    expect(page.locator("#results-list")).to_be_visible()
    expect(page.locator("#map")).to_be_hidden()


def test_without_javascript_the_list_is_the_page(page_without_js, live_app, tiles):
    page = page_without_js
    page.set_viewport_size(PHONE)
    open_page(page, MEETINGS_PATH)
    expect(page.locator("#results-list")).to_be_visible()
    expect(page.locator("[data-view-toggle]")).to_be_hidden()
    expect(page.locator("#map")).to_be_hidden()


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_fifteen_meetings_at_one_church_are_fifteen_pins_on_the_real_feed(
    sf_marin_page, sf_marin_app, tiles, viewport
):
    page = sf_marin_page
    page.set_viewport_size(PHONE if viewport == "phone" else DESKTOP)
    open_page(page, MEETINGS_PATH)
    expect(page.locator("li.result")).to_have_count(20)
    doors = page.locator("li.result .where").all_inner_texts()
    church = max(set(doors), key=doors.count)
    assert doors.count(church) >= 10, "most of the page meets at one address"
    if viewport == "phone":
        page.get_by_role("button", name="Map", exact=True).click()
    _assert_streets_drawn(page, sf_marin_app, tiles)
    _assert_every_result_pinned(page)
    axe_check(page)
