"""Every file and folder in ../shared/data through `resdir ingest`: each source ingests with
read == accepted + rejected, everything else is refused in one plain line; never a traceback."""

import json
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from resdir import create_app, store
from tests.conftest import SHARED_DATA

pytestmark = pytest.mark.shared_data

REPO = Path(__file__).resolve().parents[2]
MOUD_MAPPING = REPO / "tests" / "fixtures" / "mappings" / "samhsa-moud.toml"
CCLD_MAPPING = REPO / "tests" / "fixtures" / "mappings" / "ccld-childcare-json.toml"
FEEDS = "code4recovery-tsml-ui-meeting-feeds"
# Paths that are sources, with the arguments they need. The rest must be refused in one line.
SOURCES = {
    "bchd-baltimore-charmcare-icarol": (),
    "code4recovery-12-step-meeting-list/template.csv": (),
    "gtfs-bart-2018/bart": (),
    "gtfs-bart-2018/bart.zip": (),
    "gtfs-caltrain-20160406/caltrain_20160406": (),
    "gtfs-caltrain-20160406/caltrain_20160406.zip": (),
    "oeps-samhsa-moud-providers/us-wide-moudsCleaned.csv": ("--mapping", MOUD_MAPPING),
    "ohana-api-sample-csv": (),
    "sf-childcare-ccld/childcare_all_coordinates.json": ("--mapping", CCLD_MAPPING),
    "ohana-api-smc-historical/cip_mvp.json": (),
    "openreferral-hsds3-examples": (),
    "openreferral-hsds3-examples/csv": (),
    "openreferral-hsds3-examples/service_full.json": (),
    "openreferral-sample-HSDS-datapackage/all_resources": (),
    "sfbrigade-sf-openreferral-data/211/sf_only.csv": (),  # iCarol, by its header
    "sfbrigade-sf-openreferral-data/apd/open_ref.json": (),
    "code4recovery-spec/data-sample.json": (),
    "ohana-api-smc-historical/sample_data.json": (),
    "openreferral-hsds-transformer-output": (),
    "openreferral-hsds-transformer-output/data": (),
    "openreferral-hsds-transformer-output/datapackage.json": (),
    "openreferral-sample-HSDS-datapackage": (),  # two packages: two sources
    "openreferral-hsds3-examples/csv/datapackage.json": (),
    "openreferral-hsds3-examples/organization_full.json": (),
    "openreferral-hsds3-examples/service_at_location_full.json": (),
    "openreferral-hsds3-examples/service_at_location_list.json": (),
    "openreferral-hsds3-examples/service_list.json": (),
    "openreferral-sample-HSDS-datapackage/all_resources/datapackage.json": (),
    "openreferral-sample-HSDS-datapackage/simple": (),
    "openreferral-sample-HSDS-datapackage/simple/datapackage.json": (),
    "sfbrigade-sf-openreferral-data/211/sf.json": (),
    "sfbrigade-sf-openreferral-data/bapd/bapd.json": (),
}
SOURCES |= {
    f"{FEEDS}/{name}": ()
    for name in (
        "aasanjose.test.json",
        "aasfmarin.test.json",
        "airtable-json.test.json",
        "al-anon.json",
        "appointment.test.json",
        "atlanta.json",
        "benlomond.test.json",
        "data.json",
        "eda.json",
        "edmonton.json",
        "kc.test.json",
        "meetings.json",
        "nocodeapi.com.test.json",
        "nwta.test.json",
        "public_data.json",
        "times.json",
        "timezones.test.json",
    )
}
# The slowest sources (over a minute together on a busy 2-core machine) are left to
# test_ingest_real_data.py, which ingests each of them twice.
SLOW = "the sweep leaves this slow source to test_ingest_real_data.py, which ingests it twice"
SKIP_SLOW = pytest.mark.skip(reason=SLOW)
ELSEWHERE = {
    "bchd-baltimore-charmcare-icarol",
    "ohana-api-smc-historical/cip_mvp.json",
    "sfbrigade-sf-openreferral-data/211/sf_only.csv",
}
# The same source given another way: the same counts.
SAME_SOURCE = [
    ("openreferral-hsds-transformer-output", "openreferral-hsds-transformer-output/data"),
    (
        "openreferral-hsds-transformer-output/datapackage.json",
        "openreferral-hsds-transformer-output/data",
    ),
    ("gtfs-bart-2018/bart", "gtfs-bart-2018/bart.zip"),
    ("gtfs-caltrain-20160406/caltrain_20160406", "gtfs-caltrain-20160406/caltrain_20160406.zip"),
    ("openreferral-hsds3-examples/csv", "openreferral-hsds3-examples/csv/datapackage.json"),
    (
        "openreferral-sample-HSDS-datapackage/all_resources",
        "openreferral-sample-HSDS-datapackage/all_resources/datapackage.json",
    ),
    (
        "openreferral-sample-HSDS-datapackage/simple",
        "openreferral-sample-HSDS-datapackage/simple/datapackage.json",
    ),
]


@dataclass
class Outcome:
    """What one `resdir ingest PATH` printed and reported."""

    exit_code: int
    output: str
    sources: list[dict]  # the report's entries: one per source (a folder of packages: several)
    seconds: float


def _paths(root: Path) -> list[str]:
    found = (str(p.relative_to(root)) for p in root.rglob("*"))
    return sorted(p for p in found if p not in ELSEWHERE)


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory) -> dict[str, Outcome]:
    """Ingest every file and folder of ../shared/data once, each into a fresh database."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real datasets not found at {SHARED_DATA} (set RESDIR_SHARED_DATA)")
    results = {}
    for n, relative in enumerate(_paths(SHARED_DATA)):
        folder = tmp_path_factory.mktemp(f"sweep{n}")
        app = create_app({"DATABASE": str(folder / "resdir.sqlite3"), "TESTING": True})
        with app.app_context():
            store.init_db()
        path = SHARED_DATA / relative
        args = ["ingest", str(path), "--report", str(folder / "report.json")]
        args += [*map(str, SOURCES.get(relative, ()))]
        started = time.monotonic()
        result = app.test_cli_runner().invoke(args=args)
        report = folder / "report.json"
        sources = json.loads(report.read_text())["sources"] if report.exists() else []
        results[relative] = Outcome(
            result.exit_code, result.output, sources, time.monotonic() - started
        )
    return results


def _error_lines(outcome: Outcome) -> list[str]:
    return [line for line in outcome.output.splitlines() if line.startswith("error: ")]


def test_no_path_ends_in_a_traceback(outcomes):
    for relative, outcome in outcomes.items():
        assert "Traceback" not in outcome.output, relative
        assert outcome.exit_code in (0, 1), (relative, outcome.output)
        if outcome.exit_code == 1:
            assert len(_error_lines(outcome)) == 1, (relative, outcome.output)


@pytest.mark.parametrize(
    "relative",
    [
        pytest.param(relative, id=relative, marks=SKIP_SLOW if relative in ELSEWHERE else ())
        for relative in sorted(SOURCES)
    ],
)
def test_every_source_ingests_with_every_record_counted(outcomes, relative):
    outcome = outcomes[relative]
    assert outcome.exit_code == 0, outcome.output
    assert outcome.sources
    for counts in outcome.sources:
        assert counts["status"] == "completed"
        assert counts["read"] > 0
        assert counts["read"] == counts["accepted"] + counts["rejected"]


def test_every_other_file_and_folder_is_refused_in_one_line_naming_it(outcomes):
    refused = set(outcomes) - set(SOURCES)
    assert {"README.md", "code4recovery-spec/feed.schema.json"} <= refused
    for relative in refused:
        outcome = outcomes[relative]
        assert outcome.exit_code == 1, (relative, outcome.output)
        [line] = _error_lines(outcome)
        assert Path(relative).name in line, line
        assert [source["status"] for source in outcome.sources] == ["failed"]


@pytest.mark.parametrize(
    ("one", "other"),
    [pytest.param(*pair, id=pair[0]) for pair in SAME_SOURCE],
)
def test_the_same_source_given_another_way_gives_the_same_counts(outcomes, one, other):
    counts = [
        [
            {k: source[k] for k in ("status", "read", "accepted", "rejected")}
            for source in outcomes[p].sources
        ]
        for p in (one, other)
    ]
    assert counts[0] == counts[1]
