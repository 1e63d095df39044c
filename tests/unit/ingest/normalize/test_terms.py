"""Cost and eligibility as real feeds write them in free text."""

import pytest

from ingest.normalize.terms import parse_cost, parse_eligibility
from ingest.readers.files import csv_rows, load_json, read_text
from resdir.model import CostSchema, EligibilitySchema


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("None", "free"),
        ("None.", "free"),
        ("Free", "free"),
        ("No fee", "free"),
        ("No fees", "free"),
        ("None. Donations welcome", "free"),
        ("None, but donations welcome", "free"),
        ("None.  Voluntary donation basket is passed at meetings.", "free"),
        ("Voluntary donations accepted, not required.", "free"),
        ("$2.50 suggested donation for lunch. Cash and checks accepted", "free"),
        ("Sliding scale", "sliding_scale"),
        ("Sliding fee scale.", "sliding_scale"),
        ("Vary according to income", "sliding_scale"),
        ("Vary according to income. Cash, Medi-Cal and Medicare accepted", "sliding_scale"),
        ("30% of tenant's gross income", "sliding_scale"),
        ("Medi-Cal, Medicare, private insurance", "insurance"),
        ("Medicaid and some private insurance.", "insurance"),
        ("Vary according to service", "fee"),
        ("Cash, checks and credit cards accepted", "fee"),
        ("$30 one-time registration donation required for new volunteers", "fee"),
        ("$275 reimbursement fee/donation. Checks accepted", "fee"),
        # conditions and scopes leave it unknown rather than "free"
        ("None for most services", "unknown"),
        ("None if already enrolled at the college", "unknown"),
        ("All services except experimental treatments are free.", "unknown"),
        ("See notes.", "unknown"),
        ("DDA funding.", "unknown"),
        (None, "unknown"),
    ],
)
def test_cost_kind(text, kind):
    cost = parse_cost(text)
    assert cost["kind"] == kind
    assert CostSchema().validate(cost) == {}


@pytest.mark.parametrize(
    ("text", "amount", "period"),
    [
        ("$100-150 weekly.", 150.0, "week"),  # a range gives its top
        ("$45/month", 45.0, "month"),
        ("Dues are $25 per year", 25.0, "year"),
        ("Tuition $1,475 total offset by earnings", 1475.0, None),
        ("$10 per night.  Fixed fees.", 10.0, "day"),
        ("$.75 for item reserves", 0.75, None),
        # several prices state no single amount; the text keeps them
        ("$100-150 weekly.  $75 registration fee.", None, None),
        ("$50 Administration fee. $25 for juveniles.", None, None),
    ],
)
def test_fee_amount_and_period(text, amount, period):
    cost = parse_cost(text)
    assert (cost["kind"], cost["amount"], cost["period"]) == ("fee", amount, period)
    assert cost["text"] == " ".join(text.split())  # kept for people to read


def test_a_suggested_donation_is_not_a_price():
    cost = parse_cost("$3 suggested donation for meal. Cash and checks accepted")
    assert (cost["kind"], cost["amount"]) == ("free", None)


def test_structured_cost_option():
    """HSDS 3.0 cost_options: amount, currency and amount_description in their own fields."""
    cost = parse_cost("Under 18s and Over 60s", "35", "gbp", "per 1 hour session")
    assert cost == {
        "kind": "fee",
        "amount": 35.0,
        "currency": "GBP",
        "period": "hour",
        "text": "Under 18s and Over 60s",
    }
    assert parse_cost(amount="0")["kind"] == "free"
    assert parse_cost("Sliding scale", amount="40")["kind"] == "sliding_scale"


@pytest.mark.parametrize(
    ("text", "genders", "min_age", "max_age"),
    [
        ("Age 55 or over", [], 55, None),
        ("18 and older", [], 18, None),
        ("Homeless women, 18 and older, including those with HIV/AIDS", ["woman"], 18, None),
        ("Youth ages 12-24", [], 12, 24),
        ("Children 0-5", [], 0, 5),
        ("Children from birth to age 3 who show a delay", [], 0, 3),
        ("Women and their children", ["woman"], None, None),  # the children come along
        ("Woman (single or with children), victim of domestic violence", ["woman"], None, None),
        ("Women ages 18 or older and their children.", ["woman"], 18, None),
        ("Men only", ["man"], None, None),
        ("Males, 18 and older, who have completed a 28-day detox program.", ["man"], 18, None),
        ("Retired and semi-retired man", ["man"], None, None),
        ("Girls ages 5-17 years.", ["woman"], 5, 17),
        ("Woman or man age 18 or over", [], 18, None),  # both: no gender restriction
        ("Open to anyone over 16.", [], 17, None),  # over 16 is 17 and up
        ("Youth, under 18", [], None, 17),
        ("Age 18 or under", [], None, 18),
        ("None", [], None, None),
        ("Non-male identified", [], None, None),
    ],
)
def test_eligibility(text, genders, min_age, max_age):
    stated = parse_eligibility(text)
    assert stated == {"genders": genders, "min_age": min_age, "max_age": max_age}
    assert EligibilitySchema().validate(stated) == {}


@pytest.mark.parametrize(
    ("text", "genders"),
    [
        # a second group served, with its own bound or none
        ("Woman who is pregnant or breastfeeding, child age 5 or under at nutritional risk", []),
        ("Seniors (60+), people with disabilities, and low-income taxpayers.", []),
        ("Age 60 or over and spouse of any age", []),
        ("Age 62 or over or handicapped, meet federal low-income guidelines", []),
        ("Pregnant women or families with infants.", []),
        ("Drug and alcohol-free men ages 18 and older. Soup kitchen open to anyone in need.", []),
        # the age is someone else's
        ("Low-income parents with children ages 3-5.", []),
        ("Homeless women and their children (cannot be older than 18).", ["woman"]),
        ("Single women and women with children.  No boys over the age of 11.", []),
        # scoped or conditional
        ("Age 18 or under for pediatric services. None for obstetric services", []),
        ("Age 18 or over (age 16 if a high school graduate) and a United States citizen", []),
        (
            "Open to anyone. Women's Health Screening Program is for low-income women, ages 40-64.",
            [],
        ),
        ("Group home: age 9-18. Foster care: age 6 months -18", []),
        ("Persons eligible to work in the U.S. who are over 18 or are 14-17 with a permit.", []),
    ],
)
def test_unclear_eligibility_states_no_bound(text, genders):
    assert parse_eligibility(text) == {"genders": genders, "min_age": None, "max_age": None}


@pytest.mark.shared_data
def test_san_mateo_fees(shared_data):
    services = load_json(shared_data / "ohana-api-smc-historical" / "cip_mvp.json", [])
    fees = {s["name"]: s["fees"] for (s,) in services if s.get("fees")}
    costs = [parse_cost(text) for text in fees.values()]
    classified = sum(c["kind"] != "unknown" for c in costs)
    assert len(fees) >= 1500
    assert classified / len(costs) >= 0.95  # 96% when written
    assert parse_cost(fees["Heritage Home."])["kind"] == "sliding_scale"
    assert parse_cost(fees["Pacifica Senior Services."])["kind"] == "free"


@pytest.mark.shared_data
def test_baltimore_fees(shared_data):
    text = read_text(shared_data / "bchd-baltimore-charmcare-icarol" / "services.csv", [])
    costs = [parse_cost(row["fees"]) for _, row in csv_rows(text) if row["fees"]]
    kinds = [c["kind"] for c in costs]
    assert len(costs) == 1859
    assert kinds.count("free") >= 940  # 954 when written: mostly "None."
    assert kinds.count("unknown") <= 150  # "See notes." among them
    assert kinds.count("sliding_scale") >= 220


@pytest.mark.shared_data
def test_san_mateo_eligibility(shared_data):
    services = load_json(shared_data / "ohana-api-smc-historical" / "cip_mvp.json", [])
    by_name = {
        s["name"]: s["eligibility_requirements"]
        for (s,) in services
        if s.get("eligibility_requirements")
    }
    stated = [parse_eligibility(text) for text in by_name.values()]
    assert sum(bool(s["genders"]) for s in stated) >= 20  # 22 when written
    assert sum(s["min_age"] is not None or s["max_age"] is not None for s in stated) >= 200
    assert parse_eligibility(by_name["Branch #51."])["genders"] == ["man"]
    riley = "San Francisco District Council., Riley Center."
    assert parse_eligibility(by_name[riley])["genders"] == ["woman"]
    wic = next(
        name for name in by_name if name.endswith("Women, Infants and Children (WIC) Program.")
    )
    assert parse_eligibility(by_name[wic]) == {"genders": [], "min_age": None, "max_age": None}
    meals = "Meals on Wheels - Coastside."
    assert parse_eligibility(by_name[meals])["min_age"] is None  # "60 or over or homebound"


@pytest.mark.shared_data
def test_baltimore_eligibility(shared_data):
    text = read_text(shared_data / "bchd-baltimore-charmcare-icarol" / "services.csv", [])
    stated = [
        parse_eligibility(row["eligibility"]) for _, row in csv_rows(text) if row["eligibility"]
    ]
    assert len(stated) == 1852
    assert sum(s["genders"] == ["woman"] for s in stated) >= 40
    assert sum(s["genders"] == ["man"] for s in stated) >= 20
    assert sum(s["min_age"] == 18 and s["max_age"] is None for s in stated) >= 170  # 178
