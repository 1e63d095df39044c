"""Turn the places a person chose into a plan that reads right on any later day.

Every time is absolute, on the listing's own clock ("Thu, Dec 3, 7:00 PM"), with "today" or
"tomorrow" only beside it; each place says whom to call, how to get there or join, and what to
ask; meetings that overlap, or that the person cannot travel between in time by their mode, say
so. Call inside a request (the texts are in its language).
"""

from datetime import UTC, datetime

from babel.dates import format_skeleton

from resdir.i18n import _, clock
from resdir.matching import plan as plans
from resdir.matching.explain import open_questions
from resdir.matching.profile import compile_plan
from resdir.matching.time import Occurrence, next_occurrence
from resdir.search.documents import build
from resdir.web import present
from resdir.web.forms import PRIVATE_FIELDS, chosen_values, profile_or_errors

# The mode a plan assumes when the person chose none: most people we serve have no car.
UNSTATED_MODE = "any_car_free"
SECONDS_PER_MINUTE = 60


def occurrence(doc: dict, now: datetime) -> Occurrence | None:
    """Return the listing's next meeting (or its next or current opening) on its own clock,
    within the coming week; None without a weekly schedule on a known clock."""
    schedule, zone = doc["schedule"], doc.get("timezone")
    if not schedule.get("intervals") or not zone:
        return None
    return next_occurrence(schedule, doc["kind"], zone, now)


def moment_text(moment: datetime, now: datetime) -> str:
    """Return a day and time in absolute form, "Thu, Dec 3, 7:00 PM", with "(today)" or
    "(tomorrow)" beside it when it is."""
    day = moment.date()
    named = present.capital(format_skeleton("MMMEd", day, locale=present.locale()))
    absolute = _("%(day)s, %(time)s", day=named, time=clock(moment))
    today = now.astimezone(moment.tzinfo).date()
    if (day - today).days not in (0, 1):
        return absolute
    return _("%(when)s (%(day)s)", when=absolute, day=present.day_words(day, today))


def end_text(start: datetime, end: datetime) -> str:
    """Return when an occurrence ends: its time on the same day, else its day and time."""
    if end.date() == start.date():
        return clock(end)
    named = present.capital(format_skeleton("MMMEd", end.date(), locale=present.locale()))
    return _("%(day)s, %(time)s", day=named, time=clock(end))


def when_text(doc: dict, found: Occurrence | None, now: datetime) -> str:
    """Return when to go: "Next meeting: Thu, Dec 3, 7:00 PM (today)", "Open Thu, Dec 3,
    7:00 PM (today) to Fri, Dec 4, 7:00 AM", "Open until …" for a place open now, "Open 24 hours,
    every day"; without a schedule, what the listing says ("By appointment")."""
    zone = doc.get("timezone")
    if found is None:
        return present.when_text({}, doc, now, zone)
    if doc["kind"] == "meeting":
        return _("Next meeting: %(when)s", when=moment_text(found.start, now))
    if present.open_now(doc, now, zone):
        until = present.open_until(doc, now, zone)
        if until is None:
            return _("Open 24 hours, every day")
        return _("Open until %(when)s", when=moment_text(until, now))
    return _(
        "Open %(start)s to %(end)s",
        start=moment_text(found.start, now),
        end=end_text(found.start, found.end),
    )


# What a posted plan reads of the person's profile: how they travel, their situation,
# preferences and languages (for the trips and what is still to ask); never where or when.
ASKED_FIELDS = ("mode", *PRIVATE_FIELDS)  # static/js/peer.js PLAN_FIELDS posts the same


def asked_profile(form) -> dict:
    """Return the situation, preferences and languages a plan was posted with, as a validated
    profile (nothing else of the person); empty when none were, or they cannot be read."""
    chosen = chosen_values(form, PRIVATE_FIELDS)
    if not chosen:
        return {}
    profile, _bad = profile_or_errors(chosen)
    return profile or {}


def profile_questions(doc: dict, profile: dict, now: datetime) -> list[str]:
    """Return what the listing's facts leave unknown for the person's situation and
    preferences, as the questions the results' "call to confirm" asks."""
    if not (profile.get("barriers") or profile.get("values")):
        return []
    return open_questions(build(doc), compile_plan(profile, now), profile)


def questions(doc: dict, now: datetime, profile: dict) -> list[str]:
    """Return what is still to ask before going: a stale listing's "call to confirm", a place
    seen by appointment, hours not listed, then what is unknown for the person's situation and
    preferences ("Do they accept people on methadone or buprenorphine?")."""
    asked = []
    checked = present.checked(doc, now)
    if checked["stale"]:
        asked.append(checked["text"])
    schedule = doc["schedule"]
    if schedule.get("by_appointment"):
        asked.append(_("By appointment: call first."))
    elif not schedule.get("intervals"):
        asked.append(_("Hours not listed: call to ask when to come."))
    return asked + profile_questions(doc, profile, now)


def item(doc: dict, found: Occurrence | None, now: datetime, profile: dict) -> dict:
    """Return one place of a plan: `{id, name, what, when, where, directions, online, phones,
    questions, flags, line}`, `line` being the place as one line of a text message; `profile`
    the person's situation, preferences and languages (asked_profile)."""
    country = present.listing_country(doc)
    listed = present.contact(doc, country, beside_call=False)["phones"]
    spot = present.where(doc)
    place = present.where_line(spot)
    remote = present.online(doc, country)
    online_url = remote["url"] if remote else None
    directions = (present.directions(doc) or {}).get("web")
    when = when_text(doc, found, now)
    # A text message can call or text back, never fax: the first number with a link.
    phone = next(iter(present.dialled_lines(doc, country)), None)
    online_line = f"{_('Online:')} {online_url}" if online_url else None
    where_part = f"{place} ({directions})" if directions else place
    if online_url and not spot["lines"] and not spot["confidential"]:
        where_part = None  # online only: the link is where to go
    return {
        "id": doc["id"],
        "name": doc["name"],
        "what": present.what_text(doc),
        "when": when,
        "where": place,
        "directions": directions,
        "online": online_url,
        "phones": listed,
        "questions": questions(doc, now, profile),
        "flags": [],
        "line": " — ".join(
            part for part in (doc["name"], when, where_part, online_line, phone) if part
        ),
    }


def travel_mode(form) -> str:
    """Return the mode a posted plan travels by: the profile's mode and its no-vehicle barrier;
    UNSTATED_MODE when none was chosen."""
    mode = (form.get("mode") or "").strip()
    if mode not in plans.TRAVEL_DECAY_MINUTES and mode != "any":
        return UNSTATED_MODE
    barriers = {value.partition(":")[0] for value in form.getlist("barriers")}
    return plans.person_mode(mode, barriers)


def trip_text(minutes: int, way: str) -> str:
    """Return an estimated trip in words: "about 12 min on foot"."""
    return {
        "walk": _("about %(minutes)s min on foot", minutes=minutes),
        "transit": _("about %(minutes)s min by transit", minutes=minutes),
        "car": _("about %(minutes)s min by car", minutes=minutes),
    }[way]


def _travels(doc: dict) -> bool:
    """Return whether going to a listing is a trip (a place with a point, not online only)."""
    spot = present.where(doc)
    return bool(doc.get("location")) and (bool(spot["lines"]) or spot["confidential"])


def flag_conflicts(items: list[dict], docs: list[dict], found: list, mode: str, now) -> None:
    """Flag, on the items themselves, meetings that overlap in time and meetings the person
    cannot reach in time from the one before by their mode (estimates)."""
    timed = sorted(
        (i for i, doc in enumerate(docs) if doc["kind"] == "meeting" and found[i]),
        key=lambda i: found[i].start.astimezone(UTC),
    )
    for position, later in enumerate(timed):
        for earlier in timed[:position]:
            first, second = found[earlier], found[later]
            if second.start.astimezone(UTC) < first.end.astimezone(UTC):
                for here, other in ((earlier, later), (later, earlier)):
                    items[here]["flags"].append(
                        _(
                            "Overlaps with %(other)s (%(when)s).",
                            other=docs[other]["name"],
                            when=moment_text(found[other].start, now),
                        )
                    )
                continue
            if earlier != timed[position - 1] or not (
                _travels(docs[earlier]) and _travels(docs[later])
            ):
                continue
            a, b = docs[earlier]["location"], docs[later]["location"]
            km = plans.distance_km((a["lat"], a["lon"]), b["lat"], b["lon"])
            way, minutes = plans.fastest_trip(mode, km)
            gap = (second.start - first.end).total_seconds() / SECONDS_PER_MINUTE
            if minutes > gap:
                items[later]["flags"].append(
                    _(
                        "Hard to reach in time from %(other)s, which ends at %(end)s: "
                        "%(trip)s (estimate).",
                        other=docs[earlier]["name"],
                        end=clock(first.end),
                        trip=trip_text(round(minutes), way),
                    )
                )


def plan(docs: list[dict], now: datetime, mode: str, profile: dict) -> list[dict]:
    """Return the plan's items for listing documents in the order chosen, conflicts flagged,
    with what is still to ask for the person's `profile` (asked_profile)."""
    found = [occurrence(doc, now) for doc in docs]
    items = [item(doc, when, now, profile) for doc, when in zip(docs, found, strict=True)]
    flag_conflicts(items, docs, found, mode, now)
    return items
