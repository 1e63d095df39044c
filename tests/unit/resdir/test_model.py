"""The canonical schema bounds every value an engine indexes or a page shows, whichever way in."""

import pytest

from resdir import model
from resdir.matching.profile import ProfileSchema
from resdir.model import ListingSchema, field_paths

SCHEMA = ListingSchema()
TOO_BIG = 9223372036854775808  # one past the largest 64-bit integer: SQLite overflows on it


def problems(doc: dict) -> dict[str, list[str]]:
    """Return what the schema refuses in a document, by dotted path."""
    return field_paths(SCHEMA.validate(doc))


def _set(doc: dict, path: str, value) -> dict:
    """Return a copy of `doc` with the value at a dotted path replaced."""
    out = dict(doc)
    head, _dot, rest = path.partition(".")
    out[head] = _set(out[head] or {}, rest, value) if rest else value
    return out


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("capacity.available", 7),
        ("capacity.available", model.MAX_CAPACITY),
        ("eligibility.min_age", 18),
        ("eligibility.min_age", 18.0),  # a whole number written as a float
        ("narr_level", 4),
        ("cost.amount", 1700.5),
        ("cost.currency", "USD"),
        ("cost.period", "month"),
        ("last_verified_at", "1900-01-01T00:00:00+00:00"),
        ("updated_at", "2100-12-31T23:59:00-12:00"),
        ("url", "https://example.org/intake?lang=es#hours"),
        ("url", "http://203.0.113.7:8080/"),
        ("organization", {"id": "org-1", "name": "Harbor Light", "url": "http://harbor.org"}),
        ("online", {"url": "https://zoom.us/j/123", "phone": "+14155550100"}),
        ("email", "intake@example.org"),
        ("name", "N" * model.MAX_NAME_LENGTH),
        ("description", "d" * model.MAX_TEXT_LENGTH),
        ("address.postal_code", "94110-1234"),
        ("address.postal_code", "SW1A 1AA"),
        ("location", {"lat": 0.0, "lon": 32.58}),  # on the equator, in Uganda
        ("location", {"lat": -89.99, "lon": 179.99}),
        ("languages", ["en", "es", "yue", "ase", "tl", "sgn"]),
        ("timezone", "America/Los_Angeles"),
        ("service_area", {"postal_codes": ["94110"], "counties": [], "radius_km": 40.0}),
    ],
)
def test_values_within_the_bounds_are_taken(make_listing, path, value):
    assert problems(_set(make_listing(), path, value)) == {}


@pytest.mark.parametrize(
    ("path", "value", "named"),
    [
        ("capacity.available", TOO_BIG, "capacity.available"),
        ("capacity.total", model.MAX_CAPACITY + 1, "capacity.total"),
        ("capacity.available", -1, "capacity.available"),
        ("capacity", {"available": 9, "total": 4, "unit": "beds"}, "capacity.available"),
        ("capacity.as_of", "9999-12-31T23:00:00+14:00", "capacity.as_of"),
        ("eligibility.min_age", 1.5, "eligibility.min_age"),
        ("eligibility.max_age", model.MAX_AGE + 1, "eligibility.max_age"),
        ("narr_level", 2.5, "narr_level"),
        ("cost.amount", 1e300, "cost.amount"),
        ("cost.amount", float("inf"), "cost.amount"),
        ("cost.currency", "DOLLARS", "cost.currency"),
        ("cost.period", "fortnight", "cost.period"),
        ("last_verified_at", "0001-01-01T00:00:00+00:00", "last_verified_at"),
        ("updated_at", "9999-12-31T23:00:00+14:00", "updated_at"),
        ("updated_at", "2026-12-01T09:00:00", "updated_at"),  # no offset: which clock?
        ("url", "javascript:alert(1)", "url"),
        ("url", "data:text/html,<script>alert(1)</script>", "url"),
        ("url", "ftp://example.org/", "url"),
        ("url", "https://exa mple.org/", "url"),
        ("url", "https://user@example.org/", "url"),
        ("url", "https://", "url"),
        ("url", "https://example.org/" + "a" * model.MAX_URL_LENGTH, "url"),
        (
            "organization",
            {"id": "o", "name": "O", "url": "javascript:alert(1)"},
            "organization.url",
        ),
        ("online", {"url": "vbscript:msgbox", "phone": None}, "online.url"),
        ("email", "mailto:intake@example.org", "email"),
        ("email", "intake at example.org", "email"),
        ("name", "N" * 100_000, "name"),
        ("name", "", "name"),
        ("description", "d" * (model.MAX_TEXT_LENGTH + 1), "description"),
        ("address.postal_code", "9" * 500, "address.postal_code"),
        ("address.postal_code", "<b>94110</b>", "address.postal_code"),
        ("address.street", "s" * (model.MAX_NAME_LENGTH + 1), "address.street"),
        ("location", {"lat": 0, "lon": 0}, "location"),
        ("location", {"lat": 0.004, "lon": -0.003}, "location"),
        ("location", {"lat": 91, "lon": 0}, "location.lat"),
        ("location", {"lat": 37.7, "lon": float("nan")}, "location.lon"),
        ("languages", ["zz"], "languages.0"),
        ("languages", ["en", "EN"], "languages.1"),
        ("languages", ["english"], "languages.0"),
        ("timezone", "Mars/Olympus_Mons", "timezone"),
        ("phones", [{"number": "+14155550142"}] * (model.MAX_ITEMS + 1), "phones"),
        ("eligibility.genders", ["woman", "martian"], "eligibility.genders.1"),
        ("capacity", {"available": 1, "total": 2, "unit": "tents"}, "capacity.unit"),
        ("service_area", {"postal_codes": ["9" * 40], "radius_km": 1e9}, "service_area"),
    ],
)
def test_values_beyond_the_bounds_are_refused_by_name(make_listing, path, value, named):
    found = problems(_set(make_listing(), path, value))
    assert named in found or any(p.startswith(f"{named}.") for p in found), found


def test_a_refused_capacity_says_why():
    found = field_paths(model.CapacitySchema().validate({"available": TOO_BIG}))
    assert found == {
        "available": [
            f"Must be greater than or equal to 0 and less than or equal to {model.MAX_CAPACITY}."
        ]
    }


def test_a_whole_number_is_not_cut_to_one():
    assert model.CapacitySchema().load({"available": 3.0})["available"] == 3
    assert field_paths(model.CapacitySchema().validate({"available": 1.5})) == {
        "available": ["Not a whole number."]
    }


@pytest.mark.parametrize(
    ("profile", "named"),
    [
        ({"when": {"at": "9999-12-31T23:00:00+14:00"}}, "when.at"),
        ({"when": {"at": "0001-01-01T00:00:00-12:00"}}, "when.at"),
        (
            {"when": {"from": "9999-12-30T00:00:00+14:00", "to": "9999-12-31T23:59:00+14:00"}},
            "when.from",
        ),
        ({"age": 1.5}, "age"),
        ({"age": 10**30}, "age"),
        ({"languages": ["zz"], "barriers": ["limited_english"]}, "languages.0"),
        ({"limit": 2.5}, "limit"),
        ({"travel": {"max_minutes": 30.5}}, "travel.max_minutes"),
    ],
)
def test_a_profile_beyond_the_bounds_is_refused_by_name(profile, named):
    found = field_paths(ProfileSchema().validate({"location": {"postal_code": "94110"}, **profile}))
    assert named in found, found


def test_a_profile_at_the_ends_of_the_years_is_taken():
    for instant in ("1900-01-01T00:00:00+14:00", "2100-12-31T23:59:00-12:00"):
        assert ProfileSchema().validate({"when": {"at": instant}}) == {}


def test_an_organization_stored_before_it_had_phones_loads_with_none(make_listing):
    older = make_listing(organization={"id": "org-1", "name": "Bayside Intergroup"})
    assert ListingSchema().load(older)["organization"]["phones"] == []
    office = {"number": "+14155550183", "type": "voice"}
    newer = make_listing(
        organization={"id": "org-1", "name": "Bayside Intergroup", "phones": [office]}
    )
    assert ListingSchema().load(newer)["organization"]["phones"] == [
        {**office, "description": None, "extension": None}
    ]
    bad = make_listing(
        organization={"id": "org-1", "name": "Bayside", "phones": [{"number": "555"}]}
    )
    assert list(field_paths(ListingSchema().validate(bad))) == ["organization.phones.0.number"]
