"""Measure detection and reading of a very large Meeting Guide feed: seconds and peak memory.

The feed is written by repeating the meetings of a real one (benlomond.test.json from
../shared/data, or RESDIR_SHARED_DATA) under new slugs until it reaches --megabytes. Each stage
runs in a child process of its own, so that its peak resident memory (ru_maxrss) is its alone:

- detect: `ingest.readers.detect`, which must read a bounded head whatever the file's size;
- read: detect, then iterating `reader.read` (the whole feed is parsed: JSON has no streaming
  parser in the standard library), counting records.

Run from the repository root: .venv/bin/python bench/large_feed.py [--megabytes N] [--keep PATH]
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("RESDIR_SHARED_DATA", REPO.parent / "shared" / "data"))
SEED = SHARED_DATA / "code4recovery-tsml-ui-meeting-feeds" / "benlomond.test.json"
DEFAULT_MEGABYTES = 200
MEGABYTE = 1024 * 1024
STAGES = ("detect", "read")


def write_feed(path: Path, megabytes: int) -> int:
    """Write a feed of about `megabytes` MB repeating the seed's meetings; return its count."""
    meetings = json.loads(SEED.read_text("utf-8"))
    target, written, count = megabytes * MEGABYTE, 1, 0
    with path.open("w", encoding="utf-8") as out:
        out.write("[")
        while written < target:
            meeting = meetings[count % len(meetings)] | {"slug": f"meeting-{count}"}
            text = ("," if count else "") + json.dumps(meeting)
            out.write(text)
            written += len(text.encode())
            count += 1
        out.write("]")
    return count


def stage(name: str, path: Path) -> None:
    """Run one stage in this process and print its figures as JSON."""
    sys.path.insert(0, str(REPO))
    from ingest.readers import ReadOptions, detect

    started = time.perf_counter()
    reader = detect(path)
    records = 0
    if name == "read":
        records = sum(1 for _ in reader.read(path, ReadOptions()))
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(json.dumps({"stage": name, "seconds": seconds, "peak_mb": peak, "records": records}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=DEFAULT_MEGABYTES)
    parser.add_argument("--keep", type=Path, help="Write the feed here and keep it.")
    parser.add_argument("--stage", choices=STAGES, help=argparse.SUPPRESS)
    parser.add_argument("path", nargs="?", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage:
        stage(args.stage, args.path)
        return
    with tempfile.TemporaryDirectory() as folder:
        path = args.keep or Path(folder) / "large.json"
        count = write_feed(path, args.megabytes)
        size = path.stat().st_size / MEGABYTE
        print(f"feed: {size:.0f} MB, {count} meetings")
        for name in STAGES:
            command = [sys.executable, __file__, "--stage", name, str(path)]
            figures = json.loads(subprocess.run(command, check=True, capture_output=True).stdout)
            print(
                f"{name:7} {figures['seconds']:7.1f} s  peak {figures['peak_mb']:7.0f} MB"
                f"  ({figures['peak_mb'] / size:.1f} x the file)  records {figures['records']}"
            )


if __name__ == "__main__":
    main()
