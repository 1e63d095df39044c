"""Define the JSON API's shapes as marshmallow schemas: the search query and every response.

The match request body is the profile itself (`resdir.matching.profile.ProfileSchema`); listings
are the canonical model (`resdir.model`). These schemas document what the API returns and are
what `resdir.api.openapi` turns into the OpenAPI document; the fuzz test holds every response to
them.
"""

import copy

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from resdir import model, submissions, vocab


def _nullable(field_class, *args, **kwargs):
    return field_class(*args, required=True, allow_none=True, **kwargs)


def _list_param(description: str, example: str) -> fields.String:
    return fields.String(metadata={"description": description, "example": example})


class SearchQuerySchema(Schema):
    """The query of `GET /api/v1/search`: the shareable part of a profile as a URL, where, what
    and when (DESIGN §13); barriers, values, languages, gender and age are POSTed to /match."""

    near = fields.String(
        metadata={
            "description": "Where the person is: a US ZIP code, lat,lon, or a city and state",
            "example": "94110",
        }
    )
    needs = _list_param(
        "Need codes, comma-separated: a category or category.subcategory", "housing"
    )
    mode = fields.String(
        validate=validate.OneOf(vocab.TRAVEL_MODES), metadata={"description": "Travel mode"}
    )
    max_minutes = fields.Integer(metadata={"description": "Travel limit in minutes"})
    max_km = fields.Float(metadata={"description": "Travel limit in kilometres"})
    from_ = fields.String(
        data_key="from",
        metadata={"description": "Start of the time window, with its UTC offset"},
    )
    to = fields.String(metadata={"description": "End of the time window, with its UTC offset"})
    at = fields.String(metadata={"description": "An instant, with its UTC offset"})
    open_now = fields.Boolean()
    q = fields.String(metadata={"description": "Free text"})
    limit = fields.Integer(metadata={"description": "Results per page (1-100, default 20)"})
    cursor = fields.String(metadata={"description": "The next_cursor of the previous page"})
    show_hidden = fields.String(
        metadata={"description": "A hidden code: list what it hid instead of what fits"}
    )


class FormQuerySchema(SearchQuerySchema):
    """The same query with a profile's private parts, as the pages read a posted form: never
    read from a URL."""

    barriers = _list_param(
        "Barrier codes, comma-separated; code:require for a strict one", "no_vehicle,mobility"
    )
    values = _list_param(
        "code:strength pairs, comma-separated; strength is require, prefer or avoid",
        "secular:require,faith_based:avoid",
    )
    languages = _list_param("ISO 639 codes the person speaks, comma-separated", "es")
    gender = fields.String(validate=validate.OneOf(vocab.GENDERS))
    age = fields.Integer()


# The parameters a URL may not carry: a person's profile, which proxies and servers log.
PROFILE_PARAMS = tuple(
    name
    for name in FormQuerySchema._declared_fields
    if name not in SearchQuerySchema._declared_fields
)


class ReasonSchema(Schema):
    """Why a listing fits: met (true), not met (false) or unknown (null: call to confirm)."""

    code = fields.String(required=True)
    text = fields.String(required=True)
    met = _nullable(fields.Boolean)


class TripSchema(Schema):
    """One way to reach a listing and its estimated minutes."""

    mode = fields.String(required=True, validate=validate.OneOf(("walk", "transit", "car")))
    minutes = fields.Integer(required=True, metadata={"description": "An estimate"})


class OccurrenceSchema(Schema):
    """A meeting or opening, in the listing's own time zone."""

    start = fields.DateTime(required=True)
    end = fields.DateTime(required=True)


class ResultSchema(Schema):
    """One listing that fits, with how to get there and the reasons."""

    id = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(("service", "meeting")))
    fellowship = _nullable(
        fields.String,
        validate=validate.OneOf(vocab.FELLOWSHIPS),
        metadata={"description": "A meeting's fellowship, where known"},
    )
    meeting_types = fields.List(fields.Nested(model.MeetingTypeSchema), required=True)
    organization = _nullable(fields.Nested, model.OrganizationSchema)
    category = fields.String(required=True, validate=validate.OneOf(vocab.CATEGORY_LABELS))
    subcategories = fields.List(fields.String(), required=True)
    source = fields.String(required=True)
    source_id = fields.String(required=True)
    source_keys = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    sources = fields.List(fields.Nested(model.SourceRefSchema), required=True)
    address = _nullable(fields.Nested, model.AddressSchema)
    location = _nullable(fields.Nested, model.LocationSchema)
    location_name = _nullable(fields.String)
    online = _nullable(fields.Nested, model.OnlineSchema)
    distance_km = _nullable(fields.Float)
    travel_minutes = _nullable(fields.Integer, metadata={"description": "An estimate"})
    travel_mode = _nullable(
        fields.String,
        metadata={"description": "The first of `trips`: walking or transit when they can be used"},
    )
    trips = fields.List(
        fields.Nested(TripSchema),
        required=True,
        metadata={
            "description": "Each way the person may travel there: on foot and by transit first "
            "(quickest first), by car last and only when the person's mode allows a car"
        },
    )
    score = fields.Float(required=True)
    reasons = fields.List(fields.Nested(ReasonSchema), required=True)
    next_occurrence = _nullable(fields.Nested, OccurrenceSchema)
    phones = fields.List(fields.Nested(model.PhoneSchema), required=True)
    url = _nullable(fields.String)
    last_verified_at = _nullable(fields.DateTime)
    hidden_by = _nullable(
        fields.Nested,
        "HiddenReasonSchema",
        metadata={"description": "With show_hidden: the condition that hid this listing"},
    )


class HiddenReasonSchema(Schema):
    """The condition that hid a listing."""

    code = fields.String(required=True)
    reason = fields.String(required=True)


class HiddenSchema(Schema):
    """Candidates left out for one reason."""

    code = fields.String(required=True)
    reason = fields.String(required=True)
    count = fields.Integer(required=True)


class CoverageSchema(Schema):
    """The areas the directory covers, from its published listings, and whether the person's
    place lies outside them."""

    outside = fields.Boolean(
        required=True,
        metadata={"description": "The person's county has no published listing"},
    )
    areas = fields.List(
        fields.String(),
        required=True,
        metadata={"description": "The counties with the most published listings, most first"},
    )
    more_areas = fields.Integer(required=True, metadata={"description": "Covered areas not named"})


class MatchResponseSchema(Schema):
    """One page of results, best first, with what was hidden and facets."""

    results = fields.List(fields.Nested(ResultSchema), required=True)
    total = fields.Integer(required=True, metadata={"description": "Qualifying listings in all"})
    hidden = fields.List(fields.Nested(HiddenSchema), required=True)
    coverage = _nullable(
        fields.Nested,
        CoverageSchema,
        metadata={"description": "With a location: the areas covered, and if it is outside them"},
    )
    facets = fields.Dict(
        keys=fields.String(),
        values=fields.Dict(keys=fields.String(), values=fields.Integer()),
        required=True,
    )
    next_cursor = _nullable(fields.String)
    degraded = fields.Boolean(
        required=True,
        metadata={
            "description": "Answered by the embedded index while Elasticsearch is unreachable"
        },
    )


class LabelSchema(Schema):
    """A code and its English label."""

    code = fields.String(required=True)
    label = fields.String(required=True)


class NeedSchema(LabelSchema):
    """A category and its subcategories."""

    subcategories = fields.List(fields.Nested(LabelSchema), required=True)


class AttributeSchema(LabelSchema):
    """A listing fact and how a person would ask about it."""

    question = fields.String(required=True)


class VocabularySchema(Schema):
    """Every code the API accepts or returns, with its English label."""

    needs = fields.List(fields.Nested(NeedSchema), required=True)
    barriers = fields.List(fields.Nested(LabelSchema), required=True)
    values = fields.List(fields.Nested(LabelSchema), required=True)
    attributes = fields.List(fields.Nested(AttributeSchema), required=True)
    genders = fields.List(fields.Nested(LabelSchema), required=True)
    strengths = fields.List(fields.Nested(LabelSchema), required=True)
    travel_modes = fields.List(fields.Nested(LabelSchema), required=True)


class ErrorSchema(Schema):
    """What went wrong; `fields` names each bad field by its dotted path in the body ("_schema":
    the body as a whole) or by its query parameter."""

    code = fields.String(required=True)
    message = fields.String(required=True)
    fields_ = fields.Dict(
        data_key="fields",
        keys=fields.String(),
        values=fields.List(fields.String()),
        required=True,
    )


class ErrorEnvelopeSchema(Schema):
    """Every error the API returns."""

    error = fields.Nested(ErrorSchema, required=True)


def _optional(field: fields.Field) -> fields.Field:
    """Return a copy of a listing field that a change may leave out."""
    clone = copy.copy(field)
    clone.required = False
    return clone


_CHANGED_ELSEWHERE = ("attributes", "capacity")
ListingChangesSchema = Schema.from_dict(
    {
        name: _optional(model.ListingSchema._declared_fields[name])
        for name in submissions.EDITABLE_FIELDS
        if name not in _CHANGED_ELSEWHERE
    }
    | {
        "attributes": copy.copy(submissions.ATTRIBUTE_CHANGES),
        "capacity": fields.Nested(submissions.CapacityChangeSchema, allow_none=True),
    },
    name="ListingChangesSchema",
)
ListingChangesSchema.__doc__ = (
    "Fields of a listing to change, each with its whole new value (phones: the whole list; "
    'address: the whole object); attributes map a code to "yes", "no" or "unknown" (which '
    "removes the fact); capacity is stamped with the time it arrives. Phones in E.164."
)


class SubmissionRequestSchema(Schema):
    """A change proposed to the directory: edit, capacity or verify ("still accurate") a
    listing, or propose a new one."""

    kind = fields.String(required=True, validate=validate.OneOf(submissions.KINDS))
    listing_id = fields.String(
        metadata={"description": "The listing changed (edit, capacity, verify); none for new"}
    )
    changes = fields.Dict(
        keys=fields.String(),
        load_default=dict,
        metadata={
            "description": "edit and new: listing fields as in PATCH /api/v1/listings/{id}; "
            "capacity: {available, total, unit}; verify: nothing"
        },
    )

    @validates_schema
    def _listing_for_kind(self, data, **kwargs):
        if data.get("kind") == "new" and data.get("listing_id"):
            raise ValidationError("a new listing has no id yet: leave it out", "listing_id")
        if data.get("kind") not in (None, "new") and not data.get("listing_id"):
            raise ValidationError("name the listing this changes", "listing_id")


class SubmissionAcceptedSchema(Schema):
    """A submission received: pending review, or published at once."""

    id = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(("pending", "published")))
    kind = fields.String(required=True, validate=validate.OneOf(submissions.KINDS))
    listing_id = fields.String(required=True)
    url = fields.String(required=True, metadata={"description": "Where to read its status"})


class SubmissionStatusSchema(Schema):
    """What became of a submission; `note` is the reviewer's word when it was turned down."""

    id = fields.String(required=True)
    kind = fields.String(required=True)
    status = fields.String(
        required=True, validate=validate.OneOf(("pending", "published", "rejected"))
    )
    listing_id = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    decided_at = _nullable(fields.DateTime)
    note = _nullable(fields.String)
