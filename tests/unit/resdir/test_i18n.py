"""Every text a person reads has its Spanish translation, placeholders intact."""

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from resdir import create_app, vocab
from resdir.i18n import LANGUAGES, label

REPO = Path(__file__).resolve().parents[3]
CATALOG = REPO / "resdir" / "translations" / "{lang}" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None}


def _source_messages() -> set[str | tuple[str, str]]:
    """Return every message the code, the templates and the vocabulary ask to translate."""
    with (REPO / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(REPO), method_map, options_map, keywords=KEYWORDS
    ):
        found.add(message)
    return found


@pytest.mark.parametrize("lang", [code for code in LANGUAGES if code != "en"])
def test_every_text_is_translated_with_its_placeholders(lang):
    with Path(str(CATALOG).replace("{lang}", lang)).open(encoding="utf-8") as handle:
        catalog = read_po(handle)
    missing, broken = [], []
    for message in sorted(_source_messages(), key=str):
        entry = catalog.get(message[0] if isinstance(message, tuple) else message)
        translated = entry and entry.string
        if not translated or (isinstance(translated, tuple) and not all(translated)):
            missing.append(message)
            continue
        originals = message if isinstance(message, tuple) else (message,)
        translations = translated if isinstance(translated, tuple) else (translated,)
        wanted = set(PLACEHOLDER.findall(originals[-1]))
        if any(set(PLACEHOLDER.findall(t)) != wanted for t in translations):
            broken.append(message)
    assert not missing, f"{len(missing)} texts without a {lang} translation: {missing[:10]}"
    assert not broken, f"translations whose placeholders differ: {broken[:10]}"


def test_the_vocabulary_speaks_spanish_when_asked(tmp_path):
    app = create_app({"DATABASE": str(tmp_path / "db.sqlite3")})
    with app.test_request_context(headers={"Accept-Language": "es-MX,es;q=0.9"}):
        meeting = label(vocab.NEEDS["sober_social"][1]["meeting"])
        secular = label(vocab.VALUES["secular"].label)
    with app.test_request_context(headers={"Accept-Language": "en-US"}):
        english = label(vocab.NEEDS["sober_social"][1]["meeting"])
    assert english == "Recovery meeting"
    assert meeting != english and "reuni" in meeting.lower()
    assert secular.lower() == "laico"
