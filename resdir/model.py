"""Define the canonical listing as marshmallow schemas: the one shape every source is turned into.

A listing document is plain JSON (strings, numbers, lists, dicts; times as "HH:MM", instants as ISO
8601 strings). Ingest builds it, the store keeps it, the search engines index it, the API returns
it. `ListingSchema().validate(doc)` is the check every document passes before it is stored, from a
feed, an agency's form, spreadsheet or API call alike: it bounds every number, instant, text, web
address, point and code, so that no engine is handed a value it cannot index or show.
"""

import re
import zoneinfo
from collections.abc import Callable
from datetime import datetime
from functools import cache
from typing import ClassVar
from urllib.parse import urlsplit

import langcodes
from babel.numbers import list_currencies
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from resdir import vocab

TIME_PATTERN = r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$"
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# Bounds: what real feeds hold with room to spare (their longest description is 6,193
# characters, their largest fee 100,000), and what every engine indexes (Elasticsearch keeps
# counts and ages as 32-bit integers; Python's dates end in the year 9999).
MAX_NAME_LENGTH = 500  # a name or a one-line value: a street, a city, a document to bring
MAX_TEXT_LENGTH = 20_000  # a description, or a source's own words for hours, cost or access
MAX_CODE_LENGTH = 100  # a code resdir reads or makes: a taxonomy scheme, a phone extension
MAX_KEY_LENGTH = 500  # an id or a source's record key
MAX_URL_LENGTH = 2_000
MAX_EMAIL_LENGTH = 254  # RFC 5321's longest path
MAX_POSTAL_CODE_LENGTH = 12
MAX_ITEMS = 1_000  # entries in any one list or map
MAX_CAPACITY = 100_000  # beds or seats
MAX_COST_AMOUNT = 1_000_000
MAX_AGE = 130
MAX_RADIUS_KM = 5_000
# Instants outside these years are placeholders ("0001-01-01", "9999-12-31"), not dates.
EARLIEST_YEAR, LATEST_YEAR = 1900, 2100
# Broken exports put a place they could not locate at 0,0 ("null island", open sea): a point
# this close to it is refused, not shown off the coast of Ghana.
NULL_ISLAND_DEGREES = 0.01
WEB_SCHEMES = ("http", "https")
COST_PERIODS = ("hour", "day", "week", "month", "year", "session")
PHONE_TYPES = ("voice", "fax", "tty", "text", "hotline", "toll_free")
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")
POSTAL_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 -]*$")
# As the ingest normalizer reads one: a local part, "@", a domain with a top-level label.
EMAIL = re.compile(
    r"^[\w.!#$%&'*+/=?^`{|}~-]+@(?:(?!-)[\w-]{1,63}(?<!-)\.)+(?:[^\W\d_]{2,63}|xn--[\w-]+)$"
)
CONTROL_OR_SPACE = re.compile(r"[\s\x00-\x1f\x7f]")


class WholeNumber(fields.Integer):
    """An integer that refuses a number with a fraction (1.5) instead of cutting it to 1."""

    default_error_messages: ClassVar[dict[str, str]] = {"fraction": "Not a whole number."}

    def _validated(self, value) -> int:
        if isinstance(value, float) and not value.is_integer():
            raise self.make_error("fraction")
        return super()._validated(value)


def in_years(moment: datetime) -> None:
    """Refuse an instant outside EARLIEST_YEAR..LATEST_YEAR (its year in its own offset)."""
    if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
        raise ValidationError(f"Give a date between the years {EARLIEST_YEAR} and {LATEST_YEAR}.")


def web_address(value: str) -> None:
    """Refuse anything but an absolute http or https address (no javascript:, data:, ...)."""
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 -- raises ValueError on a malformed port
    except ValueError:
        parts = None
    if (
        parts is None
        or parts.scheme not in WEB_SCHEMES
        or not parts.hostname
        or "@" in parts.netloc
        or CONTROL_OR_SPACE.search(value)
    ):
        raise ValidationError("Give a web address that starts with http:// or https://.")


def email_address(value: str) -> None:
    """Refuse what is not one e-mail address ("mailto:" is not part of it)."""
    if not EMAIL.match(value):
        raise ValidationError("Give one e-mail address, such as intake@example.org.")


@cache
def is_language(code: str) -> bool:
    """Tell whether `code` is an ISO 639 language code ("es", "yue", "ase")."""
    return bool(LANGUAGE_CODE.match(code)) and langcodes.tag_is_valid(code)


def language_code(value: str) -> None:
    """Refuse a language code ISO 639 does not define."""
    if not is_language(value):
        raise ValidationError("Not an ISO 639 language code, such as en, es or yue.")


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def time_zone(value: str) -> None:
    """Refuse a time zone the IANA database does not name."""
    if value not in _time_zones():
        raise ValidationError("Not a time zone name, such as America/Los_Angeles.")


@cache
def _currencies() -> frozenset[str]:
    return frozenset(list_currencies())


def currency_code(value: str) -> None:
    """Refuse a currency ISO 4217 does not define."""
    if value not in _currencies():
        raise ValidationError("Not an ISO 4217 currency code, such as USD.")


def _text(max_length: int = MAX_TEXT_LENGTH, *rules, **kwargs):
    rules = (validate.Length(max=max_length), *rules)
    return fields.String(allow_none=True, load_default=None, validate=rules, **kwargs)


def _line():
    return _text(MAX_NAME_LENGTH)


def _list(item: fields.Field, **kwargs) -> fields.List:
    return fields.List(item, validate=validate.Length(max=MAX_ITEMS), **kwargs)


def _instant() -> fields.AwareDateTime:
    return fields.AwareDateTime(allow_none=True, validate=in_years)


def _count(low: int, high: int) -> WholeNumber:
    return WholeNumber(allow_none=True, validate=validate.Range(low, high))


def _key(**kwargs) -> fields.String:
    return fields.String(validate=validate.Length(max=MAX_KEY_LENGTH), **kwargs)


def _keys() -> fields.Dict:
    """A map of short names to keys (a source's other ids, the source of each field)."""
    return fields.Dict(
        keys=fields.String(validate=validate.Length(max=MAX_CODE_LENGTH)),
        values=_key(),
        validate=validate.Length(max=MAX_ITEMS),
        load_default=dict,
    )


class TaxonomyTermSchema(Schema):
    """A source taxonomy code, kept verbatim (AIRS, Open Eligibility, Meeting Guide, keyword)."""

    scheme = fields.String(required=True, validate=validate.Length(max=MAX_CODE_LENGTH))
    code = _line()  # a feed's own code, whatever it wrote
    name = _text()


class AddressSchema(Schema):
    """A postal address; parts may be missing."""

    street = _line()
    city = _line()
    region = _line()  # state or province
    postal_code = _text(MAX_POSTAL_CODE_LENGTH, validate.Regexp(POSTAL_CODE))
    country = _line()


class LocationSchema(Schema):
    """A WGS84 point, not 0,0."""

    lat = fields.Float(required=True, validate=validate.Range(-90, 90))
    lon = fields.Float(required=True, validate=validate.Range(-180, 180))

    @validates_schema
    def _not_null_island(self, data, **kwargs):
        lat, lon = data.get("lat"), data.get("lon")
        if lat is not None and lon is not None and max(abs(lat), abs(lon)) < NULL_ISLAND_DEGREES:
            raise ValidationError("0,0 is not a place: broken exports put unknown places there.")


class ServiceAreaSchema(Schema):
    """Where an area-wide service is offered."""

    postal_codes = _list(
        fields.String(
            validate=(validate.Length(max=MAX_POSTAL_CODE_LENGTH), validate.Regexp(POSTAL_CODE))
        ),
        load_default=list,
    )
    counties = _list(
        fields.String(validate=validate.Length(max=MAX_NAME_LENGTH)), load_default=list
    )
    radius_km = fields.Float(allow_none=True, validate=validate.Range(0, MAX_RADIUS_KM))
    text = _text()


class OnlineSchema(Schema):
    """How to join remotely."""

    url = _text(MAX_URL_LENGTH, web_address)
    phone = _line()


class IntervalSchema(Schema):
    """One weekly opening or meeting: day 0 = Monday ... 6 = Sunday, local "HH:MM" times.

    `closes` at or before `opens` means the interval crosses midnight; "24:00" is the end of the
    day; a meeting whose end is not known has `closes` None.
    """

    day = WholeNumber(required=True, validate=validate.Range(0, 6))
    opens = fields.String(required=True, validate=validate.Regexp(TIME_PATTERN))
    closes = fields.String(allow_none=True, validate=validate.Regexp(TIME_PATTERN))


class ScheduleSchema(Schema):
    """Weekly hours in the listing's time zone, and the source's own words for them."""

    intervals = _list(fields.Nested(IntervalSchema), load_default=list)
    text = _text()  # verbatim hours text from the source
    by_appointment = fields.Boolean(load_default=False)


class PhoneSchema(Schema):
    """A phone number in E.164 with its extension and what it is for."""

    number = fields.String(required=True, validate=validate.Regexp(r"^\+[1-9]\d{3,14}$"))
    extension = _text(MAX_CODE_LENGTH)
    type = fields.String(load_default="voice", validate=validate.OneOf(PHONE_TYPES))
    description = _line()


class OrganizationSchema(Schema):
    """The organization that offers a listing, with its own phones (a main line, an intergroup's
    office): what to call about a listing that has none of its own. A document stored before
    organizations had phones loads with none."""

    id = _key(required=True)
    name = fields.String(required=True, validate=validate.Length(1, MAX_NAME_LENGTH))
    url = _text(MAX_URL_LENGTH, web_address)
    description = _text()
    phones = _list(fields.Nested(PhoneSchema), load_default=list)


class CostSchema(Schema):
    """What it costs."""

    kind = fields.String(load_default="unknown", validate=validate.OneOf(vocab.COST_KINDS))
    amount = fields.Float(allow_none=True, validate=validate.Range(0, MAX_COST_AMOUNT))
    currency = _text(MAX_CODE_LENGTH, currency_code)
    period = fields.String(
        allow_none=True, load_default=None, validate=validate.OneOf(COST_PERIODS)
    )
    text = _text()


class EligibilitySchema(Schema):
    """Who is served."""

    genders = _list(fields.String(validate=validate.OneOf(vocab.GENDERS)), load_default=list)
    min_age = _count(0, MAX_AGE)
    max_age = _count(0, MAX_AGE)
    text = _text()
    required_documents = _list(
        fields.String(validate=validate.Length(max=MAX_NAME_LENGTH)), load_default=list
    )

    @validates_schema
    def _ages_in_order(self, data, **kwargs):
        low, high = data.get("min_age"), data.get("max_age")
        if low is not None and high is not None and low > high:
            raise ValidationError("min_age is above max_age", "min_age")


class FactSchema(Schema):
    """A known yes/no attribute and where it came from (absent attributes are unknown)."""

    value = fields.String(required=True, validate=validate.OneOf(vocab.FACT_VALUES))
    source = fields.String(required=True, validate=validate.Length(max=MAX_NAME_LENGTH))
    note = _line()


class CapacitySchema(Schema):
    """Beds or seats available, with the time the count was taken."""

    available = _count(0, MAX_CAPACITY)
    total = _count(0, MAX_CAPACITY)
    unit = fields.String(load_default="beds", validate=validate.OneOf(vocab.CAPACITY_UNITS))
    as_of = _instant()

    @validates_schema
    def _available_within_total(self, data, **kwargs):
        available, total = data.get("available"), data.get("total")
        if available is not None and total is not None and available > total:
            raise ValidationError("available is above total", "available")


class SourceRefSchema(Schema):
    """One source record a listing was built from."""

    source = _key(required=True)
    source_id = _key(required=True)


class MeetingTypeSchema(Schema):
    """A Meeting Guide type of a meeting: its code and English name ("SP", "Speaker")."""

    code = fields.String(required=True, validate=validate.Length(1, MAX_CODE_LENGTH))
    name = fields.String(required=True, validate=validate.Length(1, MAX_NAME_LENGTH))


class ListingSchema(Schema):
    """One service at one place, one meeting, or one area-wide service."""

    id = _key(required=True)
    source = _key(required=True)
    source_id = _key(required=True)
    source_keys = _keys()
    sources = _list(fields.Nested(SourceRefSchema), load_default=list)
    kind = fields.String(load_default="service", validate=validate.OneOf(("service", "meeting")))
    organization = fields.Nested(OrganizationSchema, allow_none=True)
    name = fields.String(required=True, validate=validate.Length(1, MAX_NAME_LENGTH))
    alternate_name = _line()
    description = _text()
    status = fields.String(
        load_default="published", validate=validate.OneOf(vocab.LISTING_STATUSES)
    )
    temporarily_closed = fields.Boolean(load_default=False)
    # a meeting's fellowship (resdir.vocab.FELLOWSHIPS) and its Meeting Guide types, feed order
    fellowship = fields.String(allow_none=True, validate=validate.OneOf(vocab.FELLOWSHIPS))
    meeting_types = _list(fields.Nested(MeetingTypeSchema), load_default=list)
    category = fields.String(required=True, validate=validate.OneOf(vocab.CATEGORY_LABELS))
    subcategories = _list(fields.String(), load_default=list)
    taxonomy = _list(fields.Nested(TaxonomyTermSchema), load_default=list)
    narr_level = _count(1, 4)
    location_name = _line()  # the place's own name: "St. Timothy's Lutheran Church"
    address = fields.Nested(AddressSchema, allow_none=True)
    location = fields.Nested(LocationSchema, allow_none=True)
    geocode_precision = fields.String(
        allow_none=True, validate=validate.OneOf(vocab.GEOCODE_PRECISIONS)
    )
    approximate_location = fields.Boolean(load_default=False)
    confidential_location = fields.Boolean(load_default=False)
    timezone = _text(MAX_CODE_LENGTH, time_zone)
    service_area = fields.Nested(ServiceAreaSchema, allow_none=True)
    online = fields.Nested(OnlineSchema, allow_none=True)
    schedule = fields.Nested(ScheduleSchema, load_default=dict)
    phones = _list(fields.Nested(PhoneSchema), load_default=list)
    url = _text(MAX_URL_LENGTH, web_address)
    email = _text(MAX_EMAIL_LENGTH, email_address)
    next_steps = _text()
    transportation = _text()  # how to get there, in the source's words
    cost = fields.Nested(CostSchema, load_default=dict)
    eligibility = fields.Nested(EligibilitySchema, load_default=dict)
    languages = _list(fields.String(validate=language_code))
    attributes = fields.Dict(
        keys=fields.String(validate=validate.OneOf(vocab.ATTRIBUTES)),
        values=fields.Nested(FactSchema),
        load_default=dict,
    )
    capacity = fields.Nested(CapacitySchema, allow_none=True)
    last_verified_at = _instant()
    verified_by = fields.String(allow_none=True, validate=validate.OneOf(vocab.VERIFIERS))
    updated_at = _instant()
    provenance = _keys()

    @validates_schema
    def _subcategories_in_category(self, data, **kwargs):
        known = vocab.NEEDS.get(data.get("category"), ("", {}))[1]
        unknown = [s for s in data.get("subcategories", []) if s not in known]
        if unknown:
            raise ValidationError(
                f"not a subcategory of {data.get('category')}: {unknown}", "subcategories"
            )


class TransitStopSchema(Schema):
    """A transit stop with the routes serving it, kept for transit reachability."""

    id = _key(required=True)
    source = _key(required=True)
    stop_id = _key(required=True)
    name = fields.String(required=True, validate=validate.Length(1, MAX_NAME_LENGTH))
    location = fields.Nested(LocationSchema, required=True)
    wheelchair_boarding = fields.String(
        load_default="unknown", validate=validate.OneOf(vocab.TRI_STATES)
    )
    routes = _list(fields.Dict(), load_default=list)  # {id, short_name, long_name, type}


def field_paths(messages, name: Callable[[str], str] = str) -> dict[str, list[str]]:
    """Return marshmallow's nested error messages keyed by `name(dotted field path)`.

    Paths look like "when.to" or "needs.1"; an error of a whole nested object (marshmallow's
    "_schema") is named by the object's path.
    """
    out: dict[str, list[str]] = {}
    for path, texts in _flatten(messages, ""):
        out.setdefault(name(path), []).extend(texts)
    return out


def _flatten(messages, prefix: str):
    if not isinstance(messages, dict):
        yield prefix or "_schema", [str(m) for m in messages]
        return
    for key, value in messages.items():
        path = prefix if key == "_schema" and prefix else f"{prefix}.{key}" if prefix else str(key)
        yield from _flatten(value, path)
