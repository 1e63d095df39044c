"""Free text, HTML fragments, web and e-mail addresses as real feeds write them."""

import pytest

from ingest.normalize.text import clean_email, clean_text, clean_url, strip_html
from ingest.readers.files import csv_rows, load_json, read_text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("None.                                        ", "None."),  # Baltimore right-padding
        ("  Shelter   for  women  ", "Shelter for women"),
        ("First paragraph.  \n\n\n\n  Second   one.  ", "First paragraph.\n\nSecond one."),
        ("line one\r\nline two", "line one\nline two"),
        ("Baltimore&#39;s citizens", "Baltimore's citizens"),
        ("Michaelâ\x80\x99s House", "Michael’s House"),  # UTF-8 read as cp1252
        ("St. Clare\x92s Hall", "St. Clare’s Hall"),  # a cp1252 byte left as a C1 control
        ("“quoted”", "“quoted”"),  # typographic quotes are kept
        ("None", "None"),  # a real answer in a fees column, not an empty value
        (0, "0"),
    ],
)
def test_clean_text(value, expected):
    assert clean_text(value) == expected


@pytest.mark.parametrize("empty", [None, "", "   ", "NA", "N/A", "n/a.", "null", "NULL", "-"])
def test_placeholders_are_empty(empty):
    assert clean_text(empty) is None


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<p class=msonormal> Offers postpartum services</p>", "Offers postpartum services"),
        ("Hosts a senior brown bag program<br />", "Hosts a senior brown bag program"),
        ("Intake<br>Monday<p>Walk in</p>Call &amp; ask", "Intake\nMonday\n\nWalk in\n\nCall & ask"),
        ('Call first. <a href="https://example.org">Directions</a>', "Call first. Directions"),
        ("<style>p {color: red}</style>Open daily", "Open daily"),
        ("<p></p>", ""),
    ],
)
def test_strip_html(html, expected):
    assert strip_html(html) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("www.dial611.com", "http://www.dial611.com"),
        ("asianlawcaucus.org", "http://asianlawcaucus.org"),
        ("https://zoom.us/j/99296285693?pwd=x", "https://zoom.us/j/99296285693?pwd=x"),
        ("Http://us04web.zoom.us/j/2374459068", "http://us04web.zoom.us/j/2374459068"),
        ("www.goldengatecounseling.org.", "http://www.goldengatecounseling.org"),
        ("http://www.aiasmc.org`", "http://www.aiasmc.org"),
        ("http://www.zpgmb.org(localchapter)", "http://www.zpgmb.org"),
        ('www.sfdph.org (Go to "Our Services")', "http://www.sfdph.org"),
    ],
)
def test_clean_url(value, expected):
    assert clean_url(value) == (expected, [])


@pytest.mark.parametrize(
    "value",
    [
        "See website",
        "http://",
        "www/cregs.sfsu.edu",
        "https://spiritualprogress95030",
        "donate@amendingangel.org",
        "http://www.bonmil@comcast.net",  # an e-mail address dressed as a URL
        "http://www.sfdph.org/dph/hlthCtrs/BalboaT eenHlthCtr.asp",  # a space inside the path
    ],
)
def test_not_a_web_address(value):
    url, problems = clean_url(value)
    assert url is None
    assert [(p.type, p.field) for p in problems] == [("invalid-url", "url")]


def test_a_cell_with_two_web_addresses_keeps_the_first_and_says_so():
    url, problems = clean_url("http://www.jfcs.org http://www.seniorsathome.org")
    assert url == "http://www.jfcs.org"
    assert "holds 2 web addresses" in problems[0].message
    assert clean_url("www.lccr.com  www.lccr.com") == ("http://www.lccr.com", [])


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("housingopportunities@chp-sf.org", "housingopportunities@chp-sf.org"),
        ("mailto:Info@Example.ORG", "Info@example.org"),
        ("margaret.o'brien@dignityhealth.org", "margaret.o'brien@dignityhealth.org"),
    ],
)
def test_clean_email(value, expected):
    assert clean_email(value) == (expected, [])


@pytest.mark.parametrize(
    "value", ["See website", "www.sfmta.com/contact", "avelez-rivers@jvs.orgjvolk@jvs.org@jvs.org"]
)
def test_not_an_email_address(value):
    email, problems = clean_email(value)
    assert email is None
    assert [p.type for p in problems] == ["invalid-email"]


def test_a_cell_with_two_email_addresses_keeps_the_first():
    email, problems = clean_email("dliou@apilegaloutreach.org, info@apilegaloutreach.org")
    assert email == "dliou@apilegaloutreach.org"
    assert [p.type for p in problems] == ["invalid-value"]


@pytest.mark.shared_data
def test_mojibake_in_the_moud_provider_list_is_repaired(shared_data):
    text = read_text(shared_data / "oeps-samhsa-moud-providers" / "us-wide-moudsCleaned.csv", [])
    names = {clean_text(row["name1"]) for _, row in csv_rows(text)}
    assert "Michael’s House -Stabilization" in names
    assert not any("â\x80" in name for name in names if name)


@pytest.mark.shared_data
def test_a_c1_control_in_a_meeting_feed_is_repaired(shared_data):
    feed = load_json(shared_data / "code4recovery-tsml-ui-meeting-feeds" / "al-anon.json", [])
    meeting = next(m for m in feed if m.get("slug") == "6120-friendship-tuesday-morning-afg")
    assert clean_text(meeting["location_notes"]) == "St. Clare’s Hall"


@pytest.mark.shared_data
def test_san_francisco_211_websites(shared_data):
    """Every WebsiteAddress in the SF 211 export reads as a URL; four cells hold two."""
    text = read_text(shared_data / "sfbrigade-sf-openreferral-data" / "211" / "sf_only.csv", [])
    rows = [row for _, row in csv_rows(text)]
    results = [clean_url(row["WebsiteAddress"]) for row in rows if row["WebsiteAddress"]]
    assert len(results) == 1932
    assert all(url and url.startswith(("http://", "https://")) for url, _ in results)
    assert sum(bool(problems) for _, problems in results) == 4
    html = next(r["AgencyDescription"] for r in rows if r["ResourceAgencyNum"] == "17174795")
    assert strip_html(html) == "Offers postpartum supportive services to African American mothers"


@pytest.mark.shared_data
def test_baltimore_entities_and_addresses(shared_data):
    text = read_text(shared_data / "bchd-baltimore-charmcare-icarol" / "organizations.csv", [])
    orgs = {row["id"]: row for _, row in csv_rows(text)}
    assert clean_text(orgs["137683"]["description"]).startswith(
        "Serves citizens of Baltimore City with housing-related programs. Combination of "
        "Baltimore City Dept'"
    )
    emails = [clean_email(r["email"]) for r in orgs.values() if r["email"]]
    websites = [clean_url(r["website"]) for r in orgs.values() if r["website"]]
    assert (len(emails), sum(e is not None for e, _ in emails)) == (474, 474)
    assert (len(websites), sum(u is not None for u, _ in websites)) == (537, 537)
