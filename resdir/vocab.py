"""Define the vocabulary of needs, barriers, values and listing attributes: codes, English labels.

The codes are part of the API. Every other module refers to these tables; nothing else defines a
code. Labels are English here; translations come later from the same codes.
"""

from dataclasses import dataclass

# Categories of listings. The first four are the needs a person can ask for; "other" holds the
# services that real feeds also carry (food, legal aid, ...), kept so nothing read is lost.
NEEDS: dict[str, tuple[str, dict[str, str]]] = {
    "housing": (
        "Housing",
        {
            "shelter": "Emergency shelter",
            "recovery_residence": "Recovery residence (sober living, halfway house)",
            "transitional": "Transitional housing",
            "rental_assistance": "Rental assistance",
        },
    ),
    "transport": (
        "Transportation",
        {
            "nemt": "Medical rides (NEMT)",
            "transit_fare": "Transit passes and reduced fares",
            "ride_program": "Volunteer and community rides",
            "paratransit": "Paratransit",
        },
    ),
    "childcare": (
        "Childcare",
        {
            "center": "Childcare center",
            "family_home": "Family childcare home",
            "drop_in": "Drop-in childcare",
            "subsidy": "Childcare subsidy",
            "head_start": "Head Start",
            "during_meetings": "Childcare during meetings",
        },
    ),
    "sober_social": (
        "Sober social and support",
        {
            "meeting": "Recovery meeting",
            "recovery_center": "Recovery community center",
            "event": "Sober event",
        },
    ),
}
OTHER_CATEGORY = "other"
CATEGORY_LABELS: dict[str, str] = {code: label for code, (label, _) in NEEDS.items()} | {
    OTHER_CATEGORY: "Other services"
}


@dataclass(frozen=True)
class Attribute:
    """A three-valued fact a listing carries: yes, no or unknown, with where it came from."""

    label: str
    question: str  # how a person would ask about it, used in "call to confirm" reasons


# Facts stored per listing. A value that is a fact about the listing (secular, women_only, ...) has
# an attribute of the same code; barriers point at the attributes that address them (BARRIERS).
ATTRIBUTES: dict[str, Attribute] = {
    # access and accommodation
    "wheelchair_accessible": Attribute("Wheelchair accessible", "Is it wheelchair accessible?"),
    "asl": Attribute("American Sign Language", "Is ASL interpretation available?"),
    "low_vision_accessible": Attribute(
        "Accessible for blind and low-vision people", "Are materials accessible without sight?"
    ),
    "childcare": Attribute("Childcare on site or during meetings", "Is childcare available?"),
    "child_friendly": Attribute("Children welcome", "Can children come along?"),
    "pets_allowed": Attribute("Pets allowed", "Are pets allowed?"),
    "walk_in": Attribute("Walk in, no appointment or call needed", "Can someone just walk in?"),
    "transport_provided": Attribute("Transportation provided", "Do they provide a ride?"),
    # eligibility and policy
    "accepts_moud": Attribute(
        "Accepts people on MOUD (methadone, buprenorphine, naltrexone)",
        "Do they accept people on methadone or buprenorphine?",
    ),
    "no_id_required": Attribute("No ID required", "Is an ID required?"),
    "no_ssn_required": Attribute("No SSN or immigration status check", "Do they ask for an SSN?"),
    "accepts_records": Attribute(
        "Accepts people with criminal records", "Do they accept people with a record?"
    ),
    "proof_of_attendance": Attribute(
        "Proof of attendance for court or probation", "Can they sign a proof of attendance?"
    ),
    "accepts_medicaid": Attribute("Accepts Medicaid (Medi-Cal)", "Do they take Medicaid?"),
    "accepts_uninsured": Attribute("Serves people without insurance", "Do they serve uninsured?"),
    # values that are facts about a listing
    "secular": Attribute("Secular", "Is it secular?"),
    "faith_based": Attribute("Faith-based", "Is it faith-based?"),
    "twelve_step": Attribute("Twelve-step", "Is it a twelve-step program?"),
    "non_twelve_step": Attribute("Not twelve-step", "Is it outside the twelve-step model?"),
    "harm_reduction": Attribute("Harm reduction", "Do they follow harm reduction?"),
    "abstinence_based": Attribute("Abstinence-based", "Is it abstinence-based?"),
    "peer_led": Attribute("Peer-led", "Is it led by peers?"),
    "lgbtq_affirming": Attribute("LGBTQ+ affirming", "Is it LGBTQ+ affirming?"),
    "women_only": Attribute("Women only", "Is it for women only?"),
    "men_only": Attribute("Men only", "Is it for men only?"),
    "poc_centered": Attribute("People of color", "Is it centered on people of color?"),
    "native_centered": Attribute("Native and Indigenous", "Is it centered on Native people?"),
    "trauma_informed": Attribute("Trauma-informed", "Is it trauma-informed?"),
    "family_inclusive": Attribute("Family-inclusive", "Are families included?"),
    "for_family_friends": Attribute(
        "For families and friends", "Is it for the families and friends of people in recovery?"
    ),
    "young_people": Attribute("Young people", "Is it for young people?"),
    "seniors": Attribute("Seniors", "Is it for older adults?"),
    "newcomer_friendly": Attribute("Newcomer-friendly", "Is it good for newcomers?"),
}
FACT_VALUES = ("yes", "no")  # stored facts; an absent attribute is "unknown"
TRI_STATES = ("yes", "no", "unknown")


@dataclass(frozen=True)
class Barrier:
    """Something a person faces, and what about a listing addresses it.

    A known "yes" on any of `attributes` addresses the barrier; a known "no" on all of them is a
    conflict that hides the listing. `helps` are facts that help when known "yes" and are no
    conflict when "no". A barrier answered by another listing field names its `rule`: travel
    (reachable without a car), cost (free or sliding scale), language (serves in the person's
    language), evening_hours (open evenings or weekends), in_person (meets in person),
    confidential (a confidential location).
    """

    label: str
    attributes: tuple[str, ...] = ()
    helps: tuple[str, ...] = ()
    rule: str = ""


BARRIERS: dict[str, Barrier] = {
    "no_vehicle": Barrier("No car", helps=("transport_provided",), rule="travel"),
    "needs_childcare": Barrier("Needs childcare", ("childcare", "child_friendly")),
    "low_income": Barrier("Low income", rule="cost"),
    "uninsured": Barrier("No health insurance", ("accepts_uninsured",)),
    "medicaid": Barrier("Has Medicaid", ("accepts_medicaid",)),
    "no_id": Barrier("No ID", ("no_id_required",)),
    "justice_involved": Barrier(
        "Justice-involved (record, probation, court)",
        ("accepts_records",),
        helps=("proof_of_attendance",),
    ),
    "on_moud": Barrier("On methadone, buprenorphine or naltrexone", ("accepts_moud",)),
    "limited_english": Barrier("Limited English", rule="language"),
    "mobility": Barrier("Uses a wheelchair or has limited mobility", ("wheelchair_accessible",)),
    "deaf_hoh": Barrier("Deaf or hard of hearing", ("asl",)),
    "blind_low_vision": Barrier("Blind or low vision", ("low_vision_accessible",)),
    "has_pet": Barrier("Has a pet", ("pets_allowed",)),
    "lgbtq_safety": Barrier("Needs an LGBTQ+-safe place", ("lgbtq_affirming",)),
    "dv_survivor": Barrier(
        "Domestic violence survivor", helps=("women_only",), rule="confidential"
    ),
    "undocumented": Barrier("Undocumented", ("no_ssn_required",)),
    "works_daytime": Barrier("Works during the day", rule="evening_hours"),
    "no_phone": Barrier("No phone", ("walk_in",)),
    "no_internet": Barrier("No internet", rule="in_person"),
}


@dataclass(frozen=True)
class Value:
    """Something a person prefers or avoids; `attribute` is the listing fact that carries it."""

    label: str
    attribute: str | None  # None: derived from the listing's address and online fields


VALUES: dict[str, Value] = {
    code: Value(ATTRIBUTES[code].label, code)
    for code in (
        "secular",
        "faith_based",
        "twelve_step",
        "non_twelve_step",
        "harm_reduction",
        "abstinence_based",
        "peer_led",
        "lgbtq_affirming",
        "women_only",
        "men_only",
        "poc_centered",
        "native_centered",
        "trauma_informed",
        "family_inclusive",
        "for_family_friends",
        "young_people",
        "seniors",
        "newcomer_friendly",
    )
} | {
    "online": Value("Online", None),
    "in_person": Value("In person", None),
}
# A meeting for families and friends (Al-Anon, Nar-Anon, ...) is offered to a person seeking their
# own recovery only when they ask for it with this value, at "prefer" or "require".
FAMILY_FRIENDS = "for_family_friends"


@dataclass(frozen=True)
class Fellowship:
    """A mutual-help fellowship: its name, Spanish name, the names feeds and people use for it."""

    name: str
    name_es: str
    names: tuple[str, ...] = ()  # also recognised in feeds; ALL-CAPS ones only as written
    aliases: tuple[str, ...] = ()  # searched only: also an everyday abbreviation (CA, GA, MA)
    for_family_friends: bool = False


# Known fellowships by code: the one table of their names and abbreviations (`q=AA` finds
# Alcoholics Anonymous; a feed whose entity says "Al-Anon" is Al-Anon's).
FELLOWSHIPS: dict[str, Fellowship] = {
    "aa": Fellowship("Alcoholics Anonymous", "Alcohólicos Anónimos", ("AA",)),
    "na": Fellowship("Narcotics Anonymous", "Narcóticos Anónimos", ("NA",)),
    "ca": Fellowship("Cocaine Anonymous", "Cocainómanos Anónimos", aliases=("CA",)),
    "cma": Fellowship("Crystal Meth Anonymous", "Crystal Meth Anonymous", ("CMA",)),
    "ha": Fellowship("Heroin Anonymous", "Heroína Anónimos", aliases=("HA",)),
    "ma": Fellowship("Marijuana Anonymous", "Marihuana Anónimos", aliases=("MA",)),
    "pa": Fellowship("Pills Anonymous", "Pills Anonymous", aliases=("PA",)),
    "ga": Fellowship("Gamblers Anonymous", "Jugadores Anónimos", aliases=("GA",)),
    "oa": Fellowship("Overeaters Anonymous", "Comedores Compulsivos Anónimos", aliases=("OA",)),
    "eda": Fellowship("Eating Disorders Anonymous", "Eating Disorders Anonymous", ("EDA",)),
    "slaa": Fellowship(
        "Sex and Love Addicts Anonymous", "Adictos al Sexo y al Amor Anónimos", ("SLAA",)
    ),
    "coda": Fellowship("Co-Dependents Anonymous", "Codependientes Anónimos", ("CoDA",)),
    "aca": Fellowship(
        "Adult Children of Alcoholics", "Hijos Adultos de Alcohólicos", ("ACA", "ACoA")
    ),
    "smart": Fellowship("SMART Recovery", "SMART Recovery", aliases=("SMART",)),
    "refuge": Fellowship("Refuge Recovery", "Refuge Recovery"),
    "dharma": Fellowship("Recovery Dharma", "Recovery Dharma"),
    "lifering": Fellowship(
        "LifeRing Secular Recovery", "LifeRing Secular Recovery", ("LifeRing", "Life Ring")
    ),
    "celebrate": Fellowship("Celebrate Recovery", "Celebrate Recovery", aliases=("CR",)),
    "wfs": Fellowship("Women for Sobriety", "Women for Sobriety", ("WFS",)),
    "al-anon": Fellowship(
        "Al-Anon", "Al-Anon", ("Al-Anon Family Groups", "Alanon", "AFG"), for_family_friends=True
    ),
    "alateen": Fellowship("Alateen", "Alateen", for_family_friends=True),
    "nar-anon": Fellowship(
        "Nar-Anon", "Nar-Anon", ("Nar-Anon Family Groups", "Naranon"), for_family_friends=True
    ),
    "co-anon": Fellowship(
        "Co-Anon", "Co-Anon", ("Co-Anon Family Groups",), for_family_friends=True
    ),
    "gam-anon": Fellowship("Gam-Anon", "Gam-Anon", for_family_friends=True),
    "s-anon": Fellowship("S-Anon", "S-Anon", for_family_friends=True),
    "families-anonymous": Fellowship(
        "Families Anonymous", "Familias Anónimas", for_family_friends=True
    ),
}
# Names that say a meeting is for families and friends whichever fellowship holds it.
FAMILY_GROUP_NAMES = ("Family Group", "Family Groups")

STRENGTHS = {"require": "Must have", "prefer": "Would like", "avoid": "Would rather avoid"}
TRAVEL_MODES = {
    "walk": "On foot",
    "transit": "Public transit",
    "car": "By car",
    "any": "Any way I can get there",
}

GENDERS = {"woman": "Women", "man": "Men", "nonbinary": "Nonbinary people"}
LISTING_STATUSES = ("published", "pending", "unpublished")
GEOCODE_PRECISIONS = ("source", "address", "postal_code", "city")
VERIFIERS = ("agency", "admin", "source")
COST_KINDS = ("free", "sliding_scale", "fee", "insurance", "unknown")
CAPACITY_UNITS = ("beds", "seats", "slots")


def need_codes() -> list[str]:
    """Return every need code a profile may ask for: categories and `category.subcategory`."""
    codes = []
    for category, (_, subcategories) in NEEDS.items():
        codes.append(category)
        codes.extend(f"{category}.{sub}" for sub in subcategories)
    return codes
