"""Read what a service costs and whom it serves from the free text sources write.

Conservative on purpose: a wrong fact hurts a person more than an unknown one. Cost is "free"
only when the text says so without a condition ("None", "Free", "None. Donations welcome");
"None for most services" is unknown. Eligibility states a gender or an age bound only when the
whole text names one group; a second group, an exception or a scope ("for pediatric services",
"spouse of any age") leaves it unknown.

Women "and their children" (or "with children"): the gender is the adult's, and no age bound
is read, since the children who come along are not the people the service is for.
"""

import re

from ingest.normalize.text import clean_text, number

# --- cost ---------------------------------------------------------------------------------

_SENTENCES_OF_FEES = re.compile(r"(?<=[^\W\d_])\.\s+|[;\n]|\.$")
_CLAUSES = re.compile(r",(?!\d)\s*(?:but\b)?")
_FREE = re.compile(
    r"^(?:none|free|no fees?|no charges?|no cost|free of charge|no fee required|"
    r"(?:there is )?no (?:fee|charge|cost) for (?:any )?services?|"
    r"(?:all )?services (?:are )?free)$",
    re.IGNORECASE,
)
_DONATION = re.compile(r"\bdonat|\bcontribution", re.IGNORECASE)
_REQUIRED = re.compile(r"(?<!not )\b(?:required|mandatory|must)\b", re.IGNORECASE)
_PAYMENT_METHODS = re.compile(
    r"^(?:cash|checks?|cheques?|credit|debit|cards?|money|orders?|cashiers'?|travell?ers'?|"
    r"paypal|venmo|all|payment|methods?|and|or|are|accepted|,|\s)+$",
    re.IGNORECASE,
)
_INSURANCE = re.compile(
    r"\b(?:insurance|medi-?cal|medicaid|medicare|medical assistance|mchp|healthy families|"
    r"healthy kids|tricare)\b",
    re.IGNORECASE,
)
_SLIDING = re.compile(
    r"\bsliding\b|\b(?:according to|based on|depending on)\s+(?:\w+\s+){0,2}"
    r"(?:income|ability to pay)\b|\bincome[- ]based\b|\d+\s*% of (?:[\w']+\s+){0,3}income",
    re.IGNORECASE,
)
_FEE_WORDS = re.compile(
    r"\b(?:fees?|dues|tuition|charges?|costs?|prices?|tickets?|membership|premiums?|co-?pays?|"
    r"rent|admission|vary|varies|fixed)\b",
    re.IGNORECASE,
)
_FEE = re.compile(rf"\$\s?\.?\d|{_FEE_WORDS.pattern}", re.IGNORECASE)
# Insurance named only to say it does not matter: "Treatment provided regardless of insurance".
_REGARDLESS = re.compile(r"\b(?:regardless of|without)\b[^.;]*", re.IGNORECASE)
_AMOUNT = re.compile(
    r"\$\s?(\d[\d,]*(?:\.\d+)?|\.\d+)(?:\s*(?:-|–|to)\s*\$?\s?(\d[\d,]*(?:\.\d+)?))?"
)
# The period a price is for, as the words right after it say it.
PERIODS: tuple[tuple[str, str], ...] = (
    ("hour", r"hour|hr|hourly"),
    ("day", r"day|daily|night|nightly"),
    ("week", r"week|weekly|wk"),
    ("month", r"month|monthly|mo"),
    ("year", r"year|yearly|annual|annually|yr"),
    ("session", r"session|visit|class"),
)
_PERIOD_AFTER = re.compile(
    r"^\s*(?:/|per|a|an|each|every)?\s*(?:1\s+)?(" + "|".join(w for _, w in PERIODS) + r")\b",
    re.IGNORECASE,
)


def _positive(value: float | None) -> float | None:
    return value if value is not None and value >= 0 else None


def parse_cost(text=None, amount=None, currency=None, period=None) -> dict:
    """Return a CostSchema-shaped dict: kind free|sliding_scale|fee|insurance|unknown, amount."""
    text = clean_text(text)
    kind, price, price_period = _cost_of_text(text or "")
    stated = _positive(number(amount))
    if stated is not None:
        price = stated if stated > 0 else None
        if stated == 0 and kind in ("unknown", "free"):
            kind = "free"
        elif stated > 0 and kind not in ("sliding_scale", "insurance"):
            kind = "fee"
    if period not in (None, ""):
        price_period = _period_word(str(period)) or price_period
    return {
        "kind": kind,
        "amount": price if kind == "fee" else None,
        "currency": clean_text(currency).upper() if clean_text(currency) else None,
        "period": price_period if kind == "fee" and price is not None else None,
        "text": text,
    }


def _cost_of_text(text: str) -> tuple[str, float | None, str | None]:
    """Return the kind of cost a fee text states, with its price and period if it has one."""
    clauses = []
    for sentence in _SENTENCES_OF_FEES.split(text):
        sentence = sentence.strip(" ,.")
        if _PAYMENT_METHODS.match(sentence) or _FREE.match(sentence):
            clauses.append(sentence)  # "Cash, checks and credit cards accepted" is one clause
        else:
            clauses += [c.strip(" ,.") for c in _CLAUSES.split(sentence)]
    clauses = [c for c in clauses if c]
    if not clauses:
        return "unknown", None, None
    kinds = [_clause_kind(c) for c in clauses]
    paid = " ".join(c for c, k in zip(clauses, kinds, strict=True) if k != "donation")
    insured = _INSURANCE.search(_REGARDLESS.sub(" ", text))
    if (
        set(kinds) <= {"free", "donation", "payment"}
        and {"free", "donation"} & set(kinds)
        and not insured
    ):
        return "free", None, None
    if _SLIDING.search(text):
        return "sliding_scale", None, None
    if insured:
        return "insurance", None, None
    if _FEE.search(paid) or "payment" in kinds:
        price, price_period = _only_price(paid)
        return "fee", price, price_period
    return "unknown", None, None


def _clause_kind(clause: str) -> str:
    """Return free, donation, payment (methods accepted) or other for one clause."""
    if _FREE.match(clause):
        return "free"
    if _DONATION.search(clause) and not (_REQUIRED.search(clause) or _FEE_WORDS.search(clause)):
        return "donation"  # "$3 suggested donation for meal"; not "$275 fee/donation"
    if re.fullmatch(r"not required|optional", clause, re.IGNORECASE):
        return "donation"  # "Voluntary donations accepted, not required"
    if _PAYMENT_METHODS.match(clause) and re.search(r"accepted|methods", clause, re.IGNORECASE):
        return "payment"
    return "other"


def _only_price(text: str) -> tuple[float | None, str | None]:
    """Return the one price `text` states (the top of a range) and the period after it.

    A text with several prices ("$50 administration fee. $25 for juveniles.") states no single
    amount; its words are kept for people to read.
    """
    prices = list(_AMOUNT.finditer(text))
    if len(prices) != 1:
        return None, None
    found = prices[0]
    price = _positive(number(found.group(2) or found.group(1)))
    after = _PERIOD_AFTER.match(text[found.end() :])
    return price, _period_word(after.group(1)) if after else None


def _period_word(text: str) -> str | None:
    """Return the period a word names ("weekly" is week), or None."""
    for code, words in PERIODS:
        if re.search(rf"\b(?:{words})\b", text, re.IGNORECASE):
            return code
    return None


# --- eligibility ----------------------------------------------------------------------------

GENDER_WORDS: dict[str, str] = {
    "woman": r"wom[ae]n|females?|girls?|ladies|lady|mothers?|moms?",
    "man": r"m[ae]n|males?|boys?|gentlemen|fathers?|dads?",
    "nonbinary": r"non-?binary|genderqueer|gender-?queer",
}
# Groups of people a text may name as served, beside the gendered ones. Naming a second group
# makes a gender or an age unclear ("Woman who is pregnant ..., child age 5 or under").
GROUP_WORDS: dict[str, str] = {
    "child": r"child|children|kids?|infants?|babies|toddlers|minors?",
    "youth": r"youths?|teens?|teenagers?|adolescents?|girls?|boys?",
    "adult": r"adults?|persons?|people|individuals?|anyone|everyone",
    "senior": r"seniors?|elderly",
    "family": r"famil(?:y|ies)|parents?|couples?|spouses?|households?",
    "student": r"students?",
    "helper": r"mentors?|volunteers?|tutors?|providers?|donors?",
}
PERSON_WORDS = "|".join(GROUP_WORDS.values())
ADULT_GENDER_WORDS = r"wom[ae]n|m[ae]n|ladies|lady|gentlemen|mothers?|fathers?|moms?|dads?"
# Children who come along with the person served.
_ACCOMPANYING = re.compile(
    r"\b(?:with|and)\s+(?:their\s+|her\s+|his\s+|minor\s+|dependent\s+)?"
    r"(?:child|children|kids|infants|babies|dependents)\b",
    re.IGNORECASE,
)
# The leading phrase that names who is served: up to the first comma, stop or qualifier.
_SUBJECT = re.compile(
    r"^(.*?)(?=[,.;:(]|\d|\b(?:who|whose|with|that|in|of|at|from|age|ages|aged|referred|"
    r"must|needing|experiencing|living|over|under|only)\b|$)",
    re.IGNORECASE | re.DOTALL,  # a multi-line text ends its subject at the end, not at a newline
)

# A number of years: not part of a larger number, a price, a fraction, an ordinal or a time.
_N = r"(?<![\d$/:])(?<!\d[,.])(\d{1,3})(?!\d|[,.:]\d|/|%|(?:st|nd|rd|th)\b|\s+1/2)"
_YEARS = r"(?:\s*(?:years?|yrs?)(?:\s+of\s+age|\s+old)?)?"
_AGE_WORD = r"(?:ages?|aged)"
_AGE_CONTEXT = rf"(?:\b{_AGE_WORD}|\b(?:{PERSON_WORDS}|{'|'.join(GENDER_WORDS.values())}))\W*"
AGE_PATTERNS: tuple[tuple[str, str], ...] = (
    # (kind, pattern); _BOUNDS says what each kind of statement means.
    ("range", rf"{_AGE_CONTEXT}(?:from\s+)?{_N}{_YEARS}\s*(?:-|–|to|through|thru)\s*{_N}"),
    ("range", rf"{_N}\s*(?:-|–|to)\s*{_N}\s*(?:years?|yrs?|year-olds?)\b"),
    ("birth", rf"\bbirth\s*(?:-|–|to|through|thru|until)\s*(?:{_AGE_WORD}\s+)?{_N}"),
    ("min", rf"{_N}{_YEARS}\s*(?:or|and|&)\s*(?:over|older|up|above)\b"),
    ("min", rf"{_N}\s*\+"),
    ("above", rf"\b(?:over|older than|above)\s+(?:the\s+)?(?:{_AGE_WORD}\s+(?:of\s+)?)?{_N}"),
    ("max", rf"{_N}{_YEARS}\s*(?:or|and)\s*(?:under|younger|below|less)\b"),
    ("below", rf"\b(?:under|younger than|below)\s+(?:the\s+)?(?:{_AGE_WORD}\s+(?:of\s+)?)?{_N}"),
    ("max", rf"\b(?:up to|through|until)\s+{_AGE_WORD}\s+{_N}"),
)
_AGE_STATEMENTS = re.compile(
    "|".join(f"(?P<{b}{i}>{p})" for i, (b, p) in enumerate(AGE_PATTERNS)), re.IGNORECASE
)
# Numbers of something other than years of age.
_NOT_AGE = re.compile(
    r"^\s*(?:months?|weeks?|days?|hours?|minutes?|percent|beds?|units?|classes|sessions|"
    r"times|people|persons)\b",
    re.IGNORECASE,
)
# Texts whose age statements do not bound who may come.
_AGE_ABORT = re.compile(
    r"\b(?:any|all)\s+ages?\b|\bof\s+all\s+ages\b|\b(?:younger|older)\s+if\b|"
    r"\bif\s+(?:younger|older)\b|\bexempt|\bexcept|\bunless\b|\baccompanied\b|\bconsent\b|"
    r"\bpermission\b|\bspouse|\bcaregiver|"
    r"\b(?:with|of|has|have|having)\s+(?:\w+\s+){0,3}(?:child|children|kids|infants|babies|"
    r"toddlers|minors?)\b[^.;]*?(?:\bages?\b|\baged\b|\d)|"
    rf"\bor\s+(?:\w+\s+){{0,2}}(?:disabled|handicapped|homebound|veterans?|{PERSON_WORDS})\b|"
    rf",\s*(?:and\s+|or\s+)?(?:\w+\s+){{0,2}}(?:taxpayers|{PERSON_WORDS})\b|"
    r"\b(?:is|are)\s+for\b|\bvar(?:y|ies)\b",
    re.IGNORECASE,
)
# A sentence saying anyone may come, beside an age statement elsewhere, scopes that statement
# to a part of the service ("Open to anyone. ... Program is for women, ages 40-64").
_OPEN_TO_ALL = re.compile(
    r"\b(?:anyone|everyone|open to (?:the\s+)?(?:public|all|any))\b", re.IGNORECASE
)
# A range of numbers no pattern read as ages ("or are 14-17"): an age statement may be missed.
_BARE_RANGE = re.compile(rf"{_N}\s*(?:-|–)\s*{_N}")
# "age 16 if a high school graduate", "onset before age 18": an age no pattern read.
_LOOSE_AGE = re.compile(rf"\b{_AGE_WORD}\s*{_N}", re.IGNORECASE)
# "Group home: age 9-18. Foster care: ...": parts of a service, each with its own terms.
_LABEL = re.compile(r"(?:^|[.;]\s+)[A-Z][\w /-]{0,40}:\s")
# Words just before a statement that negate it: "No boys over the age of 11",
# "cannot be older than 18".
_NEGATED = re.compile(r"\b(?:no|not|cannot|can't|never)\b(?:\W+\w+){0,3}\W*$", re.IGNORECASE)
_SENTENCES = re.compile(r"(?<!\b[A-Z])(?<!\d)\.\s+(?=[A-Z(])|;")
MAX_AGE = 130
# What each kind of statement in AGE_PATTERNS says, from the numbers it holds.
_BOUNDS = {
    "range": lambda n: (n[0], n[1]),
    "birth": lambda n: (0, n[0]),
    "min": lambda n: (n[0], None),
    "above": lambda n: (n[0] + 1, None),  # "over 16" is 17 and up
    "max": lambda n: (None, n[0]),
    "below": lambda n: (None, n[0] - 1),  # "under 18" is 17 and down
}


def parse_eligibility(text) -> dict:
    """Return the genders, min_age and max_age an eligibility text states, else empty values."""
    text = clean_text(text) or ""
    min_age, max_age = _ages(text)
    return {"genders": _genders(text), "min_age": min_age, "max_age": max_age}


def _gender_codes(text: str) -> set[str]:
    """Return the genders `text` names ("non-male" names none)."""
    return {
        code
        for code, words in GENDER_WORDS.items()
        if re.search(rf"(?<!non-)(?<!non )(?<!not )\b(?:{words})\b", text, re.IGNORECASE)
    }


def _groups(text: str) -> set[str]:
    """Return the groups of people a text names, children coming along left out."""
    text = _ACCOMPANYING.sub(" ", text)
    groups = {
        g for g, words in GROUP_WORDS.items() if re.search(rf"\b(?:{words})\b", text, re.IGNORECASE)
    }
    # "Woman or man", "Adult women": women and men are one group with adults.
    if re.search(rf"\b(?:{ADULT_GENDER_WORDS})\b", text, re.IGNORECASE):
        groups.add("adult")
    return groups


def _genders(text: str) -> list[str]:
    """Return the genders a text serves when its leading group is one gender and no other."""
    named = _gender_codes(_SUBJECT.match(text).group(1))
    if not named or _gender_codes(text) != named or {"woman", "man"} <= named:
        return []
    if len(_groups(text)) > 1 or _OPEN_TO_ALL.search(text):
        return []  # "Pregnant women or families with infants": fathers come too
    return sorted(named)


def _ages(text: str) -> tuple[int | None, int | None]:
    """Return the (min_age, max_age) a text states for everyone it serves, or (None, None)."""
    if _AGE_ABORT.search(text) or len(_groups(text)) > 1 or len(_LABEL.findall(text)) > 1:
        return None, None
    bounds: set[tuple[int | None, int | None]] = set()
    for sentence in _SENTENCES.split(text):
        found = _statements(sentence)
        if found is None:
            return None, None
        if not found and _OPEN_TO_ALL.search(sentence):
            found = [(None, None)]  # an unbounded group beside any bounded one
        bounds.update(found)
    lows = [low for low, high in bounds if low is not None and high is None]
    highs = [high for low, high in bounds if low is None and high is not None]
    if len(bounds) == 2 and len(lows) == 1 and len(highs) == 1:
        bounds = {(lows[0], highs[0])}  # "18 or older ... under 65"
    if len(bounds) != 1:
        return None, None
    low, high = bounds.pop()
    if any(v is not None and not 0 <= v <= MAX_AGE for v in (low, high)):
        return None, None
    if low is not None and high is not None and low > high:
        return None, None
    return low, high


def _statements(sentence: str) -> list[tuple[int | None, int | None]] | None:
    """Return (min_age, max_age) for each age statement in a sentence; None if one is scoped."""
    statements = []
    matches = list(_AGE_STATEMENTS.finditer(sentence))
    for found in matches:
        rest = sentence[found.end() :]
        if _NOT_AGE.match(rest):
            continue  # "3-5 days a week": not an age
        if re.match(r"^\W*(?:for|or)\b", rest, re.IGNORECASE) or _NEGATED.search(
            sentence[: found.start()]
        ):
            # "Age 18 or under for pediatric services", "Age 62 or over or handicapped".
            return None
        numbers = [int(n) for n in re.findall(_N, found.group())]
        if any(n > MAX_AGE for n in numbers):
            continue
        statements.append(_BOUNDS[found.lastgroup.rstrip("0123456789")](numbers))
    read = [found.span() for found in matches]
    for loose in (*_BARE_RANGE.finditer(sentence), *_LOOSE_AGE.finditer(sentence)):
        inside = any(start <= loose.start(1) and loose.end(1) <= end for start, end in read)
        if not inside and not _NOT_AGE.match(sentence[loose.end() :]):
            return None
    return statements
