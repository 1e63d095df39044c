"""Serve the public report of a problem with a listing: no account, CSRF-protected like every
form that changes something, limited per address (RESDIR_REPORT_RATE_LIMIT)."""

from flask import Blueprint, current_app, render_template, request

from resdir import clock, limits, reports, store
from resdir.listings import load_published

blueprint = Blueprint("report", __name__)


def _page(listing_id: str, name: str, status: int, **values):
    shown = {"errors": {}, "chosen": None, "note": "", "sent": False, "limited": 0} | values
    return render_template(
        "public/report.html",
        listing_id=listing_id,
        name=name,
        problems=reports.problem_names(),
        **shown,
    ), status


@blueprint.get("/listings/<listing_id>/report")
def form(listing_id: str):
    """Show the short report form: its own page, so that only a person who reports gets the
    session cookie that holds its CSRF token (a listing page sets none)."""
    with store.session() as session:
        doc = load_published(session, listing_id)
    if doc is None:
        return render_template("public/not_found.html"), 404
    return _page(listing_id, doc["name"], 200)


@blueprint.post("/listings/<listing_id>/report")
def report(listing_id: str):
    """Take a report of a wrong phone, a closure, a move or something else, and say thanks."""
    with store.session() as session:
        doc = load_published(session, listing_id)
    if doc is None:
        return render_template("public/not_found.html"), 404
    problem, note = request.form.get("problem"), request.form.get("note")
    try:
        reports.checked(problem, note)
    except reports.ReportError as exc:
        return _page(listing_id, doc["name"], 400, errors=exc.fields, chosen=problem, note=note)
    # Counted after the fields are checked: a mistyped form does not use up the address's turns.
    rate = limits.parse_rate(current_app.config["REPORT_RATE_LIMIT"])
    wait = limits.claim_here("report", rate) if rate else 0
    if wait:
        minutes = -(-wait // 60)
        page, status = _page(listing_id, doc["name"], 429, limited=minutes)
        return page, status, {"Retry-After": str(wait)}
    now = clock.now()
    sent = store.write(lambda session: reports.send(session, listing_id, problem, note, now))
    if sent is None:  # unpublished meanwhile
        return render_template("public/not_found.html"), 404
    return _page(listing_id, doc["name"], 200, sent=True)
