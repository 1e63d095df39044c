"""Time the first search after a start against the next ones, over HTTP on gunicorn.

The directory is data/seed/ ingested into a fresh store. Each round starts gunicorn (one sync
worker, with the repository's gunicorn.conf.py) on the loopback, sends the first search the
moment the worker answers a stylesheet, then the same
search again and a few more; it prints, per round, the start-up time and each search's time.
Searches place the person by ZIP code, by city and by coordinates, so each gazetteer index is
needed by the first one.

Run from the repository root:
    .venv/bin/python bench/first_search.py --rounds 3
"""

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEARCHES = [
    {"location": {"postal_code": "94110"}, "needs": ["sober_social.meeting"]},
    {"location": {"address": "Daly City, CA"}, "needs": ["housing"]},
    {"location": {"lat": 37.7793, "lon": -122.4193}, "barriers": ["no_vehicle"]},
]
START_TIMEOUT_SECONDS = 60


def free_port() -> int:
    """Return a loopback port nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def search_seconds(port: int, profile: dict) -> float:
    """POST one match and return its time; fail on anything but 200."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    started = time.perf_counter()
    connection.request(
        "POST", "/api/v1/match", json.dumps(profile), {"Content-Type": "application/json"}
    )
    response = connection.getresponse()
    response.read()
    elapsed = time.perf_counter() - started
    connection.close()
    if response.status != 200:
        raise SystemExit(f"the search answered {response.status}")
    return elapsed


def wait_for_worker(port: int, server: subprocess.Popen) -> None:
    """Return once the worker answers (a stylesheet: no search, no gazetteer)."""
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("gunicorn exited before it answered")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.request("GET", "/static/css/site.css")
            connection.getresponse().read()
            connection.close()
            return
        except OSError:
            time.sleep(0.02)
    raise SystemExit("gunicorn did not answer in time")


def one_round(env: dict) -> tuple[float, list[float]]:
    """Start gunicorn, return its start-up time and each search's time, first one first."""
    port = free_port()
    started = time.perf_counter()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            "1",
            "-b",
            f"127.0.0.1:{port}",
            "resdir:create_app()",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_worker(port, server)
        boot = time.perf_counter() - started
        times = [search_seconds(port, profile) for profile in SEARCHES]
        times += [search_seconds(port, profile) for profile in SEARCHES]
        return boot, times
    finally:
        server.terminate()
        server.wait()


def main() -> None:
    """Ingest the seed directory, then time the rounds and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "RESDIR_DATABASE": str(Path(folder) / "bench.sqlite3")}
        subprocess.run(
            [sys.executable, "-c", "from resdir.cli import main; main()", "ingest", "data/seed"],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        firsts, seconds = [], []
        print("round  start-up s  first search ms (zip, city, point)  same again ms")
        for number in range(1, args.rounds + 1):
            boot, times = one_round(env)
            first, again = times[: len(SEARCHES)], times[len(SEARCHES) :]
            firsts.append(first[0])
            seconds.append(again[0])
            print(
                f"{number:>5}  {boot:>10.2f}  "
                f"{' '.join(f'{t * 1000:>7.0f}' for t in first):>35}  "
                f"{' '.join(f'{t * 1000:>5.0f}' for t in again)}"
            )
        print(
            f"median first search {statistics.median(firsts) * 1000:.0f} ms, "
            f"the same search again {statistics.median(seconds) * 1000:.0f} ms"
        )


if __name__ == "__main__":
    main()
