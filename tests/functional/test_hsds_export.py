"""`resdir export hsds`: the HSDS 3.0 tabular data package (validated with frictionless) and the
service package (validated against the compiled schema), for the demo directory and Baltimore's
211 export, and the round trip: export, `resdir ingest` into an empty store, the same listings."""

import csv
import json
from pathlib import Path

import pytest
from frictionless import validate

from resdir import create_app, hsds, hsds_export
from tests.clock import NOW
from tests.functional.test_hsds_api import SCHEMAS, baltimore, published, validator  # noqa: F401

# What a listing keeps through the trip, compared as it is (README: "Open Referral and Meeting
# Guide", "Round trip" lists what does not make it, and why).
SAME = (
    "name", "alternate_name", "description", "url", "email", "next_steps", "kind", "category",
    "subcategories", "address", "location", "location_name", "transportation", "schedule",
    "timezone", "phones", "languages", "meeting_types", "fellowship", "cost", "eligibility",
    "service_area", "confidential_location", "approximate_location", "temporarily_closed",
    "last_verified_at",
)  # fmt: skip
ORGANIZATION = ("name", "url", "description")


def export(app, path: Path, *options: str) -> str:
    result = app.test_cli_runner().invoke(args=["export", "hsds", str(path), *options])
    assert result.exit_code == 0, result.output
    return result.output


def ingest_into_empty_store(path: Path, database: Path):
    app = create_app({"DATABASE": str(database), "TESTING": True, "NOW": NOW})
    result = app.test_cli_runner().invoke(args=["ingest", str(path), "--source-id", "copy"])
    assert result.exit_code == 0, result.output
    return app


def frictionless_errors(folder: Path) -> list[str]:
    report = validate(folder / hsds_export.DATAPACKAGE)
    return [f"{task.name}: {error.message}" for task in report.tasks for error in task.errors]


def assert_same_listings(before: dict[str, dict], after: dict[str, dict]) -> None:
    """Assert that every published listing came back, field by field, as it was exported."""
    by_service = {doc["source_keys"]["service_id"]: doc for doc in after.values()}
    assert len(by_service) == len(after) == len(before)
    for listing_id, doc in before.items():
        back = by_service[hsds.hsds_id("service", listing_id)]
        for field in SAME:
            assert back[field] == doc[field], (listing_id, field)
        facts = {code: fact["value"] for code, fact in doc["attributes"].items()}
        assert {code: fact["value"] for code, fact in back["attributes"].items()} == facts
        assert {k: (back["organization"] or {}).get(k) for k in ORGANIZATION} == {
            k: (doc["organization"] or {}).get(k) for k in ORGANIZATION
        }
        if hsds.has_place(doc) and not doc["address"] and not doc["location"]:
            assert back["online"] == doc["online"]  # an online-only room, dial-in included
        else:
            assert back["online"] is None  # a hybrid meeting's room: README, "Round trip"


@pytest.fixture(scope="module")
def demo_package(seed_app, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("demo") / "hsds"
    export(seed_app, folder)
    return folder


@pytest.fixture(scope="module")
def baltimore_package(baltimore, tmp_path_factory) -> Path:  # noqa: F811
    folder = tmp_path_factory.mktemp("bchd") / "hsds"
    export(baltimore, folder)
    return folder


def test_the_demo_package_has_every_table_of_the_spec_and_validates(seed_app, demo_package):
    assert frictionless_errors(demo_package) == []
    spec = json.loads((SCHEMAS / "compiled" / "tabular.json").read_text("utf-8"))["properties"]
    paths = {entry["items"]["path"] for entry in spec.values()}
    assert {p.name for p in demo_package.glob("*.csv")} == paths
    with (demo_package / "services.csv").open(encoding="utf-8", newline="") as f:
        services = {row["id"] for row in csv.DictReader(f)}
    assert services == {hsds.hsds_id("service", i) for i in published(seed_app)}


def test_the_package_says_what_it_wrote_in_one_line(seed_app, tmp_path):
    output = export(seed_app, tmp_path / "out")
    docs = published(seed_app).values()
    organizations = len({d["organization"]["id"] for d in docs if d["organization"]})
    locations = sum(hsds.has_place(d) for d in docs)
    assert output.splitlines() == [
        f"wrote {len(docs)} services ({organizations} organizations, {locations} locations) in "
        f"{len(hsds_export.tables())} tables and datapackage.json to {tmp_path / 'out'}"
    ]


def test_a_broken_package_fails_frictionless(demo_package, tmp_path):
    """The validation can fail: a phone of a place the package does not have is refused."""
    broken = tmp_path / "broken"
    broken.mkdir()
    for file in demo_package.iterdir():
        (broken / file.name).write_bytes(file.read_bytes())
    phones = (broken / "phones.csv").read_text("utf-8").splitlines()
    header, first = phones[0].split(","), phones[1].split(",")
    first[header.index("service_at_location_id")] = "00000000-0000-4000-8000-000000000000"
    (broken / "phones.csv").write_text("\n".join([phones[0], ",".join(first), *phones[2:]]))
    assert any("phone" in error for error in frictionless_errors(broken))


def test_the_demo_service_package_validates_against_the_compiled_schema(seed_app, tmp_path):
    output = export(seed_app, tmp_path / "services.json", "--json")
    services = json.loads((tmp_path / "services.json").read_text("utf-8"))
    organizations = len({s["organization_id"] for s in services if "organization_id" in s})
    assert output.startswith(f"wrote {len(services)} services ({organizations} organizations) to ")
    assert list(validator("compiled/service_package.json").iter_errors(services)) == []
    assert {s["id"] for s in services} == {hsds.hsds_id("service", i) for i in published(seed_app)}


def test_a_path_that_cannot_be_written_is_one_line_and_exit_1(seed_app, tmp_path):
    for options in ((), ("--json",)):
        target = tmp_path / "missing" / "hsds"
        result = seed_app.test_cli_runner().invoke(args=["export", "hsds", str(target), *options])
        assert result.exit_code == 1
        assert result.output.strip().splitlines() == [
            f"Error: cannot write {target}: No such file or directory"
        ]


def test_the_demo_directory_comes_back_from_the_tabular_package(seed_app, demo_package, tmp_path):
    copy = ingest_into_empty_store(demo_package, tmp_path / "copy.sqlite3")
    before, after = published(seed_app), published(copy)
    assert_same_listings(before, after)
    meetings = [d for d in after.values() if d["kind"] == "meeting"]
    assert meetings and all(d["fellowship"] for d in meetings)


def test_the_demo_directory_comes_back_from_the_service_package(seed_app, tmp_path):
    export(seed_app, tmp_path / "services.json", "--json")
    copy = ingest_into_empty_store(tmp_path / "services.json", tmp_path / "copy.sqlite3")
    assert_same_listings(published(seed_app), published(copy))


@pytest.mark.shared_data
def test_a_real_211_export_validates_as_a_package_and_as_services(
    baltimore,  # noqa: F811
    baltimore_package,
    tmp_path,
):
    assert frictionless_errors(baltimore_package) == []
    export(baltimore, tmp_path / "services.json", "--json")
    services = json.loads((tmp_path / "services.json").read_text("utf-8"))
    assert len(services) == len(published(baltimore)) == 1876
    assert list(validator("compiled/service_package.json").iter_errors(services)) == []


@pytest.mark.shared_data
def test_a_real_211_export_comes_back_from_the_tabular_package(
    baltimore,  # noqa: F811
    baltimore_package,
    tmp_path,
):
    copy = ingest_into_empty_store(baltimore_package, tmp_path / "copy.sqlite3")
    assert_same_listings(published(baltimore), published(copy))


@pytest.mark.shared_data
def test_a_real_211_export_comes_back_from_the_service_package(baltimore, tmp_path):  # noqa: F811
    export(baltimore, tmp_path / "services.json", "--json")
    copy = ingest_into_empty_store(tmp_path / "services.json", tmp_path / "copy.sqlite3")
    assert_same_listings(published(baltimore), published(copy))
