"""CSV as people write it: every encoding, delimiter and line ending gives the same records."""

import csv
import io
from pathlib import Path

import pytest

from ingest.problems import Problem
from ingest.readers import ReadOptions, detect
from ingest.record import Record

SEED = Path(__file__).resolve().parents[4] / "data" / "seed"
RESIDENCES = SEED / "residences.mapping.toml"
# Accents a Spanish-speaking group or agency writes, put into the real files' first rows.
ACCENTED = {"After Work Topic Meeting": "Reunión de Señoras", "Casa Excelsior": "Casa Año Nuevo"}


def accented(path: Path) -> str:
    """Return a real CSV's text with accented names, as rows (lists) re-written by `csv`."""
    text = path.read_text("utf-8-sig")
    for plain, spanish in ACCENTED.items():
        text = text.replace(plain, spanish)
    return text


def rewrite(text: str, delimiter: str = ",", newline: str = "\r\n") -> str:
    """Return CSV text written again with another delimiter or line ending."""
    rows = list(csv.reader(io.StringIO(text, newline="")))
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=delimiter, lineterminator=newline).writerows(rows)
    return out.getvalue()


VARIANTS = {
    "utf-8 with BOM": lambda text: text.encode("utf-8-sig"),
    "utf-16 LE with BOM": lambda text: text.encode("utf-16"),
    "utf-16 BE with BOM": lambda text: b"\xfe\xff" + text.encode("utf-16-be"),
    "cp1252": lambda text: text.encode("cp1252"),
    "latin-1": lambda text: text.encode("latin-1"),
    "semicolons": lambda text: rewrite(text, ";").encode(),
    "tabs": lambda text: rewrite(text, "\t").encode(),
    "semicolons in cp1252": lambda text: rewrite(text, ";").encode("cp1252"),
    "CR-only line endings": lambda text: rewrite(text, newline="\r").encode(),
}
NOT_UTF8 = {
    "utf-16 LE with BOM": "utf-16",
    "utf-16 BE with BOM": "utf-16",
    "cp1252": "cp1252",
    "latin-1": "cp1252",
    "semicolons in cp1252": "cp1252",
}


def read(path: Path, mapping: Path | None = None) -> tuple[list[tuple], list[str]]:
    """Detect a file's reader and read it: (key, draft) of each record, and the file's problems."""
    reader = detect(path, "auto" if mapping is None else "csv", mapping)
    out = list(reader.read(path, ReadOptions(mapping=mapping)))
    records = [(r.key, r.draft) for r in out if isinstance(r, Record)]
    return records, [p.message for p in out if isinstance(p, Problem)]


@pytest.fixture(params=sorted(VARIANTS))
def variant(request) -> str:
    return request.param


@pytest.mark.shared_data
def test_a_meeting_list_csv_reads_the_same_whatever_its_encoding_and_dialect(
    shared_data, tmp_path, variant
):
    text = accented(shared_data / "code4recovery-12-step-meeting-list" / "template.csv")
    (tmp_path / "original").mkdir()
    original, written = tmp_path / "original" / "meetings.csv", tmp_path / "meetings.csv"
    original.write_text(text, "utf-8")
    written.write_bytes(VARIANTS[variant](text))

    expected, _ = read(original)
    records, problems = read(written)

    assert len(expected) == 36
    assert records == expected
    assert "Reunión de Señoras" in [draft["name"] for _, draft in records]
    encoding = NOT_UTF8.get(variant)
    assert problems == ([f"meetings.csv is not UTF-8; read as {encoding}"] if encoding else [])


def test_an_agency_csv_reads_the_same_whatever_its_encoding_and_dialect(tmp_path, variant):
    text = accented(SEED / "residences.csv")
    (tmp_path / "original").mkdir()  # the same file name: facts name the file they come from
    original, written = tmp_path / "original" / "residences.csv", tmp_path / "residences.csv"
    original.write_text(text, "utf-8")
    written.write_bytes(VARIANTS[variant](text))

    expected, _ = read(original, RESIDENCES)
    records, problems = read(written, RESIDENCES)

    assert len(expected) == 38
    assert records == expected
    assert "Casa Año Nuevo" in [draft["name"] for _, draft in records]
    encoding = NOT_UTF8.get(variant)
    assert problems == ([f"residences.csv is not UTF-8; read as {encoding}"] if encoding else [])


@pytest.mark.parametrize(
    ("places", "encoding"),
    [
        # Cyrillic is not read as Western text
        ([("Кафе Звезда", "Москва"), ("Дом Надежды", "Санкт-Петербург")], "cp1251"),
        ([("Café Señora", "San José"), ("Casa Año Nuevo", "Cañon City")], "cp1252"),
    ],
)
def test_text_in_a_legacy_code_page_is_read_in_it(tmp_path, places, encoding):
    path = tmp_path / "names.csv"
    rows = "".join(f"{name},{city}\n" for name, city in places)
    path.write_bytes(f"Name,City\n{rows}".encode(encoding))
    mapping = tmp_path / "names.toml"
    mapping.write_text('[source]\nkey = "Name"\n[fields]\nname = "Name"\n"address.city" = "City"\n')

    records, problems = read(path, mapping)

    assert [(draft["name"], draft["address"]["city"]) for _, draft in records] == places
    assert problems == [f"names.csv is not UTF-8; read as {encoding}"]


def test_a_comma_file_with_semicolons_in_its_cells_stays_a_comma_file(tmp_path):
    path = tmp_path / "homes.csv"
    path.write_text(
        "Name,Category,Languages\n"
        "Harbor House,Sober living; Shelter,English; Spanish\n"
        "Dawn,Shelter;Housing,Tagalog;English\n"
    )
    mapping = tmp_path / "homes.toml"
    mapping.write_text('[source]\nkey = "Name"\n[fields]\nname = "Name"\nlanguages = "Languages"\n')

    records, _ = read(path, mapping)

    languages = [draft["languages"] for _, draft in records]
    assert languages == [["English; Spanish"], ["Tagalog;English"]]
