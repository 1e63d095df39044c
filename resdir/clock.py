"""Tell the time: the one source of "now" for every view, command and domain function.

Domain functions take `now` as a parameter; the edges (views, commands, ingest) ask `now()` here.
`RESDIR_NOW` (an ISO 8601 instant with its offset) stops the clock at that instant, which is how
a test chooses its day and an operator replays one; unset, the clock is the machine's.
"""

from datetime import UTC, datetime

from flask import Flask, current_app, has_app_context

from resdir.config import ConfigError


def now() -> datetime:
    """Return the current instant, aware, in UTC: the app's RESDIR_NOW when set, else the
    machine's clock (also outside an app, as in a benchmark)."""
    if has_app_context():
        fixed = current_app.config.get("NOW")
        if fixed is not None:
            return fixed
    return datetime.now(UTC)


def instant(value: str | datetime | None) -> datetime | None:
    """Return a RESDIR_NOW setting as an aware UTC instant (None: the machine's clock), or
    raise ConfigError for a value without its offset or not a date at all."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError as exc:
            raise ConfigError(f"RESDIR_NOW must be an ISO 8601 instant: {exc}") from exc
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise ConfigError("RESDIR_NOW must be an instant with its offset, such as ...T18:00-08:00")
    return value.astimezone(UTC)


def init_app(app: Flask) -> None:
    """Read RESDIR_NOW into the app's clock, or fail fast naming it."""
    app.config["NOW"] = instant(app.config.get("NOW"))
