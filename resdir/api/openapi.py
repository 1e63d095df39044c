"""Generate the OpenAPI document of the JSON API from its routes and marshmallow schemas.

Paths come from the app's URL map, summaries from the views' docstrings, and every request and
response shape from the schemas that validate or describe it (apispec's MarshmallowPlugin): the
document is never written by hand, so it cannot drift from the code.
"""

import re
from http import HTTPStatus

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec.ext.marshmallow.common import resolve_schema_cls
from flask import current_app
from marshmallow import fields, validate

from resdir import vocab
from resdir.api.hsds_catalog import MAX_PER_PAGE
from resdir.api.schemas import (
    ErrorEnvelopeSchema,
    ListingChangesSchema,
    MatchResponseSchema,
    SearchQuerySchema,
    SubmissionAcceptedSchema,
    SubmissionRequestSchema,
    SubmissionStatusSchema,
    VocabularySchema,
)
from resdir.matching.profile import BarriersField, ProfileSchema
from resdir.model import ListingSchema

EXTENSION = "resdir.api"
OPENAPI_VERSION = "3.1.0"
DESCRIPTION = (
    "Match a person's situation (where, needs, barriers, values) to recovery resources, with "
    "the reasons for every result and counts of what was hidden. Every error has one shape: "
    '{"error": {"code", "message", "fields"}}.'
)
UNAVAILABLE = (
    "Elasticsearch is unreachable and no embedded index can stand in; Retry-After says when "
    "to try again"
)
RATE_LIMITED = (
    "Too many requests from this address (RESDIR_API_RATE_LIMIT); Retry-After says when to try "
    "again"
)
BEARER = "bearer"  # the security scheme of the agency API: an account's API token
SUBMISSION_ERRORS = {
    400: "The body is not valid JSON, or If-Match is not a listing's ETag",
    401: "No API token, or one not valid (revoked, or its account turned off)",
    403: "The listing belongs to another organization",
    404: "No listing has this id",
    413: "The body is too large",
    415: "The body is not sent as application/json",
    409: "The listing changed after the version If-Match names, in fields these changes touch "
    "(code changed_since): fields says what each holds now",
    422: "Fields not valid: fields names each by its dotted path",
    503: "Other changes to the same listing kept being saved at the same moment (code busy); "
    "Retry-After says when to send it again",
}
IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": False,
    "description": "The ETag of GET /api/v1/listings/{listing_id} the changes were made "
    "against: a field someone changed since is refused (409) rather than overwritten",
    "schema": {"type": "string"},
}
# Endpoint -> the schemas of its request and response, the errors it answers, and (agency
# routes) its success status and the token it needs.
OPERATIONS = {
    "api.match_profile": {
        "body": ProfileSchema,
        "response": MatchResponseSchema,
        "errors": {
            400: "The body is not valid JSON, or the cursor is not one this API handed out",
            413: "The body is too large",
            415: "The body is not sent as application/json",
            422: "Fields not valid, or a place not known: fields names each by its path",
            429: RATE_LIMITED,
            503: UNAVAILABLE,
        },
    },
    "api.search": {
        "query": SearchQuerySchema,
        "response": MatchResponseSchema,
        "errors": {
            400: "The cursor is not one this API handed out, or the URL holds a profile's "
            "barriers, values, languages, gender or age (code profile_in_url): POST those to "
            "/api/v1/match",
            422: "Parameters not valid: fields names each by its query name",
            429: RATE_LIMITED,
            503: UNAVAILABLE,
        },
    },
    "api.listing": {
        "response": ListingSchema,
        "etag": True,
        "errors": {404: "No published listing has this id", 429: RATE_LIMITED},
    },
    "api.vocab": {"response": VocabularySchema, "errors": {429: RATE_LIMITED}},
    "api.create_submission": {
        "body": SubmissionRequestSchema,
        "response": SubmissionAcceptedSchema,
        "status": 202,
        "token": True,
        "if_match": True,
        "errors": SUBMISSION_ERRORS,
    },
    "api.edit_listing": {
        "body": ListingChangesSchema,
        "response": SubmissionAcceptedSchema,
        "status": 202,
        "token": True,
        "if_match": True,
        "errors": SUBMISSION_ERRORS,
    },
    "api.submission_status": {
        "response": SubmissionStatusSchema,
        "token": True,
        "errors": {
            401: SUBMISSION_ERRORS[401],
            404: "No submission of the token's organization has this id",
        },
    },
}
# The HSDS 3.0 API (/hsds): for exchanging directory data with other systems, in Open Referral's
# shapes. Its objects are described by the spec's compiled schemas, linked from each component.
HSDS_SCHEMAS = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"
HSDS_DESCRIPTION = (
    "Under /hsds, the published directory in Open Referral HSDS 3.0, for other directories, "
    "211s and apps to read: use /api/v1 to match a person with reasons, /hsds to exchange "
    "directory data."
)
HSDS_PARAMETERS = {
    "page": ({"type": "integer", "minimum": 1, "default": 1}, "The page, from 1"),
    "per_page": (
        {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
        f"Items per page (up to {MAX_PER_PAGE})",
    ),
    "format": ({"type": "string", "enum": ["json"]}, "json only (ndjson is not served)"),
    "search": ({"type": "string"}, "Words to look for"),
    "taxonomy_term_id": ({"type": "string"}, "Only those with this taxonomy term"),
    "taxonomy_id": ({"type": "string"}, "Only those with a term of this taxonomy"),
    "organization_id": ({"type": "string"}, "Only this organization's"),
    "modified_after": (
        {"type": "string", "format": "date-time"},
        "Only those changed at or after this instant (ISO 8601)",
    ),
    "minimal": ({"type": "boolean"}, "Ids, names, status and dates only"),
    "full": ({"type": "boolean"}, "Whole objects, everything nested, instead of summaries"),
    "full_service": ({"type": "boolean"}, "Each organization's services, whole"),
    "parent_id": ({"type": "string"}, "Only the children of this term"),
    "top_only": ({"type": "boolean"}, "Only terms without a parent"),
}
PAGING = ("page", "per_page", "format")
FILTERS = ("search", "taxonomy_term_id", "taxonomy_id", "organization_id", "modified_after")
HSDS_BAD = "Parameters not valid (code bad_parameters): fields names each"
HSDS_UNAVAILABLE = "Elasticsearch is unreachable for a search; Retry-After says when to try again"
# Endpoint -> its query parameters, the HSDS object it answers (a page of them for a list, with
# the compiled schema that describes it), and the errors it answers.
HSDS_OPERATIONS = {
    "hsds.about": {"response": "HsdsAbout", "errors": {}},
    "hsds.services": {
        "query": (*PAGING, *FILTERS, "minimal", "full"),
        "page_of": ("HsdsService", "compiled/service.json"),
        "errors": {400: HSDS_BAD, 503: HSDS_UNAVAILABLE},
    },
    "hsds.service": {
        "response": ("HsdsService", "compiled/service.json"),
        "errors": {404: "No published service has this id"},
    },
    "hsds.service_at_locations": {
        "query": (*PAGING, *FILTERS, "full"),
        "page_of": ("HsdsServiceAtLocation", "compiled/service_at_location.json"),
        "errors": {400: HSDS_BAD, 503: HSDS_UNAVAILABLE},
    },
    "hsds.service_at_location": {
        "response": ("HsdsServiceAtLocation", "compiled/service_at_location.json"),
        "errors": {404: "No published service at a location has this id"},
    },
    "hsds.organizations": {
        "query": (*PAGING, "search", "full", "full_service"),
        "page_of": ("HsdsOrganization", "compiled/organization.json"),
        "errors": {400: HSDS_BAD},
    },
    "hsds.organization": {
        "query": ("full_service",),
        "response": ("HsdsOrganization", "compiled/organization.json"),
        "errors": {400: HSDS_BAD, 404: "No organization with published services has this id"},
    },
    "hsds.taxonomies": {
        "query": (*PAGING, "search"),
        "page_of": ("HsdsTaxonomy", "taxonomy.json"),
        "errors": {400: HSDS_BAD},
    },
    "hsds.taxonomy": {
        "response": ("HsdsTaxonomy", "taxonomy.json"),
        "errors": {404: "No taxonomy has this id"},
    },
    "hsds.taxonomy_terms": {
        "query": (*PAGING, "search", "taxonomy_id", "parent_id", "top_only"),
        "page_of": ("HsdsTaxonomyTerm", "taxonomy_term.json"),
        "errors": {400: HSDS_BAD},
    },
    "hsds.taxonomy_term": {
        "response": ("HsdsTaxonomyTerm", "taxonomy_term.json"),
        "errors": {404: "No taxonomy term has this id"},
    },
}
HSDS_PAGE = {
    "type": "object",
    "description": "A page of a list: the paging envelope of HSDS 3.0's openapi.json",
    "required": [
        "total_items",
        "total_pages",
        "page_number",
        "size",
        "first_page",
        "last_page",
        "empty",
        "contents",
    ],
    "properties": {
        "total_items": {"type": "integer", "minimum": 0},
        "total_pages": {"type": "integer", "minimum": 0},
        "page_number": {"type": "integer", "minimum": 1},
        "size": {"type": "integer", "minimum": 0},
        "first_page": {"type": "boolean"},
        "last_page": {"type": "boolean"},
        "empty": {"type": "boolean"},
        "contents": {"type": "array"},
    },
}
HSDS_ABOUT = {
    "type": "object",
    "required": ["version", "profile", "openapi_url"],
    "properties": {
        "version": {"type": "string", "description": "The HSDS version served"},
        "profile": {"type": "string", "description": "The profile the data follows"},
        "openapi_url": {"type": "string", "description": "The spec's own OpenAPI document"},
    },
}

# Component names by schema module, so that two schemas of one class name stay apart.
NAME_PREFIXES = {"resdir.matching.profile": "Profile"}
BARRIER_STRENGTHS = ("require", "prefer")  # BarriersField's strengths ("avoid" is for values)
RULE_ARGUMENT = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def _schema_name(schema) -> str:
    cls = resolve_schema_cls(schema)
    name = cls.__name__.removesuffix("Schema")
    prefix = NAME_PREFIXES.get(cls.__module__, "")
    return name if name.startswith(prefix) else prefix + name


def _barriers(self, field, **kwargs) -> dict:
    """Describe BarriersField: a list of codes, or an object of code -> strength."""
    if not isinstance(field, BarriersField):
        return {}
    strength = {"type": "string", "enum": list(BARRIER_STRENGTHS)}
    return {
        "oneOf": [
            {"type": "array", "items": {"type": "string", "enum": list(vocab.BARRIERS)}},
            {
                "type": "object",
                "properties": dict.fromkeys(vocab.BARRIERS, strength),
                "additionalProperties": False,
            },
        ]
    }


def _closed_keys(self, field, ret: dict, **kwargs) -> dict:
    """Describe a dict whose keys are a fixed set of codes as an object with those properties."""
    if not isinstance(field, fields.Dict) or field.key_field is None:
        return {}
    choices = [v.choices for v in field.key_field.validators if isinstance(v, validate.OneOf)]
    if not choices:
        return {}
    value = ret.get("additionalProperties", {})
    return {"properties": dict.fromkeys(choices[0], value), "additionalProperties": False}


def _json(schema) -> dict:
    return {"application/json": {"schema": schema}}


def _operation(view, rule, spec: dict) -> dict:
    summary, _, description = (view.__doc__ or "").strip().partition("\n")
    status = spec.get("status", HTTPStatus.OK)
    success = {"description": HTTPStatus(status).phrase, "content": _json(spec["response"])}
    if status == HTTPStatus.ACCEPTED:
        success["headers"] = {
            "Location": {"description": "Where to read its status", "schema": {"type": "string"}}
        }
    if spec.get("etag"):
        success["headers"] = {
            "ETag": {
                "description": "The listing's version, for If-Match on the agency API",
                "schema": {"type": "string"},
            }
        }
    responses = {str(status): success}
    for error, text in spec["errors"].items():
        phrase = HTTPStatus(error).phrase
        responses[str(error)] = {
            "description": f"{phrase}: {text}",
            "content": _json(ErrorEnvelopeSchema),
        }
        if error in (HTTPStatus.SERVICE_UNAVAILABLE, HTTPStatus.TOO_MANY_REQUESTS):
            responses[str(error)]["headers"] = {
                "Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}
            }
        if error == HTTPStatus.UNAUTHORIZED:
            responses[str(error)]["headers"] = {
                "WWW-Authenticate": {"description": "Bearer", "schema": {"type": "string"}}
            }
    parameters = [
        {"in": "path", "name": name, "required": True, "schema": {"type": "string"}}
        for name in sorted(rule.arguments)
    ]
    if "query" in spec:
        parameters.append({"in": "query", "schema": spec["query"]})
    if spec.get("if_match"):
        parameters.append(IF_MATCH)
    operation = {"summary": summary, "responses": responses}
    if description.strip():
        operation["description"] = " ".join(description.split())
    if parameters:
        operation["parameters"] = parameters
    if "body" in spec:
        operation["requestBody"] = {"required": True, "content": _json(spec["body"])}
    if spec.get("token"):
        operation["security"] = [{BEARER: []}]
    return operation


def _hsds_object(name: str, schema: str) -> dict:
    """Return the component of an HSDS object: an id, and the compiled schema that holds the
    rest (a list's items are the summaries of its `_list` schema unless `full`)."""
    what = name.removeprefix("Hsds")
    return {
        "type": "object",
        "required": ["id"],
        "properties": {"id": {"type": "string"}},
        "description": f"An HSDS 3.0 {what}, as {HSDS_SCHEMAS}{schema} describes it",
        "externalDocs": {"url": HSDS_SCHEMAS + schema},
    }


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _hsds_operation(view, rule, spec: dict) -> dict:
    """Describe one /hsds route: its parameters, its answer and its errors."""
    summary, _, _ = (view.__doc__ or "").strip().partition("\n")
    if "page_of" in spec:
        items = _ref(spec["page_of"][0])
        answer = {"allOf": [_ref("HsdsPage"), {"properties": {"contents": {"items": items}}}]}
    else:
        response = spec["response"]
        answer = _ref(response if isinstance(response, str) else response[0])
    responses = {"200": {"description": "OK", "content": _json(answer)}}
    for error, text in spec["errors"].items():
        responses[str(error)] = {
            "description": f"{HTTPStatus(error).phrase}: {text}",
            "content": _json(_ref("ErrorEnvelope")),
        }
        if error == HTTPStatus.SERVICE_UNAVAILABLE:
            responses[str(error)]["headers"] = {
                "Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}
            }
    parameters = [
        {"in": "path", "name": name, "required": True, "schema": {"type": "string"}}
        for name in sorted(rule.arguments)
    ]
    for name in spec.get("query", ()):
        schema, description = HSDS_PARAMETERS[name]
        parameters.append(
            {"in": "query", "name": name, "schema": schema, "description": description}
        )
    operation = {"summary": summary, "tags": ["hsds"], "responses": responses}
    if parameters:
        operation["parameters"] = parameters
    return operation


def _add_hsds(app, spec: APISpec) -> None:
    """Describe the HSDS 3.0 API's routes and the objects they answer."""
    spec.components.schema("HsdsPage", HSDS_PAGE)
    spec.components.schema("HsdsAbout", HSDS_ABOUT)
    for operation_spec in HSDS_OPERATIONS.values():
        shape = operation_spec.get("page_of") or operation_spec["response"]
        if isinstance(shape, tuple) and shape[0] not in spec.components.schemas:
            spec.components.schema(shape[0], _hsds_object(*shape))
    for endpoint, operation_spec in HSDS_OPERATIONS.items():
        view = app.view_functions[endpoint]
        for rule in app.url_map.iter_rules(endpoint):
            spec.path(
                path=RULE_ARGUMENT.sub(r"{\1}", rule.rule),
                operations={"get": _hsds_operation(view, rule, operation_spec)},
            )


def build(app) -> dict:
    """Return the OpenAPI document of an app's API routes."""
    plugin = MarshmallowPlugin(schema_name_resolver=_schema_name)
    spec = APISpec(
        title="resdir API",
        version="1",
        openapi_version=OPENAPI_VERSION,
        plugins=[plugin],
        info={"description": f"{DESCRIPTION} {HSDS_DESCRIPTION}"},
    )
    plugin.converter.add_attribute_function(_barriers)
    plugin.converter.add_attribute_function(_closed_keys)
    spec.components.security_scheme(
        BEARER,
        {
            "type": "http",
            "scheme": "bearer",
            "description": "An account's API token, made on its /account page",
        },
    )
    for endpoint, operation_spec in OPERATIONS.items():
        view = app.view_functions[endpoint]
        for rule in app.url_map.iter_rules(endpoint):
            methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
            operation = _operation(view, rule, operation_spec)
            spec.path(
                path=RULE_ARGUMENT.sub(r"{\1}", rule.rule),
                operations={method.lower(): operation for method in methods},
            )
    _add_hsds(app, spec)
    return spec.to_dict()


def document() -> dict:
    """Return the current app's OpenAPI document, built once."""
    state = current_app.extensions.setdefault(EXTENSION, {})
    if "openapi" not in state:
        state["openapi"] = build(current_app)
    return state["openapi"]
