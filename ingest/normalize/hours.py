"""Read opening hours as sources write them: times of day, weekdays and free-text weekly schedules.

`parse_hours` tokenizes a free-text schedule ("Monday-Thursday, 8:30-5; Friday, 8:30-4") into
days, times, ranges, separators and words, and reads it clause by clause (clauses end at ";", a
sentence's ".", ")" or a line break) with a small grammar:

    entry    := days [":" | "," | "-"] times [daily]  |  times [days]
    days     := day ["-" day] ([","|"and"|"/"] day ["-" day])*
    times    := "24 hours"  |  time "-" time ([","|"and"] time "-" time)*

It never invents hours the text does not state; it returns None (the caller keeps the text and
records an "unparsed-hours" warning) rather than a doubtful answer:

- Bare hours (no am/pm, as 211 writers use them) are resolved by `_opening_readings` and
  `_closing_readings`; a list of ranges for the same days must run in order through the day,
  which settles the rest ("7-8, 2:40-6" is 07:00-08:00 and 14:40-18:00).
- Words are labels. Every schedule in a text must share one label ("Gallery: Friday-Sunday, 1-5"
  is read; "Investigations: 24 hours daily; Administration: Monday-Friday, 8-5" describes two
  things and is not). A label written before a schedule carries on to the next clauses until
  another one; a trailing one ("(Office)") belongs to its own clause only.
- A clause of words only ("some evening appointments") is a note and is skipped, as is a clause
  about an unattended channel ("24-hour answering machine"). A clause that names days or times
  but also hedges (vary, dusk, months, "first Saturday", a time zone) spoils the whole text, and
  so does any time that is not part of a range ("Open daily at 8 am").
- Days without times ("Sat; Sun;") are closed. "closed" removes days or a window ("closed
  12-1"); a closure tied to months or ordinals ("closed 1st Friday") is an exception to the week
  and is skipped. "By appointment" anywhere sets `by_appointment`.
"""

import itertools
import re
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from ingest.readers.files import fold
from resdir.model import WEEKDAYS

DAY_MINUTES = 24 * 60
HALF_DAY = 12 * 60
ALL_DAYS = tuple(range(7))

# Bare hours: an opening hour 7-11 is morning and 12 is noon. An opening hour 1-6 is afternoon
# ("1-5", "4-8", "6-8"), unless its closing hour is not later on the clock ("6-5", "6:30-1"):
# then the day runs from the morning. A bare closing hour is the first reading after the opening
# ("8-5" closes 17:00, "9-11:30" 11:30), except that a morning span of an hour or less is read
# into the evening when that closes by 22:00 ("8-9" is 08:00-21:00, as libraries write it; "10-11"
# stays 10:00-11:00).
BARE_MORNING_OPENINGS = range(7, 12)
SHORTEST_BARE_SPAN_MINUTES = 60
LATEST_BARE_CLOSING = 22 * 60
# A label names a part of a service in a few words ("Gallery", "Office hours", "(San Mateo site)");
# a longer run of words next to a schedule is prose, which this grammar does not read.
MAX_LABEL_WORDS = 4
# A word this close to a weekday name is that day misspelt ("Wedensday", "Firday", "Saturnday").
DAY_TYPO_MIN_SCORE = 80
DAY_TYPO_MIN_LENGTH = 5

# How numeric days count (a draft's `weekday_base`): "iso" 1 = Monday, "sunday0" 0 = Sunday.
WEEKDAY_BASES = ("iso", "sunday0")
# iCalendar BYDAY codes, Monday first (HSDS 3.0 schedules); read by parse_day only, as "we" and
# "th" are also words.
ICALENDAR_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_SPANISH_DAYS = ("lunes", "martes", "miercoles", "jueves", "viernes", "sabado", "domingo")
_ABBREVIATED_DAYS = ("mon", "tue tues", "wed weds", "thu thur thurs", "fri", "sat", "sun")
_FULL_DAY_NAMES = {name.lower(): day for day, name in enumerate(WEEKDAYS)} | {
    name: day for day, name in enumerate(_SPANISH_DAYS)
}
_DAY_NAMES = _FULL_DAY_NAMES | {
    name: day for day, names in enumerate(_ABBREVIATED_DAYS) for name in names.split()
}
_DAY_GROUPS = {
    "daily": ALL_DAYS,
    "everyday": ALL_DAYS,
    "weekday": (0, 1, 2, 3, 4),
    "weekdays": (0, 1, 2, 3, 4),
    "weeknights": (0, 1, 2, 3, 4),
    "weekend": (5, 6),
    "weekends": (5, 6),
}
_MONTH_NAMES = (
    "january jan", "february feb", "march", "april apr", "may", "june jun", "july jul",
    "august aug", "september sep sept", "october oct", "november nov", "december dec",
)  # fmt: skip
_MAY = 5  # the month that is also a verb
_MONTHS = {name: month for month, names in enumerate(_MONTH_NAMES, 1) for name in names.split()}

# Words that carry no meaning for the schedule.
_FILLER = _words(
    "open from de at on the an is are per week weekly day days only also by for of in every each"
    " holiday holidays times hour hours hr hrs"
)
# Words that hedge the hours of the days they are written with: vague, monthly, in another zone.
_DOUBT = _words(
    "vary varies varys varying variable approximately approx usually typically dusk dawn sunset"
    " sunrise month months monthly alternate alternating biweekly first second third fourth"
    " fifth last lst upto most some primarily generally during"
    " est edt cst cdt mst mdt pst pdt eastern central mountain pacific"
)
# Words that limit a whole text to part of the year (as dates and months do).
_SEASONS = _words("summer summers winter spring autumn season seasons seasonal semester mid")
# Words that make a clause about an unattended channel, not about being open.
_UNATTENDED = _words(
    "machine voicemail recorded recording website online internet oncall answering"
)
_APPOINTMENT = _words("appointment appointments appt appts arrangement arrangements")
_PARTS_OF_DAY = _words("morning mornings afternoon afternoons evening evenings night nights")
_RANGE_WORDS = _words("to through thru till til a")  # Spanish "lunes a viernes, de 9 a 5"
_LIST_WORDS = _words("and or y")

# Phrases rewritten before tokenizing, so that each becomes one word of the vocabulary above.
_PHRASES = (
    (re.compile(r"\bon[\s-]+call\b"), "oncall"),
    (re.compile(r"\bvoice[\s-]*mail\b"), "voicemail"),
    (re.compile(r"\bweb[\s-]*site\b"), "website"),
    (re.compile(r"\bup to\b"), "upto"),
    (re.compile(r"\bevery\s+other\b"), "alternate"),
    (re.compile(r"\b(?:a\s*)?round[\s-]+the[\s-]+clock\b"), "allday"),
    (re.compile(r"\b24\s*/\s*7\b"), "allday daily"),
    (re.compile(r"\b24[\s-]*(?:hours?|hrs?)(?:\s+(?:a|per)\s+day)?\b"), "allday"),
    (re.compile(r"\b\d{1,2}[\s-]*(?:hours?|hrs?)\b"), ""),  # a duration: "13 hours daily"
    (re.compile(r"\b(?:7|seven)\s*days(?:\s+(?:a|per)\s+week)?\b"), "daily"),
    (re.compile(r"\bevery\s*day\b"), "daily"),
    (re.compile(r"\bm\s*-\s*f\b"), "monday-friday"),
)
# Text exported without line breaks glues a clause to the next: "9AM-6PMSaturday, 9AM-1PM".
_GLUED = re.compile(r"(?<=[a-z0-9)])(?=[A-Z][a-z])(?!Noon|Midnight)|(?<=[AP]M)(?=[A-Z][a-z])")
# A full stop ends a sentence before a capital, a digit or the end; other dots abbreviate ("Mon.").
_FULL_STOP = re.compile(r"\.(?=\s+[A-Z0-9]|\s*$)")
_TOKEN = re.compile(
    r"""
      (?P<phone>\(?\d{3}\)?[\s.-]?\d{3}[\s.-]\d{4})
    | (?P<date>\d{1,2}/\d{1,2}(?:/\d{2,4})?)
    | (?P<ordinal>\d+(?:st|nd|rd|th)\b)
    | (?P<number>\d{3,})
    | (?P<hour>\d{1,2})(?::(?P<minute>\d{2}))?(?::\d{2})?
      (?:\s*(?P<meridiem>[ap]\.\s?m\.|[ap]\.?\s?m\b|noon\b|midnight\b)|(?P<short>[ap])\b)?
    | (?P<word>[a-z]+(?:'[a-z]+)?)
    | (?P<dash>[-\u00ad\u2010-\u2015\u2212~]+)
    | (?P<list>[,&/+])
    | (?P<colon>:)
    | (?P<end>[;!?)\n])
    """,
    re.VERBOSE,
)
_TIME_TEXT = re.compile(r"(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?\s*(am|pm|noon|midnight)?")


@dataclass
class Hours:
    """The weekly opening intervals a text describes, and whether it says "by appointment"."""

    intervals: list[dict]  # [{"day": 0..6, "opens": "HH:MM", "closes": "HH:MM"}], sorted
    by_appointment: bool = False


def parse_time(value) -> str | None:
    """Return "HH:MM" for a time of day as sources write it, or None if it is not one.

    Integers and 3-4 digit strings are HHMM (ShelterTech: 1100, 900, 0); "24:00" is the end of
    the day; "midnight" is "00:00". A bare hour without minutes or am/pm ("8") is None: only
    `parse_hours` can resolve it, from the range it is in.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return _format(_hhmm(value))
    if not isinstance(value, str):
        return None
    text = " ".join(value.lower().replace(".", "").split())
    if text in ("noon", "midnight"):
        text = "12 " + text
    if text.isdigit() and len(text) in (3, 4):
        return _format(_hhmm(int(text)))
    match = _TIME_TEXT.fullmatch(text)
    if not match or (match[2] is None and match[4] is None):
        return None
    if match[3] is not None and int(match[3]) > 59:
        return None
    return _format(_minutes(int(match[1]), int(match[2] or 0), match[4]))


def parse_day(value, base: str = "iso") -> int | None:
    """Return the weekday 0=Monday..6=Sunday for a name, abbreviation or number, or None.

    Numbers count the way `base` says: "iso" is 1=Monday..7=Sunday (HSDS), "sunday0" is
    0=Sunday..6=Saturday (Meeting Guide). Names are English or Spanish, full or abbreviated,
    in any case, with or without accents, a final "." or a plural "s"; near misspellings count,
    and so do iCalendar codes ("TH").
    """
    if base not in WEEKDAY_BASES:
        raise ValueError(f"unknown weekday base {base!r}; expected one of {WEEKDAY_BASES}")
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value)
    if isinstance(value, int):
        if base == "iso":
            return value - 1 if 1 <= value <= 7 else None
        return (value - 1) % 7 if 0 <= value <= 6 else None
    if not isinstance(value, str):
        return None
    word = fold(value).strip().rstrip(".")
    code = word.upper()
    return ICALENDAR_DAYS.index(code) if code in ICALENDAR_DAYS else _weekday(word)


def parse_hours(text: str) -> Hours | None:
    """Return the weekly intervals a free-text hours string describes, or None if not understood."""
    if not isinstance(text, str) or not text.strip():
        return None
    schedule = _Schedule()
    try:
        for clause in _clauses(_tokens(text)):
            schedule.read(clause)
    except _NotUnderstood:
        return None
    if len(schedule.labels) > 1:
        return None
    intervals = schedule.intervals()
    if not intervals and not schedule.by_appointment:
        return None
    return Hours(intervals, schedule.by_appointment)


class _NotUnderstood(Exception):
    """The text says something about its hours that this grammar cannot read with confidence."""


@dataclass(frozen=True)
class _Token:
    kind: (
        str  # day time allday range list colon end appt closed doubt season note word number month
    )
    value: object = None


@dataclass(frozen=True)
class _Clock:
    """A time as written: `minutes` after midnight, or for a bare hour its morning reading."""

    minutes: int
    bare: bool = False
    hour: int = 0  # the hour as written, for bare times


def _weekday(word: str) -> int | None:
    if word in _DAY_NAMES:
        return _DAY_NAMES[word]
    if word.endswith("s") and word[:-1] in _FULL_DAY_NAMES:
        return _FULL_DAY_NAMES[word[:-1]]
    if len(word) < DAY_TYPO_MIN_LENGTH:
        return None
    match = process.extractOne(
        word.removesuffix("s"),
        list(_FULL_DAY_NAMES),
        scorer=fuzz.ratio,
        score_cutoff=DAY_TYPO_MIN_SCORE,
    )
    return _FULL_DAY_NAMES[match[0]] if match else None


def _minutes(hour: int, minute: int, meridiem: str | None) -> int | None:
    """Return minutes after midnight for a clock time, or None if it is not one."""
    if minute > 59:
        return None
    if meridiem in ("noon", "midnight"):
        return (HALF_DAY if meridiem == "noon" else 0) if (hour, minute) == (12, 0) else None
    if meridiem:
        if not 1 <= hour <= 12:
            return None
        return (hour % 12) * 60 + minute + (HALF_DAY if meridiem == "pm" else 0)
    if hour == 24 and minute == 0:
        return DAY_MINUTES
    return hour * 60 + minute if hour <= 23 else None


def _hhmm(value: int) -> int | None:
    return _minutes(value // 100, value % 100, None) if value >= 0 else None


def _format(minutes: int | None) -> str | None:
    if minutes is None:
        return None
    return "24:00" if minutes == DAY_MINUTES else f"{minutes // 60:02d}:{minutes % 60:02d}"


def _tokens(text: str) -> list[_Token]:
    """Split hours text into tokens; filler words and durations ("13 hours") are dropped."""
    text = fold(_FULL_STOP.sub(";", _GLUED.sub("; ", text)))
    for pattern, replacement in _PHRASES:
        text = pattern.sub(replacement, text)
    tokens = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if match["hour"] is not None:
            tokens.append(_time_token(match))
        elif kind == "word":
            tokens.extend(_word_tokens(match["word"]))
        elif kind == "date":
            tokens.append(_Token("season"))
        elif kind == "ordinal":
            tokens.append(_Token("doubt"))
        elif kind == "phone":
            tokens.append(_Token("word", "phone"))
        elif kind == "dash":
            tokens.append(_Token("range"))
        else:
            tokens.append(_Token(kind))
    return _year_round(tokens)


def _time_token(match: re.Match) -> _Token:
    hour, minute = int(match["hour"]), int(match["minute"] or 0)
    meridiem = match["meridiem"] or match["short"]
    if meridiem and meridiem not in ("noon", "midnight"):
        meridiem = meridiem[0] + "m"  # "p.m.", "p", "pm"
    bare = not meridiem and 1 <= hour <= 12 and not match["hour"].startswith("0")
    # a bare hour keeps its morning reading: the range it is in decides; "08:00" is a 24-hour clock
    minutes = _minutes(hour, minute, "am" if bare else meridiem)
    if minutes is None:
        return _Token("number")
    return _Token("time", _Clock(minutes, bare, hour))


def _word_tokens(word: str) -> list[_Token]:
    if word in _DAY_GROUPS or word in _DAY_NAMES:
        return [_Token("day", _DAY_GROUPS.get(word) or (_DAY_NAMES[word],))]
    if word in _FILLER:
        return []
    if word in ("noon", "midnight"):
        return [_Token("time", _Clock(HALF_DAY if word == "noon" else 0))]
    if word == "allday":
        return [_Token("allday")]
    if word in _RANGE_WORDS:
        return [_Token("range")]
    if word in _LIST_WORDS:
        return [_Token("list")]
    if word in _MONTHS:
        return [_Token("month", _MONTHS[word])]
    if word == "closed":
        return [_Token("closed")]
    for kind, words in (
        ("appt", _APPOINTMENT),
        ("doubt", _DOUBT),
        ("season", _SEASONS),
        ("note", _UNATTENDED),
    ):
        if word in words:
            return [_Token(kind)]
    day = _weekday(word)
    return [_Token("day", (day,)) if day is not None else _Token("word", word)]


def _year_round(tokens: list[_Token]) -> list[_Token]:
    """Drop a month range covering the whole year ("January - December"); other months limit."""
    out: list[_Token] = []
    for at, token in enumerate(tokens):
        if token.kind != "month":
            out.append(token)
        elif (
            len(out) > 1
            and out[-1].kind == "range"
            and out[-2].kind == "month"
            and ((token.value - out[-2].value) % 12 == 11)
        ):
            del out[-2:]
        elif token.value == _MAY and not {
            neighbour.kind for neighbour in tokens[at - 1 : at] + tokens[at + 1 : at + 2]
        } & {"range", "time", "number", "month"}:
            out.append(_Token("word", "may"))  # the verb: "counseling hours may be available"
        else:
            out.append(token)
    return [_Token("season") if token.kind == "month" else token for token in out]


def _clauses(tokens: list[_Token]) -> list[list[_Token]]:
    clauses: list[list[_Token]] = [[]]
    for token in tokens:
        if token.kind == "end":
            clauses.append([])
        else:
            clauses[-1].append(token)
    return [clause for clause in clauses if clause]


class _Cursor:
    """A position in a clause's tokens."""

    def __init__(self, tokens: list[_Token]):
        self.tokens, self.at = tokens, 0

    def kind(self, ahead: int = 0) -> str | None:
        at = self.at + ahead
        return self.tokens[at].kind if at < len(self.tokens) else None

    def take(self) -> _Token:
        self.at += 1
        return self.tokens[self.at - 1]

    def skip(self, *kinds: str) -> None:
        while self.kind() in kinds:
            self.at += 1

    def lists_then(self, kind: str) -> bool:
        """Say whether `kind` follows after any list separators, and step onto it if so."""
        ahead = 0
        while self.kind(ahead) == "list":
            ahead += 1
        if self.kind(ahead) != kind:
            return False
        self.at += ahead
        return True


class _Schedule:
    """What the clauses of one hours text say, gathered as they are read."""

    def __init__(self):
        self.spans: dict[int, list[tuple[int, int]]] = {}  # day: [(opens, closes)] in minutes
        self.closures: list[tuple[tuple[int, ...], list[tuple[int, int]]]] = []
        self.labels: set[tuple[tuple[str, ...], tuple[str, ...]]] = set()
        self.by_appointment = False
        self.last_days: tuple[int, ...] | None = None
        self.carried_label: tuple[str, ...] = ()

    def read(self, clause: list[_Token]) -> None:
        """Read one clause into the schedule, or raise _NotUnderstood."""
        kinds = {token.kind for token in clause}
        if "closed" in kinds:
            at = next(i for i, token in enumerate(clause) if token.kind == "closed")
            before, after = clause[:at], clause[at + 1 :]
            if any(token.kind in ("time", "allday") for token in before):
                self.read(before)
                self._read_closure(after)
            else:
                self._read_closure(before + after)
            return
        if "season" in kinds:
            raise _NotUnderstood("part of the year")  # "Summer hours: ...", "6/22/06 to 7/26/06"
        if "note" in kinds:
            return
        if not kinds & {"day", "time", "allday", "number"}:
            self.by_appointment |= "appt" in kinds
            return
        if kinds & {"doubt", "number"}:
            raise _NotUnderstood("hedged or stray number")
        self._read_entries(_Cursor(clause), "appt" in kinds)

    def _read_entries(self, cursor: _Cursor, appointment: bool) -> None:
        entries: list[tuple[tuple[int, ...], list[tuple[int, int]], tuple[str, ...]]] = []
        words: list[str] = []
        dangling = False
        while cursor.kind() is not None:
            kind = cursor.kind()
            if kind == "day":
                days = self.last_days = _days(cursor)
                cursor.skip("list", "colon", "range")
                if cursor.kind() not in ("time", "allday"):
                    dangling = True
                    continue
                spans = _times(cursor)
                if cursor.lists_then("day") and cursor.tokens[cursor.at].value == ALL_DAYS:
                    cursor.take()  # a redundant "daily": "Monday-Sunday, 24 hours daily"
            elif kind in ("time", "allday"):
                spans = _times(cursor)
                days = self._suffix_days(cursor) or (ALL_DAYS if kind == "allday" else None)
                days = days or self.last_days
                if days is None:
                    raise _NotUnderstood("no days")  # "9-5"
            else:
                token = cursor.take()
                if token.kind == "word":
                    words.append(token.value)
                self.by_appointment |= token.kind == "appt"
                continue
            if words:
                self.carried_label = tuple(words)
                words = []
            entries.append((days, spans, self.carried_label))
        if dangling and (entries or words) and not appointment:
            raise _NotUnderstood("days with other words")  # "no food distribution on Tuesday"
        for number, (days, spans, label) in enumerate(entries, start=1):
            trailing = tuple(words) if number == len(entries) else ()
            if max(len(label), len(trailing)) > MAX_LABEL_WORDS:
                raise _NotUnderstood("long label")
            self.labels.add((label, trailing))
            self._add(days, spans)

    def _add(self, days: tuple[int, ...], spans: list[tuple[int, int]]) -> None:
        """Give days their spans; a day restated with overlapping hours takes the new ones.

        "Monday-Friday, 9-5; Wednesday, 9-12" shortens Wednesday, while "Monday-Friday, 8:30-12,
        1-4:30; Monday-Thursday, 6:30 pm-8:30 pm" adds an evening.
        """
        for day in days:
            held = self.spans.setdefault(day, [])
            if any(
                opens < end and start < closes for opens, closes in spans for start, end in held
            ):
                held.clear()
            held.extend(span for span in spans if span not in held)

    def _suffix_days(self, cursor: _Cursor) -> tuple[int, ...] | None:
        """Read days written after their times: "24 hours daily", "6 pm-8 am weeknights"."""
        if not cursor.lists_then("day"):
            return None
        self.last_days = _days(cursor)
        return self.last_days

    def _read_closure(self, tokens: list[_Token]) -> None:
        kinds = {token.kind for token in tokens}
        if kinds & {"doubt", "season", "number"}:
            return  # "closed 1st Friday of each month": an exception to the weekly schedule
        if {t.value for t in tokens if t.kind == "word"} & _PARTS_OF_DAY:
            raise _NotUnderstood("part of a day closed")  # "closed Wednesday afternoons"
        cursor = _Cursor(tokens)
        days: tuple[int, ...] = ()
        windows: list[tuple[int, int]] = []
        while cursor.kind() is not None:
            if cursor.kind() == "day":
                days += _days(cursor)
            elif cursor.kind() == "time":
                windows += _times(cursor)
            else:
                cursor.take()
        if days or windows:
            self.closures.append((days or ALL_DAYS, windows))

    def intervals(self) -> list[dict]:
        """Return the intervals with closures removed, sorted by day and opening."""
        by_day = {day: list(spans) for day, spans in self.spans.items()}
        for days, windows in self.closures:
            for day in days:
                if not windows:
                    by_day.pop(day, None)
                elif day in by_day:
                    by_day[day] = _remove(by_day[day], windows)
        return [
            {"day": day, "opens": _format(opens), "closes": _format(_clock_time(closes))}
            for day in sorted(by_day)
            for opens, closes in sorted(by_day[day])
        ]


def _days(cursor: _Cursor) -> tuple[int, ...]:
    """Read a list of days and day ranges: "Monday, Wednesday-Friday", "Sunday-Saturday"."""
    days: list[int] = []
    while True:
        first = cursor.take().value
        if cursor.kind() == "range" and cursor.kind(1) == "day":
            cursor.take()
            last = cursor.take().value
            if len(first) != 1 or len(last) != 1:
                raise _NotUnderstood("range of day groups")
            days += [(first[0] + step) % 7 for step in range((last[0] - first[0]) % 7 + 1)]
        else:
            days += first
        if not cursor.lists_then("day"):
            return tuple(sorted(set(days)))


def _times(cursor: _Cursor) -> list[tuple[int, int]]:
    """Read "24 hours" or a list of time ranges, resolved to minutes after midnight."""
    if cursor.take().kind == "allday":
        return [(0, DAY_MINUTES)]
    cursor.at -= 1
    ranges = []
    while True:
        opens = cursor.take().value
        if cursor.kind() != "range" or cursor.kind(1) != "time":
            raise _NotUnderstood("lone time")  # "Open daily at 8 am", "Mon 7:00"
        cursor.take()
        ranges.append((opens, cursor.take().value))
        if not cursor.lists_then("time"):
            return _resolve(ranges)


def _resolve(ranges: list[tuple[_Clock, _Clock]]) -> list[tuple[int, int]]:
    """Choose the most likely reading of each range such that the ranges run in order."""
    readings = [
        [
            (opens, closes)
            for opens in _opening_readings(o, c)
            for closes in _closing_readings(c, opens)
        ]
        for o, c in ranges
    ]
    for choice in itertools.product(*readings):
        if all(earlier[1] <= later[0] for earlier, later in itertools.pairwise(choice)):
            return list(choice)
    raise _NotUnderstood("no reading in order")


def _opening_readings(opens: _Clock, closes: _Clock) -> list[int]:
    """Return the readings of an opening time, most likely first."""
    if not opens.bare:
        return [opens.minutes]
    morning, evening = opens.minutes, opens.minutes + HALF_DAY
    if not closes.bare:  # "7-9:30 pm": the latest reading before the stated closing
        end = closes.minutes or DAY_MINUTES
        before = sorted((r for r in (morning, evening) if r < end), reverse=True)
        return before + [r for r in (morning, evening) if r >= end]
    if opens.hour in BARE_MORNING_OPENINGS:
        return [morning, evening]
    if opens.hour == 12 or closes.minutes > opens.minutes:  # noon; "1-5", "6-8" but not "6-5"
        return [evening, morning]
    return [morning, evening]


def _closing_readings(closes: _Clock, opens: int) -> list[int]:
    """Return the readings of a closing time after `opens`: most likely first, next day last."""
    if not closes.bare:
        return [closes.minutes if closes.minutes > opens else closes.minutes + DAY_MINUTES]
    morning, evening = closes.minutes, closes.minutes + HALF_DAY
    if closes.hour == 12:  # noon, else midnight
        same_day = [evening] if evening > opens else []
        return [*same_day, morning + DAY_MINUTES]
    same_day = [r for r in (morning, evening) if r > opens]
    if (
        len(same_day) == 2
        and morning - opens <= SHORTEST_BARE_SPAN_MINUTES
        and evening <= LATEST_BARE_CLOSING
    ):
        same_day.reverse()
    return same_day + sorted(r + DAY_MINUTES for r in (morning, evening) if r <= opens)


def _remove(spans: list[tuple[int, int]], windows: list[tuple[int, int]]) -> list[tuple[int, int]]:
    for start, end in windows:
        spans = [
            piece
            for opens, closes in spans
            for piece in ((opens, min(closes, start)), (max(opens, end), closes))
            if piece[0] < piece[1]
        ]
    return spans


def _clock_time(minutes: int) -> int:
    """Return a closing past midnight as the next day's clock time; 24:00 stays the end of day."""
    return minutes - DAY_MINUTES if minutes > DAY_MINUTES else minutes
