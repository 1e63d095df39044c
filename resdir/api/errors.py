"""Answer every API failure in one envelope: `{"error": {"code", "message", "fields"}}`.

A request the API cannot use is a 4xx that names each bad field; only a bug is a 500, and its
answer carries no stack trace. Nothing here logs a request body or query string: a profile is a
person's barriers and medications (DESIGN §1).
"""

import math
import traceback
from http import HTTPStatus

from flask import Blueprint, Response, current_app, jsonify, request
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from resdir.search import SearchUnavailable
from resdir.store import StoreBusy, transient

API_PREFIXES = ("/api/", "/hsds/")  # the JSON APIs: their errors are JSON too


class ApiError(Exception):
    """A request the API answers with an error envelope."""

    def __init__(self, status: int, code: str, message: str, fields: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.fields = fields or {}


def invalid(fields: dict[str, list[str]]) -> ApiError:
    """Return the 422 naming each bad field with its messages."""
    return ApiError(422, "invalid", f"Not valid: {', '.join(sorted(fields))}", fields)


def envelope(
    status: int, code: str, message: str, fields: dict | None = None
) -> tuple[Response, int]:
    """Return the error response."""
    body = {"error": {"code": code, "message": message, "fields": fields or {}}}
    return jsonify(body), status


def _code(status: int) -> str:
    return HTTPStatus(status).phrase.lower().replace(" ", "_").replace("-", "_")


def _http_error(exc: HTTPException):
    # Registered on the app too, for requests no route matched (404, 405): other pages keep
    # werkzeug's own answer.
    if not request.path.startswith(API_PREFIXES):
        return exc
    return envelope(exc.code, _code(exc.code), exc.description)


def _api_error(exc: ApiError):
    return envelope(exc.status, exc.code, exc.message, exc.fields)


def _unavailable(exc: SearchUnavailable):
    current_app.logger.warning("search unavailable: %s", exc)
    response, status = envelope(
        503, "search_unavailable", "Search is unavailable for now; please try again shortly."
    )
    # The cluster is tried again after this long (resdir.search.elastic): so may the client.
    response.headers["Retry-After"] = str(
        math.ceil(current_app.config["ELASTICSEARCH_RECHECK_SECONDS"])
    )
    return response, status


def _busy(exc: StoreBusy | OperationalError):
    if isinstance(exc, OperationalError) and not transient(exc):
        return _bug(exc)
    current_app.logger.warning("store busy: %s", exc)
    response, status = envelope(
        503, "busy", "Other changes were being saved at the same moment: send this again."
    )
    response.headers["Retry-After"] = str(StoreBusy.retry_after_seconds)
    return response, status


def _bug(exc: Exception):
    # The frames say where the bug is; the exception's message and the locals could hold a
    # person's profile, so neither is logged.
    frames = "".join(traceback.format_tb(exc.__traceback__))
    current_app.logger.error(
        "API bug: %s in %s %s\n%s", type(exc).__name__, request.method, request.path, frames
    )
    return envelope(500, "internal_error", "Something went wrong on our side.")


def register(blueprint: Blueprint) -> None:
    """Answer the blueprint's errors, and the app's routing errors under the API prefixes, in
    the envelope."""
    blueprint.app_errorhandler(HTTPException)(_http_error)
    # A blueprint's handlers are searched before the app's, by class: HTTPException must be
    # registered here too, or the catch-all Exception would answer a 404 raised in a view.
    blueprint.errorhandler(HTTPException)(_http_error)
    blueprint.errorhandler(ApiError)(_api_error)
    blueprint.errorhandler(SearchUnavailable)(_unavailable)
    blueprint.errorhandler(StoreBusy)(_busy)
    blueprint.errorhandler(OperationalError)(_busy)
    blueprint.errorhandler(Exception)(_bug)
