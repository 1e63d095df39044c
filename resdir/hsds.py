"""Turn published listing documents into Open Referral HSDS 3.0 objects, with stable uuids.

One listing is one HSDS service; a listing with a place (or an online-only meeting room) is
also one location and one service_at_location. Every id is a uuid5 of resdir's own id in one
project namespace, so the same listing has the same HSDS ids on every run and every instance.
Categories travel as attributes linking taxonomy terms: resdir's needs and facts (and its
barriers and values, published beside them) in the "resdir" taxonomy, Meeting Guide types in
"Meeting Guide", and each source taxonomy a listing keeps (AIRS/211, Open Eligibility, ...) as
its own. A confidential place has no address and no point, as everywhere. The API (/hsds) and
the exports build on these functions; ingest/readers/hsds_json reads them back.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from resdir import meeting_guide, vocab
from resdir.listings import conceal

HSDS_VERSION = "3.0"
PROFILE_URL = "https://docs.openreferral.org/en/v3.0/hsds/schema_reference.html"
# The project's namespace: fixed forever, or every consumer's copy of the ids breaks.
NAMESPACE = uuid.UUID("5b0c6e3e-7a0b-4f4e-9d43-2f3a6c1d8e71")
RESDIR_TAXONOMY = "resdir"
MEETING_GUIDE_TAXONOMY = "meeting_guide"
MEETING_GUIDE_TYPES_URI = "https://github.com/code4recovery/spec"
# The taxonomies a source's scheme is published as (the HSDS reader knows them by these names).
SCHEME_TAXONOMIES = {
    RESDIR_TAXONOMY: ("resdir", "resdir's needs, facts, barriers and values."),
    MEETING_GUIDE_TAXONOMY: ("Meeting Guide", "Meeting Guide meeting types (code4recovery)."),
    "airs": ("AIRS/211 Taxonomy", "211 LA County's AIRS/211 taxonomy codes, as sources gave them."),
    "open_eligibility": ("Open Eligibility", "Open Eligibility terms, as sources gave them."),
    "keyword": ("keyword", "Keywords sources gave their services."),
}
WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")  # resdir's day 0 is Monday
# HSDS has no field for these flags; a "resdir" term of the same code says them (the reader's
# DRAFT_FLAGS), so that a copy keeps a place confidential and a point approximate.
FLAGS = ("confidential_location", "temporarily_closed", "approximate_location")
WHEELCHAIR = "wheelchair_accessible"
ACTIVE, TEMPORARILY_CLOSED = "active", "temporarily closed"
NEED = "need"
FELLOWSHIP = "fellowship"  # a meeting's fellowship is a "resdir" term "fellowship:<code>"
CONFERENCE_PHONE = "Conference phone: dial in to the online room."


def hsds_id(kind: str, *keys: str) -> str:
    """Return the stable uuid of an HSDS object of `kind` named by resdir's `keys`."""
    return str(uuid.uuid5(NAMESPACE, "/".join((kind, *keys))))


def taxonomy_id(scheme: str) -> str:
    """Return the uuid of the taxonomy a scheme is published as."""
    return hsds_id("taxonomy", scheme)


def term_id(scheme: str, code: str) -> str:
    """Return the uuid of a taxonomy term: its scheme and its code (or name, lacking one)."""
    return hsds_id("taxonomy_term", scheme, code)


@dataclass(frozen=True)
class Term:
    """A taxonomy term as resdir publishes it."""

    scheme: str
    code: str
    name: str
    description: str = ""
    parent: str | None = None  # the parent term's uuid
    # Set for resdir's needs: the need "childcare" and the fact "childcare" are two terms.
    group: str = ""

    @property
    def id(self) -> str:
        """Return the term's uuid."""
        return term_id(self.scheme, f"{self.group}:{self.code}" if self.group else self.code)


def need_term_id(code: str) -> str:
    """Return the uuid of the term of one of resdir's needs ("childcare", "housing.shelter")."""
    return term_id(RESDIR_TAXONOMY, f"{NEED}:{code}")


def fellowship_code(code: str) -> str:
    """Return the "resdir" term code of a fellowship ("fellowship:aa")."""
    return f"{FELLOWSHIP}:{code}"


def taxonomy(scheme: str) -> dict:
    """Return the HSDS taxonomy object of a scheme."""
    name, description = SCHEME_TAXONOMIES.get(scheme, (scheme, f"The {scheme} terms of a source."))
    out = {"id": taxonomy_id(scheme), "name": name, "description": description}
    if scheme == MEETING_GUIDE_TAXONOMY:
        out["uri"] = MEETING_GUIDE_TYPES_URI
    return out


@cache
def _resdir_terms_by_id() -> dict[str, Term]:
    return {t.id: t for t in resdir_terms()}


def _resdir_term(code: str) -> Term | None:
    """Return resdir's term of a source's resdir code: a fact or flag, else a need (as the
    HSDS reader reads one), else None."""
    terms = _resdir_terms_by_id()
    return terms.get(term_id(RESDIR_TAXONOMY, code)) or terms.get(need_term_id(code))


def resdir_terms() -> list[Term]:
    """Return resdir's own vocabulary as terms: needs, facts and flags, barriers, values."""
    terms = []
    for category, (label, subs) in vocab.NEEDS.items():
        terms.append(Term(RESDIR_TAXONOMY, category, label, "A need.", group=NEED))
        terms += [
            Term(
                RESDIR_TAXONOMY,
                f"{category}.{sub}",
                name,
                f"A need: {label}.",
                need_term_id(category),
                NEED,
            )
            for sub, name in subs.items()
        ]
    for code, attribute in vocab.ATTRIBUTES.items():
        terms.append(Term(RESDIR_TAXONOMY, code, attribute.label, f"A fact: {attribute.question}"))
    terms += [
        Term(RESDIR_TAXONOMY, "confidential_location", "Confidential location", "A flag."),
        Term(RESDIR_TAXONOMY, "temporarily_closed", "Temporarily closed", "A flag."),
        Term(RESDIR_TAXONOMY, "approximate_location", "Approximate location", "A flag."),
    ]
    terms += [
        Term(RESDIR_TAXONOMY, fellowship_code(code), fellowship.name, "A meeting's fellowship.")
        for code, fellowship in vocab.FELLOWSHIPS.items()
    ]
    for code, barrier in vocab.BARRIERS.items():
        facts = ", ".join(barrier.attributes + barrier.helps) or barrier.rule
        terms.append(
            Term(RESDIR_TAXONOMY, f"barrier:{code}", barrier.label, f"A barrier; met by: {facts}.")
        )
    for code, value in vocab.VALUES.items():
        if value.attribute is None:  # the others are facts of the same code
            terms.append(Term(RESDIR_TAXONOMY, code, value.label, "A value, from the place."))
    return terms


def meeting_guide_terms() -> list[Term]:
    """Return the Meeting Guide spec's meeting types as terms."""
    names = meeting_guide.type_names()
    return [
        Term(MEETING_GUIDE_TAXONOMY, code, n[meeting_guide.SPEC_LANGUAGE], "A meeting type.")
        for code, n in sorted(names.items())
    ]


def source_terms(doc: dict) -> list[Term]:
    """Return the terms a listing carries from its source (AIRS, Open Eligibility, ...) and
    its Meeting Guide types, each once; a term of resdir's own vocabulary is resdir's."""
    found = {}
    for entry in doc.get("taxonomy") or []:
        key = entry.get("code") or entry.get("name")
        if key:
            term = Term(entry["scheme"], key, entry.get("name") or key, "A source's term.")
            if term.scheme == RESDIR_TAXONOMY:
                term = _resdir_term(key) or term
            found.setdefault(term.id, term)
    for kind in doc.get("meeting_types") or []:
        term = Term(MEETING_GUIDE_TAXONOMY, kind["code"], kind["name"], "A meeting type.")
        found.setdefault(term.id, term)
    return list(found.values())


def term_object(term: Term) -> dict:
    """Return the HSDS taxonomy_term object of a term."""
    out = {
        "id": term.id,
        "code": term.code,
        "name": term.name,
        "description": term.description or term.name,
        "taxonomy": SCHEME_TAXONOMIES.get(term.scheme, (term.scheme,))[0],
        "taxonomy_id": taxonomy_id(term.scheme),
        "language": "en",
    }
    if term.parent:
        out["parent_id"] = term.parent
    return out


def _needs(doc: dict) -> list[str]:
    category = doc.get("category")
    if category not in vocab.NEEDS:
        return []
    return [category] + [f"{category}.{sub}" for sub in doc.get("subcategories") or []]


def listing_terms(doc: dict) -> list[tuple[Term, str]]:
    """Return each term a listing is linked to, once, with the link's value ("yes" or "no"
    for a fact or flag, else empty)."""
    own = _resdir_terms_by_id()
    needs = [own[need_term_id(code)] for code in _needs(doc)]
    linked = {term.id: (term, "") for term in needs}
    for code, fact in sorted((doc.get("attributes") or {}).items()):
        term = own[term_id(RESDIR_TAXONOMY, code)]
        linked[term.id] = (term, fact["value"])
    for flag in FLAGS:
        if doc.get(flag):
            term = own[term_id(RESDIR_TAXONOMY, flag)]
            linked[term.id] = (term, "yes")
    if doc.get("fellowship") in vocab.FELLOWSHIPS:
        term = own[term_id(RESDIR_TAXONOMY, fellowship_code(doc["fellowship"]))]
        linked[term.id] = (term, "")
    for term in source_terms(doc):
        linked.setdefault(term.id, (term, ""))
    return list(linked.values())


def _attributes(doc: dict, link_id: str, link_entity: str) -> list[dict]:
    out = []
    for term, value in listing_terms(doc):
        attribute = {
            "id": hsds_id("attribute", doc["id"], term.id),
            "link_id": link_id,
            "link_type": "taxonomy",
            "link_entity": link_entity,
            "taxonomy_term_id": term.id,
            "taxonomy_term": term_object(term),
        }
        if value:
            attribute["value"] = value
        out.append(attribute)
    return out


def has_place(doc: dict) -> bool:
    """Tell whether a listing is somewhere: an address, a point, a place's name or a room online."""
    address = doc.get("address") or {}
    online = doc.get("online") or {}
    return bool(
        any(address.get(k) for k in ("street", "city", "postal_code"))
        or doc.get("location")
        or doc.get("location_name")
        or online.get("url")
    )


def _is_virtual(doc: dict) -> bool:
    address = doc.get("address") or {}
    placed = any(address.get(k) for k in ("street", "city", "postal_code")) or doc.get("location")
    return not placed and bool((doc.get("online") or {}).get("url"))


def _address(doc: dict, location_id: str) -> list[dict]:
    address = doc.get("address") or {}
    if doc.get("confidential_location") or not any(address.values()):
        return []
    # The schema requires every part: a part the listing lacks is an empty string.
    return [
        {
            "id": hsds_id("address", doc["id"]),
            "location_id": location_id,
            "address_1": address.get("street") or "",
            "city": address.get("city") or "",
            "state_province": address.get("region") or "",
            "postal_code": address.get("postal_code") or "",
            "country": address.get("country") or "",
            "address_type": "physical",
        }
    ]


def _languages(doc: dict, **link: str) -> list[dict]:
    return [
        {"id": hsds_id("language", doc["id"], code), "code": code, **link}
        for code in doc.get("languages") or []
    ]


def location(doc: dict) -> dict:
    """Return the HSDS location of a listing with a place (confidential: no address, no point)."""
    doc = conceal(doc)
    lid = hsds_id("location", doc["id"])
    virtual = _is_virtual(doc)
    out = {
        "id": lid,
        "location_type": "virtual" if virtual else "physical",
        "name": doc.get("location_name"),
        "transportation": doc.get("transportation"),
        "url": (doc.get("online") or {}).get("url") if virtual else None,
        "addresses": [] if virtual else _address(doc, lid),
        "languages": _languages(doc, location_id=lid),
        "accessibility": _accessibility(doc, lid),
        "phones": _conference_phone(doc, lid) if virtual else [],
    }
    organization = doc.get("organization")
    if organization:
        out["organization_id"] = hsds_id("organization", organization["id"])
    point = doc.get("location")
    if point and not doc.get("confidential_location") and not virtual:
        out |= {"latitude": point["lat"], "longitude": point["lon"]}
    return _compact(out)


def _conference_phone(doc: dict, location_id: str) -> list[dict]:
    """Return the online room's dial-in as a phone of its virtual location: HSDS has no field
    for it, and a virtual location's phone is how one joins it by phone."""
    number = (doc.get("online") or {}).get("phone")
    if not number:
        return []
    return [
        {
            "id": hsds_id("phone", doc["id"], "online"),
            "location_id": location_id,
            "number": number,
            "type": "voice",
            "description": CONFERENCE_PHONE,
        }
    ]


def _accessibility(doc: dict, location_id: str) -> list[dict]:
    fact = (doc.get("attributes") or {}).get(WHEELCHAIR)
    if not fact or fact["value"] != "yes":
        return []
    label = vocab.ATTRIBUTES[WHEELCHAIR].label
    return [
        {
            "id": hsds_id("accessibility", doc["id"]),
            "location_id": location_id,
            "description": label,
        }
    ]


def _phones(doc: dict, **link: str) -> list[dict]:
    out = []
    for index, phone in enumerate(doc.get("phones") or []):
        item = {
            "id": hsds_id("phone", doc["id"], str(index)),
            "number": phone["number"],
            "type": phone.get("type"),
            "description": phone.get("description"),
            **link,
        }
        extension = phone.get("extension") or ""
        if extension.isdigit():  # the schema's extension is a number
            item["extension"] = int(extension)
        elif extension:
            item["description"] = "; ".join(
                p for p in (item["description"], f"ext. {extension}") if p
            )
        out.append(_compact(item))
    return out


def _schedules(doc: dict, **link: str) -> list[dict]:
    schedule = doc.get("schedule") or {}
    out = []
    for interval in schedule.get("intervals") or []:
        day = WEEKDAY_CODES[interval["day"]]
        out.append(
            _compact(
                {
                    "id": hsds_id("schedule", doc["id"], day, interval["opens"]),
                    "freq": "WEEKLY",
                    "wkst": "MO",
                    "byday": day,
                    "opens_at": interval["opens"],
                    "closes_at": interval.get("closes"),
                    "description": schedule.get("text"),
                    "notes": doc.get("timezone"),
                    **link,
                }
            )
        )
    if not out and (schedule.get("text") or schedule.get("by_appointment")):
        text = schedule.get("text") or "By appointment"
        out.append({"id": hsds_id("schedule", doc["id"]), "description": text, **link})
    return out


def _service_areas(doc: dict, service_id: str) -> list[dict]:
    area = doc.get("service_area") or {}
    names = [area.get("text")] if area.get("text") else []
    names += [f"{county}" for county in area.get("counties") or []]
    names += [f"ZIP {code}" for code in area.get("postal_codes") or []]
    if area.get("radius_km"):
        names.append(f"within {area['radius_km']:g} km")
    return [
        {"id": hsds_id("service_area", doc["id"], name), "service_id": service_id, "name": name}
        for name in names
    ]


def _cost_options(doc: dict, service_id: str) -> list[dict]:
    cost = doc.get("cost") or {}
    kind = cost.get("kind") or "unknown"
    if kind == "unknown" and cost.get("amount") is None:
        return []
    option = {
        "id": hsds_id("cost_option", doc["id"]),
        "service_id": service_id,
        "option": kind.replace("_", " "),
        "amount": cost.get("amount"),
        "currency": cost.get("currency"),
        "amount_description": cost.get("period"),
    }
    return [_compact(option)]


def _required_documents(doc: dict, service_id: str) -> list[dict]:
    documents = (doc.get("eligibility") or {}).get("required_documents") or []
    return [
        {
            "id": hsds_id("required_document", doc["id"], text),
            "service_id": service_id,
            "document": text,
        }
        for text in documents
    ]


def _instant(value: str | datetime | None) -> str | None:
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def service_summary(doc: dict, modified: datetime | None) -> dict:
    """Return the service of a listing as a list shows it (service_list.json): no nested arrays."""
    doc = conceal(doc)
    eligibility = doc.get("eligibility") or {}
    organization = doc.get("organization")
    verified = doc.get("last_verified_at")
    out = {
        "id": hsds_id("service", doc["id"]),
        "name": doc["name"],
        "alternate_name": doc.get("alternate_name"),
        "description": doc.get("description"),
        "url": doc.get("url"),
        "email": doc.get("email"),
        "status": TEMPORARILY_CLOSED if doc.get("temporarily_closed") else ACTIVE,
        "application_process": doc.get("next_steps"),
        "fees_description": (doc.get("cost") or {}).get("text"),
        "eligibility_description": eligibility.get("text"),
        "minimum_age": eligibility.get("min_age"),
        "maximum_age": eligibility.get("max_age"),
        "assured_date": verified[:10] if verified else None,
        "last_modified": _instant(modified),
    }
    if organization:
        out["organization_id"] = hsds_id("organization", organization["id"])
        out["organization"] = organization_summary(organization)
    return _compact(out)


def service_at_location_id(doc: dict) -> str:
    """Return the uuid of a listing's service_at_location."""
    return hsds_id("service_at_location", doc["id"])


def service_at_location(doc: dict, with_service: dict | None = None) -> dict | None:
    """Return a listing's service_at_location (None for a listing placed nowhere), with its
    location, phones, schedules and attributes; with `with_service`, that service nested."""
    doc = conceal(doc)
    if not has_place(doc):
        return None
    sid, salid = hsds_id("service", doc["id"]), service_at_location_id(doc)
    place = location(doc)
    out = {
        "id": salid,
        "service_id": sid,
        "location_id": place["id"],
        "phones": _phones(doc, service_at_location_id=salid),
        "schedules": _schedules(doc, service_at_location_id=salid),
        "location": place,
        "attributes": [],
    }
    if with_service is not None:
        out["service"] = with_service
    return out


def service(doc: dict, modified: datetime | None) -> dict:
    """Return the full HSDS service of a listing (service.json): where, when, how to reach it,
    what it costs, who it serves, in which languages, and its taxonomy terms."""
    doc = conceal(doc)
    sid = hsds_id("service", doc["id"])
    placed = service_at_location(doc)
    out = service_summary(doc, modified) | {
        "phones": [] if placed else _phones(doc, service_id=sid),
        "schedules": [] if placed else _schedules(doc, service_id=sid),
        "service_areas": _service_areas(doc, sid),
        "service_at_locations": [placed] if placed else [],
        "languages": _languages(doc, service_id=sid),
        "cost_options": _cost_options(doc, sid),
        "required_documents": _required_documents(doc, sid),
        "contacts": [],
        "attributes": _attributes(doc, sid, "service"),
    }
    return out


def organization_summary(organization: dict) -> dict:
    """Return the HSDS organization of a listing's organization, as a list shows it."""
    out = _compact(
        {
            "id": hsds_id("organization", organization["id"]),
            "name": organization["name"],
            "website": organization.get("url"),
        }
    )
    # The schema requires a description: a source that gave none leaves it empty.
    return out | {"description": organization.get("description") or ""}


def organization(organization_: dict, services: list[dict]) -> dict:
    """Return the full HSDS organization with its services (each as given) and their places."""
    out = organization_summary(organization_)
    locations = {
        sal["location"]["id"]: sal["location"]
        for s in services
        for sal in s.get("service_at_locations") or []
    }
    return out | {
        "phones": [],
        "contacts": [],
        "locations": list(locations.values()),
        "services": services,
    }


def _compact(obj: dict) -> dict:
    """Drop absent values: the schema's types take no null."""
    return {k: v for k, v in obj.items() if v is not None and v != ""}
