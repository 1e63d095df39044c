"""Walk a peer's session through the console in a real browser: from profile to plan and text.

Each path checks what the peer sees against what the JSON API answers for the same profile
(through the app's test client): the same places in the same order, the same hidden places, the
same names and phones in the plan. The privacy path runs through the live server and looks for
the session's values in its log, its database, the browser's addresses and cookies.
Screenshots: peer-console-results and peer-plan (-phone.png and -desktop.png).
"""

import re
import sqlite3
from urllib.parse import parse_qsl, urlsplit

import phonenumbers
import pytest
from playwright.sync_api import Page, Request, expect

from resdir import vocab
from tests.browser.conftest import axe_check, new_page, open_page, reveal, screenshot
from tests.browser.test_public_flows import _match

ZIP = "94110"
NEED = ("housing.shelter", "Emergency shelter")
BARRIER = ("no_id", "No ID")  # set to Prefer
VALUE = ("lgbtq_affirming", "LGBTQ+ affirming")  # set to Require ("Must have")
PROFILE = {
    "location": {"postal_code": ZIP},
    "needs": [NEED[0]],
    "barriers": [BARRIER[0]],
    "values": {VALUE[0]: "require"},
}
# A client whose situation must never leave the tab: words only she would type, an age, and
# barriers about medication, immigration and a record.
CRAFTED = "zq7431peerwords"
AGE = "73"
PRIVATE_BARRIERS = ("on_moud", "undocumented", "justice_involved")
PRIVATE_PROFILE = {
    "location": {"postal_code": ZIP},
    "needs": [NEED[0]],
    "barriers": list(PRIVATE_BARRIERS),
    "age": int(AGE),
}
CLIPBOARD = ["clipboard-read", "clipboard-write"]
DASH = " — "  # between the parts of a plan line


def _fits(total: int) -> str:
    return f"{total} place fits" if total == 1 else f"{total} places fit"


def _phone(result: dict) -> str:
    """Return the first number to call or text back, as a person in the US writes it."""
    number = next(p for p in result["phones"] if p["type"] != "fax")["number"]
    return phonenumbers.format_number(
        phonenumbers.parse(number), phonenumbers.PhoneNumberFormat.NATIONAL
    )


def _address(result: dict) -> str:
    address = result["address"]
    return f"{address['street']}, {address['city']}, {address['region']} {address['postal_code']}"


def _posted(request: Request) -> list[tuple[str, str]]:
    return parse_qsl(request.post_data or "")


def _settle(page: Page, action, field: tuple[str, str]) -> None:
    """Do the action and wait for the results the script posts once `field` is in the form."""
    with page.expect_response(
        lambda r: urlsplit(r.url).path == "/peer/results" and field in _posted(r.request)
    ):
        action()


def _fill_profile(page: Page, barriers: dict[str, str], value: tuple[str, str] | None) -> None:
    """Fill where and the need, set each barrier (code -> "Prefer" or "Require") and the value
    (code, label) to Must have; return once the results of the whole profile are in."""
    page.get_by_label("Where is the person?").fill(ZIP)
    reveal(page, page.get_by_label(NEED[1], exact=True)).check()
    steps = []
    for code, strength in barriers.items():
        select = reveal(page, page.get_by_label(vocab.BARRIERS[code].label, exact=True))
        posted = code if strength == "Prefer" else f"{code}:require"
        steps.append((select, strength, ("barriers", posted)))
    if value:
        steps.append(
            (
                reveal(page, page.get_by_label(value[1], exact=True)),
                "Must have",
                ("values", f"{value[0]}:require"),
            )
        )
    *first, (select, strength, field) = steps
    for element, choice, _field in first:
        element.select_option(label=choice)
    _settle(page, lambda: select.select_option(label=strength), field)


def _about(action: str, name: str) -> re.Pattern:
    """Match the accessible name of a button that says which place it acts on."""
    # The place's name is in a visually hidden span, which Chromium sets apart with a space.
    return re.compile(rf"^{action} ?: {re.escape(name)}$")


def _result_names(page: Page):
    return page.locator("#peer-results li.result h3 a")


def _shortlist(page: Page):
    return page.locator("#shortlist-items .shortlist-name")


@pytest.fixture
def clipboard_page(browser, live_app, browser_errors):
    """Return a JavaScript page that may read and write the clipboard; fail on browser errors."""
    yield from new_page(browser, live_app, browser_errors, permissions=CLIPBOARD)


@pytest.fixture
def fresh_page(browser, live_app, browser_errors):
    """Return a second JavaScript page in a context of its own; fail on browser errors."""
    yield from new_page(browser, live_app, browser_errors)


def test_from_profile_to_plan_and_a_copied_text_message(clipboard_page, live_app):
    page = clipboard_page
    requests: list[Request] = []
    page.on("request", lambda request: requests.append(request))
    open_page(page, "/peer")
    _fill_profile(page, {BARRIER[0]: "Prefer"}, VALUE)

    # Results follow the form: nobody pressed "Show results" and the page never reloaded.
    api = _match(live_app, PROFILE)
    names = [r["name"] for r in api["results"]]
    assert len(names) >= 2, "two places to plan"
    expect(page.locator("#peer-results-title")).to_have_text(_fits(api["total"]))
    expect(_result_names(page)).to_have_text(names)
    assert not [r for r in requests if r.method == "POST" and urlsplit(r.url).path == "/peer"]
    hidden = sum(h["count"] for h in api["hidden"])
    expect(page.locator("#peer-status")).to_have_text(f"{_fits(api['total'])}, {hidden} hidden.")
    expect(page.locator(".hidden-counts li")).to_have_text(
        [re.compile(rf"^{h['count']} hidden: {re.escape(h['reason'])}") for h in api["hidden"]]
    )
    axe_check(page)

    # The places the required value hid, exactly as the API lists them, then back.
    reason = next(h for h in api["hidden"] if h["code"] == f"requires:{VALUE[0]}")
    revealed = _match(live_app, {**PROFILE, "show_hidden": reason["code"]})
    page.locator(f'button[name="show_hidden"][value="{reason["code"]}"]').click()
    expect(page.locator("#peer-results-title")).to_have_text(f"{revealed['total']} hidden places")
    expect(page.locator("#peer-results-title")).to_be_focused()
    expect(_result_names(page)).to_have_text([r["name"] for r in revealed["results"]])
    expect(page.locator("#peer-results")).to_contain_text(f"Hidden because: {reason['reason']}")
    axe_check(page)
    page.get_by_role("button", name="Back to the places that fit").click()
    expect(page.locator("#peer-results-title")).to_have_text(_fits(api["total"]))
    expect(_result_names(page)).to_have_text(names)

    # Two places in the shortlist; one taken out and put back goes to the end.
    first, second = api["results"][:2]
    for result in (first, second):
        page.get_by_label(f"Add to plan: {result['name']}").check()
    expect(_shortlist(page)).to_have_text([first["name"], second["name"]])
    expect(page.locator("#shortlist-count")).to_have_text("2")
    expect(page.locator("#peer-status")).to_have_text("Added to the plan.")
    page.get_by_role("button", name=_about("Remove", first["name"])).click()
    expect(_shortlist(page)).to_have_text([second["name"]])
    expect(page.locator("#shortlist-count")).to_have_text("1")
    expect(page.get_by_label(f"Add to plan: {first['name']}")).not_to_be_checked()
    page.get_by_label(f"Add to plan: {first['name']}").check()
    expect(page.locator("#shortlist-count")).to_have_text("2")
    planned = [second, first]
    expect(_shortlist(page)).to_have_text([r["name"] for r in planned])
    # The results column sticks to the top of the window: a whole-page picture shows it only
    # from the top of the page.
    page.evaluate("() => window.scrollTo(0, 0)")
    screenshot(page, "peer-console-results")

    with page.expect_navigation():
        page.locator("#shortlist").get_by_role("button", name="Make a plan").click()
    assert urlsplit(page.url).path == "/peer/plan"
    places = page.locator("li.plan-place")
    expect(places.locator("h2")).to_have_text([r["name"] for r in planned])
    lines = []
    for place, result in zip(places.all(), planned, strict=True):
        when = place.locator(".when").inner_text().removeprefix("When:").strip()
        assert when, result["name"]
        expect(place.locator(".where")).to_have_text(f"Where: {_address(result)}")
        expect(place.locator(".phones a").first).to_have_text(_phone(result))
        directions = place.locator("a.directions").get_attribute("href")
        assert directions.startswith("https://www.openstreetmap.org/directions?route=")
        where = f"{_address(result)} ({directions})"
        lines.append(DASH.join([result["name"], when, where, _phone(result)]))
    message = page.locator("#plan-text").input_value()
    assert message.split("\n") == lines
    axe_check(page)
    screenshot(page, "peer-plan")

    page.get_by_role("button", name="Copy").click()
    expect(page.locator("#plan-copy-status")).to_have_text("Copied: paste it into a text message.")
    assert page.evaluate("() => navigator.clipboard.readText()") == message

    page.emulate_media(media="print")
    expect(page.locator(".plan-message")).to_be_hidden()
    expect(page.locator("#plan-copy")).to_be_hidden()
    for place, result in zip(places.all(), planned, strict=True):
        expect(place.locator("h2")).to_be_visible()
        expect(place.get_by_role("link", name=_phone(result))).to_be_visible()


def test_the_profile_survives_a_listing_and_clear_everything_forgets_it(page, live_app):
    open_page(page, "/peer")
    _fill_profile(page, {BARRIER[0]: "Prefer"}, VALUE)
    api = _match(live_app, PROFILE)
    names = [r["name"] for r in api["results"]]
    expect(_result_names(page)).to_have_text(names)
    page.get_by_label(f"Add to plan: {names[0]}").check()
    expect(page.locator("#shortlist-count")).to_have_text("1")

    with page.expect_navigation():
        _result_names(page).nth(1).click()
    expect(page.locator("main h1")).to_have_text(names[1])
    # Back on a blank console (it is never cached), the script posts the profile it kept.
    with page.expect_request(lambda r: r.method == "POST" and r.url.endswith("/peer/results")):
        page.go_back()
    expect(page.get_by_label("Where is the person?")).to_have_value(ZIP)
    expect(page.get_by_label(NEED[1], exact=True)).to_be_checked()
    expect(page.get_by_label(BARRIER[1], exact=True)).to_have_value(BARRIER[0])
    expect(page.get_by_label(VALUE[1], exact=True)).to_have_value(f"{VALUE[0]}:require")
    expect(page.locator("#peer-results-title")).to_have_text(_fits(api["total"]))
    expect(_result_names(page)).to_have_text(names)
    expect(_shortlist(page)).to_have_text([names[0]])
    assert page.evaluate("() => sessionStorage.length") > 0

    page.get_by_role("link", name="Clear everything").click()
    expect(page.locator("#peer-status")).to_have_text("Everything is cleared.")
    expect(page.get_by_label("Where is the person?")).to_have_value("")
    expect(page.get_by_label("Where is the person?")).to_be_focused()
    expect(page.locator('#peer-form input[type="checkbox"]:checked')).to_have_count(0)
    expect(page.get_by_label(BARRIER[1], exact=True)).to_have_value("")
    expect(page.get_by_label(VALUE[1], exact=True)).to_have_value("")
    expect(page.locator("#peer-results li.result")).to_have_count(0)
    expect(page.locator("#peer-results")).to_contain_text("Say where the person is")
    expect(page.locator("#shortlist-count")).to_have_text("0")
    expect(page.locator("#shortlist-items li")).to_have_count(0)
    expect(page.locator("#shortlist-plan")).to_be_disabled()
    assert page.evaluate("() => sessionStorage.length") == 0
    # Nothing comes back on the next visit either.
    open_page(page, "/peer")
    expect(page.get_by_label("Where is the person?")).to_have_value("")
    expect(page.locator("#peer-results li.result")).to_have_count(0)


def test_a_peer_session_leaves_its_values_in_no_log_table_address_or_cookie(page, live_app):
    start = len(live_app.log_lines)
    urls: list[str] = []
    answers = []
    page.on("request", lambda request: urls.append(request.url))
    page.on("response", lambda response: answers.append(response))
    open_page(page, "/peer")
    reveal(page, page.get_by_label("Age", exact=True)).fill(AGE)
    _fill_profile(page, dict.fromkeys(PRIVATE_BARRIERS, "Prefer"), None)
    api = _match(live_app, PRIVATE_PROFILE)
    expect(_result_names(page)).to_have_text([r["name"] for r in api["results"]])
    shown = api["results"][0]
    page.get_by_label(f"Add to plan: {shown['name']}").check()
    moud = next(h for h in api["hidden"] if h["code"] == "barrier:on_moud")
    page.locator(f'button[name="show_hidden"][value="{moud["code"]}"]').click()
    expect(page.locator("#peer-results-title")).to_have_text(re.compile(r"hidden place"))
    _settle(page, lambda: page.get_by_label("Words to look for").fill(CRAFTED), ("q", CRAFTED))
    page.locator("summary", has_text="Share link").click()
    _settle(
        page,
        lambda: page.locator("#share").get_by_label("Where", exact=True).check(),
        ("share", "where"),
    )
    share = page.locator("#share-url").input_value()
    assert parse_qsl(urlsplit(share).query) == [("near", ZIP)]
    with page.expect_navigation():
        page.locator("#shortlist").get_by_role("button", name="Make a plan").click()
    expect(page.locator("li.plan-place h2")).to_have_text([shown["name"]])
    opened = len(urls)
    open_page(page, share)  # the one address with a profile value: the peer chose to make it

    lines = live_app.log_lines[start:]
    assert any('"POST /peer/results HTTP/1.1" 200' in line for line in lines), lines
    assert any('"POST /peer/plan HTTP/1.1" 200' in line for line in lines), lines
    for line in lines:
        for secret in (CRAFTED, *PRIVATE_BARRIERS):
            assert secret not in line, line
        assert not re.search(rf"\bage\b|\b{AGE}\b", line), line
    with sqlite3.connect(live_app.database) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        assert tables
        for table in tables:
            for row in db.execute(f'SELECT * FROM "{table}"'):
                assert CRAFTED not in repr(row), table
    assert urls[opened] == share
    for url in urls[:opened] + urls[opened + 1 :]:
        parts = urlsplit(url)
        # Short values are looked for whole: "73" may well be part of a listing's id.
        tokens = [*parts.path.split("/"), *(v for _k, v in parse_qsl(parts.query))]
        assert ZIP not in tokens and AGE not in tokens, url
        for secret in (CRAFTED, NEED[0], *PRIVATE_BARRIERS):
            assert secret not in url, url
    assert page.context.cookies() == []
    console = [r for r in answers if urlsplit(r.url).path.startswith("/peer")]
    assert {urlsplit(r.url).path for r in console} == {"/peer", "/peer/results", "/peer/plan"}
    for response in console:
        assert response.headers.get("cache-control") == "no-store", response.url


def test_without_javascript_the_console_posts_and_makes_a_plan(page_without_js, live_app):
    page = page_without_js
    open_page(page, "/peer")
    page.get_by_label("Where is the person?").fill(ZIP)
    reveal(page, page.get_by_label(NEED[1], exact=True)).check()
    reveal(page, page.get_by_label(BARRIER[1], exact=True)).select_option(label="Prefer")
    reveal(page, page.get_by_label(VALUE[1], exact=True)).select_option(label="Must have")
    with page.expect_navigation():
        page.get_by_role("button", name="Show results").click()

    api = _match(live_app, PROFILE)
    expect(page.locator("#peer-results-title")).to_have_text(_fits(api["total"]))
    expect(_result_names(page)).to_have_text([r["name"] for r in api["results"]])
    expect(page.locator("#shortlist")).to_be_hidden()
    planned = api["results"][:2]
    for result in planned:
        page.get_by_label(f"Add to plan: {result['name']}").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Make a plan").click()

    assert urlsplit(page.url).path == "/peer/plan"
    expect(page.locator("li.plan-place h2")).to_have_text([r["name"] for r in planned])
    lines = page.locator("#plan-text").input_value().split("\n")
    assert len(lines) == len(planned)
    for line, result in zip(lines, planned, strict=True):
        parts = line.split(DASH)
        assert parts[0] == result["name"] and parts[-1] == _phone(result), line
        assert parts[2].startswith(f"{_address(result)} (https://www.openstreetmap.org/"), line
    expect(page.locator("#plan-copy")).to_be_hidden()
    expect(page.get_by_role("button", name="Copy")).to_have_count(0)


def test_a_share_link_of_where_and_needs_opens_the_public_search_with_those(
    page, fresh_page, live_app
):
    open_page(page, "/peer")
    _fill_profile(page, {BARRIER[0]: "Require"}, VALUE)
    page.locator("summary", has_text="Share link").click()
    page.locator("#share").get_by_label("Where", exact=True).check()
    _settle(
        page,
        lambda: page.locator("#share").get_by_label("Needs", exact=True).check(),
        ("share", "needs"),
    )
    share = page.locator("#share-url").input_value()
    assert urlsplit(share).path == "/search"
    assert parse_qsl(urlsplit(share).query) == [("near", ZIP), ("needs", NEED[0])]
    expect(page.locator(".share li")).to_have_text([f"Where: {ZIP}", f"Needs: Housing: {NEED[1]}"])
    expect(page.locator(".share .warning")).to_have_count(0)

    open_page(fresh_page, share)
    expect(fresh_page.locator("main h1")).to_have_text("Places that fit")
    expect(fresh_page.get_by_label("Where are you?")).to_have_value(ZIP)
    api = _match(live_app, {"location": {"postal_code": ZIP}, "needs": [NEED[0]]})
    expect(fresh_page.locator("li.result h3 a")).to_have_text([r["name"] for r in api["results"]])
    # Neither the barrier nor the value went with it.
    fresh_page.locator("summary", has_text="Filters").click()
    expect(fresh_page.get_by_label(BARRIER[1], exact=True)).not_to_be_checked()
    expect(fresh_page.get_by_label(VALUE[1], exact=True)).to_have_value("")
    assert fresh_page.evaluate("() => sessionStorage.length") == 0


def test_a_share_link_with_her_situation_posts_it_and_no_address_carries_it(
    page, fresh_page, page_without_js, live_app
):
    open_page(page, "/peer")
    _fill_profile(page, {BARRIER[0]: "Require", "on_moud": "Prefer"}, VALUE)
    page.locator("summary", has_text="Share link").click()
    parts = page.locator("#share, #share-sensitive")
    for part in ("Where", "Needs", "Situation"):
        parts.get_by_label(part, exact=True).check()
    _settle(
        page,
        lambda: page.locator("#share-sensitive").get_by_label("What matters", exact=True).check(),
        ("share", "values"),
    )
    share = urlsplit(page.locator("#share-url").input_value())
    # Where and what in the query; her situation and values in the fragment, which a browser
    # never sends: the search page's script posts them.
    assert parse_qsl(share.query) == [("near", ZIP), ("needs", NEED[0])]
    # In the form's order: the common situations first (on_moud), the rest after (no_id).
    assert parse_qsl(share.fragment) == [
        ("barriers", "on_moud"),
        ("barriers", f"{BARRIER[0]}:require"),
        ("values", f"{VALUE[0]}:require"),
    ]
    expect(page.locator(".share .warning")).to_be_visible()

    start = len(live_app.log_lines)
    sent = []
    fresh_page.on("request", lambda r: sent.append((r.method, r.url, r.post_data or "")))
    with fresh_page.expect_response(
        lambda r: r.request.method == "POST" and urlsplit(r.url).path == "/search"
    ):
        fresh_page.goto(share.geturl())
    expect(fresh_page.locator("main h1")).to_have_text("Places that fit")
    profile = {
        "location": {"postal_code": ZIP},
        "needs": [NEED[0]],
        "barriers": {BARRIER[0]: "require", "on_moud": "prefer"},
        "values": {VALUE[0]: "require"},
    }
    api = _match(live_app, profile)
    assert api["results"], "a profile with places to show"
    expect(fresh_page.locator("li.result h3 a")).to_have_text([r["name"] for r in api["results"]])
    fresh_page.locator("summary", has_text="Filters").click()
    expect(fresh_page.get_by_label(vocab.BARRIERS["on_moud"].label, exact=True)).to_be_checked()
    expect(fresh_page.get_by_label(VALUE[1], exact=True)).to_have_value(f"{VALUE[0]}:require")
    assert urlsplit(fresh_page.url).fragment == ""
    [posted] = [body for method, _url, body in sent if method == "POST"]
    assert ("barriers", "on_moud") in parse_qsl(posted)
    for _method, url, _body in sent:
        for secret in (BARRIER[0], "on_moud", VALUE[0]):
            assert secret not in url, url
    lines = live_app.log_lines[start:]
    assert any('"POST /search HTTP/1.1" 200' in line for line in lines), lines
    for line in lines:
        for secret in (BARRIER[0], "on_moud", VALUE[0]):
            assert secret not in line, line

    # Without JavaScript the link opens with its shareable part alone.
    open_page(page_without_js, share.geturl())
    plain = _match(live_app, {"location": {"postal_code": ZIP}, "needs": [NEED[0]]})
    expect(page_without_js.locator("li.result h3 a")).to_have_text(
        [r["name"] for r in plain["results"]]
    )
