"""Read the search forms into profiles and match them: the public search and the peer console.

A form is a MultiDict of fields (`near`, `needs`, `barriers`, `values`, ...), each a checkbox,
select or box of its own; it is read into the same query the shareable URL carries, then checked
and matched by the same functions as the JSON API (`resdir.api`), so that a page and the API
never disagree. What cannot be used is told per field, in words a person can act on.
"""

from datetime import date, datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flask import current_app, url_for
from werkzeug.datastructures import MultiDict

from resdir import geo, store, vocab
from resdir.api import errors
from resdir.api.query import profile_from_query, query_name
from resdir.api.views import run_match, validated_profile
from resdir.i18n import _, label
from resdir.listings import covered_states, load_documents, main_timezone
from resdir.matching import decode_cursor
from resdir.matching.profile import PlaceError, place
from resdir.model import field_paths
from resdir.search import SearchUnavailable
from resdir.web import present

AREA_ZONE = "resdir.area_zone"  # the app extension keeping the directory's time zone
SHARED_FIELDS = ("near", "q", "needs", "mode", "max_minutes", "when", "day")
PRIVATE_FIELDS = ("barriers", "values", "languages")
LIST_FIELDS = ("needs", "barriers", "values", "languages")
WHEN_CHOICES = ("now", "tonight")
# Where the API names a time-window problem, the page's own time controls are to blame.
PAGE_FIELDS = {"from": "when", "to": "when", "at": "when", "open_now": "when"}
# The situations and preferences peers meet most, offered first; the rest are behind "More".
# A judgement, not a measurement (no profile is recorded to count): transport first, as people
# in early recovery mostly have no car; then places that refuse methadone or buprenorphine, a
# record, childcare, then cost, insurance and language, the barriers peer-support guidance and
# surveys of why people go without treatment commonly name (to be checked with peers); for
# values, the program's approach (twelve-step or not, secular or faith-based, harm reduction)
# is what a peer is asked first.
COMMON_BARRIERS = (
    "no_vehicle",
    "on_moud",
    "justice_involved",
    "needs_childcare",
    "low_income",
    "uninsured",
    "limited_english",
)
COMMON_VALUES = (
    "twelve_step",
    "non_twelve_step",
    "secular",
    "faith_based",
    "harm_reduction",
    "women_only",
    "lgbtq_affirming",
)
GENDER_WORDS = {"woman": "Woman", "man": "Man", "nonbinary": "Nonbinary"}  # as the form says


def field_messages() -> dict[str, str]:
    """Return, per form field, what to tell a person whose entry cannot be used."""
    return {
        "near": _(
            "We could not find this place. Enter a 5-digit US ZIP code, a city and state "
            "(such as Oakland, CA), or use your location."
        ),
        "needs": _("Choose from the needs listed."),
        "barriers": _("Choose from the situations listed."),
        "values": _("Choose from the preferences listed."),
        "languages": _("Choose the languages you speak: they are needed with Limited English."),
        "mode": _("Choose how you travel from the list."),
        "max_minutes": _("Enter a number of minutes from 1 to 240."),
        "when": _("Choose open now, tonight, or any time."),
        "day": _("Choose a day from the list."),
        "cursor": _("These results have changed since: search again."),
        "gender": _("Choose a gender from the list."),
        "age": _("Enter an age from 0 to 120."),
        "q": _("Enter at most 200 characters."),
        "show_hidden": _("Nothing is hidden for that reason now."),
    }


def area_zone() -> str:
    """Return the time zone of the directory's area, the person's clock until their place is
    known: the zone most listings keep their hours in (looked up once), else UTC."""
    state = current_app.extensions.setdefault(AREA_ZONE, {})
    if "zone" not in state:
        with store.session() as session:
            zone = main_timezone(session)
        if zone is None:
            return "UTC"  # an empty directory: asked again once it has listings
        state["zone"] = zone
    return state["zone"]


def local_today(now: datetime, zone: str | None = None) -> date:
    """Return the person's date now: on the clock of their place's zone, else the area's."""
    return now.astimezone(ZoneInfo(zone or area_zone())).date()


def _common_first(table: dict, common: tuple[str, ...]) -> dict[str, str]:
    """Return the labels of a vocabulary table, the common codes first, the rest in table order."""
    ordered = [*common, *(code for code in table if code not in common)]
    return {code: table[code].label for code in ordered}


def form_choices(today: date) -> dict:
    """Return what the forms offer: needs, barriers and values (the common ones first, their
    codes in `common`), travel modes, languages, days."""
    return {
        "needs": [
            {"code": code, "label": name, "subcategories": subs}
            for code, (name, subs) in vocab.NEEDS.items()
        ],
        "barriers": _common_first(vocab.BARRIERS, COMMON_BARRIERS),
        "values": _common_first(vocab.VALUES, COMMON_VALUES),
        "common": {"barriers": COMMON_BARRIERS, "values": COMMON_VALUES},
        "strengths": vocab.STRENGTHS,
        "modes": vocab.TRAVEL_MODES,
        "languages": present.language_choices(),
        "days": present.day_choices(today),
        "when": present.when_choices(),
    }


def chosen_values(source: MultiDict, names: tuple[str, ...]) -> MultiDict:
    """Return the non-empty form values of `names`; list fields split at commas."""
    pairs = []
    for name in names:
        for value in source.getlist(name):
            parts = value.split(",") if name in LIST_FIELDS else [value]
            pairs.extend((name, part.strip()) for part in parts if part.strip())
    return MultiDict(pairs)


def profile_or_errors(query: MultiDict) -> tuple[dict | None, dict]:
    """Return the validated profile of a query, or the fields to fix, as the API checks them."""
    raw, bad = profile_from_query(query)
    try:
        return validated_profile(raw, query_name, field_paths(bad)), {}
    except errors.ApiError as exc:
        return None, exc.fields


def _time_query(chosen: MultiDict, zone: str, now: datetime) -> tuple[dict, dict]:
    """Return the query parameters of the chosen time ("open_now", or "from" and "to" on the
    person's clock), and the fields to fix."""
    when, day_text = chosen.get("when"), chosen.get("day")
    if when == "now":
        return {"open_now": "1"}, {}
    if not when and not day_text:
        return {}, {}
    day = None
    if day_text:
        today = now.astimezone(ZoneInfo(zone)).date()
        try:
            day = date.fromisoformat(day_text)
        except ValueError:
            return {}, {"day": ["not a date"]}
        if not today <= day <= today + timedelta(days=present.MAX_DAYS_AHEAD):
            return {}, {"day": ["outside the next two weeks"]}
    start, end = present.window(when or "", day, zone, now)
    if end <= start:
        return {}, {"day": ["that time is over"]}
    return {"from": start.isoformat(), "to": end.isoformat()}, {}


def _messages(fields: dict[str, list[str]]) -> dict[str, str]:
    """Return a message per form field from the API's bad fields; fields the form does not
    have are told under "form"."""
    known = field_messages()
    out: dict[str, str] = {}
    for name, texts in fields.items():
        field = PAGE_FIELDS.get(name, name)
        if field in known:
            out[field] = known[field]
        else:
            out["form"] = "; ".join([*filter(None, [out.get("form")]), *texts])
    return out


def _barrier_words(chosen: MultiDict) -> str:
    names = []
    for item in chosen.getlist("barriers"):
        code, _colon, strength = item.partition(":")
        name = label(vocab.BARRIERS[code].label) if code in vocab.BARRIERS else code
        names.append(_("%(barrier)s (required)", barrier=name) if strength else name)
    return _("Situation: %(barriers)s", barriers=", ".join(names))


def _value_words(chosen: MultiDict) -> str:
    values = []
    for item in chosen.getlist("values"):
        code, _colon, strength = item.partition(":")
        name = label(vocab.VALUES[code].label) if code in vocab.VALUES else code
        how = label(vocab.STRENGTHS.get(strength, vocab.STRENGTHS["prefer"]))
        values.append(f"{name} ({how})")
    return _("What matters: %(values)s", values=", ".join(values))


def _travel_words(chosen: MultiDict) -> str:
    mode = label(vocab.TRAVEL_MODES.get(chosen.get("mode") or "any", chosen.get("mode")))
    minutes = chosen.get("max_minutes")
    if minutes:
        return _("Travel: %(mode)s, up to %(minutes)s min", mode=mode, minutes=minutes)
    return _("Travel: %(mode)s", mode=mode)


def _about_words(chosen: MultiDict) -> str:
    parts = []
    if chosen.get("gender"):
        parts.append(label(GENDER_WORDS.get(chosen["gender"], chosen["gender"])))
    if chosen.get("age"):
        parts.append(_("age %(age)s", age=chosen["age"]))
    if chosen.get("q"):
        parts.append(_("Words: %(words)s", words=chosen["q"]))
    return _("About: %(about)s", about=", ".join(parts))


def profile_words(chosen: MultiDict) -> dict[str, str]:
    """Return each part of a profile that is set, in words, by group: needs, travel ("any" mode
    and no longest trip is not set), time, barriers, values, languages, about (gender, age and
    words to look for)."""
    words = {}
    if chosen.getlist("needs"):
        needs = ", ".join(present.need_code_text(c) for c in chosen.getlist("needs"))
        words["needs"] = _("Needs: %(needs)s", needs=needs)
    if chosen.get("mode", "any") != "any" or chosen.get("max_minutes"):
        words["travel"] = _travel_words(chosen)
    if chosen.get("when") or chosen.get("day"):
        when = present.time_choice_text(chosen.get("when"), chosen.get("day"))
        words["time"] = _("Time: %(when)s", when=when)
    if chosen.getlist("barriers"):
        words["barriers"] = _barrier_words(chosen)
    if chosen.getlist("values"):
        words["values"] = _value_words(chosen)
    if chosen.getlist("languages"):
        names = present.language_names(chosen.getlist("languages"))
        words["languages"] = _("Languages: %(languages)s", languages=names)
    if chosen.get("gender") or chosen.get("age") or chosen.get("q"):
        words["about"] = _about_words(chosen)
    return words


def share_link(pairs: list[tuple[str, str]]) -> dict:
    """Return the share link of a search, with only what the person chose to share (`pairs`:
    SHARED_FIELDS, PRIVATE_FIELDS only when chosen one by one), and what it holds in words.

    The shareable part is the query, which works without JavaScript. The private part is the
    fragment, which a browser never sends: the search page's script posts it with the form, so
    that it reaches no server log, proxy or Referer (DESIGN §13).
    """
    chosen = MultiDict(pairs)
    items = []
    if chosen.get("near"):
        items.append(_("Where: %(place)s", place=chosen["near"]))
    if chosen.get("q"):
        items.append(_("Words: %(words)s", words=chosen["q"]))
    words = profile_words(chosen)
    if "needs" in words:
        items.append(words["needs"])
    if chosen.get("mode") or chosen.get("max_minutes"):
        items.append(_travel_words(chosen))  # "any way" too, when the person shares it
    items.extend(
        words[group] for group in ("time", "barriers", "values", "languages") if group in words
    )
    shared = [(k, v) for k, v in pairs if k not in PRIVATE_FIELDS]
    private = [(k, v) for k, v in pairs if k in PRIVATE_FIELDS]
    url = url_for("public.search", _external=True)
    url += f"?{urlencode(shared)}" if shared else ""
    url += f"#{urlencode(private)}" if private else ""
    return {"url": url, "items": items}


def match_page(chosen: MultiDict, cursor: str, now: datetime) -> tuple[dict, int]:
    """Return what the results page shows for a search (`span`: the time window's instants),
    and its status: 200, 4xx for what the person can fix (each told beside its field), 503
    while search is unavailable."""
    fields: dict[str, list[str]] = {}
    page_errors = {}
    if "near" not in chosen:
        page_errors["near"] = _(
            "Tell us where you are: a ZIP code, a city and state, or use your location."
        )
    if chosen.get("when") and chosen["when"] not in WHEN_CHOICES:
        fields["when"] = ["unknown"]
    query = MultiDict([(k, v) for k, v in chosen.items(multi=True) if k not in ("when", "day")])
    if cursor:
        query["cursor"] = cursor
    profile, bad = profile_or_errors(query)
    fields |= bad
    zone = origin = None
    if profile and "location" in profile:
        with store.session() as session:
            states = covered_states(session)
        try:
            origin = place(profile["location"], states)[0]
        except PlaceError as exc:
            fields["near"] = [str(exc)]
        else:
            # "Tonight" is on the person's clock: the zone of where they are.
            zone = geo.timezone_at(*origin) or "UTC"
    if zone and not fields and not page_errors:
        times, bad = _time_query(chosen, zone, now)
        fields |= bad
        if times:
            query.update(times)
            profile, bad = profile_or_errors(query)
            fields |= bad
    page_errors = {**_messages(fields), **page_errors}
    if page_errors:
        return {"errors": page_errors, "zone": zone}, 422
    try:
        result = run_match(profile, query_name)
    except errors.ApiError as exc:
        return {"errors": _messages(exc.fields), "zone": zone}, exc.status
    except SearchUnavailable:
        return {"unavailable": True, "zone": zone}, 503
    with store.session() as session:
        docs = load_documents(session, [r["id"] for r in result["results"]])
    windowed = "when" in profile
    return {
        "result": result,
        "cards": [present.card(r, docs[r["id"]], now, windowed) for r in result["results"]],
        "first_number": decode_cursor(cursor) + 1,
        "hidden": present.hidden_texts(result["hidden"]),
        "origin": origin,
        "zone": zone,
        "window": present.window_text(profile["when"]["from_"], profile["when"]["to"], now)
        if "from_" in profile.get("when", {})
        else None,
        "span": (profile["when"]["from_"], profile["when"]["to"])
        if "from_" in profile.get("when", {})
        else None,
    }, 200
