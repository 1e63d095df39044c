"""Language names and codes as real feeds write them, read into ISO 639 codes."""

import pytest

from ingest.normalize.languages import language_codes
from ingest.readers.files import csv_rows, load_json, read_text


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ("Spanish, Tagalog", ["es", "tl"]),
        ("Chinese (Cantonese), Chinese (Mandarin)", ["yue", "zh"]),
        ("Chinese (Cantonese, Mandarin)", ["yue", "zh"]),
        ("Chinese", ["zh"]),
        ("Chinese (Taiwanese)", ["nan"]),
        ("Chinese Spanish", ["zh", "es"]),  # the separator lost
        ("SpanishChinese (Cantonese)", ["es", "yue"]),
        ("Chinese (Cantonese, Mandarin)SpanishTagalogRussian", ["yue", "zh", "es", "tl", "ru"]),
        ("English and Spanish", ["en", "es"]),
        ("Greek & Persian.", ["el", "fa"]),
        ("en, es", ["en", "es"]),
        ("ur", ["ur"]),
        ("Español", ["es"]),
        ("Persian (Farsi)", ["fa"]),
        ("Filipino (Tagalog)", ["tl"]),
        ("Filipino (Cebuano)", ["ceb"]),  # the variety named is the one spoken
        ("ASL", ["ase"]),
        ("A.S.L.", ["ase"]),
        ("American Sign Language", ["ase"]),
        ("Sign Language", ["sgn"]),  # which one is not said
        ("Hindi", ["hi"]),
        ("English only", ["en"]),
        ("Limited Spanish.", ["es"]),
        ("Spanish (Castilian).", ["es"]),
        ("Spanish (Mon only).", ["es"]),  # a remark, not the Mon language
        (["Spanish", "Spanish ", "Vietnamese"], ["es", "vi"]),
        ("None", []),
        ("None.", []),
        ("", []),
        (None, []),
    ],
)
def test_language_codes(values, expected):
    codes, problems = language_codes(values)
    assert codes == expected
    assert problems == []


@pytest.mark.parametrize(
    ("value", "expected", "unknown"),
    [
        ("Spanish, Interpreter", ["es"], ["Interpreter"]),
        ("Chinese (Mien)", [], ["Chinese (Mien)"]),  # not Chinese: an unknown variety
        ("Creole", [], ["Creole"]),  # which creole is not said
        ("Limited", [], ["Limited"]),  # not the Limi language, whose name it starts with
        ("Hindu", [], ["Hindu"]),
        ("Accommodations possible.", [], ["Accommodations possible"]),
        ("Spanish. Accommodations possible.", ["es"], ["Accommodations possible"]),
        # printed material is not a language people speak there
        ("Spanish and Korean brochures.", [], ["Spanish and Korean brochures"]),
        ("Spanish (teaching materials).", [], ["Spanish (teaching materials)"]),
        # a hedge does not say the language is offered
        (
            "Will try to make accommodations for Russian, Hebrew, and Yiddish.",
            [],
            ["Will try to make accommodations for Russian, Hebrew, and Yiddish"],
        ),
        ("AT&T Language Line", [], ["AT&T Language Line"]),
    ],
)
def test_what_is_not_understood_is_reported_not_guessed(value, expected, unknown):
    codes, problems = language_codes(value)
    assert codes == expected
    assert [p.type for p in problems] == ["unknown-language"] * len(unknown)
    assert [p.message for p in problems] == [
        f"{u!r} is not a language resdir knows; dropped" for u in unknown
    ]


@pytest.mark.shared_data
def test_san_mateo_languages_spoken(shared_data):
    """961 services list languages; over nine in ten are read whole."""
    services = load_json(shared_data / "ohana-api-smc-historical" / "cip_mvp.json", [])
    by_name = {s["name"]: s for (s,) in services}
    lists = [s["languages_spoken"] for (s,) in services if s.get("languages_spoken")]
    results = [language_codes(values) for values in lists]
    assert len(lists) == 961
    assert sum(not problems for _, problems in results) >= 880  # 896 when written
    assert sum(bool(codes) for codes, _ in results) >= 910  # 922 when written
    credit = by_name["Consumer Credit Counseling Service of San Francisco."]
    assert language_codes(credit["languages_spoken"]) == (["yue", "zh", "tl", "es"], [])


@pytest.mark.shared_data
def test_ohana_locations_languages(shared_data):
    text = read_text(shared_data / "ohana-api-sample-csv" / "locations.csv", [])
    cells = [row["languages"] for _, row in csv_rows(text) if row["languages"]]
    results = [language_codes(cell) for cell in cells]
    assert len(cells) == 16
    assert all(codes and not problems for codes, problems in results)
    assert language_codes("Cantonese, Russian, Spanish, Tagalog, Taiwanese")[0] == [
        "yue",
        "ru",
        "es",
        "tl",
        "nan",
    ]


@pytest.mark.shared_data
def test_baltimore_language_prose(shared_data):
    """Baltimore writes sentences; the languages named plainly are read, the rest reported."""
    text = read_text(shared_data / "bchd-baltimore-charmcare-icarol" / "services.csv", [])
    cells = [row["languages"] for _, row in csv_rows(text) if row["languages"]]
    results = [language_codes(cell) for cell in cells]
    assert len(cells) == 864
    assert sum(bool(codes) for codes, _ in results) >= 340  # 354 when written
    spanish = sum(codes == ["es"] for codes, _ in results)
    assert spanish >= 190
    asl = sum("ase" in codes for codes, _ in results)
    assert asl >= 30


@pytest.mark.shared_data
def test_san_francisco_211_languages_offered(shared_data):
    text = read_text(shared_data / "sfbrigade-sf-openreferral-data" / "211" / "sf_only.csv", [])
    cells = [row["LanguagesOffered"] for _, row in csv_rows(text) if row["LanguagesOffered"]]
    results = [language_codes(cell) for cell in cells]
    assert len(cells) == 96
    assert sum(not problems for _, problems in results) >= 85  # 87 when written
    assert (["zh", "es"], []) in results  # "Chinese Spanish"
