"""One-line addresses and coordinates: splitting, swaps, text pairs and impossible points."""

import pytest

from ingest.normalize.places import normalize_address, normalize_location, split_formatted


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        (
            "1600 Dell Ave, Campbell, CA 95008, USA",
            ("1600 Dell Ave", "Campbell", "CA", "95008", "US"),
        ),
        (
            "222 Keyes St #110, San Jose, CA 95112, USA",
            ("222 Keyes St #110", "San Jose", "CA", "95112", "US"),
        ),
        (
            "8318 104 St, Edmonton, Alberta, T6E 4E8, Canada",
            ("8318 104 St", "Edmonton", "Alberta", "T6E 4E8", "CA"),
        ),
        ("San Jose, CA, USA", (None, "San Jose", "CA", None, "US")),
        ("London, UK", (None, "London", None, None, "GB")),
    ],
)
def test_one_line_addresses_split_into_parts(text, parts):
    found = split_formatted(text)
    keys = ("street", "city", "region", "postal_code", "country")
    assert tuple(found[k] for k in keys) == parts


def test_parts_given_separately_win_and_zip_codes_regain_their_zero():
    address = normalize_address(
        {
            "formatted": "Cuttyhunk Island, Gosnold, MA 02713, USA",
            "street": "  1 Tower Hill  ",
            "postal_code": 2713,
        }
    )
    assert address == {
        "street": "1 Tower Hill",
        "city": "Gosnold",
        "region": "MA",
        "postal_code": "02713",
        "country": "US",
    }


def test_an_empty_address_is_none():
    assert normalize_address({"street": " ", "city": None}) is None


def test_coordinates_as_numbers_or_strings():
    assert normalize_location({"lat": "37.7615", "lon": "-122.419"}, None) == (
        {"lat": 37.7615, "lon": -122.419},
        [],
    )


def test_out_of_range_latitude_is_swapped_with_a_problem():
    location, problems = normalize_location({"lat": -115.5509702, "lon": 32.7682958}, None)
    assert location == {"lat": 32.768296, "lon": -115.55097}
    assert [p.type for p in problems] == ["swapped-coordinates"]


def test_a_pair_valid_both_ways_is_swapped_only_when_the_zip_code_says_so():
    # (-72.41, 37.76) is a valid point read either way (Antarctica as lat, lon; the Atlantic as
    # lon, lat): without a ZIP code it stays as written, and a ZIP code far from both keeps it too.
    address = {"postal_code": "94110"}
    location, problems = normalize_location({"lat": -72.41, "lon": 37.76}, None)
    assert location == {"lat": -72.41, "lon": 37.76} and problems == []
    location, problems = normalize_location({"lat": 37.76, "lon": -72.41}, address)
    assert location == {"lat": 37.76, "lon": -72.41} and problems == []  # far from both readings
    location, problems = normalize_location({"lat": -122.41, "lon": 37.76}, address)
    assert location == {"lat": 37.76, "lon": -122.41}
    assert [p.type for p in problems] == ["swapped-coordinates"]


def test_geojson_order_text_is_read_as_longitude_latitude():
    location, problems = normalize_location({"text": "[-122.394608, 37.788462]"}, None)
    assert location == {"lat": 37.788462, "lon": -122.394608}
    assert [p.type for p in problems] == ["coordinates-from-text"]


@pytest.mark.parametrize(
    "raw",
    [{"lat": 100, "lon": 101}, {"lat": 0, "lon": 0}, {"lat": 95, "lon": 200}, {"text": "[1]"}],
)
def test_impossible_points_are_dropped_with_a_problem(raw):
    location, problems = normalize_location(raw, None)
    assert location is None
    assert problems[-1].type == "impossible-coordinate"


def test_missing_coordinates_are_no_problem():
    assert normalize_location({"lat": "NA", "lon": "NA"}, None) == (None, [])
    assert normalize_location(None, None) == (None, [])
