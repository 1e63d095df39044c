"""Show a canonical listing as form fields and read a posted form back into its changes.

Every form field is named by its canonical dotted path ("address.city", "phones.0.number",
"schedule.intervals.2.opens", "attributes.secular"), so a field the schema rejects by its path is
told beside the control that holds it. A form is read into whole top-level fields ("address",
"phones", "schedule", ...), the unit a submission changes (`resdir.submissions`: facts as code ->
yes | no | unknown, beds or seats as counts the server stamps); what the form does not show of a
field (an address's country) is kept from the listing as it is. Values are read the way ingest
reads a feed (phones, languages, times, web addresses), so a page and a spreadsheet agree.
"""

import re
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from babel.dates import get_day_names
from langcodes import Language
from werkzeug.datastructures import MultiDict
from werkzeug.utils import secure_filename

from ingest.manifest import SourceSpec
from ingest.normalize.hours import parse_time
from ingest.normalize.languages import language_codes
from ingest.normalize.phones import normalize_phone
from ingest.normalize.terms import PERIODS
from ingest.normalize.text import clean_email, clean_text, clean_url, number
from ingest.pipeline import check_record
from ingest.problems import Problem, Severity
from ingest.readers import ReadOptions, agency_csv
from ingest.readers.agency_csv import SHIPPED_MAPPINGS, Mapping, read_mapping
from ingest.readers.files import csv_header, decode
from ingest.record import Record
from resdir import vocab
from resdir.i18n import _, label, language, ngettext
from resdir.model import (
    MAX_AGE,
    MAX_CAPACITY,
    MAX_CODE_LENGTH,
    MAX_COST_AMOUNT,
    MAX_EMAIL_LENGTH,
    MAX_NAME_LENGTH,
    MAX_POSTAL_CODE_LENGTH,
    MAX_TEXT_LENGTH,
    MAX_URL_LENGTH,
    POSTAL_CODE,
)
from resdir.submissions import SubmissionError, proposed_document
from resdir.web import present
from resdir.web.present import ACCESS_FACTS, APPROACH_FACTS, POLICY_FACTS, capital, locale

# Top-level canonical fields the form can show, in the order it shows them.
FORM_FIELDS = (
    "name",
    "alternate_name",
    "category",
    "subcategories",
    "narr_level",
    "description",
    "temporarily_closed",
    "phones",
    "url",
    "email",
    "online",
    "location_name",
    "address",
    "confidential_location",
    "transportation",
    "schedule",
    "cost",
    "eligibility",
    "next_steps",
    "languages",
    "capacity",
    "attributes",
)
TEXT_FIELDS = (
    "name",
    "alternate_name",
    "description",
    "location_name",
    "transportation",
    "next_steps",
)
FLAG_FIELDS = ("temporarily_closed", "confidential_location")
NARR_LEVELS = ("1", "2", "3", "4")
ADDRESS_PARTS = ("street", "city", "region", "postal_code")
PHONE_PARTS = ("number", "extension", "type", "description")
INTERVAL_PARTS = ("day", "opens", "closes")
PHONE_TYPES = ("voice", "text", "tty", "hotline", "toll_free", "fax")
COST_PERIODS = tuple(code for code, _words in PERIODS)
DEFAULT_COUNTRY = "US"
DEFAULT_CURRENCY = "USD"
# Days a row of hours may name: one day, or several at once (read as one interval each).
DAY_GROUPS = {"weekdays": (0, 1, 2, 3, 4), "weekend": (5, 6), "daily": tuple(range(7))}
BLANK_ROWS = 2  # empty rows offered after a listing's phones and hours, to add some
MAX_ROWS = 50  # rows read per group: a form never needs more, a forged post gets no further
UNKNOWN = "unknown"  # a fact neither yes nor no
LIST_SEPARATOR = re.compile(r"[,;\n]")
ROW = re.compile(r"^(phones|schedule\.intervals)\.(\d+)\.(\w+)$")


SINGLE_NAMES = frozenset(
    {
        *TEXT_FIELDS,
        *FLAG_FIELDS,
        "category",
        "narr_level",
        "url",
        "email",
        "online.url",
        "online.phone",
        *(f"address.{part}" for part in ADDRESS_PARTS),
        "schedule.text",
        "schedule.by_appointment",
        "cost.kind",
        "cost.amount",
        "cost.period",
        "cost.text",
        "eligibility.min_age",
        "eligibility.max_age",
        "eligibility.text",
        "eligibility.required_documents",
        "languages",
        "capacity.available",
        "capacity.total",
        "capacity.unit",
    }
)
LIST_NAMES = frozenset({"subcategories", "eligibility.genders"})
# The longest entry each box takes: the model's bounds, told here in the person's language
# before the schema would refuse it (phone rows: PHONE_LENGTHS; documents: one per line).
LENGTHS = {
    **dict.fromkeys(("name", "alternate_name", "location_name"), MAX_NAME_LENGTH),
    **dict.fromkeys(("description", "transportation", "next_steps"), MAX_TEXT_LENGTH),
    **dict.fromkeys(("schedule.text", "cost.text", "eligibility.text"), MAX_TEXT_LENGTH),
    **dict.fromkeys(("url", "online.url"), MAX_URL_LENGTH),
    "email": MAX_EMAIL_LENGTH,
    "online.phone": MAX_NAME_LENGTH,
    **{f"address.{part}": MAX_NAME_LENGTH for part in ADDRESS_PARTS},
    "address.postal_code": MAX_POSTAL_CODE_LENGTH,
}
PHONE_LENGTHS = {"extension": MAX_CODE_LENGTH, "description": MAX_NAME_LENGTH}


def _is_field(name: str) -> bool:
    """Tell whether `name` is the name of a control on the form."""
    if name in SINGLE_NAMES or name in LIST_NAMES:
        return True
    row = ROW.match(name)
    if row:
        parts = PHONE_PARTS if row[1] == "phones" else INTERVAL_PARTS
        return row[3] in parts and int(row[2]) < MAX_ROWS
    code = name.removeprefix("attributes.")
    return code != name and code in vocab.ATTRIBUTES


def _text(value) -> str:
    return "" if value is None else str(value)


def count_text(value) -> str:
    """Return a number as a form shows it: 2.0 -> "2", 12.5 -> "12.5"."""
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


def language_names(codes: list[str]) -> list[str]:
    """Return language codes as names in the request's language: ["English", "Spanish"]."""
    return [Language.get(code).display_name(language()) for code in codes]


def language_list(codes: list[str]) -> str:
    """Return language codes as names for a text box: "English, Spanish"."""
    return ", ".join(language_names(codes))


def form_values(doc: dict) -> tuple[dict, dict[str, int]]:
    """Return a listing's form: `(values, rows)`, values by field name (a list for checkbox
    groups), rows the number of phone and hours rows to show (one blank row to add one)."""
    values: dict = {name: _text(doc.get(name)) for name in TEXT_FIELDS}
    values["category"] = doc.get("category") or ""
    values["subcategories"] = [f"{doc.get('category')}.{s}" for s in doc.get("subcategories", [])]
    values |= {name: "1" if doc.get(name) else "" for name in FLAG_FIELDS}
    values["narr_level"] = _text(doc.get("narr_level"))
    values["url"], values["email"] = _text(doc.get("url")), _text(doc.get("email"))
    online = doc.get("online") or {}
    values["online.url"], values["online.phone"] = (
        _text(online.get("url")),
        _text(online.get("phone")),
    )
    address = doc.get("address") or {}
    values |= {f"address.{part}": _text(address.get(part)) for part in ADDRESS_PARTS}
    phones = doc.get("phones") or []
    country = present.listing_country(doc)
    for n, phone in enumerate(phones):
        values |= {f"phones.{n}.{part}": _text(phone.get(part)) for part in PHONE_PARTS}
        # As people write it at home: "(628) 555-0100"; read back to the same E.164 number.
        values[f"phones.{n}.number"] = present.phone_text(phone["number"], country)
    schedule = doc.get("schedule") or {}
    intervals = schedule.get("intervals") or []
    for n, interval in enumerate(intervals):
        values |= {f"schedule.intervals.{n}.{p}": _text(interval.get(p)) for p in INTERVAL_PARTS}
    values["schedule.text"] = _text(schedule.get("text"))
    values["schedule.by_appointment"] = "1" if schedule.get("by_appointment") else ""
    cost = doc.get("cost") or {}
    values["cost.kind"] = cost.get("kind") or "unknown"
    values["cost.amount"] = count_text(cost.get("amount"))
    values["cost.period"], values["cost.text"] = _text(cost.get("period")), _text(cost.get("text"))
    eligibility = doc.get("eligibility") or {}
    values["eligibility.genders"] = list(eligibility.get("genders") or [])
    values["eligibility.min_age"] = count_text(eligibility.get("min_age"))
    values["eligibility.max_age"] = count_text(eligibility.get("max_age"))
    values["eligibility.text"] = _text(eligibility.get("text"))
    values["eligibility.required_documents"] = "\n".join(
        eligibility.get("required_documents") or []
    )
    values["languages"] = language_list(doc.get("languages") or [])
    capacity = doc.get("capacity") or {}
    values["capacity.available"] = count_text(capacity.get("available"))
    values["capacity.total"] = count_text(capacity.get("total"))
    values["capacity.unit"] = capacity.get("unit") or vocab.CAPACITY_UNITS[0]
    facts = doc.get("attributes") or {}
    values |= {f"attributes.{c}": facts.get(c, {}).get("value", "") for c in vocab.ATTRIBUTES}
    rows = {"phones": len(phones) + BLANK_ROWS, "intervals": len(intervals) + BLANK_ROWS}
    return values, rows


def posted_values(form: MultiDict) -> tuple[dict, dict[str, int]]:
    """Return a posted form as it was entered, to show again: `(values, rows)`."""
    values: dict = {name: form.get(name, "") for name in SINGLE_NAMES}
    values |= {name: form.getlist(name) for name in LIST_NAMES}
    rows = {"phones": 0, "intervals": 0}
    for name in form:
        match = ROW.match(name)
        if match and _is_field(name):
            values[name] = form.get(name, "")
            group = "phones" if match[1] == "phones" else "intervals"
            rows[group] = max(rows[group], int(match[2]) + 1)
    values |= {
        f"attributes.{c}": form.get(f"attributes.{c}", "")
        for c in vocab.ATTRIBUTES
        if form.get(f"attributes.{c}") in vocab.FACT_VALUES
    }
    return values, rows


def _changed(current: dict | None, name: str, value) -> bool:
    return current is None or current.get(name) != value


def _phones(form: MultiDict, errors: dict[str, str]) -> list[dict]:
    phones, seen = [], set()
    for n in range(MAX_ROWS):
        row = {part: clean_text(form.get(f"phones.{n}.{part}")) for part in PHONE_PARTS}
        if not row["number"]:
            if row["extension"] or row["description"]:
                errors[f"phones.{n}.number"] = _("Enter the number, or clear this row.")
            continue
        kind = row["type"] if row["type"] in PHONE_TYPES else None
        phone, _problems = normalize_phone(row["number"], row["extension"], kind, None)
        if phone is None:
            errors[f"phones.{n}.number"] = _(
                "Enter a phone number with its area code, such as (415) 555-0142."
            )
            continue
        # The form's own type and words win over what normalizing guessed from the number.
        phone |= {
            "type": kind or phone["type"],
            "description": row["description"] or phone["description"],
        }
        key = (phone["number"], phone["extension"], phone["type"])
        if key not in seen:
            seen.add(key)
            phones.append(phone)
    return phones


def _intervals(form: MultiDict, errors: dict[str, str]) -> list[dict]:
    found = {}
    for n in range(MAX_ROWS):
        name = f"schedule.intervals.{n}"
        day, opens_text, closes_text = (
            (form.get(f"{name}.{part}") or "").strip() for part in INTERVAL_PARTS
        )
        if not (day or opens_text or closes_text):
            continue
        days = DAY_GROUPS.get(day) or ((int(day),) if day.isdigit() and int(day) < 7 else ())
        opens = parse_time(opens_text) if opens_text else None
        closes = parse_time(closes_text) if closes_text else None
        if not days:
            errors[f"{name}.day"] = _("Choose a day, or clear this row.")
        if opens is None:
            errors[f"{name}.opens"] = _("Enter the time it opens, such as 09:00.")
        if closes_text and closes is None:
            errors[f"{name}.closes"] = _(
                "Enter the time it closes, such as 17:00, or leave it empty."
            )
        for each in days if opens else ():
            found[(each, opens, closes)] = {"day": each, "opens": opens, "closes": closes}
    return [found[k] for k in sorted(found, key=lambda k: (k[0], k[1]))]


def _too_large(name: str, most: int, errors: dict[str, str]) -> None:
    errors[name] = _("Enter a number no larger than %(most)s.", most=most)


def _whole(
    text: str | None, name: str, errors: dict[str, str], message: str, most: int
) -> int | None:
    value = number(text) if text else None
    if text and (value is None or value < 0 or not value.is_integer()):
        errors[name] = message
        return None
    if value is not None and value > most:
        _too_large(name, most, errors)
        return None
    return None if value is None else int(value)


def _amount(text: str | None, errors: dict[str, str]) -> float | None:
    value = number(text.lstrip("$")) if text else None
    if text and (value is None or value < 0):
        errors["cost.amount"] = _("Enter an amount, such as 25 or 12.50.")
        return None
    if value is not None and value > MAX_COST_AMOUNT:
        _too_large("cost.amount", MAX_COST_AMOUNT, errors)
        return None
    return value


def _lengths(form: MultiDict, errors: dict[str, str]) -> None:
    """Tell each box whose entry is longer than the model takes, and a ZIP code that is none."""
    boxes = [(name, clean_text(form.get(name)), most) for name, most in LENGTHS.items()]
    boxes += [
        (f"phones.{n}.{part}", clean_text(form.get(f"phones.{n}.{part}")), most)
        for n in range(MAX_ROWS)
        for part, most in PHONE_LENGTHS.items()
    ]
    documents = (form.get("eligibility.required_documents") or "").splitlines()
    boxes += [("eligibility.required_documents", clean_text(d), MAX_NAME_LENGTH) for d in documents]
    for name, text, most in boxes:
        if text and len(text) > most:
            errors[name] = _("Use at most %(num)s characters.", num=most)
    postal_code = clean_text(form.get("address.postal_code"))
    if postal_code and "address.postal_code" not in errors and not POSTAL_CODE.match(postal_code):
        errors["address.postal_code"] = _("Enter a ZIP code, such as 94110.")


def _currency(amount: float | None, previous: dict) -> str | None:
    """Return the currency of an amount: the listing's, or the default for a new amount."""
    if amount == previous.get("amount"):
        return previous.get("currency")
    return None if amount is None else previous.get("currency") or DEFAULT_CURRENCY


def _eligibility(form: MultiDict, errors: dict[str, str]) -> dict:
    age_message = _("Enter an age in years, such as 18, or leave it empty.")
    low, high = (
        _whole(clean_text(form.get(name)), name, errors, age_message, MAX_AGE)
        for name in ("eligibility.min_age", "eligibility.max_age")
    )
    if low is not None and high is not None and low > high:
        errors["eligibility.min_age"] = _("The youngest age is above the oldest.")
    documents = (form.get("eligibility.required_documents") or "").splitlines()
    return {
        "genders": [g for g in vocab.GENDERS if g in form.getlist("eligibility.genders")],
        "min_age": low,
        "max_age": high,
        "text": clean_text(form.get("eligibility.text")),
        "required_documents": [d for d in map(clean_text, documents) if d],
    }


def read_capacity(
    form: MultiDict, errors: dict[str, str], current: dict | None = None
) -> dict | None:
    """Return the beds or seats a form gives, `{available, total, unit}` (the time is stamped
    when it is published), or None when both counts are empty; counts changed from `current`
    (the published capacity) must say how many are open."""
    message = _("Enter a whole number, 0 or more, or leave it empty.")
    counts = {
        key: _whole(
            clean_text(form.get(f"capacity.{key}")),
            f"capacity.{key}",
            errors,
            message,
            MAX_CAPACITY,
        )
        for key in ("available", "total")
    }
    if counts["available"] is None and counts["total"] is None:
        return None
    unit = form.get("capacity.unit")
    read = counts | {"unit": unit if unit in vocab.CAPACITY_UNITS else vocab.CAPACITY_UNITS[0]}
    if _same_capacity(current, read) or "capacity.available" in errors:
        return read
    if counts["available"] is None:
        errors["capacity.available"] = _("Enter how many are open now.")
    elif counts["total"] is not None and counts["available"] > counts["total"]:
        errors["capacity.available"] = _("More are open than there are in all.")
    return read


def _same_capacity(current: dict | None, read: dict | None) -> bool:
    """Tell whether counts read from a form are those published (their stamp aside)."""
    if not current or not read:
        return current == read
    return all(current.get(k) == v for k, v in read.items())


def _category(
    form: MultiDict, current: dict, errors: dict[str, str]
) -> tuple[str | None, list[str]]:
    category = form.get("category") or None
    if category not in vocab.CATEGORY_LABELS:
        errors["category"] = _("Choose what kind of service this is.")
        return None, []
    chosen = form.getlist("subcategories")
    kinds = vocab.NEEDS.get(category, ("", {}))[1]
    subcategories = [s for s in kinds if f"{category}.{s}" in chosen]
    if len(subcategories) < len(set(chosen)):
        errors["subcategories"] = _("Choose kinds of the category chosen above only.")
    published = current.get("subcategories") or []  # none for a new listing
    if set(subcategories) == set(published):
        subcategories = list(published)  # the same kinds, in the listing's order
    return category, subcategories


def _languages(text: str | None, current: list[str]) -> tuple[list[str], list[str]]:
    """Return the codes of the languages a text box names, and the parts it could not read.

    A name as the form shows one of the listing's languages is that language: a rare code's
    name ("Serbo-Croatian") need not read back to the same code.
    """
    names = language_names(current)
    shown = {name.casefold(): code for code, name in zip(current, names, strict=True)}
    codes, unknown = [], []
    for part in filter(None, map(clean_text, LIST_SEPARATOR.split(text or ""))):
        known = shown.get(part.casefold())
        found, problems = ([known], []) if known else language_codes(part)
        codes.extend(c for c in found if c not in codes)
        if problems or not found:
            unknown.append(part)
    return codes, unknown


def read_facts(form: MultiDict, current: dict | None) -> dict[str, str]:
    """Return the facts a form states, code -> yes | no | unknown: for a listing, those that
    differ from what it says; for a new one, those known."""
    known = (current or {}).get("attributes") or {}
    facts = {}
    for code in vocab.ATTRIBUTES:
        value = form.get(f"attributes.{code}")
        value = value if value in vocab.FACT_VALUES else UNKNOWN
        published = known.get(code, {}).get("value", UNKNOWN)
        if value != published and (current is not None or value != UNKNOWN):
            facts[code] = value
    return facts


def read_form(
    form: MultiDict, current: dict | None, fields: tuple[str, ...] = FORM_FIELDS
) -> tuple[dict, dict[str, str]]:
    """Return the changes a posted form makes to a listing (`current`; None for a new one:
    every field) and what to fix, by form field. Only `fields` (top-level) are read."""
    errors: dict[str, str] = {}
    doc = current or {}
    read: dict = {}
    for name in TEXT_FIELDS:
        read[name] = clean_text(form.get(name))
    if not read["name"]:
        errors["name"] = _("Enter the name people know it by.")
    read["category"], read["subcategories"] = _category(form, doc, errors)
    read |= {name: form.get(name) == "1" for name in FLAG_FIELDS}
    narr = form.get("narr_level") or None
    read["narr_level"] = int(narr) if narr in NARR_LEVELS else None
    read["url"], problems = clean_url(form.get("url"))
    if problems and read["url"] is None:
        errors["url"] = _("Enter a web address, such as https://example.org.")
    read["email"], problems = clean_email(form.get("email"))
    if problems and read["email"] is None:
        errors["email"] = _("Enter an email address, such as intake@example.org.")
    online_url, problems = clean_url(form.get("online.url"))
    if problems and online_url is None:
        errors["online.url"] = _("Enter a web address, such as https://example.org/meeting.")
    online = {"url": online_url, "phone": clean_text(form.get("online.phone"))}
    read["online"] = online if any(online.values()) else None
    address = {part: clean_text(form.get(f"address.{part}")) for part in ADDRESS_PARTS}
    if any(address.values()):
        # A listing's country stays as its source gave it (often none); a new address is here.
        previous = doc.get("address")
        country = previous.get("country") if previous else DEFAULT_COUNTRY
        read["address"] = {**address, "country": country}
    else:
        read["address"] = None
    read["phones"] = _phones(form, errors)
    read["schedule"] = {
        "intervals": _intervals(form, errors),
        "text": clean_text(form.get("schedule.text")),
        "by_appointment": form.get("schedule.by_appointment") == "1",
    }
    amount = _amount(clean_text(form.get("cost.amount")), errors)
    kind = form.get("cost.kind")
    period = form.get("cost.period") or None
    previous_cost = doc.get("cost") or {}
    read["cost"] = {
        "kind": kind if kind in vocab.COST_KINDS else "unknown",
        "amount": amount,
        "currency": _currency(amount, previous_cost),
        "period": period if period in COST_PERIODS else None,
        "text": clean_text(form.get("cost.text")),
    }
    read["eligibility"] = _eligibility(form, errors)
    read["languages"], unknown = _languages(form.get("languages"), doc.get("languages") or [])
    if unknown:
        errors["languages"] = _(
            "Not a language we know: %(names)s. Enter languages by name, such as English, Spanish.",
            names=", ".join(unknown),
        )
    read["capacity"] = read_capacity(form, errors, doc.get("capacity"))
    read["attributes"] = read_facts(form, current)
    _lengths(form, errors)
    changes = {
        name: read[name] for name in fields if name in read and _changed(current, name, read[name])
    }
    if current is not None:
        if _same_capacity(current.get("capacity"), read["capacity"]):
            changes.pop("capacity", None)
        if not read["attributes"]:
            changes.pop("attributes", None)
    return changes, {name: text for name, text in errors.items() if _field_of(name) in fields}


def _field_of(name: str) -> str:
    """Return the top-level canonical field a form field belongs to."""
    return name.split(".", 1)[0]


def form_field(path: str) -> str:
    """Return the form field that holds a canonical dotted path ("attributes.secular.value" ->
    "attributes.secular"), or "form" when no control holds it."""
    parts = path.split(".")
    for end in range(len(parts), 0, -1):
        name = ".".join(parts[:end])
        if _is_field(name):
            return name
    # A whole row or group ("phones.0", "schedule.intervals"): its first control.
    if parts[0] == "phones":
        return f"phones.{parts[1] if len(parts) > 1 else 0}.number"
    if parts[:2] == ["schedule", "intervals"]:
        return f"schedule.intervals.{parts[2] if len(parts) > 2 else 0}.day"
    return {"address": "address.street", "cost": "cost.kind", "capacity": "capacity.available"}.get(
        parts[0], "form"
    )


def form_errors(fields: dict[str, list[str]]) -> dict[str, str]:
    """Return what to fix by form field, from problems named by canonical dotted paths."""
    errors: dict[str, str] = {}
    for path, messages in fields.items():
        name = form_field(path)
        texts = [messages] if isinstance(messages, str) else list(messages)
        errors[name] = "; ".join(filter(None, [errors.get(name), *map(str, texts)]))
    return errors


def choices() -> dict:
    """Return what the form's selects and checkbox groups offer, in the request's language."""
    return {
        "categories": [
            {"code": code, "label": name, "subcategories": dict(vocab.NEEDS.get(code, ("", {}))[1])}
            for code, name in vocab.CATEGORY_LABELS.items()
        ],
        "phone_types": {
            "voice": _("Phone"),
            "text": _("Text messages"),
            "tty": _("TTY"),
            "hotline": _("Hotline"),
            "toll_free": _("Toll-free"),
            "fax": _("Fax"),
        },
        "days": day_choices(),
        "cost_kinds": {
            "unknown": _("Not stated"),
            "free": _("Free"),
            "sliding_scale": _("Sliding scale"),
            "fee": _("Fee"),
            "insurance": _("Takes insurance"),
        },
        "cost_periods": {
            "": _("No period"),
            "hour": _("per hour"),
            "day": _("per day"),
            "week": _("per week"),
            "month": _("per month"),
            "year": _("per year"),
            "session": _("per session"),
        },
        "genders": vocab.GENDERS,
        "units": {"beds": _("Beds"), "seats": _("Seats"), "slots": _("Places")},
        "narr_levels": {
            "": _("Not stated"),
            "1": _("Level I: peer-run"),
            "2": _("Level II: monitored"),
            "3": _("Level III: supervised"),
            "4": _("Level IV: service provider"),
        },
        "fact_groups": fact_groups(),
        "fact_answers": {"": _("Not known"), "yes": _("Yes"), "no": _("No")},
    }


def day_choices() -> dict[str, str]:
    """Return the days a row of hours may name, Monday first, then the groups of days (the
    first choice, "", is none)."""
    names = get_day_names("wide", locale=locale())
    days = {"": _("Choose a day")} | {str(n): capital(names[n]) for n in range(7)}
    return days | {
        "weekdays": _("Monday to Friday"),
        "weekend": _("Saturday and Sunday"),
        "daily": _("Every day"),
    }


def fact_groups() -> list[dict]:
    """Return the yes/no facts in the groups the listing page shows them in: `{title, facts:
    {code: label}}`."""
    return [
        {"title": title, "facts": {c: label(vocab.ATTRIBUTES[c].label) for c in codes}}
        for title, codes in (
            (_("Access"), ACCESS_FACTS),
            (_("Who they accept"), POLICY_FACTS),
            (_("Approach"), APPROACH_FACTS),
        )
    ]


# --- the agency spreadsheet: many new listings at once ----------------------------------------

MAPPING = SHIPPED_MAPPINGS / "resdir-agency.toml"
TEMPLATE = Path(__file__).resolve().parents[1] / "static" / "agency-listings.csv"
UPLOAD_SOURCE = "agency-upload"  # the source id rows are checked under (never stored)
REQUIRED_COLUMN = "Name"  # the column a row without a name is reported under


@dataclass
class SheetRow:
    """One row of an uploaded spreadsheet: what it would submit, or why it cannot."""

    line: int
    name: str | None
    changes: dict | None  # None: the row has errors and is not submitted
    errors: list[dict] = field(default_factory=list)  # {column, message}
    notes: list[dict] = field(default_factory=list)  # warnings: accepted with a fix or a drop


@dataclass
class Sheet:
    """An uploaded spreadsheet read: its rows, what was said of the whole file, or why it could
    not be read at all."""

    rows: list[SheetRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str | None = None


def template_columns() -> list[str]:
    """Return the columns of the agency spreadsheet, in the template's order."""
    return csv_header(TEMPLATE.read_text("utf-8"))


def _column_of(path: str | None, columns: dict[str, str]) -> str | None:
    """Return the spreadsheet column a problem's field comes from ("hours" -> "Hours")."""
    if not path:
        return None
    parts = path.split(".")
    for end in range(len(parts), 0, -1):
        prefix = ".".join(parts[:end])
        for candidate in (prefix, f"{prefix}.text"):
            if candidate in columns:
                return columns[candidate]
    return next((c for p, c in columns.items() if p.startswith(f"{path}.")), None)


def _columns_by_path(mapping: Mapping) -> dict[str, str]:
    """Return the column each draft or canonical path is read from."""
    columns = {path: cols[0] for path, cols in mapping.single.items()}
    columns |= {path: items[0]["column"] for path, items in mapping.lists.items()}
    category = mapping.taxonomy[0][0]
    columns |= {"taxonomy": category, "category": category, "subcategories": category}
    columns |= {f"attributes.{code}": rule["column"] for code, rule in mapping.facts.items()}
    columns["schedule"] = columns["hours.text"]
    return columns


def as_changes(doc: dict, fields: tuple[str, ...]) -> dict:
    """Return a whole canonical document as the changes of a new listing (`fields` only):
    facts as code -> yes | no, beds or seats as counts."""
    changes = {name: doc[name] for name in fields if name in doc}
    if "attributes" in changes:
        changes["attributes"] = {code: f["value"] for code, f in doc["attributes"].items()}
    if changes.get("capacity"):
        changes["capacity"] = {k: doc["capacity"][k] for k in ("available", "total", "unit")}
    return changes


def read_sheet(
    data: bytes,
    filename: str,
    now: datetime,
    fields: tuple[str, ...] = FORM_FIELDS,
) -> Sheet:
    """Read an uploaded agency spreadsheet (resdir-agency format) as ingest reads one: each row
    normalized and validated (`ingest.pipeline.check_record`), then checked as a new listing
    would be (`resdir.submissions.proposed_document`); return per row its changes (`fields`
    only) or its errors, by column."""
    sheet = Sheet()
    mapping = read_mapping(MAPPING)
    text, encoding = decode(data)
    header = csv_header(text)
    # The columns and encoding said of the whole file, as `resdir ingest` says them (agency_csv).
    required, optional = mapping.missing(header)
    if required:
        sheet.error = _(
            "The file has no %(column)s column. Start from the template: its first row "
            "names the columns.",
            column=", ".join(required),
        )
        return sheet
    if encoding:
        note = _("The file is not UTF-8: it was read as %(encoding)s.", encoding=encoding)
        sheet.notes.append(note)
    sheet.notes += [
        _("Column “%(column)s” is not in the format and was left out.", column=column)
        for column in header
        if column and column not in mapping.columns()
    ]
    if optional:
        sheet.notes.append(
            ngettext(
                "%(num)d column of the template is not in the file and was left empty.",
                "%(num)d columns of the template are not in the file and were left empty.",
                len(optional),
            )
        )
    by_path = _columns_by_path(mapping)
    with tempfile.TemporaryDirectory() as folder:
        # Facts name the file they come from: "agency-listings.csv column Pets Allowed".
        path = Path(folder) / (secure_filename(filename) or "upload.csv")
        path.write_bytes(data)
        spec = SourceSpec(id=UPLOAD_SOURCE, path=path, format="csv", mapping=MAPPING)
        seen: dict[str, int] = {}
        for item in agency_csv.read(path, ReadOptions(mapping=MAPPING)):
            if isinstance(item, Problem):
                continue  # the file's own problems: said above
            sheet.rows.append(_sheet_row(item, spec, now, fields, by_path, seen))
    return sheet


def _sheet_row(
    record: Record,
    spec: SourceSpec,
    now: datetime,
    fields: tuple[str, ...],
    columns: dict[str, str],
    seen: dict[str, int],
) -> SheetRow:
    """Check one row as ingest does, and say what it would submit or what is wrong with it."""
    doc, problems = check_record(record, spec)
    row = SheetRow(line=record.line, name=clean_text(record.draft.get("name")), changes=None)
    for found in problems:
        entry = {"column": _column_of(found.field, columns), "message": found.message}
        if found.type in ("missing-key", "missing-name"):
            entry = {"column": REQUIRED_COLUMN, "message": _("The name is missing.")}
        (row.errors if found.severity is Severity.ERROR else row.notes).append(entry)
    if record.key in seen:
        message = _(
            "Row %(line)s is the same place (its name, and its street unless it is "
            "confidential): list each place once.",
            line=seen[record.key],
        )
        row.errors.append({"column": REQUIRED_COLUMN, "message": message})
    seen.setdefault(record.key, record.line)
    if doc is None or row.errors:
        return row
    if doc["category"] == vocab.OTHER_CATEGORY:
        message = _("No category we know: it will be listed under Other services.")
        row.notes.append({"column": columns["category"], "message": message})
    changes = as_changes(doc, fields)
    try:
        proposed_document(None, "new", changes, now)
    except SubmissionError as exc:
        row.errors += [
            {"column": _column_of(path, columns), "message": "; ".join(texts)}
            for path, texts in exc.fields.items()
        ]
        return row
    row.changes = changes
    return row


# --- a listing's fields in words: what a review shows of each change ------------------------


def fact_words(value: str | None) -> str:
    """Return a fact's answer in words: "Yes", "No", "Not known"."""
    return {"yes": _("Yes"), "no": _("No")}.get(value or "", _("Not known"))


def _hours_words(schedule: dict, kind: str, now: datetime) -> list[str]:
    days = {i["day"] for i in schedule.get("intervals") or []}
    week = present.week_hours({"schedule": schedule, "kind": kind}, now, None)
    lines = [f"{row['day']}: {', '.join(row['hours'])}" for n, row in enumerate(week) if n in days]
    if schedule.get("by_appointment"):
        lines.append(_("By appointment"))
    return lines + ([schedule["text"]] if schedule.get("text") else [])


def _capacity_words(capacity: dict, now: datetime) -> str:
    text = present.capacity_text(capacity, now)
    if text or capacity.get("total") is None:
        return text or ""
    units = unit_words()
    return _("%(total)s %(unit)s in all", total=capacity["total"], unit=units[capacity["unit"]])


def unit_words() -> dict[str, str]:
    """Return the names of the units beds or seats are counted in, in lower case."""
    return {"beds": _("beds"), "seats": _("seats"), "slots": _("places")}


def field_words(name: str, value, doc: dict, now: datetime) -> list[str]:
    """Return a top-level field's value as lines a person reads (none when it is empty):
    phones formatted as dialled, hours as days and times, facts as yes or no. `doc` is the
    listing the value belongs to (its country and kind)."""
    if value is None or value == "" or value == [] or value == {}:
        return []
    if isinstance(value, bool):
        return [_("Yes") if value else _("No")]
    country = present.listing_country(doc)
    if name == "phones":
        return [
            f"{p['kind']}: {p['text']}" + (f" ({p['description']})" if p["description"] else "")
            for p in present.phones(value, country)
        ]
    if name == "schedule":
        return _hours_words(value, doc.get("kind") or "service", now)
    if name == "cost":
        return present.cost_lines(value)
    if name == "eligibility":
        documents = value.get("required_documents") or []
        bring = [_("Bring: %(documents)s", documents=", ".join(documents))] if documents else []
        return present.eligibility_lines(value) + bring
    if name == "languages":
        return [present.language_names(value)]
    if name == "capacity":
        return [_capacity_words(value, now)]
    if name == "address":
        city = " ".join(
            p for p in (value.get("city"), value.get("region"), value.get("postal_code")) if p
        )
        return [line for line in (value.get("street"), city) if line]
    if name == "category":
        return [label(vocab.CATEGORY_LABELS.get(value, value))]
    if name == "subcategories":
        return [present.need_text(doc.get("category") or "", value)]
    if name == "narr_level":
        return [choices()["narr_levels"].get(str(value), str(value))]
    if name == "online":
        return [v for v in (value.get("url"), value.get("phone")) if v]
    if name == "location":
        return [f"{value['lat']}, {value['lon']}"]
    if name == "attributes":
        return [
            f"{label(vocab.ATTRIBUTES[c].label)}: {fact_words(f['value'])}"
            for c, f in value.items()
        ]
    if isinstance(value, dict):
        return [f"{k}: {v}" for k, v in value.items() if v not in (None, "", [], {})]
    if isinstance(value, list):
        return [", ".join(map(str, value))]
    return [str(value)]
