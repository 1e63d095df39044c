"""Measure matching latency in process and over HTTP, next to the raw candidate retrieval.

What is measured, on the synthetic Bay Area directory of bench/generate.py (100,000 listings by
default), with the embedded engine or (`--engine elasticsearch`) a running Elasticsearch node:
- in process: `resdir.matching.match(profile, session, now)` — the whole match a request pays
  for: the outbox check, the plan, the engine's candidates, the scores and reasons, the listing
  documents — and, for the same plan, the raw candidate retrieval `engine.search(plan, 0,
  limit + 1)` alone, the baseline; each profile `--repeat` times, the two timings interleaved;
  with Elasticsearch, also the cluster's own time for the queries of each match (`took`), the
  raw query time the application's share is measured against;
- the index build: with Elasticsearch, `resdir reindex`'s rebuild into a fresh index, every run,
  next to reading and building the same documents from the store alone (the baseline);
- over HTTP: POST /api/v1/match to gunicorn (two sync workers) on the loopback, one request at a
  time (validation, JSON and the WSGI server included), then two client threads at once for
  sustained throughput; every answer that is not 200 is counted as an error;
- peak memory: this process's ru_maxrss after the in-process run (the directory and its index are
  built in a child process, so their peak is not counted), and the gunicorn workers' VmHWM.

The machine is shared and noisy: absolute milliseconds move from run to run, so the figure that
says what matching itself costs is the ratio of `match` to the raw retrieval measured in the same
run, on the same plans, interleaved — noise that slows one slows the other. The profiles are drawn
from `random.Random(seed)` and the in-process "now" is fixed (NOW), so a seed always asks the same
questions. Over HTTP the server reads its own clock: only `open_now` profiles depend on it.

Run from the repository root:
    .venv/bin/python bench/match.py --count 100000 --seed 7
    .venv/bin/python bench/match.py --engine elasticsearch   # node: make es-start
"""

import argparse
import concurrent.futures
import gc
import http.client
import importlib.util
import json
import multiprocessing
import os
import platform
import random
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select

from resdir import create_app, search, store
from resdir.listings import listing_id
from resdir.matching import match
from resdir.matching.profile import ProfileSchema, compile_plan

REPO = Path(__file__).resolve().parents[1]
GENERATOR = REPO / "bench" / "generate.py"
GUNICORN = Path(sys.executable).parent / "gunicorn"
DEFAULT_COUNT = 100_000
DEFAULT_SEED = 7
DEFAULT_PROFILES = 60
DEFAULT_REPEAT = 3
DEFAULT_HTTP_REQUESTS = 300
NOW = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)  # 10:00 on a Tuesday in the Bay Area
LOCAL = timedelta(hours=-8)  # Pacific Standard Time on NOW's date, for the `when` windows
TABLE_WIDTH = 120

DEFAULT_ELASTICSEARCH_URL = "http://127.0.0.1:9200"

# Goals of issues 3 and 4 at 100,000 listings on a 2-core machine.
GOAL_IN_PROCESS_P95_MS = 30.0
GOAL_HTTP_P95_MS = 50.0
GOAL_ADDED_TIMES_RAW = 2.0  # match - raw <= 2 x raw, at p95: match / raw <= 3
GOAL_BUILD_PER_SECOND = 3000.0  # Elasticsearch index build

# HTTP run
WORKERS = 2
SERVER_START_SECONDS = 60.0  # gunicorn boots and each worker imports resdir
SERVER_STOP_SECONDS = 30.0
REQUEST_TIMEOUT_SECONDS = 30.0
WARM_UP_ROUNDS = 2  # untimed passes over every profile: each worker loads its gazetteer and index
CONCURRENT_THREADS = 2
CONCURRENT_SECONDS = 10.0
ERROR_SAMPLES = 3  # error bodies kept to print

# -- profiles: who asks, weighted as peers and clients ask --------------------------------------
# Cities are weighted by population (generate.metro_places), these three more: most programs
# and the people they serve are in the three big cities.
CITY_BOOST = {"San Francisco": 3.0, "Oakland": 3.0, "San Jose": 2.0}
POINT_SHARE = 0.2  # a phone's position rather than a ZIP code
POINT_JITTER_DEGREES = 0.01
NEEDS = {
    "sober_social.meeting": 45,
    "housing": 12,
    "housing.recovery_residence": 8,
    "housing.shelter": 5,
    "childcare": 10,
    "childcare.during_meetings": 3,
    "transport": 10,
    "transport.ride_program": 4,
    "sober_social": 3,
}
SECOND_NEED_SHARE = 0.3
BARRIER_COUNTS = {0: 30, 1: 35, 2: 25, 3: 10}
BARRIERS = {
    "no_vehicle": 20,
    "low_income": 20,
    "on_moud": 10,
    "justice_involved": 10,
    "needs_childcare": 8,
    "medicaid": 8,
    "uninsured": 6,
    "no_id": 5,
    "mobility": 5,
    "limited_english": 5,
    "lgbtq_safety": 5,
    "works_daytime": 5,
    "dv_survivor": 3,
    "has_pet": 2,
    "no_phone": 2,
}
BARRIERS_AS_LIST_SHARE = 0.5  # a list means every barrier "prefer"
REQUIRE_SHARE = 0.3  # in the object form, a barrier the person cannot do without
VALUE_COUNTS = {0: 35, 1: 35, 2: 20, 3: 10}
VALUES = {
    "secular": 12,
    "twelve_step": 10,
    "non_twelve_step": 6,
    "newcomer_friendly": 10,
    "women_only": 6,
    "lgbtq_affirming": 8,
    "harm_reduction": 6,
    "trauma_informed": 6,
    "in_person": 10,
    "online": 5,
    "faith_based": 4,
    "young_people": 4,
    "peer_led": 4,
}
STRENGTHS = {"prefer": 60, "require": 20, "avoid": 20}
GENDERS = {"woman": 50, "man": 45, "nonbinary": 5}
GENDER_SHARE = 0.3
AGE_SHARE = 0.4
AGE_RANGE = (18, 70)
LANGUAGES = {("en", "es"): 40, ("es",): 25, ("zh", "en"): 10, ("vi",): 10, ("tl", "en"): 15}
LANGUAGES_SHARE = 0.2
MODES = {"transit": 40, "car": 25, "any": 20, "walk": 15}
MAX_MINUTES = (15, 20, 30, 45, 60)
# (label, local start as days and hours from NOW's local midnight, hours long) and weights
WINDOWS = {
    ("this evening", 0, 17, 4): 15,
    ("tomorrow morning", 1, 7, 3): 8,
    ("Saturday", 4, 9, 12): 5,
}
WINDOW_SHARE = 0.25
OPEN_NOW_SHARE = 0.08
QUERIES = {
    "AA": 4,
    "sober living": 3,
    "women": 2,
    "meditation": 2,
    "NA": 2,
    "spanish": 2,
    "head start": 1,
    "rides": 1,
}
QUERY_SHARE = 0.15


def load_generator():
    """Return bench/generate.py as a module, loaded from its path."""
    spec = importlib.util.spec_from_file_location("bench_generate", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _pick(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _sample(rng: random.Random, weights: dict, k: int) -> list:
    """Return `k` distinct keys drawn by weight."""
    pool, chosen = dict(weights), []
    for _ in range(min(k, len(pool))):
        chosen.append(_pick(rng, pool))
        del pool[chosen[-1]]
    return chosen


def _local(day: int, hour: int) -> str:
    midnight = (NOW + LOCAL).replace(hour=0, minute=0, tzinfo=None)
    moment = midnight + timedelta(days=day, hours=hour)
    return moment.isoformat() + "-08:00"


def profile(rng: random.Random, places: tuple[dict, ...]) -> dict:
    """Return one request body: where, what, barriers, values and when, as a person asks."""
    weights = [p["population"] * CITY_BOOST.get(p["city"], 1.0) for p in places]
    zip_ = rng.choice(rng.choices(places, weights=weights)[0]["zips"])
    if rng.random() < POINT_SHARE:
        location = {
            "lat": round(zip_["lat"] + rng.gauss(0, POINT_JITTER_DEGREES), 5),
            "lon": round(zip_["lon"] + rng.gauss(0, POINT_JITTER_DEGREES), 5),
        }
    else:
        location = {"postal_code": zip_["postal_code"]}
    body: dict = {"location": location}
    needs = [_pick(rng, NEEDS)]
    if rng.random() < SECOND_NEED_SHARE:
        second = _pick(rng, NEEDS)
        if second.split(".")[0] != needs[0].split(".")[0]:
            needs.append(second)
    body["needs"] = needs
    barriers = _sample(rng, BARRIERS, _pick(rng, BARRIER_COUNTS))
    if barriers:
        if rng.random() < BARRIERS_AS_LIST_SHARE:
            body["barriers"] = barriers
        else:
            body["barriers"] = {
                b: "require" if rng.random() < REQUIRE_SHARE else "prefer" for b in barriers
            }
    if rng.random() < GENDER_SHARE:
        body["gender"] = _pick(rng, GENDERS)
    values = {}
    for code in _sample(rng, VALUES, _pick(rng, VALUE_COUNTS)):
        if code == "women_only" and body.get("gender") == "man":
            continue  # nobody asks for what excludes them
        values[code] = _pick(rng, STRENGTHS)
    if values.get("online") == "require" and values.get("in_person") == "require":
        del values["online"]
    if values:
        body["values"] = values
    if rng.random() < AGE_SHARE:
        body["age"] = rng.randint(*AGE_RANGE)
    if "limited_english" in barriers or rng.random() < LANGUAGES_SHARE:
        body["languages"] = list(_pick(rng, LANGUAGES))
    body["travel"] = {"mode": _pick(rng, MODES), "max_minutes": rng.choice(MAX_MINUTES)}
    chance = rng.random()
    if chance < WINDOW_SHARE:
        _, day, hour, hours = _pick(rng, WINDOWS)
        body["when"] = {"from": _local(day, hour), "to": _local(day, hour + hours)}
    elif chance < WINDOW_SHARE + OPEN_NOW_SHARE:
        body["when"] = {"open_now": True}
    if rng.random() < QUERY_SHARE:
        body["q"] = _pick(rng, QUERIES)
    return body


def profiles(count: int, seed: int, places: tuple[dict, ...]) -> list[dict]:
    """Return `count` request bodies, the same ones for the same seed."""
    rng = random.Random(seed)
    return [profile(rng, places) for _ in range(count)]


def _strengths(body: dict) -> list[str]:
    # a list of barriers means each "prefer": only the object form can require one
    barriers = body.get("barriers")
    return [
        *(barriers.values() if isinstance(barriers, dict) else ()),
        *body.get("values", {}).values(),
    ]


def mix(bodies: list[dict]) -> list[str]:
    """Return lines that describe a list of profiles briefly."""
    n = len(bodies)
    needs = Counter(need for b in bodies for need in b["needs"])
    modes = Counter(b["travel"]["mode"] for b in bodies)
    barriers = Counter(len(b.get("barriers", ())) for b in bodies)
    values = Counter(len(b.get("values", ())) for b in bodies)
    required = sum("require" in _strengths(b) for b in bodies)
    when = Counter(
        "open_now" if b.get("when", {}).get("open_now") else "window" for b in bodies if "when" in b
    )

    def shares(counter: Counter) -> str:
        return ", ".join(f"{k} {v}" for k, v in sorted(counter.items(), key=lambda kv: -kv[1]))

    return [
        f"{n} profiles; needs: {shares(needs)}",
        f"  located by ZIP {sum('postal_code' in b['location'] for b in bodies)}, by lat/lon "
        f"{sum('lat' in b['location'] for b in bodies)}; travel: {shares(modes)}; "
        f"max_minutes {min(b['travel']['max_minutes'] for b in bodies)}-"
        f"{max(b['travel']['max_minutes'] for b in bodies)}",
        f"  barriers per profile {dict(sorted(barriers.items()))}, values per profile "
        f"{dict(sorted(values.items()))}, a `require` in {required}",
        f"  gender {sum('gender' in b for b in bodies)}, age {sum('age' in b for b in bodies)}, "
        f"languages {sum('languages' in b for b in bodies)}, when: {shares(when) or 'none'}, "
        f"q {sum('q' in b for b in bodies)}",
    ]


# -- the directory and its index (in a child process, so their memory is not counted) ----------


def bench_config(database: str, engine: str, url: str, count: int, seed: int) -> dict:
    """Return the app configuration of a run (the alias is named for the directory)."""
    return {
        "DATABASE": database,
        "SEARCH": engine,
        "ELASTICSEARCH_URL": url,
        "ELASTICSEARCH_INDEX": f"resdir-bench-{count}-seed{seed}",
    }


def prepare(config: dict, count: int, seed: int) -> dict:
    """Make sure the database holds the directory and a current index; return what was done.

    The embedded index is rebuilt only when behind; an Elasticsearch one every run, timed next
    to reading and building its documents from the store alone.
    """
    app = create_app(config)
    database = config["DATABASE"]
    done: dict = {"populated": False, "indexed": None, "index_seconds": None}
    with app.app_context():
        store.init_db()
        with store.session() as session:
            held = session.scalar(select(func.count()).select_from(store.Listing))
            last = session.get(store.Listing, listing_id("synthetic", str(count - 1)))
        if held > count or (held == count and last is None):
            raise SystemExit(f"{database} holds {held:,} other listings; give another --database")
        if held < count:
            started = time.perf_counter()
            load_generator().populate(database, count, seed)
            done["populated"] = True
            done["populate_seconds"] = time.perf_counter() - started
        engine = search.engine()
        with store.session() as session:
            last_change = session.scalar(select(func.max(store.OutboxEntry.seq))) or 0
            if engine.name == "elasticsearch":
                started = time.perf_counter()
                ids = session.scalars(
                    select(store.Listing.id).where(store.Listing.status == "published")
                ).all()
                read = sum(
                    1 for _ in search.published_documents(session, search.load_stops(session), ids)
                )
                done["read_seconds"] = time.perf_counter() - started
                done["read"] = read
            if engine.name == "elasticsearch" or engine.position() < last_change:
                started = time.perf_counter()
                done["indexed"] = search.rebuild(engine, session)
                done["index_seconds"] = time.perf_counter() - started
    return done


# -- timing -------------------------------------------------------------------------------------


def percentiles(samples: list[float]) -> dict[str, float]:
    """Return p50, p95, p99 and max of samples in milliseconds."""
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return {"p50": cuts[49], "p95": cuts[94], "p99": cuts[98], "max": max(samples)}


class Took:
    """An Elasticsearch client that adds up the `took` of the searches made through it."""

    def __init__(self, client):
        self.client = client
        self.ms = 0.0

    def __getattr__(self, name):
        return getattr(self.client, name)

    def search(self, **body):
        found = self.client.search(**body)
        self.ms += found["took"]
        return found

    def mget(self, **body):  # no `took` in its answer: only the searches count
        return self.client.mget(**body)


def in_process(app, bodies: list[dict], repeat: int) -> dict:
    """Time `match` and the raw retrieval of its plan for every profile; return the figures."""
    schema = ProfileSchema()
    engine = search.engine(app)
    took = None
    if engine.name == "elasticsearch":
        took = engine.es = Took(engine.es)
    matched, raw, took_ms, totals, hidden, shown = [], [], [], [], [], []
    with app.app_context():
        loaded = [schema.load(body) for body in bodies]
        for validated in loaded:  # untimed: first queries, the gazetteer, the page cache
            with store.session() as session:
                match(validated, session, NOW)
        gc.collect()
        for validated in loaded:
            with store.session() as session:
                plan = compile_plan(validated, NOW, search.load_stops(session))
                size = validated["limit"] + 1
                for _ in range(repeat):
                    if took:
                        took.ms = 0.0
                    started = time.perf_counter()
                    answer = match(validated, session, NOW)
                    matched.append((time.perf_counter() - started) * 1000)
                    if took:
                        took_ms.append(took.ms)
                    started = time.perf_counter()
                    engine.search(plan, 0, size)
                    raw.append((time.perf_counter() - started) * 1000)
            totals.append(answer["total"])
            hidden.append(sum(h["count"] for h in answer["hidden"]))
            shown.append(len(answer["results"]))
    return {
        "match_ms": percentiles(matched),
        "raw_ms": percentiles(raw),
        "took_ms": percentiles(took_ms) if took_ms else None,
        "samples": len(matched),
        "median_total": statistics.median(totals),
        "median_hidden": statistics.median(hidden),
        "median_results": statistics.median(shown),
        "no_results": sum(1 for n in shown if n == 0),
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


# -- HTTP ---------------------------------------------------------------------------------------


def free_port() -> int:
    """Return a TCP port on the loopback that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def children(pid: int) -> list[int]:
    """Return the ids of a process's children (the gunicorn workers of a master)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                status = (entry / "status").read_text()
            except OSError:  # the process ended while we looked
                continue
            if f"\nPPid:\t{pid}\n" in status:
                found.append(int(entry.name))
    return found


def peak_mib(pid: int) -> float:
    """Return a process's peak resident memory (VmHWM) in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise LookupError(f"no VmHWM for process {pid}")


class Client:
    """POST profiles to /api/v1/match over one connection, reopened when the server closes it."""

    def __init__(self, port: int):
        self.connection = http.client.HTTPConnection(
            "127.0.0.1", port, timeout=REQUEST_TIMEOUT_SECONDS
        )
        self.closed_by_server = 0

    def post(self, body: bytes) -> tuple[int, bytes, float]:
        """Send one request; return its status, body and milliseconds."""
        started = time.perf_counter()
        try:
            self.connection.request(
                "POST", "/api/v1/match", body, {"Content-Type": "application/json"}
            )
            response = self.connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as exc:
            self.connection.close()
            return 0, repr(exc).encode(), (time.perf_counter() - started) * 1000
        if response.will_close:
            self.closed_by_server += 1
        return response.status, data, (time.perf_counter() - started) * 1000


def wait_until_up(port: int, server: subprocess.Popen) -> float:
    """Wait until the server answers; return how long it took."""
    started = time.perf_counter()
    while time.perf_counter() - started < SERVER_START_SECONDS:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with status {server.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/api/v1/vocab")
            if connection.getresponse().status == 200:
                return time.perf_counter() - started
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer within {SERVER_START_SECONDS:.0f} s")


def sequential(port: int, bodies: list[bytes], requests: int) -> dict:
    """Send `requests` profiles one at a time; return latency, errors, connection reuse."""
    client = Client(port)
    for body in bodies * WARM_UP_ROUNDS:
        client.post(body)
    client.closed_by_server = 0
    timings, statuses, samples = [], Counter(), []
    for n in range(requests):
        status, data, ms = client.post(bodies[n % len(bodies)])
        timings.append(ms)
        statuses[status] += 1
        if status != 200 and len(samples) < ERROR_SAMPLES:
            samples.append(f"{status}: {data[:300].decode(errors='replace')}")
    client.connection.close()
    return {
        "ms": percentiles(timings),
        "requests": requests,
        "errors": requests - statuses[200],
        "statuses": {str(k): v for k, v in statuses.items()},
        "error_samples": samples,
        "closed_by_server": client.closed_by_server,
    }


def parallel(port: int, bodies: list[bytes], threads: int, seconds: float) -> dict:
    """Send profiles from `threads` clients at once for `seconds`; return throughput, errors."""
    timings: list[float] = []
    statuses: Counter = Counter()
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def run(start: int) -> None:
        client, n = Client(port), start
        while time.perf_counter() < deadline:
            status, _, ms = client.post(bodies[n % len(bodies)])
            n += 1
            with lock:
                timings.append(ms)
                statuses[status] += 1
        client.connection.close()

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        for future in [pool.submit(run, i * len(bodies) // threads) for i in range(threads)]:
            future.result()
    elapsed = time.perf_counter() - started
    return {
        "threads": threads,
        "seconds": elapsed,
        "requests": len(timings),
        "per_second": len(timings) / elapsed,
        "errors": len(timings) - statuses[200],
        "statuses": {str(k): v for k, v in statuses.items()},
        "ms": percentiles(timings),
    }


def over_http(config: dict, bodies: list[dict], requests: int, folder: str) -> dict:
    """Start gunicorn on the configuration, time POST /api/v1/match, stop it; return figures."""
    port = free_port()
    log_path = Path(folder) / "gunicorn.log"
    encoded = [json.dumps(body).encode() for body in bodies]
    env = {**os.environ, **{f"RESDIR_{k}": v for k, v in config.items()}}
    command = [
        str(GUNICORN),
        "resdir:create_app()",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(WORKERS),
        "--timeout",
        "120",
    ]  # the access log is off unless --access-logfile is given
    with log_path.open("wb") as log:
        server = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=log)
    figures: dict = {"port": port}
    try:
        figures["start_seconds"] = wait_until_up(port, server)
        figures["sequential"] = sequential(port, encoded, requests)
        figures["concurrent"] = parallel(port, encoded, CONCURRENT_THREADS, CONCURRENT_SECONDS)
        figures["worker_peak_mib"] = sorted(peak_mib(pid) for pid in children(server.pid))
    finally:
        server.terminate()  # SIGTERM: gunicorn's graceful shutdown
        try:
            figures["exit_status"] = server.wait(SERVER_STOP_SECONDS)
        except subprocess.TimeoutExpired:
            server.kill()
            figures["exit_status"] = server.wait()
        log = log_path.read_text(errors="replace")
        figures["server_errors"] = [
            line for line in log.splitlines() if "Traceback" in line or "[ERROR]" in line
        ]
    return figures


# -- output -------------------------------------------------------------------------------------


def _row(out: Table, name: str, samples: int, ms: dict, note: str = "") -> None:
    out.add_row(name, f"{samples:,}", *(f"{ms[k]:.1f}" for k in ("p50", "p95", "p99", "max")), note)


def table(figures: dict) -> Table:
    """Return the latencies as a rich table."""
    out = Table(title="latency, ms", title_justify="left")
    out.add_column("what")
    out.add_column("samples", justify="right")
    for name in ("p50", "p95", "p99", "max"):
        out.add_column(name, justify="right")
    out.add_column("note")
    local = figures["in_process"]
    _row(out, "match, in process", local["samples"], local["match_ms"], "plan+engine+reasons")
    ratio = figures["ratio"]
    if local["took_ms"]:
        _row(out, "engine.search", local["samples"], local["raw_ms"], "query + exact re-score")
        _row(out, "Elasticsearch took", local["samples"], local["took_ms"], "baseline")
        name = "match / took"
    else:
        _row(out, "raw retrieval (engine.search)", local["samples"], local["raw_ms"], "baseline")
        name = "match / raw"
    out.add_row(name, "", f"x{ratio['p50']:.2f}", f"x{ratio['p95']:.2f}", "", "", "same run")
    http = figures.get("http")
    if http:
        seq, par = http["sequential"], http["concurrent"]
        _row(out, "POST /api/v1/match", seq["requests"], seq["ms"], f"{seq['errors']} errors")
        _row(
            out,
            f"  {par['threads']} client threads",
            par["requests"],
            par["ms"],
            f"{par['per_second']:.1f} req/s, {par['errors']} errors",
        )
    return out


def goals(figures: dict) -> list[str]:
    """Return the goal line and, for each goal, whether it is met."""
    local, ratio = figures["in_process"], figures["ratio"]

    def verdict(ok: bool) -> str:
        return "met" if ok else "MISSED"

    count = figures["listings"]
    lines = [
        f"goals: p95 <= {GOAL_IN_PROCESS_P95_MS:g} ms in process, <= {GOAL_HTTP_P95_MS:g} ms over "
        f"HTTP at 100,000 listings; matching adds <= {GOAL_ADDED_TIMES_RAW:g}x the raw retrieval"
        + ("" if count == DEFAULT_COUNT else f" (this run: {count:,} listings)"),
        f"  in process p95 {local['match_ms']['p95']:.1f} ms: "
        f"{verdict(local['match_ms']['p95'] <= GOAL_IN_PROCESS_P95_MS)}",
    ]
    http = figures.get("http")
    if http:
        seq = http["sequential"]
        ok = seq["ms"]["p95"] <= GOAL_HTTP_P95_MS and seq["errors"] == 0
        lines.append(
            f"  over HTTP p95 {seq['ms']['p95']:.1f} ms, {seq['errors']} errors: {verdict(ok)}"
        )
    added = ratio["p95"] - 1
    raw = "Elasticsearch's own query time" if local["took_ms"] else "the raw retrieval"
    lines.append(
        f"  the application adds x{added:.2f} {raw} at p95 (x{ratio['p50'] - 1:.2f} at p50): "
        f"{verdict(added <= GOAL_ADDED_TIMES_RAW)}"
    )
    built = figures["build"]
    if figures["engine"] == "elasticsearch" and built["indexed"]:
        rate = built["indexed"] / built["index_seconds"]
        lines.append(
            f"  index build >= {GOAL_BUILD_PER_SECOND:,.0f} documents/s: {rate:,.0f}/s: "
            f"{verdict(rate >= GOAL_BUILD_PER_SECOND)}"
        )
    return lines


def default_database(count: int, seed: int) -> str:
    """Return the default database path: in the temp folder, named for count and seed."""
    return str(Path(tempfile.gettempdir()) / f"resdir-bench-{count}-seed{seed}.sqlite3")


def main(argv: list[str] | None = None) -> int:
    """Build the directory if needed, measure matching, print the table and the goals."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=DEFAULT_COUNT, help="synthetic listings")
    parser.add_argument("--database", help="a SQLite path (default: in the temp folder)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--profiles", type=int, default=DEFAULT_PROFILES)
    parser.add_argument("--repeat", type=int, default=DEFAULT_REPEAT, help="timings per profile")
    parser.add_argument("--http-requests", type=int, default=DEFAULT_HTTP_REQUESTS)
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    parser.add_argument("--engine", choices=("embedded", "elasticsearch"), default="embedded")
    parser.add_argument(
        "--elasticsearch-url",
        default=os.environ.get("RESDIR_ELASTICSEARCH_URL", DEFAULT_ELASTICSEARCH_URL),
    )
    args = parser.parse_args(argv)
    for name in ("count", "profiles", "repeat", "http_requests"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    database = args.database or default_database(args.count, args.seed)
    config = bench_config(database, args.engine, args.elasticsearch_url, args.count, args.seed)
    console = Console(highlight=False)
    if not console.is_terminal:
        console.width = TABLE_WIDTH
    console.print(
        f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs; "
        f"{args.count:,} listings, seed {args.seed}; database {database}; engine {args.engine}"
        + (f" at {args.elasticsearch_url}" if args.engine == "elasticsearch" else "")
    )

    spawn = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=spawn) as child:
        built = child.submit(prepare, config, args.count, args.seed).result()
    if built["populated"]:
        console.print(f"directory generated in {built['populate_seconds']:.1f} s")
    if built["indexed"] is None:
        console.print(f"{args.engine} index already built and current: no rebuild")
    else:
        console.print(
            f"{args.engine} index built: {built['indexed']:,} documents in "
            f"{built['index_seconds']:.1f} s ({built['indexed'] / built['index_seconds']:,.0f}/s)"
        )
    if "read_seconds" in built:
        console.print(
            f"  baseline: reading and building the {built['read']:,} documents alone took "
            f"{built['read_seconds']:.1f} s ({built['read'] / built['read_seconds']:,.0f}/s)"
        )

    bodies = profiles(args.profiles, args.seed, load_generator().metro_places())
    for line in mix(bodies):
        console.print(line)

    app = create_app(config)
    console.print(f"in process: {args.profiles} profiles x {args.repeat}, now = {NOW.isoformat()}")
    local = in_process(app, bodies, args.repeat)
    store.engine(app).dispose()
    raw = local["took_ms"] or local["raw_ms"]
    ratio = {k: local["match_ms"][k] / raw[k] for k in ("p50", "p95")}
    figures = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "listings": args.count,
        "seed": args.seed,
        "database": database,
        "engine": args.engine,
        "build": built,
        "profiles": args.profiles,
        "repeat": args.repeat,
        "in_process": local,
        "ratio": ratio,
    }
    console.print(
        f"  results per match (median): {local['median_results']:g} shown of "
        f"{local['median_total']:,.0f} qualifying, {local['median_hidden']:,.0f} hidden; "
        f"{local['no_results']} profiles with no result; "
        f"peak memory of this process {local['peak_rss_mib']:,.0f} MiB"
    )

    console.print(
        f"over HTTP: gunicorn, {WORKERS} sync workers on 127.0.0.1, {args.http_requests} requests "
        f"one at a time after {WARM_UP_ROUNDS * args.profiles} untimed, then "
        f"{CONCURRENT_THREADS} threads for {CONCURRENT_SECONDS:g} s"
    )
    with tempfile.TemporaryDirectory(prefix="resdir-bench-") as folder:
        http = over_http(config, bodies, args.http_requests, folder)
    figures["http"] = http
    seq = http["sequential"]
    console.print(
        f"  server up in {http['start_seconds']:.1f} s; connections closed by the server after "
        f"{seq['closed_by_server']} of {seq['requests']} answers (sync workers do not keep "
        f"alive); workers' peak memory "
        + ", ".join(f"{mib:,.0f}" for mib in http["worker_peak_mib"])
        + f" MiB; gunicorn exit status {http['exit_status']}"
    )
    for sample in seq["error_samples"]:
        console.print(f"  error: {sample}")
    for line in http["server_errors"][:ERROR_SAMPLES]:
        console.print(f"  server log: {line}")

    console.print(table(figures))
    for line in goals(figures):
        console.print(line)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
