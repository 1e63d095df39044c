"""Serve the public pages: find help near a place, see why each place fits, read a listing.

A search from the home page or a share link is a GET that carries only what is not sensitive
(where, needs, travel, time); the filter form POSTs, so that barriers, values and languages never
appear in an address that ends up in a log or a browser history (DESIGN §1). Both are checked and
matched by the same functions as the JSON API.
"""

from datetime import date, datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, render_template, request, url_for
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from resdir import geo, store, vocab
from resdir.api import errors
from resdir.api.query import profile_from_query, query_name
from resdir.api.views import run_match, validated_profile
from resdir.i18n import _, label
from resdir.listings import category_counts, load_document, load_documents, stop_count
from resdir.matching import decode_cursor
from resdir.matching.plan import STOP_WALK_METRES
from resdir.matching.profile import PlaceError, place, utc_now
from resdir.search import SearchUnavailable
from resdir.web import present

blueprint = Blueprint("public", __name__)

SHARED_FIELDS = ("near", "needs", "mode", "max_minutes", "when", "day")
PRIVATE_FIELDS = ("barriers", "values", "languages")
LIST_FIELDS = ("needs", "barriers", "values", "languages")
WHEN_CHOICES = ("now", "tonight")
# The fields inside the form's "filters" box (the rest are where and what).
FILTER_FIELDS = ("barriers", "languages", "values", "mode", "max_minutes", "when", "day")
# Where the API names a time-window problem, the page's own time controls are to blame.
PAGE_FIELDS = {"from": "when", "to": "when", "at": "when", "open_now": "when"}


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
    }


def _choices(today: date) -> dict:
    """Return what the forms offer: needs, barriers, values, travel modes, languages, days."""
    return {
        "needs": [
            {"code": code, "label": name, "subcategories": subs}
            for code, (name, subs) in vocab.NEEDS.items()
        ],
        "barriers": {code: b.label for code, b in vocab.BARRIERS.items()},
        "values": {code: v.label for code, v in vocab.VALUES.items()},
        "strengths": vocab.STRENGTHS,
        "modes": vocab.TRAVEL_MODES,
        "languages": present.language_choices(),
        "days": present.day_choices(today),
    }


@blueprint.get("/")
def home():
    """Ask where and what is needed; show what the directory holds, by category."""
    with store.session() as session:
        counts = category_counts(session)
        stops = stop_count(session)
    categories = [
        {"code": code, "label": name, "published": counts.get(code, {}).get("published", 0)}
        for code, name in vocab.CATEGORY_LABELS.items()
    ]
    total = sum(c["published"] for c in categories)
    return render_template(
        "public/home.html",
        categories=categories,
        total=total,
        stops=stops,
        choices=_choices(utc_now().date()),
    )


def _chosen(source: MultiDict, names: tuple[str, ...]) -> MultiDict:
    """Return the non-empty form values of `names`; list fields split at commas."""
    pairs = []
    for name in names:
        for value in source.getlist(name):
            parts = value.split(",") if name in LIST_FIELDS else [value]
            pairs.extend((name, part.strip()) for part in parts if part.strip())
    return MultiDict(pairs)


def _profile_or_errors(query: MultiDict) -> tuple[dict | None, dict]:
    """Return the validated profile of a query, or the fields to fix, as the API checks them."""
    raw, bad = profile_from_query(query)
    try:
        return validated_profile(raw, query_name, errors.field_paths(bad)), {}
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


def _share(pairs: list[tuple[str, str]]) -> dict:
    """Return the share link of a search, with only what is not sensitive (`pairs` of
    SHARED_FIELDS), and what it holds in words."""
    chosen = MultiDict(pairs)
    items = []
    if chosen.get("near"):
        items.append(_("Where: %(place)s", place=chosen["near"]))
    if chosen.getlist("needs"):
        needs = ", ".join(present.need_code_text(c) for c in chosen.getlist("needs"))
        items.append(_("Needs: %(needs)s", needs=needs))
    if chosen.get("mode") or chosen.get("max_minutes"):
        mode = label(vocab.TRAVEL_MODES.get(chosen.get("mode") or "any", chosen.get("mode")))
        minutes = chosen.get("max_minutes")
        items.append(
            _("Travel: %(mode)s, up to %(minutes)s min", mode=mode, minutes=minutes)
            if minutes
            else _("Travel: %(mode)s", mode=mode)
        )
    if chosen.get("when") or chosen.get("day"):
        when = present.time_choice_text(chosen.get("when"), chosen.get("day"))
        items.append(_("Time: %(when)s", when=when))
    url = url_for("public.search", _external=True)
    return {"url": f"{url}?{urlencode(pairs)}" if pairs else url, "items": items}


def _search(chosen: MultiDict, cursor: str, now: datetime) -> tuple[dict, int]:
    """Return what the results page shows for a search, and its status: 200, 4xx for what the
    person can fix (each told beside its field), 503 while search is unavailable."""
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
    profile, bad = _profile_or_errors(query)
    fields |= bad
    zone = origin = None
    if profile and "location" in profile:
        try:
            origin = place(profile["location"])[0]
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
            profile, bad = _profile_or_errors(query)
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
        "cards": [present.card(r, docs[r["id"]], now, zone, windowed) for r in result["results"]],
        "first_number": decode_cursor(cursor) + 1,
        "hidden": present.hidden_texts(result["hidden"]),
        "origin": origin,
        "zone": zone,
        "window": present.window_text(profile["when"]["from_"], profile["when"]["to"], now)
        if "from_" in profile.get("when", {})
        else None,
    }, 200


@blueprint.route("/search", methods=["GET", "POST"])
def search():
    """Show the places that fit a search, why, and what was hidden; a GET carries only what a
    share link may, a POST (the filter form) everything."""
    posted = request.method == "POST"
    source = request.form if posted else request.args
    chosen = _chosen(source, SHARED_FIELDS + PRIVATE_FIELDS if posted else SHARED_FIELDS)
    cursor = (source.get("cursor") or "").strip()
    now = utc_now()
    page, status = ({}, 200) if not chosen and not cursor else _search(chosen, cursor, now)
    next_cursor = (page.get("result") or {}).get("next_cursor")
    shared = [(k, v) for k, v in chosen.items(multi=True) if k in SHARED_FIELDS]
    more = url_for("public.search") + "?" + urlencode([*shared, ("cursor", next_cursor)])
    # The days offered are the person's, once their place is known (UTC's until then).
    today = now.astimezone(ZoneInfo(page.get("zone") or "UTC")).date()
    return render_template(
        "public/search.html",
        chosen=chosen,
        posted=posted,
        errors=page.get("errors", {}),
        share=_share(shared),
        more_url=more if next_cursor and not posted else None,
        private=[k for k in PRIVATE_FIELDS if k in chosen],
        filter_fields=FILTER_FIELDS,
        filter_count=sum(len(chosen.getlist(k)) for k in FILTER_FIELDS),
        choices=_choices(today),
        tile_url=current_app.config["TILE_URL"],
        tile_attribution=current_app.config["TILE_ATTRIBUTION"],
        **{k: v for k, v in page.items() if k not in ("errors", "zone")},
    ), status


def _stops_near(session, point: dict) -> list[dict]:
    """Return the present transit stops in a box around a point, a walk's distance each way."""
    half, lon_half = geo.bounding_box(point["lat"], STOP_WALK_METRES / 1000)
    rows = session.scalars(
        select(store.TransitStop).where(
            store.TransitStop.present,
            store.TransitStop.lat.between(point["lat"] - half, point["lat"] + half),
            store.TransitStop.lon.between(point["lon"] - lon_half, point["lon"] + lon_half),
        )
    )
    return [{"name": r.name, "lat": r.lat, "lon": r.lon, "routes": r.routes} for r in rows]


@blueprint.get("/listings/<listing_id>")
def listing(listing_id: str):
    """Show everything a person needs to go: where, when, who can come, cost, facts, contact."""
    with store.session() as session:
        doc = load_document(session, listing_id)
        if doc is None or doc["status"] != "published":
            return render_template("public/not_found.html"), 404
        point = present.map_point(doc)
        stops = _stops_near(session, point) if point else []
    page = present.listing_page(doc, utc_now(), stops)
    return render_template("public/listing.html", doc=doc, page=page)
