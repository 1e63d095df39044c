"""Serve the web layer: the public pages and the JSON API (peer console, agency portal later)."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register every blueprint."""
    from resdir import api
    from resdir.web import public

    app.register_blueprint(public.blueprint)
    app.register_blueprint(api.blueprint)
