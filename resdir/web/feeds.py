"""Serve the directory's public feeds for other apps: the Meeting Guide feed of its meetings."""

from flask import Blueprint, Response, request

from resdir import meeting_feed, store

blueprint = Blueprint("feeds", __name__)

MEDIA_TYPE = "application/json"
# A meeting app polls the feed: it may keep a copy but asks each time whether it changed (304).
CACHE_CONTROL = "public, no-cache"


@blueprint.get("/meetings.json")
def meetings():
    """Return every published meeting as a Meeting Guide feed, for TSML UI or a meeting app."""
    with store.session() as session:
        version = meeting_feed.version(session)
        fresh = _fresh(version)
        body = "" if fresh else meeting_feed.dumps(meeting_feed.meetings(session))
    response = Response(body, status=304 if fresh else 200, mimetype=MEDIA_TYPE)
    response.set_etag(version.etag)
    response.last_modified = version.last_modified
    response.headers["Cache-Control"] = CACHE_CONTROL
    # Public data, which TSML UI fetches from the page of another site.
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _fresh(version: meeting_feed.FeedVersion) -> bool:
    """Tell whether the client's copy is the current feed (If-None-Match, else
    If-Modified-Since, as RFC 9110 orders them), so the feed need not be built."""
    if request.if_none_match:
        return request.if_none_match.contains(version.etag)
    since = request.if_modified_since
    last = version.last_modified
    return bool(since and last and last.replace(microsecond=0) <= since)
