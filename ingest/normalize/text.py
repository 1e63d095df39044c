"""Clean free text, HTML fragments, web addresses and e-mail addresses as sources write them."""

import math
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit, urlunsplit

import ftfy

from ingest.problems import Problem, problem

# Cell values that mean "nothing here". "None" is not one of them: in a fees or eligibility
# column it is an answer ("free", "no requirements"), and the caller decides what it means.
EMPTY_WORDS = frozenset({"", "na", "n/a", "n.a", "#n/a", "null", "nil", "-", "--"})
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)")
YES_WORDS = frozenset({"yes", "y", "true", "t", "1"})
NO_WORDS = frozenset({"no", "n", "false", "f", "0"})
EMPTY_WORD_LENGTH = 6  # longer than any empty word, with a trailing period

# Keep typographic quotes as the source wrote them; repair mojibake, C1 controls, entities.
_FTFY = ftfy.TextFixerConfig(uncurl_quotes=False, explain=False)

_SPACES = re.compile(r"[^\S\n]+")  # any whitespace but a newline, including no-break spaces
_BLANK_LINES = re.compile(r"\n{3,}")
_SPACE_RUN = re.compile(r"[^\S\n]{2,}|[^\S \n]")  # two spaces in a row, or a tab, NBSP, ...

# Tags whose boundaries are line breaks in the text of an HTML fragment.
_BREAK_TAGS = frozenset({"br"})
_BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "li",
        "ul",
        "ol",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "tr",
        "table",
        "blockquote",
        "section",
        "article",
        "header",
        "footer",
    }
)
_SKIPPED_TAGS = frozenset({"script", "style"})

# Where one address ends and the next begins in a cell that holds several: a comma, a semicolon,
# whitespace before a new scheme or "www.", or an opening parenthesis (a note about the address).
_URL_BOUNDARY = re.compile(r"[,;]|\s+(?=(?:https?://|www\.))|\s*\(", re.IGNORECASE)
_URL_TRAILING = ".,;:'\"`)]>"
_HOST_LABEL = re.compile(r"^(?!-)[\w-]{1,63}(?<!-)$")
_TLD = re.compile(r"^(?:[^\W\d_]{2,63}|xn--[\w-]+)$")

_EMAIL = re.compile(
    r"^[\w.!#$%&'*+/=?^`{|}~-]+@(?:(?!-)[\w-]{1,63}(?<!-)\.)+(?:[^\W\d_]{2,63}|xn--[\w-]+)$"
)
_EMAIL_SEPARATOR = re.compile(r"[,;\s]+")


def number(value) -> float | None:
    """Return the number a cell holds ("1,475", "-122.4", 35, " 2.5 "), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    match = _NUMBER.fullmatch(str(value).replace(",", "").strip()) if value is not None else None
    return float(match.group()) if match else None


def yes_no(value) -> str | None:
    """Return "yes" or "no" for a flag as sources write it (True, "Yes", "FALSE", 1), else None."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    word = str(value).strip().lower() if value is not None else ""
    return "yes" if word in YES_WORDS else "no" if word in NO_WORDS else None


def clean_text(value) -> str | None:
    """Return text with padding and runs of spaces collapsed, mojibake repaired, None if empty."""
    if value is None:
        return None
    text = str(value)
    # ftfy is slow; plain ASCII without entities or carriage returns has nothing it would fix.
    if not text.isascii() or "&" in text or "\r" in text:
        text = ftfy.fix_text(text, _FTFY)
    if "\n" in text or _SPACE_RUN.search(text):
        lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
        text = _BLANK_LINES.sub("\n\n", "\n".join(lines))
    text = text.strip()
    if len(text) < EMPTY_WORD_LENGTH and text.casefold().rstrip(".") in EMPTY_WORDS:
        return None
    return text


class _TextOfHtml(HTMLParser):
    """Collect the text of an HTML fragment, turning line and block tags into line breaks."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in _SKIPPED_TAGS:
            self._skipping += 1
        elif tag in _BREAK_TAGS:
            self.parts.append("\n")
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_startendtag(self, tag, attrs):
        if tag in _BREAK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in _SKIPPED_TAGS:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_data(self, data):
        if not self._skipping:
            # Line breaks inside HTML source are just spaces; only tags break lines.
            self.parts.append(data.replace("\n", " "))


def strip_html(value: str) -> str:
    """Return the text of an HTML fragment: tags removed, entities decoded, <br>/<p> as newlines."""
    parser = _TextOfHtml()
    parser.feed(str(value))
    parser.close()
    return clean_text("".join(parser.parts)) or ""


def clean_url(value) -> tuple[str | None, list[Problem]]:
    """Return an http(s) URL (scheme added to "www.dial611.com"), or None with invalid-url."""
    text = clean_text(value)
    if text is None:
        return None, []
    url, *rest = (
        _web_address(part.strip().rstrip(_URL_TRAILING + " ")) for part in _URL_BOUNDARY.split(text)
    )
    if url is None:
        return None, [problem("invalid-url", field="url", value=text)]
    others = set(filter(None, rest)) - {url}
    if others:
        detail = f"holds {len(others) + 1} web addresses; kept the first"
        return url, [problem("invalid-value", field="url", value=text, detail=detail)]
    return url, []


def _web_address(text: str) -> str | None:
    """Return `text` as an absolute http(s) URL if it is one (scheme optional), else None."""
    if not text or re.search(r"\s", text):
        return None
    if not re.match(r"^[a-z][a-z0-9+.-]*://", text, re.IGNORECASE):
        # http, not https: these sites were recorded years ago and not all of them serve TLS,
        # while any that do redirect a plain request.
        text = "http://" + text
    try:
        parts = urlsplit(text)
        port = parts.port  # raises ValueError on a malformed port
    except ValueError:
        return None
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or "@" in parts.netloc or port == 0:
        return None
    labels = host.split(".")
    if len(labels) < 2 or not all(_HOST_LABEL.match(label) for label in labels):
        return None
    if not _TLD.match(labels[-1]):
        return None
    return urlunsplit(parts)


def clean_email(value) -> tuple[str | None, list[Problem]]:
    """Return an e-mail address ("mailto:" dropped), or None with invalid-email."""
    text = clean_text(value)
    if text is None:
        return None, []
    first, *others = [_address(c) for c in _EMAIL_SEPARATOR.split(text) if c]
    if first is None:
        return None, [problem("invalid-email", field="email", value=text)]
    addresses = [first, *filter(None, others)]
    if len(addresses) > 1:
        detail = f"holds {len(addresses)} e-mail addresses; kept the first"
        return addresses[0], [problem("invalid-value", field="email", value=text, detail=detail)]
    return addresses[0], []


def _address(candidate: str) -> str | None:
    """Return one e-mail address with its domain lower-cased, or None if it is not one."""
    candidate = re.sub(r"^mailto:", "", candidate.strip("<>()[].,;'\""), flags=re.IGNORECASE)
    if not _EMAIL.match(candidate):
        return None
    local, domain = candidate.rsplit("@", 1)
    return f"{local}@{domain.lower()}"
