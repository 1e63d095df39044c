"""Tests for the crosswalks: taxonomy terms, Meeting Guide types and accessibility text."""

import re
from collections import Counter
from pathlib import Path

import pytest

from ingest.crosswalk import (
    AIRS_NEEDS,
    LANGUAGE_TYPES,
    MEETING_TYPES,
    NEED_BY_KEY,
    OPEN_ELIGIBILITY_IDS,
    TERM_NEEDS,
    accessibility_facts,
    classify,
    fellowship_of,
    meeting_types,
)
from ingest.readers.files import csv_rows, load_json, read_text
from resdir.vocab import NEEDS, OTHER_CATEGORY

FEEDS = "code4recovery-tsml-ui-meeting-feeds"
BALTIMORE = "bchd-baltimore-charmcare-icarol"
SF_211 = "sfbrigade-sf-openreferral-data/211/sf_only.csv"
CIP = "ohana-api-smc-historical/cip_mvp.json"


def airs(*codes):
    return [{"scheme": "airs", "code": code} for code in codes]


def keywords(*names):
    return [{"scheme": "keyword", "name": name} for name in names]


def need(result):
    return (result.category, result.subcategories)


def rows(path: Path) -> list[dict]:
    return [row for _, row in csv_rows(read_text(path, []))]


def feed(shared_data: Path, name: str) -> list[dict]:
    return load_json(shared_data / FEEDS / name, [])


# --- classify: rules -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("BH", ("housing", [])),
        ("BH-1800", ("housing", ["shelter"])),
        ("BH-1800.1500-100", ("housing", ["shelter"])),  # DV shelter, under emergency shelter
        ("BH-8600", ("housing", ["transitional"])),
        ("BH-3800.7000", ("housing", ["rental_assistance"])),
        ("RX-8500.6500", ("housing", ["recovery_residence"])),
        ("BT-4500", ("transport", [])),
        ("BT-4500.6500-500", ("transport", ["nemt"])),
        ("BT-4500.6500-170", ("transport", ["paratransit"])),
        ("BT-8300", ("transport", ["transit_fare"])),
        ("PH-1250", ("childcare", [])),
        ("PH-1250.1700", ("childcare", ["drop_in"])),
        ("NL-3000.1500", ("childcare", ["subsidy"])),
        ("HD-1800.3000", ("childcare", ["head_start"])),
        ("PN-8100.0500", ("sober_social", ["meeting"])),
        ("PN-8100.0500-230", ("sober_social", ["meeting"])),  # Al-Anon style family groups
    ],
)
def test_airs_codes_map_by_longest_prefix(code, expected):
    assert need(classify(airs(code))) == expected


def test_airs_prefix_ends_at_a_code_boundary():
    result = classify(airs("PH-1251"))
    assert need(result) == (OTHER_CATEGORY, [])
    assert result.unknown == airs("PH-1251")


def test_airs_target_population_suffix_is_split_off():
    assert need(classify(airs("RX-8500.6500 * YS-2000.9500"))) == (
        "housing",
        ["recovery_residence"],
    )


def test_carved_out_branch_is_other_but_not_unknown():
    repairs = classify(airs("BH-3000.1800-950"))  # weatherization, under BH housing
    assert need(repairs) == (OTHER_CATEGORY, [])
    assert repairs.unknown == []
    assert need(classify(airs("BH-3000", "BH-8600"))) == ("housing", ["transitional"])


def test_lgbtq_support_group_code_states_a_fact():
    result = classify(airs("PN-8100.0500", "PN-8100.4500-240"))
    assert need(result) == ("sober_social", ["meeting"])
    assert result.facts == {"lgbtq_affirming": {"value": "yes", "source": "AIRS PN-8100.4500-240"}}


def test_open_eligibility_by_id_and_by_name():
    assert need(classify([{"scheme": "open_eligibility", "code": "101-04"}])) == (
        "housing",
        ["shelter"],
    )
    by_name = classify([{"scheme": "open_eligibility", "name": "Sober Living"}])
    assert need(by_name) == ("housing", ["recovery_residence"])
    spelled_apart = classify([{"scheme": "open_eligibility", "name": "Child Care"}])
    assert need(spelled_apart) == ("childcare", [])


def test_open_eligibility_name_outranks_an_id_of_another_edition():
    # Maryland 211 numbers Childcare 108-05; in the Ohana edition 108-05 is Navigating the System
    term = {"scheme": "open_eligibility", "code": "108-05", "name": "Childcare"}
    assert need(classify([term])) == ("childcare", [])
    assert need(classify([{"scheme": "open_eligibility", "code": "108-05"}])) == ("other", [])


def test_twelve_step_terms_state_the_twelve_step_fact():
    result = classify([{"scheme": "open_eligibility", "code": "106-01-01"}])
    assert need(result) == ("sober_social", ["meeting"])
    assert result.facts["twelve_step"] == {"value": "yes", "source": "Open Eligibility 12-Step"}


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("EMERGENCY SHELTERS", ("housing", ["shelter"])),
        ("halfway house", ("housing", ["recovery_residence"])),
        ("Half-way Houses", ("housing", ["recovery_residence"])),
        ("Child Care Centers", ("childcare", ["center"])),
        ("childcare centers", ("childcare", ["center"])),
        ("Transportation", ("transport", [])),
        ("Alcoholics Anonymous", ("sober_social", ["meeting"])),
    ],
)
def test_keywords_match_whole_normalised_names(word, expected):
    assert need(classify(keywords(word))) == expected


@pytest.mark.parametrize(
    "word",
    [
        "Provides referrals about housing",
        "Housing Discrimination Assistance",
        "Homeless Shelter Volunteer Opportunities",
        "Animal Shelters",
        "Public Inebriate Transportation",
    ],
)
def test_an_incidental_word_does_not_classify(word):
    result = classify(keywords(word))
    assert need(result) == (OTHER_CATEGORY, [])
    assert result.unknown == keywords(word)


def test_the_need_named_by_most_terms_wins_and_keeps_all_its_subcategories():
    result = classify(airs("PH-1250", "BH-1800", "BH-8600", "BD-1800.2000"))
    assert need(result) == ("housing", ["shelter", "transitional"])


def test_a_tie_goes_to_the_more_specific_need_then_to_the_first_listed():
    assert need(classify(airs("BT", "PH-1250.1400"))) == ("childcare", ["center"])
    assert need(classify(airs("BT", "PH-1250"))) == ("transport", [])
    assert need(classify(airs("PH-1250", "BT"))) == ("childcare", [])


def test_any_need_outranks_other():
    assert need(classify(airs("BD-1800.2000", "LH-2700", "BH-8600"))) == (
        "housing",
        ["transitional"],
    )


def test_a_meeting_is_always_a_sober_social_meeting():
    result = classify(
        [*keywords("Transportation"), {"scheme": "meeting_guide", "code": "W"}], "meeting"
    )
    assert need(result) == ("sober_social", ["meeting"])
    assert result.unknown == []


def test_resdir_need_codes_are_read_as_given():
    assert need(classify([{"scheme": "resdir", "code": "housing.recovery_residence"}])) == (
        "housing",
        ["recovery_residence"],
    )
    assert need(classify([{"scheme": "resdir", "code": "transport"}])) == ("transport", [])
    bad = {"scheme": "resdir", "code": "housing.mansion"}
    assert classify([bad]).unknown == [bad]


def test_a_sources_own_scheme_is_neither_read_nor_reported():
    result = classify([{"scheme": "icarol_category", "code": "Housing"}])
    assert (need(result), result.unknown) == ((OTHER_CATEGORY, []), [])


def test_every_mapped_need_is_a_resdir_need():
    for target in [*AIRS_NEEDS.values(), *TERM_NEEDS.values()]:
        category, _, sub = target.partition(".")
        assert target == OTHER_CATEGORY or (category in NEEDS and sub in ("", *NEEDS[category][1]))
    assert len(NEED_BY_KEY) == len(TERM_NEEDS)  # no two names collapse onto one key


# --- classify: real data -------------------------------------------------------------------


@pytest.fixture(scope="module")
def baltimore_airs(shared_data):
    return load_json(shared_data / BALTIMORE / "service_icarol_categories.json", [])


@pytest.mark.shared_data
@pytest.mark.parametrize(
    ("service_id", "expected"),
    [
        ("143903", ("housing", ["transitional"])),  # Sister to Sister House of New Beginnings
        ("140099", ("housing", ["recovery_residence"])),  # Courage to Change Foundation
        ("141536", ("housing", ["shelter"])),  # Angels' Watch Regional Shelter (DV)
        ("140024", ("transport", ["nemt", "paratransit", "ride_program"])),  # Carroll Area Transit
        ("141598", ("childcare", ["subsidy"])),  # Harford County DSS, Purchase of Care
        ("143809", ("childcare", ["head_start"])),  # Head Start Program, Herring Run
        ("139849", ("sober_social", ["meeting"])),  # Alcoholics Anonymous, Baltimore Intergroup
        ("141761", (OTHER_CATEGORY, [])),  # Kingshire Manor, an assisted living facility
    ],
)
def test_baltimore_services_by_airs_codes(baltimore_airs, service_id, expected):
    assert need(classify(airs(*baltimore_airs[service_id]))) == expected


@pytest.mark.shared_data
def test_baltimore_airs_categories_across_the_whole_export(baltimore_airs):
    counts = Counter(classify(airs(*codes)).category for codes in baltimore_airs.values())
    assert counts == {
        "other": 1456,
        "housing": 195,
        "childcare": 101,
        "sober_social": 49,
        "transport": 48,
    }


@pytest.mark.shared_data
def test_baltimore_open_eligibility_edition_is_read_by_name(shared_data):
    terms = {
        row["taxonomy_id"]: {
            "scheme": "open_eligibility",
            "code": row["taxonomy_id"],
            "name": row["name"],
        }
        for row in rows(shared_data / BALTIMORE / "categories.csv")
    }
    assert need(classify([terms["103-09-02"]])) == ("housing", ["recovery_residence"])
    assert need(classify([terms["108-04-04"]])) == ("childcare", [])  # Ohana: Pain Management
    id_only = {"scheme": "open_eligibility", "code": "108-04-04"}
    assert need(classify([id_only])) == (OTHER_CATEGORY, [])


@pytest.mark.shared_data
def test_open_eligibility_ids_name_the_terms_of_the_ohana_edition(shared_data):
    names = {}
    stack = [load_json(shared_data / "ohana-api-sample-csv/oe.json", [])]
    while stack:  # oe.json nests terms under *_level lists of {"@id", "@title"}
        node = stack.pop()
        if isinstance(node, dict):
            if "@id" in node:
                names[node["@id"]] = node["@title"]
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    assert {i: names.get(i) for i in OPEN_ELIGIBILITY_IDS} == OPEN_ELIGIBILITY_IDS


@pytest.mark.shared_data
def test_cip_keywords(shared_data):
    services = {
        record["name"]: record for (record,) in load_json(shared_data / CIP, []) if "name" in record
    }

    def cip(name):
        return need(classify(keywords(*services[name]["keywords"])))

    assert cip("San Mateo Central Office.") == ("sober_social", ["meeting"])  # AA
    assert cip("Redi-Wheels and RediCoast.") == ("transport", ["paratransit"])
    assert cip("Family Crossroads Transitional Housing.") == ("housing", ["transitional"])
    counts = Counter(
        classify(keywords(*(r.get("keywords") or []))).category
        for (r,) in load_json(shared_data / CIP, [])
    )
    assert counts == {
        "other": 1491,
        "housing": 135,
        "childcare": 47,
        "transport": 11,
        "sober_social": 5,
    }


@pytest.mark.shared_data
def test_a_description_about_housing_does_not_make_a_housing_listing(shared_data):
    sample = shared_data / "ohana-api-sample-csv"
    name = "Fair Oaks Adult Activity Center"
    location = next(r for r in rows(sample / "locations.csv") if r["name"] == name)
    assert "questions of housing" in location["description"]
    service = next(r for r in rows(sample / "services.csv") if r["name"] == name)
    terms = keywords(*(k.strip() for k in service["keywords"].split(",")))
    assert need(classify(terms)) == (OTHER_CATEGORY, [])


@pytest.mark.shared_data
def test_sf_211_taxonomy_codes_and_tax_words(shared_data):
    agencies = {r["ResourceAgencyNum"]: r for r in rows(shared_data / SF_211)}

    def tax(agency):
        return need(classify(keywords(agencies[agency]["Tax"])))

    assert tax("10602817") == ("housing", ["recovery_residence"])  # Delancey Street: sober living
    assert tax("10597088") == ("childcare", ["head_start"])  # Mission Neighborhood Centers
    assert tax("10597703") == ("transport", ["transit_fare"])  # One Stop: discount transit passes
    lgbtq = classify(keywords(agencies["10596986"]["Tax"]))  # API Wellness Center
    assert lgbtq.facts["lgbtq_affirming"]["value"] == "yes"
    # A "recovery residence" by name, but 211 files it as residential treatment for women
    gracenter = agencies["10605215"]["TaxonomyCodes"].split(";")
    assert need(classify(airs(*gracenter))) == (OTHER_CATEGORY, [])


@pytest.mark.shared_data
def test_ccld_facility_types_are_childcare(shared_data):
    facilities = load_json(shared_data / "sf-childcare-ccld/childcare_all_coordinates.json", [])
    counts = Counter(need(classify(keywords(f["facility_type"])))[1][0] for f in facilities)
    assert counts == {"family_home": 577, "center": 567}


# --- meeting_types: rules ------------------------------------------------------------------


def test_meeting_type_codes_state_facts_languages_and_flags():
    result = meeting_types(["O", "D", "W", "X", "S", "TC", "ONL"])
    assert result.facts == {
        "women_only": {"value": "yes", "source": "Meeting Guide type W"},
        "wheelchair_accessible": {"value": "yes", "source": "Meeting Guide type X"},
    }
    assert (result.languages, result.temporarily_closed, result.unknown) == (["es"], True, [])


def test_absent_codes_leave_facts_unknown():
    result = meeting_types(["O", "D"])
    assert result.facts == {}
    assert not result.temporarily_closed


@pytest.mark.parametrize(
    ("types", "facts", "languages"),
    [
        ("C", set(), []),
        ("W,X", {"women_only", "wheelchair_accessible"}, []),
        ("[open]", set(), []),
        ("[big book]", set(), []),
        (["onl", "x"], {"wheelchair_accessible"}, []),
        ("Open, Wheelchair Access, Online Meeting", {"wheelchair_accessible"}, []),
        (["12X12", "12 Steps & 12 Traditions"], set(), []),
        ("Women, Spanish, Tagalog", {"women_only"}, ["es", "tl"]),
        (None, set(), []),
    ],
)
def test_meeting_types_read_codes_and_words_in_every_shape(types, facts, languages):
    result = meeting_types(types)
    assert (set(result.facts), result.languages, result.unknown) == (facts, languages, [])


def test_unknown_meeting_codes_are_kept_verbatim():
    result = meeting_types(["O", "GL", "cw", "", "GL"])
    assert (result.facts, result.unknown) == ({}, ["GL", "cw"])


@pytest.mark.parametrize(
    ("code", "attribute"),
    [
        ("A", "secular"), ("M", "men_only"), ("LGBTQ", "lgbtq_affirming"),
        ("NB", "lgbtq_affirming"), ("POC", "poc_centered"), ("NDG", "native_centered"),
        ("Y", "young_people"),
        ("SEN", "seniors"), ("BE", "newcomer_friendly"), ("XB", "wheelchair_accessible"),
        ("BA", "childcare"), ("CF", "child_friendly"), ("ASL", "asl"),
        ("POA", "proof_of_attendance"),
    ],
)  # fmt: skip
def test_each_design_code_states_its_attribute(code, attribute):
    assert meeting_types([code]).facts == {
        attribute: {"value": "yes", "source": f"Meeting Guide type {code}"}
    }


def test_al_anon_reads_its_own_codes():
    aa = meeting_types(["POA", "AC"])
    al_anon = meeting_types(["POA", "AC", "LGBTQIA"], fellowship="al-anon")
    assert (set(aa.facts), aa.unknown) == ({"proof_of_attendance"}, ["AC"])
    assert (set(al_anon.facts), al_anon.unknown) == ({"lgbtq_affirming"}, [])


# --- meeting_types: real data --------------------------------------------------------------


@pytest.mark.shared_data
def test_every_spec_type_code_and_english_name_is_known(shared_data):
    spec = load_json(shared_data / "code4recovery-spec/types.json", [])
    assert set(spec) == (set(MEETING_TYPES) - {"ONL"}) | set(LANGUAGE_TYPES)
    # a name reads as its code: the same facts, languages and flags, and nothing unknown
    resolved = {code: meeting_types([names["en"]]) for code, names in spec.items()}
    assert resolved == {code: meeting_types([code]) for code in spec}
    assert not any(result.unknown for result in resolved.values())


def feed_summary(meetings, fellowship=None):
    facts, unknown, languages, flags = Counter(), Counter(), Counter(), Counter()
    for meeting in meetings:
        result = meeting_types(meeting.get("types"), fellowship)
        facts.update(list(result.facts))
        unknown.update(result.unknown)
        languages.update(result.languages)
        flags.update(closed=result.temporarily_closed)
    return facts, unknown, languages, flags


@pytest.mark.shared_data
def test_san_jose_feed(shared_data):
    facts, unknown, languages, flags = feed_summary(feed(shared_data, "aasanjose.test.json"))
    assert unknown == Counter()
    assert (facts["wheelchair_accessible"], facts["women_only"], facts["secular"]) == (349, 48, 8)
    assert (flags["closed"], languages["es"]) == (320, 44)


@pytest.mark.shared_data
@pytest.mark.parametrize(
    ("name", "written", "count"), [("aasfmarin.test.json", "ONL", 603), ("kc.test.json", "onl", 70)]
)
def test_legacy_online_codes_in_either_case_are_known(shared_data, name, written, count):
    meetings = feed(shared_data, name)
    assert sum(written in (m.get("types") or []) for m in meetings) == count
    assert feed_summary(meetings)[1] == Counter()


@pytest.mark.shared_data
def test_al_anon_feed_codes(shared_data):
    meetings = feed(shared_data, "al-anon.json")
    facts, unknown, _, _ = feed_summary(meetings)
    assert unknown == Counter({"AC": 48, "LGBTQIA": 1})
    assert facts["proof_of_attendance"] == 8  # what "POA" would wrongly say read as AA
    facts, unknown, _, _ = feed_summary(meetings, "al-anon")
    assert (unknown, facts["proof_of_attendance"], facts["lgbtq_affirming"]) == (Counter(), 0, 1)


@pytest.mark.shared_data
def test_feeds_that_write_words(shared_data):
    words = [
        r["fields"]
        for r in load_json(shared_data / FEEDS / "nocodeapi.com.test.json", [])["records"]
    ]
    facts, unknown, languages, flags = feed_summary(
        [{"types": r.get("Types", r.get("types"))} for r in words]
    )
    assert unknown == Counter()
    assert (facts["wheelchair_accessible"], languages["es"]) == (11, 13)
    bracketed = feed(shared_data, "nwta.test.json")
    assert Counter(m["types"] for m in bracketed) == {"[open]": 407, "[closed]": 206}
    assert feed_summary(bracketed)[1] == Counter()
    tsml = rows(shared_data / "code4recovery-12-step-meeting-list/template.csv")
    facts, unknown, _, flags = feed_summary([{"types": r["Types"]} for r in tsml])
    assert (unknown, facts["wheelchair_accessible"], flags["closed"]) == (Counter(), 17, 1)


@pytest.mark.shared_data
def test_unknown_code_in_times_fixture(shared_data):
    assert feed_summary(feed(shared_data, "times.json"))[1] == Counter({"NA": 1})


# --- accessibility_facts -------------------------------------------------------------------


def test_icarol_items():
    assert accessibility_facts("Building entrance accessible; Restroom accessible;") == {
        "wheelchair_accessible": {
            "value": "yes",
            "source": "accessibility: Building entrance accessible",
        }
    }
    assert accessibility_facts("Not wheelchair accessible at this time;") == {
        "wheelchair_accessible": {
            "value": "no",
            "source": "accessibility: Not wheelchair accessible at this time",
        }
    }
    assert accessibility_facts("Not necessary for service;") == {}
    assert accessibility_facts("Wheelchair accessibility - Not necessary for service") == {}
    assert (
        accessibility_facts("Restroom accessible; Special parking; Varies according to location")
        == {}
    )


def test_contradicting_items_leave_wheelchair_access_unknown():
    text = "Broderick site: Building entrance accessible; Buchanan site - Not wheelchair accessible"
    assert accessibility_facts(text) == {}


def test_ohana_tokens_and_other_needs():
    facts = accessibility_facts(
        "elevator, tape_braille, ramp, restroom, disabled_parking, wheelchair"
    )
    assert {k: v["value"] for k, v in facts.items()} == {
        "wheelchair_accessible": "yes",
        "low_vision_accessible": "yes",
    }
    assert accessibility_facts(["deaf_interpreter"])["asl"]["value"] == "yes"
    assert accessibility_facts(["Interpreter for the deaf available"])["asl"]["value"] == "yes"
    assert accessibility_facts(None) == {}


@pytest.mark.shared_data
def test_hsds3_accessibility_description(shared_data):
    location = load_json(shared_data / "openreferral-hsds3-examples/location.json", [])
    facts = accessibility_facts([a["description"] for a in location["accessibility"]])
    # induction loops help hearing-aid users; they are not ASL, so only wheelchair is stated
    assert {k: v["value"] for k, v in facts.items()} == {"wheelchair_accessible": "yes"}


@pytest.mark.shared_data
def test_accessibility_across_real_exports(shared_data):
    def summary(items_per_record):
        return Counter(
            (attribute, fact["value"])
            for items in items_per_record
            for attribute, fact in accessibility_facts(items).items()
        )

    sf = summary(r["DisabilitiesAccess"] for r in rows(shared_data / SF_211))
    assert sf == {
        ("wheelchair_accessible", "yes"): 1708,
        ("wheelchair_accessible", "no"): 171,
        ("asl", "yes"): 86,
        ("low_vision_accessible", "yes"): 83,
    }
    cip = summary(r.get("accessibility_options") for (r,) in load_json(shared_data / CIP, []))
    assert (cip[("wheelchair_accessible", "yes")], cip[("wheelchair_accessible", "no")]) == (
        1158,
        41,
    )
    redi_wheels = next(
        r
        for (r,) in load_json(shared_data / CIP, [])
        if r.get("name") == "Redi-Wheels and RediCoast."
    )
    facts = accessibility_facts(redi_wheels["accessibility_options"])
    assert {k: v["value"] for k, v in facts.items()} == {
        "low_vision_accessible": "yes",
        "wheelchair_accessible": "yes",
    }


# --- fellowship_of ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("texts", "code", "family"),
    [
        (["Bayside Intergroup of Alcoholics Anonymous"], "aa", False),
        (["Grupo Amanecer", None, "Intergrupo de Alcohólicos Anónimos"], "aa", False),
        (["Tuesday NA Step Study"], "na", False),
        (["30760211 Al Anon Helpers"], "al-anon", True),
        (["Courage to Change AFG"], "al-anon", True),
        (["Al-Anon/Alateen Sunday"], "al-anon", True),  # the name said first
        (["Adult Children of Alcoholics AFG"], "al-anon", True),  # families' before others
        (["Nar-Anon, for families of NA members"], "nar-anon", True),
        (["Mission Family Group"], None, True),  # no fellowship named: still for families
        (["Smith Family Group", "Alcoholics Anonymous"], "aa", False),
        (["Meeting in San Jose, CA", "na dawn"], None, False),  # CA, "na": no fellowship
        (["SMART Recovery SoMa"], "smart", False),
    ],
)
def test_fellowship_of_reads_names_most_specific_first(texts, code, family):
    found = fellowship_of(*texts)
    assert (found.code, found.for_family_friends) == (code, family)


@pytest.mark.shared_data
def test_al_anon_feed_meetings_that_name_al_anon_are_for_families(shared_data):
    meetings = load_json(shared_data / "code4recovery-tsml-ui-meeting-feeds/al-anon.json", [])
    says_al_anon = re.compile(r"\bAFG\b|al[- ]?anon|alateen", re.IGNORECASE)
    named = [m for m in meetings if says_al_anon.search(f"{m['name']} {m.get('group') or ''}")]
    assert named
    for meeting in named:
        found = fellowship_of(meeting["name"], meeting.get("group"))
        assert found.code in ("al-anon", "alateen") and found.for_family_friends, meeting["name"]


@pytest.mark.shared_data
def test_no_san_jose_aa_meeting_is_taken_for_a_families_meeting(shared_data):
    meetings = load_json(
        shared_data / "code4recovery-tsml-ui-meeting-feeds/aasanjose.test.json", []
    )
    found = [fellowship_of(m["name"], m.get("group")) for m in meetings]
    assert not [f.source for f in found if f.for_family_friends]
