"""Read dates and timestamps as sources write them into ISO 8601 instants with an offset.

Numeric dates are read month first ("6/21/10" is June 21), the way US feeds write them. A naive
value is local time in the listing's time zone when one is known, else UTC.
"""

import re
from datetime import UTC, date, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil import parser

from ingest.normalize.text import clean_text
from ingest.problems import Problem, problem
from resdir import clock

# Years outside these are placeholders ("January 01, 0001", "12/31/9999"), not real dates.
MIN_YEAR = 1900
MAX_YEAR = 2100
# Missing parts of a date default to these; a missing year then reads as a placeholder.
_DEFAULT = datetime(1, 1, 1)
# TSML exports "2020-04-0416:50:58": the date and the time with nothing between them.
_GLUED_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})(\d{1,2}:\d{2})")
_FULL_YEAR = re.compile(r"\d{4}")


class _TwoDigitYears(parser.parserinfo):
    """Read a two-digit year in this century; the caller moves it back one if that is ahead."""

    def __init__(self, century_given: bool):
        super().__init__()
        self.century_given = century_given
        self.used = False

    def convertyear(self, year, century_specified=False):
        # dateutil says century_specified=False for "0001" too; the text tells better.
        if self.century_given or year >= 100:
            return year
        self.used = True
        return 2000 + year


def parse_datetime(value, tz: str | None = None) -> tuple[str | None, list[Problem]]:
    """Return an ISO 8601 instant for a date or timestamp as written, or None with invalid-date."""
    zone, problems = _zone(tz)
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    else:
        text = clean_text(value)
        if text is None:
            return None, problems
        moment = _parse(text)
        if moment is None:
            return None, [*problems, problem("invalid-date", value=text)]
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.isoformat(), problems


def _parse(text: str) -> datetime | None:
    """Return the datetime `text` states, or None if it states none or only a placeholder."""
    text = _GLUED_TIME.sub(r"\1 \2", text)
    years = _TwoDigitYears(century_given=bool(_FULL_YEAR.search(text)))
    try:
        moment = parser.parse(text, parserinfo=years, default=_DEFAULT)
    except (ValueError, OverflowError):
        return None
    if years.used and moment.replace(tzinfo=moment.tzinfo or UTC) > clock.now():
        # A two-digit year never names a day still to come: "12/24/99" is 1999, not 2099.
        moment = moment.replace(year=moment.year - 100)
    return moment if MIN_YEAR <= moment.year <= MAX_YEAR else None


def _zone(tz: str | None) -> tuple[tzinfo, list[Problem]]:
    """Return the time zone naive values are in, and a problem if `tz` names none."""
    if not tz:
        return UTC, []
    try:
        return ZoneInfo(tz), []
    except (ZoneInfoNotFoundError, ValueError):
        detail = "not a time zone; times read as UTC"
        return UTC, [problem("invalid-value", field="timezone", value=tz, detail=detail)]
