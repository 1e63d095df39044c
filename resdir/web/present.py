"""Turn match results and listing documents into what the public pages show, in plain words.

Every function takes plain data (a match result, a listing document, the time it is now) and
returns strings, lists and dicts for a template to lay out, in the request's language: call them
inside a request (Flask-Babel's locale). Texts the matching code writes (reasons, hidden
reasons) are in that language already and are shown as they are.
"""

import re
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import phonenumbers
from babel import Locale
from babel.dates import format_skeleton, get_day_names
from babel.numbers import format_currency
from babel.units import format_unit
from flask import current_app
from flask_babel import get_locale
from langcodes import Language

from resdir import geo, meeting_guide, vocab
from resdir.i18n import DEFAULT_LANGUAGE, _, _l, clock, label, ngettext, words
from resdir.matching import plan as plans
from resdir.matching.explain import age, capacity_open
from resdir.matching.time import WEEK, is_open, occurrences
from resdir.search.documents import in_person

# Distances in miles where road signs use them, kilometres elsewhere.
MILE_COUNTRIES = frozenset({"US", "GB", "LR", "MM"})
KM_PER_MILE = 1.609344
EVENING = (time(17), time(23))  # "tonight": 5 PM to 11 PM on the person's clock
DAY_CHOICES = 7  # days offered in the "which day" list, today first
MAX_DAYS_AHEAD = 13  # the API takes a window of at most 14 days
# An opening that ends this close to midnight lasts the whole day ("00:00"-"23:59").
ALL_DAY_SLACK = timedelta(minutes=1)
# Reasons a card shows on lines of their own (what it is, how far, when, how fresh).
TRIP_PARTS = {
    "walk": _l("%(minutes)s min on foot"),
    "transit": _l("%(minutes)s min by transit"),
    "car": _l("%(minutes)s min by car"),
}
OWN_LINE_REASONS = frozenset({"need", "travel", "when", "freshness"})
CALLABLE_PHONES = ("voice", "hotline", "toll_free")  # what a tap-to-call button may dial
DIRECTIONS_DECIMALS = 6  # about 10 cm: the door as the listing places it
PRECISE_PLACES = ("source", "address")  # geocode precisions that place the door, not an area
PHONE_DIAL = re.compile(r"^\+?[\d,;#*-]+$")  # a number to dial, with pauses and codes
# Languages a person can say they speak on the search form (limited English needs them).
LANGUAGE_CHOICES = ("es", "zh", "vi", "tl", "ru", "ko", "ar", "fa", "pt", "fr", "en")
ACCESS_FACTS = (
    "wheelchair_accessible",
    "asl",
    "low_vision_accessible",
    "childcare",
    "child_friendly",
    "pets_allowed",
    "walk_in",
    "transport_provided",
)
POLICY_FACTS = (
    "accepts_moud",
    "no_id_required",
    "no_ssn_required",
    "accepts_records",
    "proof_of_attendance",
    "accepts_medicaid",
    "accepts_uninsured",
)
APPROACH_FACTS = tuple(c for c in vocab.ATTRIBUTES if c not in ACCESS_FACTS + POLICY_FACTS)


# Meeting types a card says in its own words: temporarily closed (a badge), online (a link).
MEETING_TYPES_SHOWN_ELSEWHERE = frozenset({"TC", "ONL"})


def locale() -> Locale:
    """Return the request's locale (English outside a request's choice)."""
    return get_locale() or Locale.parse(DEFAULT_LANGUAGE)


def capital(text: str) -> str:
    """Return a text with its first letter in capitals (day names are lower case in Spanish)."""
    return text[:1].upper() + text[1:]


def day_words(day: date, today: date) -> str:
    """Return "today", "tomorrow" or "Fri, December 4"."""
    if day == today:
        return _("today")
    if day == today + timedelta(days=1):
        return _("tomorrow")
    return format_skeleton("MMMMEEEEd", day, locale=locale())


def distance_text(km: float | None, country: str | None) -> str | None:
    """Return a distance as a person reads it: "0.4 mi" in the US, "0.7 km" elsewhere."""
    if km is None:
        return None
    value, unit = (
        (km / KM_PER_MILE, "length-mile") if country in MILE_COUNTRIES else (km, "length-kilometer")
    )
    shown = max(round(value, 1), 0.1) if value < 10 else round(value)
    return format_unit(shown, unit, length="short", locale=locale())


def travel_text(trips: list[dict] | None) -> str | None:
    """Return the estimated trips, walking and transit first: "about 25 min on foot · 14 min by
    transit · 6 min by car (estimate)"."""
    if not trips:
        return None
    shown = " · ".join(str(TRIP_PARTS[t["mode"]]) % {"minutes": t["minutes"]} for t in trips)
    return _("about %(trips)s (estimate)", trips=shown)


def reason_groups(reasons: list[dict]) -> dict[str, list[str]]:
    """Sort a result's reasons (already in the request's language) into what fits, what does
    not and what to call about, leaving out those a card shows on lines of their own."""
    groups: dict[str, list[str]] = {"met": [], "unmet": [], "unknown": []}
    for reason in reasons:
        if reason["code"] not in OWN_LINE_REASONS:
            met = reason["met"]
            groups["unknown" if met is None else "met" if met else "unmet"].append(reason["text"])
    return groups


def travel_reason(reasons: list[dict]) -> dict | None:
    """Return the travel reason, `{text, met}`, for a card without a travel estimate (online,
    area-wide, transport provided)."""
    found = next((r for r in reasons if r["code"] == "travel"), None)
    return found and {"text": found["text"], "met": found["met"]}


def hidden_texts(hidden: list[dict]) -> list[str]:
    """Return what was hidden in words: "3 hidden: do not accept people on MOUD"."""
    return [
        ngettext(
            "%(num)d hidden: %(reason)s",
            "%(num)d hidden: %(reason)s",
            item["count"],
            reason=item["reason"],
        )
        for item in hidden
    ]


def listing_country(doc: dict) -> str | None:
    """Return a listing's country: its address's, else its service area's (ISO 3166 code)."""
    country = (doc.get("address") or {}).get("country")
    if country:
        return country
    for code in (doc.get("service_area") or {}).get("postal_codes", []):
        entry = geo.zip_record(code)
        if entry and entry.get("country"):
            return entry["country"]
    return None


def _utc(moment: datetime) -> datetime:
    # Python compares two datetimes of one zone by their wall clocks; instants compare in UTC.
    return moment.astimezone(UTC)


def _day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), zone)
    return start, datetime.combine(day + timedelta(days=1), time(0), zone)


def today_hours(doc: dict, now: datetime, zone: str | None) -> str:
    """Return today's hours on the listing's clock: "Open today 9:00 AM–5:00 PM", "Meets today at
    7:30 PM", "Open 24 hours today", "Closed today", "By appointment", "Hours not listed"."""
    schedule, kind = doc["schedule"], doc["kind"]
    if not schedule.get("intervals"):
        return _("By appointment") if schedule.get("by_appointment") else _("Hours not listed")
    if zone is None:
        return _("Hours not listed")
    start, end = _day_bounds(now.astimezone(ZoneInfo(zone)).date(), ZoneInfo(zone))
    found = occurrences(schedule, kind, zone, start, end)
    if kind == "meeting":
        if not found:
            return _("No meeting today")
        return _("Meets today at %(times)s", times=words([clock(o.start) for o in found]))
    if not found:
        return _("By appointment") if schedule.get("by_appointment") else _("Closed today")
    if any(
        _utc(o.start) <= _utc(start) and _utc(o.end) >= _utc(end) - ALL_DAY_SLACK for o in found
    ):
        return _("Open 24 hours today")
    parts = [
        _("until %(time)s", time=clock(o.end))
        if _utc(o.start) < _utc(start)
        else f"{clock(o.start)}–{clock(o.end)}"
        for o in found
    ]
    return _("Open today %(hours)s", hours=", ".join(parts))


def open_now(doc: dict, now: datetime, zone: str | None) -> bool:
    """Return whether a service is open right now (never said of a meeting)."""
    schedule = doc["schedule"]
    if doc["kind"] != "service" or zone is None or not schedule.get("intervals"):
        return False
    return is_open(schedule, "service", zone, now)


def occurrence_text(occurrence: dict, kind: str, now: datetime) -> str:
    """Return a result's next occurrence: "Next meeting: today, 7:30 PM" or "Open Fri,
    December 4, 9:00 AM–5:00 PM", on the listing's clock."""
    start = datetime.fromisoformat(occurrence["start"])
    end = datetime.fromisoformat(occurrence["end"])
    day = day_words(start.date(), now.astimezone(start.tzinfo).date())
    if kind == "meeting":
        return _("Next meeting: %(day)s, %(time)s", day=day, time=clock(start))
    return _("Open %(day)s, %(start)s–%(end)s", day=day, start=clock(start), end=clock(end))


def open_until(doc: dict, now: datetime, zone: str) -> datetime | None:
    """Return when a service that is open now closes: the end of the openings that follow on
    from now without a break (None: open around the clock all week, or not open now); a
    minute's gap at midnight ("00:00"-"23:59" every day) is no break."""
    end = None
    for found in occurrences(doc["schedule"], "service", zone, now, now + WEEK):
        if _utc(found.start) > _utc(end or now) + ALL_DAY_SLACK:
            return end
        end = max(end or found.end, found.end, key=_utc)
    return None


def until_text(end: datetime, now: datetime) -> str:
    """Return how long a place open now stays open, following the "Open now" badge: "until
    7:00 AM", "until tomorrow, 7:00 AM"."""
    day = end.date()
    if day == now.astimezone(end.tzinfo).date():
        return _("until %(time)s", time=clock(end))
    return _(
        "until %(day)s, %(time)s",
        day=day_words(day, now.astimezone(end.tzinfo).date()),
        time=clock(end),
    )


def when_text(
    result: dict, doc: dict, now: datetime, zone: str | None, windowed: bool = False
) -> str:
    """Return a card's time line: the next meeting, else the opening in the person's time
    window (`windowed`: "until 7:00 AM" after the "Open now" badge for one that began before
    now, yesterday evening perhaps), else today's hours."""
    occurrence = result.get("next_occurrence")
    if occurrence and doc["kind"] == "service" and windowed and open_now(doc, now, zone):
        end = open_until(doc, now, zone)
        return until_text(end, now) if end else today_hours(doc, now, zone)
    if occurrence and (doc["kind"] == "meeting" or windowed):
        return occurrence_text(occurrence, doc["kind"], now)
    # The next meeting is looked for on the listing's own clock, when it has one.
    if doc["kind"] == "meeting" and doc["schedule"].get("intervals") and doc.get("timezone"):
        return _("No meeting in the next week")
    return today_hours(doc, now, zone)


def _interval_text(interval: dict, kind: str) -> str:
    opens = time.fromisoformat(interval["opens"])
    closes_text = interval.get("closes")
    if kind == "meeting" and closes_text in (None, interval["opens"]):
        return clock(opens)
    if closes_text is None:
        return _("from %(time)s", time=clock(opens))
    closes = time(0) if closes_text == "24:00" else time.fromisoformat(closes_text)
    if opens == time(0) and closes_text in ("00:00", "23:59", "24:00"):
        return _("24 hours")
    if closes_text != "24:00" and closes <= opens:
        return _("%(start)s–%(end)s (next day)", start=clock(opens), end=clock(closes))
    return f"{clock(opens)}–{clock(closes)}"


def week_hours(doc: dict, now: datetime, zone: str | None) -> list[dict]:
    """Return the weekly hours, Monday first: `{day, hours: [str], today}` per day; empty when
    the listing gives none."""
    intervals = doc["schedule"].get("intervals") or []
    if not intervals:
        return []
    names = get_day_names("wide", locale=locale())
    today = now.astimezone(ZoneInfo(zone)).weekday() if zone else None
    closed = _("No meeting") if doc["kind"] == "meeting" else _("Closed")
    rows = []
    for day in range(7):
        spans = sorted((i for i in intervals if i["day"] == day), key=lambda i: i["opens"])
        rows.append(
            {
                "day": capital(names[day]),
                "hours": [_interval_text(i, doc["kind"]) for i in spans] or [closed],
                "today": day == today,
            }
        )
    return rows


def checked(doc: dict, now: datetime) -> dict:
    """Return when the listing was last checked, `{text, stale}`: "Last checked 3 months ago";
    stale past the app's RESDIR_STALE_DAYS."""
    # A feed's "updated" date is the nearest thing to a check it has (as in search documents).
    instant = doc.get("last_verified_at") or doc.get("updated_at")
    if not instant:
        return {"text": _("Never checked: call to confirm"), "stale": True}
    days = (now - datetime.fromisoformat(instant)) / timedelta(days=1)
    if days > current_app.config["STALE_DAYS"]:
        return {"text": _("Last checked %(when)s: call to confirm", when=age(days)), "stale": True}
    return {"text": _("Last checked %(when)s", when=age(max(days, 0))), "stale": False}


def phone_text(number: str, country: str | None) -> str:
    """Return a phone number as dialled at home: "(415) 555-0142" in the US for a US number,
    "+1 415-555-0142" elsewhere; text after a comma (a meeting code) is kept."""
    head, comma, tail = number.partition(",")
    try:
        parsed = phonenumbers.parse(head)
    except phonenumbers.NumberParseException:
        return number
    home = phonenumbers.region_code_for_country_code(parsed.country_code) == country
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if home
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    shown = phonenumbers.format_number(parsed, style)
    return f"{shown}{comma} {tail}" if comma else shown


def own_or_organization_phones(doc: dict) -> tuple[list[dict], bool]:
    """Return the phones to call about a listing: its own, else its organization's (and True)."""
    own = doc.get("phones") or []
    if own:
        return own, False
    return (doc.get("organization") or {}).get("phones") or [], True


def contact(doc: dict, country: str | None, beside_call: bool = True) -> dict:
    """Return a listing's phones to show and its tap-to-call: `{phones, call}`, the
    organization's, labelled as such, where the listing has none of its own. `beside_call`:
    the phones are listed beside the Call button, which carries its own number (each line is
    shown once), else all of them."""
    items, organization = own_or_organization_phones(doc)
    dialled = _dialled(items)
    listed = other_lines(items, dialled) if beside_call else items
    return {
        "phones": phones(listed, country, organization),
        "call": call(dialled, country, organization),
    }


def dialled_lines(doc: dict, country: str | None) -> list[str]:
    """Return the numbers a calendar or a text message gives for a listing, one a line (never a
    fax): its own ("(415) 555-0142"), else its organization's ("Organization: (415) 555-0100")."""
    items, organization = own_or_organization_phones(doc)
    return [
        f"{p['kind']}: {p['text']}" if organization else p["text"]
        for p in phones(items, country, organization)
        if p["href"]
    ]


def phones(items: list[dict], country: str | None, organization: bool = False) -> list[dict]:
    """Return phones to show: `{text, href, kind, description}`; a fax has no link, a text line
    an sms: link, the rest tel: links (an extension dialled after a pause); an `organization`'s
    phones are labelled as its ("Organization: (415) 555-0100")."""
    kinds = {
        "voice": _("Phone"),
        "tty": _("TTY"),
        "text": _("Text"),
        "hotline": _("Hotline"),
        "toll_free": _("Toll-free"),
        "fax": _("Fax"),
    }
    out = []
    for phone in items:
        number, extension = phone["number"], phone.get("extension")
        text = phone_text(number, country)
        if extension:
            text = _("%(number)s ext. %(extension)s", number=text, extension=extension)
        href = None
        if phone["type"] == "text":
            href = f"sms:{number}"
        elif phone["type"] != "fax":
            # A comma is a pause every phone dialler understands; ";ext=" is not.
            href = f"tel:{number}" + (f",{extension}" if extension else "")
        kind = kinds[phone["type"]]
        if organization:
            kind = (
                _("Organization")
                if phone["type"] == "voice"
                else _("Organization (%(kind)s)", kind=kind)
            )
        out.append(
            {
                "text": text,
                "href": href,
                "kind": kind,
                "description": phone.get("description"),
            }
        )
    return out


def _dialled(items: list[dict]) -> dict | None:
    """Return the phone a tap-to-call button dials: the first voice line, hotline or toll-free."""
    return next((phone for phone in items if phone["type"] in CALLABLE_PHONES), None)


def _line(phone: dict) -> tuple:
    """Return what makes a phone a line of its own: its number, extension and use (calling one
    number as a voice line or as a hotline is the same call; texting it is not)."""
    use = "call" if phone["type"] in CALLABLE_PHONES else phone["type"]
    return phone["number"], phone.get("extension"), use


def call(phone: dict | None, country: str | None, organization: bool) -> dict | None:
    """Return what a tap-to-call button dials: `{text, href, whose}`, the phone's number in a
    tel: link (E.164), and whose line it is when that says more than the number (the
    organization's, the phone's own description)."""
    if phone is None:
        return None
    line = phones([phone], country)[0]  # "(415) 555-0199 ext. 12", dialled after a pause
    whose = [_("Organization")] if organization else []
    whose += [phone["description"]] if phone.get("description") else []
    return {"text": line["text"], "href": line["href"], "whose": " · ".join(whose) or None}


def other_lines(items: list[dict], dialled: dict | None) -> list[dict]:
    """Return the phones listed beside a Call button: each line once, the one the button dials
    left out."""
    seen = {_line(dialled)} if dialled else set()
    rest = []
    for phone in items:
        if _line(phone) not in seen:
            seen.add(_line(phone))
            rest.append(phone)
    return rest


def directions(doc: dict) -> dict | None:
    """Return the links that give directions to a listing's door: `{geo, web}` (a geo: URI a
    phone opens in its maps app, and the configured web maps URL), or None where the door is
    not known precisely or the place is confidential (`map_point`)."""
    point = map_point(doc)
    if point is None:
        return None
    lat, lon = round(point["lat"], DIRECTIONS_DECIMALS), round(point["lon"], DIRECTIONS_DECIMALS)
    return {
        "geo": f"geo:{lat},{lon}",
        "web": current_app.config["DIRECTIONS_URL"].format(lat=lat, lon=lon),
    }


def where(doc: dict) -> dict:
    """Return where a listing is: `{name, lines, area, confidential, online}`; a confidential
    place shows its area only, never a street, a place name or a point."""
    confidential = bool(doc.get("confidential_location"))
    address = doc.get("address") or {}
    area = (doc.get("service_area") or {}).get("text")
    city = ", ".join(p for p in (address.get("city"), address.get("region")) if p)
    if confidential:
        return {
            "name": None,
            "lines": [],
            "area": area or city or None,
            "confidential": True,
            "online": doc.get("online"),
        }
    locality = " ".join(p for p in (city, address.get("postal_code")) if p)
    lines = [line for line in (address.get("street"), locality) if line]
    return {
        "name": doc.get("location_name"),
        "lines": lines,
        "area": area if not lines else None,
        "confidential": False,
        "online": doc.get("online"),
    }


def where_line(place: dict) -> str:
    """Return a place on one line, for a result card."""
    if place["confidential"]:
        return _("Confidential location, serving %(area)s", area=place["area"] or _("your area"))
    if place["lines"]:
        return ", ".join(place["lines"])
    if place["area"]:
        return _("Serves %(area)s", area=place["area"])
    return _("Online") if place["online"] else _("Call for the address")


def map_point(doc: dict) -> dict | None:
    """Return the listing's point to show on a map, only where it is the door: a street address
    precisely placed, and never a confidential place."""
    point = doc.get("location")
    street = (doc.get("address") or {}).get("street")
    if not point or not street or doc.get("confidential_location"):
        return None
    if doc.get("approximate_location") or doc.get("geocode_precision") not in PRECISE_PLACES:
        return None
    return {"lat": point["lat"], "lon": point["lon"]}


def map_marker(doc: dict) -> dict | None:
    """Return where a result stands on the results map: `{lat, lon, exact}`, at the door where
    `map_point` places it, else at the listing's coarse point (a confidential place's ZIP
    centre, an address placed only roughly); None for a listing met online only or with no point."""
    point = doc.get("location")
    if not point or (doc.get("online") and not in_person(doc)):
        return None
    return {"lat": point["lat"], "lon": point["lon"], "exact": map_point(doc) is not None}


def nearest_stop(point: dict, stops: list[dict], country: str | None) -> dict | None:
    """Return the nearest transit stop within walking distance (STOP_WALK_METRES), as
    `{name, distance, minutes, routes}`, or None."""
    best, best_km = None, None
    for stop in stops:
        km = geo.haversine_km(point["lat"], point["lon"], stop["lat"], stop["lon"])
        if km * 1000 <= plans.STOP_WALK_METRES and (best_km is None or km < best_km):
            best, best_km = stop, km
    if best is None:
        return None
    routes = [r.get("short_name") or r.get("long_name") for r in best.get("routes", [])]
    return {
        "name": best["name"],
        "distance": distance_text(best_km, country),
        "minutes": max(round(plans.travel_minutes("walk", best_km)), 1),
        "routes": [r for r in routes if r],
    }


def need_text(category: str, subcategories: list[str]) -> str:
    """Return what a listing is, from the vocabulary: "Emergency shelter", "Recovery meeting"."""
    names = vocab.NEEDS.get(category, ("", {}))[1]
    kinds = [label(names.get(s, s)) for s in subcategories]
    return ", ".join(kinds) or label(vocab.CATEGORY_LABELS.get(category, category))


def what_text(doc: dict) -> str:
    """Return what a listing is: a meeting's fellowship and types ("Alcoholics Anonymous · Open ·
    Speaker"), in the request's language, else its kinds of need ("Emergency shelter")."""
    need = need_text(doc["category"], doc.get("subcategories") or [])
    if doc.get("kind") != "meeting":
        return need
    language = locale().language
    fellowship = vocab.FELLOWSHIPS.get(doc.get("fellowship") or "")
    if fellowship:
        need = fellowship.name_es if language == "es" else fellowship.name
    types = [
        meeting_guide.localized(t["code"], t["name"], language)
        for t in doc.get("meeting_types") or []
        if t["code"] not in MEETING_TYPES_SHOWN_ELSEWHERE
    ]
    return " · ".join([need, *types])


def for_family_friends(doc: dict) -> bool:
    """Return whether a listing is known to be for the families and friends of people in
    recovery (Al-Anon, Nar-Anon, ...)."""
    fact = (doc.get("attributes") or {}).get(vocab.FAMILY_FRIENDS) or {}
    return fact.get("value") == "yes"


def need_code_text(code: str) -> str:
    """Return a need code in words: "Housing", "Housing: Emergency shelter"."""
    category, _dot, sub = code.partition(".")
    if category not in vocab.NEEDS:
        return code
    name, subcategories = vocab.NEEDS[category]
    if not sub:
        return label(name)
    return f"{label(name)}: {label(subcategories.get(sub, sub))}"


def language_names(codes: list[str]) -> str | None:
    """Return language names in the request's language: "English and Spanish"."""
    names = [Language.get(code).display_name(str(locale())) for code in codes]
    return words(names) if names else None


def language_choices() -> list[dict]:
    """Return the languages offered on the search form, each named in itself: `{code, name}`."""
    return [
        {"code": code, "name": capital(Language.get(code).autonym())} for code in LANGUAGE_CHOICES
    ]


def cost_lines(cost: dict) -> list[str]:
    """Return what it costs: "Free", "Fee: $1,700.00 per month", plus the source's words."""
    kind = cost.get("kind") or "unknown"
    text = {
        "free": _("Free"),
        "sliding_scale": _("Sliding-scale fee"),
        "insurance": _("Takes insurance"),
        "fee": _("Charges a fee"),
        "unknown": _("Cost not listed: call to ask"),
    }[kind]
    if kind == "fee" and cost.get("amount") is not None:
        amount = format_currency(cost["amount"], cost.get("currency") or "USD", locale=locale())
        per = {"month": _("per month"), "week": _("per week"), "hour": _("per hour")}
        period = per.get(cost.get("period"), cost.get("period"))
        text = _("Fee: %(amount)s", amount=" ".join(p for p in (amount, period) if p))
    return [text] + ([cost["text"]] if cost.get("text") else [])


def eligibility_lines(eligibility: dict) -> list[str]:
    """Return who is served: genders, ages, then the source's own words."""
    lines = []
    genders = eligibility.get("genders") or []
    if genders:
        names = ", ".join(label(vocab.GENDERS[g]) for g in genders)
        lines.append(_("Only for: %(who)s", who=names))
    low, high = eligibility.get("min_age"), eligibility.get("max_age")
    if low is not None and high is not None:
        lines.append(_("Ages %(low)s to %(high)s", low=low, high=high))
    elif low is not None:
        lines.append(_("Ages %(low)s and older", low=low))
    elif high is not None:
        lines.append(_("Ages up to %(high)s", high=high))
    if eligibility.get("text"):
        lines.append(eligibility["text"])
    return lines


def capacity_text(capacity: dict | None, now: datetime) -> str | None:
    """Return the places open and how old the count is: "2 beds open (of 7), as of 4 days ago"."""
    if not capacity or capacity.get("available") is None:
        return None
    text = capacity_open(capacity["available"], capacity["unit"])
    if capacity.get("total"):
        text = _("%(open)s (of %(total)s)", open=text, total=capacity["total"])
    if capacity.get("as_of"):
        days = (now - datetime.fromisoformat(capacity["as_of"])) / timedelta(days=1)
        text = _("%(count)s, as of %(when)s", count=text, when=age(max(days, 0)))
    return text


def facts(doc: dict) -> dict:
    """Return the listing's known facts in groups, `{groups: [{title, rows: [{label, answer,
    value}]}], unknown: [question]}`: yes and no in words, unknowns as questions to ask."""
    known = doc.get("attributes") or {}
    groups = []
    for title, codes in (
        (_("Access"), ACCESS_FACTS),
        (_("Who they accept"), POLICY_FACTS),
        (_("Approach"), APPROACH_FACTS),
    ):
        rows = [
            {
                "label": label(vocab.ATTRIBUTES[code].label),
                "answer": _("Yes") if known[code]["value"] == "yes" else _("No"),
                "value": known[code]["value"],
            }
            for code in codes
            if code in known
        ]
        if rows:
            groups.append({"title": title, "rows": rows})
    unknown = [label(vocab.ATTRIBUTES[c].question) for c in vocab.ATTRIBUTES if c not in known]
    return {"groups": groups, "unknown": unknown}


def card(result: dict, doc: dict, now: datetime, windowed: bool = False) -> dict:
    """Return what a result card shows, from a match result and its listing document; hours are
    on the listing's own clock, as the matcher reads them (none: "Hours not listed"), and
    `windowed` says the search asked for a time."""
    place = where(doc)
    country = listing_country(doc)
    zone = doc.get("timezone")
    return {
        "id": result["id"],
        "name": result["name"],
        "organization": (result.get("organization") or {}).get("name"),
        "what": what_text({**doc, **result}),
        "for_family_friends": for_family_friends(doc),
        "where": where_line(place),
        "distance": distance_text(result.get("distance_km"), country),
        "travel": travel_text(result.get("trips")),
        "travel_reason": travel_reason(result["reasons"]),
        "when": when_text(result, doc, now, zone, windowed),
        "open_now": open_now(doc, now, zone),
        "closed": bool(doc.get("temporarily_closed")),
        "reasons": reason_groups(result["reasons"]),
        **contact(result, country),
        "directions": directions(doc),
        "checked": checked(doc, now),
        "marker": map_marker(doc),
    }


def web_link(url: str | None) -> str | None:
    """Return a link a page may show: http and https only (never javascript: or data:)."""
    if not url or urlsplit(url.strip()).scheme.lower() not in ("http", "https"):
        return None
    return url.strip()


def online(doc: dict, country: str | None) -> dict | None:
    """Return how to join remotely: `{url, phone: {text, href}}`, or None."""
    remote = doc.get("online") or {}
    url, number = web_link(remote.get("url")), remote.get("phone")
    if not url and not number:
        return None
    phone = None
    if number and PHONE_DIAL.match(number):
        phone = {"text": phone_text(number, country), "href": f"tel:{number}"}
    return {"url": url, "phone": phone}


def listing_page(doc: dict, now: datetime, stops: list[dict]) -> dict:
    """Return the sections of a listing's page: where and how to get there, hours, who can come
    and what to bring, cost, languages, facts, contact, freshness."""
    country = listing_country(doc)
    zone = doc.get("timezone")
    point = map_point(doc)
    eligibility = doc.get("eligibility") or {}
    organization = doc.get("organization") or {}
    return {
        "what": what_text(doc),
        "for_family_friends": for_family_friends(doc),
        "organization": organization.get("name"),
        "organization_url": web_link(organization.get("url")),
        "where": where(doc),
        "online": online(doc, country),
        "stop": nearest_stop(point, stops, country) if point else None,
        "transportation": doc.get("transportation"),
        "today": today_hours(doc, now, zone),
        "open_now": open_now(doc, now, zone),
        "week": week_hours(doc, now, zone),
        "hours_text": doc["schedule"].get("text"),
        "by_appointment": bool(doc["schedule"].get("by_appointment")),
        "eligibility": eligibility_lines(eligibility),
        "documents": eligibility.get("required_documents") or [],
        "next_steps": doc.get("next_steps"),
        "cost": cost_lines(doc.get("cost") or {}),
        "languages": language_names(doc.get("languages") or []),
        "facts": facts(doc),
        "capacity": capacity_text(doc.get("capacity"), now),
        **contact(doc, country),
        "directions": directions(doc),
        "website": web_link(doc.get("url")),
        "email": doc.get("email"),
        "checked": checked(doc, now),
        "closed": bool(doc.get("temporarily_closed")),
    }


def day_choices(today: date) -> list[dict]:
    """Return the days the search form offers, today first: `{value, text}`."""
    return [
        {"value": day.isoformat(), "text": capital(day_words(day, today))}
        for day in (today + timedelta(days=n) for n in range(DAY_CHOICES))
    ]


def window(when: str, day: date | None, zone: str, now: datetime) -> tuple[datetime, datetime]:
    """Return the time window a person chose, on their clock: "tonight" is EVENING (the rest
    of it once it has begun; tomorrow's once it is over), a day is the whole day, both together
    that day's evening; never from before now (the window is empty once it is over)."""
    tz = ZoneInfo(zone)
    local_now = now.astimezone(tz)
    today = local_now.date()
    if when == "tonight":
        chosen = day or today
        start = datetime.combine(chosen, EVENING[0], tz)
        end = datetime.combine(chosen, EVENING[1], tz)
        if day is None and _utc(end) <= _utc(now):
            start, end = start + timedelta(days=1), end + timedelta(days=1)
    else:
        start, end = _day_bounds(day or today, tz)
    return max(start, local_now, key=_utc), end


def window_text(start: datetime, end: datetime, now: datetime) -> str:
    """Return a window in words: "today, 5:00 PM to 11:00 PM"."""
    return _(
        "%(day)s, %(start)s to %(end)s",
        day=day_words(start.date(), now.astimezone(start.tzinfo).date()),
        start=clock(start),
        end=clock(end),
    )


def evening_text() -> str:
    """Return the hours "tonight" stands for: "5:00 PM to 11:00 PM"."""
    return _("%(start)s to %(end)s", start=clock(EVENING[0]), end=clock(EVENING[1]))


def when_choices() -> list[tuple[str, str]]:
    """Return the times the forms offer, `(value, text)`: any time, open now, tonight."""
    return [
        ("", _("Any time")),
        ("now", _("Open now")),
        ("tonight", _("Tonight or evening, %(hours)s", hours=evening_text())),
    ]


def time_choice_text(when: str | None, day: str | None) -> str:
    """Return the time a person chose, as a share link keeps it: "Open now", "Tonight, 5 PM to
    11 PM", "Fri, December 4", "Fri, December 4, 5 PM to 11 PM"."""
    if when == "now":
        return _("Open now")
    evening = evening_text()
    try:
        chosen = date.fromisoformat(day) if day else None
    except ValueError:
        chosen = None
    if chosen is None:
        return _("Tonight, %(hours)s", hours=evening) if when == "tonight" else _("Any time")
    named = format_skeleton("MMMMEEEEd", chosen, locale=locale())
    return f"{named}, {evening}" if when == "tonight" else named
