"""Full snapshots that cannot wipe a source by accident, and keys that repeat within one feed."""

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from resdir import create_app, store
from resdir.config import ConfigError

FEEDS = "code4recovery-tsml-ui-meeting-feeds"
SEED = Path(__file__).resolve().parents[2] / "data" / "seed"


def _statuses(app, source: str) -> dict[str, int]:
    """Count the source's listings by status."""
    with app.app_context(), store.session() as session:
        mine = select(store.ListingSource.listing_id).where(store.ListingSource.source_id == source)
        rows = session.execute(
            select(store.Listing.status, func.count())
            .where(store.Listing.id.in_(mine))
            .group_by(store.Listing.status)
        )
        return dict(rows.all())


def _refusal(result) -> str:
    """Return the one error line of a held-back run, checking that it says how to force it."""
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, result.output
    assert errors[0].endswith("--allow-shrink")
    assert "resdir ingest " in errors[0]
    return errors[0]


@pytest.mark.shared_data
def test_a_feed_cut_to_one_malformed_record_unpublishes_nothing_without_allow_shrink(
    shared_data, ingest, app, tmp_path
):
    meetings = json.loads((shared_data / FEEDS / "benlomond.test.json").read_text())
    feed = tmp_path / "benlomond.json"
    feed.write_text(json.dumps(meetings))
    ingest(feed, "--source-id", "bl")
    assert _statuses(app, "bl") == {"published": 35}

    malformed = meetings[0] | {"name": "", "day": "someday"}
    feed.write_text(json.dumps([malformed]))
    result, report = ingest(feed, "--source-id", "bl")
    line = _refusal(result)
    assert line.startswith("error: bl: this full snapshot would unpublish 35 of the source's 35")
    assert f"resdir ingest {feed} --source-id bl --allow-shrink" in line
    [source] = report["sources"]
    assert (source["read"], source["rejected"], source["removed"]) == (1, 1, 0)
    assert source["held_back"] == 35
    assert sorted(source["held_back_records"]) == sorted(m["slug"] for m in meetings)
    assert source["problem_counts"]["snapshot-shrink"] == 1
    assert _statuses(app, "bl") == {"published": 35}
    problems = app.test_cli_runner().invoke(args=["problems", "--type", "snapshot-shrink"])
    assert "--allow-shrink" in problems.output

    result, report = ingest(feed, "--source-id", "bl", "--allow-shrink")
    assert result.exit_code == 0, result.output
    assert report["sources"][0]["removed"] == 35
    assert _statuses(app, "bl") == {"unpublished": 35}


@pytest.mark.shared_data
def test_a_csv_cut_mid_file_loads_its_rows_and_unpublishes_nothing(
    shared_data, ingest, app, tmp_path
):
    whole = (shared_data / "code4recovery-12-step-meeting-list" / "template.csv").read_bytes()
    sheet = tmp_path / "meetings.csv"
    sheet.write_bytes(whole)
    ingest(sheet)
    assert _statuses(app, "meetings") == {"published": 36}

    sheet.write_bytes(whole[: len(whole) * 2 // 5])  # the transfer stopped part way
    result, report = ingest(sheet)
    _refusal(result)
    [source] = report["sources"]
    kept = source["unchanged"] + source["updated"]
    assert source["held_back"] == 36 - kept > 7
    assert source["removed"] == 0
    # the cut row is read as it stands (a new record), and nothing the file lost is unpublished
    assert _statuses(app, "meetings") == {"published": 36 + source["created"]}

    result, report = ingest(sheet, "--allow-shrink")
    assert result.exit_code == 0, result.output
    assert _statuses(app, "meetings")["unpublished"] == report["sources"][0]["removed"] == 36 - kept


def _seed_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "seed"
    shutil.copytree(SEED, folder)
    return folder / "manifest.toml"


def test_a_seed_spreadsheet_of_two_rows_is_held_back_and_the_other_sources_load(
    ingest, app, tmp_path
):
    manifest = _seed_copy(tmp_path)
    result, _ = ingest(manifest)
    assert result.exit_code == 0, result.output
    before = _statuses(app, "seed-residences")
    assert before == {"published": 37, "unpublished": 1}  # one closed in the spreadsheet

    sheet = manifest.parent / "residences.csv"
    sheet.write_text("".join(sheet.read_text().splitlines(keepends=True)[:3]))  # header, 2 rows
    result, report = ingest(manifest)
    line = _refusal(result)
    assert line.startswith("error: seed-residences: this full snapshot would unpublish 36 of")
    assert f"resdir ingest {manifest} --allow-shrink" in line
    sources = {s["source"]: s for s in report["sources"]}
    assert sources["seed-residences"]["held_back"] == 36
    assert all(s["held_back"] == 0 for k, s in sources.items() if k != "seed-residences")
    assert _statuses(app, "seed-residences") == before

    result, _ = ingest(manifest, "--allow-shrink")
    assert result.exit_code == 0, result.output
    assert _statuses(app, "seed-residences") == {"published": 2, "unpublished": 36}


def test_a_source_may_allow_itself_a_larger_share_in_its_manifest(ingest, app, tmp_path):
    manifest = _seed_copy(tmp_path)
    ingest(manifest)
    text = manifest.read_text()
    manifest.write_text(
        text.replace('path = "residences.csv"\n', 'path = "residences.csv"\nmax_shrink = 1.0\n')
    )
    sheet = manifest.parent / "residences.csv"
    sheet.write_text("".join(sheet.read_text().splitlines(keepends=True)[:3]))
    result, _ = ingest(manifest)
    assert result.exit_code == 0, result.output
    assert _statuses(app, "seed-residences") == {"published": 2, "unpublished": 36}


def test_dropping_a_few_records_is_an_ordinary_run(ingest, app, tmp_path):
    manifest = _seed_copy(tmp_path)
    ingest(manifest)
    sheet = manifest.parent / "residences.csv"
    rows = sheet.read_text().splitlines(keepends=True)
    sheet.write_text("".join(rows[:-7]))  # 7 of 38 (18%) closed since the last export
    result, report = ingest(manifest)
    assert result.exit_code == 0, result.output
    residences = next(s for s in report["sources"] if s["source"] == "seed-residences")
    assert (residences["removed"], residences["held_back"]) == (7, 0)
    assert _statuses(app, "seed-residences") == {"published": 31, "unpublished": 7}


def test_the_share_is_a_setting(tmp_path):
    app = create_app({"DATABASE": str(tmp_path / "db.sqlite3"), "MAX_SHRINK": 0.5})
    assert app.config["MAX_SHRINK"] == 0.5
    for wrong in (20, -0.1, "a fifth", True):
        with pytest.raises(ConfigError, match="RESDIR_MAX_SHRINK"):
            create_app({"DATABASE": str(tmp_path / "db.sqlite3"), "MAX_SHRINK": wrong})


# --- keys that repeat within one feed -------------------------------------------------------


@pytest.mark.shared_data
def test_two_different_meetings_under_one_slug_are_one_problem_not_two_listings(
    shared_data, ingest, app
):
    feed = shared_data / FEEDS / "aasanjose.test.json"
    meetings = json.loads(feed.read_text())
    twins = [n for n, m in enumerate(meetings, 1) if m["slug"] == "pass-it-on-group"]
    assert len(twins) == 2 and meetings[twins[0] - 1] != meetings[twins[1] - 1]
    result, report = ingest(feed, "--source-id", "sj")
    assert result.exit_code == 0, result.output
    [source] = report["sources"]
    assert (source["read"], source["accepted"], source["rejected"]) == (693, 692, 1)
    assert source["created"] == 692
    [repeat] = [p for p in source["problems"] if p["type"] == "duplicate-key"]
    assert repeat["severity"] == "error"
    assert (repeat["record"], repeat["line"]) == ("pass-it-on-group", twins[1])
    assert f"the record on line {twins[0]}" in repeat["message"]
    assert _statuses(app, "sj") == {"published": 692}
    with app.app_context(), store.session() as session:
        keys = session.scalars(
            select(store.ListingSource.record_key).where(store.ListingSource.source_id == "sj")
        ).all()
    assert "pass-it-on-group" in keys and not any(k.startswith("pass-it-on-group-") for k in keys)
    # the one not loaded waits in the quarantine, whole, for the source to give it its own slug
    raw = app.test_cli_runner().invoke(args=["problems", "--type", "duplicate-key", "--raw"])
    assert "Los Altos Youth Center" in raw.output


@pytest.mark.shared_data
def test_the_same_meeting_twice_is_loaded_once(shared_data, ingest, app, tmp_path):
    meetings = json.loads((shared_data / FEEDS / "benlomond.test.json").read_text())
    feed = tmp_path / "bl.json"
    feed.write_text(json.dumps([*meetings[:5], meetings[2], *meetings[5:]]))  # an export glitch
    result, report = ingest(feed)
    assert result.exit_code == 0, result.output
    [source] = report["sources"]
    assert (source["read"], source["accepted"], source["rejected"]) == (36, 35, 1)
    [repeat] = [p for p in source["problems"] if p["record"] == meetings[2]["slug"]]
    assert (repeat["type"], repeat["line"]) == ("repeated-record", 6)
    assert repeat["message"] == "the same record as the record on line 3 again; loaded once"
    assert _statuses(app, "bl") == {"published": 35}
