"""A listing without a phone of its own gives its organization's, labelled as such, with a Call
button: a demo meeting has only its intergroup's office number (the feed's `entity_phone`)."""

import re
from html import unescape

from icalendar import Calendar

from tests.functional.test_public_pages import card, text

NEAR_94110 = {"near": "94110", "needs": "sober_social.meeting"}
OFFICE = "+14155550183"  # Bayside Intergroup of Alcoholics Anonymous, in its feed
SHOWN = {"en": "Organization: (415) 555-0183", "es": "Organización: (415) 555-0183"}
CALL = f'<a class="button call" href="tel:{OFFICE}">'
WHOSE = "Bayside Intergroup of Alcoholics Anonymous"
BUTTON = {
    "en": f"Call (415) 555-0183 (Organization · {WHOSE})",
    "es": f"Llamar (415) 555-0183 (Organización · {WHOSE})",
}


def _fog_cutters(client) -> dict:
    api = client.get("/api/v1/search", query_string=NEAR_94110).get_json()
    return next(r for r in api["results"] if r["name"] == "Fog Cutters")


def test_the_api_gives_a_meetings_organization_phone_beside_its_own_none(client):
    found = _fog_cutters(client)
    assert found["phones"] == []
    assert [p["number"] for p in found["organization"]["phones"]] == [OFFICE]
    assert found["organization"]["phones"][0]["description"] == WHOSE


def test_a_card_and_a_listing_page_call_the_organizations_phone_and_say_whose_it_is(client):
    # The Call button dials the office and says whose number it is; the number is shown once.
    meeting = _fog_cutters(client)["id"]
    for lang, button in BUTTON.items():
        html = client.get("/search", query_string={**NEAR_94110, "lang": lang}).get_data(
            as_text=True
        )
        page = client.get(f"/listings/{meeting}?lang={lang}").get_data(as_text=True)
        for shown in (card(html, meeting), re.search(r"<main.*</main>", page, re.S)[0]):
            assert CALL in shown
            assert button in text(shown)
            assert text(shown).count("(415) 555-0183") == 1
        assert "No phone, website or email listed." not in text(page)


def test_a_plan_and_its_text_message_give_the_organizations_phone(client):
    meeting = _fog_cutters(client)["id"]
    for lang, shown in SHOWN.items():
        html = client.post(f"/peer/plan?lang={lang}", data={"plan": meeting}).get_data(as_text=True)
        assert shown in text(html)
        message = re.search(r'<textarea id="plan-text" readonly[^>]*>(.*?)</textarea>', html, re.S)
        assert unescape(message[1]).endswith(f" — {shown}")


def test_a_meetings_calendar_file_gives_the_organizations_phone(client):
    meeting = _fog_cutters(client)["id"]
    response = client.get(f"/listings/{meeting}.ics")
    events = Calendar.from_ical(response.get_data()).walk("VEVENT")
    assert events
    for event in events:
        assert SHOWN["en"] in str(event["description"]).split("\n")
