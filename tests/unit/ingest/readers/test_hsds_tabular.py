"""Tests for the HSDS / Ohana tabular reader, on the real packages and small hand-written ones."""

import zipfile
from pathlib import Path
from textwrap import dedent

import pytest

from ingest.problems import Problem, SourceError
from ingest.readers import ReadOptions, hsds_tabular
from ingest.readers.hsds_tabular import packages_in, read, scheme_from_name, sniff, table_name
from ingest.record import Record

OHANA = "ohana-api-sample-csv"
BALTIMORE = "bchd-baltimore-charmcare-icarol"
HSDS11 = "openreferral-sample-HSDS-datapackage/all_resources"
HSDS11_SIMPLE = "openreferral-sample-HSDS-datapackage/simple"
HSDS3 = "openreferral-hsds3-examples/csv"
COUNSELLING_SAL = "e94c9f38-1e8f-4564-91d4-d53501ab1765"


def read_all(path: Path) -> tuple[list[Record], list[Problem]]:
    """Read a package; return its records and its source-level problems."""
    found = list(read(path, ReadOptions()))
    return (
        [f for f in found if isinstance(f, Record)],
        [f for f in found if isinstance(f, Problem)],
    )


def by_name(records: list[Record], name: str) -> list[Record]:
    return [r for r in records if r.draft["name"] == name]


@pytest.fixture
def make_package(tmp_path):
    """Return a function that writes {file name: text} into a package folder."""

    def make(files: dict[str, str]) -> Path:
        folder = tmp_path / "package"
        folder.mkdir(exist_ok=True)
        for name, text in files.items():
            (folder / name).write_text(dedent(text).lstrip(), encoding="utf-8")
        return folder

    return make


@pytest.fixture(scope="module")
def ohana(shared_data):
    return read_all(shared_data / OHANA)


@pytest.fixture(scope="module")
def baltimore(shared_data):
    return read_all(shared_data / BALTIMORE)


@pytest.mark.shared_data
def test_ohana_sample_yields_one_record_per_service_keyed_service_location(ohana):
    records, problems = ohana
    assert len(records) == 23
    assert problems == []
    # two services share Example Location 22; Ohana has no service_at_location ids
    assert [r.key for r in records][-3:] == ["21:21", "22:22", "23:22"]


@pytest.mark.shared_data
def test_ohana_fair_oaks_has_its_phones_place_and_access(ohana):
    (fair_oaks,) = by_name(ohana[0], "Fair Oaks Adult Activity Center")
    draft = fair_oaks.draft
    assert draft["source_keys"] == {"service_id": "1", "location_id": "1", "organization_id": "1"}
    assert draft["organization"]["name"] == "Peninsula Family Service"
    assert draft["phones"] == [
        {"number": "650 780-7525", "type": "voice"},
        {"number": "650 701-0856", "type": "fax"},
    ]
    assert draft["location"] == {"lat": "37.477227", "lon": "-122.213221"}
    assert draft["address"] == {
        "street": "2600 Middlefield Road",
        "city": "Redwood City",
        "region": "CA",
        "postal_code": "94063",
        "country": "US",
    }
    assert draft["accessibility"] == ["disabled_parking", "ramp", "restroom", "wheelchair"]
    assert draft["languages"] == ["Spanish, Tagalog"]
    assert draft["service_area"] == {"text": "Colma"}
    assert fair_oaks.line == 2
    assert fair_oaks.raw["location"]["name"] == "Fair Oaks Adult Activity Center"


@pytest.mark.shared_data
def test_ohana_location_schedule_gives_weekday_rows_unless_the_service_has_its_own(ohana):
    records = {r.key: r for r in ohana[0]}
    location_hours = records["23:22"].draft["hours"]["intervals"]
    assert [i["day"] for i in location_hours] == [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ]
    assert location_hours[5] == {"day": "Saturday", "opens": "10:00", "closes": "18:00"}
    # Passport Photos (service 22) has its own rows, written as found
    assert records["22:22"].draft["hours"]["intervals"] == [
        {"day": "Monday", "opens": "08:00", "closes": "12:00"},
        {"day": "Monday", "opens": "14:00", "closes": "4:00 PM"},
        {"day": "Wednesday", "opens": "10:00", "closes": "3pm"},
    ]
    assert "weekday_base" not in records["22:22"].draft  # names, not numbers


@pytest.mark.shared_data
def test_ohana_taxonomy_ids_resolve_to_open_eligibility_terms_and_keywords_stay_words(ohana):
    (passport,) = by_name(ohana[0], "Passport Photos")
    terms = passport.draft["taxonomy"]
    navigating = {"scheme": "open_eligibility", "code": "108-05", "name": "Navigating the System"}
    assert navigating in terms
    assert {"scheme": "keyword", "name": "Salud"} in terms
    assert passport.draft["cost"]["payments"] == ["Cash, Check, Credit Card"]
    assert passport.draft["required_documents"] == ["Government-issued picture identification"]
    # service phones, location phones and the location's contact phones, each once
    numbers = [(p["number"], p.get("extension")) for p in passport.draft["phones"]]
    assert ("650-222-5555", None) in numbers  # the service's SMS line
    assert ("800 372-6200", None) in numbers  # the location's hotline
    assert ("+1 123-456-7890", "1200") in numbers  # the location contact's, with country prefix
    assert len(numbers) == len(set(numbers))


@pytest.mark.shared_data
def test_ohana_virtual_location_does_not_take_its_mailing_address(ohana):
    records = {r.key: r for r in ohana[0]}
    assert "address" not in records["20:20"].draft
    assert records["20:20"].draft["status"] == "defunct"


@pytest.mark.shared_data
def test_baltimore_yields_every_service_with_sidecar_categories(baltimore):
    records, problems = baltimore
    assert len(records) == 1876
    assert problems == []
    (sister,) = [r for r in records if r.draft["source_keys"]["service_id"] == "143903"]
    assert sister.key == "143903:1"
    # AIRS code from service_icarol_categories.json; category row 46 of service_categories.json
    assert {"scheme": "airs", "code": "BH-8600"} in sister.draft["taxonomy"]
    assert {
        "scheme": "open_eligibility",
        "code": "103-09",
        "name": "Short-Term Housing",
    } in sister.draft["taxonomy"]
    assert sister.draft["phones"] == [
        {"number": "(443) 910-2640", "type": "voice", "description": "Phone 1"}
    ]
    assert "\n\nDONATIONS:" in sister.draft["description"]


@pytest.mark.shared_data
def test_baltimore_counts_what_is_missing(baltimore):
    records, _ = baltimore
    area_wide = [r for r in records if "location_id" not in r.draft["source_keys"]]
    assert [r.key for r in area_wide] == ["144332"]  # the one service with no location_id
    placed_without_coordinates = [
        r for r in records if "location_id" in r.draft["source_keys"] and "location" not in r.draft
    ]
    assert len(placed_without_coordinates) == 133
    assert sum(1 for r in records if r.draft.get("taxonomy")) == 1849


@pytest.mark.shared_data
@pytest.mark.parametrize("package", [HSDS11, HSDS11_SIMPLE])
def test_hsds11_yields_one_record_per_service_at_location_row(shared_data, package):
    records, problems = read_all(shared_data / package)
    text = (shared_data / package / "services_at_location.csv").read_text(encoding="utf-8")
    sal_ids = [line.split(",")[0] for line in text.splitlines()[1:]]
    assert [r.key for r in records] == sal_ids
    assert len(records) == 13
    assert problems == []


@pytest.mark.shared_data
def test_hsds11_helpline_has_numeric_weekdays_languages_and_metadata_date(shared_data):
    records, _ = read_all(shared_data / HSDS11)
    (helpline,) = by_name(records, "Never Homeless Helpline")
    draft = helpline.draft
    assert draft["weekday_base"] == "iso"
    assert draft["hours"]["intervals"][0] == {"day": "1", "opens": "09:00:00", "closes": "17:00:00"}
    assert draft["languages"] == ["English", "Spanish"]
    assert draft["cost"]["payments"] == ["cash", "credit card"]
    assert draft["eligibility"] == {"text": "adult"}
    assert draft["address"]["city"] == "New York City"
    assert "location" not in draft  # the sample leaves latitude and longitude empty
    assert draft["last_verified_at"] == "2008-09-15T15:53:00Z"


@pytest.mark.shared_data
def test_hsds11_organization_phones_are_the_organizations_not_the_listings(shared_data):
    records, _ = read_all(shared_data / HSDS11)
    (meals,) = by_name(records, "Meals To-Go at The Cross")
    assert "phones" not in meals.draft  # none of its own: the organization's are shown instead
    assert [(p["number"], p["type"]) for p in meals.draft["organization"]["phones"]] == [
        ("(223) 346 12361", "voice"),
        ("(223) 346 12361", "textphone"),
    ]
    (bubbles,) = by_name(records, "Bubbles at The Cross")
    assert [p["number"] for p in bubbles.draft["phones"]] == ["(773) 2351 2461", "(223) 4567 12534"]
    (teacher,) = by_name(records, "Dear Teacher Skills Refresh")
    assert teacher.draft["phones"] == [
        {
            "number": "(0123) 4567 8900",
            "extension": "42",
            "type": "voice",
            "description": "Roz Bernstein Main Office",
        }
    ]


@pytest.mark.shared_data
def test_hsds3_csv_reads_despite_a_broken_datapackage(shared_data):
    records, problems = read_all(shared_data / HSDS3)
    assert [p.type for p in problems] == ["invalid-value"]
    assert "datapackage.json" in problems[0].message
    (counselling,) = records
    draft = counselling.draft
    assert counselling.key == COUNSELLING_SAL
    assert draft["name"] == "Community Counselling"
    assert draft["hours"]["intervals"] == [
        {"day": "TH", "opens": "10:00:00", "closes": "18:00:00"},
        {"day": "FR", "opens": "10:00:00", "closes": "18:00:00"},
    ]
    assert draft["languages"] == ["Urdu"]
    assert (draft["cost"]["amount"], draft["cost"]["currency"]) == ("35", "gbp")
    assert (draft["eligibility"]["min_age"], draft["eligibility"]["max_age"]) == ("12", "100")
    assert draft["phones"][0]["number"] == '"+44 1234 234567"'  # literal quotes left raw
    assert draft["location"] == {"lat": "100", "lon": "101"}  # impossible, left for the normalizer
    assert draft["last_verified_at"] == "2005-01-01"  # assured_date


@pytest.mark.shared_data
def test_sniff_claims_hsds_folders_and_descriptors_only(shared_data):
    assert sniff(shared_data / OHANA)
    assert sniff(shared_data / HSDS11 / "datapackage.json")
    assert sniff(shared_data / HSDS3)
    # a survey export called services.csv, with no id column, is not HSDS
    assert not sniff(shared_data / "sfbrigade-sf-openreferral-data/financial-empowerment")
    assert not sniff(shared_data / OHANA / "services.csv")
    assert not sniff(shared_data / "gtfs-bart-2018")


def test_package_without_services_table_fails_naming_it(make_package):
    folder = make_package(
        {
            "datapackage.json": '{"resources": []}',
            "organizations.csv": "id,name\no1,Hope House\n",
            "locations.csv": "id,organization_id,name\nl1,o1,Main\n",
        }
    )
    with pytest.raises(SourceError, match=r"no services table \(services\.csv\)"):
        read_all(folder)


def test_ohana_package_without_locations_table_fails(make_package):
    folder = make_package({"services.csv": "id,location_id,name\n1,9,Rides\n"})
    with pytest.raises(SourceError, match="locations"):
        read_all(folder)


def test_broken_references_warn_and_keep_the_record(make_package):
    folder = make_package(
        {
            "services.csv": """
            id,organization_id,location_id,name
            s1,o9,l9,Ride to Recovery
            s2,o1,,Sober Social Club
        """,
            "locations.csv": "id,organization_id,name\nl1,o1,Hall\n",
            "organizations.csv": "id,name\no1,Recovery Alliance\n",
        }
    )
    records, problems = read_all(folder)
    assert problems == []
    rides, club = records
    assert rides.key == "s1:l9"
    assert [(p.type, p.field, p.record) for p in rides.problems] == [
        ("orphan-reference", "location_id", "s1:l9"),
        ("orphan-reference", "organization_id", "s1:l9"),
    ]
    assert "'l9'" in rides.problems[0].message
    assert club.key == "s2"  # placed nowhere: one area-wide record
    assert club.draft["organization"]["name"] == "Recovery Alliance"


def test_hsds2_package_with_rrule_schedules_and_attributes(make_package):
    folder = make_package(
        {
            "service.csv": """
            id,organization_id,name,status
            s1,o1,Fresh Start House,active
            s2,o1,Ride Line,active
        """,
            "organization.csv": "id,name\no1,Fresh Start\n",
            "location.csv": "id,organization_id,name,latitude,longitude\nl1,o1,House,39.3,-76.6\n",
            "service_at_location.csv": "id,service_id,location_id\nsal1,s1,l1\n",
            "physical_address.csv": "id,location_id,address_1,city,state_province,postal_code\n"
            "a1,l1,12 Oak St,Baltimore,MD,21215\n",
            "schedule.csv": """
            id,service_id,freq,byday,opens_at,closes_at,description
            h1,s1,WEEKLY,"MO,TU",09:00,17:00,
            h2,s1,MONTHLY,1SA,10:00,12:00,First Saturday open house
        """,
            "taxonomy_term.csv": """
            id,term,taxonomy
            BH-8600,Transitional Housing/Shelter,AIRS
            accepts_moud,Accepts MOUD,resdir
        """,
            "attribute.csv": """
            id,link_id,link_type,taxonomy_term_id,value
            at1,s1,service,BH-8600,
            at2,s1,service,accepts_moud,no
            at3,s1,service,gone,
        """,
        }
    )
    records, problems = read_all(folder)
    assert problems == []
    house, rides = records
    assert house.key == "sal1"
    assert house.draft["address"]["street"] == "12 Oak St"
    assert house.draft["hours"] == {
        "text": "First Saturday open house",
        "intervals": [
            {"day": "MO", "opens": "09:00", "closes": "17:00"},
            {"day": "TU", "opens": "09:00", "closes": "17:00"},
        ],
    }
    assert house.draft["taxonomy"] == [
        {"scheme": "airs", "code": "BH-8600", "name": "Transitional Housing/Shelter"}
    ]
    assert house.draft["facts"] == [
        {"code": "accepts_moud", "value": "no", "source": "HSDS attribute"}
    ]
    assert [(p.type, p.field) for p in house.problems] == [("orphan-reference", "taxonomy")]
    assert rides.key == "s2"
    assert "location_id" not in rides.draft["source_keys"]


def test_hsds3_resdir_taxonomy_gives_needs_and_facts(make_package):
    folder = make_package(
        {
            "services.csv": "id,organization_id,name,status,assured_date\n"
            "s1,o1,Serenity House,active,2025-11-02\n",
            "organizations.csv": "id,name\no1,Serenity\n",
            "locations.csv": "id,location_type,organization_id,name\nl1,physical,o1,House\n",
            "service_at_location.csv": "id,service_id,location_id\nsal1,s1,l1\n",
            "taxonomies.csv": "id,name,description,uri,version\ntx1,resdir,resdir codes,,1\n",
            "taxonomy_terms.csv": """
            id,code,name,description,parent_id,taxonomy,language,taxonomy_id,term_uri
            t1,housing.recovery_residence,Recovery residence,,,,,tx1,
            t2,accepts_moud,Accepts MOUD,,,,,tx1,
            t3,wheelchair_accessible,Wheelchair accessible,,,,,tx1,
            t4,pets_allowed,Pets allowed,,,,,tx1,
        """,
            "attributes.csv": """
            id,link_id,taxonomy_term_id,link_type,link_entity,value
            a1,s1,t1,,service,
            a2,s1,t2,,service,
            a3,l1,t3,,location,true
            a4,s1,t4,,location,
        """,
            "service_capacity.csv": "id,service_id,unit_id,available,maximum,updated\n"
            "c1,s1,u1,3,12,2025-11-02T09:00:00Z\n",
            "unit.csv": "id,name\nu1,beds\n",
        }
    )
    records, problems = read_all(folder)
    (house,) = records
    assert problems == []
    assert house.draft["taxonomy"] == [
        {"scheme": "resdir", "code": "housing.recovery_residence", "name": "Recovery residence"}
    ]
    # a4 is about a location that happens to share the id "s1": not about service s1; values
    # stay as written (an empty one asserts the term), for the normalizer to read
    assert house.draft["facts"] == [
        {"code": "accepts_moud", "value": "yes", "source": "HSDS attribute"},
        {"code": "wheelchair_accessible", "value": "true", "source": "HSDS attribute"},
    ]
    assert house.draft["capacity"] == {
        "available": "3",
        "total": "12",
        "unit": "beds",
        "as_of": "2025-11-02T09:00:00Z",
    }
    assert house.draft["last_verified_at"] == "2025-11-02"


def test_sidecar_json_maps_service_ids_to_codes_or_category_rows(make_package):
    folder = make_package(
        {
            "services.csv": "id,location_id,name\n7,1,Night Shelter\n",
            "locations.csv": "id,name\n1,Shelter\n",
            "categories.csv": "id,name,taxonomy_id\n12,Emergency Shelter,101-04\n",
            "codes.json": '{"7": ["BH-1800", "12"], "99": ["BH-1800"]}',
            "notes.json": '{"7": "not a list of codes"}',
        }
    )
    records, problems = read_all(folder)
    assert records[0].draft["taxonomy"] == [
        {"scheme": "airs", "code": "BH-1800"},
        {"scheme": "open_eligibility", "code": "101-04", "name": "Emergency Shelter"},
    ]
    assert [(p.type, "'99'" in p.message) for p in problems] == [("orphan-reference", True)]


@pytest.mark.parametrize(
    ("stem", "table"),
    [
        ("services_at_location", "service_at_location"),
        ("physical_addresses", "address"),
        ("accessibility_for_disabilities", "accessibility"),
        ("Regular Schedules", "schedule"),
        ("categories", "taxonomy_term"),
        ("taxonomies", "taxonomy"),
        ("services_taxonomy", "attribute"),
    ],
)
def test_table_names_are_found_by_rule(stem, table):
    assert table_name(stem) == table


@pytest.mark.parametrize(
    ("name", "scheme"),
    [
        ("AIRS", "airs"),
        ("211 LA County Taxonomy", "airs"),
        ("Open Eligibility", "open_eligibility"),
        ("resdir", "resdir"),
        ("SDOH Codes", "sdoh codes"),
    ],
)
def test_taxonomy_names_become_schemes(name, scheme):
    assert scheme_from_name(name) == scheme


def test_child_rows_that_share_their_parents_id_are_each_kept(make_package):
    # Real exports give child rows the parent's id, or none: each row is a fact of its own.
    folder = make_package(
        {
            "services.csv": "id,name\ns1,Helpline\n",
            "locations.csv": "id,name\nl1,Office\n",
            "services_at_location.csv": "id,service_id,location_id\n,s1,l1\n",
            "languages.csv": """
            id,service_id,language
            s1,s1,English
            s1,s1,Spanish
            s1,s1,Haitian Creole
        """,
            "accessibility_for_disabilities.csv": """
            id,location_id,accessibility
            l1,l1,Wheelchair accessible entrance
            l1,l1,Braille signage
        """,
            "taxonomy.csv": "id,name,vocabulary\nt1,Crisis lines,local\nt2,Hotlines,local\n",
            "services_taxonomy.csv": "id,service_id,taxonomy_id\ns1,s1,t1\ns1,s1,t2\n",
        }
    )
    (helpline,), _ = read_all(folder)
    assert helpline.draft["languages"] == ["English", "Spanish", "Haitian Creole"]
    assert helpline.draft["accessibility"] == ["Wheelchair accessible entrance", "Braille signage"]
    assert [t["code"] for t in helpline.draft["taxonomy"]] == ["t1", "t2"]


def test_holiday_schedules_are_kept_as_hours_text(make_package):
    folder = make_package(
        {
            "services.csv": "id,name\ns1,Pantry\n",
            "regular_schedules.csv": "id,service_id,weekday,opens_at,closes_at\n"
            ",s1,1,09:00,17:00\n",
            "holiday_schedules.csv": """
            id,service_id,closed,opens_at,closes_at,start_date,end_date
            ,s1,true,,,2019-12-24,2019-12-26
            ,s1,false,10:00,14:00,2019-12-31,2019-12-31
        """,
        }
    )
    (pantry,), _ = read_all(folder)
    assert pantry.draft["hours"]["text"] == "closed 2019-12-24/2019-12-26\n2019-12-31 10:00-14:00"
    assert pantry.draft["hours"]["intervals"] == [{"day": "1", "opens": "09:00", "closes": "17:00"}]


@pytest.mark.shared_data
def test_sniff_finds_packages_in_data_zips_and_one_folder_down(shared_data, tmp_path):
    transformer = shared_data / "openreferral-hsds-transformer-output"
    assert sniff(transformer)
    assert sniff(transformer / "datapackage.json")
    assert sniff(shared_data / "openreferral-hsds3-examples")  # its csv/ folder
    archive = tmp_path / "package.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for file in sorted(transformer.rglob("*.csv")):
            zipped.write(file, f"export/{file.relative_to(transformer).as_posix()}")
    assert sniff(archive)
    records, _ = read_all(archive)
    assert len(records) == len(read_all(transformer)[0]) > 0
    assert not sniff(shared_data / "gtfs-bart-2018" / "bart.zip")


@pytest.mark.shared_data
def test_a_folder_of_several_packages_names_them(shared_data):
    parent = shared_data / "openreferral-sample-HSDS-datapackage"
    assert [p.name for p in packages_in(parent)] == ["all_resources", "simple"]
    with pytest.raises(SourceError, match=r"2 HSDS packages \(all_resources, simple\)"):
        read_all(parent)


def test_a_zip_larger_unpacked_than_the_limit_is_refused(make_package, tmp_path, monkeypatch):
    folder = make_package({"services.csv": "id,name\ns1," + "x" * 4096 + "\n"})
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.write(folder / "services.csv", "services.csv")
    assert len(read_all(archive)[0]) == 1
    monkeypatch.setattr(hsds_tabular, "MAX_UNPACKED_BYTES", 1024)
    with pytest.raises(SourceError, match="unpacks to more than"):
        read_all(archive)
