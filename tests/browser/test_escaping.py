"""Feed listings with script, HTML and quotes in every text field; find them inert on every page.

A Meeting Guide feed and an agency spreadsheet, written here, carry payloads in each text field a
reader takes: a script element, an attribute break-out, a quote break-out, a closing tag, a
template expression and an entity-encoded tag. They are ingested into a directory of their own,
served for the browser (this module's `live_app` stands in for conftest's demo directory), and
every public page showing them is checked: no dialog opens, no element the payloads would make
exists, no `javascript:` link, and each value reads as the text it is. The JSON API returns them
as ingest stored them: escaping is the pages' job, never the data's.
"""

import csv
import json
import re

import pytest
from playwright.sync_api import Page, expect

from ingest.manifest import SourceSpec
from ingest.pipeline import run_source
from resdir import create_app, geo, store
from resdir.listings import listing_id
from tests.browser.conftest import open_page, serve
from tests.clock import NOW

SCRIPT = '<script>alert("x1")</script>'
ATTRIBUTE = "\"><img src=x onerror=alert('x2')>"
QUOTE = "' onmouseover='alert(3)"
CLOSING = "</textarea><b>bold</b>"
TEMPLATE = "{{7*7}}"
ENCODED = '&lt;img src=x onerror=alert("x5")&gt;'  # a tag once its entities are decoded
PAYLOAD = " ".join((SCRIPT, ATTRIBUTE, QUOTE, CLOSING, TEMPLATE, ENCODED))
# What ingest keeps of a field that may hold HTML (names, descriptions): the fragment's text,
# tags dropped and entities decoded, so the encoded tag becomes one a page must escape.
AS_TEXT = '"> \' onmouseover=\'alert(3) bold {{7*7}} <img src=x onerror=alert("x5")>'
EMAIL = "o'neil+{{7*7}}@example.org"
# Web addresses with quotes and tags but no spaces are valid: ingest keeps them (the ")" and
# what follows it is trimmed as punctuation).
WEBSITE = "https://example.org/?q=\"><svg/onload=alert('u1')>"
WEBSITE_KEPT = 'https://example.org/?q="><svg/onload=alert'
MEETING_URL = "https://example.org/m?'onmouseover='alert(u2)"
MEETING_URL_KEPT = "https://example.org/m?'onmouseover='alert"
SCRIPT_URL = "javascript:alert(4)"
# What the payloads would make of a page: elements, handlers and script links.
INJECTED = (
    "script:not([src]), b, img[src='x'], [onerror], [onload], [onmouseover],"
    " [href^='javascript:' i], [src^='javascript:' i], [action^='javascript:' i]"
)
NEAR = "94110"
MEETING = listing_id("hostile-mg", "hostile-meeting")
SERVICE = listing_id("hostile-csv", "k1")
CONFIDENTIAL = listing_id("hostile-csv", "k2")
TEMPLATE_RESULT = re.compile(r"\b49\b")  # {{7*7}} evaluated


def fed(label: str) -> str:
    """Return a field's value as the feed gives it: a label, then every payload."""
    return f"{label} {PAYLOAD}"


def kept(label: str) -> str:
    """Return a field's value as ingest keeps a field that may hold HTML."""
    return f"{label} {AS_TEXT}"


def parts(label: str) -> list[str]:
    """Return a category cell's values as ingest keeps them: split at ";" (in "&lt;" here)."""
    return [part.strip() for part in fed(label).split(";") if part.strip()]


MAPPING = """
[source]
key = "Key"

[defaults]
"address.region" = "CA"
"address.country" = "US"
timezone = "America/Los_Angeles"

[fields]
name = "Program"
alternate_name = "Also Known As"
description = "About"
url = "Website"
email = "Email"
next_steps = "How To Apply"
confidential_location = "Confidential"
"organization.name" = "Agency"
"organization.url" = "Agency Website"
"organization.description" = "About Agency"
"address.street" = "Street"
"address.street2" = "Suite"
"address.city" = "City"
"address.postal_code" = "ZIP"
"location.lat" = "Latitude"
"location.lon" = "Longitude"
"hours.text" = "Hours"
"cost.text" = "Cost"
"eligibility.text" = "Who"
"service_area.text" = "Area"
"service_area.postal_codes" = "Area ZIP"
"online.url" = "Join Online"
transportation = "Getting There"
required_documents = "Bring"
taxonomy = ["Service Type", "Keywords"]
phones = [{ column = "Phone", description = { column = "Phone Note" } }]
last_verified_at = "Verified"

[crosswalk."Service Type"]
"Shelter" = "housing.shelter"

[facts.accepts_moud]
column = "MOUD"
yes = ["Yes"]
note = "MOUD Note"
"""


def _service_row(key: str, today: str, **overrides) -> dict[str, str]:
    row = {
        "Key": key,
        "Program": fed("Program"),
        "Also Known As": fed("Alias"),
        "About": fed("About"),
        "Website": WEBSITE,
        "Email": EMAIL,
        "How To Apply": fed("Apply"),
        "Confidential": "",
        "Agency": fed("Agency"),
        "Agency Website": SCRIPT_URL,
        "About Agency": fed("AgencyAbout"),
        "Street": fed("100 Street"),
        "Suite": fed("Suite"),
        "City": fed("Town"),
        "ZIP": NEAR,
        "Latitude": "37.7490",
        "Longitude": "-122.4180",
        "Hours": fed("Hours"),
        "Cost": fed("Cost"),
        "Who": fed("Who"),
        "Area": fed("Area"),
        "Area ZIP": "",
        "Join Online": SCRIPT_URL,
        "Getting There": fed("Transit"),
        "Bring": fed("Bring"),
        "Service Type": "Shelter",
        "Keywords": fed("Keyword"),
        "Phone": "(415) 555-0177",
        "Phone Note": fed("PhoneNote"),
        "MOUD": "Yes",
        "MOUD Note": fed("MoudNote"),
        "Verified": today,
    }
    return row | overrides


def write_feeds(folder) -> list[SourceSpec]:
    """Write the hostile Meeting Guide feed and agency spreadsheet; return their sources."""
    today = NOW.date().isoformat()
    meeting = {
        "name": fed("Meeting"),
        "slug": "hostile-meeting",
        "day": [0, 1, 2, 3, 4, 5, 6],  # every evening: a next meeting whenever the test runs
        "time": "19:00",
        "end_time": "20:00",
        "types": ["O", fed("Type")],
        "notes": fed("Notes"),
        "group": fed("Group"),
        "group_notes": fed("GroupNotes"),
        "website": SCRIPT_URL,
        "location": fed("Place"),
        "location_notes": fed("LocationNotes"),
        "address": fed("1 Street"),
        "city": fed("City"),
        "state": "CA",
        "postal_code": NEAR,
        "country": "US",
        "latitude": 37.7485,
        "longitude": -122.4184,
        "region": fed("Region"),
        "sub_region": fed("Neighborhood"),
        "timezone": "America/Los_Angeles",
        "url": MEETING_URL,
        "conference_url": SCRIPT_URL,
        "conference_phone": fed("Dial"),
        "updated": f"{today} 10:00:00",
    }
    (folder / "meetings.json").write_text(json.dumps([meeting]), "utf-8")
    rows = [
        _service_row("k1", today),
        # A confidential place: its street must never be shown, only its area.
        _service_row(
            "k2",
            today,
            Program=fed("Refuge"),
            Confidential="yes",
            Street=fed("Secret Street"),
            Latitude="",
            Longitude="",
            **{"Area ZIP": NEAR},
        ),
    ]
    with (folder / "services.csv").open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    (folder / "services.mapping.toml").write_text(MAPPING, "utf-8")
    return [
        SourceSpec(id="hostile-mg", path=folder / "meetings.json", format="meeting-guide"),
        SourceSpec(
            id="hostile-csv",
            path=folder / "services.csv",
            format="csv",
            mapping=folder / "services.mapping.toml",
        ),
    ]


@pytest.fixture(scope="module")
def live_app(tmp_path_factory):
    """Serve a directory of the hostile listings alone (conftest's pages use this one here)."""
    folder = tmp_path_factory.mktemp("hostile")
    database = folder / "hostile.sqlite3"
    app = create_app({"DATABASE": str(database), "TESTING": True})
    with app.app_context():
        store.init_db()
        for spec in write_feeds(folder):
            with store.session() as session:
                report = run_source(session, spec, geo.Geocoder())
                assert report.status == "completed", report.error
    yield from serve(app, database)


@pytest.fixture
def dialogs(page) -> list[str]:
    """Return the messages of every dialog the page opens (each dismissed): none must open."""
    opened = []

    def dismiss(dialog) -> None:
        opened.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    yield opened
    assert opened == [], f"the payloads opened dialogs: {opened}"


def assert_inert(page: Page, texts: list[str]) -> None:
    """Assert the page holds no element, handler or link the payloads would make, and shows
    each of `texts` as text, {{7*7}} unevaluated."""
    made = page.locator(INJECTED).evaluate_all("found => found.map(e => e.outerHTML)")
    assert made == [], f"{page.url} holds elements the payloads made: {made}"
    assert 'href="javascript:' not in page.content().lower()
    main = page.locator("main")
    for text in texts:
        expect(main).to_contain_text(text)
    shown = main.inner_text()
    assert TEMPLATE in shown and not TEMPLATE_RESULT.search(shown), shown


def test_the_api_returns_the_payloads_as_ingest_kept_them(live_app):
    client = live_app.app.test_client()
    service = client.get(f"/api/v1/listings/{SERVICE}").get_json()
    # Fields of plain text are kept verbatim; JSON escapes nothing a page would.
    assert service["address"]["street"] == f"{fed('100 Street')}, {fed('Suite')}"
    assert service["address"]["city"] == fed("Town")
    assert service["schedule"]["text"] == fed("Hours")
    assert service["phones"][0]["description"] == fed("PhoneNote")
    assert service["attributes"]["accepts_moud"]["note"] == fed("MoudNote")
    keywords = [t["name"] for t in service["taxonomy"] if t["scheme"] == "keyword"]
    assert keywords == parts("Keyword")
    assert service["email"] == EMAIL
    assert service["url"] == WEBSITE_KEPT
    # Fields that may hold HTML keep its text; the decoded tag stays in it as text.
    assert service["name"] == kept("Program")
    assert service["alternate_name"] == kept("Alias")
    assert service["description"] == kept("About")
    assert service["next_steps"] == kept("Apply")
    assert service["organization"]["name"] == kept("Agency")
    assert service["organization"]["description"] == kept("AgencyAbout")
    assert service["transportation"] == kept("Transit")
    assert service["cost"]["text"] == kept("Cost")
    assert service["eligibility"]["text"] == kept("Who")
    assert service["eligibility"]["required_documents"] == [kept("Bring")]
    # A script link is no web address: ingest drops it wherever it was given.
    assert service["organization"]["url"] is None and service["online"] is None

    meeting = client.get(f"/api/v1/listings/{MEETING}").get_json()
    assert meeting["name"] == kept("Meeting")
    assert meeting["description"] == kept("Notes")
    assert meeting["location_name"] == kept("Place")
    assert meeting["transportation"] == kept("LocationNotes")
    assert meeting["organization"]["name"] == kept("Group")
    assert meeting["service_area"]["text"] == f"{kept('Region')} > {kept('Neighborhood')}"
    assert meeting["address"]["street"] == fed("1 Street")
    assert meeting["online"] == {"url": None, "phone": fed("Dial")}
    assert meeting["url"] == MEETING_URL_KEPT
    assert [t["code"] for t in meeting["taxonomy"]] == ["O", *parts("Type")]

    confidential = client.get(f"/api/v1/listings/{CONFIDENTIAL}").get_json()
    assert confidential["name"] == kept("Refuge") and confidential["address"]["street"] is None
    assert "Secret Street" not in json.dumps(confidential)

    found = client.post("/api/v1/match", json={"location": {"postal_code": NEAR}}).get_json()
    assert {r["id"]: r["name"] for r in found["results"]} == {
        SERVICE: kept("Program"),
        MEETING: kept("Meeting"),
        CONFIDENTIAL: kept("Refuge"),
    }


def test_home_page_is_inert(page, dialogs):
    open_page(page, "/")
    made = page.locator(INJECTED).evaluate_all("found => found.map(e => e.outerHTML)")
    assert made == []
    expect(page.locator("tr[data-category='housing'] .count")).to_have_text("2")


def test_results_show_every_payload_as_text(page, dialogs):
    open_page(page, f"/search?near={NEAR}")
    expect(page.locator("li.result")).to_have_count(3)
    # The map's markers carry the names as their titles: text, never markup. The confidential
    # place is at its ZIP code's centre, its popup with its area alone, never its street.
    pins = page.locator("#map .leaflet-marker-icon.map-pin")
    expect(pins).to_have_count(3)
    titles = pins.evaluate_all("pins => pins.map(pin => pin.title)")
    assert sorted(title.split(". ", 1)[1] for title in titles) == sorted(
        [kept("Meeting"), kept("Program"), kept("Refuge")]
    )
    refuge = page.locator("li.result", has_text=kept("Refuge"))
    number = refuge.get_attribute("data-number")
    pins.filter(has_text=re.compile(rf"^{number}$")).click()
    popup = page.locator(".leaflet-popup-content")
    expect(popup.locator("a")).to_have_count(1)
    expect(popup).to_contain_text("The pin shows the area, not the door.")
    assert "Secret" not in popup.inner_text()
    assert_inert(
        page,
        [
            kept("Program"),
            kept("Meeting"),
            kept("Refuge"),
            kept("Agency"),
            kept("Group"),
            f"{fed('100 Street')}, {fed('Suite')}",
            f"{fed('1 Street')}, {fed('City')}, CA {NEAR}",
            fed("PhoneNote"),
            f"Confidential location, serving {kept('Area')}",
        ],
    )
    assert fed("Secret Street") not in page.locator("main").inner_text()


def test_filtered_results_posted_are_inert(page, dialogs):
    open_page(page, f"/search?near={NEAR}")
    page.locator("summary", has_text="Filters").click()
    page.get_by_label("On methadone, buprenorphine or naltrexone", exact=True).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator("li.result").first).to_be_visible()
    assert_inert(page, [kept("Program")])


@pytest.mark.parametrize(
    ("listing", "texts"),
    [
        pytest.param(
            SERVICE,
            [
                kept("Program"),
                kept("Agency"),
                kept("About"),
                f"{fed('100 Street')}, {fed('Suite')}",
                f"{fed('Town')}, CA {NEAR}",
                kept("Transit"),
                fed("Hours"),
                kept("Who"),
                kept("Bring"),
                kept("Apply"),
                kept("Cost"),
                fed("PhoneNote"),
                EMAIL,
            ],
            id="service",
        ),
        pytest.param(
            MEETING,
            [
                kept("Meeting"),
                kept("Group"),
                kept("Notes"),
                kept("Place"),
                fed("1 Street"),
                f"{fed('City')}, CA {NEAR}",
                kept("LocationNotes"),
            ],
            id="meeting",
        ),
        pytest.param(CONFIDENTIAL, [kept("Refuge"), f"Serves: {kept('Area')}"], id="confidential"),
    ],
)
def test_listing_page_shows_every_payload_as_text(page, dialogs, listing, texts):
    open_page(page, f"/listings/{listing}")
    assert_inert(page, texts)
    expect(page.locator("main h1")).to_have_text(texts[0])
    assert page.title() == f"{texts[0]} · resdir"
    assert fed("Secret Street") not in page.content()
    links = page.locator("main a[href]").evaluate_all("links => links.map(a => a.href)")
    assert all(re.match(r"(https?|tel|sms|mailto|geo):", href) for href in links), links


def test_listing_links_keep_their_quotes_inside_the_attribute(page, dialogs):
    open_page(page, f"/listings/{SERVICE}")
    website = page.get_by_role("link", name="https://example.org/?q=")
    expect(website).to_have_attribute("href", WEBSITE_KEPT)
    expect(website).to_have_text(WEBSITE_KEPT)
    expect(page.locator("a[href^='mailto:']")).to_have_attribute("href", f"mailto:{EMAIL}")
    open_page(page, f"/listings/{MEETING}")
    expect(page.locator("main a[href^='https://example.org/m']")).to_have_attribute(
        "href", MEETING_URL_KEPT
    )


def test_peer_console_and_plan_show_every_payload_as_text(page, dialogs):
    open_page(page, "/peer")
    page.get_by_label("Where is the person?").fill(NEAR)
    # The console's script posts the profile and swaps the results in: no new page.
    page.locator("#peer-submit").click()
    expect(page.locator("li.result")).to_have_count(3)
    assert_inert(page, [kept("Program"), kept("Meeting"), kept("Refuge"), fed("PhoneNote")])

    # The plan is posted: a form of the three ids, as the shortlist's "Make a plan" sends it.
    with page.expect_navigation():
        page.evaluate(
            """ids => {
                const form = document.createElement("form");
                form.method = "post";
                form.action = "/peer/plan";
                for (const id of ids) {
                    const input = document.createElement("input");
                    input.type = "hidden"; input.name = "plan"; input.value = id;
                    form.append(input);
                }
                document.body.append(form);
                form.submit();
            }""",
            [SERVICE, MEETING, CONFIDENTIAL],
        )
    assert_inert(page, [kept("Program"), kept("Meeting"), kept("Refuge")])
    assert fed("Secret Street") not in page.content()
