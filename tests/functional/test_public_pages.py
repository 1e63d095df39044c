"""Drive the public pages through the test client on the demo directory: home, search, listing."""

import re
from datetime import datetime, time, timedelta
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from resdir import create_app, store, vocab
from resdir.listings import listing_id
from tests.clock import NOW, clock_at

NIGHT_SHELTER = listing_id("seed-hsds", "98564e2f-4a2d-55b2-b977-c9c6c9ec60f9")
SURVIVOR_SHELTER = listing_id("seed-hsds", "50fb83f4-c0ce-5f82-bd14-052ee84e13dc")
MEETINGS_94110 = {"near": "94110", "needs": "sober_social.meeting"}
# A person without a car who uses a wheelchair, wants a secular group and not a faith-based one:
# the form sends each checkbox and select as its own field.
SECULAR_BY_TRANSIT_FORM = MultiDict(
    [
        ("near", "94110"),
        ("needs", "sober_social.meeting"),
        ("barriers", "no_vehicle"),
        ("barriers", "mobility"),
        ("values", "secular:require"),
        ("values", "faith_based:avoid"),
        ("values", ""),  # a select left at "no preference"
        ("mode", "transit"),
        ("max_minutes", "45"),
    ]
)
SECULAR_BY_TRANSIT = {
    "location": {"postal_code": "94110"},
    "needs": ["sober_social.meeting"],
    "barriers": ["no_vehicle", "mobility"],
    "values": {"secular": "require", "faith_based": "avoid"},
    "travel": {"mode": "transit", "max_minutes": 45},
}
SAN_FRANCISCO = ZoneInfo("America/Los_Angeles")  # the zone of ZIP 94110
# Leaflet is most of a map page; the budget is for everything before the map's tiles.
PAGE_BUDGET_BYTES = 300 * 1024


def result_ids(html: str) -> list[str]:
    """Return the listing ids of the result cards, in page order."""
    return re.findall(r'<li class="result" id="result-[^"]+" data-id="([^"]+)"', html)


def card(html: str, listing: str) -> str:
    """Return one result card's HTML, unescaped."""
    start = html.index(f'data-id="{listing}"')
    return unescape(html[start : html.index("</article>", start)])


def text(html: str) -> str:
    """Return a page's text without tags, unescaped, spaces collapsed."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def test_home_asks_where_and_offers_every_need_as_a_checkbox(client):
    page = client.get("/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<form class="search-start" action="/search" method="get">' in html
    assert '<input type="text" id="near" name="near"' in html
    for category, (name, subcategories) in vocab.NEEDS.items():
        assert f"<legend>{name}</legend>" in html
        assert f'<input type="checkbox" name="needs" value="{category}">' in html
        for code, words in subcategories.items():
            box = f'<input type="checkbox" name="needs" value="{category}.{code}"> {words}'
            assert unescape(box) in unescape(html)
    # "Use my location" needs JavaScript: the page shows it only once the script runs.
    assert re.search(r"<button[^>]* hidden data-locate=\"near\"", html)
    assert "leaflet" not in html


def test_search_from_94110_shows_named_meetings_with_reasons_and_travel_estimates(client):
    api = client.get("/api/v1/search", query_string=MEETINGS_94110).get_json()
    page = client.get("/search", query_string=MEETINGS_94110)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert result_ids(html) == [r["id"] for r in api["results"]]
    assert "115 places fit" in html
    assert "<li>32 hidden: farther than 60 minutes</li>" in html
    assert "<li>2 hidden: temporarily closed</li>" in html
    first = card(html, api["results"][0]["id"])
    # The listing's link carries the search, for its "Back to results".
    back = "back=near%3D94110%26needs%3Dsober_social.meeting"
    assert f'<a href="/listings/51bcd0b5b354a76f?{back}">Red Road Group</a>' in first
    assert "2868 Mission St, San Francisco, CA 94110" in first
    # 0.35 km, no way to travel chosen: on foot and by transit first, the car last; estimates.
    words = {"walk": "on foot", "transit": "by transit", "car": "by car"}
    trips = " · ".join(f"{t['minutes']} min {words[t['mode']]}" for t in api["results"][0]["trips"])
    assert trips.startswith("5 min on foot · ") and trips.endswith(" by car")
    assert f'<p class="travel">0.2 mi · about {trips} (estimate)</p>' in first
    # Red Road meets on Mondays at 6 PM.
    assert "Next meeting: Mon, December 7, 6:00 PM" in first
    assert re.search(r"Last checked \d+ days ago", first)
    # The results are on a map beside the list, its points those of the cards.
    assert 'data-lat="37.75271" data-lon="-122.41852" data-name="Red Road Group"' in first
    assert "/static/vendor/leaflet/leaflet.js" in html
    assert 'id="map" hidden' in html


def test_outside_the_covered_area_the_page_names_the_areas_and_211_and_988(client):
    english = client.get("/search", query_string={"near": "10001"}).get_data(as_text=True)
    note = english[english.index('<div class="outside-area"') :]
    note = text(note[: note.index("</div>")])
    assert note.strip().startswith("Your place is outside the area this directory covers.")
    assert "It lists places in: San Francisco County, CA; San Mateo County, CA." in note
    assert '<a href="tel:211">Call 211</a>' in english
    assert '<a href="tel:988">Call or text 988</a>' in english
    spanish = client.get("/search", query_string={"near": "10001", "lang": "es"}).get_data(
        as_text=True
    )
    assert "Su lugar está fuera del área que cubre este directorio." in spanish
    assert '<a href="tel:211">Llame al 211</a>' in spanish
    inside = client.get("/search", query_string=MEETINGS_94110).get_data(as_text=True)
    assert "outside-area" not in inside


def test_every_page_s_footer_has_988_and_211(client):
    for path in ("/", "/search?near=94110", "/login", "/listings/51bcd0b5b354a76f"):
        page = client.get(path)
        assert page.status_code == 200, path
        footer = page.get_data(as_text=True).split('<footer class="site-footer">')[1]
        assert '<a href="tel:988">' in footer and '<a href="tel:211">' in footer, path


def test_a_share_link_search_pages_on_with_a_get_link(client):
    first = client.get("/search", query_string=MEETINGS_94110).get_data(as_text=True)
    more = unescape(re.search(r'<a class="button" href="([^"]+)">More results</a>', first)[1])
    assert more.startswith("/search?near=94110&needs=sober_social.meeting&cursor=")
    second = client.get(more).get_data(as_text=True)
    api = client.get("/api/v1/search", query_string=MEETINGS_94110).get_json()
    api_second = client.get(
        "/api/v1/search", query_string={**MEETINGS_94110, "cursor": api["next_cursor"]}
    ).get_json()
    assert result_ids(second) == [r["id"] for r in api_second["results"]]
    assert '<ol class="results" id="results-list" start="21">' in second


def test_filters_posted_hide_what_does_not_fit_say_so_and_match_the_api(client):
    api = client.post("/api/v1/match", json=SECULAR_BY_TRANSIT).get_json()
    page = client.post("/search", data=SECULAR_BY_TRANSIT_FORM)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert result_ids(html) == [r["id"] for r in api["results"]]
    assert f"{api['total']} places fit" in html
    assert api["hidden"], "the filters hide something"
    for hidden in api["hidden"]:
        assert f"<li>{hidden['count']} hidden: {hidden['reason']}</li>" in unescape(html)
    assert any(h["code"] == "requires:secular" for h in api["hidden"])
    for result in api["results"]:
        shown = card(html, result["id"])
        assert "Secular" in shown  # the required value, met
        assert "(estimate)" in shown or "Online: join from anywhere" in shown
        unknown = [r["text"] for r in result["reasons"] if r["met"] is None]
        for reason in unknown:
            if reason.startswith("Call to confirm"):
                assert reason in shown
    # The chosen filters stay in the form, and out of every address on the page.
    assert '<input type="checkbox" name="barriers" value="mobility" checked>' in html
    assert '<option value="secular:require" selected>' in html
    for sensitive in ("mobility", "no_vehicle", "secular", "faith_based"):
        assert not re.search(rf'(href|action|value)="[^"]*[?&][^"]*{sensitive}', html)
    share = text(html[html.index('class="share"') :])
    assert "This link holds only: Where: 94110" in share
    assert "Travel: Public transit, up to 45 min" in share
    assert "It does not hold your situation, what matters to you or your languages." in share


def test_more_results_of_a_posted_search_post_the_same_filters(client):
    # Every kind of listing, by transit, for a wheelchair user who would rather not go to a
    # faith-based place: more than a page.
    form = MultiDict(
        [
            ("near", "94110"),
            ("barriers", "no_vehicle"),
            ("barriers", "mobility"),
            ("values", "faith_based:avoid"),
            ("mode", "transit"),
        ]
    )
    profile = {
        "location": {"postal_code": "94110"},
        "barriers": ["no_vehicle", "mobility"],
        "values": {"faith_based": "avoid"},
        "travel": {"mode": "transit"},
    }
    first = client.post("/search", data=form).get_data(as_text=True)
    more = first[first.index('<form class="more"') :]
    more = more[: more.index("</form>")]
    fields = [
        (unescape(k), unescape(v)) for k, v in re.findall(r'name="(\w+)" value="([^"]*)"', more)
    ]
    assert ("barriers", "mobility") in fields and ("values", "faith_based:avoid") in fields
    second = client.post("/search", data=MultiDict(fields)).get_data(as_text=True)
    api = client.post("/api/v1/match", json=profile).get_json()
    api_second = client.post(
        "/api/v1/match", json={**profile, "cursor": api["next_cursor"]}
    ).get_json()
    assert result_ids(first) == [r["id"] for r in api["results"]]
    assert result_ids(second) == [r["id"] for r in api_second["results"]]


def test_tonight_is_the_evening_on_the_clock_of_the_person_s_place(client):
    tomorrow = (NOW.astimezone(SAN_FRANCISCO) + timedelta(days=1)).date()
    query = {**MEETINGS_94110, "when": "tonight", "day": tomorrow.isoformat()}
    page = client.get("/search", query_string=query)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    api = client.get(
        "/api/v1/search",
        query_string={
            **MEETINGS_94110,
            "from": datetime.combine(tomorrow, time(17), SAN_FRANCISCO).isoformat(),
            "to": datetime.combine(tomorrow, time(23), SAN_FRANCISCO).isoformat(),
        },
    ).get_json()
    assert result_ids(html) == [r["id"] for r in api["results"]]
    assert "Time: tomorrow, 5:00 PM to 11:00 PM" in unescape(html)
    assert "nothing in your time window" in html
    for result in api["results"]:
        assert re.search(
            r"Next meeting: tomorrow, (5|6|7|8|9|10):\d\d PM", card(html, result["id"])
        )


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"near": "00000"}, "near", "We could not find this place."),
        ({"near": "Atlantis"}, "near", "We could not find this place."),
        ({"needs": "housing"}, "near", "Tell us where you are"),
        ({"near": "94110", "max_minutes": "abc"}, "max_minutes", "Enter a number of minutes"),
        ({"near": "94110", "max_minutes": "500"}, "max_minutes", "Enter a number of minutes"),
        ({"near": "94110", "needs": "housing.yacht"}, "needs", "Choose from the needs listed."),
        ({"near": "94110", "mode": "teleport"}, "mode", "Choose how you travel"),
        ({"near": "94110", "when": "someday"}, "when", "Choose open now, tonight"),
        ({"near": "94110", "day": "2020-01-01"}, "day", "Choose a day from the list."),
    ],
)
def test_bad_search_input_is_told_beside_its_field(client, query, field, message):
    page = client.get("/search", query_string=query)
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert re.search(rf'<p class="error" id="{field}-error">{re.escape(message)}', unescape(html))
    assert f'href="#{field}"' in html  # the summary at the top links to the field
    assert "Traceback" not in html and "places fit" not in html


def test_bad_posted_filters_are_told_beside_their_field(client):
    page = client.post("/search", data=MultiDict([("near", "94110"), ("barriers", "on_a_boat")]))
    assert page.status_code == 422
    assert '<p class="error" id="barriers-error">' in page.get_data(as_text=True)
    page = client.post(
        "/search", data=MultiDict([("near", "94110"), ("barriers", "limited_english")])
    )
    assert page.status_code == 422
    assert '<p class="error" id="languages-error">' in page.get_data(as_text=True)
    page = client.post(
        "/search",
        data=MultiDict([("near", "94110"), ("barriers", "limited_english"), ("languages", "es")]),
    )
    assert page.status_code == 200
    page = client.post("/search", data=MultiDict([("near", "94110"), ("cursor", "not-a-cursor")]))
    assert page.status_code == 400
    assert "These results have changed since: search again." in page.get_data(as_text=True)


def test_search_unavailable_is_a_503_page_not_a_500(seed_app):
    app = create_app(
        {
            "DATABASE": seed_app.config["DATABASE"],
            "TESTING": True,
            "SEARCH": "elasticsearch",
            "ELASTICSEARCH_URL": "http://127.0.0.1:9",  # nothing listens there
            "SEARCH_FALLBACK": False,
            "ELASTICSEARCH_TIMEOUT_SECONDS": 1,
        }
    )
    page = app.test_client().get("/search", query_string=MEETINGS_94110)
    assert page.status_code == 503
    html = page.get_data(as_text=True)
    assert "Search is unavailable for now. Please try again in a minute." in html
    assert 'id="near" name="near" value="94110"' in html  # the search is kept to try again


def test_a_search_page_with_nothing_asked_is_the_form(client):
    page = client.get("/search")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<form class="search-form" action="/search" method="post">' in html
    assert "places fit" not in html and 'class="error"' not in html


def day_options(html: str) -> list[tuple[str, str]]:
    """Return the days a form's day list offers, `(value, text)`, after "Any day"."""
    select = re.search(r'<select id="day" name="day"[^>]*>(.*?)</select>', html, re.S)[1]
    return re.findall(r'<option value="([^"]+)"[^>]*>([^<]+)</option>', select)


def test_the_blank_form_s_days_are_the_area_s_in_the_evening(client, seed_app):
    # 8 PM on Thursday in San Francisco is already Friday in UTC.
    with clock_at(seed_app, datetime(2026, 12, 3, 20, 0, tzinfo=SAN_FRANCISCO)):
        days = day_options(client.get("/search").get_data(as_text=True))
    assert days[:3] == [
        ("2026-12-03", "Today"),
        ("2026-12-04", "Tomorrow"),
        ("2026-12-05", "Sat, December 5"),
    ]


def test_the_night_shelter_page_has_its_phone_hours_address_and_nearest_stop(client):
    page = client.get(f"/listings/{NIGHT_SHELTER}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<h1 id="listing-title">Mission Lantern Night Shelter</h1>' in html
    # The Call button dials it; the number is shown once.
    assert 'href="tel:+14155550142">Call <span class="call-number">(415) 555-0142</span>' in html
    assert text(html).count("(415) 555-0142") == 1
    assert "2940 16th St<br>San Francisco, CA 94103" in html
    assert html.count("<td>7:00 PM–7:00 AM (next day)</td>") == 7
    assert "Doors open 7 pm, lights out 10 pm, everyone out by 7 am." in html
    words = text(html)
    assert "Nearest transit stop: Mission St & 16th St, 0.1 mi away" in words
    assert "Routes: 14X" in words
    assert "Come to the Capp Street door by 6 pm for the bed lottery." in words
    assert "Accepts people on MOUD (methadone, buprenorphine, naltrexone) Yes" in words
    assert "Pets allowed No" in words
    assert "Languages English and Spanish" in words
    assert re.search(r"Last checked \d+ days ago", words)
    assert re.search(r"<button[^>]* hidden data-print>Print</button>", html)
    assert "leaflet" not in html


def test_a_confidential_listing_shows_its_area_and_no_street(client, seed_app):
    page = client.get(f"/listings/{SURVIVOR_SHELTER}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Tidewater Survivor Shelter" in html
    assert "The address is kept confidential for safety." in html
    assert "Serves: San Francisco" in html
    assert "<address>" not in html and "Nearest transit stop" not in html
    assert "Tidewater Shelter (confidential location)" not in html  # not even the place's name
    # The Call button dials it; the number is shown once.
    assert 'href="tel:+14155550100">Call <span class="call-number">(415) 555-0100</span>' in html
    assert text(html).count("(415) 555-0100") == 1
    # In results too: the area, never a point on the map.
    results = client.get(
        "/search", query_string={"near": "94110", "needs": "housing.shelter"}
    ).get_data(as_text=True)
    shown = card(results, SURVIVOR_SHELTER)
    assert "Confidential location, serving San Francisco" in shown
    assert "data-lat" not in shown


def test_unknown_and_unpublished_listings_are_not_found(client, seed_app):
    with seed_app.app_context(), store.session() as session:
        unpublished = session.scalars(
            select(store.Listing.id).where(store.Listing.status == "unpublished")
        ).first()
    for listing in (unpublished, "no-such-listing"):
        page = client.get(f"/listings/{listing}")
        assert page.status_code == 404
        assert "This listing is not here" in page.get_data(as_text=True)


def _pages(client) -> dict[str, str]:
    posted = client.post("/search", data=SECULAR_BY_TRANSIT_FORM)
    return {
        "home": client.get("/"),
        "search form": client.get("/search"),
        "results": client.get("/search", query_string=MEETINGS_94110),
        "filtered results": posted,
        "bad input": client.get("/search", query_string={"near": "00000"}),
        "listing": client.get(f"/listings/{NIGHT_SHELTER}"),
        "confidential listing": client.get(f"/listings/{SURVIVOR_SHELTER}"),
        "not found": client.get("/listings/no-such-listing"),
    }


def test_no_page_has_inline_script_or_style(client):
    for name, page in _pages(client).items():
        html = page.get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), name
        assert not re.search(r"<style|\sstyle=|\son[a-z]+=", html), name
        assert "script-src 'self'" in page.headers["Content-Security-Policy"], name


def page_bytes(client, page) -> int:
    """Return the bytes of a page and of every static file it links or loads."""
    total = len(page.get_data())
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', page.get_data(as_text=True)):
        fetched = client.get(asset)
        assert fetched.status_code == 200, asset
        total += len(fetched.get_data())
        fetched.close()
    return total


def test_every_page_is_light_before_the_map_tiles(client):
    for name, page in _pages(client).items():
        total = page_bytes(client, page)
        assert total < PAGE_BUDGET_BYTES, (name, total)


def test_every_control_has_a_label_and_every_page_one_h1(client):
    for name, page in _pages(client).items():
        html = page.get_data(as_text=True)
        assert html.count("<h1") == 1, name
        ids = re.findall(
            r'<(?:input|select)(?![^>]*type="(?:hidden|checkbox|radio)")[^>]*\sid="([^"]+)"', html
        )
        for control in ids:
            assert f'<label for="{control}"' in html, (name, control)
        # Checkboxes and radios sit inside their label.
        boxes = len(re.findall(r'<input type="(?:checkbox|radio)"', html))
        wrapped = len(re.findall(r'<label class="chip"><input type="(?:checkbox|radio)"', html))
        assert boxes == wrapped, name
