"""Match listings to a person: plan, candidates from the search engine, scores and reasons."""

import base64
import binascii
import json
import logging
from datetime import datetime

from flask import current_app
from sqlalchemy.orm import Session

from resdir import coverage, listings, search
from resdir.matching.explain import next_time, reasons
from resdir.matching.profile import compile_plan
from resdir.matching.rules import evaluate

log = logging.getLogger(__name__)


class CursorError(ValueError):
    """A cursor that this API did not hand out."""


class HiddenReasonError(ValueError):
    """A `show_hidden` code that is not one of the profile's hidden reasons."""


def encode_cursor(offset: int) -> str:
    """Return the opaque cursor of the page starting at `offset`."""
    return base64.urlsafe_b64encode(json.dumps({"o": offset}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    """Return the offset a cursor points at, or raise CursorError."""
    if not cursor:
        return 0
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        offset = json.loads(base64.urlsafe_b64decode(padded))["o"]
    except (binascii.Error, ValueError, KeyError, TypeError) as exc:
        raise CursorError("not a cursor this API handed out") from exc
    if not isinstance(offset, int) or offset < 0:
        raise CursorError("not a cursor this API handed out")
    return offset


def _public_address(doc: dict) -> dict | None:
    # A confidential place shows its area only (the store never had its street).
    return doc.get("address")


def result(doc: dict, sdoc: dict, plan, evaluation, profile: dict, stale_days: int) -> dict:
    """Return one match result as the API shows it."""
    occurrence = next_time(doc, plan)
    trip = evaluation.travel
    return {
        "id": doc["id"],
        "name": doc["name"],
        "kind": doc["kind"],
        "organization": doc.get("organization"),
        "fellowship": doc.get("fellowship"),
        "meeting_types": doc.get("meeting_types") or [],
        "category": doc["category"],
        "subcategories": doc["subcategories"],
        "source": doc["source"],
        "source_id": doc["source_id"],
        "source_keys": doc["source_keys"],
        "sources": doc["sources"],
        "address": _public_address(doc),
        "location": doc.get("location"),
        "location_name": doc.get("location_name"),
        "online": doc.get("online"),
        "distance_km": round(trip.km, 2) if trip.km is not None else None,
        "travel_minutes": round(trip.minutes) if trip.minutes is not None else None,
        "travel_mode": trip.mode,
        "trips": [{"mode": m, "minutes": round(minutes)} for m, minutes in trip.trips],
        "score": evaluation.score,
        "reasons": reasons(doc, sdoc, plan, evaluation, occurrence, profile, stale_days),
        "next_occurrence": occurrence
        and {"start": occurrence.start.isoformat(), "end": occurrence.end.isoformat()},
        "phones": doc["phones"],
        "url": doc.get("url"),
        "last_verified_at": doc.get("last_verified_at"),
        "hidden_by": evaluation.hidden
        and {"code": evaluation.hidden.reason, "reason": evaluation.hidden.text},
    }


def _search(engine, session: Session, plan, offset: int, limit: int, reveal: str | None):
    """Return a page (and one more id, to know if another follows) and its search documents,
    within the search budget (RESDIR_ELASTICSEARCH_BUDGET_SECONDS)."""
    with search.budget(current_app.config["ELASTICSEARCH_BUDGET_SECONDS"]):
        search.sync(engine, session)
        found = engine.search(plan, offset, limit + 1, reveal)
        return found, engine.documents(found.ids[:limit])


def match(profile: dict, session: Session, now: datetime) -> dict:
    """Return the listings that fit a validated profile, best first, with what was hidden;
    a listing verified more than the app's RESDIR_STALE_DAYS ago says "call to confirm".

    While Elasticsearch is unreachable, or does not answer within the search budget, the
    embedded index answers, if the store has one, and the answer says it is `degraded`; without
    one, SearchUnavailable propagates. An index the store is too busy to bring up to date
    answers as it stands.
    """
    stops = search.load_stops(session)
    plan = compile_plan(profile, now, stops, listings.covered_states(session))
    offset, limit = decode_cursor(profile.get("cursor")), profile["limit"]
    reveal = profile.get("show_hidden")
    if reveal is not None and reveal not in {c.reason for c in plan.conditions}:
        codes = ", ".join(c.reason for c in plan.conditions) or "none"
        raise HiddenReasonError(f"not a reason this profile hides by (it has: {codes})")
    degraded = False
    try:
        found, sdocs = _search(search.engine(), session, plan, offset, limit, reveal)
    except search.SearchUnavailable as exc:
        fallback = search.fallback()
        if fallback is None:
            raise
        log.warning("search degraded to the embedded index: %s", exc)
        found, sdocs = _search(fallback, session, plan, offset, limit, reveal)
        degraded = True
    page = found.ids[:limit]
    stale_days = current_app.config["STALE_DAYS"]
    evaluated = sorted(
        ((evaluate(sdocs[i], plan), i) for i in page), key=lambda e: (-e[0].score, e[1])
    )
    docs = listings.load_documents(session, page)
    results = [
        result(docs[i], sdocs[i], plan, evaluation, profile, stale_days)
        for evaluation, i in evaluated
    ]
    hidden = [
        {"code": c.reason, "reason": c.text, "count": found.hidden[c.reason]}
        for c in plan.conditions
        if found.hidden.get(c.reason)
    ]
    return {
        "results": results,
        "total": found.total,
        "hidden": hidden,
        "coverage": coverage.describe(
            coverage.coverage(session), plan.origin, plan.origin_areas, max(plan.reach.values())
        )
        if plan.origin is not None
        else None,
        "facets": found.facets,
        "next_cursor": encode_cursor(offset + limit) if len(found.ids) > limit else None,
        "degraded": degraded,
    }
