"""Read the languages a service is offered in, as names or codes in lists and short sentences.

Each name is matched exactly against the language names CLDR knows in every language (through
`langcodes`), so "Español" and "Spanish" are both `es`; a word that only starts like a language
("Limited" is not Limi) is not taken. Codes are ISO 639-1 where one exists, else ISO 639-3.

Chinese varieties: a named variety keeps its own code ("Chinese (Cantonese)" is `yue`,
"Chinese (Taiwanese)" `nan`) because a Cantonese speaker cannot be served in Mandarin;
Mandarin and plain "Chinese" are `zh`, the code people pick for Chinese.

Conservative on purpose: a sentence that only hedges ("may be available", "accommodations
possible") or speaks of printed material ("brochures in Spanish") gives no language, and
anything not understood is reported as unknown-language rather than guessed.
"""

import re
from functools import cache

import langcodes
from language_data.names import data_filename, get_trie_value, load_trie, normalize_name

from ingest.normalize.text import clean_text
from ingest.problems import Problem, problem

# Names CLDR lacks or spells otherwise, and the choices documented above.
ALIASES: dict[str, str] = {
    "asl": "ase",
    "american sign language": "ase",
    "sign language": "sgn",  # which sign language is not said
    "sign languages": "sgn",
    "mandarin": "zh",
    "mandarin chinese": "zh",
    "filipino": "tl",  # the standard form of Tagalog: one code, so the two match each other
    "pilipino": "tl",
    "phillipino": "tl",
    "gujurati": "gu",
    "toisanese": "yue",  # Taishanese, a Yue variety
    "taisanese": "yue",
    "taishanese": "yue",
}
# Whole values that mean "no language stated".
NO_LANGUAGE = frozenset({"none", "n/a", "na", "no", "not applicable"})
# Words that may stand beside a language name without changing that it is spoken there.
SERVICE_WORDS = frozenset(
    {
        "only",
        "limited",
        "some",
        "basic",
        "minimal",
        "medical",
        "fluent",
        "conversational",
        "speaking",
        "speaker",
        "speakers",
        "staff",
        "interpreter",
        "interpreters",
        "translator",
        "translators",
        "interpretation",
        "translation",
        "service",
        "services",
        "available",
        "on-site",
        "onsite",
        "in-house",
        "bilingual",
        "language",
        "languages",
        "spoken",
    }
)
# A sentence with one of these speaks of printed material, not of people who speak a language.
MATERIAL_WORDS = frozenset(
    {
        "brochure",
        "brochures",
        "material",
        "materials",
        "literature",
        "publication",
        "publications",
        "application",
        "applications",
        "form",
        "forms",
        "book",
        "books",
        "pamphlet",
        "pamphlets",
    }
)
# A sentence with one of these does not say that the language is offered.
HEDGE_WORDS = frozenset(
    {
        "may",
        "might",
        "possible",
        "possibly",
        "sometimes",
        "occasionally",
        "depending",
        "arrangement",
        "arrangements",
        "try",
        "attempt",
    }
)

_SENTENCE = re.compile(r"(?<=[^\W\d_]{2})\.(?:\s+|$)|[\n;]")
_SEPARATOR = r"\s*(?:,|/|\s&\s|\+|\band\b|\bor\b)\s*"  # "AT&T" is not a list
# Separators outside parentheses: "Chinese (Cantonese, Mandarin)" is one part.
_PART = re.compile(_SEPARATOR + r"(?![^()]*\))", re.IGNORECASE)
_NOTE_PART = re.compile(_SEPARATOR, re.IGNORECASE)
_PAREN = re.compile(r"\(([^()]*)\)")
# "SpanishChinese" and "Chinese (Cantonese)Spanish": a separator lost between two names.
_LOST_SEPARATOR = re.compile(r"(?<=[a-z])(?=[A-Z][a-z])|(?<=\))(?=\s*[^\W\d_])")
_WORD = re.compile(r"[\w.'-]+")
_CODE_SHAPE = re.compile(r"[A-Za-z]{2}|[a-z]{3}")


def language_codes(values) -> tuple[list[str], list[Problem]]:
    """Return ISO 639 codes (2-letter where one exists) for language names or codes, in order."""
    if values is None:
        return [], []
    items = [values] if isinstance(values, str) else list(values)
    codes: list[str] = []
    problems: list[Problem] = []
    for item in items:
        text = clean_text(item)
        if text is None or text.strip(" .").casefold() in NO_LANGUAGE:
            continue
        tags = [t for t in _PART.split(text) if t]
        if all(_CODE_SHAPE.fullmatch(t) for t in tags):
            # A list of codes ("en, es"). Only whole lists of codes are read as codes: most
            # short English words ("it", "is", "all") are also ISO 639 codes.
            found = [_code_of_tag(t) for t in tags]
            unknown = [t for t, code in zip(tags, found, strict=True) if code is None]
        else:
            found, unknown = [], []
            for sentence in filter(None, (s.strip(" .,") for s in _SENTENCE.split(text))):
                in_sentence, not_understood = _sentence_codes(sentence)
                found += in_sentence
                unknown += not_understood
        codes.extend(c for c in found if c and c not in codes)
        problems.extend(problem("unknown-language", field="languages", value=u) for u in unknown)
    return codes, problems


def _sentence_codes(sentence: str) -> tuple[list[str], list[str]]:
    """Return the codes a sentence names and the parts of it that are not understood."""
    words = {w.casefold().strip(".") for w in _WORD.findall(sentence)}
    if words & (MATERIAL_WORDS | HEDGE_WORDS):
        return [], [sentence]
    codes, unknown = [], []
    sentence = _LOST_SEPARATOR.sub(", ", sentence)
    for part in filter(None, (p.strip(" .,") for p in _PART.split(sentence))):
        found = _part_codes(part)
        if found:
            codes.extend(found)
        else:
            unknown.append(part)
    return codes, unknown


def _part_codes(part: str) -> list[str]:
    """Return the codes one list item names ("Chinese (Cantonese)", "Spanish only"), or []."""
    notes = _PAREN.findall(part)
    head = _PAREN.sub(" ", part).strip()
    for note in notes:
        varieties = [code_of_name(n) for n in _NOTE_PART.split(note) if n.strip()]
        if varieties and all(varieties):
            return varieties  # the parenthesis names the varieties: they are what is spoken
        if _names_something(note):
            return []  # "Chinese (Mien)": a variety we do not know; the head alone would be wrong
    code = code_of_name(head)
    if code:
        return [code]
    words = [w for w in head.split() if w.casefold().strip(".") not in SERVICE_WORDS]
    if not words:
        return []
    code = code_of_name(" ".join(words))
    if code:
        return [code]
    # "Chinese Spanish": names side by side with the separator lost.
    each = [code_of_name(w) for w in words]
    return each if all(each) else []


def _names_something(note: str) -> bool:
    """Tell whether a parenthesis reads as a proper name rather than a remark ("Mon only")."""
    words = note.split()
    return bool(words) and all(w[0].isupper() and w.casefold() not in SERVICE_WORDS for w in words)


def code_of_name(name: str) -> str | None:
    """Return the code of one language name ("Español", "Tagalog"), matched exactly, or None."""
    name = name.strip(" .,")
    key = name.casefold()
    if key.replace(".", "") in ALIASES:
        return ALIASES[key.replace(".", "")]
    lookup = normalize_name(name)
    for names in _name_tries():
        if lookup in names:
            tag = get_trie_value(names, lookup)
            return _iso639(langcodes.Language.get(tag, normalize=False).language)
    return None


def _code_of_tag(tag: str) -> str | None:
    """Return the code of an ISO 639 code as written ("en", "ES", "yue"), or None."""
    if not langcodes.tag_is_valid(tag.lower()):
        return None
    language = langcodes.Language.get(tag.lower(), normalize=False)
    return _iso639(language.language) if _known(language) else None


def _known(language: langcodes.Language) -> bool:
    """Tell whether a code names a language CLDR has a name for."""
    return language.is_valid() and not language.display_name().startswith("Unknown language")


def _iso639(code: str) -> str:
    """Return the two-letter code for a three-letter one where ISO 639-1 has it."""
    if len(code) == 3:
        two = langcodes.standardize_tag(code)
        return two if len(two) == 2 else code
    return code


@cache
def _name_tries() -> tuple:
    """Return the tries of language names in English, then in every language, for exact lookups.

    English first: the every-language trie leaves out names that mean different languages in
    different languages, and "Hindi" is one of them.
    """
    return tuple(
        load_trie(data_filename(f"trie/{lang}/name_to_language.marisa")) for lang in ("en", "und")
    )
