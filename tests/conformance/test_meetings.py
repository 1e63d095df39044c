"""What a meeting is, on both engines: its fellowship is searchable by any of its names, and
meetings for families and friends are offered only to a person who asks for them."""

import json

import pytest

from tests.seed import SEED

MEETINGS = SEED.parent / "meetings"
NEAR_94110 = {"location": {"postal_code": "94110"}, "needs": ["sober_social.meeting"]}


def _feed(name: str) -> list[dict]:
    return json.loads((MEETINGS / name).read_text("utf-8"))


def _names(found: dict) -> set[str]:
    return {r["name"] for r in found["results"]}


@pytest.mark.parametrize(
    ("q", "feed"),
    [
        ("AA", "aa-bayside-intergroup.json"),
        ("Alcoholics Anonymous", "aa-bayside-intergroup.json"),
        ("NA", "na-fog-city-area.json"),
        ("SMART", "smart-recovery-bay-area.json"),
        ("Al-Anon", "al-anon-bayside-district.json"),
        ("Recovery Dharma", "recovery-dharma-sf-peninsula.json"),
        ("LifeRing", "lifering-bay-area.json"),
    ],
)
def test_a_fellowships_name_finds_all_its_meetings(seed_app, run_match, q, feed):
    meetings = _feed(feed)
    closed = [m for m in meetings if "TC" in m["types"]]
    # Families' meetings are asked for, so that each fellowship's query stands alone.
    profile = {"q": q, "limit": 100, "values": {"for_family_friends": "prefer"}}
    found = run_match(seed_app, profile)
    hidden = {h["code"]: h["count"] for h in found["hidden"]}
    assert _names(found) >= {m["name"] for m in meetings if m not in closed}
    assert found["total"] + hidden.get("closed", 0) >= len(meetings)


def test_aa_finds_aa_meetings_first(seed_app, run_match):
    aa = {m["name"] for m in _feed("aa-bayside-intergroup.json")}
    found = run_match(seed_app, {"q": "AA", "needs": ["sober_social.meeting"], "limit": 100})
    assert found["total"] >= len(aa) - sum(
        "TC" in m["types"] for m in _feed("aa-bayside-intergroup.json")
    )
    top = [r["name"] for r in found["results"][: len(aa) // 2]]
    assert set(top) <= aa


def test_meetings_for_families_are_hidden_unless_asked_for(seed_app, run_match):
    families = {m["name"] for m in _feed("al-anon-bayside-district.json")}
    found = run_match(seed_app, {**NEAR_94110, "limit": 100})
    assert "Mission Family Group" in families
    assert not _names(found) & families
    hidden = {h["code"]: h for h in found["hidden"]}
    assert hidden["for_family_friends"]["reason"] == "for families and friends"

    revealed = run_match(
        seed_app, {**NEAR_94110, "limit": 100, "show_hidden": "for_family_friends"}
    )
    assert "Mission Family Group" in _names(revealed)
    assert _names(revealed) <= families
    assert revealed["total"] == hidden["for_family_friends"]["count"]

    asked = run_match(
        seed_app, {**NEAR_94110, "limit": 100, "values": {"for_family_friends": "require"}}
    )
    assert _names(asked) == _names(revealed)
    for result in asked["results"]:
        reasons = {r["code"]: r for r in result["reasons"]}
        assert reasons["value:for_family_friends"] == {
            "code": "value:for_family_friends",
            "met": True,
            "text": "For families and friends",
        }
        assert result["fellowship"] == "al-anon"

    # Preferred: offered among the others, not hidden.
    preferred = run_match(
        seed_app, {**NEAR_94110, "limit": 100, "values": {"for_family_friends": "prefer"}}
    )
    assert preferred["total"] == found["total"] + hidden["for_family_friends"]["count"]
    assert "for_family_friends" not in {h["code"] for h in preferred["hidden"]}
