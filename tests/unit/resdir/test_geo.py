"""Distances, the offline gazetteer, time zones and the geopy path against a loopback Nominatim."""

import itertools

import pytest
from sqlalchemy import func, select

from resdir import geo, store
from tests.nominatim import NominatimServer


def test_haversine_between_two_bart_stations_matches_a_map():
    # 16th St Mission to 24th St Mission: about 1.4 km along Mission Street.
    km = geo.haversine_km(37.765062, -122.419694, 37.752470, -122.418143)
    assert 1.35 < km < 1.45


@pytest.mark.parametrize(
    ("lat", "lon", "valid"),
    [
        (37.7, -122.4, True),
        (-122.4, 37.7, False),
        (100, 101, False),
        (0, 0, False),
        (90, 180, True),
    ],
)
def test_valid_coordinates(lat, lon, valid):
    assert geo.is_valid_coordinate(lat, lon) is valid


def test_gazetteer_places_a_zip_code_at_its_centroid():
    place = geo.gazetteer_place({"postal_code": "94110-1234", "city": "San Francisco"})
    assert place.precision == "postal_code"
    assert geo.haversine_km(place.lat, place.lon, 37.7509, -122.4153) < 0.1


def test_gazetteer_falls_back_to_the_city_centroid():
    place = geo.gazetteer_place({"city": "Redwood City", "region": "CA"})
    assert place.precision == "city"
    # Redwood City's ZIP centroids average out near the city: within 10 km of downtown.
    assert geo.haversine_km(place.lat, place.lon, 37.4852, -122.2364) < 10


def test_gazetteer_does_not_place_an_unknown_address():
    assert geo.gazetteer_place({"city": "Nowhere Special", "region": "CA"}) is None
    assert geo.gazetteer_place({"postal_code": "00000"}) is None


def test_time_zones_from_coordinates():
    assert geo.timezone_at(37.7749, -122.4194) == "America/Los_Angeles"
    assert geo.timezone_at(53.5461, -113.4938) == "America/Edmonton"
    assert geo.timezone_at(51.5072, -0.1276) == "Europe/London"


@pytest.fixture
def session(tmp_path):
    engine = store.make_engine(f"sqlite:///{tmp_path / 'geo.sqlite3'}")
    store.Base.metadata.create_all(engine)
    with store.Session(engine) as session:
        yield session


def test_remote_geocoder_speaks_nominatim_and_caches_answers(session):
    street = {
        "street": "1500 Valencia Street",
        "city": "San Francisco",
        "region": "CA",
        "postal_code": "94110",
    }
    query = "1500 Valencia Street, San Francisco, CA, 94110"
    with NominatimServer({query: (37.7489, -122.4206, "building")}) as server:
        geocoder = geo.Geocoder(f"nominatim:{server.url}", min_delay_seconds=0.2)
        first = geocoder.place(street, session)
        second = geocoder.place(street, session)
    assert first == second == geo.Place(37.7489, -122.4206, "address")
    assert [q for _, q in server.requests] == [query]  # the second answer came from the cache
    assert session.scalar(select(func.count()).select_from(store.GeocodeCacheEntry)) == 1


def test_remote_geocoder_is_rate_limited(session):
    addresses = [
        {"street": f"{n} Mission Street", "city": "San Francisco", "region": "CA"}
        for n in (100, 200, 300)
    ]
    with NominatimServer({}) as server:
        geocoder = geo.Geocoder(f"nominatim:{server.url}", min_delay_seconds=0.3)
        for address in addresses:
            geocoder.place(address, session)
    times = [t for t, _ in server.requests]
    assert len(times) == 3
    assert all(b - a >= 0.28 for a, b in itertools.pairwise(times))


def test_remote_miss_falls_back_to_the_gazetteer_and_remembers_the_miss(session):
    address = {
        "street": "1 Nowhere Lane",
        "city": "San Mateo",
        "region": "CA",
        "postal_code": "94401",
    }
    with NominatimServer({}) as server:
        geocoder = geo.Geocoder(f"nominatim:{server.url}", min_delay_seconds=0)
        place = geocoder.place(address, session)
        geocoder.place(address, session)
    assert place.precision == "postal_code"
    assert len(server.requests) == 1


def test_an_unreachable_geocoder_does_not_fail_the_caller(session):
    geocoder = geo.Geocoder("nominatim:http://127.0.0.1:9", min_delay_seconds=0, timeout_seconds=1)
    place = geocoder.place({"street": "24 Second Avenue", "postal_code": "94401"}, session)
    # An outage is not an answer: nothing is cached, so the address is asked again next time.
    assert session.scalar(select(func.count()).select_from(store.GeocodeCacheEntry)) == 0
    assert place.precision == "postal_code"


@pytest.mark.parametrize(
    ("text", "state", "counties", "zips"),
    [
        ("San Mateo County", None, ["San Mateo County, CA"], 0),
        ("All of Daly City", None, [], 5),
        (
            "Alameda County, Contra Costa County; Marin County",
            None,
            ["Alameda County, CA", "Contra Costa County, CA", "Marin County, CA"],
            0,
        ),
        ("San Francisco and San Mateo County", None, ["San Mateo County, CA"], 66),
        ("Orange County", "CA", ["Orange County, CA"], 0),
    ],
)
def test_service_area_text_names_counties_and_city_zip_codes(text, state, counties, zips):
    area = geo.service_area(text, state)
    assert area["counties"] == counties
    assert len(area["postal_codes"]) == zips


@pytest.mark.parametrize(
    ("text", "state"),
    [
        ("San Francisco and northern San Mateo County", None),  # a partial reading understates
        ("North and Central San Mateo County", None),
        ("Orange County", None),  # California, Florida, New York, ...: which one?
        ("Everywhere we can reach", None),
    ],
)
def test_service_area_text_not_fully_understood_names_nothing(text, state):
    assert geo.service_area(text, state) is None


@pytest.mark.parametrize(
    ("typed", "city"),
    [
        ("Daly City", ("Daly City", "CA")),
        ("daly city ca", ("Daly City", "CA")),
        ("SF", ("San Francisco", "CA")),
        ("S.F.", ("San Francisco", "CA")),
        ("  south   san francisco ", ("South San Francisco", "CA")),
        ("Washington", ("Washington", "CA")),  # one of 30 Washingtons: the covered state's
        ("DC", ("Washington", "DC")),  # a short name from the table, whatever the state covered
    ],
)
def test_a_city_named_without_its_state_is_placed_within_the_covered_states(typed, city):
    found = geo.named_place(typed, ["CA", "NV"])
    expected = geo.gazetteer_place({"city": city[0], "region": city[1]})
    assert found == expected and found.precision == "city"


def test_a_name_several_states_share_is_not_placed_outside_the_covered_states():
    assert geo.named_place("Washington", ["NV"]) is None  # Nevada has none; 30 states do
    assert geo.named_place("Washington", ["NV", "DC"]) == geo.gazetteer_place(
        {"city": "Washington", "region": "DC"}
    )
    # A name one state alone has is that state's, covered or not.
    assert geo.named_place("Daly City") == geo.gazetteer_place(
        {"city": "Daly City", "region": "CA"}
    )
    assert geo.named_place("Nowhere Springs") is None
    assert geo.named_place("Oakland XX") is None  # not a state: not a city of one


def test_every_short_name_in_the_table_names_a_city_the_gazetteer_knows():
    for name in geo._abbreviations():
        assert geo.named_place(name) is not None, name
