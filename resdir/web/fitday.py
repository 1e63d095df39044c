"""Propose "Fit my day" in the peer console: a meeting, childcare that covers it, the trips.

Each need is matched by the console's own search (every rule, barrier, value and time window
applies, on either engine); `resdir.matching.fitday` combines the results and this module says
each combination's reasons in the request's language. Nothing about the person is kept.
"""

from datetime import datetime

from werkzeug.datastructures import MultiDict

from resdir import store
from resdir.i18n import _, clock, ngettext
from resdir.listings import load_documents
from resdir.matching import fitday
from resdir.web import plans, present
from resdir.web.forms import match_page

MEETING_NEED = "sober_social.meeting"
CHILDCARE_NEED = "childcare"
# Enough candidates per need for three combinations that fit, as the console ranks them.
CANDIDATES = 50


def _category(need: str) -> str:
    return need.split(".")[0]


def _matched(chosen: MultiDict, needs: list[str], now: datetime, hold_values: bool = True):
    """Return the published listing documents the console's search gives for `needs`, in its
    order, and the time window's instants; (None, None) when the search cannot run. Without
    `hold_values` a required value ranks the listings instead of hiding those that do not say."""
    query = MultiDict([(k, v) for k, v in chosen.items(multi=True) if k not in ("needs", "values")])
    for value in chosen.getlist("values"):
        code, _colon, strength = value.partition(":")
        query.add("values", value if hold_values or strength != "require" else f"{code}:prefer")
    query.setlist("needs", needs)
    query["limit"] = str(CANDIDATES)
    page, status = match_page(query, "", now)
    if status != 200 or not page.get("span"):
        return None, None
    ids = [r["id"] for r in page["result"]["results"]]
    with store.session() as session:
        docs = load_documents(session, ids)
    return [docs[i] for i in ids if i in docs], page["span"]


def _span(start: datetime, end: datetime) -> str:
    return _("%(start)s–%(end)s", start=clock(start), end=plans.end_text(start, end))


def reasons(combination: fitday.Combination) -> list[str]:
    """Return why a combination fits, in plain words."""
    meeting, meets = combination.meeting, combination.meets
    meeting_span = _span(meets.start, meets.end)
    if combination.childcare is None:
        return [
            _(
                "%(meeting)s has childcare on site during the meeting, %(span)s.",
                meeting=meeting["name"],
                span=meeting_span,
            )
        ]
    place, opening, trip = combination.childcare, combination.opening, combination.trip
    return [
        _(
            "Childcare at %(place)s is open %(open)s, covering the meeting %(span)s and the trips.",
            place=place["name"],
            open=_span(opening.start, opening.end),
            span=meeting_span,
        ),
        _(
            "%(trip)s from %(place)s to the meeting (estimate).",
            trip=present.capital(plans.trip_text(trip.minutes, trip.way)),
            place=place["name"],
        ),
    ]


def _shortfall(code: str, limit: int) -> str:
    return {
        "no_meeting": _("No meeting that fits the profile is in this time window."),
        "too_far": _(
            "No childcare that fits the profile and is open in this time window is within "
            "%(minutes)d minutes of a meeting.",
            minutes=limit,
        ),
        "not_open": _(
            "No childcare near these meetings is open for a whole meeting and the trips: none "
            "is open that late or that early."
        ),
    }[code]


def proposals(chosen: MultiDict, now: datetime) -> dict:
    """Return Fit my day for a console profile: `{"combinations": [{title, reasons,
    ids}], "none": why there are none, "carried": the profile fields a plan reads, "announce"}`."""
    needs = chosen.getlist("needs")
    barriers = {value.partition(":")[0] for value in chosen.getlist("barriers")}
    found = {
        "combinations": [],
        "none": None,
        "carried": [(k, v) for k, v in chosen.items(multi=True) if k in plans.ASKED_FIELDS],
    }
    if not chosen.get("day") and chosen.get("when") != "tonight":
        found["none"] = _("Choose a day or tonight first: a day is fitted within a time window.")
    elif CHILDCARE_NEED not in map(_category, needs) and "needs_childcare" not in barriers:
        found["none"] = _(
            "Choose Childcare in the needs, or Needs childcare in the situation: a day is "
            "fitted around a meeting and childcare."
        )
    else:
        found |= _combined(chosen, needs, now)
    found["announce"] = found["none"] or ngettext(
        "%(num)d way to fit the day.", "%(num)d ways to fit the day.", len(found["combinations"])
    )
    return found


def _combined(chosen: MultiDict, needs: list[str], now: datetime) -> dict:
    social = [n for n in needs if _category(n) == "sober_social"] or [MEETING_NEED]
    care = [n for n in needs if _category(n) == CHILDCARE_NEED] or [CHILDCARE_NEED]
    meetings, span = _matched(chosen, social, now)
    # The person's values are about their recovery; childcare rarely states them.
    childcare = _matched(chosen, care, now, hold_values=False)[0]
    if meetings is None or childcare is None:
        return {"none": _("Search is unavailable for now. Please try again in a minute.")}
    stated = chosen.get("max_minutes", "")
    limit = min(int(stated), fitday.NEAR_TRIP_MINUTES) if stated.isdigit() else None
    limit = limit or fitday.NEAR_TRIP_MINUTES
    combos, why = fitday.combine(meetings, childcare, span, plans.travel_mode(chosen), limit)
    if why:
        return {"none": _shortfall(why, limit)}
    return {
        "combinations": [
            {
                "title": _(
                    "%(meeting)s, %(when)s",
                    meeting=c.meeting["name"],
                    when=plans.moment_text(c.meets.start, now),
                ),
                "reasons": reasons(c),
                "ids": c.ids,
            }
            for c in combos
        ]
    }
