"""What a meeting is, on the public and peer pages: fellowship and types, in English and
Spanish, and whether it is a meeting for families and friends."""

import json

from resdir import meeting_guide
from tests.functional.test_public_pages import card, result_ids, text
from tests.seed import SEED

MEETINGS = SEED.parent / "meetings"
NEAR_94110 = {"near": "94110", "needs": "sober_social.meeting"}


def _meeting(feed: str, name: str) -> dict:
    meetings = json.loads((MEETINGS / feed).read_text("utf-8"))
    return next(m for m in meetings if m["name"] == name)


def _type_names(meeting: dict, language: str) -> list[str]:
    names = meeting_guide.type_names()
    return [names[code][language] for code in meeting["types"]]


def test_a_card_and_page_say_the_fellowship_and_types_in_english_and_spanish(client):
    fog_cutters = _meeting("aa-bayside-intergroup.json", "Fog Cutters")
    api = client.get("/api/v1/search", query_string=NEAR_94110).get_json()
    found = next(r for r in api["results"] if r["name"] == "Fog Cutters")
    assert found["fellowship"] == "aa"
    for lang, fellowship in (("en", "Alcoholics Anonymous"), ("es", "Alcohólicos Anónimos")):
        html = client.get("/search", query_string={**NEAR_94110, "lang": lang}).get_data(
            as_text=True
        )
        what = " · ".join([fellowship, *_type_names(fog_cutters, lang)])
        assert f'<p class="what">{what}' in card(html, found["id"])
        page = client.get(f"/listings/{found['id']}?lang={lang}").get_data(as_text=True)
        assert what in text(page)


def test_meetings_for_families_are_hidden_from_the_public_search_and_say_what_they_are(client):
    html = client.get("/search", query_string=NEAR_94110).get_data(as_text=True)
    assert "Mission Family Group" not in text(html)
    assert "hidden: for families and friends" in text(html)
    asked = {**NEAR_94110, "values": "for_family_friends:require"}
    html = client.post("/search", data=asked).get_data(as_text=True)
    api = client.post(
        "/api/v1/match",
        json={
            "location": {"postal_code": "94110"},
            "needs": ["sober_social.meeting"],
            "values": {"for_family_friends": "require"},
        },
    ).get_json()
    assert result_ids(html) == [r["id"] for r in api["results"]]
    mission = next(r for r in api["results"] if r["name"] == "Mission Family Group")
    shown = card(html, mission["id"])
    assert "Al-Anon · Open · Discussion" in shown
    assert "A meeting for families and friends" in shown
    spanish = client.post("/search?lang=es", data=asked).get_data(as_text=True)
    assert "Una reunión para familiares y amigos" in card(spanish, mission["id"])
    page = client.get(f"/listings/{mission['id']}?lang=en").get_data(as_text=True)
    assert "A meeting for families and friends" in text(page)
