"""Check that the peer console fits a conversation: the profile summarised in words, the common
situations and preferences first, the plan asking what is unknown for the person, one phone
number once on a card (the demo directory, through the test client)."""

import logging
import re

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from resdir import store, vocab
from resdir.listings import load_documents
from resdir.web.forms import COMMON_BARRIERS, COMMON_VALUES
from tests.functional.test_peer_pages import her_form, summaries
from tests.functional.test_public_pages import card, result_ids, text

MOUD_QUESTION = vocab.ATTRIBUTES["accepts_moud"].question
GROUPS = ("needs", "travel", "time", "barriers", "values", "languages", "about")


def _groups(html: str) -> dict[str, bool]:
    """Return, per profile group, whether it is open."""
    found = re.findall(
        r'<details class="filters profile-group" data-group="([a-z]+)"( open)?>', html
    )
    return {group: bool(opened) for group, opened in found}


def _published(seed_app) -> list[dict]:
    with seed_app.app_context(), store.session() as session:
        ids = session.scalars(
            select(store.Listing.id).where(store.Listing.status == "published")
        ).all()
        return list(load_documents(session, ids).values())


def _plan(client, listing: str, *profile: tuple[str, str], lang: str = "en") -> str:
    page = client.post(f"/peer/plan?lang={lang}", data=MultiDict([("plan", listing), *profile]))
    assert page.status_code == 200
    found = re.search(r'<div class="plan-questions">(.*?)</div>', page.get_data(as_text=True), re.S)
    return text(found[1]) if found else ""


def test_the_blank_profile_is_closed_groups_under_their_names(client):
    html = client.get("/peer").get_data(as_text=True)
    assert _groups(html) == dict.fromkeys(GROUPS, False)
    assert summaries(html) == {
        "jump": "Results",
        "needs": "Needs",
        "travel": "Travel",
        "time": "When",
        "barriers": "Situation",
        "values": "What matters",
        "languages": "Languages",
        "about": "About the person",
    }


def test_her_profile_is_summarised_in_words_each_group_closed(client):
    form = her_form(("languages", "es"), ("age", "34"))
    html = client.post("/peer", data=form).get_data(as_text=True)
    said = summaries(html)
    assert said["barriers"] == (
        "Situation: No car, Needs childcare, On methadone, buprenorphine or naltrexone"
    )
    assert said["values"] == "What matters: Secular (Must have), Women only (Would like)"
    assert said["travel"] == "Travel: Public transit, up to 45 min"
    assert said["time"].startswith("Time: ") and said["time"].endswith("5:00 PM to 11:00 PM")
    assert said["needs"] == "Needs: Sober social and support: Recovery meeting"
    assert said["languages"] == "Languages: Spanish"
    assert said["about"] == "About: Woman, age 34"
    total = re.fullmatch(r"Results \((\d+)\)", said["jump"])
    assert total and int(total[1]) >= len(result_ids(html)) > 0
    assert _groups(html) == dict.fromkeys(GROUPS, False)


def test_her_summary_is_in_spanish_for_a_spanish_speaking_peer(client):
    html = client.post("/peer?lang=es", data=her_form()).get_data(as_text=True)
    said = summaries(html)
    assert said["barriers"].startswith("Situación: ")
    assert "No car" not in said["barriers"]


def test_a_group_opens_to_show_what_to_fix_in_it(client):
    html = client.post("/peer", data=her_form(("age", "300"))).get_data(as_text=True)
    assert _groups(html)["about"] is True
    assert [g for g, opened in _groups(html).items() if opened] == ["about"]


def test_the_common_situations_and_preferences_come_first_the_rest_behind_more(client):
    html = client.get("/peer").get_data(as_text=True)
    barriers = re.findall(r'<select id="barrier-([a-z_]+)"', html)
    values = re.findall(r'<select id="value-([a-z_]+)"', html)
    assert barriers[: len(COMMON_BARRIERS)] == list(COMMON_BARRIERS)
    assert sorted(barriers) == sorted(vocab.BARRIERS)
    assert values[: len(COMMON_VALUES)] == list(COMMON_VALUES)
    assert sorted(values) == sorted(vocab.VALUES)
    more = html.index("<summary>More situations</summary>")
    assert html.index(f'id="barrier-{COMMON_BARRIERS[-1]}"') < more
    assert more < html.index(f'id="barrier-{barriers[len(COMMON_BARRIERS)]}"')
    assert "<summary>More preferences</summary>" in html
    assert html.count('<details class="more-choices">') == 2  # both closed when nothing is set


def test_a_situation_chosen_behind_more_keeps_more_open(client):
    hidden_one = next(code for code in vocab.BARRIERS if code not in COMMON_BARRIERS)
    html = client.post("/peer", data=her_form(("barriers", hidden_one))).get_data(as_text=True)
    assert html.count('<details class="more-choices" open>') == 1
    assert f'<option value="{hidden_one}" selected>' in html


def test_the_plan_asks_what_is_unknown_for_her_situation_and_logs_none_of_it(
    client, seed_app, caplog
):
    docs = _published(seed_app)
    unknown = next(d for d in docs if "accepts_moud" not in d["attributes"])
    known = next(d for d in docs if d["attributes"].get("accepts_moud", {}).get("value") == "yes")
    caplog.set_level(logging.DEBUG)
    asked = _plan(client, unknown["id"], ("barriers", "on_moud"), ("values", "secular:require"))
    assert MOUD_QUESTION in asked
    if "secular" not in unknown["attributes"]:
        assert vocab.ATTRIBUTES["secular"].question in asked
    assert MOUD_QUESTION not in _plan(client, known["id"], ("barriers", "on_moud"))
    assert MOUD_QUESTION not in _plan(client, unknown["id"])
    assert "on_moud" not in caplog.text and "methadone" not in caplog.text
    spanish = _plan(client, unknown["id"], ("barriers", "on_moud"), lang="es")
    assert MOUD_QUESTION not in spanish and "metadona" in spanish


def test_the_plan_calendar_file_asks_nothing_of_the_person(client, seed_app):
    unknown = next(d for d in _published(seed_app) if "accepts_moud" not in d["attributes"])
    data = MultiDict([("plan", unknown["id"]), ("barriers", "on_moud")])
    body = client.post("/peer/plan.ics", data=data).get_data(as_text=True)
    assert "methadone" not in body


def test_a_card_shows_each_phone_number_once(client):
    html = client.post("/peer", data=MultiDict([("near", "94110")])).get_data(as_text=True)
    cards = [card(html, listing) for listing in result_ids(html)]
    called = [c for c in cards if 'class="button call"' in c]
    assert called, "cards with a Call button"
    for shown in called:
        numbers = re.findall(r'href="tel:([^"]+)"', shown)
        assert len(numbers) == len(set(numbers)), shown
