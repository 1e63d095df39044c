"""Keep listings current through review: agencies' submissions, admins' decisions, history and
restore, staleness, and the agency edits a feed must not overwrite silently.

A submission holds canonical changes: top-level fields of the listing document with their whole
new values (`phones` the whole list, `address` the whole object), except `attributes`, a map of
code -> "yes" | "no" | "unknown" ("unknown" removes the fact). Publishing goes through
`resdir.listings.save`, so every published change is a history version and an outbox entry that
both search engines follow. Each field an agency publishes is remembered as a ListingEdit with the
feed's value it replaced, so that the next ingest of that feed keeps it, or puts a changed feed
value up for review. Every function works in the caller's session and leaves the commit to it.
"""

import uuid
from datetime import UTC, datetime, timedelta

from babel.dates import get_day_names
from flask import current_app
from flask_babel import get_locale
from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from resdir import geo, listings, vocab
from resdir.accounts import audit, may_edit
from resdir.i18n import _, _l, label
from resdir.model import MAX_CAPACITY, ListingSchema, field_paths
from resdir.store import (
    Account,
    Listing,
    ListingEdit,
    ListingSource,
    ListingVersion,
    Organization,
    Source,
    Submission,
)

KINDS = ("edit", "new", "capacity", "verify")  # what an account may submit
CONFLICT = "conflict"  # a feed's new value for a field an agency edited: made by ingest only
PENDING, PUBLISHED, REJECTED = "pending", "published", "rejected"
# Canonical fields an agency may change. Identity, provenance, status and the source's taxonomy
# are never theirs; the map point follows the address unless they give one.
EDITABLE_FIELDS = (
    "name",
    "alternate_name",
    "description",
    "category",
    "subcategories",
    "narr_level",
    "temporarily_closed",
    "location_name",
    "address",
    "location",
    "confidential_location",
    "service_area",
    "online",
    "schedule",
    "phones",
    "url",
    "email",
    "next_steps",
    "transportation",
    "cost",
    "eligibility",
    "languages",
    "attributes",
    "capacity",
)
PLACE_FIELDS = ("location", "geocode_precision", "approximate_location", "timezone")
PLACE_INPUTS = ("address", "location", "confidential_location")  # what the place follows
ADDRESS_MOVES = ("street", "city", "region", "postal_code")  # parts that move the map point
FRESHNESS_FIELDS = ("last_verified_at", "verified_by")
# What an agency's publication is remembered by, field by field (attributes code by code).
CONTENT_FIELDS = tuple(dict.fromkeys(EDITABLE_FIELDS + PLACE_FIELDS + FRESHNESS_FIELDS))
UNKNOWN = "unknown"
AGENCY = "agency"  # the source of agency-authored listings and of the facts agencies state
AGENCY_SOURCE_NAME = "Agency submissions"
INGEST_AUTHOR = "ingest:"
SCHEMA = ListingSchema()
E164_MESSAGE = _l("Give the number in E.164 form: + and the country code, such as +14155550142.")
FIELD_LABELS = {
    "name": _l("Name"),
    "alternate_name": _l("Other name"),
    "description": _l("Description"),
    "category": _l("Category"),
    "subcategories": _l("Kinds of service"),
    "narr_level": _l("NARR level"),
    "temporarily_closed": _l("Temporarily closed"),
    "location_name": _l("Name of the place"),
    "address": _l("Address"),
    "location": _l("Map point"),
    "geocode_precision": _l("How the map point was found"),
    "approximate_location": _l("Map point is approximate"),
    "timezone": _l("Time zone"),
    "confidential_location": _l("Confidential location"),
    "service_area": _l("Area served"),
    "online": _l("Online"),
    "schedule": _l("Hours"),
    "phones": _l("Phone numbers"),
    "url": _l("Website"),
    "email": _l("Email"),
    "next_steps": _l("How to get started"),
    "transportation": _l("Getting there"),
    "cost": _l("Cost"),
    "eligibility": _l("Who can come"),
    "languages": _l("Languages"),
    "capacity": _l("Beds or seats available"),
    "last_verified_at": _l("Last verified"),
    "verified_by": _l("Verified by"),
}


class SubmissionError(Exception):
    """A submission that cannot be made or decided; `fields` names each problem by the canonical
    dotted path of the field it concerns."""

    def __init__(self, fields: dict[str, list[str]]):
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in sorted(fields.items())))
        self.fields = fields


class ChangedSince(SubmissionError):
    """A change made against a version of a listing that has moved on since, in the fields it
    changes (or, `fields["version"]`, a decision on a page opened before the listing moved on):
    nothing was done; `fields` says what each changed field holds now, `now` has the values."""

    def __init__(self, fields: dict[str, list[str]], now: dict | None = None):
        super().__init__(fields)
        self.now = now or {}


class NotAllowed(PermissionError):
    """An account asking for what it may not do (another organization's listing, a decision)."""


class UnknownListing(LookupError):
    """A listing id the store does not hold."""


class CapacityChangeSchema(Schema):
    """Beds or seats available now; the server stamps the time (`as_of`)."""

    available = fields.Integer(strict=True, required=True, validate=validate.Range(0, MAX_CAPACITY))
    total = fields.Integer(strict=True, allow_none=True, validate=validate.Range(0, MAX_CAPACITY))
    unit = fields.String(validate=validate.OneOf(vocab.CAPACITY_UNITS))

    @validates_schema
    def _available_within_total(self, data, **kwargs):
        total = data.get("total")
        if total is not None and data["available"] > total:
            raise ValidationError("available is above total", "available")


ATTRIBUTE_CHANGES = fields.Dict(
    keys=fields.String(validate=validate.OneOf(vocab.ATTRIBUTES)),
    values=fields.String(validate=validate.OneOf((*vocab.FACT_VALUES, UNKNOWN))),
)


def _utc(moment: datetime) -> datetime:
    # SQLite hands back the UTC instants it stored without their zone.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _instant(value: str | None) -> datetime | None:
    return _utc(datetime.fromisoformat(value)) if value else None


def _errors(messages, prefix: str = "") -> dict[str, list[str]]:
    """Return marshmallow's messages by dotted path (under `prefix`), as the API names them."""
    return {f"{prefix}{path}": texts for path, texts in field_paths(messages).items()}


def _blank(now: datetime) -> dict:
    """Return the document a new agency listing starts from (name and category still to come)."""
    return {
        "id": "",
        "source": AGENCY,
        "source_id": "",
        "source_keys": {},
        "sources": [],
        "kind": "service",
        "organization": None,
        "alternate_name": None,
        "description": None,
        "status": "published",
        "temporarily_closed": False,
        "subcategories": [],
        "taxonomy": [],
        "narr_level": None,
        "location_name": None,
        "address": None,
        "location": None,
        "geocode_precision": None,
        "approximate_location": False,
        "confidential_location": False,
        "timezone": None,
        "service_area": None,
        "online": None,
        "schedule": {"intervals": [], "text": None, "by_appointment": False},
        "phones": [],
        "url": None,
        "email": None,
        "next_steps": None,
        "transportation": None,
        "cost": {"kind": "unknown", "amount": None, "currency": None, "period": None, "text": None},
        "eligibility": {
            "genders": [],
            "min_age": None,
            "max_age": None,
            "text": None,
            "required_documents": [],
        },
        "languages": [],
        "attributes": {},
        "capacity": None,
        "last_verified_at": _iso(now),
        "verified_by": AGENCY,
        "updated_at": _iso(now),
        "provenance": {},
    }


def _value_at(doc: dict | None, path: str):
    """Return a content path's value: a field, or "attributes.<code>" -> "yes" | "no" | None."""
    doc = doc or {}
    if path.startswith("attributes."):
        return (doc.get("attributes") or {}).get(path.removeprefix("attributes."), {}).get("value")
    return doc.get(path)


def _content(doc: dict | None) -> dict:
    """Return a document's content paths and values (attributes code by code)."""
    doc = doc or {}
    out = {f: doc.get(f) for f in CONTENT_FIELDS if f != "attributes"}
    facts = doc.get("attributes") or {}
    return out | {f"attributes.{code}": fact["value"] for code, fact in facts.items()}


def _as_changes(values: dict) -> dict:
    """Return content paths and values as canonical changes ("attributes" a map of codes)."""
    changes: dict = {}
    for path, value in values.items():
        if path.startswith("attributes."):
            facts = changes.setdefault("attributes", {})
            facts[path.removeprefix("attributes.")] = UNKNOWN if value is None else value
        else:
            changes[path] = value
    return changes


def _apply(doc: dict, changes: dict) -> dict:
    """Return the document with canonical changes applied; facts an agency states are theirs."""
    out = dict(doc)
    for field, value in changes.items():
        if field != "attributes":
            out[field] = value
            continue
        facts = dict(out.get("attributes") or {})
        for code, fact in value.items():
            if fact == UNKNOWN:
                facts.pop(code, None)
            elif (facts.get(code) or {}).get("value") != fact:
                facts[code] = {"value": fact, "source": AGENCY, "note": None}
        out["attributes"] = dict(sorted(facts.items()))
    return out


def _moved(before: dict | None, after: dict | None) -> bool:
    def key(address):
        return [" ".join(str((address or {}).get(p) or "").lower().split()) for p in ADDRESS_MOVES]

    return key(before) != key(after)


def _place(current: dict, changes: dict) -> dict:
    """Return the place fields that follow from changes to the address, point or confidentiality.

    A point given is the agency's own; an address that moves is placed at its ZIP code or city
    centre (the offline gazetteer: approximate); a confidential place never keeps its street.
    """
    doc = _apply(current, changes)
    if not set(PLACE_INPUTS) & changes.keys():
        return {}
    out = {}
    address = doc.get("address")
    confidential = bool(doc.get("confidential_location"))
    if confidential and address and address.get("street"):
        address = out["address"] = {**address, "street": None}
    if "location" in changes and doc.get("location") and not confidential:
        out |= {"geocode_precision": "source", "approximate_location": False}
    elif confidential or _moved(current.get("address"), address) or "location" in changes:
        place = geo.gazetteer_place(address) if address else None
        out |= {
            "location": place and {"lat": round(place.lat, 6), "lon": round(place.lon, 6)},
            "geocode_precision": place and place.precision,
            "approximate_location": place is not None,
        }
    located = {**doc, **out}
    out["timezone"] = geo.timezone_for(located.get("location"), located.get("address")) or doc.get(
        "timezone"
    )
    return {k: v for k, v in out.items() if v != current.get(k)}


def _checked_fields(changes: dict) -> dict[str, list[str]]:
    """Return the problems of a change's field names and of its attributes and capacity."""
    bad: dict[str, list[str]] = {}
    for name, value in changes.items():
        if name not in EDITABLE_FIELDS:
            known = name in SCHEMA.fields
            bad[name] = [_("Not a field an agency can change.") if known else _("Unknown field.")]
        elif name == "attributes" and not isinstance(value, dict):
            bad[name] = [_("Send facts as an object of code: yes, no or unknown.")]
        elif name == "attributes":
            try:
                ATTRIBUTE_CHANGES.deserialize(value)
            except ValidationError as exc:
                bad |= _errors(_attribute_messages(exc.messages), "attributes.")
        elif name == "capacity" and value is not None:
            bad |= _capacity_errors(value, "capacity.")
    return bad


def _attribute_messages(messages) -> dict | list:
    # marshmallow keys a Dict's errors by the entry's key, then "key" or "value".
    if not isinstance(messages, dict):
        return messages
    return {
        str(code): [m for part in texts.values() for m in part]
        if isinstance(texts, dict)
        else texts
        for code, texts in messages.items()
    }


def _capacity_errors(value, prefix: str = "") -> dict[str, list[str]]:
    if not isinstance(value, dict):
        return {prefix.rstrip(".") or "_schema": [_("Send beds or seats as an object.")]}
    return _errors(CapacityChangeSchema().validate(value), prefix)


def _capacity(current: dict | None, given: dict, now: datetime) -> dict:
    """Return the capacity to publish: the counts given, the unit and total kept from before
    when left out, stamped with the time now."""
    before = (current or {}).get("capacity") or {}
    return {
        "available": given["available"],
        "total": given["total"] if "total" in given else before.get("total"),
        "unit": given.get("unit") or before.get("unit") or "beds",
        "as_of": _iso(now),
    }


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise SubmissionError({"kind": [_("Choose one of: %(kinds)s.", kinds=", ".join(KINDS))]})


def _canonical(
    kind: str, changes, now: datetime, current: dict | None, verifier: str = AGENCY
) -> tuple[dict, dict[str, list[str]]]:
    """Return the canonical changes a submission of `kind` makes from the fields that can be
    read, and the problems of those that cannot (by dotted path).

    edit and new take canonical fields; capacity takes {available, total?, unit?}; verify takes
    nothing. The place fields that follow from the address are included.
    """
    _check_kind(kind)
    if not isinstance(changes, dict):
        return {}, {"_schema": [_("Send the changes as an object of fields.")]}
    if kind == "verify":
        bad = {name: [_("“Still accurate” changes nothing.")] for name in changes}
        return {"last_verified_at": _iso(now), "verified_by": verifier}, bad
    if kind == "capacity":
        bad = _capacity_errors(changes)
        return ({} if bad else {"capacity": _capacity(current, changes, now)}), bad
    bad = _checked_fields(changes)
    if kind == "edit" and not changes:
        bad["_schema"] = [_("Give at least one field to change.")]
    out = {
        name: value
        for name, value in changes.items()
        if not any(path == name or path.startswith(f"{name}.") for path in bad)
    }
    if out.get("capacity") is not None:
        out["capacity"] = _capacity(current, out["capacity"], now)
    base = current or _blank(now)
    # Only a place the schema can read is placed; the schema names what is wrong with another.
    if not set(PLACE_INPUTS) & SCHEMA.validate(_apply(base, out)).keys():
        out |= _place(base, out)
    return out, bad


def _schema_problems(doc: dict) -> dict[str, list[str]]:
    """Return what the canonical schema rejects in a document, by dotted path."""
    bad = _errors(SCHEMA.validate(doc))
    for path in bad:
        parts = path.split(".")
        if parts[0] == "phones" and parts[-1] == "number":
            bad[path] = [str(E164_MESSAGE)]
    return bad


def _normalized(doc: dict, changed) -> dict:
    """Return a valid document with the changed fields in their canonical form (defaults
    filled, numbers as numbers)."""
    canonical = SCHEMA.dump(SCHEMA.load(doc))
    return doc | {f: canonical.get(f) for f in changed if f in canonical}


def _validated(doc: dict, changed) -> dict:
    """Return `_normalized(doc, changed)`, or raise SubmissionError naming each bad field."""
    bad = _schema_problems(doc)
    if bad:
        raise SubmissionError(bad)
    return _normalized(doc, changed)


def _propose(
    current: dict | None, kind: str, changes, now: datetime, verifier: str = AGENCY
) -> tuple[dict, dict]:
    """Return a submission's canonical changes and the whole document they make, or raise
    SubmissionError naming every bad field at once."""
    canonical, bad = _canonical(kind, changes, now, current, verifier)
    doc = _apply(current or _blank(now), canonical)
    bad = _schema_problems(doc) | bad
    if bad:
        raise SubmissionError(bad)
    return canonical, _normalized(doc, canonical)


def _stored(doc: dict, canonical: dict) -> dict:
    """Return canonical changes with the values in their canonical form, from the document."""
    return {f: canonical[f] if f == "attributes" else doc[f] for f in canonical}


def _drop_unchanged(current: dict, changes: dict) -> dict:
    """Return the changes without the fields (and facts) that say what is published already."""
    out = {}
    for field, value in changes.items():
        if field == "attributes":
            facts = {
                code: fact
                for code, fact in value.items()
                if _value_at(current, f"attributes.{code}") != (None if fact == UNKNOWN else fact)
            }
            if facts:
                out[field] = facts
        elif current.get(field) != value:
            out[field] = value
    return out


def proposed_document(current: dict | None, kind: str, changes: dict, now: datetime) -> dict:
    """Return the whole document a submission would publish, validated by the canonical schema.

    `current` is the published document (None for a new listing). Raise SubmissionError naming
    each bad field by its dotted path: unknown fields, fields an agency may not change, values
    the schema refuses. Phones must be in E.164 ("+14155550142").
    """
    return _propose(current, kind, changes, now)[1]


def _auto_publish(account: Account, kind: str) -> bool:
    kinds = {k.strip() for k in str(current_app.config["AUTO_PUBLISH"]).split(",")}
    trusted = account.role == "admin" or (account.role == "staff" and account.verified)
    return kind in kinds and trusted


def _listing(session: Session, listing_id: str | None) -> Listing:
    listing = session.get(Listing, listing_id) if listing_id else None
    if listing is None:
        raise UnknownListing(listing_id)
    return listing


def _require_admin(account: Account) -> None:
    if account is None or account.role != "admin" or not account.active:
        raise NotAllowed("only an administrator decides")


def submit(
    session: Session,
    account: Account,
    kind: str,
    listing_id: str | None,
    changes: dict,
    now: datetime,
    base_version: int | None = None,
) -> Submission:
    """Propose a change to a listing (edit, capacity, verify) or a new listing (new).

    `base_version` is the version of the listing the changes were made against (a form opened
    then, an API client's If-Match): when the listing has moved on since in a field the changes
    touch, ChangedSince; changes to other fields land on the listing as it is now.
    Raise UnknownListing for a listing not stored, NotAllowed for one the account may not edit,
    SubmissionError naming each bad field. A verified agency account's (or an admin's)
    capacity and "still accurate" submissions publish at once when RESDIR_AUTO_PUBLISH lists
    the kind; everything else waits for review. Audited as "submitted".
    """
    if kind == "new":
        organization_id = account.organization_id if account.role != "admin" else None
        if not may_edit(account, organization_id):
            raise NotAllowed("this account cannot propose listings")
        current, version = None, None
    else:
        _check_kind(kind)
        listing = _listing(session, listing_id)
        if not may_edit(account, listing.organization_id):
            raise NotAllowed("another organization's listing")
        organization_id, version = listing.organization_id, listing.version
        current = listings.load_document(session, listing.id)
    verifier = "admin" if account.role == "admin" else AGENCY
    canonical, doc = _propose(current, kind, changes, now, verifier)
    if current is not None and base_version is not None:
        _check_unchanged(session, listing, current, base_version, _paths(canonical))
    if current is not None:
        canonical = _drop_unchanged(current, _stored(doc, canonical))
        if not canonical:
            raise SubmissionError({"_schema": [_("These are the published values already.")]})
    submission_id = uuid.uuid4().hex
    if current is None:
        listing_id = listings.listing_id(AGENCY, submission_id)
        organization = session.get(Organization, organization_id) if organization_id else None
        doc |= {
            "id": listing_id,
            "source_id": submission_id,
            "sources": [{"source": AGENCY, "source_id": submission_id}],
            "verified_by": verifier,
            "organization": organization
            and {
                "id": organization.id,
                "name": organization.name,
                "url": organization.url,
                "description": organization.description,
            },
        }
        canonical = doc
    submission = Submission(
        id=submission_id,
        kind=kind,
        status=PENDING,
        listing_id=listing_id,
        organization_id=organization_id,
        account_id=account.id,
        author=account.email,
        changes=canonical,
        base=_as_changes({p: _value_at(current, p) for p in _paths(canonical)}) if current else {},
        base_version=version,
        created_at=now,
    )
    session.add(submission)
    session.flush()
    audit(
        session,
        account.email,
        "submitted",
        f"submission:{submission_id}",
        {"kind": kind, "listing_id": listing_id, "fields": sorted(_paths(canonical))},
        now=now,
    )
    if _auto_publish(account, kind):
        _decide(session, submission, account, now, {"auto": True})
    return submission


def _paths(changes: dict) -> list[str]:
    """Return the content paths canonical changes touch (attributes code by code)."""
    out = []
    for field, value in changes.items():
        if field == "attributes":
            out.extend(f"attributes.{code}" for code in value)
        else:
            out.append(field)
    return out


def _agency_source(session: Session) -> None:
    if session.get(Source, AGENCY) is None:
        session.add(Source(id=AGENCY, name=AGENCY_SOURCE_NAME, format=AGENCY, snapshot="partial"))
        session.flush()


def _record_edits(
    session: Session, listing_id: str, before: dict | None, after: dict, author: str, now
) -> None:
    """Remember each content field a publication changed, with the value it replaced; a field
    back at the value it replaced needs remembering no more. What a confidential place
    replaced is remembered as such a place may be kept: without its street."""
    if before and after.get("confidential_location"):
        before = listings.conceal({**before, "confidential_location": True})
    old, new = _content(before), _content(after)
    for path in sorted(set(old) | set(new)):
        value = new.get(path)
        if value == old.get(path):
            continue
        row = session.get(ListingEdit, (listing_id, path))
        if row is None:
            row = ListingEdit(listing_id=listing_id, field=path, replaced=old.get(path))
            session.add(row)
        elif value == row.replaced:
            session.delete(row)
            continue
        row.value, row.edited_at, row.author = value, now, author


def _forget_edits(session: Session, listing_id: str, paths: list[str]) -> None:
    for path in paths:
        row = session.get(ListingEdit, (listing_id, path))
        if row is not None:
            session.delete(row)


def _publish(session: Session, submission: Submission, now: datetime) -> None:
    """Publish a submission's own fields onto the listing as it is now."""
    if submission.kind == "new":
        _agency_source(session)
        before, doc = None, dict(submission.changes)
    else:
        before = listings.load_document(session, _listing(session, submission.listing_id).id)
        doc = _validated(_apply(before, submission.changes), submission.changes)
    listings.save(session, [doc], submission.author, now)
    if submission.kind == "new":
        session.add(
            ListingSource(
                source_id=AGENCY,
                record_key=submission.id,
                listing_id=doc["id"],
                document=doc,
                content_hash=listings.content_hash(doc),
                present=True,
            )
        )
    if submission.kind == CONFLICT:
        _forget_edits(session, submission.listing_id, _paths(submission.changes))
    else:
        _record_edits(session, doc["id"], before, doc, submission.author, now)


def _claim(
    session: Session, submission: Submission, status: str, by: str, now, note: str | None = None
) -> None:
    """Decide a pending submission in one statement, so that of two admins deciding it at
    once, one decides and the other is told it is decided already."""
    session.flush()
    claimed = session.execute(
        update(Submission)
        .where(Submission.id == submission.id, Submission.status == PENDING)
        .values(status=status, decided_at=now, decided_by=by, note=note or submission.note)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise SubmissionError({"status": [_("This submission has been decided already.")]})
    session.refresh(submission)


def _decide(
    session: Session, submission: Submission, admin: Account, now: datetime, detail: dict
) -> None:
    _claim(session, submission, PUBLISHED, admin.email, now)
    _publish(session, submission, now)
    audit(
        session,
        admin.email,
        "published",
        f"submission:{submission.id}",
        {"kind": submission.kind, "listing_id": submission.listing_id, **detail},
        now=now,
    )


def _pending(submission: Submission) -> None:
    if submission.status != PENDING:
        raise SubmissionError({"status": [_("This submission has been decided already.")]})


def approve(
    session: Session,
    submission: Submission,
    admin: Account,
    now: datetime,
    changes: dict | None = None,
    seen_version: int | None = None,
) -> None:
    """Publish a pending submission's fields onto the listing as it is now (history, outbox,
    edits remembered), field by field: what others changed in other fields since it was sent
    stays; with `changes`, the admin's corrections of those fields first. A conflict
    publishes the feed's values and forgets the agency's edits of them.

    `seen_version` is the listing's version on the page the admin decided on: if it has moved
    on since, ChangedSince, and nothing is published.
    """
    _require_admin(admin)
    _pending(submission)
    _check_seen(session, submission.listing_id, seen_version)
    detail = {}
    if changes:
        new = submission.kind == "new"
        base = submission.changes if new else _proposal(session, submission)
        corrected, doc = _propose(base, "edit", changes, now, "admin")
        if new:
            submission.changes = doc
        else:
            ours = _stored(doc, corrected)
            facts = {**submission.changes.get("attributes", {}), **ours.get("attributes", {})}
            submission.changes = {**submission.changes, **ours} | (
                {"attributes": facts} if facts else {}
            )
        detail["edited"] = sorted(_paths(corrected))
    _decide(session, submission, admin, now, detail)


def _proposal(session: Session, submission: Submission) -> dict:
    """Return the listing as it is now with the submission's fields on it."""
    return _apply(listings.load_document(session, submission.listing_id), submission.changes)


def reject(session: Session, submission: Submission, admin: Account, note: str, now) -> None:
    """Turn a pending submission down with a note the agency sees; nothing is published."""
    _require_admin(admin)
    _pending(submission)
    note = (note or "").strip()
    if not note:
        raise SubmissionError({"note": [_("Say why, for the agency.")]})
    _claim(session, submission, REJECTED, admin.email, now, note)
    audit(
        session,
        admin.email,
        "rejected",
        f"submission:{submission.id}",
        {"kind": submission.kind, "listing_id": submission.listing_id},
        now=now,
    )


def _day_names() -> dict:
    return get_day_names("wide", locale=get_locale())


def readable(value) -> str:
    """Return a field's value as a person reads it ("" when empty)."""
    if value is None or value == "" or value == [] or value == {}:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return "; ".join(filter(None, map(readable, value)))
    if not isinstance(value, dict):
        return str(value)
    if {"day", "opens"} <= value.keys():
        return f"{_day_names()[value['day']]} {value['opens']}–{value.get('closes') or ''}"
    if {"lat", "lon"} <= value.keys():
        return f"{value['lat']}, {value['lon']}"
    if "number" in value:
        extension = value.get("extension")
        parts = [value["number"], extension and _("ext. %(ext)s", ext=extension)]
        parts += [value.get("type"), value.get("description")]
        return " ".join(str(p) for p in parts if p)
    if "street" in value or "postal_code" in value:
        return ", ".join(str(v) for v in value.values() if v)
    return "; ".join(
        f"{k.replace('_', ' ')}: {readable(v)}" for k, v in value.items() if readable(v)
    )


def _fact_text(value: str | None) -> str:
    return {"yes": _("yes"), "no": _("no")}.get(value, _("unknown"))


def diff(session: Session, submission: Submission) -> list[dict]:
    """Return the submission field by field against what is published now:
    `{field, label, published, proposed, changed}` with values as a person reads them."""
    current = (
        None if submission.kind == "new" else listings.load_document(session, submission.listing_id)
    )
    changes = submission.changes
    if submission.kind == "new":
        changes = {f: changes.get(f) for f in CONTENT_FIELDS if f != "attributes"}
        changes = {f: v for f, v in changes.items() if readable(v)}
        changes["attributes"] = {c: f["value"] for c, f in submission.changes["attributes"].items()}
    rows = []
    for field, value in changes.items():
        if field == "attributes":
            for code, fact in value.items():
                published = _value_at(current, f"attributes.{code}")
                proposed = None if fact == UNKNOWN else fact
                rows.append(
                    {
                        "field": f"attributes.{code}",
                        "label": label(vocab.ATTRIBUTES[code].label),
                        "published": _fact_text(published) if current else "",
                        "proposed": _fact_text(proposed),
                        "changed": published != proposed,
                    }
                )
            continue
        published = (current or {}).get(field)
        rows.append(
            {
                "field": field,
                "label": str(FIELD_LABELS.get(field, field)),
                "published": readable(published),
                "proposed": readable(value),
                "changed": published != value,
            }
        )
    return rows


def as_dict(submission: Submission) -> dict:
    """Return what its author may see of a submission: `{id, kind, status, listing_id,
    created_at, decided_at, note}` (instants in ISO 8601)."""
    decided = submission.decided_at
    return {
        "id": submission.id,
        "kind": submission.kind,
        "status": submission.status,
        "listing_id": submission.listing_id,
        "created_at": _iso(_utc(submission.created_at)),
        "decided_at": decided and _iso(_utc(decided)),
        "note": submission.note,
    }


def history(session: Session, listing_id: str) -> list[ListingVersion]:
    """Return every published version of a listing, newest first."""
    return list(
        session.scalars(
            select(ListingVersion)
            .where(ListingVersion.listing_id == listing_id)
            .order_by(ListingVersion.version.desc())
        )
    )


def restore(
    session: Session,
    listing_id: str,
    version: int,
    admin: Account,
    now,
    seen_version: int | None = None,
) -> None:
    """Publish an earlier version's document again, as a new version by the admin (audited);
    what it changes is remembered as the admin's edits, so the next ingest keeps it. Nothing
    happens when that version is what is published now. `seen_version`: the version the
    admin's page showed as current; ChangedSince when a newer one was published since."""
    _require_admin(admin)
    listing = _listing(session, listing_id)
    _check_seen(session, listing_id, seen_version)
    chosen = session.scalar(
        select(ListingVersion).where(
            ListingVersion.listing_id == listing.id, ListingVersion.version == version
        )
    )
    if chosen is None:
        raise SubmissionError({"version": [_("This listing has no such version.")]})
    # A version published before today's checks may hold what they refuse (an impossible count,
    # a point at 0,0): it is checked again, so that no way in skips them.
    bad = _schema_problems(chosen.document)
    if bad:
        fields = ", ".join(sorted(bad))
        message = _("This version cannot be published again as it is: %(fields)s.", fields=fields)
        raise SubmissionError({"version": [message]})
    before = listings.load_document(session, listing.id)
    if listings.save(session, [chosen.document], admin.email, now) == ["unchanged"]:
        return
    _record_edits(session, listing.id, before, chosen.document, admin.email, now)
    audit(
        session,
        admin.email,
        "restored",
        f"listing:{listing.id}",
        {"version": version, "new_version": listing.version},
        now=now,
    )


def version_document(session: Session, listing_id: str, version: int) -> dict | None:
    """Return a listing's document as version `version` published it (None: no such version)."""
    return session.scalar(
        select(ListingVersion.document).where(
            ListingVersion.listing_id == listing_id, ListingVersion.version == version
        )
    )


def _now_text(value) -> str:
    shown = readable(value)
    return (
        _("Changed since you opened it: now %(value)s.", value=shown)
        if shown
        else _("Changed since you opened it: now empty.")
    )


def _check_unchanged(
    session: Session, listing: Listing, current: dict, base_version: int, paths: list[str]
) -> None:
    """Raise ChangedSince naming the content paths (of `paths`) that changed between version
    `base_version` of the listing and now."""
    if listing.version == base_version:
        return
    then = version_document(session, listing.id, base_version)
    moved = [
        path for path in paths if then is None or _value_at(then, path) != _value_at(current, path)
    ]
    if moved:
        values = {path: _value_at(current, path) for path in moved}
        raise ChangedSince({path: [_now_text(value)] for path, value in values.items()}, values)


def _check_seen(session: Session, listing_id: str, seen_version: int | None) -> None:
    """Raise ChangedSince when the listing is no longer at the version a page showed."""
    listing = session.get(Listing, listing_id)
    if seen_version is None or listing is None or listing.version == seen_version:
        return
    raise ChangedSince(
        {
            "version": [
                _(
                    "The listing has changed since you opened this page (version %(seen)s, "
                    "now %(now)s): look at it again.",
                    seen=seen_version,
                    now=listing.version,
                )
            ]
        }
    )


def moved_fields(session: Session, submission: Submission) -> list[dict]:
    """Return the fields of a pending submission that changed on the listing after it was
    sent: `{field, then, now}`, the value each had when it was sent and has now."""
    if submission.kind == "new" or submission.base_version is None:
        return []
    listing = session.get(Listing, submission.listing_id)
    if listing is None or listing.version == submission.base_version:
        return []
    current = listings.load_document(session, listing.id)
    base = _content_values(submission.base)
    return [
        {"field": path, "then": base.get(path), "now": _value_at(current, path)}
        for path in _paths(submission.changes)
        if base.get(path) != _value_at(current, path)
    ]


def _content_values(changes: dict) -> dict:
    """Return canonical changes as content paths and values ("unknown" facts as None)."""
    out = {}
    for field, value in changes.items():
        if field == "attributes":
            for code, fact in value.items():
                out[f"attributes.{code}"] = None if fact == UNKNOWN else fact
        else:
            out[field] = value
    return out


def checked_at(doc: dict) -> str | None:
    """Return when a listing was last checked: its verification, else its feed's own update
    date (as the public pages and matching read it), else None."""
    return doc.get("last_verified_at") or doc.get("updated_at")


def is_stale(doc: dict, days: int, now: datetime) -> bool:
    """Return whether a listing was last checked more than `days` ago, or never."""
    instant = _instant(checked_at(doc))
    return instant is None or now - instant > timedelta(days=days)


def stale_listings(session: Session, days: int, now: datetime) -> dict[str | None, list[dict]]:
    """Return the published listings not checked for more than `days` (or never), by
    organization name (None: no organization; named ones first, alphabetically), each group
    oldest first: `{id, name, organization_id, checked_at, last_verified_at, days}`."""
    rows = session.execute(
        select(
            Listing.id,
            Listing.name,
            Listing.organization_id,
            Organization.name,
            Listing.document["last_verified_at"].as_string(),
            Listing.document["updated_at"].as_string(),
        )
        .outerjoin(Organization, Organization.id == Listing.organization_id)
        .where(Listing.status == "published")
    ).all()
    groups: dict[str | None, list[dict]] = {}
    for listing_id, name, org_id, org_name, verified, updated in rows:
        doc = {"last_verified_at": verified, "updated_at": updated}
        if not is_stale(doc, days, now):
            continue
        instant = _instant(checked_at(doc))
        groups.setdefault(org_name, []).append(
            {
                "id": listing_id,
                "name": name,
                "organization_id": org_id,
                "checked_at": checked_at(doc),
                "last_verified_at": verified,
                "days": None if instant is None else (now - instant).days,
            }
        )
    for items in groups.values():
        items.sort(key=lambda i: (i["days"] is not None, -(i["days"] or 0), i["name"]))
    return dict(sorted(groups.items(), key=lambda g: (g[0] is None, (g[0] or "").lower())))


def edited_listings(session: Session, listing_ids: list[str]) -> set[str]:
    """Return which of these listings carry agency edits (those `apply_edits` must see)."""
    found = set()
    for chunk in listings.chunked(sorted(set(listing_ids))):
        query = select(ListingEdit.listing_id).where(ListingEdit.listing_id.in_(chunk))
        found.update(session.scalars(query))
    return found


def _feed_instant(doc: dict) -> datetime | None:
    instants = [_instant(doc.get(k)) for k in ("updated_at", "last_verified_at")]
    return max((i for i in instants if i), default=None)


def _set_at(doc: dict, path: str, value) -> None:
    if not path.startswith("attributes."):
        doc[path] = value
        return
    code = path.removeprefix("attributes.")
    facts = doc["attributes"]
    if value is None:
        facts.pop(code, None)
    else:
        facts[code] = {"value": value, "source": AGENCY, "note": None}


def apply_edits(session: Session, doc: dict, now: datetime) -> dict:
    """Return a feed's merged document with the agency's published edits kept over it.

    For each edited field: a feed value equal to the edit, or to the value the edit replaced,
    keeps the edit (the feed has not changed); a new feed value wins when the feed's data is
    newer than the edit (its `updated_at` or `last_verified_at`), and the edit is forgotten;
    otherwise the edit stays published and the feed's values go to review as ONE pending
    "conflict" submission, never made twice for the same values. A verification the feed has
    not overtaken is kept.
    """
    edits = session.scalars(select(ListingEdit).where(ListingEdit.listing_id == doc["id"])).all()
    if not edits:
        return doc
    out = {**doc, "attributes": dict(doc.get("attributes") or {})}
    feed_at = _feed_instant(doc)
    by_path = {e.field: e for e in edits}
    verified = by_path.get("last_verified_at")
    if verified is not None:
        feed_verified, ours = _instant(doc.get("last_verified_at")), _instant(verified.value)
        if feed_verified is not None and (ours is None or feed_verified > ours):
            _forget_edits(session, doc["id"], list(FRESHNESS_FIELDS))
        else:
            for path in FRESHNESS_FIELDS:
                if path in by_path:
                    out[path] = by_path[path].value
    conflicts = {}
    for edit in edits:
        if edit.field in FRESHNESS_FIELDS:
            continue
        feed = _value_at(doc, edit.field)
        if feed == edit.value:
            continue
        if feed != edit.replaced and feed_at is not None and feed_at > _utc(edit.edited_at):
            session.delete(edit)
            continue
        _set_at(out, edit.field, edit.value)
        if feed != edit.replaced:
            conflicts[edit.field] = feed
    if conflicts:
        _conflict(session, out, conflicts, now)
    return out


def _conflict(session: Session, doc: dict, feed_values: dict, now: datetime) -> None:
    """Put a feed's new values for agency-edited fields up for review, once per set of values,
    closing any conflict of the listing still pending about older values."""
    changes = _as_changes(feed_values)
    earlier = session.scalars(
        select(Submission).where(Submission.listing_id == doc["id"], Submission.kind == CONFLICT)
    )
    earlier = list(earlier)
    if any(s.changes == changes for s in earlier):
        return
    first = min(feed_values)
    author = INGEST_AUTHOR + ((doc.get("provenance") or {}).get(first) or doc["source"])
    # The feed has moved on: a conflict still waiting about its older values is closed, so the
    # queue only ever asks about what the feed says now.
    for stale in (s for s in earlier if s.status == PENDING):
        stale.status, stale.decided_at, stale.decided_by = REJECTED, now, author
        stale.note = "Superseded: the feed has changed these fields again."
    stored = session.get(Listing, doc["id"])
    submission = Submission(
        id=uuid.uuid4().hex,
        kind=CONFLICT,
        status=PENDING,
        listing_id=doc["id"],
        organization_id=(doc.get("organization") or {}).get("id"),
        account_id=None,
        author=author,
        changes=changes,
        base=_as_changes({p: _value_at(doc, p) for p in feed_values}),
        base_version=stored.version if stored else None,
        created_at=now,
    )
    session.add(submission)
    audit(
        session,
        author,
        "conflict",
        f"listing:{doc['id']}",
        {"submission": submission.id, "fields": sorted(feed_values)},
        now=now,
    )
