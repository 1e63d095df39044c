"""The command line around ingest: set-up, the remote geocoder path, stats, dependency direction."""

import json
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from resdir import create_app, store
from resdir.listings import load_document
from tests.nominatim import NominatimServer

MAPPING = """[source]
key = "ID"
[fields]
name = "Program"
"address.street" = "Street"
"address.city" = "City"
"address.region" = "State"
"address.postal_code" = "ZIP"
"""


def test_ingest_on_a_new_database_creates_its_tables(shared_data, tmp_path):
    app = create_app({"DATABASE": str(tmp_path / "fresh.sqlite3")})
    source = shared_data / "ohana-api-sample-csv"
    result = app.test_cli_runner().invoke(args=["ingest", str(source)])
    assert result.exit_code == 0, result.output
    with app.app_context(), store.session() as session:
        assert session.scalars(select(store.Listing)).first() is not None


def test_stats_before_init_db_says_what_to_do(tmp_path):
    app = create_app({"DATABASE": str(tmp_path / "fresh.sqlite3")})
    result = app.test_cli_runner().invoke(args=["stats"])
    assert result.exit_code == 1
    assert "run `resdir init-db` first" in result.output
    assert "Traceback" not in result.output


def test_init_db_is_safe_to_run_again(app):
    runner = app.test_cli_runner()
    for _ in range(2):
        result = runner.invoke(args=["init-db"])
        assert result.exit_code == 0
        assert result.output.startswith("database ready: sqlite:///")


def test_addresses_are_placed_by_a_configured_nominatim_behind_a_cache(tmp_path):
    (tmp_path / "beds.toml").write_text(MAPPING)
    sheet = tmp_path / "beds.csv"
    sheet.write_text(
        "ID,Program,Street,City,State,ZIP\n"
        "1,Harbor House,1500 Valencia Street,San Francisco,CA,94110\n"
        "2,Dawn Place,1 Unknown Way,San Francisco,CA,94110\n"
    )
    query = "1500 Valencia Street, San Francisco, CA, 94110"
    with NominatimServer({query: (37.7489, -122.4206, "building")}) as server:
        app = create_app(
            {
                "DATABASE": str(tmp_path / "geo.sqlite3"),
                "GEOCODER": f"nominatim:{server.url}",
                "GEOCODER_MIN_DELAY_SECONDS": 0,
            }
        )
        runner = app.test_cli_runner()
        runner.invoke(args=["init-db"])
        args = [
            "ingest",
            str(sheet),
            "--mapping",
            str(tmp_path / "beds.toml"),
            "--report",
            str(tmp_path / "report.json"),
        ]
        assert runner.invoke(args=args).exit_code == 0
        asked = len(server.requests)
        assert runner.invoke(args=args).exit_code == 0
    assert asked == 2 and len(server.requests) == 2  # the second run asked nothing

    with app.app_context(), store.session() as session:
        ids = session.scalars(select(store.Listing.id)).all()
        docs = {d["name"]: d for d in (load_document(session, i) for i in ids)}
    assert docs["Harbor House"]["location"] == {"lat": 37.7489, "lon": -122.4206}
    assert docs["Harbor House"]["geocode_precision"] == "address"
    # Nominatim found nothing: the offline gazetteer still places it at its ZIP code.
    assert docs["Dawn Place"]["geocode_precision"] == "postal_code"
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["sources"][0]["unchanged"] == 2


def test_stats_and_problems_summarize_the_directory(app, ingest, tmp_path):
    feed = tmp_path / "feed.json"
    feed.write_text(
        json.dumps(
            [
                {
                    "slug": "hope",
                    "name": "Hope",
                    "day": 1,
                    "time": "19:00",
                    "types": ["O", "ZZ"],
                    "formatted_address": "2200 Mission St, San Francisco, CA 94110, USA",
                },
            ]
        )
    )
    ingest(feed)
    runner = app.test_cli_runner()
    stats = runner.invoke(args=["stats"]).output
    assert "Sober social and support" in stats
    assert "feed" in stats and "completed" in stats
    problems = runner.invoke(args=["problems", "--type", "unknown-code"]).output
    assert problems.splitlines() == [
        "1 problems",
        "feed warning unknown-code hope:1 [types]: Meeting Guide code 'ZZ' is not known; "
        "kept verbatim",
    ]


def test_resdir_core_never_imports_ingest():
    # Only the CLI and the agency pages (the form and the spreadsheet upload read what agencies
    # type as ingest reads feeds) may use ingest; the core, the API and the public pages never.
    core = (
        "resdir.model, resdir.store, resdir.listings, resdir.geo, resdir.vocab, resdir.search, "
        "resdir.matching, resdir.api, resdir.accounts, resdir.submissions, resdir.web.public, "
        "resdir.web.peer"
    )
    code = (
        f"import sys, resdir, {core}; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'ingest'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_serve_answers_on_the_port_it_is_given(tmp_path):
    import os
    import socket
    import time
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = os.environ | {"RESDIR_DATABASE": str(tmp_path / "serve.sqlite3")}
    resdir = [str(Path(sys.executable).parent / "resdir")]  # the installed console script
    subprocess.run([*resdir, "init-db"], env=env, check=True, capture_output=True)
    server = subprocess.Popen(
        [*resdir, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/") as response:
                    page = response.read().decode()
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError("resdir serve did not answer")
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert "0 published listings" in page
