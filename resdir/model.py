"""Define the canonical listing as marshmallow schemas: the one shape every source is turned into.

A listing document is plain JSON (strings, numbers, lists, dicts; times as "HH:MM", instants as ISO
8601 strings). Ingest builds it, the store keeps it, the search engines index it, the API returns
it. `ListingSchema().validate(doc)` is the check every document passes before it is stored.
"""

from collections.abc import Callable

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from resdir import vocab

TIME_PATTERN = r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$"
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _text(**kwargs):
    return fields.String(allow_none=True, load_default=None, **kwargs)


class OrganizationSchema(Schema):
    """The organization that offers a listing."""

    id = fields.String(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1))
    url = _text()
    description = _text()


class TaxonomyTermSchema(Schema):
    """A source taxonomy code, kept verbatim (AIRS, Open Eligibility, Meeting Guide, keyword)."""

    scheme = fields.String(required=True)
    code = _text()
    name = _text()


class AddressSchema(Schema):
    """A postal address; parts may be missing."""

    street = _text()
    city = _text()
    region = _text()  # state or province
    postal_code = _text()
    country = _text()


class LocationSchema(Schema):
    """A WGS84 point."""

    lat = fields.Float(required=True, validate=validate.Range(-90, 90))
    lon = fields.Float(required=True, validate=validate.Range(-180, 180))


class ServiceAreaSchema(Schema):
    """Where an area-wide service is offered."""

    postal_codes = fields.List(fields.String(), load_default=list)
    counties = fields.List(fields.String(), load_default=list)
    radius_km = fields.Float(allow_none=True, validate=validate.Range(min=0))
    text = _text()


class OnlineSchema(Schema):
    """How to join remotely."""

    url = _text()
    phone = _text()


class IntervalSchema(Schema):
    """One weekly opening or meeting: day 0 = Monday ... 6 = Sunday, local "HH:MM" times.

    `closes` at or before `opens` means the interval crosses midnight; "24:00" is the end of the
    day; a meeting whose end is not known has `closes` None.
    """

    day = fields.Integer(required=True, validate=validate.Range(0, 6))
    opens = fields.String(required=True, validate=validate.Regexp(TIME_PATTERN))
    closes = fields.String(allow_none=True, validate=validate.Regexp(TIME_PATTERN))


class ScheduleSchema(Schema):
    """Weekly hours in the listing's time zone, and the source's own words for them."""

    intervals = fields.List(fields.Nested(IntervalSchema), load_default=list)
    text = _text()  # verbatim hours text from the source
    by_appointment = fields.Boolean(load_default=False)


class PhoneSchema(Schema):
    """A phone number in E.164 with its extension and what it is for."""

    number = fields.String(required=True, validate=validate.Regexp(r"^\+[1-9]\d{3,14}$"))
    extension = _text()
    type = fields.String(
        load_default="voice",
        validate=validate.OneOf(("voice", "fax", "tty", "text", "hotline", "toll_free")),
    )
    description = _text()


class CostSchema(Schema):
    """What it costs."""

    kind = fields.String(load_default="unknown", validate=validate.OneOf(vocab.COST_KINDS))
    amount = fields.Float(allow_none=True, validate=validate.Range(min=0))
    currency = _text()
    period = _text()
    text = _text()


class EligibilitySchema(Schema):
    """Who is served."""

    genders = fields.List(fields.String(validate=validate.OneOf(vocab.GENDERS)), load_default=list)
    min_age = fields.Integer(allow_none=True, validate=validate.Range(0, 130))
    max_age = fields.Integer(allow_none=True, validate=validate.Range(0, 130))
    text = _text()
    required_documents = fields.List(fields.String(), load_default=list)

    @validates_schema
    def _ages_in_order(self, data, **kwargs):
        low, high = data.get("min_age"), data.get("max_age")
        if low is not None and high is not None and low > high:
            raise ValidationError("min_age is above max_age", "min_age")


class FactSchema(Schema):
    """A known yes/no attribute and where it came from (absent attributes are unknown)."""

    value = fields.String(required=True, validate=validate.OneOf(vocab.FACT_VALUES))
    source = fields.String(required=True)
    note = _text()


class CapacitySchema(Schema):
    """Beds or seats available, with the time the count was taken."""

    available = fields.Integer(allow_none=True, validate=validate.Range(min=0))
    total = fields.Integer(allow_none=True, validate=validate.Range(min=0))
    unit = fields.String(load_default="beds", validate=validate.OneOf(vocab.CAPACITY_UNITS))
    as_of = fields.DateTime(allow_none=True)


class SourceRefSchema(Schema):
    """One source record a listing was built from."""

    source = fields.String(required=True)
    source_id = fields.String(required=True)


class ListingSchema(Schema):
    """One service at one place, one meeting, or one area-wide service."""

    id = fields.String(required=True)
    source = fields.String(required=True)
    source_id = fields.String(required=True)
    source_keys = fields.Dict(keys=fields.String(), values=fields.String(), load_default=dict)
    sources = fields.List(fields.Nested(SourceRefSchema), load_default=list)
    kind = fields.String(load_default="service", validate=validate.OneOf(("service", "meeting")))
    organization = fields.Nested(OrganizationSchema, allow_none=True)
    name = fields.String(required=True, validate=validate.Length(min=1))
    alternate_name = _text()
    description = _text()
    status = fields.String(
        load_default="published", validate=validate.OneOf(vocab.LISTING_STATUSES)
    )
    temporarily_closed = fields.Boolean(load_default=False)
    category = fields.String(required=True, validate=validate.OneOf(vocab.CATEGORY_LABELS))
    subcategories = fields.List(fields.String(), load_default=list)
    taxonomy = fields.List(fields.Nested(TaxonomyTermSchema), load_default=list)
    narr_level = fields.Integer(allow_none=True, validate=validate.Range(1, 4))
    location_name = _text()  # the place's own name: "St. Timothy's Lutheran Church"
    address = fields.Nested(AddressSchema, allow_none=True)
    location = fields.Nested(LocationSchema, allow_none=True)
    geocode_precision = fields.String(
        allow_none=True, validate=validate.OneOf(vocab.GEOCODE_PRECISIONS)
    )
    approximate_location = fields.Boolean(load_default=False)
    confidential_location = fields.Boolean(load_default=False)
    timezone = _text()
    service_area = fields.Nested(ServiceAreaSchema, allow_none=True)
    online = fields.Nested(OnlineSchema, allow_none=True)
    schedule = fields.Nested(ScheduleSchema, load_default=dict)
    phones = fields.List(fields.Nested(PhoneSchema), load_default=list)
    url = _text()
    email = _text()
    next_steps = _text()
    transportation = _text()  # how to get there, in the source's words
    cost = fields.Nested(CostSchema, load_default=dict)
    eligibility = fields.Nested(EligibilitySchema, load_default=dict)
    languages = fields.List(fields.String(validate=validate.Regexp(r"^[a-z]{2,3}$")))
    attributes = fields.Dict(
        keys=fields.String(validate=validate.OneOf(vocab.ATTRIBUTES)),
        values=fields.Nested(FactSchema),
        load_default=dict,
    )
    capacity = fields.Nested(CapacitySchema, allow_none=True)
    last_verified_at = fields.DateTime(allow_none=True)
    verified_by = fields.String(allow_none=True, validate=validate.OneOf(vocab.VERIFIERS))
    updated_at = fields.DateTime(allow_none=True)
    provenance = fields.Dict(keys=fields.String(), values=fields.String(), load_default=dict)

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

    id = fields.String(required=True)
    source = fields.String(required=True)
    stop_id = fields.String(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1))
    location = fields.Nested(LocationSchema, required=True)
    wheelchair_boarding = fields.String(
        load_default="unknown", validate=validate.OneOf(vocab.TRI_STATES)
    )
    routes = fields.List(fields.Dict(), load_default=list)  # {id, short_name, long_name, type}


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
