"""Name Meeting Guide meeting types in a language, from the spec's own table (types.json).

`resdir/data/meeting_guide_types.json` is code4recovery/spec `data/types.json` (MIT): each type
code with its name in English, Spanish and seven more languages.
"""

import json
from functools import cache
from pathlib import Path

TYPES_FILE = Path(__file__).resolve().parent / "data" / "meeting_guide_types.json"
SPEC_LANGUAGE = "en"


@cache
def type_names() -> dict[str, dict[str, str]]:
    """Return the spec's type names: code -> language -> name."""
    return json.loads(TYPES_FILE.read_text("utf-8"))


def type_name(code: str, meaning: str, own: bool = False) -> str:
    """Return the English name a listing keeps for a type: the spec's, unless the fellowship's
    own list gives the code another meaning (`own`) or the spec does not know it."""
    names = type_names().get(code)
    return meaning if own or not names else names[SPEC_LANGUAGE]


def localized(code: str, name: str, language: str) -> str:
    """Return a kept type name in a language: the spec's translation when the name is the spec's."""
    names = type_names().get(code) or {}
    if names.get(SPEC_LANGUAGE) != name:
        return name
    return names.get(language) or name
