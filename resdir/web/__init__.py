"""Serve the web layer: the public pages, the peer console and the JSON API, with the headers
every page carries."""

from urllib.parse import urlsplit

from flask import Flask, Response, current_app, render_template
from sqlalchemy.exc import OperationalError

from resdir import store
from resdir.store import StoreBusy


def content_security_policy(tile_url: str) -> str:
    """Return the page policy: every script, style and connection from this site only (no
    inline script), images also from the map's tile server, never inside another site's frame."""
    tiles = ""
    if tile_url:
        parts = urlsplit(tile_url.replace("{s}", "a"))
        host = parts.netloc.replace("a.", "*.", 1) if "{s}" in tile_url else parts.netloc
        tiles = f" {parts.scheme}://{host}"
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        f"img-src 'self' data:{tiles}; connect-src 'self'; font-src 'self'; object-src 'none'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )


def _secure(response: Response) -> Response:
    headers = response.headers
    headers.setdefault(
        "Content-Security-Policy", content_security_policy(current_app.config["TILE_URL"])
    )
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    # A search page's address may say what a person needs: never send it to another site.
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("Permissions-Policy", "geolocation=(self), camera=(), microphone=()")
    return response


def _busy(exc: StoreBusy | OperationalError):
    # Writers that kept meeting each other, or a lock held past the busy timeout by a long
    # writer: nothing was saved, and saying so beats a 500. Anything else is a bug: a 500.
    if isinstance(exc, OperationalError) and not store.transient(exc):
        raise exc
    current_app.logger.warning("store busy: %s", exc)
    return render_template("busy.html"), 503, {"Retry-After": str(StoreBusy.retry_after_seconds)}


def init_app(app: Flask) -> None:
    """Register every blueprint, sessions with CSRF protection, and the security headers."""
    from resdir import api
    from resdir.web import auth, peer, public

    app.register_blueprint(public.blueprint)
    app.register_blueprint(peer.blueprint)
    app.register_blueprint(api.blueprint)
    app.register_blueprint(api.hsds_blueprint)
    app.register_blueprint(auth.blueprint)
    from resdir.web import admin, agency, feeds, report

    app.register_blueprint(report.blueprint)
    app.register_blueprint(feeds.blueprint)
    app.register_blueprint(agency.blueprint)
    app.register_blueprint(admin.blueprint)
    auth.init_app(app)
    # The API's writes carry a Bearer token, never the session cookie. The search and peer
    # forms change nothing on the server and are read by visitors with no session (a token
    # would need one); their answers depend only on what was posted.
    for exempt in (api.blueprint, public.blueprint, peer.blueprint):
        auth.csrf.exempt(exempt)
    app.register_error_handler(StoreBusy, _busy)
    app.register_error_handler(OperationalError, _busy)
    app.after_request(_secure)
