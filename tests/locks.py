"""Another process holding a SQLite file's write lock, as a long ingest does."""

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

HOLDER = """
import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
if sys.argv[2] == "until-told":
    sys.stdin.read()
else:
    time.sleep(float(sys.argv[2]))
connection.execute("ROLLBACK")
"""


@contextmanager
def write_lock_held(database: str, seconds: float | None = None) -> Iterator[None]:
    """Hold the database's write lock from another process while the block runs: taken before
    the block starts, let go after `seconds` (None: when the block ends); the block ends once
    the holder has let go."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, database, "until-told" if seconds is None else str(seconds)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        yield
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)
        holder.stdout.close()
