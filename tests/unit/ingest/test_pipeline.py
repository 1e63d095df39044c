"""Pipeline steps on their own: the quarantine's form and area points."""

from ingest.pipeline import mark_area_points, quarantine_form
from ingest.record import Record


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
