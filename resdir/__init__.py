"""Create the resdir app: a community resource directory and matching service.

resdir serves recovery peer support: housing, transport, childcare and sober-social listings.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

from flask import Flask

from resdir import config

PACKAGE = Path(__file__).resolve().parent
# A wheel carries the templates inside the package; a checkout keeps them at its top level.
TEMPLATES = next(p for p in (PACKAGE / "templates", PACKAGE.parent / "templates") if p.is_dir())
SECRET_KEY_FILENAME = "secret_key"  # in the instance folder, when RESDIR_SECRET_KEY is not set
SECRET_KEY_BYTES = 32
# A sign-in lasts until the browser closes, and at most this long (a working day and more).
SESSION_LIFETIME = timedelta(hours=12)


def stable_secret_key(path: Path) -> str:
    """Return the secret key kept in `path`, made (readable by the owner only) if absent.

    Every process of the app (gunicorn workers, a restart) must sign sessions with the same key.
    The key is written to a temporary file and linked into place, so two processes starting at
    once agree on one key and none reads a half-written file.
    """
    if not path.exists():
        _make_secret_key(path)
    key = path.read_text("ascii").strip()
    if not key:
        raise config.ConfigError(f"{path} holds no secret key: delete it to have one made")
    return key


def _make_secret_key(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(secrets.token_hex(SECRET_KEY_BYTES) + "\n")
    try:
        os.link(draft, path)
    except FileExistsError:
        pass  # another process made it first: use theirs
    finally:
        draft.unlink()


def create_app(test_config: dict | None = None) -> Flask:
    """Create the Flask app: defaults, then RESDIR_* variables, then `test_config`."""
    app = Flask(__name__, template_folder=str(TEMPLATES))
    app.config.from_mapping(config.DEFAULTS)
    app.config.update(PERMANENT_SESSION_LIFETIME=SESSION_LIFETIME, SESSION_COOKIE_SAMESITE="Lax")
    app.config.from_prefixed_env("RESDIR")
    if test_config:
        app.config.from_mapping(test_config)
    config.validate(app.config)
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = stable_secret_key(
            Path(app.config["SECRET_KEY_FILE"] or Path(app.instance_path) / SECRET_KEY_FILENAME)
        )
    app.config["SQLALCHEMY_URL"] = config.database_url(app.config["DATABASE"], app.instance_path)

    from resdir import cli, clock, geo, i18n, limits, store, web

    # The gazetteer takes a second or two to index: loaded beside the start-up, the first
    # search after a start is as fast as the next.
    geo.load_gazetteer_in_background()

    clock.init_app(app)
    i18n.init_app(app)
    store.init_app(app)
    cli.init_app(app)
    web.init_app(app)
    limits.init_app(app)
    return app
