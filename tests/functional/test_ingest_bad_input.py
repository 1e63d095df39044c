"""Bad input: a clear problem or a one-line error; the bad part fails alone; nothing is lost."""

import dataclasses
import itertools
import json
import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ingest import pipeline
from resdir import store

FEEDS = "code4recovery-tsml-ui-meeting-feeds"


def _meeting(slug, **overrides):
    meeting = {
        "slug": slug,
        "name": f"Meeting {slug}",
        "day": 2,
        "time": "19:00",
        "types": ["O"],
        "formatted_address": "2200 Mission St, San Francisco, CA 94110, USA",
        "latitude": 37.7615,
        "longitude": -122.419,
    }
    return meeting | overrides


def _one_line_error(result) -> str:
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, result.output
    return errors[0]


def _published(app) -> int:
    with app.app_context(), store.session() as session:
        return session.scalar(
            select(func.count())
            .select_from(store.Listing)
            .where(store.Listing.status == "published")
        )


@pytest.mark.shared_data
def test_a_truncated_feed_fails_alone_and_loses_nothing(
    shared_data, ingest, snapshot, app, tmp_path
):
    feed = shared_data / FEEDS / "benlomond.test.json"
    ingest(feed, "--source-id", "bl")
    before = snapshot()
    truncated = tmp_path / "benlomond.json"
    truncated.write_bytes(feed.read_bytes()[:5000])
    good = tmp_path / "good.json"
    good.write_text(json.dumps([_meeting("tuesday-hope")]))
    result, report = ingest(truncated, "--source-id", "bl")
    line = _one_line_error(result)
    assert line.startswith("error: bl: benlomond.json is not valid JSON:")
    assert "line" in line and "column" in line
    assert report["sources"][0]["status"] == "failed"
    assert snapshot() == before  # not one listing unpublished by the broken snapshot
    assert _published(app) == 35


def test_a_bad_source_fails_alone_beside_a_good_one(ingest, app, tmp_path):
    good = tmp_path / "good.json"
    good.write_text(json.dumps([_meeting("tuesday-hope"), _meeting("thursday-hope", day=4)]))
    result, report = ingest(tmp_path / "missing.json", good)
    assert _one_line_error(result) == f"error: missing: {tmp_path / 'missing.json'} does not exist"
    statuses = {s["source"]: (s["status"], s["accepted"]) for s in report["sources"]}
    assert statuses == {"missing": ("failed", 0), "good": ("completed", 2)}
    assert _published(app) == 2


def test_an_empty_feed_changes_nothing(ingest, app, tmp_path):
    feed = tmp_path / "feed.json"
    feed.write_text(json.dumps([_meeting("tuesday-hope")]))
    ingest(feed)
    feed.write_text("[]")
    result, _ = ingest(feed)
    assert _one_line_error(result) == "error: feed: feed.json holds no records; nothing was changed"
    assert _published(app) == 1


def test_a_file_in_no_known_format_says_so(ingest, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("Meetings are on Tuesdays.\n")
    result, _ = ingest(notes)
    assert _one_line_error(result).startswith("error: notes: notes.txt is not in a known format")


def test_a_csv_without_a_mapping_is_told_it_needs_one(ingest, tmp_path):
    sheet = tmp_path / "beds.csv"
    sheet.write_text("id,name\n1,Harbor House\n")
    result, _ = ingest(sheet)
    assert _one_line_error(result).endswith("an agency CSV needs --mapping")


MAPPING = """[source]
key = "ID"
[fields]
name = "Program"
"address.street" = "Street"
"address.city" = "City"
"address.postal_code" = "ZIP"
"phones" = ["Phone"]
"""


def test_a_csv_in_the_wrong_encoding_is_read_with_a_warning(ingest, listing_docs, tmp_path):
    (tmp_path / "beds.toml").write_text(MAPPING)
    sheet = tmp_path / "beds.csv"
    sheet.write_bytes(
        "ID,Program,Street,City,ZIP,Phone\n"
        "7,Café Esperanza,3300 Mission St,San Francisco,94110,415-555-0142\n".encode("cp1252")
    )
    result, report = ingest(sheet, "--mapping", tmp_path / "beds.toml")
    assert result.exit_code == 0
    assert report["sources"][0]["problem_counts"]["encoding-fallback"] == 1
    [doc] = listing_docs("beds").values()
    assert doc["name"] == "Café Esperanza"
    assert doc["phones"][0]["number"] == "+14155550142"


def test_a_mapping_naming_an_absent_column_reads_with_one_warning(ingest, listing_docs, tmp_path):
    (tmp_path / "beds.toml").write_text(MAPPING.replace('"Phone"', '"Intake Phone"'))
    sheet = tmp_path / "beds.csv"
    sheet.write_text("ID,Program,Street,City,ZIP,Phone\n7,Harbor,1 Pier St,San Francisco,94111,\n")
    result, report = ingest(sheet, "--mapping", tmp_path / "beds.toml")
    assert result.exit_code == 0, result.output
    assert report["sources"][0]["problem_counts"]["missing-column"] == 1
    assert [doc["name"] for doc in listing_docs("beds").values()] == ["Harbor"]


def test_a_mapping_naming_an_absent_required_column_fails_in_one_line(ingest, tmp_path):
    mapping = MAPPING.replace('"Phone"', '"Intake Phone"')
    required = mapping.replace("[fields]", 'required = ["Intake Phone"]\n[fields]')
    (tmp_path / "beds.toml").write_text(required)
    sheet = tmp_path / "beds.csv"
    sheet.write_text("ID,Program,Street,City,ZIP,Phone\n7,Harbor,1 Pier St,San Francisco,94111,\n")
    result, _ = ingest(sheet, "--mapping", tmp_path / "beds.toml")
    line = _one_line_error(result)
    assert "'Intake Phone'" in line and "beds.csv" in line


@pytest.mark.shared_data
def test_a_datapackage_missing_its_services_table_fails_in_one_line(shared_data, ingest, tmp_path):
    package = tmp_path / "smc"
    shutil.copytree(shared_data / "ohana-api-sample-csv", package)
    (package / "services.csv").unlink()
    result, _ = ingest(package)
    assert "services" in _one_line_error(result)


def test_an_impossible_coordinate_is_dropped_and_the_address_placed(ingest, listing_docs, tmp_path):
    feed = tmp_path / "feed.json"
    feed.write_text(
        json.dumps(
            [
                _meeting("far-away", latitude=100.5, longitude=200.1),
                _meeting("null-island", latitude=0, longitude=0),
            ]
        )
    )
    result, report = ingest(feed)
    assert result.exit_code == 0
    problems = {(p["record"], p["type"]) for p in report["sources"][0]["problems"]}
    assert problems == {
        ("far-away", "impossible-coordinate"),
        ("null-island", "impossible-coordinate"),
    }
    for doc in listing_docs("feed").values():
        assert doc["geocode_precision"] == "postal_code"  # placed from its ZIP code instead
        assert 37.7 < doc["location"]["lat"] < 37.8


def test_malformed_records_are_quarantined_with_their_raw_form(ingest, app, tmp_path):
    feed = tmp_path / "feed.json"
    feed.write_text(
        json.dumps([_meeting("tuesday-hope"), "not a meeting", _meeting("nameless", name="")])
    )
    result, report = ingest(feed)
    assert result.exit_code == 0  # the run completed; two records were rejected
    source = report["sources"][0]
    assert (source["read"], source["accepted"], source["rejected"]) == (3, 1, 2)
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["problems", "--severity", "error", "--raw"])
    assert "not-a-record" in listed.output and "missing-name" in listed.output
    assert '"slug": "nameless"' in listed.output
    assert '"not a meeting"' in listed.output


def test_dry_run_reports_and_writes_nothing(ingest, snapshot, tmp_path):
    feed = tmp_path / "feed.json"
    feed.write_text(json.dumps([_meeting("tuesday-hope")]))
    before = snapshot()
    result, report = ingest(feed, "--dry-run")
    assert result.exit_code == 0
    assert report["dry_run"] is True
    assert report["sources"][0]["created"] == 1
    assert snapshot() == before


def test_a_bug_in_one_record_costs_that_record_only(ingest, tmp_path, monkeypatch):
    real = pipeline.normalize

    def broken(record, spec):
        if record.key == "bad":
            raise ZeroDivisionError("a bug")
        return real(record, spec)

    monkeypatch.setattr(pipeline, "normalize", broken)
    feed = tmp_path / "feed.json"
    feed.write_text(
        json.dumps(
            [
                {
                    "slug": s,
                    "name": s,
                    "day": 1,
                    "time": "19:00",
                    "formatted_address": "2200 Mission St, San Francisco, CA 94110, USA",
                }
                for s in ("good", "bad")
            ]
        )
    )
    result, report = ingest(feed)
    assert result.exit_code == 0
    source = report["sources"][0]
    assert (source["accepted"], source["rejected"]) == (1, 1)
    [error] = [p for p in source["problems"] if p["severity"] == "error"]
    assert (error["record"], error["type"]) == ("bad", "invalid-record")
    assert "internal error" in error["message"]


FORMATS = ("auto", "hsds", "meeting-guide", "gtfs", "csv")


def _bad_paths(tmp_path):
    """Return paths no reader can take, each with a word the one-line error must hold."""
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "todo.txt").write_text("call the shelter\n")
    (tmp_path / "loop-a").symlink_to(tmp_path / "loop-b")
    (tmp_path / "loop-b").symlink_to(tmp_path / "loop-a")
    pipe = tmp_path / "feed.json"
    os.mkfifo(pipe)
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    huge = tmp_path / "huge.json"
    huge.write_text('[{"name": "A", "day": ' + "9" * 5000 + "}]")
    binary = tmp_path / "blob.zip"
    binary.write_bytes(bytes(range(256)) * 20)
    return [
        (folder, "notes"),
        (tmp_path / "loop-a", "loop of symbolic links"),
        (pipe, "neither a file nor a folder"),
        (deep, "deep.json"),
        (huge, "huge.json"),
        (binary, "blob.zip"),
    ]


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_path_ends_in_a_traceback_whatever_the_format(ingest, tmp_path, fmt):
    for path, said in _bad_paths(tmp_path):
        result, _ = ingest(path, "--format", fmt)
        assert said in _one_line_error(result), (path.name, result.output)


def test_deep_nesting_and_huge_numbers_after_a_good_meeting_are_named_as_the_reason(
    ingest, tmp_path
):
    good = json.dumps(_meeting("tuesday-hope"))
    feed = tmp_path / "feed.json"
    feed.write_text(f'[{good}, {{"name": "A", "types": {"[" * 100_000}{"]" * 100_000}}}]')
    result, _ = ingest(feed)
    assert _one_line_error(result) == (
        "error: feed: feed.json cannot be read: its values are nested too deeply to read"
    )
    feed.write_text(f'[{good}, {{"name": "A", "day": {"9" * 5000}}}]')
    result, _ = ingest(feed)
    assert _one_line_error(result).startswith("error: feed: feed.json cannot be read: ")


def test_a_file_that_vanishes_after_detection_fails_in_one_line(ingest, tmp_path, monkeypatch):
    feed = tmp_path / "feed.json"
    feed.write_text(json.dumps([_meeting("tuesday-hope")]))
    detect = pipeline.detect

    def detect_then_vanish(path, fmt, mapping):
        reader = detect(path, fmt, mapping)
        path.unlink()  # the file is deleted between sniffing and reading, as by a sync job
        return reader

    monkeypatch.setattr(pipeline, "detect", detect_then_vanish)
    result, _ = ingest(feed)
    assert _one_line_error(result).startswith(f"error: feed: cannot read {feed}")


@pytest.mark.skipif(os.geteuid() == 0, reason="permission bits do not bind root")
def test_a_file_or_folder_that_may_not_be_read_fails_in_one_line(ingest, tmp_path):
    feed = tmp_path / "feed.json"
    feed.write_text(json.dumps([_meeting("tuesday-hope")]))
    folder = tmp_path / "package"
    folder.mkdir()
    for path in (feed, folder):
        path.chmod(0)
        try:
            result, _ = ingest(path)
        finally:
            path.chmod(0o700)
        assert _one_line_error(result).endswith(f"cannot read {path}: Permission denied")


def test_a_bug_in_a_reader_fails_its_source_alone_in_one_line(ingest, app, tmp_path, monkeypatch):
    bad, good = tmp_path / "bad.json", tmp_path / "good.json"
    for path in (bad, good):
        path.write_text(json.dumps([_meeting("tuesday-hope"), _meeting("friday-hope", day=5)]))
    detect = pipeline.detect

    def detect_a_broken_reader(path, fmt, mapping):
        reader = detect(path, fmt, mapping)
        if path != bad:
            return reader

        def read(path, options):
            yield from itertools.islice(reader.read(path, options), 1)
            raise KeyError("a bug")

        return dataclasses.replace(reader, read=read)

    monkeypatch.setattr(pipeline, "detect", detect_a_broken_reader)
    result, report = ingest(bad, good)
    assert _one_line_error(result) == (
        "error: bad: resdir could not read bad.json (an internal error, logged); nothing was "
        "changed; please report it"
    )
    statuses = {s["source"]: (s["status"], s["accepted"]) for s in report["sources"]}
    assert statuses == {"bad": ("failed", 0), "good": ("completed", 2)}
    assert _published(app) == 2
    # The traceback is in the instance folder's log, for whoever reports it.
    log = (Path(app.instance_path) / "ingest.log").read_text(encoding="utf-8")
    assert f"bad: {bad} could not be read\nTraceback" in log and "KeyError: 'a bug'" in log


def test_a_toml_file_in_no_encoding_fails_in_one_line(ingest, tmp_path):
    binary = tmp_path / "sources.toml"
    binary.write_bytes(bytes(range(128, 256)) * 4)
    result, _ = ingest(binary)
    assert _one_line_error(result).startswith(
        "error: sources: sources.toml is not in a known format"
    )
    manifest = tmp_path / "manifest.toml"
    manifest.write_bytes(b'[[sources]]\nid = "caf\xe9"\npath = "feed.json"\n')
    result = ingest(manifest)[0]
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"manifest {manifest} cannot be read: 'utf-8' codec" in result.output
