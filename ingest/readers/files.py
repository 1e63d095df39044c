"""Open source files the way real feeds need: BOMs, wrong encodings, padded headers, CR endings."""

import codecs
import csv
import hashlib
import io
import json
import re
import unicodedata
from collections.abc import Container, Iterator
from pathlib import Path
from typing import Any

import charset_normalizer

from ingest.problems import Problem, SourceError, problem

KEY_SEPARATOR = "--"  # joins key parts; a slug never contains it
SNIFF_BYTES = 256 * 1024  # enough for the first record of any feed seen so far
KEY_PART_LENGTH = 80  # a name can be a paragraph; its start identifies the record as well
ADDRESS_DIGEST_PREFIX = "at-"
ADDRESS_DIGEST_LENGTH = 16  # hex digits of SHA-256: 64 bits, no collision within any feed
_SPACE = re.compile(r"\s*")
SNIFF_RECORD_BYTES = 8 * 1024 * 1024  # the most read to find a first record longer than the head
NESTED_TOO_DEEPLY = "its values are nested too deeply to read"
FALLBACK_ENCODING = "cp1252"  # what Windows exports that are "not UTF-8" almost always are
# Byte order marks, longest first (a UTF-32 LE mark starts like a UTF-16 LE one).
BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# cp1252 and the Latin-1 it extends (which has a character for the bytes cp1252 leaves undefined):
# either reading Western text makes it cp1252 text (see `decode`)
WESTERN_ENCODINGS = [FALLBACK_ENCODING, "latin_1"]
CSV_DELIMITERS = ",;\t"  # what spreadsheets write: comma, semicolon (where "," is decimal), tab
CSV_SNIFF_CHARS = 4 * 1024  # lines from the start of a CSV, enough to tell its dialect
CSV_HEADER_CHARS = 64 * 1024  # the longest header line looked at whole (a 211 export's: 3 KiB)
csv.field_size_limit(
    10 * 1024 * 1024
)  # 211 descriptions run long; the default 128 KiB is not enough


def read_text(path: Path, problems: list[Problem]) -> str:
    """Read a text file in its encoding (see `decode`), with a problem recorded when not UTF-8."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"cannot read {path}: {exc.strerror}") from exc
    text, encoding = decode(data)
    if encoding is not None:
        problems.append(problem("encoding-fallback", path=path.name, encoding=encoding))
    return text


def decode(data: bytes) -> tuple[str, str | None]:
    """Return bytes as text without a BOM, and the encoding used when it was not UTF-8.

    A byte order mark decides; then UTF-8 if the bytes are valid UTF-8; then cp1252 (what US
    exports that are "not UTF-8" are) unless charset-normalizer finds that it reads as garbage,
    and then the encoding charset-normalizer finds most likely (Cyrillic in cp1251, Japanese
    in Shift JIS). The detector's own first pick is not trusted on Western text: a few accented
    letters in a mostly ASCII file read as well in a dozen code pages, or as Chinese.
    """
    for bom, encoding in BOMS:
        if data.startswith(bom):
            said = None if bom == codecs.BOM_UTF8 else encoding
            return data.decode(encoding, errors="replace"), said
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        encoding = _guess_encoding(data)
    return data.decode(encoding, errors="replace"), encoding


def _guess_encoding(data: bytes) -> str:
    if charset_normalizer.from_bytes(data, cp_isolation=WESTERN_ENCODINGS).best() is not None:
        return FALLBACK_ENCODING
    best = charset_normalizer.from_bytes(data).best()
    return FALLBACK_ENCODING if best is None else best.encoding


def load_json(path: Path, problems: list[Problem]):
    """Parse a JSON file, or fail the source with a one-line reason naming line and column."""
    text = read_text(path, problems)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceError(
            f"{path.name} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from exc
    except ValueError as exc:  # a number longer than Python will convert (sys.int_info)
        raise SourceError(f"{path.name} cannot be read: {exc}") from exc
    except RecursionError as exc:
        raise SourceError(f"{path.name} cannot be read: {NESTED_TOO_DEEPLY}") from exc


def csv_rows(text: str) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line, row) from CSV text; headers and values are stripped of padding.

    The delimiter and quoting are detected (`csv_dialect`); CR-only line endings and spaces
    after delimiters are read. `line` is the 1-based line the row starts on, so a problem can
    point at it.
    """
    reader = _reader(text)
    try:
        header = next(reader)
    except StopIteration:
        return
    names = [h.strip().lstrip("\ufeff").strip() for h in header]
    line = reader.line_num + 1
    for values in reader:
        if any(v.strip() for v in values):
            row = {
                name: (values[i].strip() if i < len(values) else "")
                for i, name in enumerate(names)
                if name
            }
            yield line, row
        line = reader.line_num + 1


def csv_header(text: str) -> list[str]:
    """Return the stripped column names of CSV text."""
    first = next(_reader(text), [])
    return [h.strip().lstrip("\ufeff").strip() for h in first]


def csv_dialect(text: str) -> tuple[str, str]:
    """Return the delimiter and quote character of CSV text.

    `csv.Sniffer` decides among comma, semicolon and tab, on the first `CSV_SNIFF_CHARS` (in
    whole lines when a line ends there: its quote search takes time growing with the square of
    what it is given). When it cannot tell, or finds a delimiter the header line does not hold,
    the delimiter that splits the header line into the most cells is taken, comma on a tie.
    """
    text = text.lstrip("\ufeff")
    header_line = text[:CSV_HEADER_CHARS].splitlines()[0] if text.strip() else ""
    sample = text[:CSV_SNIFF_CHARS]
    if len(text) > len(sample) and "\n" in sample:
        sample = sample[: sample.rindex("\n")]  # whole lines only
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters=CSV_DELIMITERS)
        if sniffed.delimiter in header_line:
            return sniffed.delimiter, sniffed.quotechar
    except csv.Error:
        pass
    cells = {d: len(next(csv.reader([header_line], delimiter=d), [])) for d in CSV_DELIMITERS}
    return max(CSV_DELIMITERS, key=lambda d: cells[d]), '"'  # max: the first of equals


def _reader(text: str):
    delimiter, quotechar = csv_dialect(text)
    stream = io.StringIO(text, newline="")
    return csv.reader(stream, delimiter=delimiter, quotechar=quotechar, skipinitialspace=True)


# --- helpers for readers: keys, heads of large files, empty values, lists in a cell -----------


def fold(text: Any) -> str:
    """Return `text` case-folded and without accents ("Miércoles" -> "miercoles")."""
    decomposed = unicodedata.normalize("NFKD", str(text).casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def slug(text: Any) -> str:
    """Return `text` as a lower-case, hyphenated key part ("Café  Ole!" -> "cafe-ole")."""
    return re.sub(r"[\W_]+", "-", fold(text)).strip("-")[:KEY_PART_LENGTH].strip("-")


class AddressPart(str):
    """A part of a record key that is an address: a key holds its digest, never the address."""


def address_digest(*parts: Any) -> str:
    """Return a stable digest standing for address parts in a record key ("at-5f0c...").

    Padding, case and accents do not change it. A digest still names its address to whoever can
    try every address of an area, so a confidential place's key holds none (see agency_csv).
    """
    text = "\x1f".join(" ".join(fold(p).split()) for p in parts if not blank(p))
    return ADDRESS_DIGEST_PREFIX + hashlib.sha256(text.encode()).hexdigest()[:ADDRESS_DIGEST_LENGTH]


def slug_key(parts: list[Any], distinct: bool = False) -> tuple[str, str]:
    """Return (key, former key) joining the slugs of `parts` with KEY_SEPARATOR.

    In the key an `AddressPart` is its digest; the former key (resdir's before 2026-12) held
    its slug. Empty parts are left out, and with `distinct` repeated ones too.
    """
    pairs = [
        (address_digest(s) if isinstance(p, AddressPart) else s, s)
        for p in parts
        if not blank(p) and (s := slug(p))
    ]
    if distinct:
        firsts: dict[str, str] = {}
        for key, former in pairs:
            firsts.setdefault(former, key)
        pairs = [(key, former) for former, key in firsts.items()]
    return KEY_SEPARATOR.join(k for k, _ in pairs), KEY_SEPARATOR.join(f for _, f in pairs)


def read_head(path: Path) -> str:
    """Return the start of a text file (`SNIFF_BYTES`) decoded as `decode` does, BOM and leading
    white space dropped.

    "" for what is not a readable file (a folder, a file gone or locked): sniffing never raises.
    """
    return _start(path, SNIFF_BYTES)


def _start(path: Path, size: int) -> str:
    try:
        with path.open("rb") as f:
            head = f.read(size)
    except OSError:
        return ""
    try:  # a UTF-8 character cut at the end of the head is still UTF-8
        text = codecs.getincrementaldecoder("utf-8-sig")().decode(head)
    except UnicodeDecodeError:
        text = decode(head)[0]
    return text.lstrip()


def first_item(path: Path, envelope: str | None = None) -> Any:
    """Return the first record of a JSON array or JSON Lines file, reading only its start.

    With `envelope`, a file holding `{envelope: [records...]}` gives its first record too. None
    when the file does not start like JSON or its first record cannot be decoded.
    """
    text = read_head(path)
    if not text.startswith(("[", "{")):
        return None
    value = _first_value(text, envelope)
    if value is None:  # a first record longer than the head?
        longer = _start(path, SNIFF_RECORD_BYTES)
        value = _first_value(longer, envelope) if len(longer) > len(text) else None
    return value


def blank(value: Any) -> bool:
    """Tell whether a value says nothing: None, "", whitespace, or an empty list or dict."""
    if isinstance(value, str):
        return not value.strip()
    return value is None or value == [] or value == {}


def compact(fields: dict[str, Any]) -> dict[str, Any]:
    """Return `fields` without the entries that say nothing."""
    return {k: v for k, v in fields.items() if not blank(v)}


def first(*values: Any) -> Any:
    """Return the first value that says something (see `blank`), or None."""
    return next((v for v in values if not blank(v)), None)


def split_values(cell: Any, whole: Container[str] = ()) -> list[str]:
    """Split a cell listing values on ";" and ",", keeping whole a part `whole` names.

    `whole` holds casefolded values that contain a comma ("shelters, emergency"): a part of the
    cell equal to one of them, case aside, is one value.
    """
    values = []
    for part in ("" if cell is None else str(cell)).split(";"):
        pieces = [part] if part.strip().casefold() in whole else part.split(",")
        values.extend(p.strip() for p in pieces if p.strip())
    return values


def _first_value(text: str, envelope: str | None) -> Any:
    text = text.lstrip()
    start = 1 if text.startswith("[") else 0
    wrapped = envelope and re.match(r'\{\s*"' + re.escape(envelope) + r'"\s*:\s*\[', text)
    if wrapped:
        start = wrapped.end()
    try:
        return json.JSONDecoder().raw_decode(text, _SPACE.match(text, start).end())[0]
    except (ValueError, RecursionError):  # not JSON, cut off, a huge number, nested too deeply
        return None
