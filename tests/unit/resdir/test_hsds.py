"""resdir.hsds: how one listing document becomes HSDS 3.0 objects."""

from resdir import hsds


def test_an_online_only_meeting_is_a_virtual_location_with_its_link_and_no_address(make_listing):
    doc = make_listing(
        kind="meeting",
        address=None,
        location=None,
        online={"url": "https://zoom.example.org/j/1", "phone": None},
    )
    place = hsds.service(doc, None)["service_at_locations"][0]["location"]
    assert place["location_type"] == "virtual"
    assert place["url"] == "https://zoom.example.org/j/1"
    assert not place.get("addresses") and "latitude" not in place


def test_a_service_placed_nowhere_keeps_its_phones_and_hours_on_the_service(make_listing):
    doc = make_listing(
        address=None,
        location=None,
        service_area={"postal_codes": ["94110"], "counties": [], "radius_km": None, "text": None},
    )
    service = hsds.service(doc, None)
    assert service["service_at_locations"] == []
    assert [p["number"] for p in service["phones"]] == ["+14155550142"]
    assert [(s["byday"], s["opens_at"]) for s in service["schedules"]] == [("MO", "09:00")]
    assert [a["name"] for a in service["service_areas"]] == ["ZIP 94110"]


def test_an_extension_that_is_not_a_number_is_kept_in_the_description(make_listing):
    phones = [{"number": "+14155550142", "extension": "intake", "type": "voice"}]
    (phone,) = hsds.service(make_listing(phones=phones), None)["service_at_locations"][0]["phones"]
    assert "extension" not in phone and phone["description"] == "ext. intake"


def test_facts_carry_their_value_and_the_need_childcare_is_not_the_fact_childcare(make_listing):
    doc = make_listing(
        category="childcare",
        subcategories=["center"],
        attributes={"childcare": {"value": "no", "source": "test"}},
    )
    linked = {term.id: value for term, value in hsds.listing_terms(doc)}
    assert linked[hsds.need_term_id("childcare")] == ""
    assert linked[hsds.need_term_id("childcare.center")] == ""
    assert linked[hsds.term_id(hsds.RESDIR_TAXONOMY, "childcare")] == "no"


def test_ids_are_uuids_of_resdir_ids_alone(make_listing):
    one, other = make_listing(key="a"), make_listing(key="b")
    assert hsds.service(one, None)["id"] != hsds.service(other, None)["id"]
    assert hsds.service(one, None)["id"] == hsds.hsds_id("service", one["id"])


def test_an_online_rooms_dial_in_is_a_phone_of_its_virtual_location(make_listing):
    doc = make_listing(
        kind="meeting",
        address=None,
        location=None,
        phones=[],
        online={"url": "https://zoom.example.org/j/1", "phone": "+16695550132,,1#"},
    )
    placed = hsds.service(doc, None)["service_at_locations"][0]
    (dial_in,) = placed["location"]["phones"]
    assert dial_in["number"] == "+16695550132,,1#"
    assert dial_in["location_id"] == placed["location"]["id"]
    assert placed["phones"] == []


def test_a_meetings_fellowship_and_an_approximate_point_are_resdir_terms(make_listing):
    doc = make_listing(kind="meeting", fellowship="na", approximate_location=True)
    linked = {term.code: value for term, value in hsds.listing_terms(doc)}
    assert linked["fellowship:na"] == ""
    assert linked["approximate_location"] == "yes"
