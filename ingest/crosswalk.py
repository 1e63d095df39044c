"""Turn source taxonomies, Meeting Guide types and accessibility text into resdir codes and facts.

Three crosswalks (DESIGN §5), all pure functions over plain data:

- `classify` maps a listing's taxonomy terms (AIRS/211 codes, Open Eligibility terms, free-text
  category keywords, our own need codes) to a category, its subcategories and the facts the terms
  state. Only taxonomy terms and category keywords count: a description that mentions housing does
  not make a listing housing.
- `meeting_types` reads Meeting Guide type codes, or the words TSML writes for them, into facts,
  languages and the temporarily-closed flag.
- `fellowship_of` recognises a meeting's fellowship in its names (resdir.vocab.FELLOWSHIPS), and
  whether it is a meeting for families and friends.
- `accessibility_facts` reads free-text accessibility items (Ohana, iCarol, HSDS) into facts.

Facts are three-valued: a fact is recorded only where the source states it; absent means unknown.
"""

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache

from ingest.normalize.languages import code_of_name
from resdir import vocab
from resdir.vocab import NEEDS, OTHER_CATEGORY

# ---------------------------------------------------------------------------------------------
# Taxonomy terms -> category, subcategories, facts
# ---------------------------------------------------------------------------------------------

# AIRS / 211 taxonomy codes, matched by the longest prefix that ends at a code boundary, so
# "BH-1800.1500-100" falls under "BH-1800". A value is a need code ("housing.shelter") or
# "other", which carves a branch that is not one of our needs out of a mapped prefix.
AIRS_NEEDS: dict[str, str] = {
    "BH": "housing",  # Housing/Shelter
    "BH-1800": "housing.shelter",  # Emergency Shelter (crisis, DV, homeless, extreme weather)
    "BH-1800.3500": "housing",  # Homeless Drop In Centers: day services, not beds
    "BH-3000": OTHER_CATEGORY,  # Home Improvement/Accessibility: repairs, not a place to live
    "BH-3500": OTHER_CATEGORY,  # Home Purchase/Construction Financing
    "BH-3800": "housing.rental_assistance",  # Housing Expense Assistance
    "BH-8400.6000-060": OTHER_CATEGORY,  # Assisted Living Facilities: care, not housing
    "BH-8600": "housing.transitional",  # Transitional Housing/Shelter
    "RX-8500": "housing.recovery_residence",  # Transitional Residential SUD Services
    "RX-8500.6500": "housing.recovery_residence",  # Recovery Homes/Halfway Houses
    "BT": "transport",  # Transportation
    "BT-4500": "transport",  # Local transportation
    "BT-4500.6500": "transport.paratransit",  # Paratransit Programs
    "BT-4500.6500-500": "transport.nemt",  # Non-Emergency Medical Transportation
    "BT-4500.6500-800": "transport.ride_program",  # Senior Ride Programs
    "BT-8300": "transport.transit_fare",  # Transportation Expense Assistance
    "PH-1250": "childcare",  # Child Care Providers
    "PH-1250.1400": "childcare.center",  # Child Care Centers
    "PH-1250.1700": "childcare.drop_in",  # Drop-in child care
    "PH-2400.1500": "childcare",  # Child Care Provider Referrals
    "NL-3000.1500": "childcare.subsidy",  # Child Care Expense Assistance
    "HD-1800": "childcare",  # Early Childhood Education
    "HD-1800.3000": "childcare.head_start",  # Head Start
    "PN-8100.0500": "sober_social.meeting",  # Addictions/Substance Use Disorder Support Groups
    "PN-8100.0500-900": OTHER_CATEGORY,  # Weight Related Support Groups
}
AIRS_FACTS: dict[str, dict[str, str]] = {
    "PN-8100.4500-240": {"lgbtq_affirming": "yes"},  # LGBTQ support groups
}
AIRS_CODE = re.compile(r"^[A-Z]{1,2}(-\d{4}(\.\d{4}(-\d{3}(\.\d{2})?)?)?)?$")

# Category names as sources write them: AIRS term names (the free-text keywords of Ohana, CIP and
# iCarol), Open Eligibility names, California CCLD facility types and fellowship names. Matched on
# whole, normalised names (`_name_key`), never on words inside longer text.
TERM_NEEDS: dict[str, str] = {
    name: need
    for need, names in {
        "housing": (
            "Housing",
            "Housing Services",
            "Housing/Shelter",
            "Help Find Housing",
            "Housing Counseling",
            "Housing Authorities",
            "Residential Housing",
            "Residential Housing Options",
            "Long-Term Housing",
            "Short-Term Housing",
            "Independent Living",
            "Public Housing",
            "Supportive Housing",
            "Low Income/Subsidized Rental Housing",
            "Low Income/Subsidized Private Rental Housing",
            "Low Cost Home Rental Listings",
            "Family Housing/Shared Housing",
            "Roommate/Housemate Matching Assistance",
            "Senior and Disabled Housing",
            "Older Adult/Disability Related Supportive Housing",
            "At Risk/Homeless Housing Related Assistance Programs",
            "Mental Health Halfway Houses",
        ),
        "housing.shelter": (
            "Shelter",
            "Emergency Shelter",
            "Shelter/Refuge",
            "Homeless Shelter",
            "Crisis Shelter",
            "Domestic Violence Shelters",
            "Runaway/Youth Shelters",
            "Extreme Weather Shelters",
            "Cold Weather Shelters/Warming Centers",
            "Post Disaster Shelter Services",
            "Emergency Shelter Clearinghouses",
            "Temporary Shelter",
            "Safe Housing",
        ),
        "housing.transitional": ("Transitional Housing", "Transitional Housing/Shelter"),
        "housing.recovery_residence": (
            "Sober Living",
            "Sober Living Homes",
            "Sober Living Homes for Recovering Drug Abusers",
            "Recovery Homes/Halfway Houses",
            "Halfway Houses",
            "Recovery Housing",
            "Recovery Residences",
            "(Level 3.1) Transitional housing or Halfway House",
            "Transitional Residential Substance Use Disorder Services",
        ),
        "housing.rental_assistance": (
            "Help Pay for Housing",
            "Housing Vouchers",
            "Housing Expense Assistance",
            "Rent Payment Assistance",
            "Rental Deposit Assistance",
            "Section 8 Housing Choice Vouchers",
        ),
        "transport": (
            "Transportation",
            "Transportation Services",
            "Transit",
            "Public Transit",
            "Public Transit Authorities",
            "Local Bus Services",
            "Transportation for School",
            "Help Pay for Gas",
        ),
        "transport.transit_fare": (
            "Help Pay for Transit",
            "Bus Passes",
            "Transportation Passes",
            "Discount Transit Passes",
            "Transportation Expense Assistance",
        ),
        "transport.paratransit": (
            "Paratransit",
            "Paratransit Programs",
            "Disability Related Transportation",
        ),
        "transport.nemt": (
            "Transportation for Healthcare",
            "Medical Appointments Transportation",
            "Non-Emergency Medical Transportation",
        ),
        "transport.ride_program": ("Senior Ride Programs",),
        "childcare": (
            "Child Care",
            "Day Care",
            "Child Care Providers",
            "Child Care Provider Referrals",
            "Help Find Childcare",
            "Extended Day Care",
            "Extended Child Care",
            "Afterschool Care",
            "Post Disaster Child Care",
            "Early Childhood Education",
        ),
        "childcare.center": (
            "Child Care Centers",
            "Preschool",
            "Day Care Center",
            "Infant Center",
            "Single Licensed Child Care Center",
            "School Age Day Care Center",
        ),
        "childcare.family_home": (
            "Family Child Care Homes",
            "Large Family Child Care Home",
            "Small Family Child Care Home",
        ),
        "childcare.drop_in": ("Drop-In Child Care",),
        "childcare.subsidy": (
            "Child Care Subsidies",
            "Child Care Expense Assistance",
            "Help Pay for Childcare",
        ),
        "childcare.head_start": ("Head Start", "Early Head Start"),
        "sober_social.meeting": (
            "12-Step",
            "Alcoholics Anonymous",
            "Narcotics Anonymous",
            "Cocaine Anonymous",
            "Crystal Meth Anonymous",
            "Al-Anon",
            "Alateen",
            "SMART Recovery",
            "LifeRing",
            "Recovery Dharma",
            "Celebrate Recovery",
            "Addictions/Dependencies Support Groups",
            "Addictions/Substance Use Disorder Support Groups",
            "Alcohol Dependency Support Groups",
            "Drug Dependency Support Groups",
            "Alcohol Use Disorder Support Groups",
            "Drug Use Disorder Support Groups",
            "Families/Friends of Alcoholics Support Groups",
            "Families/Friends of Drug Abusers Support Groups",
        ),
        "sober_social.recovery_center": (
            "Recovery Community Centers",
            "Recovery Community Organizations",
            "Recovery Cafes",
        ),
        "sober_social.event": ("Sober Events",),
    }.items()
    for name in names
}
TWELVE_STEP = {"twelve_step": "yes"}
TERM_FACTS: dict[str, dict[str, str]] = {
    "12-Step": TWELVE_STEP,
    "Alcoholics Anonymous": TWELVE_STEP,
    "Narcotics Anonymous": TWELVE_STEP,
    "Cocaine Anonymous": TWELVE_STEP,
    "Crystal Meth Anonymous": TWELVE_STEP,
    "Al-Anon": TWELVE_STEP,
    "Alateen": TWELVE_STEP,
    "Celebrate Recovery": {"twelve_step": "yes", "faith_based": "yes"},
    "SMART Recovery": {"non_twelve_step": "yes"},
    "LifeRing": {"non_twelve_step": "yes", "secular": "yes"},
    "Recovery Dharma": {"non_twelve_step": "yes"},
    "Gay/Lesbian/Bisexual/Transgender Support Groups": {"lgbtq_affirming": "yes"},
    "LGBTQ Support Groups": {"lgbtq_affirming": "yes"},
    "Children Allowed": {"child_friendly": "yes"},  # a Maryland 211 treatment preference term
}

# Open Eligibility term ids (the edition Ohana ships as oe.json) whose names are mapped above.
# Ids are read only when a term has no name: other editions renumber them (Maryland 211's
# "108-05" is Childcare, Ohana's is Navigating the System), the names stay put.
OPEN_ELIGIBILITY_IDS: dict[str, str] = {
    "101-02-03": "Help Pay for Housing",
    "101-02-04": "Help Pay for Gas",
    "101-04": "Emergency Shelter",
    "101-06-02": "Safe Housing",
    "103": "Housing",
    "103-01": "Emergency Shelter",
    "103-02": "Help Find Housing",
    "103-03": "Help Pay for Housing",
    "103-03-04": "Housing Vouchers",
    "103-05": "Residential Housing",
    "103-05-02": "Long-Term Housing",
    "103-05-02-02": "Independent Living",
    "103-05-02-04": "Public Housing",
    "103-05-03": "Safe Housing",
    "103-05-04": "Short-Term Housing",
    "103-05-04-02": "Sober Living",
    "105": "Transit",
    "105-01": "Help Pay for Transit",
    "105-01-01": "Bus Passes",
    "105-01-02": "Help Pay for Gas",
    "105-02": "Transportation",
    "105-02-01": "Transportation for Healthcare",
    "105-02-02": "Transportation for School",
    "106-01-01": "12-Step",
    "106-01-06": "Sober Living",
    "106-05-07": "Transportation for Healthcare",
    "107-02-01": "Help Pay for Childcare",
    "107-02-03-07": "Transportation for Healthcare",
    "107-02-04": "Help Pay for Housing",
    "107-02-05-05": "Transportation for School",
    "107-02-06": "Help Pay for Transit",
    "107-02-06-01": "Help Pay for Gas",
    "107-02-06-02": "Bus Passes",
    "108-03-02": "Afterschool Care",
    "108-03-03": "Childcare",
    "108-03-03-02": "Help Find Childcare",
    "108-03-03-04": "Help Pay for Childcare",
    "108-03-05": "Preschool",
    "108-05-02": "Help Find Childcare",
    "108-05-03": "Help Find Housing",
    "108-07-09-01": "12-Step",
    "109-02-05": "Transportation for School",
    "109-04": "Preschool",
}
SCHEMES = ("resdir", "airs", "open_eligibility", "keyword", "meeting_guide")


@dataclass
class Classification:
    """What a listing's taxonomy terms say: its category, subcategories and facts."""

    category: str  # a key of resdir.vocab.CATEGORY_LABELS ("other" when nothing maps)
    subcategories: list[str]  # subcategory codes of that category (resdir.vocab.NEEDS)
    facts: dict[str, dict]  # attribute -> {"value": "yes" | "no", "source": "AIRS PN-8100..."}
    unknown: list[dict]  # terms of a recognised scheme whose code is not in the crosswalk


def classify(terms: list[dict], kind: str = "service") -> Classification:
    """Return the category, subcategories and facts that a listing's taxonomy terms imply.

    Each term maps to at most one need. The category is the need named by the most terms; a tie
    goes to the need with more terms naming a subcategory, then to the one listed first. Any of
    the four needs outranks "other". All subcategories of the chosen category are kept, in the
    order the terms give them. A meeting is always sober_social.meeting.
    """
    needs: list[tuple[int, str, str | None]] = []  # (position, category, subcategory)
    facts: dict[str, dict] = {}
    unknown: list[dict] = []
    for position, term in enumerate(terms):
        scheme = str(term.get("scheme") or "").strip().lower()
        if scheme not in SCHEMES:
            continue  # a source's own scheme: kept verbatim on the listing, not ours to read
        if scheme == "meeting_guide":
            continue  # meeting types are read by `meeting_types`, not here
        need, term_facts, source = _read_term(scheme, term)
        if need is None and not term_facts:
            unknown.append(term)
            continue
        if need and need != OTHER_CATEGORY:
            category, _, sub = need.partition(".")
            needs.append((position, category, sub or None))
        for attribute, value in term_facts.items():
            facts.setdefault(attribute, {"value": value, "source": source})
    if kind == "meeting":
        needs.insert(0, (-1, "sober_social", "meeting"))
        category = "sober_social"
    else:
        category = _choose_category(needs)
    subcategories = list(dict.fromkeys(s for _, c, s in needs if c == category and s))
    return Classification(category, subcategories, facts, unknown)


def _choose_category(needs: list[tuple[int, str, str | None]]) -> str:
    if not needs:
        return OTHER_CATEGORY
    score: dict[str, tuple[int, int, int]] = {}
    for position, category, sub in needs:
        count, specific, first = score.get(category, (0, 0, -position))
        score[category] = (count + 1, specific + (sub is not None), first)
    return max(score, key=score.__getitem__)


def _read_term(scheme: str, term: dict) -> tuple[str | None, dict[str, str], str]:
    """Return (need code or None, facts, source label) for one term of a known scheme."""
    code = str(term.get("code") or "").strip()
    name = str(term.get("name") or "").strip()
    if scheme == "resdir":
        need = code.lower() or name.lower()
        category, _, sub = need.partition(".")
        known = category in NEEDS and (not sub or sub in NEEDS[category][1])
        return (need if known else None), {}, f"resdir {need}"
    if scheme == "airs":
        airs = code.split("*")[0].replace(" ", "").upper()  # after "*": a target population
        if AIRS_CODE.match(airs):
            need = _longest_prefix(AIRS_NEEDS, airs)
            return need, _longest_prefix(AIRS_FACTS, airs) or {}, f"AIRS {airs}"
        code = ""  # not an AIRS code: fall back on the term's name
    if scheme == "open_eligibility":
        if not name:
            name = OPEN_ELIGIBILITY_IDS.get(code, "")
        label = "Open Eligibility"
    else:
        label = "AIRS" if scheme == "airs" else "keyword"
    words = name or code
    key = _name_key(words)
    return NEED_BY_KEY.get(key), FACTS_BY_KEY.get(key, {}), f"{label} {words}"


def _longest_prefix(table: dict, code: str):
    """Return the entry for the longest prefix of an AIRS code that ends at a code boundary."""
    while code:
        if code in table:
            return table[code]
        cut = max(code.rfind("-"), code.rfind("."))
        code = code[:cut] if cut > 0 else ""
    return None


def _name_key(text: str) -> str:
    """Return a matching key for a category name: case, spacing, punctuation and plurals ignored.

    "Child Care Centers" and "childcare center" both become "childcarecenter": joining the words
    lets "Child Care" match "Childcare" and "Half-way" match "Halfway".
    """
    words = re.findall(r"[a-z0-9]+", text.casefold().replace("&", " and ").replace("'", ""))
    return "".join(_singular(w) for w in words)


def _singular(word: str) -> str:
    if len(word) <= 3 or word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("sses", "ches", "shes", "xes")):
        return word[:-2]
    return word[:-1] if word.endswith("s") else word


NEED_BY_KEY: dict[str, str] = {_name_key(name): need for name, need in TERM_NEEDS.items()}
FACTS_BY_KEY: dict[str, dict[str, str]] = {_name_key(n): f for n, f in TERM_FACTS.items()}

# ---------------------------------------------------------------------------------------------
# Meeting Guide types
# ---------------------------------------------------------------------------------------------

# The Meeting Guide type codes (code4recovery spec, types.json) with a short meaning and the
# attribute a code states. Language codes are listed apart, with their ISO 639-1 code.
MEETING_TYPES: dict[str, tuple[str, str | None]] = {
    "11": ("11th step meditation", None),
    "12x12": ("Twelve steps and twelve traditions", None),
    "A": ("Secular", "secular"),
    "ABSI": ("As Bill Sees It", None),
    "AL": ("Concurrent with Alateen", None),
    "AL-AN": ("Concurrent with Al-Anon", None),
    "ASL": ("American Sign Language", "asl"),
    "B": ("Big Book", None),
    "BA": ("Babysitting available", "childcare"),
    "BE": ("Newcomer", "newcomer_friendly"),
    "BI": ("Bisexual", "lgbtq_affirming"),
    "BRK": ("Breakfast", None),
    "C": ("Closed", None),
    "CAN": ("Candlelight", None),
    "CF": ("Child-friendly", "child_friendly"),
    "D": ("Discussion", None),
    "DB": ("Digital basket", None),
    "DD": ("Dual diagnosis", None),
    "DR": ("Daily Reflections", None),
    "FF": ("Fragrance free", None),
    "G": ("Gay", "lgbtq_affirming"),
    "GR": ("Grapevine", None),
    "H": ("Birthday", None),
    "L": ("Lesbian", "lgbtq_affirming"),
    "LGBTQ": ("LGBTQ", "lgbtq_affirming"),
    "LIT": ("Literature", None),
    "LS": ("Living Sober", None),
    "M": ("Men", "men_only"),
    "MED": ("Meditation", None),
    "N": ("Native American", "native_centered"),
    "NB": ("Non-binary", "lgbtq_affirming"),
    "NDG": ("Indigenous", "native_centered"),
    "O": ("Open", None),
    "ONL": ("Online meeting", None),  # legacy, dropped from the spec, still in most feeds
    "OUT": ("Outdoor", None),
    "P": ("Professionals", None),
    "POA": ("Proof of attendance", "proof_of_attendance"),
    "POC": ("People of color", "poc_centered"),
    "SEN": ("Seniors", "seniors"),
    "SM": ("Smoking permitted", None),
    "SP": ("Speaker", None),
    "ST": ("Step study", None),
    "T": ("Transgender", "lgbtq_affirming"),
    "TC": ("Location temporarily closed", None),
    "TR": ("Tradition study", None),
    "W": ("Women", "women_only"),
    "X": ("Wheelchair access", "wheelchair_accessible"),
    "XB": ("Wheelchair-accessible bathroom", "wheelchair_accessible"),
    "XT": ("Cross talk permitted", None),
    "Y": ("Young people", "young_people"),
}
LANGUAGE_TYPES: dict[str, str] = {
    "AF": "af", "AM": "am", "AR": "ar", "BG": "bg", "DA": "da", "DE": "de", "EL": "el",
    "EN": "en", "FA": "fa", "FI": "fi", "FR": "fr", "HE": "he", "HI": "hi", "HR": "hr",
    "HU": "hu", "IS": "is", "ITA": "it", "JA": "ja", "KA": "ka", "KOR": "ko", "LT": "lt",
    "ML": "ml", "MT": "mt", "NE": "ne", "NL": "nl", "NO": "no", "POL": "pl", "POR": "pt",
    "PUN": "pa", "RUS": "ru", "S": "es", "SK": "sk", "SL": "sl", "SV": "sv", "TH": "th",
    "TL": "tl", "TUR": "tr", "UK": "uk",
}  # fmt: skip
# Other fellowships' TSML type lists reuse a code with another meaning or add their own; pass
# `fellowship` when a feed is known to be one of them.
FELLOWSHIP_TYPES: dict[str, dict[str, tuple[str, str | None]]] = {
    "al-anon": {
        "POA": ("Parents of alcoholics", None),  # not proof of attendance
        "AC": ("Adult child focus", None),
        "AA": ("Concurrent with AA", None),
        "LGBTQIA": ("LGBTQIA+", "lgbtq_affirming"),
        "YA": ("Young adults", "young_people"),
    },
}
# Words TSML and feeds write for codes where they differ from the meanings above.
TYPE_WORDS: dict[str, str] = {
    "12 Steps & 12 Traditions": "12x12",
    "Atheist / Agnostic": "A",
    "Sign Language": "ASL",
    "Beginner": "BE",
    "Beginners": "BE",
    "Child-Friendly": "CF",
    "Online": "ONL",
    "Outdoor Meeting": "OUT",
    "Step Meeting": "ST",
    "Temporary Closure": "TC",
    "Wheelchair Accessible": "X",
}
TYPE_BY_LANGUAGE = {language: code for code, language in LANGUAGE_TYPES.items()}
TEMPORARILY_CLOSED = "TC"


@dataclass
class MeetingTypes:
    """What a meeting's Meeting Guide types say."""

    # (code, meaning, whether the fellowship's own list gives the code that meaning), feed order
    codes: list[tuple[str, str, bool]] = field(default_factory=list)
    facts: dict[str, dict] = field(default_factory=dict)  # attribute -> {"value", "source"}
    languages: list[str] = field(default_factory=list)  # ISO 639 codes, in order
    temporarily_closed: bool = False  # TC
    unknown: list[str] = field(default_factory=list)  # codes kept verbatim and reported


def meeting_types(types, fellowship: str | None = None) -> MeetingTypes:
    """Return what a meeting's Meeting Guide types say, from codes or the words TSML writes.

    `types` is a list of codes, a string of codes or words ("C", "O,D", "[open]", "Open,
    Wheelchair Access"), or None. Codes are matched without regard to case ("onl" is ONL), and a
    language's name ("Spanish", "Tagalog") is its language code; what is neither a code nor a
    known word is reported in `unknown`, never fatal. A missing code says nothing: no X means
    wheelchair access is unknown, not "no".
    """
    fellowship_key = (fellowship or "").lower()
    table, by_code, by_word = _type_tables(fellowship_key)
    result = MeetingTypes()
    seen: set[str] = set()
    for token in type_tokens(types):
        code = (
            by_code.get(token.upper())
            or by_word.get(_name_key(token))
            or TYPE_BY_LANGUAGE.get(code_of_name(token))
        )
        if code is None:
            if token not in result.unknown:
                result.unknown.append(token)
            continue
        if code in seen:
            continue
        seen.add(code)
        meaning = table[code][0] if code in table else code  # a language: named by the spec
        result.codes.append((code, meaning, code in FELLOWSHIP_TYPES.get(fellowship_key, {})))
        attribute = table[code][1] if code in table else None
        if attribute:
            source = f"Meeting Guide type {code}"
            result.facts.setdefault(attribute, {"value": "yes", "source": source})
        if code in LANGUAGE_TYPES:
            result.languages.append(LANGUAGE_TYPES[code])
        result.temporarily_closed |= code == TEMPORARILY_CLOSED
    return result


def type_tokens(types) -> list[str]:
    """Split the feed's `types` into stripped tokens: codes or words."""
    if types is None:
        return []
    items = [types] if isinstance(types, str | int) else list(types)
    tokens = []
    for item in items:
        if item is None:
            continue
        tokens.extend(t.strip() for t in re.split(r"[,;\[\]]", str(item)) if t.strip())
    return tokens


@cache
def _type_tables(fellowship: str) -> tuple[dict, dict[str, str], dict[str, str]]:
    """Return a fellowship's type table, its codes by upper-case code, and codes by word."""
    table = MEETING_TYPES | FELLOWSHIP_TYPES.get(fellowship, {})
    by_code = {code.upper(): code for code in (*table, *LANGUAGE_TYPES)}
    return table, by_code, _type_words(table)


def _type_words(table: dict[str, tuple[str, str | None]]) -> dict[str, str]:
    """Return word key -> code for the meanings and TSML words (language names are looked up)."""
    words = {_name_key(meaning): code for code, (meaning, _) in table.items()}
    return words | {_name_key(word): code for word, code in TYPE_WORDS.items()}


# ---------------------------------------------------------------------------------------------
# Fellowships
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FellowshipFound:
    """A meeting's fellowship (a resdir.vocab.FELLOWSHIPS code or None), whether the meeting is
    for families and friends, and the text that said so."""

    code: str | None
    for_family_friends: bool
    source: str | None


def fellowship_of(*texts) -> FellowshipFound:
    """Return the fellowship named first in the first text that names one, most specific first.

    A name matches as whole words, without regard to case or accents ("Al Anon", "ALANON"), but
    an all-caps abbreviation only as written ("AA", not "aa"): the fellowship's name, Spanish name
    or one of its `names`, never its search-only aliases ("CA" is also California). Where no
    fellowship is named, a name such as "Family Group" still marks a meeting for families and
    friends.
    """
    for text in texts:
        if not isinstance(text, str) or not text.strip():
            continue
        found = _first_fellowship(text)
        if found:
            family = vocab.FELLOWSHIPS[found].for_family_friends
            return FellowshipFound(found, family, text.strip())
    for text in texts:
        if isinstance(text, str) and any(p.search(_plain(text)) for p in FAMILY_GROUP_PATTERNS):
            return FellowshipFound(None, True, text.strip())
    return FellowshipFound(None, False, None)


def _plain(text: str) -> str:
    """Return a text's words, accents removed, case kept, between single spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " " + " ".join(re.findall(r"[A-Za-z0-9]+", plain.replace("'", ""))) + " "


def _name_pattern(name: str) -> re.Pattern:
    """Return the pattern of a name in plain text: an all-caps abbreviation only as written."""
    words = re.escape(_plain(name))
    return re.compile(words) if name.isupper() else re.compile(words, re.IGNORECASE)


FELLOWSHIP_PATTERNS: list[tuple[re.Pattern, str]] = [
    (_name_pattern(name), code)
    for code, fellowship in vocab.FELLOWSHIPS.items()
    for name in dict.fromkeys((fellowship.name, fellowship.name_es, *fellowship.names))
]
FAMILY_GROUP_PATTERNS = [_name_pattern(name) for name in vocab.FAMILY_GROUP_NAMES]


def _first_fellowship(text: str) -> str | None:
    """Return the fellowship whose name starts first in a text (the longest name at a tie); a
    families' fellowship before any other, since its meetings name the one they are about
    ("Adult Children of Alcoholics AFG", "Nar-Anon, for families of NA members")."""
    plain = _plain(text)
    found = [
        (
            not vocab.FELLOWSHIPS[code].for_family_friends,
            match.start(),
            match.start() - match.end(),
            code,
        )
        for pattern, code in FELLOWSHIP_PATTERNS
        if (match := pattern.search(plain))
    ]
    return min(found)[-1] if found else None


# ---------------------------------------------------------------------------------------------
# Accessibility text
# ---------------------------------------------------------------------------------------------

# Patterns over one accessibility item (lower case, "_" read as a space). A "no" in an item
# outweighs a "yes" in the same item ("Wheelchair unaccessible"); phrases such as "varies",
# "not necessary for service" or "special arrangements can be made" state nothing.
WHEELCHAIR_NO = re.compile(r"\bnot\s+(?:\w+\s+){0,2}accessible\b|\b(?:un|in)accessible\b")
WHEELCHAIR_YES = re.compile(
    r"\bwheelchair\b(?!\s+accessibility\b)|building entrance|all floors|first floor only"
    r"|fully accessible|\bramps?\b|accessible entrance|step[- ]free|level access"
)
ASL_YES = re.compile(r"interpreter for the deaf|deaf interpreter|sign language|\basl\b")
LOW_VISION_YES = re.compile(r"braille|large (?:type|print)|audio description|screen reader")
ACCESSIBILITY_ITEM_SPLIT = re.compile(r"[;,\n]|(?<=[a-z)])\.\s+")


def accessibility_facts(items) -> dict[str, dict]:
    """Return wheelchair/ASL/low-vision facts stated by free-text accessibility items.

    `items` is a list of strings or one delimited string (";", ",", new lines or sentences).
    Items that contradict each other on wheelchair access leave it unknown.
    """
    found: dict[str, dict[str, str]] = {}  # attribute -> value -> first item stating it
    for item in _accessibility_items(items):
        text = re.sub(r"\s+", " ", item.replace("_", " ")).lower()
        stated = {}
        if WHEELCHAIR_NO.search(text):
            stated["wheelchair_accessible"] = "no"
        elif WHEELCHAIR_YES.search(text):
            stated["wheelchair_accessible"] = "yes"
        if ASL_YES.search(text):
            stated["asl"] = "yes"
        if LOW_VISION_YES.search(text):
            stated["low_vision_accessible"] = "yes"
        for attribute, value in stated.items():
            found.setdefault(attribute, {}).setdefault(value, item)
    return {
        attribute: {"value": value, "source": f"accessibility: {item}"}
        for attribute, values in found.items()
        if len(values) == 1
        for value, item in values.items()
    }


def _accessibility_items(items) -> list[str]:
    if items is None:
        return []
    texts = [items] if isinstance(items, str) else [str(i) for i in items if i is not None]
    return [
        part.strip()
        for text in texts
        for part in ACCESSIBILITY_ITEM_SPLIT.split(text)
        if part.strip()
    ]
