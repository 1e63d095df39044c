"""Open source files the way real feeds need: BOMs, wrong encodings, padded headers, CR endings."""

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

from ingest.problems import Problem, SourceError, problem

FALLBACK_ENCODING = "cp1252"  # what Windows exports that are "not UTF-8" almost always are
csv.field_size_limit(10 * 1024 * 1024)  # 211 descriptions run long; the default 128 KiB is not enough


def read_text(path: Path, problems: list[Problem]) -> str:
    """Read a text file as UTF-8 (BOM dropped), falling back to cp1252 with a problem recorded."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"cannot read {path}: {exc.strerror}") from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        problems.append(problem("encoding-fallback", path=path.name, encoding=FALLBACK_ENCODING))
        return data.decode(FALLBACK_ENCODING, errors="replace")


def load_json(path: Path, problems: list[Problem]):
    """Parse a JSON file, or fail the source with a one-line reason naming line and column."""
    text = read_text(path, problems)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceError(
            f"{path.name} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from exc


def csv_rows(text: str) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line, row) from CSV text; headers and values are stripped of padding.

    Handles CR-only line endings and spaces after commas. `line` is the 1-based line the row
    starts on, so a problem can point at it.
    """
    reader = csv.reader(io.StringIO(text, newline=""), skipinitialspace=True)
    try:
        header = next(reader)
    except StopIteration:
        return
    names = [h.strip().lstrip("\ufeff").strip() for h in header]
    line = reader.line_num + 1
    for values in reader:
        if any(v.strip() for v in values):
            row = {name: (values[i].strip() if i < len(values) else "") for i, name in
                   enumerate(names) if name}
            yield line, row
        line = reader.line_num + 1


def csv_header(text: str) -> list[str]:
    """Return the stripped column names of CSV text."""
    first = next(csv.reader(io.StringIO(text, newline=""), skipinitialspace=True), [])
    return [h.strip().lstrip("\ufeff").strip() for h in first]
