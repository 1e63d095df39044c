"""Fit my day in the peer console, on the demo directory at a fixed clock: a meeting tonight and
childcare that the rules say is open for all of it, the trip estimated as the plan estimates it,
one click into the plan, and one sentence when nothing combines."""

import re
from datetime import timedelta
from html import unescape

import pytest
from werkzeug.datastructures import MultiDict

from resdir import store
from resdir.listings import load_documents
from resdir.matching import plan as plans
from resdir.matching.fitday import NEAR_TRIP_MINUTES
from resdir.matching.time import is_open, occurrences
from resdir.web.present import window
from tests.clock import NOW
from tests.functional.test_peer_pages import SAN_FRANCISCO, TOMORROW
from tests.functional.test_public_pages import text

# A mother in the Mission, no car, two kids, wants a meeting tomorrow evening.
MOTHER = [
    ("near", "94110"),
    ("needs", "sober_social.meeting"),
    ("barriers", "no_vehicle"),
    ("barriers", "needs_childcare"),
    ("mode", "transit"),
    ("max_minutes", "45"),
    ("when", "tonight"),
    ("day", TOMORROW.isoformat()),
]


def fit(client, form, lang="") -> str:
    """Return the Fit my day section of the console posted with `form` and fit_day=1."""
    page = client.post(f"/peer{lang}", data=MultiDict([*form, ("fit_day", "1")]))
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    return re.search(r'<section class="fit-day".*?</section>', page.get_data(as_text=True), re.S)[0]


def combinations(section: str) -> list[tuple[str, list[str], MultiDict]]:
    """Return each combination's title, reasons, and what its "Put in the plan" posts."""
    found = []
    for item in re.findall(r"<li>\s*<h3>.*?</form>", section, re.S):
        title = text(re.search(r"<h3>(.*?)</h3>", item, re.S)[1]).strip()
        reasons = [
            text(r).strip() for r in re.findall(r"<li>(.*?)</li>", item.split("<ul>")[1], re.S)
        ]
        fields = re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', item)
        assert 'action="/peer/plan" method="post"' in item
        found.append((title, reasons, MultiDict([(k, unescape(v)) for k, v in fields])))
    return found


def _docs(seed_app, ids):
    with seed_app.app_context(), store.session() as session:
        return load_documents(session, ids)


def test_a_mother_without_a_car_gets_a_meeting_with_childcare_open_for_all_of_it(client, seed_app):
    found = combinations(fit(client, MOTHER))
    assert 1 <= len(found) <= 3
    start, end = window("tonight", TOMORROW, "America/Los_Angeles", NOW)
    for title, reasons, posted in found:
        meeting_id, care_id = posted.getlist("plan")
        docs = _docs(seed_app, [meeting_id, care_id])
        meeting, care = docs[meeting_id], docs[care_id]
        assert meeting["kind"] == "meeting" and care["category"] == "childcare"
        # The rules' own reading: the meeting starts tonight, the childcare is open from before
        # the trip there until after the trip back.
        meets = occurrences(meeting["schedule"], "meeting", meeting["timezone"], start, end)[0]
        a, b = meeting["location"], care["location"]
        km = plans.distance_km((a["lat"], a["lon"]), b["lat"], b["lon"])
        way, minutes = plans.fastest_trip("transit", km)
        assert way in ("walk", "transit") and minutes <= NEAR_TRIP_MINUTES
        trip = timedelta(minutes=round(minutes))
        assert is_open(care["schedule"], "service", care["timezone"], meets.start - trip)
        last = meets.end + trip - timedelta(minutes=1)
        assert is_open(care["schedule"], "service", care["timezone"], last)
        assert title.startswith(f"{meeting['name']}, Fri, Dec 4, ")
        hour = f"{meets.start.hour % 12 or 12}:{meets.start:%M %p}"
        assert f"covering the meeting {hour}–" in reasons[0]
        assert reasons[0].startswith(f"Childcare at {care['name']} is open ")
        on_foot = "on foot" if way == "walk" else "by transit"
        assert reasons[1] == (
            f"About {round(minutes)} min {on_foot} from {care['name']} to the meeting (estimate)."
        )
        # "Put in the plan" carries what the plan reads of the profile (how the person travels,
        # the situation it asks about), never where they are or when.
        assert posted.getlist("mode") == ["transit"]
        assert posted.getlist("barriers") == ["no_vehicle", "needs_childcare"]
        assert set(posted) == {"plan", "mode", "barriers"}
    assert meets.start.tzinfo.key == SAN_FRANCISCO.key


def test_put_in_the_plan_makes_the_plan_of_the_meeting_and_the_childcare(client, seed_app):
    _title, _reasons, posted = combinations(fit(client, MOTHER))[0]
    plan = text(client.post("/peer/plan", data=posted).get_data(as_text=True))
    docs = _docs(seed_app, posted.getlist("plan"))
    for doc in docs.values():
        assert doc["name"] in plan
    assert "Next meeting: Fri, Dec 4, " in plan


def test_fit_my_day_in_spanish(client):
    section = text(fit(client, MOTHER, "?lang=es"))
    assert "Encajar mi día" in section
    assert "Guardería en " in section and "Poner en el plan" in section


@pytest.mark.parametrize(
    ("form", "sentence"),
    [
        (
            [p for p in MOTHER if p[0] not in ("when", "day")],
            "Choose a day or tonight first: a day is fitted within a time window.",
        ),
        (
            [p for p in MOTHER if p != ("barriers", "needs_childcare")],
            "Choose Childcare in the needs, or Needs childcare in the situation: a day is "
            "fitted around a meeting and childcare.",
        ),
        (
            [
                *(p for p in MOTHER if p[0] not in ("mode", "max_minutes")),
                ("mode", "walk"),
                ("max_minutes", "5"),
            ],
            "No childcare that fits the profile and is open in this time window is within 5 "
            "minutes of a meeting.",
        ),
    ],
)
def test_when_nothing_combines_one_sentence_says_why(client, form, sentence):
    section = fit(client, form)
    assert combinations(section) == []
    assert f'<p class="fit-day-none">{sentence}</p>' in unescape(section)


def test_the_console_offers_fit_my_day_without_running_it_until_asked(client):
    for html in (
        client.get("/peer").get_data(as_text=True),
        client.post("/peer", data=MultiDict(MOTHER)).get_data(as_text=True),
        client.post("/peer/results", data=MultiDict(MOTHER)).get_data(as_text=True),
    ):
        assert 'class="fit-day"' not in html
    assert 'name="fit_day" value="1">Fit my day</button>' in client.get("/peer").get_data(
        as_text=True
    )


def test_a_required_value_holds_the_meeting_but_does_not_hide_childcare(client, seed_app):
    # Childcare never says whether it is for young people: a required young people's meeting
    # still gets a day fitted around childcare, and every meeting proposed is for young people.
    found = combinations(fit(client, [*MOTHER, ("values", "young_people:require")]))
    assert found, "a required value hid every childcare place"
    for _title, _reasons, posted in found:
        meeting_id, care_id = posted.getlist("plan")
        docs = _docs(seed_app, [meeting_id, care_id])
        assert docs[meeting_id]["attributes"]["young_people"]["value"] == "yes"
        assert docs[care_id]["category"] == "childcare"
