"""Drive the peer console through the test client on the demo directory: the profile panel,
results that match the API's, hidden places opened, the shortlist, the plan, privacy."""

import logging
import re
import sqlite3
from datetime import datetime, time, timedelta
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from werkzeug.datastructures import MultiDict

from resdir import vocab
from resdir.listings import listing_id
from tests.clock import NOW, clock_at
from tests.functional.test_public_pages import card, day_options, page_bytes, result_ids, text

NIGHT_SHELTER = listing_id("seed-hsds", "98564e2f-4a2d-55b2-b977-c9c6c9ec60f9")
SURVIVOR_SHELTER = listing_id("seed-hsds", "50fb83f4-c0ce-5f82-bd14-052ee84e13dc")
SAN_FRANCISCO = ZoneInfo("America/Los_Angeles")  # the zone of ZIP 94110
# "Tonight" tomorrow: the evening a fixed window, whatever the hour the test runs at.
TOMORROW = (NOW.astimezone(SAN_FRANCISCO) + timedelta(days=1)).date()
# She has no car, two kids, is on buprenorphine and wants a secular women's group tonight: the
# form sends each select and checkbox as its own field, those left alone empty.
HER_FORM = [
    ("near", "94110"),
    ("needs", "sober_social.meeting"),
    ("barriers", "no_vehicle"),
    ("barriers", "needs_childcare"),
    ("barriers", "on_moud"),
    ("barriers", ""),  # a barrier left at "not an issue"
    ("values", "secular:require"),
    ("values", "women_only:prefer"),
    ("values", ""),
    ("gender", "woman"),
    ("age", ""),
    ("q", ""),
    ("mode", "transit"),
    ("max_minutes", "45"),
    ("when", "tonight"),
    ("day", TOMORROW.isoformat()),
]
HER_PROFILE = {
    "location": {"postal_code": "94110"},
    "needs": ["sober_social.meeting"],
    "barriers": ["no_vehicle", "needs_childcare", "on_moud"],
    "values": {"secular": "require", "women_only": "prefer"},
    "gender": "woman",
    "travel": {"mode": "transit", "max_minutes": 45},
    "when": {
        "from": datetime.combine(TOMORROW, time(17), SAN_FRANCISCO).isoformat(),
        "to": datetime.combine(TOMORROW, time(23), SAN_FRANCISCO).isoformat(),
    },
}
PAGE_BUDGET_BYTES = 300 * 1024
NIGHT_SHELTER_LINE = (
    "Mission Lantern Night Shelter — Open Thu, Dec 3, 7:00 PM (today) to Fri, Dec 4, 7:00 AM — "
    "2940 16th St, San Francisco, CA 94103 "
    "(https://www.openstreetmap.org/directions?route=%3B37.76512%2C-122.41893) — (415) 555-0142"
)


def her_form(*extra: tuple[str, str]) -> MultiDict:
    """Return her profile as the console's form posts it, with `extra` fields."""
    return MultiDict([*HER_FORM, *extra])


def addresses(html: str) -> list[str]:
    """Return every address a page links, loads or submits to, unescaped."""
    found = re.findall(r'\s(?:href|src|action|formaction)="([^"]*)"', html)
    return [unescape(a) for a in found]


def summaries(html: str) -> dict[str, str]:
    """Return the profile's group summaries as a person reads them, by group."""
    found = re.findall(r'data-summary-of="([a-z]+)" data-empty="[^"]*">([^<]*)<', html)
    return {group: unescape(words) for group, words in found}


def test_the_blank_console_s_days_are_the_area_s_in_the_evening(client, seed_app):
    with clock_at(seed_app, datetime(2026, 12, 3, 21, 30, tzinfo=SAN_FRANCISCO)):
        days = day_options(client.get("/peer").get_data(as_text=True))
    assert days[0] == ("2026-12-03", "Today")


def test_the_console_asks_for_the_whole_profile_in_a_form_that_posts(client):
    page = client.get("/peer")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert re.search(r'<form id="peer-form" class="peer-form" action="/peer" method="post"', html)
    assert 'data-results="/peer/results"' in html
    assert '<input type="text" id="near" name="near" value=""' in html
    # Each barrier: not an issue, prefer, or require.
    for code, barrier in vocab.BARRIERS.items():
        select = html[html.index(f'<select id="barrier-{code}" name="barriers">') :]
        select = select[: select.index("</select>")]
        assert re.findall(r'<option value="([^"]*)"', select) == ["", code, f"{code}:require"]
        assert f'<label for="barrier-{code}">{unescape(barrier.label)}' in unescape(html)
    for code in vocab.VALUES:
        assert f'<option value="{code}:require">Must have</option>' in html
    for field in ('id="gender" name="gender"', 'id="age" name="age"', 'id="q" name="q"'):
        assert field in html
    assert '<input type="radio" name="when" value="tonight">' in html
    assert '<button type="submit" id="peer-submit">Show results</button>' in html
    # Without a script, clearing is going back to a blank console.
    assert '<a class="button secondary" id="peer-clear" href="/peer">Clear everything</a>' in html
    assert "Say where the person is and what they need" in html
    assert 'class="result"' not in html
    # The shortlist needs the script: it is shown only once it runs.
    assert re.search(r'<aside class="shortlist" id="shortlist"[^>]* hidden', html)


def test_her_profile_shows_the_places_the_api_finds_in_its_order_and_what_it_hid(client):
    api = client.post("/api/v1/match", json=HER_PROFILE).get_json()
    page = client.post("/peer", data=her_form())
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert result_ids(html) == [r["id"] for r in api["results"]]
    assert api["total"] == 2
    assert '<h2 id="peer-results-title" tabindex="-1">2 places fit</h2>' in html
    assert "Time: tomorrow, 5:00 PM to 11:00 PM" in html
    assert [h["code"] for h in api["hidden"]] == [
        "travel",
        "gender",
        "for_family_friends",
        "requires:secular",
        "window",
    ]
    for hidden in api["hidden"]:
        shown = f'<li>{hidden["count"]} hidden: {hidden["reason"]} <button type="submit"'
        assert shown in unescape(html)
    secular = next(h for h in api["hidden"] if h["code"] == "requires:secular")
    assert f"{secular['count']} hidden: not known to be secular" in html
    first = card(html, api["results"][0]["id"])
    assert "SMART Young Adults Online" in first
    assert "Next meeting: tomorrow, 5:00 PM" in first
    assert "Reachable without a car" in first and "Secular" in first
    # What nobody knows yet is a question to ask on the phone.
    assert "Call to confirm: Do they accept people on methadone or buprenorphine?" in first
    assert "Call to confirm: Is childcare available?" in first
    # The profile stays in the form.
    assert '<option value="on_moud" selected>' in html
    assert '<option value="secular:require" selected>' in html
    assert '<option value="woman" selected>' in html
    assert '<input type="radio" name="when" value="tonight" checked>' in html
    assert 'data-announce="2 places fit, 118 hidden."' in html


def test_show_them_lists_exactly_what_the_api_lists_for_each_hidden_reason(client):
    api = client.post("/api/v1/match", json=HER_PROFILE).get_json()
    first = client.post("/peer", data=her_form()).get_data(as_text=True)
    for hidden in api["hidden"]:
        button = (
            f'<button type="submit" class="link-button" form="peer-form" name="show_hidden" '
            f'value="{hidden["code"]}">Show them'
        )
        assert button in first
        revealed = client.post(
            "/api/v1/match", json={**HER_PROFILE, "show_hidden": hidden["code"]}
        ).get_json()
        page = client.post("/peer", data=her_form(("show_hidden", hidden["code"])))
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert result_ids(html) == [r["id"] for r in revealed["results"]], hidden["code"]
        assert f"{revealed['total']} hidden places</h2>" in html
        for result in revealed["results"]:
            assert f"Hidden because: {hidden['reason']}" in card(html, result["id"])
        assert '<button type="submit" class="secondary" form="peer-form" id="peer-back">' in html
    men = client.post("/peer", data=her_form(("show_hidden", "gender"))).get_data(as_text=True)
    assert "Western Addition Men's Stag" in unescape(men)


def test_a_reason_that_hides_nothing_is_told_not_a_500(client):
    page = client.post("/peer", data=her_form(("show_hidden", "requires:faith_based")))
    assert page.status_code == 422
    assert "Nothing is hidden for that reason now." in page.get_data(as_text=True)


def test_the_results_fragment_is_the_results_region_alone_with_the_same_places(client):
    api = client.post("/api/v1/match", json=HER_PROFILE).get_json()
    page = client.post("/peer/results", data=her_form())
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<html" not in html and "<body" not in html and 'id="peer-form"' not in html
    assert result_ids(html) == [r["id"] for r in api["results"]]
    assert html.lstrip().startswith('<div class="peer-results-body" data-announce="2 places fit')
    # The same templates render it: each card is the card of the whole page.
    whole = client.post("/peer", data=her_form()).get_data(as_text=True)
    for result in api["results"]:
        assert card(html, result["id"]) == card(whole, result["id"])


def test_results_with_no_place_yet_tell_what_to_fix_beside_the_field(client):
    fragment = client.post("/peer/results", data=MultiDict([("needs", "housing")]))
    assert fragment.status_code == 200  # the region, with what to fix: not a failed request
    html = fragment.get_data(as_text=True)
    assert '<a href="#near">Tell us where you are' in html
    assert 'data-announce="Results not updated: please check the form."' in html
    page = client.post("/peer", data=MultiDict([("near", "00000")]))
    assert page.status_code == 422
    assert '<p class="error" id="near-error">We could not find this place.' in page.get_data(
        as_text=True
    )


def test_places_ticked_for_the_plan_stay_ticked_without_a_script(client):
    api = client.post("/api/v1/match", json=HER_PROFILE).get_json()
    shown = api["results"][0]["id"]
    page = client.post("/peer", data=her_form(("plan", shown), ("plan", NIGHT_SHELTER)))
    html = page.get_data(as_text=True)
    assert re.search(rf'<input type="checkbox" id="plan-{shown}" name="plan" [^>]* checked>', html)
    # A place from earlier results is carried in the form, to be in the plan still.
    assert f'<input type="hidden" name="plan" value="{NIGHT_SHELTER}" form="peer-form">' in html
    assert "1 more place is in the plan from earlier results." in html
    assert (
        '<button type="submit" form="peer-form" formaction="/peer/plan" id="plan-submit">'
        "Make a plan</button>" in html
    )


def test_the_plan_shows_when_where_and_whom_to_call_and_a_text_message(client):
    page = client.post(
        "/peer/plan", data=MultiDict([("plan", NIGHT_SHELTER), ("plan", SURVIVOR_SHELTER)])
    )
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    words = text(html)
    assert "Mission Lantern Night Shelter" in words and "Tidewater Survivor Shelter" in words
    assert '<a href="tel:+14155550142">(415) 555-0142</a>' in html
    assert '<a href="tel:+14155550100">(415) 555-0100</a>' in html
    assert "Where: 2940 16th St, San Francisco, CA 94103" in words
    # A confidential place: its area, never its street.
    assert "Where: Confidential location, serving San Francisco" in words
    message = unescape(
        re.search(r'<textarea id="plan-text" readonly[^>]*>(.*?)</textarea>', html, re.S)[1]
    )
    assert message.split("\n") == [
        NIGHT_SHELTER_LINE,
        "Tidewater Survivor Shelter — Open 24 hours, every day — "
        "Confidential location, serving San Francisco — (415) 555-0100",
    ]
    assert re.search(r'<button type="button" id="plan-copy" hidden data-copy="plan-text"', html)
    assert '<p id="plan-copy-status" role="status" aria-live="polite"></p>' in html
    assert re.search(r"<button[^>]* hidden data-print>Print</button>", html)


def test_an_online_meeting_in_a_plan_gives_its_link_and_its_next_meeting(client):
    api = client.post("/api/v1/match", json=HER_PROFILE).get_json()
    online = api["results"][0]
    assert online["name"] == "SMART Young Adults Online"
    html = client.post("/peer/plan", data={"plan": online["id"]}).get_data(as_text=True)
    line = unescape(
        re.search(r'<textarea id="plan-text" readonly[^>]*>(.*?)</textarea>', html, re.S)[1]
    )
    assert re.fullmatch(
        r"SMART Young Adults Online — "
        r"Next meeting: \w+, \w+ \d+, 5:00 PM( \((today|tomorrow)\))? — "
        r"Online: https://zoom\.example\.org/j/84563161278",
        line,
    )


@pytest.mark.parametrize(
    "ids",
    [[], ["no-such-listing"], [NIGHT_SHELTER, "no-such-listing"], [""]],
)
def test_a_plan_of_no_place_or_of_unknown_places_is_a_400(client, ids):
    page = client.post("/peer/plan", data=MultiDict([("plan", i) for i in ids]))
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    assert "plan-text" not in html
    assert '<a href="/peer">Back to the peer console</a>' in html


def test_a_plan_asked_for_by_address_starts_the_console_again(client):
    page = client.get("/peer/plan?lang=es")
    assert page.status_code == 302 and page.headers["Location"] == "/peer"


def test_a_share_link_holds_only_the_parts_ticked(client):
    none = client.post("/peer", data=her_form()).get_data(as_text=True)
    assert 'id="share-url"' not in none
    public = client.post("/peer", data=her_form(("share", "where"), ("share", "needs")))
    html = public.get_data(as_text=True)
    url = "http://localhost/search?near=94110&amp;needs=sober_social.meeting"
    assert f'<input type="text" id="share-url" readonly value="{url}">' in html
    assert (
        "This link holds only: Where: 94110 Needs: Sober social and support: Recovery meeting"
        in text(html)
    )
    assert "Careful: anyone who sees this link" not in html
    # Her situation only when ticked, and then with a warning; in the fragment, which a browser
    # never sends to a server (the search page's script posts it).
    ticked = client.post("/peer", data=her_form(("share", "where"), ("share", "barriers")))
    html = ticked.get_data(as_text=True)
    url = unescape(re.search(r'id="share-url" readonly value="([^"]+)"', html)[1])
    assert url == (
        "http://localhost/search?near=94110#barriers=no_vehicle&barriers=needs_childcare"
        "&barriers=on_moud"
    )
    assert "Situation: No car, Needs childcare, On methadone, buprenorphine or naltrexone" in text(
        html
    )
    assert "Careful: anyone who sees this link sees what it holds" in html


def _pages(client) -> dict:
    return {
        "console": client.get("/peer"),
        "results": client.post("/peer", data=her_form(("share", "where"))),
        "hidden": client.post("/peer", data=her_form(("show_hidden", "requires:secular"))),
        "fragment": client.post("/peer/results", data=her_form()),
        "bad input": client.post("/peer", data=MultiDict([("near", "00000")])),
        "plan": client.post("/peer/plan", data={"plan": NIGHT_SHELTER}),
        "no plan": client.post("/peer/plan"),
        "plan by address": client.get("/peer/plan"),
    }


def test_no_console_page_is_kept_by_the_browser_or_sets_a_cookie(client):
    for name, page in _pages(client).items():
        assert page.headers["Cache-Control"] == "no-store", name
        assert "Set-Cookie" not in page.headers, name


def test_no_profile_value_is_in_any_address_on_the_page(client):
    shared = [("share", part) for part in ("where", "needs", "travel", "time")]
    crafted = "zq7431-her-own-words"
    with_words = her_form(*shared)
    with_words.setlist("q", [crafted])
    pages = [client.post("/peer", data=her_form(*shared)), client.post("/peer", data=with_words)]
    assert result_ids(pages[0].get_data(as_text=True)), "a page with listings to link"
    for page in pages:
        html = page.get_data(as_text=True)
        for address in addresses(html):
            for sensitive in (crafted, "on_moud", "needs_childcare", "secular", "women_only"):
                assert sensitive not in address, address
    # Her words are in their box and in the summary of her profile, not in the share link.
    html = pages[1].get_data(as_text=True)
    share = re.search(r'<section class="share".*?</section>', html, re.S).group(0)
    assert crafted not in share
    assert f"Words: {crafted}" in summaries(html)["about"]
    assert f'id="q" name="q" maxlength="200" value="{crafted}"' in html


def test_a_peer_session_leaves_nothing_in_the_logs_or_the_database(client, seed_app, caplog):
    caplog.set_level(logging.DEBUG)
    crafted = "zq7431-her-own-words"
    form = her_form(("q", crafted), ("share", "where"))
    client.post("/peer", data=form)
    client.post("/peer/results", data=form)
    client.post("/peer", data=her_form(("show_hidden", "travel"), ("q", crafted)))
    client.post("/peer/plan", data={"plan": NIGHT_SHELTER, "q": crafted})
    assert crafted not in caplog.text and "on_moud" not in caplog.text
    with sqlite3.connect(seed_app.config["DATABASE"]) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            for row in db.execute(f'SELECT * FROM "{table}"'):
                assert crafted not in repr(row), table


def test_no_console_page_has_inline_script_or_style(client):
    for name, page in _pages(client).items():
        html = page.get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), name
        assert not re.search(r"<style|\sstyle=|\son[a-z]+=", html), name


def test_every_console_page_is_light(client):
    for name, page in _pages(client).items():
        total = page_bytes(client, page)
        assert total < PAGE_BUDGET_BYTES, (name, total)


def test_every_control_has_a_label_and_every_page_one_h1(client):
    for name, page in _pages(client).items():
        html = page.get_data(as_text=True)
        if page.status_code == 302:
            continue
        # The fragment goes under the console's h1.
        assert html.count("<h1") == (0 if name == "fragment" else 1), name
        controls = re.findall(
            r'<(?:input|select|textarea)(?![^>]*type="(?:hidden|checkbox|radio)")[^>]*\sid="([^"]+)"',
            html,
        )
        for control in controls:
            assert f'<label for="{control}"' in html, (name, control)
        boxes = len(re.findall(r'<input type="(?:checkbox|radio)"', html))
        wrapped = len(
            re.findall(r'<label class="chip[^"]*"><input type="(?:checkbox|radio)"', html)
        )
        assert boxes == wrapped, name


def test_places_whose_hours_are_not_listed_are_hidden_tonight_as_that_and_can_be_opened(client):
    form = [("near", "94110"), ("needs", "housing"), ("mode", "any"), ("max_minutes", "60")]
    form += [("when", "tonight"), ("day", TOMORROW.isoformat())]
    profile = {
        "location": {"postal_code": "94110"},
        "needs": ["housing"],
        "travel": {"mode": "any", "max_minutes": 60},
        "when": HER_PROFILE["when"],
    }
    api = client.post("/api/v1/match", json=profile).get_json()
    hidden = {h["code"]: h["count"] for h in api["hidden"]}
    assert hidden.get("schedule"), "shelters and residences near 94110 without listed hours"
    html = unescape(client.post("/peer", data=MultiDict(form)).get_data(as_text=True))
    assert f"<li>{hidden['schedule']} hidden: schedule not listed <button" in html

    opened = client.post("/api/v1/match", json={**profile, "show_hidden": "schedule"}).get_json()
    page = client.post("/peer", data=MultiDict([*form, ("show_hidden", "schedule")]))
    html = unescape(page.get_data(as_text=True))
    assert result_ids(html) == [r["id"] for r in opened["results"]]
    assert opened["results"]
    for result in opened["results"]:
        said = {r["code"]: r for r in result["reasons"]}
        assert said["when"]["text"] == "Hours not listed: call to confirm"
        shown = card(html, result["id"])
        assert "Hidden because: schedule not listed" in shown
        assert "Hours not listed" in shown or "By appointment" in shown

    spanish = client.post("/peer?lang=es", data=MultiDict(form)).get_data(as_text=True)
    assert f"<li>{hidden['schedule']} ocultos: horario no indicado <button" in unescape(spanish)
