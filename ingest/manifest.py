"""Find the sources to ingest: in a TOML manifest or in paths given on the command line."""

import tomllib
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path

from ingest import remote
from ingest.problems import SourceError
from ingest.readers import FORMATS
from ingest.readers.files import slug
from resdir import vocab

SNAPSHOTS = ("full", "partial")
MANIFEST_MARK = b"[[sources]]"  # a TOML file holding it is a manifest, not an agency mapping
SPEC_KEYS = {
    "id",
    "name",
    "path",
    "format",
    "mapping",
    "snapshot",
    "licence",
    "facts",
    "fellowship",
    "timezone",
    "max_shrink",
    "examples",
    "page_size",
}


@dataclass(frozen=True)
class SourceSpec:
    """One source: where it is, how to read it, and what is true of all its records."""

    id: str
    path: Path
    format: str = "auto"
    mapping: Path | None = None
    name: str | None = None
    snapshot: str = "full"  # full: records missing from a later run are unpublished
    licence: str | None = None
    facts: dict[str, str] = field(default_factory=dict)  # attribute code -> "yes" | "no"
    fellowship: str | None = None  # a meeting feed's fellowship, where it reads type codes its way
    timezone: str | None = None  # for records that neither state a time zone nor can be placed
    # The share of the source one full snapshot may unpublish (None: RESDIR_MAX_SHRINK's).
    max_shrink: float | None = None
    examples: tuple[dict, ...] = ()  # acceptance examples: {"record": key, "expect": {...}}
    url: str | None = None  # a remote HSDS 3.0 API read instead of `path` (ingest/remote.py)
    page_size: int | None = None  # a remote API's services per page (None: the default)

    @property
    def location(self) -> str:
        """Return where the source is: its URL, or its path."""
        return self.url or str(self.path)

    @property
    def label(self) -> str:
        """Return the source's name in a message: its URL, or its file's name."""
        return self.url or self.path.name


REMOTE_PATH = Path()  # the path of a source read from a URL: none
DATAPACKAGE = "datapackage.json"  # a tabular data package's descriptor


def source_id_for(path: Path) -> str:
    """Return a source id derived from a file or folder name ("cip_mvp.json" -> "cip-mvp")."""
    if path.name == DATAPACKAGE:
        path = path.parent  # a package given by its descriptor is named after its folder
    stem = path.name if path.is_dir() else path.name.split(".")[0]
    return slug(stem) or "source"


def _packages(path: Path) -> list[Path]:
    """Return the HSDS packages a folder holds below it when it is none itself and holds several."""
    from ingest.readers import hsds_tabular  # it imports normalize, which imports this module

    if not path.is_dir() or hsds_tabular.is_package(path):
        return []
    found = hsds_tabular.packages_in(path)
    return found if len(found) > 1 else []


def is_manifest(path: Path) -> bool:
    """Return whether a path is a resdir manifest rather than a source."""
    if path.suffix != ".toml" or not path.is_file():
        return False
    try:
        return MANIFEST_MARK in path.read_bytes()
    except OSError:  # not readable: detection says so in one line
        return False


def _spec(entry: dict, base: Path, where: str) -> SourceSpec:
    unknown = set(entry) - SPEC_KEYS
    if unknown:
        raise SourceError(f"{where}: unknown keys {sorted(unknown)}")
    if not entry.get("id") or not entry.get("path"):
        raise SourceError(f"{where}: every source needs an id and a path")
    fmt = entry.get("format", "auto")
    if fmt not in FORMATS:
        raise SourceError(f"{where}: format {fmt!r} is not one of {', '.join(FORMATS)}")
    snapshot = entry.get("snapshot", "full")
    if snapshot not in SNAPSHOTS:
        raise SourceError(f"{where}: snapshot must be 'full' or 'partial'")
    facts = entry.get("facts", {})
    bad = {k: v for k, v in facts.items() if k not in vocab.ATTRIBUTES or v not in ("yes", "no")}
    if bad:
        raise SourceError(f"{where}: facts must map attribute codes to 'yes' or 'no': {bad}")
    mapping = entry.get("mapping")
    url = entry["path"] if remote.is_url(str(entry["path"])) else None
    if url and fmt not in ("auto", "hsds"):
        raise SourceError(f"{where}: a URL source is an HSDS 3.0 API; its format is hsds")
    page_size = entry.get("page_size")
    if page_size is not None and (
        isinstance(page_size, bool) or not isinstance(page_size, int) or page_size < 1
    ):
        raise SourceError(f"{where}: page_size must be a whole number from 1")
    timezone = entry.get("timezone")
    if timezone is not None and timezone not in zoneinfo.available_timezones():
        raise SourceError(f"{where}: timezone {timezone!r} is not an IANA time zone name")
    max_shrink = entry.get("max_shrink")
    if max_shrink is not None and (
        isinstance(max_shrink, bool)
        or not isinstance(max_shrink, int | float)
        or not 0 <= max_shrink <= 1
    ):
        raise SourceError(f"{where}: max_shrink must be a share between 0 and 1 (0.2 is 20%)")
    return SourceSpec(
        id=entry["id"],
        path=REMOTE_PATH if url else base / entry["path"],
        format=fmt,
        mapping=base / mapping if mapping else None,
        name=entry.get("name"),
        snapshot=snapshot,
        licence=entry.get("licence"),
        facts=facts,
        fellowship=entry.get("fellowship"),
        timezone=timezone,
        max_shrink=max_shrink,
        examples=tuple(entry.get("examples", ())),
        url=url,
        page_size=page_size,
    )


def load_manifest(path: Path) -> list[SourceSpec]:
    """Read the sources of a manifest; paths in it are relative to the manifest's folder."""
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SourceError(f"manifest {path} cannot be read: {exc}") from exc
    specs = [
        _spec(e, path.parent, f"{path.name} source {i + 1}")
        for i, e in enumerate(data.get("sources", []))
    ]
    ids = [s.id for s in specs]
    if len(set(ids)) != len(ids):
        raise SourceError(f"manifest {path}: source ids repeat: {ids}")
    return specs


def specs_from_args(
    paths: list[str | Path],
    fmt: str = "auto",
    mapping: Path | None = None,
    source_id: str | None = None,
    page_size: int | None = None,
) -> list[SourceSpec]:
    """Return the sources named on a command line: manifests expanded, URLs as remote HSDS APIs,
    other paths as sources."""
    specs: list[SourceSpec] = []
    for given in paths:
        if remote.is_url(str(given)):
            if fmt not in ("auto", "hsds"):
                raise SourceError(f"{given} is an HSDS 3.0 API; its format is hsds")
            url = str(given)
            sid = source_id or remote.source_id_for(url)
            specs.append(SourceSpec(sid, REMOTE_PATH, "hsds", url=url, page_size=page_size))
            continue
        path = Path(given)
        if is_manifest(path):
            specs.extend(load_manifest(path))
        elif fmt in ("auto", "hsds") and (packages := _packages(path)):
            # A folder of several HSDS packages: each is a source of its own.
            specs.extend(SourceSpec(id=source_id_for(p), path=p, format=fmt) for p in packages)
        else:
            specs.append(
                SourceSpec(
                    id=source_id or source_id_for(path), path=path, format=fmt, mapping=mapping
                )
            )
    if source_id and len(specs) > 1:
        raise SourceError("--source-id names one source; give a single path with it")
    return specs
