"""Tests for the GTFS reader: real BART and Caltrain feeds, and a hand-written harbor feed."""

import shutil
import zipfile
from pathlib import Path

import pytest

from ingest.problems import Problem, SourceError
from ingest.readers import ReadOptions
from ingest.readers.gtfs import READER
from ingest.record import Stop

HARBOR = Path(__file__).resolve().parents[3] / "fixtures" / "gtfs" / "harbor"


def read_all(path: Path) -> tuple[list[Stop], list[Problem]]:
    """Read a feed; return its stops and its source-level problems."""
    out = list(READER.read(path, ReadOptions()))
    return [o for o in out if isinstance(o, Stop)], [o for o in out if isinstance(o, Problem)]


def summary(stops: list[Stop]) -> list[tuple]:
    """Return what a user sees of each stop, to compare two reads of the same feed."""
    return [(s.key, s.name, s.lat, s.lon, s.wheelchair_boarding, s.routes) for s in stops]


def zip_folder(folder: Path, target: Path, prefix: str = "") -> Path:
    """Zip a feed folder's files, optionally inside a nested folder."""
    with zipfile.ZipFile(target, "w") as archive:
        for file in sorted(folder.iterdir()):
            archive.write(file, prefix + file.name)
    return target


@pytest.fixture
def bart(shared_data) -> Path:
    return shared_data / "gtfs-bart-2018"


@pytest.fixture
def caltrain(shared_data) -> Path:
    return shared_data / "gtfs-caltrain-20160406"


@pytest.mark.shared_data
def test_bart_zip_and_folder_give_the_same_50_stations(bart):
    from_zip, zip_problems = read_all(bart / "bart.zip")
    from_folder, folder_problems = read_all(bart / "bart")

    assert len(from_zip) == 50
    assert summary(from_zip) == summary(from_folder)
    assert zip_problems == folder_problems == []
    assert all(s.routes for s in from_zip)  # every BART station is served


@pytest.mark.shared_data
def test_16th_st_mission_is_where_bart_says_and_served_by_four_lines(bart):
    stops, _ = read_all(bart / "bart.zip")
    mission = next(s for s in stops if s.key == "16TH")

    assert (mission.name, mission.lat, mission.lon) == (
        "16th St. Mission",
        "37.765062",
        "-122.419694",
    )
    assert mission.wheelchair_boarding == "1"
    assert [r["id"] for r in mission.routes] == ["01", "05", "07", "11"]
    assert mission.routes[0] == {
        "id": "01",
        "short_name": "",
        "long_name": "Antioch - SFIA/Millbrae",
        "type": 1,
    }


@pytest.mark.shared_data
def test_a_zip_with_the_feed_in_a_nested_folder_reads_the_same(bart, tmp_path):
    nested = zip_folder(bart / "bart", tmp_path / "nested.zip", prefix="google_transit/")

    assert READER.sniff(nested)
    assert summary(read_all(nested)[0]) == summary(read_all(bart / "bart")[0])


@pytest.mark.shared_data
def test_caltrain_platforms_fold_into_31_stations_with_blank_short_names(caltrain):
    from_zip, _ = read_all(caltrain / "caltrain_20160406.zip")
    from_folder, _ = read_all(caltrain / "caltrain_20160406")
    by_key = {s.key: s for s in from_zip}

    # 95 rows: 31 stations, 62 NB/SB platforms and 2 shuttle stops, all with a parent station
    assert len(from_zip) == 31
    assert summary(from_zip) == summary(from_folder)
    assert "70011" not in by_key and "777402" not in by_key
    assert {r["short_name"] for s in from_zip for r in s.routes} == {""}
    # the shuttle calls at 777402, a stop inside the Diridon station: the station gets its route
    diridon = by_key["ctsj"]
    assert (diridon.name, diridon.lat, diridon.lon) == (
        "San Jose Diridon Caltrain",
        "37.329392",
        "-121.902181",
    )
    assert [r["id"] for r in diridon.routes] == ["TaSj-16APR", "Lo-16APR", "Li-16APR", "Bu-16APR"]
    assert [r["long_name"] for r in by_key["ctbr"].routes] == ["Local"]


def test_harbor_feed_survives_bom_padding_quotes_and_crlf():
    stops, problems = read_all(HARBOR)
    hub, pier, _ = stops

    assert [s.key for s in stops] == ["HUB", "PIER", "LOST"]  # platforms folded, entrance skipped
    assert (hub.name, hub.lat, hub.lon, hub.wheelchair_boarding) == (
        "Harbor Hub",
        "47.6000",
        "-122.3300",
        "1",
    )
    assert hub.routes == [
        {"id": "R1", "short_name": "", "long_name": "Harbor Local", "type": 3},
        {"id": "R2", "short_name": "2X", "long_name": "Harbor Express", "type": 3},
    ]
    assert [r["id"] for r in pier.routes] == ["R1"]  # trip T3 on unknown route RX adds nothing
    assert [p.message for p in problems] == ["trips.txt refers to 'RX', which is not there"]


def test_a_platform_whose_station_is_missing_stands_alone_with_a_warning():
    stops, _ = read_all(HARBOR)
    lost = stops[-1]

    assert [r["id"] for r in lost.routes] == ["R2"]
    assert [(p.type, p.field, p.line) for p in lost.problems] == [
        ("orphan-reference", "parent_station", 7)
    ]


@pytest.mark.parametrize("dropped", ["trips.txt", "stop_times.txt"])
def test_missing_trips_or_stop_times_gives_stops_without_routes_and_a_warning(tmp_path, dropped):
    feed = shutil.copytree(HARBOR, tmp_path / "harbor")
    (feed / dropped).unlink()

    stops, problems = read_all(feed)

    assert [s.key for s in stops] == ["HUB", "PIER", "LOST"]
    assert all(s.routes == [] for s in stops)
    assert [(p.type, p.severity) for p in problems] == [("missing-table", "warning")]
    assert dropped in problems[0].message


def test_a_table_without_its_id_column_is_treated_as_missing(tmp_path):
    feed = shutil.copytree(HARBOR, tmp_path / "harbor")
    (feed / "stop_times.txt").write_text("trip_id,arrival_time\nT1,08:00:00\n")

    stops, problems = read_all(feed)

    assert all(s.routes == [] for s in stops)
    assert [p.type for p in problems] == ["orphan-reference", "missing-table"]
    assert "stop_times.txt has no stop_id column" in problems[-1].message


def test_a_stop_without_an_id_and_a_route_type_that_is_no_number_are_reported(tmp_path):
    feed = shutil.copytree(HARBOR, tmp_path / "harbor")
    with (feed / "stops.txt").open("a", newline="") as stops:
        stops.write(",Nameless Stop,47.63,-122.36,0,,\r\n")
    (feed / "routes.txt").write_text(
        "route_id,route_short_name,route_long_name,route_type\nR1,1,Harbor Local,bus\n"
    )

    stops, problems = read_all(feed)
    nameless = stops[-1]

    assert (nameless.key, nameless.name) == ("line-8", "Nameless Stop")
    assert [(p.type, p.severity) for p in nameless.problems] == [("missing-key", "error")]
    assert stops[0].routes == [
        {"id": "R1", "short_name": "1", "long_name": "Harbor Local", "type": None}
    ]
    assert [(p.type, p.field) for p in problems] == [
        ("invalid-value", "route_type"),
        ("orphan-reference", "route_id"),  # trips on R2 and RX, now absent from routes.txt
        ("orphan-reference", "route_id"),
    ]


def test_a_feed_without_stops_fails_the_source(tmp_path):
    folder = shutil.copytree(HARBOR, tmp_path / "harbor")
    (folder / "stops.txt").unlink()
    archive = zip_folder(folder, tmp_path / "harbor.zip")

    for path in (folder, archive):
        with pytest.raises(SourceError, match=r"has no stops\.txt"):
            read_all(path)


def test_sniff_claims_gtfs_folders_and_zips_only(tmp_path):
    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / "stops.txt").write_text("stop_id,stop_name\n")
    not_a_zip = tmp_path / "feed.zip"
    not_a_zip.write_text("stop_id,stop_name\n")

    assert READER.sniff(HARBOR)
    assert READER.sniff(zip_folder(HARBOR, tmp_path / "harbor.zip"))
    assert not READER.sniff(bare)  # stops.txt alone, without routes.txt or agency.txt
    assert not READER.sniff(not_a_zip)
    assert not READER.sniff(HARBOR / "stops.txt")


def test_a_damaged_zip_fails_the_source(tmp_path):
    archive = zip_folder(HARBOR, tmp_path / "harbor.zip")
    data = bytearray(archive.read_bytes())
    start = data.index(b"HUB,Harbor Hub")  # stored uncompressed: corrupt the stops
    data[start : start + 3] = b"XXX"
    archive.write_bytes(bytes(data))

    with pytest.raises(SourceError, match=r"harbor\.zip is a damaged zip"):
        read_all(archive)
