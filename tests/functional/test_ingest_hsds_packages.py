"""HSDS tabular packages as published: every layout, and each child table's fact used by a match."""

import csv
import io
import json
import shutil
import zipfile
from pathlib import Path

import pytest

from resdir import create_app

pytestmark = pytest.mark.shared_data

TRANSFORMER = "openreferral-hsds-transformer-output"
SAMPLE = "openreferral-sample-HSDS-datapackage"
HSDS11 = f"{SAMPLE}/all_resources"
HSDS3 = "openreferral-hsds3-examples/csv"
NEED = "sober_social.recovery_center"  # any need will do: the packages' own taxonomies have none
SPANISH = "es"
INACTIVE = "inactive"


def rows(path: Path) -> list[dict[str, str]]:
    """Return the rows of a CSV table as the package holds them."""
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))


def rewrite(path: Path, kept: list[dict[str, str]]) -> None:
    """Write `kept` back to a CSV table with its header."""
    header = next(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, header)
        writer.writeheader()
        writer.writerows(kept)


def copy_package(shared_data: Path, name: str, tmp_path: Path) -> Path:
    """Copy a real package and file each service under one need, through a sidecar JSON file."""
    folder = tmp_path / Path(name).name
    shutil.copytree(shared_data / name, folder)
    tables = next(p.parent for p in sorted(folder.rglob("services.csv")))
    services = {row["id"]: [NEED] for row in rows(tables / "services.csv")}
    (tables / "resdir.json").write_text(json.dumps(services), encoding="utf-8")
    return folder


def match(tmp_path: Path, package: Path, profile: dict) -> dict:
    """Ingest `package` into a new directory and return its answer to `profile`."""
    app = create_app({"DATABASE": str(tmp_path / f"{package.name}.sqlite3"), "TESTING": True})
    result = app.test_cli_runner().invoke(args=["ingest", str(package)])
    assert result.exit_code == 0, result.output
    response = app.test_client().post("/api/v1/match", json={"needs": [NEED], **profile})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def names(body: dict) -> set[str]:
    return {r["name"] for r in body["results"]}


def hidden(body: dict) -> dict[str, int]:
    return {h["code"]: h["count"] for h in body["hidden"]}


def published(tables: Path, service_ids: set[str]) -> set[str]:
    """Return the names of the active services among `service_ids`, from services.csv."""
    return {
        row["name"]
        for row in rows(tables / "services.csv")
        if row["id"] in service_ids and row.get("status") != INACTIVE
    }


def zipped(folder: Path, into: Path, top: bool) -> Path:
    """Zip a package folder, its files at the top of the archive or inside one folder."""
    path = into / f"{folder.name}-{'top' if top else 'flat'}.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for file in sorted(folder.rglob("*")):
            if file.is_file():
                inside = file.relative_to(folder.parent if top else folder)
                archive.write(file, inside.as_posix())
    return path


@pytest.mark.parametrize("name", [TRANSFORMER, HSDS11, HSDS3])
def test_folder_descriptor_and_zips_give_the_same_counts(shared_data, ingest, tmp_path, name):
    folder = shared_data / name
    forms = [
        (folder,),
        (folder / "datapackage.json",),
        (folder, "--format", "hsds"),
        (zipped(folder, tmp_path, top=False),),
        (zipped(folder, tmp_path, top=True), "--format", "hsds"),
    ]
    counts = set()
    for form in forms:
        result, report = ingest(*form, "--dry-run")
        assert result.exit_code == 0, (form, result.output)
        [source] = report["sources"]
        assert source["status"] == "completed", form
        assert source["read"] == source["accepted"] + source["rejected"] > 0
        counts.add((source["read"], source["accepted"], source["rejected"]))
    assert len(counts) == 1, counts


def test_transformer_package_reads_with_its_unresolved_resource_paths(shared_data, ingest):
    services = rows(shared_data / TRANSFORMER / "data" / "services_at_location.csv")
    result, report = ingest(shared_data / TRANSFORMER)
    assert result.exit_code == 0, result.output
    [source] = report["sources"]
    # one record per service_at_location row, though every one of their ids is empty
    assert source["read"] == source["accepted"] == len(services)
    assert all(not row["id"] for row in services)


def test_a_folder_of_packages_is_read_as_one_source_each(shared_data, ingest):
    result, report = ingest(shared_data / SAMPLE, "--dry-run")
    assert result.exit_code == 0, result.output
    by_id = {s["source"]: s for s in report["sources"]}
    assert set(by_id) == {"all-resources", "simple"}
    for name, source in by_id.items():
        table = shared_data / SAMPLE / name.replace("-", "_") / "services_at_location.csv"
        assert source["read"] == source["accepted"] == len(rows(table))


def test_a_broken_descriptor_is_a_warning_and_the_tables_still_read(shared_data, ingest, tmp_path):
    folder = tmp_path / "package"
    shutil.copytree(shared_data / TRANSFORMER, folder)
    (folder / "datapackage.json").write_text('{"resources": [', encoding="utf-8")
    result, report = ingest(folder / "datapackage.json", "--dry-run")
    assert result.exit_code == 0, result.output
    [source] = report["sources"]
    assert source["accepted"] == len(rows(folder / "data" / "services_at_location.csv"))
    assert any("datapackage.json" in p["message"] for p in source["problems"])


# How real exports fill a child row's own id: as published, empty, or the parent's.
CHILD_IDS = {
    "published": lambda row: row["id"],
    "empty": lambda row: "",
    "parent": lambda row: row["service_id"],
}


@pytest.mark.parametrize("ids", list(CHILD_IDS))
def test_a_spanish_speaker_finds_the_services_whose_language_rows_say_spanish(
    shared_data, tmp_path, ids
):
    package = copy_package(shared_data, HSDS11, tmp_path / "with")
    languages = [{**r, "id": CHILD_IDS[ids](r)} for r in rows(package / "languages.csv")]
    rewrite(package / "languages.csv", languages)
    spanish = {r["service_id"] for r in languages if r["language"].casefold() == "spanish"}
    expected = published(package, spanish)
    assert expected
    profile = {"languages": [SPANISH], "barriers": {"limited_english": "require"}}
    assert names(match(tmp_path, package, profile)) == expected

    rewrite(package / "languages.csv", [r for r in languages if r["service_id"] not in spanish])
    again = match(tmp_path / "without", package, profile)
    assert not names(again) & expected


def test_a_wheelchair_user_finds_the_place_whose_accessibility_row_says_so(shared_data, tmp_path):
    package = copy_package(shared_data, HSDS3, tmp_path / "with")
    access = rows(package / "accessibility.csv")
    wheelchair = {r["location_id"] for r in access if "wheelchair" in r["description"].lower()}
    at = {r["service_id"] for r in rows(package / "service_at_location.csv")}
    placed = {
        r["service_id"]
        for r in rows(package / "service_at_location.csv")
        if r["location_id"] in wheelchair
    }
    expected = published(package, placed & at)
    assert expected
    profile = {"barriers": {"mobility": "require"}}
    assert names(match(tmp_path, package, profile)) == expected

    rewrite(package / "accessibility.csv", [])
    again = match(tmp_path / "without", package, profile)
    assert names(again) == set()
    assert hidden(again) == {"requires:mobility": len(expected)}


def test_a_child_too_young_for_the_eligibility_row_is_not_offered_it(shared_data, tmp_path):
    package = copy_package(shared_data, HSDS3, tmp_path)
    services = rows(package / "services.csv")
    youngest = min(int(r["minimum_age"]) for r in services if r["minimum_age"])
    fits = match(tmp_path, package, {"age": youngest})
    assert names(fits) == published(package, {r["id"] for r in services})
    too_young = match(tmp_path / "young", package, {"age": youngest - 1})
    assert names(too_young) == set()


def test_a_person_who_cannot_pay_is_told_of_the_cost_option(shared_data, tmp_path):
    package = copy_package(shared_data, HSDS3, tmp_path)
    priced = {r["service_id"] for r in rows(package / "cost_options.csv") if r["amount"]}
    body = match(tmp_path, package, {"barriers": {"low_income": "require"}})
    assert names(body) == set()
    assert hidden(body) == {"requires:low_income": len(published(package, priced))}


def test_phones_of_the_service_and_its_place_reach_the_match(shared_data, tmp_path):
    package = copy_package(shared_data, TRANSFORMER, tmp_path)
    tables = package / "data"
    phones = rows(tables / "phones.csv")

    def numbers(column: str, key: str) -> set[str]:
        return {digits(p["number"]) for p in phones if key and p[column] == key}

    services = {r["id"]: r for r in rows(tables / "services.csv")}
    by_name: dict[str, set[str]] = {}
    for placed in rows(tables / "services_at_location.csv"):
        service = services[placed["service_id"]]
        own = numbers("service_id", service["id"]) | numbers("location_id", placed["location_id"])
        expected = own or numbers("organization_id", service["organization_id"])
        by_name.setdefault(service["name"], set()).update(expected)
    body = match(tmp_path, package, {"limit": 100})
    assert len(body["results"]) == body["total"] > 0
    for result in body["results"]:
        found = {digits(p["number"]) for p in result["phones"]}
        assert found and found <= by_name[result["name"]], result["name"]


def digits(number: str) -> str:
    """Return the last ten digits of a phone number, however it is written."""
    return "".join(c for c in number if c.isdigit())[-10:]


def test_a_zip_with_a_path_outside_itself_is_refused(tmp_path, ingest):
    path = tmp_path / "evil.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("datapackage.json", '{"resources": []}')
        archive.writestr("services.csv", "id,name\ns1,Service\n")
        archive.writestr("../outside.csv", "id\n1\n")
    result, _ = ingest(path)
    assert result.exit_code == 1
    assert "outside" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "outside.csv").exists()


def test_a_location_schedule_row_decides_who_is_open_then(shared_data, tmp_path):
    # The transformer keys schedules by location alone; its feed has no coordinates, so its
    # manifest gives the time zone.
    package = copy_package(shared_data, TRANSFORMER, tmp_path)
    manifest = tmp_path / "manifest.toml"
    manifest.write_text(
        f'[[sources]]\nid = "legal-aid"\npath = "{package}"\ntimezone = "America/Chicago"\n',
        encoding="utf-8",
    )
    schedules = rows(package / "data" / "regular_schedules.csv")

    def minutes(text: str) -> int:
        hours, mins = text.split(":")[:2]
        return int(hours) * 60 + int(mins)

    monday_11 = {
        row["location_id"]
        for row in schedules
        if row["weekday"] == "Monday"
        and minutes(row["opens_at"]) <= 11 * 60
        and minutes(row["closes_at"]) > 11 * 60
    }
    placed = rows(package / "data" / "services_at_location.csv")
    open_then = [r for r in placed if r["location_id"] in monday_11]
    assert 0 < len(open_then) < len(placed)

    def at(instant: str) -> dict:
        return match(tmp_path / instant[:10], manifest, {"when": {"at": instant}, "limit": 100})

    monday = at("2026-06-01T11:00:00-05:00")
    assert monday["total"] == len(open_then)
    assert hidden(monday) == {"window": len(placed) - len(open_then)}
    saturday = at("2026-06-06T11:00:00-05:00")
    assert (saturday["total"], hidden(saturday)) == (0, {"window": len(placed)})
