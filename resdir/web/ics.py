"""Write listings and plans as iCalendar files (RFC 5545) a person adds to their calendar.

A meeting's weekly times are recurring events (RRULE:FREQ=WEEKLY) on the listing's own clock
(TZID, with its VTIMEZONE), so that a 7:30 PM meeting stays at 7:30 PM across daylight saving
time; a service's next opening, and each place of a plan, is one event. A file holds listings
only: nothing about the person who asked for it. Call inside a request (texts in its language).
"""

from datetime import UTC, datetime

from icalendar import Calendar, Event

from resdir.i18n import _
from resdir.matching.time import Occurrence, next_occurrence
from resdir.web import plans, present

PRODUCT_ID = "-//resdir//Community resource directory//EN"
UID_DOMAIN = "resdir"
MEDIA_TYPE = "text/calendar"


def _calendar() -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    return calendar


def _event(doc: dict, found: Occurrence, uid: str, page_url: str, now: datetime) -> Event:
    """Return one event of a listing: its name, where, whom to call, how to join, its page."""
    country = present.listing_country(doc)
    event = Event()
    event.add("uid", f"{uid}@{UID_DOMAIN}")
    event.add("dtstamp", now.astimezone(UTC))
    event.add("dtstart", found.start)
    event.add("dtend", found.end)
    event.add("summary", doc["name"])
    event.add("location", present.where_line(present.where(doc)))
    remote = present.online(doc, country)
    lines = [present.what_text(doc), *present.dialled_lines(doc, country)]
    if remote and remote["url"]:
        lines.append(f"{_('Online:')} {remote['url']}")
    directions = (present.directions(doc) or {}).get("web")
    if directions:
        lines.append(f"{_('Directions:')} {directions}")
    lines += plans.questions(doc, now, {})  # the listing's own questions: nothing of the person
    event.add("description", "\n".join(lines))
    event.add("url", page_url)
    return event


def _file(calendar: Calendar) -> bytes:
    calendar.add_missing_timezones()
    return calendar.to_ical()


def listing_file(doc: dict, now: datetime, page_url: str) -> bytes:
    """Return a listing's calendar: each weekly meeting time as a recurring event from its next
    occurrence, or a service's next opening; no event without a weekly schedule."""
    calendar = _calendar()
    zone, schedule = doc.get("timezone"), doc["schedule"]
    if doc["kind"] == "meeting" and zone:
        times = {(i["day"], i["opens"]): i for i in schedule.get("intervals") or []}
        for (day, opens), interval in sorted(times.items()):
            found = next_occurrence({"intervals": [interval]}, "meeting", zone, now)
            if found is None:
                continue
            event = _event(doc, found, f"{doc['id']}-{day}-{opens}", page_url, now)
            event.add("rrule", {"freq": "weekly"})
            calendar.add_component(event)
    else:
        found = plans.occurrence(doc, now)
        if found is not None:
            calendar.add_component(_event(doc, found, f"{doc['id']}-next", page_url, now))
    return _file(calendar)


def plan_file(docs: list[dict], now: datetime, page_urls: dict[str, str]) -> bytes:
    """Return a plan's calendar: each place's next meeting or opening, as the plan states it."""
    calendar = _calendar()
    for doc in docs:
        found = plans.occurrence(doc, now)
        if found is not None:
            uid = f"{doc['id']}-{found.start.astimezone(UTC):%Y%m%dT%H%M%SZ}"
            calendar.add_component(_event(doc, found, uid, page_urls[doc["id"]], now))
    return _file(calendar)
