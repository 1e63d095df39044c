"""Serve the peer console: a client's profile, results that follow it, a shortlist and a plan.

Built for a ten-minute conversation. The profile is only ever posted, never put in an address;
nothing about it is logged, stored or put in a cookie, and every answer says `Cache-Control:
no-store`, so that the browser keeps no copy of a client's page either (DESIGN §1). The page
works without JavaScript; `static/js/peer.js` posts the same form to `/peer/results` as it
changes and swaps in the fragment the same templates render.
"""

from flask import Blueprint, Response, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from resdir import clock, store
from resdir.i18n import _, ngettext
from resdir.listings import load_documents
from resdir.web import fitday, ics, plans
from resdir.web.forms import (
    PRIVATE_FIELDS,
    SHARED_FIELDS,
    chosen_values,
    form_choices,
    local_today,
    match_page,
    profile_words,
    share_link,
)

blueprint = Blueprint("peer", __name__, url_prefix="/peer")

PROFILE_FIELDS = (*SHARED_FIELDS, *PRIVATE_FIELDS, "gender", "age")
# What a share link may hold, part by part; the sensitive parts only when ticked one by one.
SHARE_PARTS = {
    "where": ("near",),
    "needs": ("needs",),
    "travel": ("mode", "max_minutes"),
    "time": ("when", "day"),
    "barriers": ("barriers",),
    "values": ("values",),
    "languages": ("languages",),
}
SENSITIVE_PARTS = ("barriers", "values", "languages")
MAX_PLAN_PLACES = 20  # a plan to print or text, not a directory


@blueprint.after_request
def _no_store(response: Response) -> Response:
    # A client's profile and results must not stay in the browser's cache or history copies.
    response.headers["Cache-Control"] = "no-store"
    return response


def _share_parts(form: MultiDict) -> tuple[str, ...]:
    """Return the share parts ticked, known ones only, in SHARE_PARTS order."""
    ticked = set(form.getlist("share"))
    return tuple(part for part in SHARE_PARTS if part in ticked)


def console_page(form: MultiDict) -> tuple[dict, int]:
    """Return what the console shows for a posted form (the profile, the parts to share, the
    places ticked for the plan, `show_hidden`, Fit my day when `fit_day` is posted), and its
    status as match_page gives it."""
    chosen = chosen_values(form, PROFILE_FIELDS)
    reveal = (form.get("show_hidden") or "").strip()
    now = clock.now()
    page, status = {}, 200
    if chosen:
        query = MultiDict(chosen)
        if reveal:
            query["show_hidden"] = reveal
        page, status = match_page(query, "", now)
    parts = _share_parts(form)
    fields = {name for part in parts for name in SHARE_PARTS[part]}
    shared = [(k, v) for k, v in chosen.items(multi=True) if k in fields]
    ticked = list(dict.fromkeys(form.getlist("plan")))
    shown = {card["id"] for card in page.get("cards", [])}
    today = local_today(now, page.get("zone"))
    hidden = (page.get("result") or {}).get("hidden", [])
    fit = None
    if form.get("fit_day") and status == 200 and not reveal:
        fit = fitday.proposals(chosen, now)
    return {
        "chosen": chosen,
        "blank": not chosen,
        "reveal": reveal,
        "errors": page.get("errors", {}),
        "choices": form_choices(today),
        "summaries": profile_words(chosen),
        "picked_codes": {
            name: [item.partition(":")[0] for item in chosen.getlist(name)]
            for name in ("barriers", "values")
        },
        "share_parts": parts,
        "share": share_link(shared) if parts else None,
        "shares_private": any(part in SENSITIVE_PARTS for part in parts),
        "ticked": ticked,
        "carried": [i for i in ticked if i not in shown],
        "hidden_codes": [item["code"] for item in hidden],
        "announce": fit["announce"] if fit else _announcement(page, reveal),
        "fit_day": fit,
        **{k: v for k, v in page.items() if k not in ("errors", "zone", "origin", "span")},
    }, status


def _announcement(page: dict, reveal: str) -> str:
    """Return the sentence a screen reader hears when the results change."""
    if page.get("errors"):
        return _("Results not updated: please check the form.")
    if page.get("unavailable"):
        return _("Search is unavailable for now. Please try again in a minute.")
    result = page.get("result")
    if result is None:
        return ""
    if reveal:
        return ngettext(
            "Showing %(num)d hidden place.", "Showing %(num)d hidden places.", result["total"]
        )
    fits = ngettext("%(num)d place fits", "%(num)d places fit", result["total"])
    hidden = sum(item["count"] for item in result["hidden"])
    return ngettext("%(fits)s, %(num)d hidden.", "%(fits)s, %(num)d hidden.", hidden, fits=fits)


@blueprint.route("", methods=["GET", "POST"])
def console():
    """Show the profile panel and, once the profile is posted, the results beside it."""
    page, status = console_page(request.form if request.method == "POST" else MultiDict())
    return render_template("peer/console.html", **page), status


@blueprint.post("/results")
def results():
    """Return the results region alone for a posted profile (the page's script swaps it in):
    what to fix is part of the region, so a profile still being typed is a 200, not a 4xx the
    browser would report as a failed request at every keystroke."""
    page, status = console_page(request.form)
    return render_template("peer/_results.html", **page), 200 if status < 500 else status


def _plan_error(message: str):
    return render_template("peer/plan.html", items=[], error=message), 400


def _planned() -> tuple[list[dict] | None, str | None]:
    """Return the posted plan's listing documents in the order chosen, or what is wrong with
    it: none, too many, or some not in the directory."""
    ids = list(dict.fromkeys(i.strip() for i in request.form.getlist("plan") if i.strip()))
    if not ids:
        return None, _("No places were chosen: add places to the plan first.")
    if len(ids) > MAX_PLAN_PLACES:
        return None, _("A plan holds at most %(num)d places: remove some.", num=MAX_PLAN_PLACES)
    with store.session() as session:
        docs = load_documents(session, ids)
    if any(i not in docs or docs[i]["status"] != "published" for i in ids):
        return None, _("Some of these places are no longer in the directory: choose again.")
    return [docs[i] for i in ids], None


@blueprint.route("/plan", methods=["GET", "POST"])
def plan():
    """Show the places ticked for the plan: when (in absolute form), where and how to get there,
    whom to call and what to ask, conflicts flagged, to print, copy as a text message or add to a
    calendar; a 400 page when none, too many, or some not in the directory."""
    if request.method == "GET":
        # A language switch asks for this page again by GET: the plan was posted, start over.
        return redirect(url_for("peer.console"))
    docs, error = _planned()
    if error:
        return _plan_error(error)
    form = request.form
    items = plans.plan(docs, clock.now(), plans.travel_mode(form), plans.asked_profile(form))
    return render_template("peer/plan.html", items=items, error=None)


@blueprint.post("/plan.ics")
def plan_calendar():
    """Return the plan's places as a calendar file (only the listings: nothing of the person)."""
    docs, error = _planned()
    if error:
        return _plan_error(error)
    urls = {d["id"]: url_for("public.listing", listing_id=d["id"], _external=True) for d in docs}
    body = ics.plan_file(docs, clock.now(), urls)
    return Response(
        body,
        mimetype=ics.MEDIA_TYPE,
        headers={"Content-Disposition": 'attachment; filename="plan.ics"'},
    )
