"""Route the JSON API: match, search, listings, vocabulary, the OpenAPI document, the docs."""

import json
from collections.abc import Callable

from flask import Blueprint, jsonify, render_template, request
from marshmallow import ValidationError
from sqlalchemy import select
from werkzeug.exceptions import NotFound, UnsupportedMediaType

from resdir import clock, store
from resdir.api import errors, openapi
from resdir.api.query import profile_from_query, profile_params, query_name
from resdir.api.vocabulary import vocabulary
from resdir.listings import load_published
from resdir.matching import CursorError, HiddenReasonError, match
from resdir.matching.profile import PlaceError, ProfileSchema
from resdir.model import field_paths
from resdir.store import Listing

# A profile is a few hundred bytes; the largest valid one is under 4 KiB.
MAX_BODY_BYTES = 16 * 1024
PROFILE_IN_URL = (
    "A person's barriers, values, languages, gender and age are never put in a URL: proxies and "
    "servers log URLs. POST the profile to /api/v1/match instead."
)

blueprint = Blueprint("api", __name__, url_prefix="/api")
errors.register(blueprint)


def read_json(max_bytes: int = MAX_BODY_BYTES):
    """Return the request's JSON body: 415 unless it says it is JSON, 413 if larger than
    `max_bytes`, 400 if it does not parse."""
    if not request.is_json:
        raise UnsupportedMediaType("Send the body as JSON (Content-Type: application/json).")
    request.max_content_length = max_bytes
    try:
        return json.loads(request.get_data(cache=False))
    # Nesting too deep for the parser is malformed too, not a bug.
    except (ValueError, RecursionError) as exc:
        raise errors.ApiError(400, "malformed_json", "The body is not valid JSON.") from exc


def validated_profile(raw, name: Callable[[str], str] = str, bad: dict | None = None) -> dict:
    """Return the validated profile, or raise a 422 naming every bad field: those of `bad`, and
    the profile's own, each as `name(dotted path)`."""
    fields = dict(bad or {})
    try:
        profile = ProfileSchema().load(raw)
    except ValidationError as exc:
        for field, texts in field_paths(exc.messages, name).items():
            fields.setdefault(field, []).extend(texts)
    if fields:
        raise errors.invalid(fields)
    return profile


def run_match(profile: dict, name: Callable[[str], str] = str) -> dict:
    """Match a validated profile; a place not known is a 422 on `name("location")`, a reason
    it does not hide by on `name("show_hidden")`."""
    with store.session() as session:
        try:
            return match(profile, session, clock.now())
        except PlaceError as exc:
            raise errors.invalid({name("location"): [str(exc)]}) from exc
        except HiddenReasonError as exc:
            raise errors.invalid({name("show_hidden"): [str(exc)]}) from exc
        except CursorError as exc:
            message = f"cursor: {exc}"
            raise errors.ApiError(400, "bad_cursor", message, {"cursor": [str(exc)]}) from exc


@blueprint.post("/v1/match")
def match_profile():
    """Match a profile (the JSON body) to listings: best first, with reasons and what was hidden."""
    return jsonify(run_match(validated_profile(read_json())))


@blueprint.get("/v1/search")
def search():
    """Match the shareable part of a profile a URL's query describes (where, what, when), as
    POST /api/v1/match does; a URL with barriers, values, languages, gender or age is a 400."""
    private = profile_params(request.args)
    if private:
        told = "Not in a URL: POST the profile to /api/v1/match."
        raise errors.ApiError(400, "profile_in_url", PROFILE_IN_URL, {n: [told] for n in private})
    raw, bad = profile_from_query(request.args)
    profile = validated_profile(raw, query_name, field_paths(bad))
    return jsonify(run_match(profile, query_name))


@blueprint.get("/v1/listings/<listing_id>")
def listing(listing_id: str):
    """Return a published listing, as the canonical model describes it."""
    with store.session() as session:
        doc = load_published(session, listing_id)
        version = session.scalar(select(Listing.version).where(Listing.id == listing_id))
    if doc is None:
        raise NotFound(f"No published listing has the id {listing_id!r}.")
    response = jsonify(doc)
    # The version, for an agency's If-Match: changes made against it are checked against it.
    response.set_etag(str(version))
    return response


@blueprint.get("/v1/vocab")
def vocab():
    """List every code (needs, barriers, values, attributes, genders, ...) with its label."""
    return jsonify(vocabulary())


@blueprint.get("/openapi.json")
def openapi_document():
    """Return the OpenAPI document, generated from the API's marshmallow schemas."""
    return jsonify(openapi.document())


@blueprint.get("/docs")
def docs():
    """Show the endpoints and link the OpenAPI document."""
    return render_template("api/docs.html", spec=openapi.document())
