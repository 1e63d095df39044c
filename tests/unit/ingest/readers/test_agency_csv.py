"""Tests for the agency CSV reader: the mapping format, iCarol 211 and the SAMHSA MOUD list."""

import csv
import io
import json
from collections import Counter
from pathlib import Path

import pytest

from ingest.problems import Problem, SourceError
from ingest.readers import ReadOptions, detect
from ingest.readers.agency_csv import FLATTEN_DEPTH, READER, SHIPPED_MAPPINGS, json_rows
from ingest.readers.files import address_digest, split_values
from ingest.record import Record

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "mappings"
HOMES_CSV, HOMES_MAPPING = FIXTURES / "recovery-homes.csv", FIXTURES / "recovery-homes.toml"


def read_all(path: Path, mapping: Path | str) -> tuple[dict[str, Record], list[Problem]]:
    """Read a CSV through a mapping; return its records by key (first of a repeated key)."""
    out = list(READER.read(path, ReadOptions(mapping=Path(mapping))))
    records: dict[str, Record] = {}
    for record in (o for o in out if isinstance(o, Record)):
        records.setdefault(record.key, record)
    return records, [o for o in out if isinstance(o, Problem)]


@pytest.fixture
def sf_211(shared_data) -> Path:
    return shared_data / "sfbrigade-sf-openreferral-data" / "211" / "sf_only.csv"


@pytest.fixture(scope="module")
def homes() -> dict[str, Record]:
    return read_all(HOMES_CSV, HOMES_MAPPING)[0]


def write_mapping(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "agency.toml"
    path.write_text(text)
    return path


# -- the mapping format, on a hand-written spreadsheet


def test_columns_fill_draft_fields_with_values_as_written(homes):
    draft = homes["RH-001"].draft

    assert draft["name"] == "Harbor House"
    assert draft["organization"] == {"name": "Harbor Recovery Inc", "id": "HR"}
    assert draft["address"] == {
        "region": "WA",
        "country": "US",
        "street": "12 Pier St",
        "city": "Seattle",
        "postal_code": "98101",
    }
    assert draft["location"] == {"lat": "47.6101", "lon": "-122.3421"}
    assert draft["phones"] == [
        {"number": "(206) 555-0100"},
        {"number": "206-555-0101", "type": "fax"},
    ]
    assert draft["languages"] == ["English, Spanish"]  # one item: the normalizer splits it
    assert draft["capacity"] == {"available": "2", "total": "8", "as_of": "2026-11-30 14:00"}
    assert (draft["hours"], draft["narr_level"], draft["status"]) == (
        {"text": "Mon-Fri 9-5"},
        "II",
        "active",
    )
    assert (draft["kind"], draft["weekday_base"]) == ("service", "iso")
    assert "Dana" not in draft.values()  # the unmapped Intake Contact column is not read


def test_empty_cells_set_nothing(homes):
    draft = homes["RH-002"].draft

    assert draft["phones"] == [{"number": "253-555-0188"}]  # no fax on this row
    assert "location" not in draft and "capacity" not in draft and "languages" not in draft


def test_taxonomy_values_are_crosswalked_or_kept_as_keywords(homes):
    assert homes["RH-001"].draft["taxonomy"] == [
        {"scheme": "resdir", "code": "housing.recovery_residence"}
    ]
    assert homes["RH-002"].draft["taxonomy"] == [
        {"scheme": "resdir", "code": "housing.shelter"},
        {"scheme": "keyword", "name": "Food pantry"},
    ]
    assert homes["RH-003"].draft["taxonomy"] == [
        {"scheme": "resdir", "code": "housing.recovery_residence"},
        {"scheme": "keyword", "name": "Women"},
    ]
    # a crosswalk key with a comma in it is not split
    assert homes["RH-004"].draft["taxonomy"] == [{"scheme": "resdir", "code": "transport.nemt"}]


def test_split_values_splits_on_semicolons_and_commas_but_keeps_known_values_whole():
    known = {"shelters, emergency": "housing.shelter"}

    assert split_values("Shelters, Emergency; Food, Clothing;", known) == [
        "Shelters, Emergency",
        "Food",
        "Clothing",
    ]
    assert split_values("  ", known) == []


def test_facts_are_yes_no_or_left_unknown(homes):
    source = "recovery-homes.csv column MOUD Policy"

    assert homes["RH-001"].draft["facts"] == [
        {"code": "accepts_moud", "value": "yes", "source": source, "note": "Ask about methadone"}
    ]
    assert homes["RH-002"].draft["facts"] == [  # "  NONE  " matches "None"
        {"code": "accepts_moud", "value": "no", "source": source}
    ]
    assert "facts" not in homes["RH-003"].draft  # "Case by case" is neither: unknown


def test_a_row_without_a_key_is_yielded_with_an_error_to_be_quarantined(homes):
    record = homes["line-5"]

    assert record.draft["name"] == "Unlabelled row"
    assert [(p.type, p.severity, p.line) for p in record.problems] == [("missing-key", "error", 5)]


def test_a_repeated_key_is_passed_on_for_the_pipeline_to_make_unique(tmp_path):
    twice = tmp_path / "twice.csv"
    twice.write_text("id,name\nA,first\nA,second\n")
    mapping = write_mapping(tmp_path, '[source]\nkey = "id"\n[fields]\nname = "name"\n')
    out = list(READER.read(twice, ReadOptions(mapping=mapping)))
    assert [(r.key, r.draft["name"], r.problems) for r in out if isinstance(r, Record)] == [
        ("A", "first", []),
        ("A", "second", []),
    ]


def test_unmapped_columns_are_reported_once_each():
    _, problems = read_all(HOMES_CSV, HOMES_MAPPING)

    assert [p.message for p in problems] == [
        "column 'Intake Contact' is not mapped and was ignored"
    ]


def test_a_key_of_several_columns_joins_them(tmp_path):
    mapping = write_mapping(
        tmp_path,
        '[source]\nkey = ["Agency ID", "Listing ID"]\n[fields]\nname = ["Nickname", "Program"]\n',
    )
    (tmp_path / "homes.csv").write_text(
        "Agency ID,Listing ID,Program,Nickname\n"
        "HR,RH-001,Harbor House,\n"
        "HR,RH-003,Dawn Place,Dawn\n"
    )

    records, _ = read_all(tmp_path / "homes.csv", mapping)

    # a single field given several columns takes the first non-empty one
    assert {k: r.draft["name"] for k, r in records.items()} == {
        "HR:RH-001": "Harbor House",
        "HR:RH-003": "Dawn",
    }


def test_a_cp1252_csv_is_read_with_a_warning(tmp_path):
    csv_path = tmp_path / "windows.csv"
    csv_path.write_bytes("Listing ID,Program\r\nRH-9,Caf\xe9 Recovery\r\n".encode("cp1252"))
    mapping = write_mapping(tmp_path, '[source]\nkey = "Listing ID"\n[fields]\nname = "Program"\n')

    records, problems = read_all(csv_path, mapping)

    assert records["RH-9"].draft["name"] == "Café Recovery"
    assert [p.message for p in problems] == ["windows.csv is not UTF-8; read as cp1252"]


# -- a mapping that does not fit fails the source before any row is read

VALID = '[source]\nkey = "Listing ID"\n[fields]\nname = "Program"\n'


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        (
            VALID.replace("[fields]", 'required = ["Phone"]\n[fields]') + 'phones = ["Phone"]\n',
            "mapping agency.toml requires column 'Phone', which recovery-homes.csv does not have",
        ),
        (
            VALID.replace('key = "Listing ID"', 'key = ["ID", "Code"]'),
            "mapping agency.toml requires columns 'Code', 'ID', which recovery-homes.csv does not",
        ),
        (
            VALID.replace("[fields]", 'required = ["Phone"]\n[fields]'),
            "[source] required names 'Phone', which no field reads",
        ),
        ("[source]\nkey = \n", "mapping agency.toml is not valid TOML: "),
        ('[fields]\nname = "Program"\n', "mapping agency.toml has no [source] key"),
        (VALID + '"adress.city" = "City"\n', "unknown draft field 'adress.city'"),
        (VALID + '[field]\nname = "Program"\n', "has unknown section 'field'"),
        (
            VALID + '[facts.accepts_methadone]\ncolumn = "MOUD Policy"\nyes = ["All"]\n',
            "[facts.accepts_methadone] is not a resdir attribute code",
        ),
        (
            VALID
            + 'taxonomy = "Service Type"\n[crosswalk."Service Type"]\n"Sober living" = "sober"\n',
            "maps 'Sober living' to unknown need 'sober'",
        ),
        ('[source]\nkey = "Listing ID"\nkind = "event"\n', "kind 'event' is not one of"),
    ],
)
def test_a_mapping_that_does_not_fit_fails_the_source_in_one_line(tmp_path, mapping, message):
    path = write_mapping(tmp_path, mapping)
    rows = READER.read(HOMES_CSV, ReadOptions(mapping=path))

    with pytest.raises(SourceError) as failure:
        next(rows)  # the first thing the reader does: no record comes out first

    assert message in str(failure.value)
    assert "\n" not in str(failure.value)


def test_a_missing_mapping_or_no_mapping_fails_the_source(tmp_path):
    with pytest.raises(SourceError, match="cannot read mapping"):
        read_all(HOMES_CSV, tmp_path / "absent.toml")
    with pytest.raises(SourceError, match="needs a mapping file"):
        list(READER.read(HOMES_CSV, ReadOptions()))


def test_sniff_claims_csv_files_only():
    assert READER.sniff(HOMES_CSV)
    assert not READER.sniff(HOMES_MAPPING)
    assert not READER.sniff(FIXTURES)


# -- iCarol 211 through the shipped mapping


@pytest.mark.shared_data
def test_icarol_export_gives_one_record_per_row_with_unique_keys(sf_211):
    records, problems = read_all(sf_211, "icarol")

    assert len(records) == 2824
    assert not [p for r in records.values() for p in r.problems]
    assert {p.type for p in problems} == {"unknown-column"}
    assert "column 'Custom_rqa' is not mapped and was ignored" in [p.message for p in problems]
    assert sum(r.draft["status"] == "Inactive" for r in records.values()) == 368


@pytest.mark.shared_data
def test_an_icarol_site_without_a_phone_has_its_agencys_phones_as_the_organizations(sf_211):
    records = read_all(sf_211, SHIPPED_MAPPINGS / "icarol.toml")[0]
    site, agency = records["10595117"].draft, records["10595116"].draft

    assert "phones" not in site
    assert site["organization"]["phones"] == agency["phones"]
    assert [p["number"] for p in site["organization"]["phones"]] == ["415-561-5533", "415-561-5535"]
    assert "phones" not in agency.get("organization", {})  # an agency row names no parent row


@pytest.mark.shared_data
def test_icarol_recovery_residence_program_reads_as_a_person_would_see_it(sf_211):
    draft = read_all(sf_211, SHIPPED_MAPPINGS / "icarol.toml")[0]["10605215"].draft

    assert draft["name"] == "GOOD SHEPHERD GRACENTER'S RECOVERY RSIDENCE"
    assert draft["organization"] == {
        "name": "GOOD SHEPHERD GRACENTER",
        "phones": [  # its agency's own row's (ParentAgencyNum)
            {"number": "415-337-1938", "description": "Main"},
            {"number": "415-337-1938", "description": "Intake"},
            {"number": "415-337-4668", "type": "fax"},
        ],
    }
    assert draft["status"] == "Active"
    assert draft["address"] == {
        "street": "1310 BACON STREET",
        "city": "SAN FRANCISCO",
        "postal_code": "94134",
        "country": "United States",
    }
    assert draft["location"] == {"lat": "37.720541", "lon": "-122.408801"}
    assert draft["hours"] == {"text": "Monday-Friday, 9-5"}  # HoursOfOperation before Hours
    assert draft["phones"] == [
        {"number": "415-337-1938", "description": "Intake"},
        {"number": "415-337-1938", "description": "Main"},
        {"number": "415-337-4668", "description": "Fax"},
    ]
    assert draft["eligibility"] == {"text": "Woman (age18-35) with drug or alcohol addiction"}
    assert (draft["next_steps"], draft["cost"]) == (
        "Apply by phone",
        {"text": "Vary according to income"},
    )
    assert draft["taxonomy"] == [
        {"scheme": "airs", "code": "RX-8450.7000-700 * YS-2000.9500"},
        {"scheme": "airs", "code": "RX-8450.7000-750 * YS-2000.9500"},
    ]
    assert (draft["last_verified_at"], draft["updated_at"]) == ("5/3/13", "5/3/13")


@pytest.mark.shared_data
def test_icarol_agency_row_has_typed_phones_and_a_keyword_term(sf_211):
    records, _ = read_all(sf_211, "icarol")
    agency = records["10598671"].draft

    assert agency["name"] == "WOMAN, INC."
    assert agency["phones"][0] == {"number": "415-864-4777", "description": "Main"}
    assert agency["phones"][-1] == {"number": "415-864-1082", "type": "fax"}
    assert agency["taxonomy"] == [{"scheme": "keyword", "name": "Domestic Violence Issues"}]
    assert agency["accessibility"] == [
        "Restroom accessible; All floors accessible; Building entrance accessible;"
    ]
    assert records["10599667"].draft["status"] == "Inactive"
    # ProgramAtSite rows have no PublicName: the agency's name stands in
    assert records["10614577"].draft["name"] == "BAR ASSOCIATION OF SAN FRANCISCO"


def test_a_column_the_csv_lacks_is_one_warning_and_reads_as_empty(tmp_path):
    mapping = write_mapping(
        tmp_path, VALID + 'phones = ["Phone", "Fax"]\n"hours.text" = ["Office Hours", "Hours"]\n'
    )

    records, problems = read_all(HOMES_CSV, mapping)

    draft = records["RH-001"].draft
    assert (draft["name"], draft["hours"]) == ("Harbor House", {"text": "Mon-Fri 9-5"})
    assert draft["phones"] == [{"number": "206-555-0101"}]
    missing = [p.message for p in problems if p.type == "missing-column"]
    assert missing == [
        "columns 'Office Hours', 'Phone' of mapping agency.toml are not in recovery-homes.csv; "
        "read as empty"
    ]


# -- iCarol exports of any version: variants of the real San Francisco header


def icarol_variant(sf_211: Path, tmp_path: Path, drop=(), extra=(), reverse=False) -> Path:
    """Write the real iCarol export again without the columns `drop` names (exact names, or
    prefixes ending in "*"), with `extra` columns (empty) added, in reverse order if asked."""
    rows = list(csv.reader(io.StringIO(sf_211.read_text("utf-8-sig"), newline="")))

    def dropped(column: str) -> bool:
        return any(column.startswith(d[:-1]) if d.endswith("*") else column == d for d in drop)

    keep = [i for i, column in enumerate(rows[0]) if not dropped(column)]
    if reverse:
        keep.reverse()
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow([rows[0][i] for i in keep] + list(extra))
    writer.writerows([row[i] for i in keep] + [""] * len(extra) for row in rows[1:])
    path = tmp_path / "export.csv"
    path.write_text(out.getvalue(), "utf-8")
    return path


def read_detected(path: Path) -> tuple[dict[str, Record], list[Problem]]:
    """Read a CSV through the reader `detect` picks without --format or --mapping."""
    out = list(detect(path).read(path, ReadOptions()))
    records = {o.key: o for o in out if isinstance(o, Record)}
    return records, [o for o in out if isinstance(o, Problem)]


@pytest.mark.shared_data
def test_an_icarol_export_is_recognised_by_its_header_without_a_mapping(sf_211):
    by_header, problems = read_detected(sf_211)
    by_mapping, _ = read_all(sf_211, "icarol")

    assert {k: r.draft for k, r in by_header.items()} == {k: r.draft for k, r in by_mapping.items()}
    assert {p.type for p in problems} == {"unknown-column"}


@pytest.mark.shared_data
@pytest.mark.parametrize(
    ("drop", "missing"),
    [
        (("Phone5Name", "Tax"), "columns 'Phone5Name', 'Tax'"),
        (("Phone4*", "Phone5*", "PhoneNumber*"), "columns 'Phone4Name', 'Phone4Number', "),
        (("Physical*", "Latitude", "Longitude"), "columns 'Latitude', 'Longitude', "),
        (("Eligibility*", "Hours*", "TaxonomyCodes"), "columns 'Eligibility', 'Hours', "),
    ],
)
def test_an_icarol_export_of_another_version_reads_with_one_warning(
    sf_211, tmp_path, drop, missing
):
    export = icarol_variant(sf_211, tmp_path, drop, extra=("CustomField2025",), reverse=True)

    records, problems = read_detected(export)

    assert len(records) == 2824
    residence = records["10605215"].draft
    assert residence["name"] == "GOOD SHEPHERD GRACENTER'S RECOVERY RSIDENCE"
    assert residence["phones"][0] == {"number": "415-337-1938", "description": "Intake"}
    [warning] = [p.message for p in problems if p.type == "missing-column"]
    assert warning.startswith(missing) and warning.endswith(
        "of mapping icarol.toml are not in export.csv; read as empty"
    )
    unused = {p.message for p in problems if p.type == "unknown-column"}
    assert "column 'CustomField2025' is not mapped and was ignored" in unused


@pytest.mark.shared_data
def test_a_column_an_icarol_export_lacks_changes_nothing_else(sf_211, tmp_path):
    original = read_all(sf_211, "icarol")[0]["10605215"].draft
    export = icarol_variant(sf_211, tmp_path, ("Phone5Name", "Tax", "Custom_rqa", "Max Of rowid"))

    draft = read_detected(export)[0]["10605215"].draft

    assert draft == original


@pytest.mark.shared_data
@pytest.mark.parametrize("required", ["ResourceAgencyNum", "PublicName"])
def test_an_icarol_export_without_a_required_column_is_refused_in_one_line(
    sf_211, tmp_path, required
):
    export = icarol_variant(sf_211, tmp_path, (required,))

    with pytest.raises(SourceError) as failure:
        read_all(export, "icarol")

    assert str(failure.value) == (
        f"mapping icarol.toml requires column '{required}', which export.csv does not have"
    )
    with pytest.raises(SourceError, match="not in a known format"):
        detect(export)  # no longer an iCarol export by its header


@pytest.mark.shared_data
def test_a_few_icarol_column_names_do_not_make_an_icarol_export(sf_211, tmp_path):
    export = tmp_path / "export.csv"
    export.write_text("ResourceAgencyNum,PublicName,Street,City\n1,Harbor House,1 Pier St,SF\n")

    with pytest.raises(SourceError, match="needs --mapping"):
        detect(export)
    assert detect(HOMES_CSV, "csv", HOMES_MAPPING).read is READER.read


# -- SAMHSA MOUD providers, mapped as the header says


@pytest.mark.shared_data
def test_samhsa_moud_rows_pass_through_as_labelled(shared_data):
    path = shared_data / "oeps-samhsa-moud-providers" / "us-wide-moudsCleaned.csv"
    records, _ = read_all(path, FIXTURES / "samhsa-moud.toml")
    moud = [
        r
        for r in READER.read(path, ReadOptions(mapping=FIXTURES / "samhsa-moud.toml"))
        if isinstance(r, Record)
    ]
    assert len(moud) == 1393
    # the key holds a digest of the street, never the street (the former key did)
    street = address_digest("2695 South 4th Street")
    imperial = records[f"County of Imperial:{street}:92243:buprenorphine"]
    assert imperial.former_key == "County of Imperial:2695 South 4th Street:92243:buprenorphine"
    imperial = imperial.draft
    abc = records[
        f"ABC Recovery Center Inc:{address_digest('44374 Palm Street')}:92201:buprenorphine"
    ]
    abc = abc.draft

    assert len(records) == 1391  # two providers are listed twice
    # the header's "Latitude" holds longitudes: passed through, for the normalizer to unswap
    assert imperial["location"] == {"lat": "-115.5509702", "lon": "32.7682958"}
    assert imperial["facts"] == [
        {
            "code": "accepts_moud",
            "value": "yes",
            "source": "us-wide-moudsCleaned.csv column category",
        }
    ]
    assert abc["address"]["street2"] == "NA"  # the literal NA is left raw
    assert all(r.draft["facts"][0]["value"] == "yes" for r in records.values())
    # the same provider is listed twice; the reader passes both on under the same key
    keys = Counter(r.key for r in moud)
    street = address_digest("601 Steiner Street")
    assert [k for k, n in keys.items() if n > 1] == [
        f"Ohlhoff Recovery Programs:{street}:94117:buprenorphine",
        f"Ohlhoff Recovery Programs:{street}:94117:naltrexone/vivitrol",
    ]


# --- JSON records through a mapping ---------------------------------------------------------

CCLD_JSON = Path("sf-childcare-ccld") / "childcare_all_coordinates.json"
CCLD_MAPPING = FIXTURES / "ccld-childcare-json.toml"


def test_json_records_are_rows_named_by_their_dotted_paths():
    collection = {
        "type": "FeatureCollection",
        "features": [
            {
                "properties": {"name": "Pit Stop", "open": True, "beds": 12.0, "fee": 2.5},
                "geometry": {"type": "Point", "coordinates": [-122.4194, 37.7749]},
                "languages": ["English", None, "Spanish"],
            },
            "not a record",
        ],
    }
    assert list(json_rows(collection, "pits.geojson")) == [
        (
            1,
            {
                "properties.name": "Pit Stop",
                "properties.open": "true",
                "properties.beds": "12",
                "properties.fee": "2.5",
                "geometry.type": "Point",
                "geometry.coordinates": "-122.4194; 37.7749",
                "geometry.coordinates.0": "-122.4194",
                "geometry.coordinates.1": "37.7749",
                "languages": "English; Spanish",
                "languages.0": "English",
                "languages.1": "",
                "languages.2": "Spanish",
            },
        ),
        (2, "not a record"),
    ]
    assert [row for _, row in json_rows({"data": [{"id": 7}], "count": 1}, "x.json")] == [
        {"id": "7"}
    ]


@pytest.mark.parametrize("data", [{"a": 1}, {"a": [{}], "b": [{}]}, "text", 7])
def test_json_without_one_list_of_records_is_refused(data):
    with pytest.raises(SourceError, match=r"x\.json holds no list of records"):
        list(json_rows(data, "x.json"))


def test_an_item_that_is_no_record_is_quarantined_and_the_others_read(tmp_path):
    path = tmp_path / "homes.json"
    path.write_text(json.dumps([{"ID": "1", "Name": "A"}, "B", {"ID": "3", "Name": "C"}]))
    mapping = write_mapping(tmp_path, '[source]\nkey = "ID"\n[fields]\nname = "Name"\n')
    out = [o for o in READER.read(path, ReadOptions(mapping=mapping)) if isinstance(o, Record)]
    assert [(r.key, r.draft.get("name")) for r in out] == [("1", "A"), ("line-2", None), ("3", "C")]
    assert [p.type for p in out[1].problems] == ["not-a-record"]


def test_a_deep_record_stops_being_columns_at_a_depth(tmp_path):
    deep: dict = {"leaf": 1}
    for _ in range(20):
        deep = {"d": deep}
    [(_, row)] = list(json_rows([deep], "x.json"))
    [(column, value)] = row.items()
    assert column.count(".") == FLATTEN_DEPTH - 1 and value.startswith('{"d": ')


def test_a_licensing_list_as_json_reads_through_a_mapping_like_a_csv(shared_data):
    raw = json.loads((shared_data / CCLD_JSON).read_text(encoding="utf-8"))
    records, problems = read_all(shared_data / CCLD_JSON, CCLD_MAPPING)
    assert len(records) == len({r["facility_number"] for r in raw})
    first = raw[0]
    record = records[str(int(first["facility_number"]))]  # 380500086.0: a whole number
    assert record.draft["name"] == first["facility_name"]
    assert record.draft["capacity"]["total"] == str(int(first["facility_capacity"]))
    jittered = [r for r in raw if r["tags"]["coordinates_jittered"]]
    flags = {
        records[str(int(r["facility_number"]))].draft["approximate_location"] for r in jittered
    }
    assert flags == {"true"}
    assert not [p for p in problems if p.type == "missing-column"]


def test_a_mapping_fills_the_organizations_phones_from_columns(tmp_path):
    csv_path = tmp_path / "programs.csv"
    csv_path.write_text("ID,Program,Agency,Phone,Agency Phone\n1,Night Line,Harbor,,415-555-0101\n")
    mapping = write_mapping(
        tmp_path,
        '[source]\nkey = "ID"\n[fields]\nname = "Program"\n"organization.name" = "Agency"\n'
        'phones = "Phone"\n"organization.phones" = [{ column = "Agency Phone", type = "voice" }]\n',
    )
    draft = read_all(csv_path, mapping)[0]["1"].draft
    assert "phones" not in draft
    assert draft["organization"] == {
        "name": "Harbor",
        "phones": [{"number": "415-555-0101", "type": "voice"}],
    }
