"""Serve the public pages: find help near a place, see why each place fits, read a listing.

A search from the home page or a share link is a GET that carries only what is not sensitive
(where, needs, travel, time); the filter form POSTs, so that barriers, values and languages never
appear in an address that ends up in a log or a browser history (DESIGN §1). Both are checked and
matched by the same functions as the JSON API.
"""

from urllib.parse import parse_qsl, urlencode

from flask import Blueprint, Response, current_app, render_template, request, url_for
from sqlalchemy import select

from resdir import clock, geo, reports, store, vocab
from resdir.listings import category_counts, load_published, stop_count
from resdir.matching.plan import STOP_WALK_METRES
from resdir.web import ics, plans, present
from resdir.web.forms import (
    PRIVATE_FIELDS,
    SHARED_FIELDS,
    chosen_values,
    form_choices,
    local_today,
    match_page,
    share_link,
)

blueprint = Blueprint("public", __name__)

# The fields inside the form's "filters" box (the rest are where and what).
FILTER_FIELDS = ("barriers", "languages", "values", "mode", "max_minutes", "when", "day")


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
        choices=form_choices(local_today(clock.now())),
    )


@blueprint.route("/search", methods=["GET", "POST"])
def search():
    """Show the places that fit a search, why, and what was hidden; a GET carries only what a
    share link may, a POST (the filter form) everything."""
    posted = request.method == "POST"
    source = request.form if posted else request.args
    chosen = chosen_values(source, SHARED_FIELDS + PRIVATE_FIELDS if posted else SHARED_FIELDS)
    cursor = (source.get("cursor") or "").strip()
    now = clock.now()
    page, status = ({}, 200) if not chosen and not cursor else match_page(chosen, cursor, now)
    next_cursor = (page.get("result") or {}).get("next_cursor")
    shared = [(k, v) for k, v in chosen.items(multi=True) if k in SHARED_FIELDS]
    more = url_for("public.search") + "?" + urlencode([*shared, ("cursor", next_cursor)])
    # The days offered are the person's: their place's, else the directory's area's.
    today = local_today(now, page.get("zone"))
    return render_template(
        "public/search.html",
        chosen=chosen,
        posted=posted,
        errors=page.get("errors", {}),
        share=share_link(shared),
        back=urlencode(shared),
        repost=list(chosen.items(multi=True)) if posted else None,
        more_url=more if next_cursor and not posted else None,
        private=[k for k in PRIVATE_FIELDS if k in chosen],
        filter_fields=FILTER_FIELDS,
        filter_count=sum(len(chosen.getlist(k)) for k in FILTER_FIELDS),
        choices=form_choices(today),
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
        doc = load_published(session, listing_id)
        if doc is None:
            return render_template("public/not_found.html"), 404
        point = present.map_point(doc)
        stops = _stops_near(session, point) if point else []
        waiting = reports.open_reports(session, [listing_id])
    now = clock.now()
    page = present.listing_page(doc, now, stops)
    # The oldest report still waiting says how long the listing has been in doubt.
    reported = reports.days_ago(waiting[0].created_at, now) if waiting else None
    return render_template(
        "public/listing.html",
        doc=doc,
        page=page,
        calendar=plans.occurrence(doc, now) is not None,
        reported=reported,
        back_url=_back_url(),
    )


@blueprint.get("/listings/<listing_id>.ics")
def listing_calendar(listing_id: str):
    """Return a listing's next occurrences as a calendar file: a weekly meeting as recurring
    events on its own clock; a listing without a weekly schedule, a calendar with no event."""
    with store.session() as session:
        doc = load_published(session, listing_id)
    if doc is None:
        return render_template("public/not_found.html"), 404
    page_url = url_for("public.listing", listing_id=listing_id, _external=True)
    return Response(
        ics.listing_file(doc, clock.now(), page_url),
        mimetype=ics.MEDIA_TYPE,
        headers={"Content-Disposition": 'attachment; filename="listing.ics"'},
    )


def _back_url() -> str | None:
    """Return the results a listing was opened from (its `back` parameter: the search's shared
    query), as a search address; only the search's own fields are read from it."""
    pairs = parse_qsl(request.args.get("back", ""))
    shared = [(k, v) for k, v in pairs if k in SHARED_FIELDS and v]
    return url_for("public.search") + "?" + urlencode(shared) if shared else None
