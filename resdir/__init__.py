"""Create the resdir app: a community resource directory and matching service.

resdir serves recovery peer support: housing, transport, childcare and sober-social listings.
"""

import secrets
from pathlib import Path

from flask import Flask

from resdir import config

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def create_app(test_config: dict | None = None) -> Flask:
    """Create the Flask app: defaults, then RESDIR_* variables, then `test_config`."""
    app = Flask(__name__, template_folder=str(TEMPLATES))
    app.config.from_mapping(config.DEFAULTS)
    app.config.from_prefixed_env("RESDIR")
    if test_config:
        app.config.from_mapping(test_config)
    config.validate(app.config)
    if not app.config["SECRET_KEY"]:
        # Sessions hold nothing durable yet; a per-process key is safe until accounts arrive.
        app.config["SECRET_KEY"] = secrets.token_hex(32)
    app.config["SQLALCHEMY_URL"] = config.database_url(app.config["DATABASE"], app.instance_path)

    from resdir import cli, i18n, store, web

    i18n.init_app(app)
    store.init_app(app)
    cli.init_app(app)
    web.init_app(app)
    return app
