"""Confidential means not stored: a confidential place's street is nowhere resdir keeps anything."""

import csv
import io
import re
import sqlite3
from pathlib import Path

from sqlalchemy import func, select

from ingest.readers.files import address_digest
from resdir import store

# The agency spreadsheet's columns, as its template names them.
TEMPLATE = Path(__file__).resolve().parents[2] / "resdir" / "static" / "agency-listings.csv"
COLUMNS = TEMPLATE.read_text().splitlines()[0].split(",")
SAFE_HOUSE = {
    "Name": "Secret Safe House",
    "Category": "Emergency shelter",
    "Phone": "(415) 555-0199",
    "Street": "742 Evergreen Terrace",
    "City": "San Francisco",
    "State": "CA",
    "ZIP": "94110",
    "Latitude": "37.75123",
    "Longitude": "-122.41456",
    "Confidential Address": "Yes",
    "How To Get Started": "Call the hotline; staff meet you nearby.",
    "Women Only": "Yes",
}
HARBOR = SAFE_HOUSE | {
    "Name": "Harbor House",
    "Street": "1 Pier Rd",
    "Latitude": "37.80050",
    "Longitude": "-122.40001",
    "Confidential Address": "No",
}
# The street in any form a table could hold it: as written, its slug, and the house number alone.
LEAKS = re.compile(r"evergreen|(?<![\d.])742(?!\d)", re.IGNORECASE)


def _sheet(path, *rows) -> None:
    out = io.StringIO()
    writer = csv.DictWriter(out, COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue())


def _every_value(database) -> list[tuple[str, str]]:
    """Return (table.column, value) for every non-empty cell of every table, as text."""
    found = []
    with sqlite3.connect(database) as db:
        tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            cursor = db.execute(f'SELECT * FROM "{table}"')
            names = [d[0] for d in cursor.description]
            for row in cursor:
                for name, value in zip(names, row, strict=True):
                    if value is not None:
                        text = value.decode(errors="replace") if isinstance(value, bytes) else value
                        found.append((f"{table}.{name}", str(text)))
    return found


def test_a_confidential_street_is_stored_nowhere_and_the_api_shows_the_area(ingest, app, tmp_path):
    sheet = tmp_path / "agency.csv"
    # The safe house, a different record under the same name (quarantined, whole but redacted),
    # and a public place beside it.
    repeat = SAFE_HOUSE | {"Phone": "(415) 555-0100"}
    _sheet(sheet, SAFE_HOUSE, repeat, HARBOR)
    result, report = ingest(sheet, "--mapping", "resdir-agency", "--source-id", "agency")
    assert result.exit_code == 0, result.output
    [source] = report["sources"]
    assert (source["accepted"], source["rejected"]) == (2, 1)
    assert [p["type"] for p in source["problems"] if p["severity"] == "error"] == ["duplicate-key"]
    problems = app.test_cli_runner().invoke(args=["problems", "--raw", "--limit", "0"])
    assert "duplicate-key" in problems.output

    database = app.config["SQLALCHEMY_URL"].removeprefix("sqlite:///")
    cells = _every_value(database)
    assert len(cells) > 100
    assert [(where, value) for where, value in cells if LEAKS.search(value)] == []
    for text in ((tmp_path / "report-0.json").read_text(), problems.output):
        assert not LEAKS.search(text), text
    assert any("1 Pier Rd" in value for _, value in cells)  # the scan sees what is kept
    assert "[not kept]" in problems.output  # the repeat's raw form, its address redacted

    with app.app_context(), store.session() as session:
        keys = dict(
            session.execute(
                select(store.ListingSource.record_key, store.ListingSource.listing_id)
            ).all()
        )
    # A confidential place is keyed by its name alone; another by its name and a street digest.
    assert set(keys) == {"Secret Safe House", f"Harbor House:{address_digest('1 Pier Rd')}"}

    client = app.test_client()
    listing = client.get(f"/api/v1/listings/{keys['Secret Safe House']}").get_json()
    assert not LEAKS.search(str(listing)), listing
    assert listing["sources"] == [{"source": "agency", "source_id": "Secret Safe House"}]
    assert listing["address"]["street"] is None
    assert listing["address"]["postal_code"] == "94110"
    assert listing["confidential_location"] is True
    assert listing["approximate_location"] is True  # the ZIP code's centre, not the given point
    assert listing["location"] != {"lat": 37.75123, "lon": -122.41456}
    match = client.post(
        "/api/v1/match",
        json={"location": {"postal_code": "94110"}, "needs": ["housing.shelter"]},
    ).get_json()
    found = [r for r in match["results"] if r["name"] == "Secret Safe House"]
    assert found and not LEAKS.search(str(match))


def test_a_record_keyed_by_its_street_before_keeps_its_listing(ingest, app, tmp_path):
    """A store filled before keys held no address: its records move to the new keys."""
    sheet = tmp_path / "agency.csv"
    _sheet(sheet, HARBOR, SAFE_HOUSE)
    ingest(sheet, "--mapping", "resdir-agency", "--source-id", "agency")
    former = {
        f"Harbor House:{address_digest('1 Pier Rd')}": "Harbor House:1 Pier Rd",
        "Secret Safe House": "Secret Safe House:742 Evergreen Terrace",
    }
    with app.app_context(), store.session() as session:
        rows = session.scalars(select(store.ListingSource)).all()
        listings = {row.record_key: row.listing_id for row in rows}
        for row in rows:
            row.record_key = former[row.record_key]  # as resdir keyed them before 2026-12
        session.commit()

    result, report = ingest(sheet, "--mapping", "resdir-agency", "--source-id", "agency")
    assert result.exit_code == 0, result.output
    [source] = report["sources"]
    assert (source["created"], source["removed"], source["held_back"]) == (0, 0, 0)
    with app.app_context(), store.session() as session:
        rows = session.scalars(select(store.ListingSource)).all()
        assert {row.record_key: row.listing_id for row in rows} == listings
        assert session.scalar(select(func.count()).select_from(store.Listing)) == 2
