"""Serve the agency portal: an organization's listings with their freshness, "still accurate" in
one click, beds and seats, the edit form, new listings one by one or from a spreadsheet, and what
became of each submission.

Everything here is limited to the signed-in account's organization (`accounts.may_edit`): another
organization's listing is refused (403), and its submissions are not even said to exist (404).
Nothing is published from here: `resdir.submissions` decides what waits for review.
"""

import json
import os
import re
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

from babel.dates import format_date, format_datetime
from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import select

from resdir import clock, reports, store, submissions
from resdir.accounts import may_edit
from resdir.i18n import _, ngettext
from resdir.listings import load_document, load_documents
from resdir.matching.explain import age
from resdir.store import Listing, Submission
from resdir.submissions import ChangedSince, NotAllowed, SubmissionError, UnknownListing
from resdir.web import listing_form, present
from resdir.web.auth import current_account, forbidden, staff_required

blueprint = Blueprint("agency", __name__, url_prefix="/agency")

SUBMISSIONS_SHOWN = 30  # the organization's latest submissions on the portal
# An uploaded spreadsheet waits for its "Submit" in a file of the instance folder, never in the
# session cookie (a cookie holds 4 KB and the client keeps it): readable by the server only,
# named by a random id, tied to the account, and forgotten after an hour or once submitted.
UPLOADS = "uploads"
UPLOAD_ID_BYTES = 24
UPLOAD_ID = re.compile(r"^[A-Za-z0-9_-]{32}$")
UPLOAD_KEEP = timedelta(hours=1)
MAX_UPLOAD_BYTES = 2 * 1024 * 1024  # thousands of rows: more than any agency lists


def kind_names() -> dict[str, str]:
    """Return what each kind of submission is called on the pages."""
    return {
        "edit": _("Changes"),
        "new": _("New listing"),
        "capacity": _("Beds or seats"),
        "verify": _("Still accurate"),
        "conflict": _("Feed conflict"),
    }


def status_names() -> dict[str, str]:
    """Return what each status of a submission is called on the pages."""
    return {
        "pending": _("Waiting for review"),
        "published": _("Published"),
        "rejected": _("Not accepted"),
    }


def editable_fields() -> tuple[str, ...]:
    """Return the fields the listing form shows: those an agency may change."""
    return tuple(f for f in listing_form.FORM_FIELDS if f in submissions.EDITABLE_FIELDS)


def not_found():
    """Return the page of something that is not there, or not this account's to see (404)."""
    return render_template("agency/not_found.html"), 404


def when_text(instant: str | datetime | None, now: datetime) -> str | None:
    """Return a date with its age: "12 August 2026 (3 months ago)"."""
    if not instant:
        return None
    moment = datetime.fromisoformat(instant) if isinstance(instant, str) else instant
    moment = moment if moment.tzinfo else moment.replace(tzinfo=now.tzinfo)
    days = max((now - moment) / timedelta(days=1), 0)
    day = format_date(moment, "long", locale=present.locale())
    return _("%(date)s (%(age)s)", date=day, age=age(days))


def moment_text(instant: datetime) -> str:
    """Return a date and time to the minute, in UTC: for logs and histories."""
    moment = instant if instant.tzinfo else instant.replace(tzinfo=UTC)
    shown = format_datetime(moment, "medium", tzinfo=UTC, locale=present.locale())
    return f"{shown} UTC"


def freshness(doc: dict, now: datetime, stale_days: int) -> dict:
    """Return when a listing was last checked, `{text, stale}`, against RESDIR_STALE_DAYS."""
    checked = submissions.checked_at(doc)
    stale = submissions.is_stale(doc, stale_days, now)
    if checked is None:
        return {"text": _("Never checked"), "stale": True}
    return {"text": _("Last checked %(when)s", when=when_text(checked, now)), "stale": stale}


def submission_row(submission: Submission, names: dict[str, str], now: datetime) -> dict:
    """Return a submission as the lists show it: what, for which listing, when, and its fate."""
    changes = submission.changes or {}
    return {
        "id": submission.id,
        "kind": kind_names().get(submission.kind, submission.kind),
        "status": submission.status,
        "status_text": status_names().get(submission.status, submission.status),
        "listing_id": submission.listing_id,
        "listing": names.get(submission.listing_id) or changes.get("name") or _("Unnamed"),
        "author": submission.author,
        "sent": when_text(submission.created_at, now),
        "decided": when_text(submission.decided_at, now),
        "note": submission.note,
    }


def portal(session, organization_id: str, now: datetime, stale_days: int) -> dict:
    """Return the portal's content: the organization's listings with their freshness, beds or
    seats and pending submissions, then its latest submissions."""
    ids = list(
        session.scalars(
            select(Listing.id)
            .where(Listing.organization_id == organization_id)
            .order_by(Listing.name, Listing.id)
        )
    )
    docs = load_documents(session, ids)
    latest = session.scalars(
        select(Submission)
        .where(Submission.organization_id == organization_id)
        .order_by(Submission.created_at.desc(), Submission.id)
        .limit(SUBMISSIONS_SHOWN)
    ).all()
    waiting = session.scalars(
        select(Submission)
        .where(
            Submission.organization_id == organization_id,
            Submission.status == submissions.PENDING,
        )
        .order_by(Submission.created_at)
    ).all()
    names = {i: docs[i]["name"] for i in ids}
    problems = reports.problem_names()
    reported = [
        {
            "listing_id": r.listing_id,
            "problem": problems[r.problem],
            "note": r.note,
            "sent": when_text(r.created_at, now),
        }
        for r in reports.open_reports(session, ids)
    ]
    rows = [submission_row(s, names, now) for s in latest]
    pending = [submission_row(s, names, now) for s in waiting]
    cards = []
    for listing_id in ids:
        doc = docs[listing_id]
        capacity = doc.get("capacity") or {}
        cards.append(
            {
                "id": listing_id,
                "name": doc["name"],
                "published": doc["status"] == "published",
                "what": present.need_text(doc["category"], doc.get("subcategories") or []),
                "where": present.where_line(present.where(doc)),
                "checked": freshness(doc, now, stale_days),
                "capacity": present.capacity_text(doc.get("capacity"), now),
                "counts": {
                    "capacity.available": listing_form.count_text(capacity.get("available")),
                    "capacity.total": listing_form.count_text(capacity.get("total")),
                    "capacity.unit": capacity.get("unit") or "beds",
                },
                "pending": [r for r in pending if r["listing_id"] == listing_id],
                "reports": [r for r in reported if r["listing_id"] == listing_id],
            }
        )
    return {
        "listings": cards,
        "submissions": rows,
        "stale": sum(c["checked"]["stale"] for c in cards),
    }


def _home(status: int = 200, errors: dict | None = None, entered: dict | None = None):
    """Render the portal; `errors` and `entered` are a capacity form's, by listing id."""
    account = current_account()
    if not account.organization_id:
        return redirect(url_for("admin.queue"))
    now = clock.now()
    with store.session() as session:
        page = portal(session, account.organization_id, now, current_app.config["STALE_DAYS"])
        organization = session.get(store.Organization, account.organization_id)
    return render_template(
        "agency/portal.html",
        organization=organization,
        stale_days=current_app.config["STALE_DAYS"],
        errors=errors or {},
        entered=entered or {},
        units=listing_form.choices()["units"],
        **page,
    ), status


@blueprint.get("")
@staff_required
def home():
    """Show the organization's listings, how fresh each is, and what became of its submissions."""
    return _home()


def _refusal(listing: Listing | None):
    """Return the page refusing the signed-in account a listing (404 or 403), or None."""
    if listing is None:
        return not_found()
    if not may_edit(current_account(), listing.organization_id):
        return forbidden()
    return None


def _submit(kind: str, listing_id: str | None, changes: dict, base_version: int | None = None):
    """Submit for the signed-in account (again from the start if another writer got there
    first); return the submission, or the page refusing it."""
    account = current_account()

    def work(session):
        return submissions.submit(
            session, account, kind, listing_id, changes, clock.now(), base_version
        )

    try:
        return store.write(work), None
    except UnknownListing:
        return None, not_found()
    except NotAllowed:
        return None, forbidden()


def _told(submission: Submission, published: str, waiting: str) -> None:
    flash(published if submission.status == "published" else waiting)


@blueprint.post("/listings/<listing_id>/verify")
@staff_required
def verify(listing_id: str):
    """Say the listing is still accurate: published at once from a verified account, else sent
    for review."""
    try:
        submission, refused = _submit("verify", listing_id, {})
    except SubmissionError as exc:  # nothing to change: an admin verified it this very second
        flash("; ".join(t for texts in exc.fields.values() for t in texts))
        return redirect(url_for("agency.home") + f"#listing-{listing_id}")
    if refused:
        return refused
    _told(
        submission,
        _("Marked as still accurate."),
        _("Sent for review: “still accurate” shows once an administrator approves it."),
    )
    return redirect(url_for("agency.home") + f"#listing-{listing_id}")


@blueprint.post("/listings/<listing_id>/capacity")
@staff_required
def capacity(listing_id: str):
    """Post the beds or seats open now (stamped with the time)."""
    errors: dict[str, str] = {}
    with store.session() as session:
        refused = _refusal(session.get(Listing, listing_id))
    if refused:
        return refused
    counts = listing_form.read_capacity(request.form, errors)
    if counts is None and not errors:
        errors["capacity.available"] = _("Enter how many are open now.")
    if not errors:
        try:
            submission, refused = _submit("capacity", listing_id, counts)
        except SubmissionError as exc:
            paths = {
                p if p.startswith("capacity") else f"capacity.{p}": t for p, t in exc.fields.items()
            }
            errors = listing_form.form_errors(paths)
        else:
            if refused:
                return refused
            _told(
                submission,
                _("Beds or seats updated."),
                _("Beds or seats sent for review."),
            )
            return redirect(url_for("agency.home") + f"#listing-{listing_id}")
    entered = {listing_id: {k: request.form.get(k, "") for k in listing_form.SINGLE_NAMES}}
    return _home(422, {listing_id: errors}, entered)


def _form_page(template: str, status: int = 200, **page):
    return render_template(
        template, fields=editable_fields(), choices=listing_form.choices(), **page
    ), status


def _pending_for(session, listing_id: str) -> list[dict]:
    """Return the listing's submissions waiting for review, newest first."""
    rows = session.scalars(
        select(Submission)
        .where(Submission.listing_id == listing_id, Submission.status == submissions.PENDING)
        .order_by(Submission.created_at.desc())
    ).all()
    return [submission_row(s, {}, clock.now()) for s in rows]


def _send(
    kind: str, listing_id: str | None, changes: dict, done: str, base_version: int | None = None
):
    """Submit a form's changes: return the answer (the submission's page, with `done` said, or
    a refusal) and no errors, or no answer and the errors to show beside the fields.
    ChangedSince goes to the caller, which shows the form again as the listing is now."""
    try:
        submission, refused = _submit(kind, listing_id, changes, base_version)
    except ChangedSince:
        raise
    except SubmissionError as exc:
        return None, listing_form.form_errors(exc.fields)
    if refused:
        return refused, {}
    flash(done)
    return redirect(url_for("agency.submission", submission_id=submission.id)), {}


def moved_words(values: dict, doc: dict) -> dict[str, list[str]]:
    """Return, by field, what others changed it to since a form was opened, in words."""
    out = {}
    for path, value in values.items():
        if path.startswith("attributes."):
            words = [listing_form.fact_words(value)]
        else:
            words = listing_form.field_words(path, value, doc, clock.now())
        now = "; ".join(words) or _("empty")
        out[path] = [_("Changed since you opened this form: now %(value)s.", value=now)]
    return out


@blueprint.route("/listings/<listing_id>/edit", methods=["GET", "POST"])
@staff_required
def edit(listing_id: str):
    """Change any field of a listing: checked as ingest checks a feed, errors beside each field,
    then sent for review."""
    opened = request.form.get("listing_version", "")
    with store.session() as session:
        listing = session.get(Listing, listing_id)
        refused = _refusal(listing)
        if refused:
            return refused
        current = load_document(session, listing_id)
        pending = _pending_for(session, listing_id)
        version = listing.version
        # What the person changed is read against the listing as their form showed it: the
        # fields they left alone must not put back what others changed since.
        base = opened.isdigit() and submissions.version_document(session, listing_id, int(opened))
    page = {"doc": current, "pending": pending, "nothing_changed": False, "version": version}
    if request.method == "GET":
        values, rows = listing_form.form_values(current)
        return _form_page("agency/edit.html", values=values, rows=rows, errors={}, **page)
    values, rows = listing_form.posted_values(request.form)
    base_version = int(opened) if base else version
    changes, errors = listing_form.read_form(request.form, base or current, editable_fields())
    if not errors and not changes:
        page["nothing_changed"] = True
        return _form_page("agency/edit.html", 422, values=values, rows=rows, errors={}, **page)
    if not errors:
        try:
            sent, errors = _send(
                "edit", listing_id, changes, _("Your changes were sent for review."), base_version
            )
        except ChangedSince as exc:
            # Others changed some of the same fields meanwhile: the form comes back as the
            # listing is now with the person's changes on it, and beside each of those fields
            # what it holds now; sent again, it is read against now.
            mine = submissions.proposed_document(current, "edit", changes, clock.now())
            values, rows = listing_form.form_values(mine)
            errors = listing_form.form_errors(moved_words(exc.now, current))
            return _form_page(
                "agency/edit.html", 409, values=values, rows=rows, errors=errors, **page
            )
        if sent:
            return sent
    return _form_page("agency/edit.html", 422, values=values, rows=rows, errors=errors, **page)


@blueprint.route("/listings/new", methods=["GET", "POST"])
@staff_required
def new():
    """Propose a new listing for the organization, reviewed before it is published."""
    if request.method == "GET":
        values, rows = listing_form.form_values({})
        return _form_page("agency/new.html", values=values, rows=rows, errors={})
    values, rows = listing_form.posted_values(request.form)
    changes, errors = listing_form.read_form(request.form, None, editable_fields())
    if not errors:
        sent, errors = _send("new", None, changes, _("The new listing was sent for review."))
        if sent:
            return sent
    return _form_page("agency/new.html", 422, values=values, rows=rows, errors=errors)


@blueprint.get("/submissions/<submission_id>")
@staff_required
def submission(submission_id: str):
    """Show one of the organization's submissions: what it changes, and what became of it."""
    now = clock.now()
    with store.session() as session:
        found = session.get(Submission, submission_id)
        # Another organization's submission is not said to exist.
        if found is None or not may_edit(current_account(), found.organization_id):
            return not_found()
        listing = session.get(Listing, found.listing_id)
        names = {listing.id: listing.name} if listing else {}
        rows = changes_in_words(session, found, now)
        shown = submission_row(found, names, now)
    return render_template(
        "agency/submission.html",
        submission=shown,
        kind=found.kind,
        rows=rows,
        public=listing is not None and listing.status == "published",
    )


def changes_in_words(session, submission: Submission, now: datetime) -> list[dict]:
    """Return a submission field by field against the published listing, in words:
    `{field, label, published: [line], proposed: [line], changed}`."""
    current = None if submission.kind == "new" else load_document(session, submission.listing_id)
    proposed = submission.changes or {}
    facts = proposed.get("attributes") or {}
    rows = []
    for row in submissions.diff(session, submission):
        name = row["field"]
        if name.startswith("attributes."):
            code = name.removeprefix("attributes.")
            before = ((current or {}).get("attributes") or {}).get(code, {}).get("value")
            after = facts.get(code)
            after = after.get("value") if isinstance(after, dict) else after
            words = (
                [listing_form.fact_words(before)] if current else [],
                [listing_form.fact_words(after)],
            )
        else:
            words = (
                listing_form.field_words(name, (current or {}).get(name), current or {}, now),
                listing_form.field_words(name, proposed.get(name), current or proposed, now),
            )
        rows.append(
            {
                "field": name,
                "label": row["label"],
                "published": words[0],
                "proposed": words[1],
                "changed": row["changed"],
            }
        )
    return rows


# --- the spreadsheet upload: checked first, submitted only when the agency says so ----------


def _uploads() -> Path:
    return Path(current_app.instance_path) / UPLOADS


def _expired(kept: dict, now: datetime) -> bool:
    """Return whether a kept upload is older than UPLOAD_KEEP, on the app's clock."""
    try:
        made = datetime.fromisoformat(kept["kept_at"])
    except (KeyError, TypeError, ValueError):
        return True
    return made < now - UPLOAD_KEEP


def _read_upload(path: Path) -> dict | None:
    try:
        kept = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return kept if isinstance(kept, dict) else None


def _forget_old_uploads(folder: Path, now: datetime) -> None:
    """Delete the uploads nobody submitted within UPLOAD_KEEP."""
    for path in [*folder.glob("*.json"), *folder.glob("*.submitting")]:
        kept = _read_upload(path)
        if kept is None or _expired(kept, now):
            path.unlink(missing_ok=True)


def keep_upload(account_id: int, filename: str, rows: list[dict], now: datetime) -> str:
    """Keep a checked spreadsheet's rows until they are submitted; return the upload's id."""
    folder = _uploads()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    _forget_old_uploads(folder, now)
    upload_id = secrets.token_urlsafe(UPLOAD_ID_BYTES)
    kept = {
        "account_id": account_id,
        "filename": filename,
        "rows": rows,
        "kept_at": now.isoformat(),
    }
    # Created for the server's user only, and never over another file.
    descriptor = os.open(folder / f"{upload_id}.json", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as f:
        json.dump(kept, f)
    return upload_id


def kept_upload(upload_id: str, account_id: int, now: datetime) -> tuple[Path, dict] | None:
    """Return a kept upload of this account (its file and content), or None: unknown, another
    account's, or older than UPLOAD_KEEP."""
    if not UPLOAD_ID.match(upload_id):
        return None
    path = _uploads() / f"{upload_id}.json"
    kept = _read_upload(path)
    if kept is None or _expired(kept, now) or kept.get("account_id") != account_id:
        return None
    return path, kept


def _upload_page(status: int = 200, **page):
    return render_template(
        "agency/upload.html",
        columns=listing_form.template_columns(),
        max_megabytes=MAX_UPLOAD_BYTES // (1024 * 1024),
        **{"sheet": None, "error": None, "upload_id": None, "ready": 0} | page,
    ), status


@blueprint.route("/upload", methods=["GET", "POST"])
@staff_required
def upload():
    """Check a spreadsheet of new listings row by row; nothing is submitted until the agency
    presses "Submit"."""
    account = current_account()
    if not account.organization_id:
        return forbidden()
    if request.method == "GET":
        return _upload_page()
    sent = request.files.get("file")
    if sent is None or not sent.filename:
        return _upload_page(422, error=_("Choose a CSV file to upload."))
    data = sent.stream.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        message = _(
            "The file is larger than %(size)s MB: split it in two.",
            size=MAX_UPLOAD_BYTES // (1024 * 1024),
        )
        return _upload_page(413, error=message)
    now = clock.now()
    sheet = listing_form.read_sheet(data, sent.filename, now, editable_fields())
    if sheet.error:
        return _upload_page(422, error=sheet.error)
    if not sheet.rows:
        return _upload_page(422, error=_("The file has no rows under its first row."))
    ready = [row.changes for row in sheet.rows if row.changes is not None]
    upload_id = keep_upload(account.id, sent.filename, ready, now) if ready else None
    return _upload_page(sheet=sheet, upload_id=upload_id, ready=len(ready), filename=sent.filename)


@blueprint.post("/upload/<upload_id>")
@staff_required
def submit_upload(upload_id: str):
    """Submit the checked rows of an upload as new listings, all or none."""
    account = current_account()
    now = clock.now()
    found = kept_upload(upload_id, account.id, now)
    gone = _("This upload was submitted already, or it has expired: upload the file again.")
    if found is None:
        return _upload_page(404, error=gone)
    path, kept = found
    claimed = path.with_suffix(".submitting")
    try:
        # One rename claims the upload: a second press of the button finds nothing to submit.
        path.rename(claimed)
    except FileNotFoundError:
        return _upload_page(404, error=gone)

    def work(session) -> None:
        for changes in kept["rows"]:
            submissions.submit(session, account, "new", None, changes, now)

    try:
        store.write(work)
    except (NotAllowed, SubmissionError, store.StoreBusy) as exc:
        claimed.rename(path)
        if isinstance(exc, NotAllowed):
            return forbidden()
        if isinstance(exc, store.StoreBusy):
            raise
        message = _("Nothing was submitted: %(problem)s", problem=str(exc))
        return _upload_page(422, error=message)
    claimed.unlink(missing_ok=True)
    count = len(kept["rows"])
    flash(
        ngettext(
            "%(num)d new listing was sent for review.",
            "%(num)d new listings were sent for review.",
            count,
        )
    )
    return redirect(url_for("agency.home") + "#submissions")
