"""The instant tests run at: every app a test makes has its clock stopped (RESDIR_NOW), so that no
answer depends on the day or the hour the suite runs."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from flask import Flask

# Thursday 3 December 2026, 10:00 AM in San Francisco.
NOW = datetime(2026, 12, 3, 18, 0, tzinfo=UTC)


@contextmanager
def clock_at(app: Flask, instant: datetime) -> Iterator[None]:
    """Stop the app's clock at another instant for the block, then put it back."""
    before = app.config["NOW"]
    app.config["NOW"] = instant.astimezone(UTC)
    try:
        yield
    finally:
        app.config["NOW"] = before
