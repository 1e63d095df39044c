"""Measure ingest throughput on the real datasets, stage by stage, next to a bare parse.

For each source one run measures five rates, in records per second, where a record is what the
reader yields (a listing draft or a transit stop) and every rate divides the same record count:

- baseline: the standard library's parse of the same file(s) and nothing more: json.load of a
  JSON file (json.loads of each line for JSON Lines), csv.DictReader over every CSV table of a
  folder, zipfile + csv over the GTFS tables the reader opens;
- read: `ingest.readers.detect` and iterating `reader.read`;
- check: read, then `check_record` / `check_stop` (normalize and validate) on every record;
- full: `ingest.pipeline.run_source` into a fresh SQLite file with the offline geocoder: a first
  load, with duplicate resolution, geocoding, history and outbox;
- re-run: `run_source` again on the same store, where every record is unchanged.

Why ratios: the machine is shared and noisy, and the next machine is faster or slower; a stage's
time as a multiple of the baseline's, measured on the same bytes seconds apart, moves far less than
a rate does, so ratios are what to compare across runs and machines. "x12" means the stage takes
twelve times as long as the bare parse.

Each figure is the best of --repeat repetitions; a bare parse or read shorter than
MIN_TIMED_SECONDS is timed over enough back-to-back runs to last that long. Costs paid once per
process at first use (the ZIP gazetteer, the city centroids, the time zone map) are measured and
printed on their own, and a warm-up pass (one untimed `run_source` of every source into a
throwaway store) absorbs the other lazily built tables. Before every timing the phone memo of
`ingest.normalize` is emptied, so each repetition parses every number as a first load in a new
process would, and the garbage collector runs, so each starts from the same heap. The heap
left by the warm-up is frozen (see `freeze_heap`) and a full collection of it timed on its own.

Run from the repository root: .venv/bin/python bench/ingest.py [--only NAME] [--repeat N]
[--json PATH]. Datasets come from ../shared/data, or RESDIR_SHARED_DATA.
"""

import argparse
import csv
import gc
import io
import json
import math
import os
import platform
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# This file is named ingest.py and Python puts its folder first on the path, where it would hide
# the `ingest` package: the repository root takes that place.
sys.path[0] = str(REPO)

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from ingest import normalize  # noqa: E402
from ingest.manifest import SourceSpec, load_manifest  # noqa: E402
from ingest.pipeline import check_record, check_stop, run_source  # noqa: E402
from ingest.readers import ReadOptions, detect  # noqa: E402
from ingest.record import Record, Stop  # noqa: E402
from resdir import create_app, geo, store  # noqa: E402

SHARED_DATA = Path(os.environ.get("RESDIR_SHARED_DATA", REPO.parent / "shared" / "data"))
DEFAULT_REPEAT = 3
GOAL_RATE = 5_000  # records per second, for the goal sources
STAGES = ("baseline", "read", "check", "full", "re-run")
GTFS_TABLES = ("agency.txt", "stops.txt", "routes.txt", "trips.txt", "stop_times.txt")
SMALL_SOURCE = 100  # below this many records, fixed per-file costs dominate every rate
MIN_TIMED_SECONDS = 0.1  # a bare parse or read shorter than this is timed over several runs
TABLE_WIDTH = 150  # rich's width when printing to a pipe or file, where it cannot ask


@dataclass(frozen=True)
class Bench:
    """A source to measure: where it is, how to read it, and whether the goal applies to it."""

    name: str  # for --only and the table
    path: str  # relative to root
    root: Path = SHARED_DATA
    mapping: str | None = None  # an agency CSV's mapping, by the stem of a shipped one
    goal: bool = False  # Meeting Guide and HSDS CSV: the formats the 5,000 records/s goal names

    @property
    def location(self) -> Path:
        """Return the file, folder or manifest this bench reads."""
        return self.root / self.path


MEETINGS = "code4recovery-tsml-ui-meeting-feeds"
SF211 = "sfbrigade-sf-openreferral-data/211"
BENCHES = (
    Bench("mg-sanjose", f"{MEETINGS}/aasanjose.test.json", goal=True),
    Bench("mg-sfmarin", f"{MEETINGS}/aasfmarin.test.json", goal=True),
    Bench("tsml-csv", "code4recovery-12-step-meeting-list/template.csv"),
    Bench("hsds-baltimore", "bchd-baltimore-charmcare-icarol", goal=True),
    Bench("hsds-sanmateo", "ohana-api-sample-csv", goal=True),
    Bench("hsds-1.1", "openreferral-sample-HSDS-datapackage/all_resources", goal=True),
    Bench("hsds3-json", "openreferral-hsds3-examples/organization_full.json"),
    Bench("ohana-cip", "ohana-api-smc-historical/cip_mvp.json"),
    Bench("ohana-sf", f"{SF211}/sf.json"),
    Bench("agency-icarol", f"{SF211}/sf_only.csv", mapping="icarol"),
    Bench("gtfs-bart", "gtfs-bart-2018/bart.zip"),
    Bench("seed", "data/seed/manifest.toml", root=REPO),
)


@dataclass
class Figures:
    """What was measured for one source: its record count and each stage's best seconds."""

    bench: Bench
    reader: str  # the reader's name, or how many a manifest uses
    records: int
    seconds: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def rate(self, stage: str) -> float:
        """Return a stage's records per second."""
        return self.records / self.seconds[stage]

    def ratio(self, stage: str) -> float:
        """Return how many times as long as the baseline a stage takes."""
        return self.seconds[stage] / self.seconds["baseline"]


def specs_of(bench: Bench) -> list[SourceSpec]:
    """Return the sources a bench loads: the manifest's, or one source named after the bench."""
    if bench.location.suffix == ".toml":
        return load_manifest(bench.location)
    mapping = Path(bench.mapping) if bench.mapping else None
    return [SourceSpec(id=bench.name, path=bench.location, mapping=mapping)]


# --- the stages: each takes the sources and does the work once -----------------------------------


def parse_csv(stream) -> None:
    """Parse CSV text with csv.DictReader, row by row."""
    for _row in csv.DictReader(stream):
        pass


def bare_parse(path: Path) -> None:
    """Parse a file or folder with the standard library only, as a reader would have to."""
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                if Path(name).name in GTFS_TABLES:
                    with archive.open(name) as member:
                        parse_csv(io.TextIOWrapper(member, "utf-8-sig", newline=""))
    elif path.is_dir():
        gtfs = (path / "stops.txt").exists()
        for file in sorted(path.iterdir()):
            if (file.name in GTFS_TABLES) if gtfs else file.suffix == ".csv":
                bare_parse(file)
    elif path.suffix == ".json":
        text = path.read_text("utf-8-sig")
        try:
            json.loads(text)
        except json.JSONDecodeError:  # JSON Lines: one document a line
            for line in text.splitlines():
                if line.strip():
                    json.loads(line)
    else:
        with path.open(encoding="utf-8-sig", errors="replace", newline="") as stream:
            parse_csv(stream)


def baseline(specs: list[SourceSpec]) -> None:
    """Parse every source's files with the standard library."""
    for spec in specs:
        bare_parse(spec.path)


def records_of(spec: SourceSpec) -> Iterator[Record | Stop]:
    """Yield the records and stops a source's reader finds, leaving out its problems."""
    reader = detect(spec.path, spec.format, spec.mapping)
    for item in reader.read(spec.path, ReadOptions(mapping=spec.mapping)):
        if isinstance(item, Record | Stop):
            yield item


def read(specs: list[SourceSpec]) -> int:
    """Read every source and return how many records its readers yield."""
    return sum(sum(1 for _ in records_of(spec)) for spec in specs)


def check(specs: list[SourceSpec]) -> None:
    """Read, normalize and validate every record of every source."""
    for spec in specs:
        for item in records_of(spec):
            (check_stop if isinstance(item, Stop) else check_record)(item, spec)


def load(app, specs: list[SourceSpec]) -> list:
    """Run the whole pipeline on every source into the app's store; return the reports."""
    geocoder = geo.Geocoder("offline")
    reports = []
    with app.app_context():
        for spec in specs:
            with store.session() as session:
                reports.append(run_source(session, spec, geocoder))
    return reports


def fresh_app(folder: str, name: str):
    """Return an app on a new, empty SQLite file in `folder`, its tables created."""
    app = create_app({"DATABASE": str(Path(folder) / f"{name}.sqlite3")})
    with app.app_context():
        store.init_db()
    return app


# --- timing ------------------------------------------------------------------------------------


def timed(work: Callable[[], object], loops: int = 1) -> tuple[float, object]:
    """Run `work` `loops` times from a cold memo and heap; return seconds per run, last result."""
    # The memo spares a feed's repeated numbers within one load; left warm from an earlier
    # repetition it would spare every number, which no real first load or re-run enjoys.
    normalize._phone.cache_clear()
    # Each timing starts from the same heap, not from one that earlier work left nearly due
    # for a collection.
    gc.collect()
    start = time.perf_counter()
    for _ in range(loops):
        result = work()
    return (time.perf_counter() - start) / loops, result


def loops_for(work: Callable[[], object]) -> int:
    """Return how many back-to-back runs of `work` last at least MIN_TIMED_SECONDS."""
    seconds = timed(work)[0]
    return max(1, math.ceil(MIN_TIMED_SECONDS / seconds))


def one_time_costs() -> dict[str, float]:
    """Pay, and time, the costs the offline geocoder pays once per process at first use."""
    first_uses = {
        "ZIP gazetteer": lambda: geo.zip_record("94103"),
        "city centroids": lambda: geo.gazetteer_place({"city": "Oakland", "region": "CA"}),
        "time zone map": lambda: geo.timezone_at(37.77, -122.42),
    }
    return {name: timed(use)[0] for name, use in first_uses.items()}


def freeze_heap() -> tuple[int, float]:
    """Time a full garbage collection of the warmed-up heap, then freeze that heap.

    A full collection scans every live object, and the ZIP gazetteer alone holds ~170,000 of
    them: ~0.15 s a pass, which lands in whichever stage happens to trigger it and swings that
    figure by up to half. Frozen, the long-lived heap is no longer scanned, so each figure
    carries only the collections of its own objects; the pass is printed on its own instead.
    """
    objects = len(gc.get_objects())
    seconds = timed(gc.collect)[0]
    gc.freeze()
    return objects, seconds


def warm_up(benches: list[Bench], folder: str) -> float:
    """Load every source once into a throwaway store, untimed, so lazy tables get built."""
    start = time.perf_counter()
    for bench in benches:
        load(fresh_app(folder, f"warm-{bench.name}"), specs_of(bench))
    return time.perf_counter() - start


def measure(bench: Bench, repeat: int, folder: str) -> Figures:
    """Return the best of `repeat` timings of every stage for one source."""
    specs = specs_of(bench)
    records = read(specs)
    readers = sorted({detect(s.path, s.format, s.mapping).name for s in specs})
    reader = readers[0] if len(readers) == 1 else f"{len(specs)} sources, {len(readers)} readers"
    figures = Figures(bench, reader, records)
    # The bare parse and the read of a small file last milliseconds, where one tick of noise
    # moves a figure; repeated back to back they last long enough to be stable. Normalizing
    # runs only once per timing, since a second run would find every phone in the memo.
    parse, read_all = (lambda: baseline(specs)), (lambda: read(specs))
    loops = {"baseline": loops_for(parse), "read": loops_for(read_all)}
    best = dict.fromkeys(STAGES, float("inf"))
    for n in range(repeat):
        best["baseline"] = min(best["baseline"], timed(parse, loops["baseline"])[0])
        best["read"] = min(best["read"], timed(read_all, loops["read"])[0])
        best["check"] = min(best["check"], timed(lambda: check(specs))[0])
        app = fresh_app(folder, f"{bench.name}-{n}")
        seconds, first = timed(lambda app=app: load(app, specs))
        best["full"] = min(best["full"], seconds)
        seconds, again = timed(lambda app=app: load(app, specs))
        best["re-run"] = min(best["re-run"], seconds)
        store.engine(app).dispose()
        if n == 0:
            figures.warnings.extend(sanity(first, again, records))
    figures.seconds = best
    return figures


def sanity(first: list, again: list, records: int) -> list[str]:
    """Return what looks wrong in the reports of a first load and its re-run."""
    warnings = []
    failed = [r.source for r in first + again if r.status == "failed"]
    if failed:
        warnings.append(f"failed: {', '.join(sorted(set(failed)))}")
    loaded = sum(r.counts["read"] for r in first)
    if loaded != records:
        warnings.append(f"run_source read {loaded} records, the readers yield {records}")
    changed = sum(r.counts[k] for r in again for k in ("created", "updated", "removed"))
    if changed:
        warnings.append(f"the re-run changed {changed} records")
    return warnings


# --- output ------------------------------------------------------------------------------------


def table(results: list[Figures], repeat: int) -> Table:
    """Return the rates and ratios of every source as a rich table."""
    out = Table(
        title=f"ingest throughput, records/s (best of {repeat}); xN = N times the baseline's time",
        title_justify="left",
    )
    out.add_column("source")
    out.add_column("reader")
    out.add_column("records", justify="right")
    for stage in STAGES:
        out.add_column(stage, justify="right")
    for fig in results:
        name = fig.bench.name + ("*" if fig.records < SMALL_SOURCE else "")
        cells = [f"{fig.rate('baseline'):,.0f}"] + [
            f"{fig.rate(s):,.0f} x{fig.ratio(s):,.1f}" for s in STAGES[1:]
        ]
        out.add_row(name, fig.reader, f"{fig.records:,}", *cells)
    return out


def goal_lines(results: list[Figures]) -> list[str]:
    """Return the goal line and, for each goal source measured, which stages meet it."""
    lines = [f"goal: >= {GOAL_RATE:,} records/s for Meeting Guide and HSDS CSV"]
    if not any(fig.bench.goal for fig in results):
        lines.append("  (no Meeting Guide or HSDS CSV source measured)")
    for fig in results:
        if not fig.bench.goal:
            continue
        meets = [s for s in STAGES[1:] if fig.rate(s) >= GOAL_RATE]
        misses = [f"{s} {fig.rate(s):,.0f}" for s in STAGES[1:] if fig.rate(s) < GOAL_RATE]
        lines.append(
            f"  {fig.bench.name:<15} meets: {', '.join(meets) or 'none'}"
            + (f"; misses: {', '.join(misses)}" if misses else "")
        )
    return lines


def as_json(results: list[Figures], one_time: dict[str, float], warm: float, repeat: int) -> dict:
    """Return every figure as JSON-ready data."""
    return {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "repeat": repeat,
        "goal_records_per_second": GOAL_RATE,
        "one_time_seconds": one_time,
        "warm_up_seconds": warm,
        "sources": [
            {
                "name": fig.bench.name,
                "path": fig.bench.path,
                "reader": fig.reader,
                "records": fig.records,
                "goal": fig.bench.goal,
                "seconds": fig.seconds,
                "records_per_second": {s: fig.rate(s) for s in STAGES},
                "times_baseline": {s: fig.ratio(s) for s in STAGES[1:]},
                "warnings": fig.warnings,
            }
            for fig in results
        ],
    }


def main(argv: list[str] | None = None) -> None:
    """Measure the chosen sources and print the table, the goal and the one-time costs."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=[b.name for b in BENCHES], help="measure one source")
    parser.add_argument("--repeat", type=int, default=DEFAULT_REPEAT, help="repetitions per figure")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    console = Console(highlight=False)
    if not console.is_terminal:
        console.width = TABLE_WIDTH
    benches = []
    for bench in BENCHES:
        if args.only and bench.name != args.only:
            continue
        if bench.location.exists():
            benches.append(bench)
        else:
            console.print(f"skipped {bench.name}: {bench.location} not found (RESDIR_SHARED_DATA)")
    if not benches:
        console.print("nothing to measure")
        return
    console.print(
        f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs; "
        f"data: {SHARED_DATA}; best of {args.repeat}"
    )
    one_time = one_time_costs()
    console.print(
        "one-time costs at first use: "
        + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in one_time.items())
    )
    results = []
    with tempfile.TemporaryDirectory(prefix="resdir-bench-") as folder:
        warm = warm_up(benches, folder)
        console.print(f"warm-up (one untimed load of every source): {warm:.1f} s")
        objects, collection = freeze_heap()
        console.print(
            f"a full garbage collection of the warm heap ({objects:,} objects) takes"
            f" {collection:.2f} s; the heap is then frozen (gc.freeze) for the figures"
        )
        for bench in benches:
            results.append(measure(bench, args.repeat, folder))
    console.print(table(results, args.repeat))
    if any(fig.records < SMALL_SOURCE for fig in results):
        console.print(f"* fewer than {SMALL_SOURCE} records: fixed per-file costs dominate")
    for fig in results:
        for warning in fig.warnings:
            console.print(f"warning: {fig.bench.name}: {warning}")
    for line in goal_lines(results):
        console.print(line)
    if args.json:
        one_time["full garbage collection"] = collection
        body = as_json(results, one_time, warm, args.repeat)
        args.json.write_text(json.dumps(body, indent=2) + "\n", "utf-8")


if __name__ == "__main__":
    main()
