"""No input crashes a reader: random bytes and mutations of the real files, with every --format,
end in records, problems or one SourceError, never another exception."""

import json
import random
import shutil
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.problems import Problem, SourceError
from ingest.readers import FORMATS, ReadOptions, detect
from ingest.record import Record, Stop

REPO = Path(__file__).resolve().parents[4]
MAPPING = REPO / "data" / "seed" / "residences.mapping.toml"
AGENCY_CSV = REPO / "data" / "seed" / "residences.csv"
# Real files, one or two per reader, small enough to be read hundreds of times.
FILE_SEEDS = {
    "meeting-guide-json": "code4recovery-tsml-ui-meeting-feeds/benlomond.test.json",
    "meeting-guide-csv": "code4recovery-12-step-meeting-list/template.csv",
    "hsds-json": "openreferral-hsds3-examples/service_full.json",
    "hsds-json-list": "openreferral-hsds3-examples/service_list.json",
    "ohana-json-lines": "ohana-api-smc-historical/smc_farmers_markets.json",
    "moud-csv": "oeps-samhsa-moud-providers/meth-2017.csv",
}
# Folders whose tables are mutated one at a time.
FOLDER_SEEDS = {
    "ohana-csv": ("ohana-api-sample-csv", ("services.csv", "locations.csv", "phones.csv")),
    "hsds3-csv": ("openreferral-hsds3-examples/csv", ("services.csv", "datapackage.json")),
}
GTFS = "gtfs-bart-2018/bart"
GTFS_TABLES = ("stops.txt", "routes.txt", "agency.txt", "trips.txt", "stop_times.txt")
GTFS_ROWS = 300  # rows kept of the large tables: enough to link stops to routes
EXAMPLES = 150  # per test; the module runs in about half a minute on a busy 2-core machine
FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
HUGE, DEEP = "\x00huge", "\x00deep"  # stand-ins replaced after json.dumps
DEPTH = 50_000
REPLACEMENTS = [None, 0, -1, 1e308, True, "", "x" * 5000, [], {}, [None], {"": None}, HUGE, DEEP]

pytestmark = pytest.mark.shared_data


def _read_everything(path: Path) -> None:
    """Detect `path` with every --format (and with a mapping), read it, and check each item."""
    for fmt, mapping in [(fmt, None) for fmt in FORMATS] + [("auto", MAPPING)]:
        try:
            reader = detect(path, fmt, mapping)
            items = list(reader.read(path, ReadOptions(mapping=mapping)))
        except SourceError as exc:
            assert str(exc) and "\n" not in str(exc)
            continue
        assert all(isinstance(item, Record | Stop | Problem) for item in items)


# --- mutations -----------------------------------------------------------------------------


def _mutate_bytes(data: bytes, rnd: random.Random, kind: str) -> bytes:
    lines = data.splitlines(keepends=True) or [b""]
    at = rnd.randrange(len(data) + 1)
    line = rnd.randrange(len(lines))
    if kind == "truncate":
        return data[:at]
    if kind == "flip":
        flipped = bytearray(data)
        for _ in range(rnd.randint(1, 8)):
            if flipped:
                flipped[rnd.randrange(len(flipped))] ^= 1 << rnd.randrange(8)
        return bytes(flipped)
    if kind == "insert":
        return data[:at] + rnd.randbytes(rnd.randint(1, 16)) + data[at:]
    if kind == "drop-line":
        return b"".join(lines[:line] + lines[line + 1 :])
    if kind == "duplicate-line":
        return b"".join(lines[: line + 1] + lines[line:])
    if kind == "drop-column":
        column = rnd.randrange(8)
        return b"".join(
            b",".join(v for i, v in enumerate(row.split(b",")) if i != column) for row in lines
        )
    raise AssertionError(kind)


BYTE_MUTATIONS = ["truncate", "flip", "insert", "drop-line", "duplicate-line", "drop-column"]


def _mutate_json(data: bytes, rnd: random.Random) -> bytes:
    """Replace one value of a JSON document by a value of another type, a huge number or a
    deep nest of arrays."""
    value = json.loads(data.decode("utf-8-sig"))
    slots = []

    def walk(node):
        children = node.items() if isinstance(node, dict) else enumerate(node)
        for key, child in children:
            slots.append((node, key))
            if isinstance(child, dict | list):
                walk(child)

    if isinstance(value, dict | list):
        walk(value)
    if not slots:
        return data
    node, key = rnd.choice(slots)
    node[key] = rnd.choice(REPLACEMENTS)
    text = json.dumps(value)
    text = text.replace(json.dumps(HUGE), "9" * 5000)
    return text.replace(json.dumps(DEEP), "[" * DEPTH + "]" * DEPTH).encode()


def _mutated(data: bytes, path: Path, seed: int, kind: str) -> bytes:
    rnd = random.Random(seed)
    if kind == "json" and path.suffix == ".json" and data.lstrip()[:1] in (b"[", b"{"):
        try:
            return _mutate_json(data, rnd)
        except ValueError:  # JSON Lines: mutate bytes instead
            pass
    return _mutate_bytes(data, rnd, BYTE_MUTATIONS[seed % len(BYTE_MUTATIONS)])


# --- fixtures ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def work(tmp_path_factory, request) -> Path:
    """Return a module-wide folder holding a small GTFS feed cut from BART's, and its zip."""
    shared = request.getfixturevalue("shared_data")
    root = tmp_path_factory.mktemp("fuzz")
    feed = root / "bart"
    feed.mkdir()
    for table in GTFS_TABLES:
        lines = (shared / GTFS / table).read_bytes().splitlines(keepends=True)
        (feed / table).write_bytes(b"".join(lines[:GTFS_ROWS]))
    with zipfile.ZipFile(root / "bart.zip", "w") as archive:
        for table in GTFS_TABLES:
            archive.write(feed / table, f"bart/{table}")
    return root


MUTATION = st.tuples(st.integers(0, 2**32), st.sampled_from(["bytes", "json"]))


@FUZZ
@given(name=st.sampled_from(sorted(FILE_SEEDS)), mutation=MUTATION)
def test_a_mutated_real_file_never_crashes_a_reader(shared_data, work, name, mutation):
    seed = shared_data / FILE_SEEDS[name]
    path = work / seed.name
    path.write_bytes(_mutated(seed.read_bytes(), seed, *mutation))
    _read_everything(path)


@FUZZ
@given(mutation=MUTATION)
def test_a_mutated_agency_csv_with_its_mapping_never_crashes(work, mutation):
    path = work / AGENCY_CSV.name
    path.write_bytes(_mutated(AGENCY_CSV.read_bytes(), AGENCY_CSV, *mutation))
    _read_everything(path)


@FUZZ
@given(name=st.sampled_from(sorted(FOLDER_SEEDS)), table=st.integers(0, 10), mutation=MUTATION)
def test_a_package_with_a_mutated_table_never_crashes_a_reader(
    shared_data, work, name, table, mutation
):
    folder, tables = FOLDER_SEEDS[name]
    package = work / name
    if not package.exists():
        shutil.copytree(shared_data / folder, package)
    original = shared_data / folder / tables[table % len(tables)]
    target = package / original.name
    try:
        target.write_bytes(_mutated(original.read_bytes(), original, *mutation))
        _read_everything(package)
        _read_everything(package / "datapackage.json")
    finally:
        shutil.copy(original, target)


@FUZZ
@given(table=st.sampled_from(GTFS_TABLES), seed=st.integers(0, 2**32))
def test_a_gtfs_feed_with_a_mutated_table_never_crashes(work, table, seed):
    target = work / "bart" / table
    original = target.read_bytes()
    try:
        target.write_bytes(_mutated(original, target, seed, "bytes"))
        _read_everything(work / "bart")
    finally:
        target.write_bytes(original)


@FUZZ
@given(seed=st.integers(0, 2**32))
def test_a_damaged_gtfs_zip_never_crashes(work, seed):
    path = work / "damaged.zip"
    path.write_bytes(_mutated((work / "bart.zip").read_bytes(), path, seed, "bytes"))
    _read_everything(path)


@FUZZ
@given(
    data=st.binary(max_size=4096),
    suffix=st.sampled_from([".json", ".csv", ".zip", ".txt", ""]),
)
def test_random_bytes_never_crash_a_reader(work, data, suffix):
    path = work / f"random{suffix}"
    path.write_bytes(data)
    _read_everything(path)


@FUZZ
@given(
    text=st.text(alphabet=st.sampled_from('[]{}",:0123456789.-eE truefalsnul\n\\'), max_size=400)
)
def test_json_shaped_text_never_crashes_a_reader(work, text):
    path = work / "shaped.json"
    path.write_text(text)
    _read_everything(path)
