"""Pipeline steps on their own: the quarantine's form, area points, repeated keys, shrinking."""

from types import SimpleNamespace

import pytest

from ingest.pipeline import (
    Changes,
    Shrink,
    SourceReport,
    hold_back,
    mark_area_points,
    quarantine_form,
    rekey,
    repeated,
)
from ingest.record import Record, Stop


def test_the_quarantine_never_keeps_volunteers_contact_details():
    raw = {
        "Name": "Noon Group",
        "Contact 1 Name": "A. Person",
        "Contact 1 Email": "a@x.org",
        "Venmo": "@group",
        "Address": "2200 Mission St",
        "nested": [{"email": "b@x.org"}],
    }
    kept = quarantine_form(Record(key="k", draft={}, raw=raw))
    assert kept == {
        "Name": "Noon Group",
        "Contact 1 Name": "[not kept]",
        "Contact 1 Email": "[not kept]",
        "Venmo": "[not kept]",
        "Address": "2200 Mission St",
        "nested": [{"email": "[not kept]"}],
    }


def test_the_quarantine_keeps_no_address_of_a_confidential_place():
    raw = {"name": "Tidewater", "street": "1 Hidden Way", "latitude": "37.7", "city": "SF"}
    kept = quarantine_form(Record(key="k", draft={"confidential_location": "yes"}, raw=raw))
    assert kept == {
        "name": "Tidewater",
        "street": "[not kept]",
        "latitude": "[not kept]",
        "city": "SF",
    }


def test_points_shared_across_streets_are_area_centres(make_listing):
    same = {"lat": 37.7749, "lon": -122.4194}
    docs = [
        make_listing(
            key=str(n),
            location=same,
            address={
                "street": f"{100 * n} Main Street",
                "postal_code": "94105",
                "city": None,
                "region": None,
                "country": None,
            },
        )
        for n in range(1, 4)
    ]
    church = [make_listing(key=f"c{n}", location={"lat": 37.76, "lon": -122.42}) for n in range(3)]
    problems = mark_area_points(docs + church)
    assert [p.type for p in problems] == ["area-coordinates"]
    assert {d["geocode_precision"] for d in docs} == {"postal_code"}
    assert all(d["approximate_location"] for d in docs)
    assert {d["geocode_precision"] for d in church} == {"source"}  # one building, three meetings


def test_a_repeated_key_names_the_first_record_and_tells_a_copy_from_another_record():
    firsts = {}
    first = Record(key="noon", draft={"name": "Noon"}, raw={"slug": "noon"}, line=4)
    again = Record(key="noon", draft={"name": "Noon"}, raw={"slug": "noon"}, line=9)
    other = Record(key="noon", draft={"name": "Noon Too"}, raw={"slug": "noon"}, line=12)
    assert repeated(first, firsts) is None
    copy, clash = repeated(again, firsts), repeated(other, firsts)
    assert (copy.type, copy.message) == (
        "repeated-record",
        "the same record as the record on line 4 again; loaded once",
    )
    assert (clash.type, clash.severity) == ("duplicate-key", "error")
    assert "key 'noon' is already the key of the record on line 4" in clash.message
    stop = Stop(key="S1", name="Hub", lat=1, lon=2, raw={"stop_id": "S1"})
    assert repeated(stop, {}) is None


def _gone(n: int) -> Changes:
    return Changes(gone=[SimpleNamespace(record_key=f"r{i}") for i in range(n)])


@pytest.mark.parametrize(
    ("gone", "rejected", "allowed", "removed"),
    [
        (20, 0, False, 20),  # exactly the share: an ordinary run
        (21, 0, False, 0),  # more: held back
        (21, 0, True, 21),  # --allow-shrink
        (1, 60, False, 0),  # few gone, but most records were rejected
        (0, 60, False, 0),  # nothing to hold back: no refusal
    ],
)
def test_a_full_snapshot_unpublishes_at_most_its_share(gone, rejected, allowed, removed):
    report = SourceReport("s", "s.json")
    report.counts.update(read=100, accepted=100 - rejected, rejected=rejected)
    changes = _gone(gone)
    hold_back(changes, 100, Shrink(0.2, allowed), report, lambda row: row.record_key)
    assert report.counts["removed"] == removed == len(changes.gone)
    assert report.counts["held_back"] == len(report.held_back) == gone - removed
    refusals = [p for p in report.problems if p.type == "snapshot-shrink"]
    assert len(refusals) == (gone > removed)


def test_stored_records_move_from_their_former_keys():
    row = SimpleNamespace(record_key="harbor:1-pier-rd")
    stored = {"harbor:1-pier-rd": row, "kept": SimpleNamespace(record_key="kept")}
    rekey(stored, {"harbor:at-1": "harbor:1-pier-rd", "new:at-2": "absent"})
    assert set(stored) == {"harbor:at-1", "kept"}
    assert stored["harbor:at-1"] is row and row.record_key == "harbor:at-1"
