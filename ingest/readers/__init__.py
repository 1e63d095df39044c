"""Register the readers, one per source format, and match a path to one of them."""

import errno
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ingest.problems import Problem, SourceError
from ingest.record import Record, Stop


@dataclass(frozen=True)
class ReadOptions:
    """What a reader may need beyond the path."""

    mapping: Path | None = None  # agency CSV: the mapping file


@dataclass(frozen=True)
class Reader:
    """A source format: how to recognise it and how to read it."""

    name: str  # e.g. "hsds-tabular"
    format: str  # the --format family: hsds, meeting-guide, gtfs, csv
    sniff: Callable[[Path], bool]  # cheap look at the path: is it this format?
    read: Callable[[Path, ReadOptions], Iterator[Record | Stop | Problem]]
    auto: bool = True  # chosen by --format auto; an agency CSV needs a mapping or a shipped one


def registry() -> list[Reader]:
    """Return every reader, most specific first."""
    from ingest.readers import agency_csv, gtfs, hsds_json, hsds_tabular, meeting_guide, ohana_json

    return [
        gtfs.READER,
        hsds_tabular.READER,
        hsds_json.READER,
        ohana_json.READER,
        meeting_guide.JSON_READER,
        meeting_guide.CSV_READER,
        agency_csv.SHIPPED_READER,
        agency_csv.READER,
    ]


EMPTY_CONTENTS = (b"", b"[]", b"{}")  # files that cannot be told apart by format, nor need be
EMPTY_PROBE = 64  # bytes read to tell an empty file from one in an unknown format
FORMATS = ("auto", "hsds", "meeting-guide", "gtfs", "csv")


def detect(path: Path, fmt: str = "auto", mapping: Path | None = None) -> Reader:
    """Return the reader for `path`, or raise SourceError saying why none fits."""
    _check_readable(path)
    if mapping is not None:
        fmt = "csv"
    for reader in registry():
        # Any CSV could be an agency spreadsheet, so that reader is only chosen with a mapping,
        # or when a shipped mapping recognises its header.
        wanted = fmt == reader.format or (fmt == "auto" and reader.auto)
        if wanted and reader.sniff(path):
            return reader
    if path.is_file() and _head(path).strip() in EMPTY_CONTENTS:
        raise SourceError(f"{path.name} holds no records; nothing was changed")
    hint = "; an agency CSV needs --mapping" if path.suffix.lower() == ".csv" else ""
    wanted = "a known format" if fmt == "auto" else f"the {fmt} format"
    raise SourceError(f"{path.name} is not in {wanted} (tried: {', '.join(FORMATS[1:])}){hint}")


def _check_readable(path: Path) -> None:
    """Raise SourceError unless `path` is a file or folder this process can open.

    Readers sniff by opening what they are given: a pipe or device would block them, and a path
    they cannot open is better named here, once, than failed on by every reader.
    """
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            raise SourceError(f"{path} does not exist") from exc
        if exc.errno == errno.ELOOP:
            raise SourceError(f"{path} is a loop of symbolic links") from exc
        raise SourceError(f"cannot read {path}: {exc.strerror}") from exc
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        raise SourceError(f"{path} is neither a file nor a folder (a pipe, socket or device)")
    try:
        if stat.S_ISDIR(mode):
            os.listdir(path)
        else:
            path.open("rb").close()
    except OSError as exc:
        raise SourceError(f"cannot read {path}: {exc.strerror}") from exc


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as f:
            return f.read(EMPTY_PROBE)
    except OSError as exc:  # gone or locked since it was checked
        raise SourceError(f"cannot read {path}: {exc.strerror}") from exc
