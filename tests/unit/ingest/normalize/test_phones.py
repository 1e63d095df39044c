"""Phone numbers as real feeds write them, read into E.164 numbers with extension and type."""

import pytest

from ingest.manifest import SourceSpec
from ingest.normalize.phones import normalize_phone, split_phone_list
from ingest.pipeline import check_record
from ingest.readers import ReadOptions
from ingest.readers.files import csv_rows, load_json, read_text
from ingest.readers.meeting_guide import JSON_READER
from ingest.record import Record
from resdir.model import PhoneSchema


@pytest.mark.parametrize(
    ("number", "extension", "expected_number", "expected_extension"),
    [
        ("650 780-7525", None, "+16507807525", None),
        ("415-753-7690", None, "+14157537690", None),
        ("4155633205", "123", "+14155633205", "123"),
        ("650 403-4300", "Ext 4322", "+16504034300", "4322"),
        ("650 403-4300 ext. 4322", None, "+16504034300", "4322"),
        ("(510)533-0800x225", None, "+15105330800", "225"),
        ("800 545-1833 (Ext. 478)", None, "+18005451833", "478"),
        ("(925)522-0124x0", None, "+19255220124", None),  # x0 is the operator, not an extension
        ("(800) AGE-DIAL", None, "+18002433425", None),
        ("800-482-4TDD", None, "+18004824833", None),
        ('"+44 1234 234567"', "100", "+441234234567", "100"),  # HSDS 3.0 example, quotes and all
        ("1-800-273-6222", None, "+18002736222", None),
        ("(415) 554-8494.", None, "+14155548494", None),
        ("415-282-3334 ext 117 or 125", None, "+14152823334", "117"),
    ],
)
def test_numbers_and_extensions(number, extension, expected_number, expected_extension):
    phone, problems = normalize_phone(number, extension)
    assert (phone["number"], phone["extension"]) == (expected_number, expected_extension)
    assert problems == []
    assert PhoneSchema().validate(phone) == {}


@pytest.mark.parametrize(
    "dial_string",
    ["+16699009128,,71771828957#", "+16699009128,,71771828957#,,#,,777644#", "6699009128,,123#"],
)
def test_a_conference_dial_string_keeps_the_number_and_drops_the_meeting_id(dial_string):
    phone, problems = normalize_phone(dial_string)
    assert phone["number"] == "+16699009128"
    assert phone["extension"] is None
    assert problems == []


def test_a_country_prefix_written_twice_is_read_once():
    phone, _ = normalize_phone("+1+16699006833,,87293975903#")
    assert phone["number"] == "+16699006833"


@pytest.mark.parametrize("code", ["611", "911", "211", "(311)    -", "(   ) 911-"])
def test_service_codes_are_dropped_with_a_problem_that_says_why(code):
    phone, problems = normalize_phone(code)
    assert phone is None
    assert [p.type for p in problems] == ["invalid-value"]
    assert "three-digit service code" in problems[0].message


@pytest.mark.parametrize(
    "number", ["(410)    -", "(410) 526-985", "555-555-4567", "+11", "(3  )    -"]
)
def test_numbers_that_cannot_be_dialled_are_dropped_with_invalid_phone(number):
    phone, problems = normalize_phone(number)
    assert phone is None
    assert [(p.type, p.field) for p in problems] == [("invalid-phone", "phones")]


@pytest.mark.parametrize("empty", ["", None, "   ", "(   ) -  -"])
def test_an_empty_cell_or_blank_template_is_no_phone_and_no_problem(empty):
    assert normalize_phone(empty) == (None, [])


@pytest.mark.parametrize(
    ("declared", "description", "expected"),
    [
        ("voice", None, "voice"),
        ("fax", None, "fax"),
        ("tty", None, "tty"),
        ("TTY", None, "tty"),
        ("textphone", None, "tty"),
        ("hotline", None, "hotline"),
        ("toll free", None, "toll_free"),
        ("Phone 1", None, "voice"),
        ("text", None, "text"),
        ("sms", None, "text"),
        ("cell", None, "voice"),
        ("voice", "TTY", "tty"),  # Baltimore: number_type voice, department TTY
        ("voice", "Hotline (410) 889-RUTH", "hotline"),
        (None, "Text or call", "voice"),  # a description names a type only when unambiguous
    ],
)
def test_type_words(declared, description, expected):
    phone, _ = normalize_phone("650 403-4300", type=declared, description=description)
    assert phone["type"] == expected


def test_a_toll_free_number_is_typed_toll_free_by_its_prefix():
    phone, _ = normalize_phone("(800) 370-LEAD", type="voice")
    assert phone["type"] == "toll_free"


def test_notes_around_the_number_become_its_description():
    phone, _ = normalize_phone("650 839-1734 (Redwood City)", type="fax")
    assert (phone["number"], phone["type"], phone["description"]) == (
        "+16508391734",
        "fax",
        "Redwood City",
    )
    labelled, _ = normalize_phone("Intake: (925)522-0124x0")
    assert labelled["description"] == "Intake"
    word, _ = normalize_phone("415-563-1790 ext. fax")
    assert (word["type"], word["extension"]) == ("fax", None)
    generic, _ = normalize_phone("650 403-4300", description="Phone 2")
    assert generic["description"] is None


def test_split_a_cell_of_several_numbers_with_labels_and_notes():
    assert split_phone_list("(925)522-0124 Intake: (925)522-0124x0") == [
        "(925)522-0124",
        "Intake: (925)522-0124x0",
    ]
    assert split_phone_list("(626)858-9500 Intakes: (661)288-2644 (818)779-0555") == [
        "(626)858-9500",
        "Intakes: (661)288-2644",
        "Intakes: (818)779-0555",
    ]
    assert split_phone_list("(415) 749-2968 or 800-447-8223 (toll-free, 24 hrs)") == [
        "(415) 749-2968",
        "800-447-8223 (toll-free, 24 hrs)",
    ]
    # A truncated number the matcher skips is still returned, so it is reported, not lost.
    assert split_phone_list("(760)305-7528 Intakes: (760)305-7528x76030 (760)936-")[-1] == (
        "(760)936-"
    )
    assert split_phone_list("650 780-7525") == ["650 780-7525"]
    assert split_phone_list("") == []


@pytest.mark.shared_data
def test_baltimore_phones(shared_data):
    """Baltimore's 7,157 phones: vanity numbers read, empty templates and N11 codes dropped."""
    text = read_text(shared_data / "bchd-baltimore-charmcare-icarol" / "phones.csv", [])
    rows = {row["id"]: row for _, row in csv_rows(text)}
    results = {
        key: normalize_phone(r["number"], r["extension"], r["number_type"], r["department"])
        for key, r in rows.items()
    }
    valid = sum(phone is not None for phone, _ in results.values())
    assert len(rows) == 7157
    assert valid >= 7100  # 7,116 when written
    assert results["915"][0]["number"] == "+18002433425"  # (800) AGE-DIAL
    assert results["118"][0]["type"] == "tty"  # department "TTY"
    assert results["2052"][0] is None  # (711) Maryland Relay
    assert results["2052"][1][0].type == "invalid-value"
    assert results["5735"][1][0].type == "invalid-phone"  # (410) 526-985, a digit short


@pytest.mark.shared_data
def test_methadone_program_contact_cells_split_into_phones(shared_data):
    text = read_text(shared_data / "oeps-samhsa-moud-providers" / "meth-2017.csv", [])
    contact = next(
        row["Contact"]
        for _, row in csv_rows(text)
        if row["Name1"] == "Addiction Research and Treatment Inc"
    )
    phones = [normalize_phone(piece)[0] for piece in split_phone_list(contact)]
    assert [(p["number"], p["extension"], p["description"]) for p in phones] == [
        ("+19255220124", None, None),
        ("+19255220124", None, "Intake"),
    ]


@pytest.mark.shared_data
def test_meeting_feed_conference_phones(shared_data):
    meetings = load_json(shared_data / "code4recovery-tsml-ui-meeting-feeds" / "kc.test.json", [])
    dial = [m["conference_phone"] for m in meetings if m.get("conference_phone")]
    phones = [normalize_phone(d)[0] for d in dial]
    assert len(dial) > 40
    assert all(p and p["extension"] is None for p in phones)
    assert {p["number"] for p in phones} >= {"+13126266799"}


@pytest.mark.shared_data
def test_san_mateo_tty_lines(shared_data):
    services = load_json(shared_data / "ohana-api-smc-historical" / "cip_mvp.json", [])
    ttys = [t for (s,) in services for t in s.get("ttys", [])]
    phones = [normalize_phone(t, type="tty") for t in ttys]
    assert len(ttys) == 115
    # Dropped: four "711" relay codes and one sentence about the other numbers.
    assert sum(phone is None for phone, _ in phones) == 5
    assert {"+18007352929", "+16505580786"} <= {phone["number"] for phone, _ in phones if phone}


@pytest.mark.shared_data
def test_a_meeting_feeds_undialable_entity_phone_is_a_problem_of_the_organizations_phones(
    shared_data,
):
    path = shared_data / "code4recovery-tsml-ui-meeting-feeds" / "atlanta.json"
    spec = SourceSpec(id="atlanta", path=path)
    records = [r for r in JSON_READER.read(path, ReadOptions()) if isinstance(r, Record)]
    (sunday,) = [r for r in records if r.key == "sunday-meeting"]
    doc, problems = check_record(sunday, spec)
    assert doc["organization"]["name"] == "Site Group"
    assert doc["organization"]["phones"] == []  # 555-555-4567: no area code 555
    assert [(p.type, p.field) for p in problems if "phone" in p.type] == [
        ("invalid-phone", "organization.phones")
    ]
