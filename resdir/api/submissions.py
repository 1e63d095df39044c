"""Serve the agency submissions API: propose changes to listings with an API token, and read
what became of them.

Every route takes `Authorization: Bearer <token>` (an account's API token, made at /account).
A submission is answered 202 with its id and status; the listing changes when an admin approves
it (or at once, for a verified agency's capacity and "still accurate" updates).
"""

from flask import Response, jsonify, request, url_for
from marshmallow import ValidationError

from resdir import clock, store
from resdir import submissions as core
from resdir.accounts import may_edit
from resdir.api import errors
from resdir.api.schemas import SubmissionRequestSchema
from resdir.api.views import blueprint, read_json
from resdir.model import field_paths
from resdir.store import Account, Submission
from resdir.web import auth

# A whole new listing with a week of hours, a long description and every fact stays far below.
MAX_SUBMISSION_BYTES = 256 * 1024
ROUTES = ("api.create_submission", "api.edit_listing", "api.submission_status")


@blueprint.after_request
def _challenge(response: Response) -> Response:
    """Tell a client refused for want of a token how to authenticate (RFC 6750)."""
    if response.status_code == 401 and request.endpoint in ROUTES:
        given = request.headers.get("Authorization")
        response.headers["WWW-Authenticate"] = (
            'Bearer realm="resdir", error="invalid_token"' if given else 'Bearer realm="resdir"'
        )
    return response


def _base_version() -> int | None:
    """Return the listing version the client's changes were made against (`If-Match`, the
    ETag of GET /api/v1/listings/<id>), or None; a 400 for an If-Match that names none."""
    given = request.headers.get("If-Match")
    if given is None:
        return None
    version = given.strip().removeprefix("W/").strip('"')
    if not version.isdigit():
        raise errors.ApiError(
            400,
            "bad_if_match",
            'If-Match must be the ETag of the listing, such as "12" (its version).',
            {"If-Match": ["not a listing's ETag"]},
        )
    return int(version)


def _submit(
    account: Account, kind: str, listing_id: str | None, changes, prefix: str
) -> tuple[Response, int]:
    """Make the submission and answer 202 with where to follow it; 404, 403 or 422 when it
    cannot be made (bad fields named by their dotted path under `prefix`), 409 when the
    listing changed in those fields after the version named by If-Match."""
    base_version = _base_version()

    def work(session):
        return core.submit(session, account, kind, listing_id, changes, clock.now(), base_version)

    try:
        submission = store.write(work)
    except core.UnknownListing as exc:
        raise errors.ApiError(404, "not_found", f"No listing has the id {listing_id!r}.") from exc
    except core.NotAllowed as exc:
        message = "This account may not change this listing (another organization's)."
        raise errors.ApiError(403, "forbidden", message) from exc
    except core.SubmissionError as exc:
        fields = {
            f"{prefix}{path}".removesuffix("._schema"): texts for path, texts in exc.fields.items()
        }
        if isinstance(exc, core.ChangedSince):
            message = "The listing changed since the version you read: " + ", ".join(fields)
            raise errors.ApiError(409, "changed_since", message, fields) from exc
        raise errors.invalid(fields) from exc
    url = url_for("api.submission_status", submission_id=submission.id)
    body = {
        "id": submission.id,
        "status": submission.status,
        "kind": submission.kind,
        "listing_id": submission.listing_id,
        "url": url,
    }
    response = jsonify(body)
    response.headers["Location"] = url
    return response, 202


@blueprint.post("/v1/submissions")
def create_submission():
    """Propose a change: edit, capacity or verify a listing, or propose a new one.

    The answer is 202 with the submission's id and status (pending, or published when a
    verified agency's capacity or "still accurate" update publishes at once) and its URL.
    """
    account = auth.api_account()
    try:
        data = SubmissionRequestSchema().load(read_json(MAX_SUBMISSION_BYTES))
    except ValidationError as exc:
        raise errors.invalid(field_paths(exc.messages)) from exc
    return _submit(account, data["kind"], data.get("listing_id"), data["changes"], "changes.")


@blueprint.patch("/v1/listings/<listing_id>")
def edit_listing(listing_id: str):
    """Propose changes to a listing's fields (the body), for review.

    The answer is 202 with the submission's id, its status and its URL; the published listing
    changes when an admin approves it.
    """
    account = auth.api_account()
    changes = read_json(MAX_SUBMISSION_BYTES)
    return _submit(account, "edit", listing_id, changes, "")


@blueprint.get("/v1/submissions/<submission_id>")
def submission_status(submission_id: str):
    """Return what became of a submission: pending, published or rejected (with the note)."""
    account = auth.api_account()
    with store.session() as session:
        submission = session.get(Submission, submission_id)
        # Another organization's drafts are not even said to exist.
        if submission is None or not may_edit(account, submission.organization_id):
            raise errors.ApiError(
                404, "not_found", f"No submission of yours has the id {submission_id!r}."
            )
        return jsonify(core.as_dict(submission))
