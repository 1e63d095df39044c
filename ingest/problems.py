"""Define the typed taxonomy of ingest problems: a stable slug, a severity, a message template.

A problem names its source, record key, line and field. `error` problems reject the record (it is
quarantined with its raw form), or, without a record, say what a run refused to do;
`warning` problems record something fixed or dropped on the way; a `SourceError` means the whole
source could not be read and fails alone.
"""

import dataclasses
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    """How bad a problem is."""

    ERROR = "error"  # the record is rejected and quarantined
    WARNING = "warning"  # the record is accepted; something was fixed, dropped or guessed


@dataclass(frozen=True)
class ProblemType:
    """One kind of problem: slug, severity, a title and a message template."""

    slug: str
    severity: Severity
    title: str
    template: str


def _types(*rows: tuple[str, Severity, str, str]) -> dict[str, ProblemType]:
    return {slug: ProblemType(slug, sev, title, template) for slug, sev, title, template in rows}


E, W = Severity.ERROR, Severity.WARNING
PROBLEM_TYPES: dict[str, ProblemType] = _types(
    # record-level errors: the record is rejected
    ("not-a-record", E, "Not a record", "expected an object with fields, found {found}"),
    ("missing-name", E, "Missing name", "the record has no name; add one in the source"),
    ("missing-key", E, "Missing key", "the record has no id and none can be derived: {detail}"),
    ("invalid-record", E, "Invalid record", "{detail}"),
    (
        "duplicate-key",
        E,
        "Duplicate key",
        "key {key!r} is already the key of {first}; this different record was not loaded "
        "(give it an id of its own in the source)",
    ),
    ("repeated-record", E, "Repeated record", "the same record as {first} again; loaded once"),
    # source-level errors: the run loaded what it could and refused the rest
    (
        "snapshot-shrink",
        E,
        "Snapshot held back",
        "this full snapshot would unpublish {gone} of the source's {present} records "
        "({why}); they stay published. Check the file; to unpublish them, ingest it again "
        "with --allow-shrink",
    ),
    # record-level warnings: accepted with a fix, a guess or a dropped value
    ("orphan-reference", W, "Broken reference", "{table} refers to {ref!r}, which is not there"),
    (
        "impossible-coordinate",
        W,
        "Impossible coordinate",
        "{value} is not a place on Earth; dropped",
    ),
    (
        "swapped-coordinates",
        W,
        "Swapped coordinates",
        "latitude and longitude were swapped: {value}",
    ),
    (
        "coordinates-from-text",
        W,
        "Coordinates from text",
        "read {value!r} as [longitude, latitude]",
    ),
    (
        "area-coordinates",
        W,
        "Area coordinates",
        "{count} records at different street addresses share the point {value}: treated as the "
        "centre of their area, not as each address",
    ),
    (
        "not-geocoded",
        W,
        "No location",
        "no coordinates and the address could not be placed: {detail}",
    ),
    ("unparsed-hours", W, "Hours not understood", "kept as text only: {value!r}"),
    ("invalid-time", W, "Invalid time", "{value!r} is not a time of day"),
    ("invalid-day", W, "Invalid day", "{value!r} is not a day of the week"),
    ("invalid-phone", W, "Invalid phone", "{value!r} is not a dialable number; dropped"),
    ("invalid-url", W, "Invalid URL", "{value!r} is not a web address; dropped"),
    ("invalid-email", W, "Invalid e-mail", "{value!r} is not an e-mail address; dropped"),
    ("invalid-date", W, "Invalid date", "{value!r} is not a date; dropped"),
    ("invalid-value", W, "Invalid value", "{value!r}: {detail}"),
    ("unknown-code", W, "Unknown code", "{scheme} code {value!r} is not known; kept verbatim"),
    (
        "unknown-language",
        W,
        "Unknown language",
        "{value!r} is not a language resdir knows; dropped",
    ),
    ("encoding-fallback", W, "Not UTF-8", "{path} is not UTF-8; read as {encoding}"),
    ("unknown-column", W, "Unused column", "column {value!r} is not mapped and was ignored"),
    ("missing-column", W, "Missing column", "{detail}"),
    ("missing-table", W, "Missing table", "{detail}"),
)


@dataclass
class Problem:
    """One problem found while ingesting, located as precisely as the source allows."""

    type: str
    message: str
    source: str | None = None
    record: str | None = None
    line: int | None = None
    field: str | None = None
    # A rejected record's raw form as the quarantine keeps it (see pipeline.quarantine_form).
    raw: Any = dataclasses.field(default=None, repr=False, compare=False)

    @property
    def severity(self) -> Severity:
        """Return the severity of this problem's type."""
        return PROBLEM_TYPES[self.type].severity

    def as_dict(self) -> dict:
        """Return the problem as a run report lists it: JSON-ready, with its severity."""
        return {
            "type": self.type,
            "severity": str(self.severity),
            "record": self.record,
            "line": self.line,
            "field": self.field,
            "message": self.message,
        }


def problem(
    slug: str,
    *,
    field: str | None = None,
    line: int | None = None,
    record: str | None = None,
    **values,
) -> Problem:
    """Build a problem of a known type, filling its message template with `values`."""
    kind = PROBLEM_TYPES[slug]
    return Problem(slug, kind.template.format(**values), record=record, line=line, field=field)


class SourceError(Exception):
    """A source that cannot be read at all: missing file, invalid JSON, unknown format."""
