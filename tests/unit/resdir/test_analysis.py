"""Tests for text analysis: folding, stemming, synonyms, and the text of a listing."""

import re

import pytest

from ingest.readers.files import load_json
from resdir.analysis import analyze, listing_text, query_tokens

TOKEN = re.compile(r"[a-z0-9_]+")


def finds(query: str, text: str) -> bool:
    """Tell whether every token of a query is among the tokens of a document text."""
    return set(query_tokens(query)) <= set(analyze(text))


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("AA meeting", "Alcoholics Anonymous meetings"),
        ("NA", "Narcotics Anonymous"),
        ("sober living", "halfway houses"),
        ("recovery residences", "Sober-living homes"),
        ("Al-Anon", "Alanon"),
        ("LifeRing", "Life Ring"),
        ("child care", "daycare"),
        ("NEMT", "medical rides"),
        ("LGBTQ+", "LGBT"),
        ("Suboxone", "buprenorphine"),
        ("12-step", "twelve step"),
        ("español", "Spanish"),
        ("detox", "withdrawal management"),
        ("MOUD", "medications for opioid use disorder"),
    ],
)
def test_synonyms_find_each_other_both_ways(one, other):
    assert finds(one, other)
    assert finds(other, one)


def test_a_synonym_phrase_is_one_query_token():
    assert query_tokens("sober living home") == ["recovery_residence"]
    assert query_tokens("attend AA/NA meetings") == [
        "attend",
        "alcoholics_anonymous",
        "narcotics_anonymous",
        "meet",
    ]


def test_documents_keep_the_words_of_a_synonym():
    # "sober" alone still finds sober living homes, "alcoholics" finds "Alcoholics Anonymous"
    assert finds("sober", "Sober living homes for women")
    assert finds("alcoholics", "Alcoholics Anonymous")
    # ...while a query phrase is the term alone: a halfway house need not say "sober"
    assert finds("sober living", "A halfway house in Redwood City")


def test_each_medication_is_moud_but_not_another_medication():
    assert finds("MOUD", "methadone maintenance")
    assert finds("medication assisted treatment", "Suboxone and Vivitrol prescribed")
    assert not finds("methadone", "Suboxone clinic")
    assert not finds("buprenorphine", "methadone maintenance")


def test_mat_is_moud_in_a_query_but_a_mat_in_a_shelter():
    assert finds("MAT", "Medication-Assisted Treatment (MAT) provided")
    assert "moud" not in analyze("Families are provided mats in a church")


def test_each_identity_finds_its_own_word_and_all_find_lgbtq():
    text = "A lesbian, gay and bisexual community center"
    assert finds("lgbtq", text)
    assert finds("gay", text)
    assert not finds("transgender", text)
    assert not finds("gay", "Transgender support group")


def test_adult_day_care_is_not_childcare():
    assert not finds("childcare", "Adult day care for seniors")
    assert finds("adult day care", "adult day health care")


def test_not_twelve_step_is_not_twelve_step():
    assert "non_twelve_step" in analyze("Not twelve-step")
    assert not finds("12 step", "Not twelve-step")


def test_synonyms_match_whole_words_only():
    for text in ("nada", "Nashville banana", "Saturday"):
        assert "narcotics_anonymous" not in analyze(text)
    # "sober lives" is not "sober living": phrases are matched before stemming
    assert "recovery_residence" not in analyze("helps people build sober lives")


def test_stemming_joins_forms_of_a_word():
    assert finds("meeting", "Meetings")
    assert finds("meetings", "meeting")
    assert analyze("women's groups") == analyze("womens group") == ["women", "group"]


def test_accents_and_ligatures_fold_to_ascii():
    assert analyze("Café") == ["cafe"]
    assert finds("ninos", "Grupo para niños")
    assert analyze("Straße Ærø ﬁne") == ["strass", "aero", "fine"]


def test_spanish_words_survive():
    tokens = analyze("Se habla español: grupo para niños")
    assert tokens == ["habla", "spanish", "espanol", "grupo", "nino"]
    assert query_tokens("grupo de AA en español") == ["grupo", "alcoholics_anonymous", "spanish"]


def test_a_script_without_ascii_form_separates_words_and_leaves_no_token():
    assert analyze("中文服务 Chinese会议meetings") == ["chines", "meet"]


@pytest.mark.parametrize("text", [None, "", "   ", "the of and", "¿¡…!?"])
def test_a_text_of_no_words_gives_no_tokens(text):
    assert analyze(text) == []
    assert query_tokens(text) == []


def test_query_tokens_are_distinct_and_in_order():
    assert query_tokens("women's AA meeting, AA meetings for women") == [
        "women",
        "alcoholics_anonymous",
        "meet",
    ]


def test_every_token_survives_the_engines_tokenizers():
    text = "LGBTQ+ Café «niños» — foo_bar 24/7 AA-approved ﬁ İstanbul 🙂 O'Connor’s 中文 ½"
    tokens = analyze(text) + query_tokens(text)
    assert tokens
    assert all(TOKEN.fullmatch(token) for token in tokens)


def test_listing_text_holds_what_a_peer_would_type(make_listing):
    doc = make_listing(
        name="Harbor Light House",
        category="housing",
        subcategories=["recovery_residence"],
        organization={"id": "o1", "name": "Bayview Recovery Services", "url": None},
        taxonomy=[{"scheme": "airs", "code": "RX-8500.6500", "name": "Halfway Houses"}],
        languages=["en", "es", "xx"],
        next_steps="Call the intake coordinator",
        attributes={
            "wheelchair_accessible": {"value": "yes", "source": "test", "note": None},
            "pets_allowed": {"value": "no", "source": "test", "note": None},
        },
    )
    tokens = set(listing_text(doc).split())
    assert {"harbor", "light", "bayview"} <= tokens  # name, organization
    assert {"hous", "recovery_residence"} <= tokens  # category and subcategory labels
    assert {"spanish", "english"} <= tokens
    assert "wheelchair" in tokens
    assert "pet" not in tokens  # a known "no" is not a word of the listing
    assert "intak" not in tokens  # next steps are left out
    assert "unknown" not in tokens  # a language code with no name adds nothing
    assert set(query_tokens("spanish speaking sober living wheelchair")) <= tokens


def test_listing_text_matches_no_phrase_across_two_fields(make_listing):
    doc = make_listing(name="New Recovery", description="Home visits for new mothers")
    assert "recovery_residence" not in listing_text(doc).split()


def test_listing_text_reads_a_stored_document_without_attributes(make_listing):
    doc = make_listing(kind="meeting", subcategories=["meeting"], languages=[])
    del doc["attributes"]
    assert listing_text(doc).split() == [
        "mission",
        "recoveri",
        "center",
        "sober",
        "social",
        "support",
        "recoveri",
        "meet",
    ]


@pytest.mark.shared_data
def test_real_descriptions(shared_data):
    services = [
        item[0] for item in load_json(shared_data / "ohana-api-smc-historical" / "cip_mvp.json", [])
    ]
    found = [(service["name"], analyze(service.get("description"))) for service in services]
    assert all(TOKEN.fullmatch(token) for _, tokens in found for token in tokens)

    def named(query):
        wanted = set(query_tokens(query))
        return sorted(name for name, tokens in found if wanted <= set(tokens))

    # "attend AA/NA meetings", "AA-approved books", "Alcoholics Anonymous and Narcotics
    # Anonymous groups", and one "AA degree": the false friend the module docstring accepts
    assert len(named("AA")) == 9
    assert "San Mateo Branch." in named("AA")
    assert len(named("alcoholics anonymous narcotics anonymous")) == 5
    assert "Project 90." in named("AA NA")
    # "sober living environment", "clean and sober living", "a halfway house for women"
    assert len(named("sober living")) == 3
    assert "Vida Nueva Sober Living Environment (S.L.E.)." in named("halfway house")
