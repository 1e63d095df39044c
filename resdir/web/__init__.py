"""Serve the web layer: blueprints for public pages (peer console, agency portal, API later)."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register every blueprint."""
    from resdir.web import public

    app.register_blueprint(public.blueprint)
