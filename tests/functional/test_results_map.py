"""The results map's configuration: OpenStreetMap's streets and credit by default, allowed by
the page's policy, and a tile server checked at start."""

import re
from html import unescape

import pytest

from resdir import create_app
from resdir.config import ConfigError

MEETINGS_94110 = {"near": "94110", "needs": "sober_social.meeting"}
OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_CREDIT = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
)


def _map(html: str) -> dict[str, str]:
    """Return the results map's data attributes, unescaped."""
    element = re.search(r'<div class="map" id="map"[^>]*>', html)
    assert element, "the results have a map"
    return {k: unescape(v) for k, v in re.findall(r'data-([a-z-]+)="([^"]*)"', element[0])}


def _images(policy: str) -> list[str]:
    """Return the sources a Content-Security-Policy allows images from."""
    return re.search(r"img-src ([^;]+)", policy)[1].split()


def test_by_default_the_map_shows_openstreetmap_streets_with_their_credit(seed_app, monkeypatch):
    monkeypatch.delenv("RESDIR_TILE_URL")  # the tests' own setting: no public tile server
    monkeypatch.delenv("RESDIR_TILE_ATTRIBUTION", raising=False)
    app = create_app({"DATABASE": seed_app.config["DATABASE"], "TESTING": True})
    page = app.test_client().get("/search", query_string=MEETINGS_94110)
    assert page.status_code == 200
    shown = _map(page.get_data(as_text=True))
    assert shown["tiles"] == OSM_TILES
    assert shown["attribution"] == OSM_CREDIT
    assert _images(page.headers["Content-Security-Policy"]) == [
        "'self'",
        "data:",
        "https://tile.openstreetmap.org",
    ]


def test_with_tiles_turned_off_the_map_has_pins_only_and_no_tile_server_is_allowed(seed_app):
    page = seed_app.test_client().get("/search", query_string=MEETINGS_94110)
    assert _map(page.get_data(as_text=True))["tiles"] == ""
    assert _images(page.headers["Content-Security-Policy"]) == ["'self'", "data:"]


@pytest.mark.parametrize(
    "url",
    [
        "https://tiles.example.org/{z}/{x}.png",
        "tiles.example.org/{z}/{x}/{y}.png",
        "javascript:alert('{z}{x}{y}')",
    ],
)
def test_a_tile_url_without_z_x_and_y_on_http_stops_the_start(seed_app, url):
    with pytest.raises(ConfigError, match=r"RESDIR_TILE_URL must be empty or an http\(s\) URL"):
        create_app({**seed_app.config, "TILE_URL": url, "TILE_ATTRIBUTION": "Example"})


def test_a_tile_server_without_its_credit_stops_the_start(seed_app):
    own = "https://tiles.example.org/{z}/{x}/{y}.png"
    with pytest.raises(ConfigError, match="RESDIR_TILE_ATTRIBUTION must give the credit"):
        create_app({**seed_app.config, "TILE_URL": own, "TILE_ATTRIBUTION": " "})
    app = create_app({**seed_app.config, "TILE_URL": own, "TILE_ATTRIBUTION": "Example tiles"})
    page = app.test_client().get("/search", query_string=MEETINGS_94110)
    assert "https://tiles.example.org" in _images(page.headers["Content-Security-Policy"])
