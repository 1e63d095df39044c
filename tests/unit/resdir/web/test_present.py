"""What the public pages say about a result or a listing: distances, hours, phones, places."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from resdir import create_app, vocab
from resdir.matching.time import next_occurrence
from resdir.web import present

LA = ZoneInfo("America/Los_Angeles")
# Thursday 26 November 2026, 4:36 PM in San Francisco.
THURSDAY_AFTERNOON = datetime(2026, 11, 26, 16, 36, tzinfo=LA)
NIGHTLY = [{"day": d, "opens": "19:00", "closes": "07:00"} for d in range(7)]


@pytest.fixture
def app(tmp_path):
    """Return an app (no store needed: nothing here reads one)."""
    return create_app({"DATABASE": str(tmp_path / "unused.sqlite3"), "TESTING": True})


@pytest.fixture
def english(app):
    """Run the test inside an English request."""
    with app.test_request_context("/?lang=en"):
        yield


@pytest.fixture
def spanish(app):
    """Run the test inside a Spanish request."""
    with app.test_request_context("/?lang=es"):
        yield


def make_listing(**overrides) -> dict:
    """Return a listing document like the store's, a night shelter by default."""
    doc = {
        "id": "l1",
        "name": "Lantern Night Shelter",
        "kind": "service",
        "category": "housing",
        "subcategories": ["shelter"],
        "status": "published",
        "address": {
            "street": "2940 16th St",
            "city": "San Francisco",
            "region": "CA",
            "postal_code": "94103",
            "country": "US",
        },
        "location": {"lat": 37.76512, "lon": -122.41893},
        "location_name": "Capp Street door",
        "geocode_precision": "source",
        "approximate_location": False,
        "confidential_location": False,
        "temporarily_closed": False,
        "timezone": "America/Los_Angeles",
        "service_area": None,
        "online": None,
        "schedule": {"intervals": NIGHTLY, "text": None, "by_appointment": False},
        "phones": [],
        "cost": {"kind": "free"},
        "eligibility": {"genders": [], "min_age": 18, "max_age": None, "text": None},
        "languages": ["en", "es"],
        "attributes": {},
        "capacity": None,
        "last_verified_at": "2026-11-18T08:00:00+00:00",
        "updated_at": None,
    }
    return doc | overrides


def test_distances_are_miles_in_the_us_and_kilometres_elsewhere(english):
    assert present.distance_text(0.7, "US") == "0.4 mi"
    assert present.distance_text(0.7, "MX") == "0.7 km"
    assert present.distance_text(16.2, "US") == "10 mi"
    assert present.distance_text(0.01, "US") == "0.1 mi"  # never "0 mi"
    assert present.distance_text(None, "US") is None


def test_distances_follow_the_language(spanish):
    assert present.distance_text(0.7, "MX") == "0,7 km"


def test_travel_is_labelled_an_estimate_walking_and_transit_first(english):
    trips = [
        {"mode": "transit", "minutes": 16},
        {"mode": "walk", "minutes": 28},
        {"mode": "car", "minutes": 7},
    ]
    assert present.travel_text(trips) == (
        "about 16 min by transit · 28 min on foot · 7 min by car (estimate)"
    )
    assert present.travel_text(trips[1:2]) == "about 28 min on foot (estimate)"
    assert present.travel_text([]) is None


def test_a_night_shelter_today_is_open_until_morning_and_again_tonight(english):
    doc = make_listing()
    text = present.today_hours(doc, THURSDAY_AFTERNOON, "America/Los_Angeles")
    assert text == "Open today until 7:00 AM, 7:00 PM–7:00 AM"
    assert not present.open_now(doc, THURSDAY_AFTERNOON, "America/Los_Angeles")
    assert present.open_now(doc, THURSDAY_AFTERNOON.replace(hour=23), "America/Los_Angeles")


def _open_now_card_time(doc: dict, now: datetime) -> str:
    """Return a card's time line for an "open now" search at `now`, as the matcher hands it
    the opening that overlaps the moment."""
    zone = doc["timezone"]
    found = next_occurrence(doc["schedule"], "service", zone, now)
    occurrence = {"start": found.start.isoformat(), "end": found.end.isoformat()}
    return present.when_text({"next_occurrence": occurrence}, doc, now, zone, windowed=True)


def test_open_now_says_until_when_for_an_opening_that_began_before_now(english):
    doc = make_listing()
    # Sunday 6 December 2026, 2:00 AM: open since Saturday 7 PM.
    early = datetime(2026, 12, 6, 2, 0, tzinfo=LA)
    assert present.open_now(doc, early, "America/Los_Angeles")
    assert _open_now_card_time(doc, early) == "until 7:00 AM"
    assert _open_now_card_time(doc, early.replace(hour=23)) == "until tomorrow, 7:00 AM"
    office = make_listing(schedule={"intervals": [{"day": 6, "opens": "09:00", "closes": "17:00"}]})
    assert _open_now_card_time(office, early.replace(hour=10)) == "until 5:00 PM"
    # Openings that follow on without a break are one: open until the last of them closes.
    days = [{"day": d, "opens": "00:00", "closes": "24:00"} for d in (5, 6)]
    weekend = make_listing(schedule={"intervals": days})
    assert _open_now_card_time(weekend, early) == "until tomorrow, 12:00 AM"
    around = [{"day": d, "opens": "00:00", "closes": "24:00"} for d in range(7)]
    always = make_listing(schedule={"intervals": around})
    assert _open_now_card_time(always, early) == "Open 24 hours today"


def test_open_now_until_in_spanish(spanish):
    early = datetime(2026, 12, 6, 2, 0, tzinfo=LA)
    assert _open_now_card_time(make_listing(), early) == "hasta las 7:00"


def test_today_hours_say_24_hours_meetings_appointments_and_closed_days(english):
    zone = "America/Los_Angeles"
    all_day = {"intervals": [{"day": 3, "opens": "00:00", "closes": "23:59"}]}
    assert (
        present.today_hours(make_listing(schedule=all_day), THURSDAY_AFTERNOON, zone)
        == "Open 24 hours today"
    )
    meeting = make_listing(
        kind="meeting", schedule={"intervals": [{"day": 3, "opens": "19:30", "closes": None}]}
    )
    assert present.today_hours(meeting, THURSDAY_AFTERNOON, zone) == "Meets today at 7:30 PM"
    friday = {"intervals": [{"day": 4, "opens": "09:00", "closes": "17:00"}]}
    assert present.today_hours(make_listing(schedule=friday), THURSDAY_AFTERNOON, zone) == (
        "Closed today"
    )
    appointment = {"intervals": [], "by_appointment": True}
    assert present.today_hours(make_listing(schedule=appointment), THURSDAY_AFTERNOON, zone) == (
        "By appointment"
    )
    assert present.today_hours(make_listing(), THURSDAY_AFTERNOON, None) == "Hours not listed"


def test_the_week_starts_monday_marks_today_and_says_when_hours_run_past_midnight(english):
    schedule = {"intervals": [*NIGHTLY[:5], {"day": 5, "opens": "00:00", "closes": "00:00"}]}
    rows = present.week_hours(make_listing(schedule=schedule), THURSDAY_AFTERNOON, "UTC")
    assert [r["day"] for r in rows][:2] == ["Monday", "Tuesday"]
    assert rows[0]["hours"] == ["7:00 PM–7:00 AM (next day)"]
    assert rows[5]["hours"] == ["24 hours"]
    assert rows[6]["hours"] == ["Closed"]
    # 16:36 in San Francisco is already Friday in UTC: today is on the zone's clock.
    assert [r["today"] for r in rows].index(True) == 4
    la_rows = present.week_hours(make_listing(), THURSDAY_AFTERNOON, "America/Los_Angeles")
    assert [r["today"] for r in la_rows].index(True) == 3


def test_the_week_in_spanish_uses_its_day_names_and_24_hour_clock(spanish):
    rows = present.week_hours(make_listing(), THURSDAY_AFTERNOON, "America/Los_Angeles")
    assert rows[0]["day"] == "Lunes"
    assert rows[0]["hours"][0].startswith("19:00–7:00")


def test_a_meeting_s_next_occurrence_reads_today_tomorrow_or_a_date(english):
    today = {"start": "2026-11-26T19:30:00-08:00", "end": "2026-11-26T20:30:00-08:00"}
    later = {"start": "2026-11-30T18:00:00-08:00", "end": "2026-11-30T19:00:00-08:00"}
    assert present.occurrence_text(today, "meeting", THURSDAY_AFTERNOON) == (
        "Next meeting: today, 7:30 PM"
    )
    assert present.occurrence_text(later, "meeting", THURSDAY_AFTERNOON) == (
        "Next meeting: Mon, November 30, 6:00 PM"
    )
    assert present.occurrence_text(later, "service", THURSDAY_AFTERNOON) == (
        "Open Mon, November 30, 6:00 PM–7:00 PM"
    )


def test_last_checked_says_how_long_ago_and_asks_to_confirm_when_stale(english):
    now = datetime(2026, 11, 26, 12, tzinfo=LA)
    assert present.checked(make_listing(), now) == {
        "text": "Last checked 8 days ago",
        "stale": False,
    }
    months = make_listing(last_verified_at="2026-08-20T08:00:00+00:00")
    assert present.checked(months, now)["text"] == "Last checked 3 months ago"
    # A feed's own "updated" date stands in for a check, as in the search documents.
    stale = make_listing(last_verified_at=None, updated_at="2024-10-01T00:00:00+00:00")
    assert present.checked(stale, now) == {
        "text": "Last checked 2 years ago: call to confirm",
        "stale": True,
    }
    never = make_listing(last_verified_at=None)
    assert present.checked(never, now) == {
        "text": "Never checked: call to confirm",
        "stale": True,
    }


def test_phones_are_dialled_as_at_home_with_extensions_and_the_right_link(english):
    shown = present.phones(
        [
            {"number": "+14155550142", "type": "voice", "description": "Shelter desk"},
            {"number": "+16505550115", "extension": "12", "type": "voice"},
            {"number": "+16505550102", "type": "text"},
            {"number": "+14155550199", "type": "fax"},
        ],
        "US",
    )
    assert shown[0] == {
        "text": "(415) 555-0142",
        "href": "tel:+14155550142",
        "kind": "Phone",
        "description": "Shelter desk",
    }
    assert (shown[1]["text"], shown[1]["href"]) == ("(650) 555-0115 ext. 12", "tel:+16505550115,12")
    assert (shown[2]["kind"], shown[2]["href"]) == ("Text", "sms:+16505550102")
    assert (shown[3]["kind"], shown[3]["href"]) == ("Fax", None)
    assert present.phone_text("+14155550142", None) == "+1 415-555-0142"
    assert present.phone_text("+16695550132,86555529384", "US") == "(669) 555-0132, 86555529384"


def test_a_confidential_place_shows_its_area_never_its_street_name_or_point(english):
    doc = make_listing(confidential_location=True, service_area={"text": "San Francisco"})
    place = present.where(doc)
    assert place == {
        "name": None,
        "lines": [],
        "area": "San Francisco",
        "confidential": True,
        "online": None,
    }
    assert present.where_line(place) == "Confidential location, serving San Francisco"
    assert present.map_point(doc) is None
    page = present.listing_page(doc, THURSDAY_AFTERNOON, [_stop("16th St", 37.7651, -122.4195)])
    assert page["stop"] is None


def test_a_street_address_reads_on_two_lines_and_places_the_door(english):
    place = present.where(make_listing())
    assert place["lines"] == ["2940 16th St", "San Francisco, CA 94103"]
    assert place["name"] == "Capp Street door"
    assert present.map_point(make_listing()) == {"lat": 37.76512, "lon": -122.41893}
    # A ZIP code's centre is not the door.
    assert present.map_point(make_listing(geocode_precision="postal_code")) is None
    area_wide = make_listing(address=None, location=None, service_area={"text": "San Mateo County"})
    assert present.where_line(present.where(area_wide)) == "Serves San Mateo County"


def _stop(name: str, lat: float, lon: float) -> dict:
    return {"name": name, "lat": lat, "lon": lon, "routes": [{"short_name": "14X"}]}


def test_the_nearest_stop_is_the_closest_within_a_walk(english):
    door = {"lat": 37.76512, "lon": -122.41893}
    stops = [
        _stop("Far Station", 37.7740, -122.4189),  # ~990 m north
        _stop("Mission St & 16th St", 37.7651, -122.4195),  # ~50 m west
    ]
    assert present.nearest_stop(door, stops, "US") == {
        "name": "Mission St & 16th St",
        "distance": "0.1 mi",
        "minutes": 1,
        "routes": ["14X"],
    }
    assert present.nearest_stop(door, stops[:1], "US") is None


def test_hidden_counts_and_reasons_read_as_sentences(english):
    hidden = [
        {"code": "barrier:on_moud", "reason": "do not accept people on MOUD", "count": 3},
        {"code": "closed", "reason": "temporarily closed", "count": 1},
    ]
    assert present.hidden_texts(hidden) == [
        "3 hidden: do not accept people on MOUD",
        "1 hidden: temporarily closed",
    ]
    reasons = [
        {"code": "need", "text": "Recovery meeting", "met": True},
        {"code": "travel", "text": "About 16 min by transit (estimate), 1.4 km", "met": True},
        {"code": "value:secular", "text": "Secular", "met": True},
        {"code": "value:faith_based", "text": "Faith-based (you'd rather avoid)", "met": False},
        {
            "code": "barrier:mobility",
            "text": "Call to confirm: Is it wheelchair accessible?",
            "met": None,
        },
        {"code": "freshness", "text": "Checked 3 days ago", "met": True},
    ]
    assert present.reason_groups(reasons) == {
        "met": ["Secular"],
        "unmet": ["Faith-based (you'd rather avoid)"],
        "unknown": ["Call to confirm: Is it wheelchair accessible?"],
    }


def test_tonight_is_the_evening_on_the_person_s_clock(english):
    zone = "America/Los_Angeles"
    start, end = present.window("tonight", None, zone, THURSDAY_AFTERNOON)
    assert (start, end) == (
        datetime(2026, 11, 26, 17, tzinfo=LA),
        datetime(2026, 11, 26, 23, tzinfo=LA),
    )
    late = THURSDAY_AFTERNOON.replace(hour=20, minute=15)
    assert present.window("tonight", None, zone, late)[0] == late
    after = THURSDAY_AFTERNOON.replace(hour=23, minute=30)
    assert present.window("tonight", None, zone, after)[0] == datetime(2026, 11, 27, 17, tzinfo=LA)
    saturday = date(2026, 11, 28)
    assert present.window("", saturday, zone, THURSDAY_AFTERNOON) == (
        datetime(2026, 11, 28, tzinfo=LA),
        datetime(2026, 11, 29, tzinfo=LA),
    )
    assert present.window("tonight", saturday, zone, THURSDAY_AFTERNOON)[0].hour == 17
    start, end = present.window("", date(2026, 11, 26), zone, after)
    assert (start, end) == (after, datetime(2026, 11, 27, tzinfo=LA))
    assert present.window_text(start, end, after) == "today, 11:30 PM to 12:00 AM"


def test_the_time_a_person_chose_reads_in_words(english):
    assert present.time_choice_text("now", None) == "Open now"
    assert present.time_choice_text("tonight", None) == "Tonight, 5:00 PM to 11:00 PM"
    assert present.time_choice_text("", "2026-12-04") == "Fri, December 4"
    assert present.day_choices(date(2026, 11, 26))[:3] == [
        {"value": "2026-11-26", "text": "Today"},
        {"value": "2026-11-27", "text": "Tomorrow"},
        {"value": "2026-11-28", "text": "Sat, November 28"},
    ]


def test_cost_eligibility_languages_and_capacity_in_words(english):
    assert present.cost_lines(
        {"kind": "fee", "amount": 1700.0, "currency": "USD", "period": "month", "text": None}
    ) == ["Fee: $1,700.00 per month"]
    assert present.cost_lines({"kind": "unknown"}) == ["Cost not listed: call to ask"]
    assert present.eligibility_lines(
        {"genders": ["woman"], "min_age": 18, "max_age": 24, "text": "Survivors."}
    ) == ["Only for: Women", "Ages 18 to 24", "Survivors."]
    assert present.language_names(["en", "es", "zh"]) == "English, Spanish, and Chinese"
    capacity = {"available": 2, "total": 7, "unit": "beds", "as_of": "2026-11-22T08:00:00+00:00"}
    assert (
        present.capacity_text(capacity, THURSDAY_AFTERNOON)
        == "2 beds open (of 7), as of 4 days ago"
    )


def test_facts_say_yes_and_no_and_list_the_unknown_as_questions(english):
    doc = make_listing(
        attributes={
            "wheelchair_accessible": {"value": "yes", "source": "HSDS"},
            "accepts_moud": {"value": "no", "source": "HSDS"},
        }
    )
    found = present.facts(doc)
    assert [
        (g["title"], [(r["label"], r["answer"]) for r in g["rows"]]) for g in found["groups"]
    ] == [
        ("Access", [("Wheelchair accessible", "Yes")]),
        (
            "Who they accept",
            [("Accepts people on MOUD (methadone, buprenorphine, naltrexone)", "No")],
        ),
    ]
    assert "Is ASL interpretation available?" in found["unknown"]
    assert "Is it wheelchair accessible?" not in found["unknown"]
    assert len(found["unknown"]) == len(vocab.ATTRIBUTES) - 2


def test_only_web_links_are_shown(english):
    assert present.web_link("https://example.org/a") == "https://example.org/a"
    assert present.web_link("javascript:alert(1)") is None
    assert present.web_link(" data:text/html,hi") is None
