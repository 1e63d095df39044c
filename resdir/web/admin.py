"""Serve the admin pages: the review queue, each submission as a field-by-field diff to approve,
reject with a note or correct then approve; a listing's history with restore; stale listings by
organization; the audit log.

Admins only (`auth.admin_required`). Decisions are made by `resdir.submissions`, which publishes
through the outbox so that the search index follows.
"""

from datetime import datetime

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select

from resdir import accounts, clock, reports, store, submissions, vocab
from resdir.i18n import _
from resdir.listings import load_document
from resdir.store import AuditEntry, Listing, Organization, Submission
from resdir.submissions import ChangedSince, SubmissionError
from resdir.web import listing_form
from resdir.web.agency import (
    changes_in_words,
    editable_fields,
    freshness,
    kind_names,
    moment_text,
    not_found,
    submission_row,
    when_text,
)
from resdir.web.auth import admin_required, current_account

blueprint = Blueprint("admin", __name__, url_prefix="/admin")

AUDIT_PAGE = 50  # entries per page of the audit log
# Submissions an admin may correct before approving: those that change a listing's fields.
CORRECTABLE = ("edit", "new", "conflict")


def action_names() -> dict[str, str]:
    """Return what each audited action is called in the log."""
    return {
        "sign_in": _("Signed in"),
        "sign_in_refused": _("Sign-in refused"),
        "sign_out": _("Signed out"),
        "invite": _("Invited"),
        "join": _("Joined"),
        "token_created": _("API token created"),
        "token_revoked": _("API token revoked"),
        "account_changed": _("Account changed"),
        "password_changed": _("Password changed"),
        "password_change_refused": _("Password change refused"),
        "reset_issued": _("Password reset link issued"),
        "password_reset": _("Password reset"),
        "submitted": _("Submitted"),
        "published": _("Published"),
        "rejected": _("Rejected"),
        "restored": _("Restored"),
        "conflict": _("Feed conflict"),
    }


def _names(session, submissions_: list[Submission]) -> tuple[dict, dict]:
    """Return the names of the listings and organizations the submissions are about."""
    listing_ids = {s.listing_id for s in submissions_}
    org_ids = {s.organization_id for s in submissions_} - {None}
    listings = dict(
        session.execute(select(Listing.id, Listing.name).where(Listing.id.in_(listing_ids))).all()
    )
    organizations = dict(
        session.execute(
            select(Organization.id, Organization.name).where(Organization.id.in_(org_ids))
        ).all()
    )
    return listings, organizations


def review_queue(session, kind: str | None, now: datetime) -> dict:
    """Return the pending submissions, oldest first (of one kind, or all), and how many are
    pending of each kind."""
    counts = dict(
        session.execute(
            select(Submission.kind, func.count())
            .where(Submission.status == submissions.PENDING)
            .group_by(Submission.kind)
        ).all()
    )
    query = select(Submission).where(Submission.status == submissions.PENDING)
    if kind:
        query = query.where(Submission.kind == kind)
    pending = session.scalars(query.order_by(Submission.created_at, Submission.id)).all()
    listings, organizations = _names(session, pending)
    rows = []
    for item in pending:
        row = submission_row(item, listings, now)
        row["organization"] = organizations.get(item.organization_id)
        rows.append(row)
    return {"rows": rows, "counts": counts}


@blueprint.get("")
@admin_required
def queue():
    """Show the submissions waiting for a decision, oldest first, by kind."""
    kind = request.args.get("kind") or None
    kinds = kind_names()
    if kind not in kinds:
        kind = None
    now = clock.now()
    with store.session() as session:
        page = review_queue(session, kind, now)
        reported = report_rows(session, reports.open_reports(session), now)
    return render_template("admin/queue.html", kind=kind, kinds=kinds, reports=reported, **page)


def report_rows(session, waiting: list, now: datetime) -> list[dict]:
    """Return the public's reports in words: listing, problem, note, when sent."""
    names = dict(
        session.execute(
            select(Listing.id, Listing.name).where(Listing.id.in_({r.listing_id for r in waiting}))
        ).all()
    )
    problems = reports.problem_names()
    return [
        {
            "id": r.id,
            "listing_id": r.listing_id,
            "listing": names.get(r.listing_id, r.listing_id),
            "problem": problems[r.problem],
            "note": r.note,
            "sent": when_text(r.created_at, now),
        }
        for r in waiting
    ]


def _report_decision(report_id: str, decide, done: str):
    admin, now = current_account(), clock.now()
    if store.write(lambda session: decide(session, report_id, admin, now)):
        flash(done)
    else:
        flash(_("That report was decided already."))
    return redirect(url_for("admin.queue"))


@blueprint.post("/reports/<report_id>/dismiss")
@admin_required
def dismiss_report(report_id: str):
    """Dismiss a report from the public: nothing is wrong with the listing."""
    return _report_decision(report_id, reports.dismiss, _("Report dismissed."))


@blueprint.post("/reports/<report_id>/close")
@admin_required
def close_reported(report_id: str):
    """Mark a reported listing temporarily closed, published at once."""
    return _report_decision(
        report_id, reports.close_listing, _("The listing is marked temporarily closed.")
    )


def moved_in_words(session, submission: Submission, doc: dict, now: datetime) -> list[dict]:
    """Return the fields of a submission that changed on the listing after it was sent, in
    words: `{label, then: [line], now: [line]}`."""
    rows = []
    for moved in submissions.moved_fields(session, submission):
        name = moved["field"]
        if name.startswith("attributes."):
            code = name.removeprefix("attributes.")
            label = vocab.ATTRIBUTES[code].label if code in vocab.ATTRIBUTES else code
            then, now_ = (
                [listing_form.fact_words(moved["then"])],
                [listing_form.fact_words(moved["now"])],
            )
        else:
            label = submissions.FIELD_LABELS.get(name, name)
            then = listing_form.field_words(name, moved["then"], doc, now)
            now_ = listing_form.field_words(name, moved["now"], doc, now)
        rows.append({"label": str(label), "then": then, "now": now_})
    return rows


def _review_page(submission_id: str, status: int = 200, errors: dict | None = None, note=""):
    now = clock.now()
    with store.session() as session:
        found = session.get(Submission, submission_id)
        if found is None:
            return not_found()
        listings, organizations = _names(session, [found])
        listing = session.get(Listing, found.listing_id)
        row = submission_row(found, listings, now)
        row["organization"] = organizations.get(found.organization_id)
        rows = changes_in_words(session, found, now)
        doc = load_document(session, listing.id) if listing is not None else None
        moved = moved_in_words(session, found, doc, now) if doc else []
    checked = freshness(doc, now, current_app.config["STALE_DAYS"]) if doc else None
    return render_template(
        "admin/submission.html",
        submission=row,
        kind=found.kind,
        rows=rows,
        pending=found.status == submissions.PENDING,
        correctable=found.kind in CORRECTABLE,
        listing_exists=listing is not None,
        listing_version=listing.version if listing is not None else None,
        public=listing is not None and listing.status == "published",
        moved=moved,
        checked=checked,
        errors=errors or {},
        note=note,
    ), status


@blueprint.get("/submissions/<submission_id>")
@admin_required
def submission(submission_id: str):
    """Show a submission field by field against the published listing, with the decisions."""
    return _review_page(submission_id)


def _seen_version() -> int | None:
    """Return the listing version the decision's page showed (its form's `listing_version`)."""
    seen = request.form.get("listing_version", "")
    return int(seen) if seen.isdigit() else None


def _decided(submission_id: str, decide) -> tuple[bool, dict, int]:
    """Run a decision on a submission and commit it, again from the start if another writer
    got there first; return whether the submission exists, the problems that stopped the
    decision and the status to answer them with (409: the listing moved on, 422 otherwise)."""

    def work(session) -> bool:
        found = session.get(Submission, submission_id)
        if found is not None:
            decide(session, found)
        return found is not None

    try:
        return store.write(work), {}, 200
    except SubmissionError as exc:
        status = 409 if isinstance(exc, ChangedSince) else 422
        return True, {k: " ".join(v) for k, v in exc.fields.items()}, status


@blueprint.post("/submissions/<submission_id>/approve")
@admin_required
def approve(submission_id: str):
    """Publish a submission as it is."""
    admin, seen = current_account(), _seen_version()
    found, errors, status = _decided(
        submission_id,
        lambda s, sub: submissions.approve(s, sub, admin, clock.now(), seen_version=seen),
    )
    if not found:
        return not_found()
    if errors:
        return _review_page(submission_id, status, {"decision": "; ".join(errors.values())})
    flash(_("Published."))
    return redirect(url_for("admin.queue"))


@blueprint.post("/submissions/<submission_id>/reject")
@admin_required
def reject(submission_id: str):
    """Turn a submission down with a note the agency sees."""
    admin = current_account()
    note = request.form.get("note", "")
    found, errors, status = _decided(
        submission_id, lambda s, sub: submissions.reject(s, sub, admin, note, clock.now())
    )
    if not found:
        return not_found()
    if errors:
        message = errors.get("note") or "; ".join(errors.values())
        field = "note" if "note" in errors else "decision"
        return _review_page(submission_id, status, {field: message}, note)
    flash(_("Not accepted; the agency sees your note."))
    return redirect(url_for("admin.queue"))


def _proposal(session, found: Submission, now: datetime) -> tuple[dict | None, dict]:
    """Return the published listing (None for a new one) and the listing as the submission
    would publish it."""
    if found.kind == "new":
        return None, dict(found.changes)
    current = load_document(session, found.listing_id)
    changes = {k: v for k, v in found.changes.items() if k in submissions.EDITABLE_FIELDS}
    if isinstance(changes.get("capacity"), dict):
        # Published counts carry their stamp; the proposal gets a new one when it is approved.
        changes["capacity"] = {k: v for k, v in changes["capacity"].items() if k != "as_of"}
    try:
        return current, submissions.proposed_document(current, "edit", changes, now)
    except SubmissionError:
        return current, current  # nothing of it can be shown as a form: start from the listing


@blueprint.route("/submissions/<submission_id>/edit", methods=["GET", "POST"])
@admin_required
def correct(submission_id: str):
    """Correct a submission in the listing form, prefilled with what it proposes, then publish
    it as corrected."""
    now = clock.now()
    with store.session() as session:
        found = session.get(Submission, submission_id)
        if found is None:
            return not_found()
        if found.kind not in CORRECTABLE or found.status != submissions.PENDING:
            return redirect(url_for("admin.submission", submission_id=submission_id))
        published, proposed = _proposal(session, found, now)
        listings, _organizations = _names(session, [found])
        row = submission_row(found, listings, now)
        listing = session.get(Listing, found.listing_id)
        version = listing.version if listing is not None else None
    page = {
        "submission": row,
        "fields": editable_fields(),
        "choices": listing_form.choices(),
        "version": version,
    }
    seen = _seen_version()
    if request.method == "GET" or (seen is not None and seen != version):
        # A form opened before the listing moved on would put back what others changed since:
        # it is shown again, as the listing is now.
        values, rows = listing_form.form_values(proposed)
        moved = _("The listing has changed since you opened this form: here it is as it is now.")
        errors, status = ({}, 200) if request.method == "GET" else ({"form": moved}, 409)
        page |= {"values": values, "rows": rows, "errors": errors}
        return render_template("admin/correct.html", **page), status
    values, rows = listing_form.posted_values(request.form)
    # What the admin changed from the proposal; the facts as a whole against the published
    # listing, since a correction replaces the proposal's facts.
    corrections, errors = listing_form.read_form(request.form, proposed, editable_fields())
    if published is not None and "attributes" in corrections:
        corrections["attributes"] = listing_form.read_facts(request.form, published)
    status = 422
    if not errors:
        admin = current_account()
        _found, problems, status = _decided(
            submission_id,
            lambda s, sub: submissions.approve(
                s, sub, admin, clock.now(), corrections, seen_version=seen
            ),
        )
        if not problems:
            flash(_("Published as corrected."))
            return redirect(url_for("admin.queue"))
        errors = (
            {"form": " ".join(problems.values())}
            if status == 409
            else listing_form.form_errors(problems)
        )
    return render_template(
        "admin/correct.html", values=values, rows=rows, errors=errors, **page
    ), status


def field_names(paths: list[str]) -> list[str]:
    """Return changed fields in words, facts counted once: "Phone numbers", "Facts"."""
    names = []
    for path in paths:
        if path.startswith("attributes") or path == "attributes":
            text = _("Facts")
        else:
            text = str(submissions.FIELD_LABELS.get(path, path))
        if text not in names:
            names.append(text)
    return names


@blueprint.get("/listings/<listing_id>/history")
@admin_required
def history(listing_id: str):
    """Show every published version of a listing: who changed which fields, and when."""
    with store.session() as session:
        listing = session.get(Listing, listing_id)
        if listing is None:
            return not_found()
        versions = [
            {
                "version": v.version,
                "when": moment_text(v.created_at),
                "author": v.author,
                "change": v.change,
                "fields": field_names(v.changed_fields) if v.change != "created" else [],
                "current": v.version == listing.version,
            }
            for v in submissions.history(session, listing_id)
        ]
        name, published, current = listing.name, listing.status == "published", listing.version
    changes = {
        "created": _("Created"),
        "updated": _("Updated"),
        "unpublished": _("Unpublished"),
        "republished": _("Published again"),
    }
    return render_template(
        "admin/history.html",
        listing_id=listing_id,
        name=name,
        public=published,
        versions=versions,
        current_version=current,
        changes=changes,
    )


@blueprint.post("/listings/<listing_id>/restore")
@admin_required
def restore(listing_id: str):
    """Publish an earlier version of a listing again, as a new version."""
    version = request.form.get("version", "")
    seen, admin = _seen_version(), current_account()

    def work(session) -> bool:
        if session.get(Listing, listing_id) is None:
            return False
        chosen = int(version) if version.isdigit() else -1
        submissions.restore(session, listing_id, chosen, admin, clock.now(), seen)
        return True

    try:
        if not store.write(work):
            return not_found()
    except SubmissionError as exc:
        flash("; ".join(t for texts in exc.fields.values() for t in texts))
        return redirect(url_for("admin.history", listing_id=listing_id))
    flash(_("Version %(version)s was published again.", version=version))
    return redirect(url_for("admin.history", listing_id=listing_id))


@blueprint.get("/stale")
@admin_required
def stale():
    """List the published listings not checked for RESDIR_STALE_DAYS, by organization."""
    now = clock.now()
    days = current_app.config["STALE_DAYS"]
    with store.session() as session:
        groups = submissions.stale_listings(session, days, now)
    shown = [
        {
            "organization": name,
            "listings": [
                item | {"checked": when_text(item["checked_at"], now) or _("Never")}
                for item in items
            ],
        }
        for name, items in groups.items()
    ]
    total = sum(len(g["listings"]) for g in shown)
    return render_template("admin/stale.html", groups=shown, days=days, total=total)


@blueprint.get("/audit")
@admin_required
def audit():
    """Show the audit log, newest first, a page at a time; optionally one kind of action."""
    page = max(int(request.args["page"]) if request.args.get("page", "").isdigit() else 1, 1)
    action = request.args.get("action") or None
    if action not in accounts.AUDIT_ACTIONS:
        action = None
    with store.session() as session:
        query = select(AuditEntry)
        counted = select(func.count()).select_from(AuditEntry)
        if action:
            query = query.where(AuditEntry.action == action)
            counted = counted.where(AuditEntry.action == action)
        total = session.scalar(counted)
        entries = session.scalars(
            query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
            .offset((page - 1) * AUDIT_PAGE)
            .limit(AUDIT_PAGE)
        ).all()
    rows = [
        {
            "when": moment_text(e.at),
            "actor": e.actor,
            "action": action_names().get(e.action, e.action),
            "target": e.target,
            "detail": ", ".join(f"{k}: {v}" for k, v in sorted((e.detail or {}).items())),
            "remote_addr": e.remote_addr,
        }
        for e in entries
    ]
    pages = max(-(-total // AUDIT_PAGE), 1)
    return render_template(
        "admin/audit.html",
        rows=rows,
        page=page,
        pages=pages,
        total=total,
        action=action,
        actions={code: action_names().get(code, code) for code in sorted(accounts.AUDIT_ACTIONS)},
    )
