"""Turn phone numbers as sources write them into E.164 numbers with extension, type and note."""

import re

import phonenumbers
from phonenumbers import Leniency, NumberParseException, PhoneNumberMatcher, PhoneNumberType

from ingest.normalize.text import clean_text
from ingest.problems import Problem, problem

# Type words, in the order they are tried, and the PhoneSchema type each one means. A type
# column is read with all of them; a free-text description only with the unambiguous ones
# (a description "Text or call" does not make a voice line a text line).
TYPE_WORDS: tuple[tuple[str, str], ...] = (
    ("fax", r"fax|facsimile"),
    ("tty", r"tty|tdd|textphone|teletype"),
    ("toll_free", r"toll[\s-]*free|tollfree"),
    ("hotline", r"hot\s*line|crisis\s+line|help\s*line"),
    ("text", r"text|sms"),
    ("voice", r"voice|phone|main|cell|mobile|landline|video|pager"),
)
DESCRIPTION_TYPES = ("fax", "tty", "toll_free", "hotline")
DEFAULT_TYPE = "voice"
TWO_NUMBERS_DIGITS = 14  # two local (7-digit) numbers at the least
REGION = "US"  # how a number written without a country code is read

# "Intake: (925)555-0124": a label before the number. "650 555-0134 (Redwood City)": a note after.
_LABEL = re.compile(r"^\s*([^\d:()+]*[^\W\d_][^\d:()+]*?)\s*:\s*")
_NOTE = re.compile(r"\(\s*\(?([^()]*[^\W\d_][^()]*?)\)?\s*\)")
_EXTENSION_NOTE = re.compile(r"^(?:ext|extension|x)\.?\s*(\d+)$", re.IGNORECASE)
# "415-555-0117 ext 117 or 125": a choice of extensions; the first is dialled, both are noted.
_EXTENSION_CHOICE = re.compile(
    r"\b(?:ext|extension|x)\.?\s*(\d+)\s*(?:or|/|,)\s*(\d+)\s*$", re.IGNORECASE
)
# "415-555-0190 ext. fax": an extension word followed by a word, not digits.
_EXTENSION_WORD = re.compile(r"\s*\b(?:ext|extension)\b\.?\s*([^\W\d_]+)\s*$", re.IGNORECASE)
# A comma or semicolon right after a digit is a dialling pause: what follows (a meeting id,
# a passcode) is keyed in after the call connects and is not part of the number.
_DIAL_PAUSE = re.compile(r"(?<=\d)\s*[,;](?!\s*(?:ext|x\s*\d)).*$", re.IGNORECASE | re.DOTALL)
# "+1+16695550133": the country prefix written twice.
_DOUBLED_PREFIX = re.compile(r"^\+\d{1,3}(?=\+)")
_GENERIC_LABEL = re.compile(r"^(?:phone|number|tel|telephone)\s*#?\s*\d*$", re.IGNORECASE)
# N11 service codes (211, 311, 511, 611, 711, 811, 911): dialable locally, not E.164 numbers.
_SERVICE_CODE = re.compile(r"^[2-9]11$")
# Text between numbers that may hold one the matcher missed ("(760)555-"), not "24 hrs".
_NUMBER_LIKE = re.compile(r"\d{3}")
_SEPARATOR_ONLY = re.compile(r"^[\s,;/&.]*(?:(?:and|or)[\s,;/&.]*)*$", re.IGNORECASE)


def normalize_phone(
    number, extension=None, type=None, description=None
) -> tuple[dict | None, list[Problem]]:
    """Return a phone in the PhoneSchema shape, or None with an invalid-phone problem."""
    raw = clean_text(number)
    if raw is None:
        return None, []
    text, notes, found_extension = _read_around(raw.strip("\"'"))
    if not re.search(r"[\dA-Za-z]", text):
        # "(   ) -  -": an empty input template, not a number.
        return None, []
    try:
        parsed = phonenumbers.parse(text, REGION)
    except NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        digits = re.sub(r"\D", "", text)
        if _SERVICE_CODE.match(digits):
            detail = f"{digits} is a three-digit service code, not a full phone number; dropped"
            return None, [problem("invalid-value", field="phones", value=raw, detail=detail)]
        return None, [problem("invalid-phone", field="phones", value=raw)]
    description = clean_text(description)
    as_extension = _EXTENSION_NOTE.match(description or "")
    if as_extension:  # a description that only says "EXT. 8160"
        found_extension, description = found_extension or as_extension.group(1), None
    note = "; ".join(
        n for n in (description, *map(clean_text, notes)) if n and not _GENERIC_LABEL.match(n)
    )
    kind = _phone_type(type, note, parsed)
    return {
        "number": phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164),
        "extension": _extension(extension) or _extension(found_extension or parsed.extension),
        "type": kind,
        "description": note or None,
    }, []


def _read_around(text: str) -> tuple[str, list[str], str | None]:
    """Return the number alone, the notes written around it, and an extension found in them."""
    notes = []
    label = _LABEL.match(text)
    if label:
        notes.append(label.group(1))
        text = text[label.end() :]
    extension = None
    for note in _NOTE.findall(text):
        as_extension = _EXTENSION_NOTE.match(note.strip())
        if as_extension:
            extension = as_extension.group(1)
        else:
            notes.append(note)
    text = _NOTE.sub(" ", text)
    choice = _EXTENSION_CHOICE.search(text)
    if choice:
        extension = choice.group(1)
        notes.append(f"extension {choice.group(1)} or {choice.group(2)}")
        text = text[: choice.start()]
    word = _EXTENSION_WORD.search(text)
    if word:
        notes.append(word.group(1))
        text = text[: word.start()]
    return _DOUBLED_PREFIX.sub("", _DIAL_PAUSE.sub("", text)).strip(), notes, extension


def _extension(value) -> str | None:
    """Return the digits of an extension, or None for none ("x0" reaches the operator)."""
    digits = re.sub(r"\D", "", str(value)) if value not in (None, "") else ""
    return digits if digits.strip("0") else None


def _phone_type(declared, note: str, parsed) -> str:
    """Return the schema type: the declared type word, else a type the note names, else voice."""
    kind = _type_word(clean_text(declared) or "", [code for code, _ in TYPE_WORDS])
    if kind in (None, DEFAULT_TYPE):
        kind = _type_word(note, DESCRIPTION_TYPES) or DEFAULT_TYPE
    if kind == DEFAULT_TYPE and phonenumbers.number_type(parsed) == PhoneNumberType.TOLL_FREE:
        kind = "toll_free"
    return kind


def _type_word(text: str, allowed) -> str | None:
    """Return the first type in `allowed` whose words appear in `text`."""
    for code, words in TYPE_WORDS:
        if code in allowed and re.search(rf"\b(?:{words})\b", text, re.IGNORECASE):
            return code
    return None


def split_phone_list(text: str) -> list[str]:
    """Split a free-text cell holding several numbers ("(925)555-0124 Intake: (925)555-0125x0")."""
    text = clean_text(text) or ""
    if sum(c.isdigit() for c in text) < TWO_NUMBERS_DIGITS:
        return [text] if text else []  # too few digits for two numbers: skip the slow matcher
    matches = list(PhoneNumberMatcher(text, REGION, leniency=Leniency.POSSIBLE))
    if len(matches) < 2:
        return [text] if text else []
    pieces: list[str] = []
    label = ""
    end = 0
    for match in matches:
        gap = text[end : match.start]
        if pieces:
            note, gap = _leading_note(gap)
            pieces[-1] += note
        label, fragment = _label_of(gap, label)
        if fragment:
            pieces.append(fragment)
        pieces.append(f"{label}: {match.raw_string}" if label else match.raw_string)
        end = match.end
    note, tail = _leading_note(text[end:])
    pieces[-1] += note
    if _NUMBER_LIKE.search(tail):
        pieces.append(tail.strip(" ,;."))
    return pieces


def _leading_note(gap: str) -> tuple[str, str]:
    """Split a gap after a number into a parenthetical note about it and the rest."""
    found = re.match(r"\s*(\([^()]*[^\W\d_][^()]*\))", gap)
    if not found:
        return "", gap
    return " " + found.group(1), gap[found.end() :]


def _label_of(gap: str, previous: str) -> tuple[str, str]:
    """Return the label for the next number and any unmatched number-like fragment in the gap.

    A label ends with a colon ("Intakes:"); it carries over to the following numbers while only
    separators stand between them ("Intakes: (661)555-0144 (818)555-0155").
    """
    if _SEPARATOR_ONLY.match(gap):
        return previous, ""
    before, colon, _ = gap.rpartition(":")
    if colon:
        label = re.split(r"[.;]\s+", before)[-1].strip(" ,;.")
        fragment = re.split(r"[.;]\s+", before)[0] if _NUMBER_LIKE.search(before) else ""
        return label, fragment.strip(" ,;.")
    fragment = gap.strip(" ,;.")
    fragment = re.sub(r"^(?:and|or)\s+|\s+(?:and|or)$", "", fragment, flags=re.IGNORECASE)
    return "", fragment if _NUMBER_LIKE.search(fragment) else ""
