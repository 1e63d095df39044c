"""Take reports of a problem with a listing from the public, with no account, and let an admin
dismiss one or act on it (mark the listing temporarily closed).

A report holds what is wrong and an optional note, never who sent it. Every decision is one
UPDATE ... WHERE status = 'open' on the report the admin saw: reports sent meanwhile stay open,
and two admins deciding the same report at once decide it once. Every function works in the
caller's session and leaves the commit to it.
"""

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from resdir import submissions
from resdir.accounts import audit
from resdir.i18n import _
from resdir.store import Account, Listing, ListingReport

PROBLEMS = ("wrong_phone", "closed", "moved", "other")
NOTE_MAX_CHARS = 500  # room for "the new address is ..." and no more
OPEN, DISMISSED, ACTED = "open", "dismissed", "acted"


class ReportError(ValueError):
    """A report that cannot be taken; `fields` names each problem by its form field."""

    def __init__(self, fields: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in sorted(fields.items())))
        self.fields = fields


def problem_names() -> dict[str, str]:
    """Return what each problem is called on the pages."""
    return {
        "wrong_phone": _("The phone number is wrong"),
        "closed": _("It has closed"),
        "moved": _("It has moved"),
        "other": _("Something else"),
    }


def checked(problem: str | None, note: str | None) -> tuple[str, str | None]:
    """Return a report's problem and note as stored, or raise ReportError naming each bad
    field."""
    errors = {}
    if problem not in PROBLEMS:
        errors["problem"] = _("Choose what is wrong with this listing.")
    note = " ".join((note or "").split()) or None
    if note and len(note) > NOTE_MAX_CHARS:
        errors["note"] = _("Keep the note to %(count)d characters or fewer.", count=NOTE_MAX_CHARS)
    if errors:
        raise ReportError(errors)
    return problem, note


def send(
    session: Session, listing_id: str, problem: str | None, note: str | None, now: datetime
) -> ListingReport | None:
    """Take a report on a published listing; return None when there is no such listing."""
    problem, note = checked(problem, note)
    listing = session.get(Listing, listing_id)
    if listing is None or listing.status != "published":
        return None
    report = ListingReport(
        id=uuid.uuid4().hex,
        listing_id=listing_id,
        problem=problem,
        note=note,
        status=OPEN,
        created_at=now,
    )
    session.add(report)
    return report


def open_reports(session: Session, listing_ids: list[str] | None = None) -> list[ListingReport]:
    """Return the reports waiting for a decision, oldest first (of some listings, or all)."""
    query = select(ListingReport).where(ListingReport.status == OPEN)
    if listing_ids is not None:
        query = query.where(ListingReport.listing_id.in_(listing_ids))
    return list(session.scalars(query.order_by(ListingReport.created_at, ListingReport.id)))


def days_ago(moment: datetime, now: datetime) -> int:
    """Return the whole days from a moment to now (0 on the day itself)."""
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return max((now - moment) // timedelta(days=1), 0)


def _decide(session: Session, report_id: str, admin: Account, status: str, now) -> bool:
    """Decide an open report; return whether this decision was the one that decided it."""
    if admin is None or admin.role != "admin" or not admin.active:
        raise submissions.NotAllowed("only an administrator decides")
    decided = session.execute(
        update(ListingReport)
        .where(ListingReport.id == report_id, ListingReport.status == OPEN)
        .values(status=status, decided_at=now, decided_by=admin.email)
    ).rowcount
    return bool(decided)


def dismiss(session: Session, report_id: str, admin: Account, now: datetime) -> bool:
    """Dismiss an open report; return False when it was not open (unknown, or decided)."""
    if not _decide(session, report_id, admin, DISMISSED, now):
        return False
    audit(session, admin.email, "report_dismissed", f"report:{report_id}", now=now)
    return True


def close_listing(session: Session, report_id: str, admin: Account, now: datetime) -> bool:
    """Mark a reported listing temporarily closed (published at once, with its history) and
    the report acted on; return False when the report was not open."""
    report = session.get(ListingReport, report_id)
    if report is None or not _decide(session, report_id, admin, ACTED, now):
        return False
    try:
        change = submissions.submit(
            session, admin, "edit", report.listing_id, {"temporarily_closed": True}, now
        )
    except submissions.SubmissionError:
        pass  # closed already: the report is acted on all the same
    else:
        submissions.approve(session, change, admin, now)
    audit(
        session,
        admin.email,
        "report_acted",
        f"report:{report_id}",
        {"listing_id": report.listing_id, "temporarily_closed": True},
        now=now,
    )
    return True
