"""The public pages as people use them: call and directions on a card and a listing, back to
the results, a keyword, a place typed without its state, a language switch that keeps a posted
search, a share link to copy (issue 12 items 4 and 8)."""

import re
from html import unescape
from urllib.parse import urlencode

import pytest
from werkzeug.datastructures import MultiDict

from resdir import create_app
from resdir.config import ConfigError
from tests.functional.test_public_pages import (
    NIGHT_SHELTER,
    SECULAR_BY_TRANSIT_FORM,
    SURVIVOR_SHELTER,
    card,
    result_ids,
    text,
)

SHELTERS_94110 = {"near": "94110", "needs": "housing.shelter"}
NIGHT_SHELTER_DOOR = "37.76512,-122.41893"  # the point the demo feed gives its door
OSM_DIRECTIONS = "https://www.openstreetmap.org/directions?route=%3B37.76512%2C-122.41893"


def test_a_card_and_its_listing_call_the_e164_number_and_give_directions_to_the_door(client):
    results = client.get("/search", query_string=SHELTERS_94110).get_data(as_text=True)
    listing = unescape(client.get(f"/listings/{NIGHT_SHELTER}").get_data(as_text=True))
    for html in (card(results, NIGHT_SHELTER), listing):
        call = re.search(r'<a class="button call" href="([^"]+)">Call <span[^>]*>([^<]+)<', html)
        assert call and call.groups() == ("tel:+14155550142", "(415) 555-0142")
        assert f'href="{OSM_DIRECTIONS}" rel="noopener">Directions<' in html
        assert f'href="geo:{NIGHT_SHELTER_DOOR}">Open in maps app<' in html


def test_a_confidential_place_has_a_call_button_and_no_directions_anywhere(client):
    results = client.get("/search", query_string=SHELTERS_94110).get_data(as_text=True)
    listing = client.get(f"/listings/{SURVIVOR_SHELTER}").get_data(as_text=True)
    for html in (card(results, SURVIVOR_SHELTER), listing):
        assert '<a class="button call" href="tel:+14155550100">' in html
        assert "Directions" not in html and "geo:" not in html and "openstreetmap" not in html


def test_the_directions_link_is_the_configured_maps_service(tmp_path, seed_app):
    google = "https://www.google.com/maps/dir/?api=1&destination={lat},{lon}"
    app = create_app({**seed_app.config, "DIRECTIONS_URL": google})
    html = unescape(app.test_client().get(f"/listings/{NIGHT_SHELTER}").get_data(as_text=True))
    assert f"https://www.google.com/maps/dir/?api=1&destination={NIGHT_SHELTER_DOOR}" in html
    for bad in ("https://maps.example/{lat}", "javascript:alert({lat},{lon})", "{lat}{lon}{x}"):
        with pytest.raises(ConfigError, match="RESDIR_DIRECTIONS_URL"):
            create_app({**seed_app.config, "DIRECTIONS_URL": bad})


def test_a_listing_opened_from_results_goes_back_to_the_same_search(client):
    search = {**SHELTERS_94110, "mode": "transit", "max_minutes": "30"}
    results = client.get("/search", query_string=search).get_data(as_text=True)
    link = re.search(rf'href="(/listings/{NIGHT_SHELTER}\?back=[^"]+)"', results)
    assert link, "the card links to its listing with the search"
    listing = client.get(unescape(link[1])).get_data(as_text=True)
    back = re.search(r'<a href="([^"]+)" data-back>Back to results</a>', listing)
    assert back and unescape(back[1]) == "/search?" + urlencode(search)
    # Opened directly, a listing has no way back to results it did not come from.
    assert "Back to results" not in client.get(f"/listings/{NIGHT_SHELTER}").get_data(as_text=True)


@pytest.mark.parametrize(
    "back",
    [
        "https://evil.example/search?near=94110",
        "barriers=no_vehicle&languages=es",  # never put private fields into an address
        "",
    ],
)
def test_back_to_results_is_only_ever_a_search_of_its_shareable_fields(client, back):
    listing = client.get(f"/listings/{NIGHT_SHELTER}", query_string={"back": back})
    assert "Back to results" not in listing.get_data(as_text=True)
    mixed = {"back": "near=94110&barriers=no_vehicle&next=https://evil.example"}
    html = client.get(f"/listings/{NIGHT_SHELTER}", query_string=mixed).get_data(as_text=True)
    assert '<a href="/search?near=94110" data-back>' in html


def test_the_keyword_box_searches_as_the_api_does_and_its_words_are_shared(client):
    home = client.get("/").get_data(as_text=True)
    assert '<input type="search" id="q" name="q" maxlength="200"' in home
    search = {**SHELTERS_94110, "q": "women"}
    api = client.get("/api/v1/search", query_string=search).get_json()
    everything = client.get("/api/v1/search", query_string=SHELTERS_94110).get_json()
    assert 0 < api["total"] < everything["total"]
    html = client.get("/search", query_string=search).get_data(as_text=True)
    assert result_ids(html) == [r["id"] for r in api["results"]]
    assert 'value="women"' in html
    assert "Words: women" in text(html)
    assert re.search(r'id="share-url" readonly value="[^"]*q=women', html)


@pytest.mark.parametrize("near", ["San Francisco", "SF", "s.f.", "San Francisco CA"])
def test_san_francisco_without_its_state_finds_what_san_francisco_ca_finds(client, near):
    expected = client.get(
        "/api/v1/search", query_string={**SHELTERS_94110, "near": "San Francisco, CA"}
    )
    page = client.get("/search", query_string={**SHELTERS_94110, "near": near})
    assert page.status_code == 200
    ids = [r["id"] for r in expected.get_json()["results"]]
    assert ids and result_ids(page.get_data(as_text=True)) == ids


def test_daly_city_without_its_state_is_daly_city_in_california(client):
    named = client.get("/api/v1/search", query_string={"near": "Daly City", "needs": "housing"})
    zip_code = client.get(
        "/api/v1/search", query_string={"near": "Daly City, CA", "needs": "housing"}
    )
    assert named.status_code == 200
    assert named.get_json()["results"] == zip_code.get_json()["results"]


def test_a_name_shared_by_towns_in_several_states_is_the_one_in_the_covered_state(client):
    # The demo directory is in California: "Washington" is Washington, CA, not one of 30 others.
    washington = client.get(
        "/api/v1/search", query_string={"near": "Washington", "needs": "housing"}
    )
    in_california = client.get(
        "/api/v1/search", query_string={"near": "Washington, CA", "needs": "housing"}
    )
    assert washington.status_code == 200
    assert washington.get_json()["results"] == in_california.get_json()["results"]
    # A name no covered state has, and several others do, is still not a place: said in words.
    page = client.get("/search", query_string={"near": "Springfield"})
    assert page.status_code == 422
    assert "We could not find this place." in text(page.get_data(as_text=True))


def test_switching_language_on_posted_results_posts_the_whole_search_again(client):
    english = client.post("/search", data=SECULAR_BY_TRANSIT_FORM).get_data(as_text=True)
    switch = re.search(
        r'<form class="nav-form" method="post" action="([^"]+)">(.*?)<button[^>]*lang="es">'
        r"Español</button></form>",
        english,
        re.S,
    )
    assert switch, "the switch to Spanish is a form that posts the search"
    fields = [(n, unescape(v)) for n, v in re.findall(r'name="(\w+)" value="([^"]*)"', switch[2])]
    assert sorted(fields) == sorted(
        (k, v) for k, v in SECULAR_BY_TRANSIT_FORM.items(multi=True) if v
    )
    spanish = client.post(unescape(switch[1]), data=MultiDict(fields)).get_data(as_text=True)
    assert '<html lang="es">' in spanish
    assert result_ids(spanish) == result_ids(english) != []
    assert "Secular" in text(spanish) and 'value="secular:require" selected' in spanish


def test_a_shared_search_switches_language_by_a_link_that_keeps_its_query(client):
    html = client.get("/search", query_string={**SHELTERS_94110, "q": "women"}).get_data(
        as_text=True
    )
    link = re.search(r'<a href="([^"]+)" lang="es" hreflang="es">Español</a>', html)
    assert link and unescape(link[1]) == "/search?near=94110&needs=housing.shelter&q=women&lang=es"


def test_the_share_link_has_a_copy_button_for_scripts_and_a_link_without_them(client):
    html = client.get("/search", query_string=SHELTERS_94110).get_data(as_text=True)
    assert re.search(r'<button type="button" class="secondary" hidden data-copy="share-url"', html)
    noscript = re.search(r"<noscript>(.*?)</noscript>", html, re.S)
    assert (
        noscript
        and 'href="http://localhost/search?near=94110&amp;needs=housing.shelter"' in noscript[1]
    )
