"""Configure resdir: defaults for one machine with no services, overridden by RESDIR_* variables."""

import importlib.util
import re
from pathlib import Path

DEFAULTS = {
    # Stop the clock at this instant (ISO 8601 with its offset): tests choose their day with it;
    # empty, the machine's clock (resdir.clock).
    "NOW": "",
    # A path (relative paths are taken from the working directory) or a SQLAlchemy URL such as
    # postgresql://user@host/resdir. Empty: instance/resdir.sqlite3 in the app's instance folder.
    "DATABASE": "",
    "SEARCH": "embedded",  # embedded | elasticsearch
    # With Elasticsearch and a SQLite store, keep the embedded index too: it answers (marked
    # "degraded") while the cluster is unreachable.
    "SEARCH_FALLBACK": True,
    "ELASTICSEARCH_URL": "http://127.0.0.1:9200",
    "ELASTICSEARCH_INDEX": "resdir-listings",  # the alias searches use
    # Authentication: an API key (base64 "id:key"), or a user and password; a CA bundle for
    # a cluster whose certificate a private authority signed.
    "ELASTICSEARCH_API_KEY": "",
    "ELASTICSEARCH_USERNAME": "",
    "ELASTICSEARCH_PASSWORD": "",
    "ELASTICSEARCH_CA_CERTS": "",
    # Per request of command-line work (rebuilds, ingest's sync); bulk loads wait longer.
    "ELASTICSEARCH_TIMEOUT_SECONDS": 10.0,
    # A search's whole work on the cluster (the outbox sync before it, the query, the
    # documents) ends within this, or the search degrades: well inside a worker's timeout.
    "ELASTICSEARCH_BUDGET_SECONDS": 1.0,
    # After a failed call, a process's searches skip the cluster for this long, then try again.
    "ELASTICSEARCH_RECHECK_SECONDS": 5.0,
    # "offline" (ZIP and city centroids shipped with the zipcodes package), or
    # "nominatim:<url>" / "pelias:<url>" for a self-hosted geocoder behind a cache and rate limit.
    "GEOCODER": "offline",
    "GEOCODER_MIN_DELAY_SECONDS": 1.0,  # Nominatim's usage policy: at most one request a second
    "GEOCODER_TIMEOUT_SECONDS": 10.0,
    # The share (0 to 1) of a source's listings one full snapshot may unpublish: a snapshot that
    # would unpublish more is held back (a manifest's max_shrink overrides it for its source;
    # `resdir ingest --allow-shrink` lets one run through).
    "MAX_SHRINK": 0.2,
    # Signs sessions. Unset: made once and kept in SECRET_KEY_FILE (default instance/secret_key),
    # so that sign-ins survive restarts and every worker of one host agrees.
    "SECRET_KEY": None,
    "SECRET_KEY_FILE": "",
    # Map tiles: a URL template with {z}, {x} and {y} (empty: markers on a blank map, and no
    # tile server learns what area a person looks at), and the credit its licence asks for, as
    # HTML (a link allowed). By default OpenStreetMap's standard tiles, under its tile usage
    # policy: light use, each request naming this site (its origin, never the page's address).
    "TILE_URL": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
    "TILE_ATTRIBUTION": (
        '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
    ),
    # Directions to a listing: a web maps URL template with {lat} and {lon} (the door's point),
    # shown beside a geo: link, which a phone opens in its own maps app.
    "DIRECTIONS_URL": "https://www.openstreetmap.org/directions?route=%3B{lat}%2C{lon}",
    # A listing not verified for this many days is stale: marked in the agency portal, the admin
    # lists and matching reasons ("call to confirm").
    "STALE_DAYS": 365,
    # What a verified agency account's updates publish at once, without review: any of
    # capacity, verify (comma-separated; empty: everything is reviewed).
    "AUTO_PUBLISH": "capacity,verify",
    "INVITATION_DAYS": 7,  # how long an invitation link works
    "PASSWORD_RESET_HOURS": 24,  # how long a password reset link works
    # Sign-in attempts for one email from one address (an IPv6 /64) within the window: beyond
    # this, sign-in answers 429 until the window has passed; a successful one starts afresh.
    "LOGIN_ATTEMPTS": 5,
    "LOGIN_WINDOW_MINUTES": 15,
    # Requests to the public JSON API from one address (an IPv6 /64): "120/minute",
    # "1000 per hour", or "off". Counted in each process's "memory" (a gunicorn worker counts
    # apart) or in the "database", which every worker and host shares at one write a request.
    "API_RATE_LIMIT": "120/minute",
    "API_RATE_LIMIT_STORAGE": "memory",
    # Reports of a problem with a listing from one address (an IPv6 /64), counted in this
    # process's memory only: "5/hour", or "off".
    "REPORT_RATE_LIMIT": "5/hour",
}
AUTO_PUBLISH_KINDS = ("capacity", "verify")
MAX_BUDGET_SECONDS = 10  # a third of gunicorn's default worker timeout
SEARCH_ENGINES = ("embedded", "elasticsearch")
DIRECTIONS_FIELDS = {"{lat}", "{lon}"}  # what a directions URL template fills in
TILE_FIELDS = ("{z}", "{x}", "{y}")  # what every tile URL template fills in
GEOCODER_PATTERN = re.compile(r"^(offline|(nominatim|pelias):https?://\S+)$")


class ConfigError(ValueError):
    """A configuration value that resdir cannot run with."""


def database_url(value: str, instance_path: str) -> str:
    """Return the SQLAlchemy URL for the DATABASE setting."""
    if "://" in value:
        return value
    path = Path(value) if value else Path(instance_path) / "resdir.sqlite3"
    return f"sqlite:///{path.resolve()}"


def validate(config: dict) -> None:
    """Raise ConfigError naming every setting that is not usable."""
    errors = []
    if config["SEARCH"] not in SEARCH_ENGINES:
        errors.append(f"RESDIR_SEARCH must be one of {', '.join(SEARCH_ENGINES)}")
    elif config["SEARCH"] == "elasticsearch" and importlib.util.find_spec("elasticsearch") is None:
        errors.append(
            "RESDIR_SEARCH=elasticsearch needs the Elasticsearch client: "
            "pip install 'resdir[elasticsearch]'"
        )
    if not GEOCODER_PATTERN.match(str(config["GEOCODER"])):
        errors.append("RESDIR_GEOCODER must be 'offline', 'nominatim:<url>' or 'pelias:<url>'")
    for key in (
        "GEOCODER_MIN_DELAY_SECONDS",
        "GEOCODER_TIMEOUT_SECONDS",
        "ELASTICSEARCH_TIMEOUT_SECONDS",
        "ELASTICSEARCH_RECHECK_SECONDS",
    ):
        if not isinstance(config[key], int | float) or config[key] < 0:
            errors.append(f"RESDIR_{key} must be a number of seconds")
    budget = config["ELASTICSEARCH_BUDGET_SECONDS"]
    if not isinstance(budget, int | float) or not 0 < budget <= MAX_BUDGET_SECONDS:
        errors.append(
            f"RESDIR_ELASTICSEARCH_BUDGET_SECONDS must be more than 0 and at most "
            f"{MAX_BUDGET_SECONDS} seconds (a search must end well inside a worker's timeout)"
        )
    for key in (
        "STALE_DAYS",
        "INVITATION_DAYS",
        "PASSWORD_RESET_HOURS",
        "LOGIN_ATTEMPTS",
        "LOGIN_WINDOW_MINUTES",
    ):
        if not isinstance(config[key], int) or isinstance(config[key], bool) or config[key] < 1:
            errors.append(f"RESDIR_{key} must be a whole number of at least 1")
    kinds = [k.strip() for k in str(config["AUTO_PUBLISH"]).split(",") if k.strip()]
    if any(kind not in AUTO_PUBLISH_KINDS for kind in kinds):
        errors.append(f"RESDIR_AUTO_PUBLISH may list only {', '.join(AUTO_PUBLISH_KINDS)}")
    shrink = config["MAX_SHRINK"]
    if isinstance(shrink, bool) or not isinstance(shrink, int | float) or not 0 <= shrink <= 1:
        errors.append("RESDIR_MAX_SHRINK must be a share between 0 and 1 (0.2 is 20%)")
    if not isinstance(config["SEARCH_FALLBACK"], bool):
        errors.append("RESDIR_SEARCH_FALLBACK must be true or false")
    if not re.fullmatch(r"[a-z0-9][a-z0-9_.-]*", str(config["ELASTICSEARCH_INDEX"])):
        errors.append("RESDIR_ELASTICSEARCH_INDEX must be a lower-case Elasticsearch index name")
    directions = str(config["DIRECTIONS_URL"])
    fields = set(re.findall(r"\{[^}]*\}", directions))
    if not re.match(r"https?://", directions) or fields != DIRECTIONS_FIELDS:
        errors.append("RESDIR_DIRECTIONS_URL must be an http(s) URL with {lat} and {lon} in it")
    tiles = str(config["TILE_URL"])
    if tiles and (not re.match(r"https?://", tiles) or not all(f in tiles for f in TILE_FIELDS)):
        errors.append("RESDIR_TILE_URL must be empty or an http(s) URL with {z}, {x} and {y} in it")
    if tiles and not str(config["TILE_ATTRIBUTION"]).strip():
        errors.append(
            "RESDIR_TILE_ATTRIBUTION must give the credit the tile server's licence asks for "
            "(or set RESDIR_TILE_URL empty for no tiles)"
        )
    if errors:
        raise ConfigError("; ".join(errors))
