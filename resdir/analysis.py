"""Analyze text into search tokens, once, for documents and queries and for both search engines.

Both engines are given the tokens joined by spaces (FTS5 with its plain `unicode61` tokenizer,
Elasticsearch a `text` field with the standard analyzer), so a token is only lower-case ASCII
letters, digits and underscores: those tokenizers pass it through unchanged.

The steps, the same for every text:
1. fold: lower-case, accents and ligatures removed ("Café" -> "cafe", "niños" -> "ninos");
   apostrophes dropped so "women's" is one word; any other character separates words (a script
   with no ASCII form, such as Chinese, leaves no token rather than gluing its neighbours).
2. synonyms: phrases of whole words that mean one thing become one canonical token
   ("AA", "Alcoholics Anonymous" -> `alcoholics_anonymous`), longest phrase first, matched on the
   folded words before stop words and stemming, so "na" inside "nada" is no match and "not
   twelve-step" is not `twelve_step`. The last word of a phrase may be plural ("halfway houses").
3. stop words dropped, every other word stemmed (Snowball English): "meetings" -> "meet".

Documents and queries differ in one way only: in a document a synonym's canonical token is
followed by its own words, stemmed, and by its broader term (BROADER), so that "sober" still finds
"sober living homes" and "MOUD" finds a methadone clinic, while a query keeps the canonical token
alone, so "sober living" also finds a "halfway house" whose text never says "sober".

Synonym groups hold words that mean the same thing. Related but different things are not merged:
methadone, buprenorphine and naltrexone are each MOUD, but someone asking for methadone is not
served by a Suboxone-only prescriber, so each drug is its own term with `moud` as its broader
term (documents only). Likewise "gay", "lesbian", ... each find their own word, and all of them
find `lgbtq`. "Adult day care" is its own term so that it never reads as childcare.

Known limits, accepted: "AA" also abbreviates an associate degree and "na" is a Portuguese word;
"MAT" is read as MOUD in queries only (QUERY_SYNONYMS), because shelters' texts speak of sleeping
mats; "Filipino" also names a people, not only the language.
"""

import re
import threading
import unicodedata
from functools import cache, lru_cache

import langcodes
import snowballstemmer

from resdir import vocab

# canonical token -> phrases (folded words separated by spaces) that mean it
SYNONYMS: dict[str, tuple[str, ...]] = {
    "twelve_step": ("twelve step", "12 step"),
    "non_twelve_step": ("non twelve step", "non 12 step", "not twelve step", "not 12 step"),
    "recovery_residence": (
        "recovery residence",
        "recovery home",
        "sober living",
        "sober living home",
        "sober living environment",
        "sober house",
        "sober home",
        "halfway house",
    ),
    "moud": (
        "moud",
        "medication assisted treatment",
        "medications for opioid use disorder",
        "medication for opioid use disorder",
    ),
    "methadone": ("methadone",),
    "buprenorphine": ("buprenorphine", "suboxone", "subutex", "sublocade"),
    "naltrexone": ("naltrexone", "vivitrol"),
    "naloxone": ("naloxone", "narcan"),
    "detox": ("detox", "detoxification", "withdrawal management"),
    "lgbtq": ("lgbtq", "lgbt", "glbt", "lgbtqi", "lgbtqia"),
    "gay": ("gay",),
    "lesbian": ("lesbian",),
    "bisexual": ("bisexual",),
    "transgender": ("transgender", "transgendered", "trans"),
    "queer": ("queer",),
    "childcare": ("childcare", "child care", "daycare", "day care"),
    "adult_day_care": (
        "adult day care",
        "adult daycare",
        "adult day health care",
        "adult day program",
        "adult day service",
    ),
    "nemt": (
        "nemt",
        "medical ride",
        "medical transportation",
        "non emergency medical transportation",
        "non emergency medical transport",
    ),
    "domestic_violence": ("domestic violence", "dv", "intimate partner violence"),
    "asl": ("asl", "american sign language"),
    "spanish": ("spanish", "espanol"),
    "tagalog": ("tagalog", "filipino"),
}

# Aliases that are also everyday words in listings: read as the term when a person searches,
# left as words in documents ("sleeping mats" in a shelter's text is not MOUD, "CA" in an address
# is not Cocaine Anonymous).
QUERY_SYNONYMS: dict[str, tuple[str, ...]] = {"moud": ("mat",)}


def fellowship_token(code: str) -> str:
    """Return the canonical search token of a fellowship: its folded name ("al_anon")."""
    return "_".join(_words(vocab.FELLOWSHIPS[code].name))


def _fold_name(name: str) -> str:
    return " ".join(_words(name))


# broader term -> canonical tokens it covers; added to documents only (module docstring)
BROADER: dict[str, tuple[str, ...]] = {
    "moud": ("methadone", "buprenorphine", "naltrexone"),
    "lgbtq": ("gay", "lesbian", "bisexual", "transgender", "queer"),
}
# Small on purpose: words that carry no meaning in a search of this directory. A few Spanish
# function words too, for queries such as "grupo de AA en español".
STOP_WORDS = frozenset((
    "a", "an", "and", "are", "as", "at", "be", "been", "but", "by", "for", "from", "has", "have",
    "if", "in", "into", "is", "it", "its", "no", "not", "of", "on", "or", "our", "such", "that",
    "the", "their", "then", "there", "these", "they", "this", "to", "was", "we", "were", "will",
    "with", "you", "your",
    "de", "del", "el", "en", "la", "las", "los", "para", "por", "que", "se", "un", "una", "y",
))  # fmt: skip
STEM_CACHE_SIZE = 100_000  # distinct words; a directory's vocabulary is a few tens of thousands
LANGUAGE_SUFFIX = "speaking"  # "Spanish speaking" in a listing's text finds "spanish speaking"

_WORDS = re.compile(r"[a-z0-9]+")
# Letters that Unicode decomposition leaves alone, and apostrophes, which join a word's parts
# ("women's" is one word).
_FOLD = str.maketrans(
    {"æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"}
    | dict.fromkeys("’‘ʼ´", "")
)
_APOSTROPHES = re.compile(r"['`]")
_STEMMER = snowballstemmer.stemmer("english")
_STEM_LOCK = threading.Lock()


def _phrase_table(*groups: dict[str, tuple[str, ...]]) -> dict[str, list[tuple[list[str], str]]]:
    """Return first word -> [(phrase words, canonical token)], longest phrase first."""
    table: dict[str, list[tuple[list[str], str]]] = {}
    for group in groups:
        for token, phrases in group.items():
            for phrase in phrases:
                words = phrase.split()
                last = words[-1]
                plural = last + ("es" if last.endswith(("s", "x", "z", "ch", "sh")) else "s")
                for variant in (words, [*words[:-1], plural]):
                    table.setdefault(variant[0], []).append((variant, token))
    for candidates in table.values():
        candidates.sort(key=lambda candidate: -len(candidate[0]))
    return table


def analyze(text: str | None) -> list[str]:
    """Return the index tokens of a text: folded, stemmed, each synonym phrase one token.

    Each canonical token is followed by its broader term and its own words, stemmed (module
    docstring); use `query_tokens` for what a person typed.
    """
    return _tokens(text, _DOCUMENT_PHRASES, expand=True)


def query_tokens(q: str | None) -> list[str]:
    """Return the distinct tokens of a search query, in order."""
    return list(dict.fromkeys(_tokens(q, _QUERY_PHRASES, expand=False)))


def listing_text(doc: dict) -> str:
    """Return the analyzed text of a canonical listing (resdir/model.py), tokens joined by spaces.

    What a peer types a few words of: the names (listing, organization, place, a meeting's
    fellowship, which finds it by any of the fellowship's names: "AA", "SMART"), the description,
    the category and subcategory labels, source taxonomy names, the languages served ("Spanish
    speaking") and the labels of facts known "yes" ("Wheelchair accessible"). Left out: addresses
    (location is searched by distance), hours, cost and eligibility (filters, not words) and
    next steps ("call to apply" is in nearly every listing and says nothing of what it offers).
    Each part is analyzed alone so that no phrase spans two fields.
    """
    category = doc.get("category")
    subcategory_labels = vocab.NEEDS.get(category, ("", {}))[1]
    parts = [
        doc.get("name"),
        doc.get("alternate_name"),
        (doc.get("organization") or {}).get("name"),
        doc.get("location_name"),
        vocab.FELLOWSHIPS[doc["fellowship"]].name if doc.get("fellowship") else None,
        doc.get("description"),
        vocab.CATEGORY_LABELS.get(category),
        *(subcategory_labels.get(code) for code in doc.get("subcategories") or ()),
        *(term.get("name") for term in doc.get("taxonomy") or ()),
        *(_language_name(code) for code in doc.get("languages") or ()),
        *(
            vocab.ATTRIBUTES[code].label
            for code, fact in (doc.get("attributes") or {}).items()
            if code in vocab.ATTRIBUTES and (fact or {}).get("value") == "yes"
        ),
    ]
    return " ".join(token for part in parts if part for token in analyze(part))


def _tokens(text: str | None, phrases: dict, expand: bool) -> list[str]:
    """Return the tokens of a text, reading synonym phrases from `phrases`."""
    if not text:
        return []
    words = _words(text)
    tokens: list[str] = []
    i = 0
    while i < len(words):
        for phrase, token in phrases.get(words[i], ()):
            end = i + len(phrase)
            if words[i:end] == phrase:
                tokens.append(token)
                if expand:
                    if token in _BROADER_OF:
                        tokens.append(_BROADER_OF[token])
                    stems = (_stem(w) for w in words[i:end] if w not in STOP_WORDS)
                    tokens.extend(stem for stem in stems if stem != token)
                i = end
                break
        else:
            if words[i] not in STOP_WORDS:
                tokens.append(_stem(words[i]))
            i += 1
    return tokens


def _words(text: str) -> list[str]:
    """Return the folded words of a text."""
    text = text.lower()
    if not text.isascii():
        decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_FOLD))
        text = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _WORDS.findall(_APOSTROPHES.sub("", text))


@lru_cache(maxsize=STEM_CACHE_SIZE)
def _stem(word: str) -> str:
    """Return the Snowball English stem of a folded word."""
    # The stemmer keeps the word being stemmed in its own state: one thread at a time.
    with _STEM_LOCK:
        return _STEMMER.stemWord(word)


@cache
def _language_name(code: str) -> str | None:
    """Return "<English name> speaking" for an ISO 639 code, or None for a code with no name."""
    name = langcodes.Language.get(code).language_name()
    # langcodes names a code it does not know "Unknown language [xx]"
    return None if "[" in name else f"{name} {LANGUAGE_SUFFIX}"


# Fellowships (resdir.vocab.FELLOWSHIPS): their names are synonyms everywhere, their aliases in
# queries only.
for _code, _fellowship in vocab.FELLOWSHIPS.items():
    SYNONYMS[fellowship_token(_code)] = tuple(
        dict.fromkeys(_fold_name(n) for n in (_fellowship.name, *_fellowship.names))
    )
    QUERY_SYNONYMS[fellowship_token(_code)] = tuple(_fold_name(n) for n in _fellowship.aliases)

_DOCUMENT_PHRASES = _phrase_table(SYNONYMS)
_QUERY_PHRASES = _phrase_table(SYNONYMS, QUERY_SYNONYMS)
_BROADER_OF = {narrow: broad for broad, narrower in BROADER.items() for narrow in narrower}
