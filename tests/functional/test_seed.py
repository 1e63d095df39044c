"""The demo directory: it loads cleanly, its examples hold, and it covers the vocabulary."""

from collections import Counter, defaultdict
from pathlib import Path

import pytest
from sqlalchemy import select

from ingest.manifest import load_manifest
from resdir import store, vocab

MANIFEST = Path(__file__).resolve().parents[2] / "data" / "seed" / "manifest.toml"
SPECS = load_manifest(MANIFEST)


@pytest.fixture
def seeded(app, ingest):
    """Load the whole demo directory; return the ingest report."""
    result, report = ingest(MANIFEST)
    assert result.exit_code == 0, result.output
    return report


def _published(app) -> list[dict]:
    from resdir.listings import load_document

    with app.app_context(), store.session() as session:
        ids = session.scalars(select(store.Listing.id).where(store.Listing.status == "published"))
        return [load_document(session, i) for i in ids.all()]


def _dig(document, path: str):
    value = document
    for part in path.split("."):
        value = value[int(part)] if isinstance(value, list) else value.get(part)
    return value


def test_every_seed_source_loads_without_a_rejected_record(seeded):
    sources = {s["source"]: s for s in seeded["sources"]}
    assert set(sources) == {spec.id for spec in SPECS}
    for source in sources.values():
        assert source["status"] == "completed"
        assert source["rejected"] == 0, source["problems"]
    listings = sum(s["accepted"] for s in sources.values() if s["reader"] != "gtfs")
    assert listings >= 300


def test_seed_examples_hold(seeded, app, listing_docs):
    """Each source's acceptance examples, from the manifest, against what was stored."""
    with app.app_context(), store.session() as session:
        stops = {
            (s.source_id, s.stop_id): {
                "name": s.name,
                "wheelchair_boarding": s.wheelchair_boarding,
                "location": {"lat": s.lat, "lon": s.lon},
            }
            for s in session.scalars(select(store.TransitStop))
        }
    checked = 0
    for spec in SPECS:
        docs = listing_docs(spec.id)
        for example in spec.examples:
            record = example["record"]
            doc = stops.get((spec.id, record)) or docs.get(record)
            assert doc is not None, f"{spec.id}: no record {record!r}"
            for path, expected in example["expect"].items():
                assert _dig(doc, path) == expected, f"{spec.id} {record} {path}"
                checked += 1
    assert checked >= 60


def test_seed_covers_every_need_and_every_fact_three_ways(seeded, app):
    docs = _published(app)
    subcategories = {(d["category"], s) for d in docs for s in d["subcategories"]}
    for category, (_, subs) in vocab.NEEDS.items():
        for sub in subs:
            assert (category, sub) in subcategories, f"no listing for {category}.{sub}"
    seen = defaultdict(Counter)
    for doc in docs:
        for code in vocab.ATTRIBUTES:
            seen[code][doc["attributes"].get(code, {}).get("value", "unknown")] += 1
    for code in vocab.ATTRIBUTES:
        assert set(seen[code]) == {"yes", "no", "unknown"}, (code, dict(seen[code]))
    languages = Counter(lang for d in docs for lang in d["languages"])
    assert {"es", "zh", "tl", "vi"} <= set(languages)
    assert {d["cost"]["kind"] for d in docs} >= {"free", "sliding_scale", "fee"}
    assert any(d["online"] and not d["address"] for d in docs)  # online-only meetings
    assert any(d["capacity"] and d["capacity"]["available"] is not None for d in docs)
    area_wide = [d for d in docs if d["kind"] == "service" and not d["location"]]
    covered = [
        d for d in area_wide if d["service_area"]["counties"] or d["service_area"]["postal_codes"]
    ]
    assert len(covered) >= 10  # ride programs and county services say where they go


def test_seed_confidential_places_show_their_area_only(seeded, app):
    confidential = [d for d in _published(app) if d["confidential_location"]]
    assert confidential
    for doc in confidential:
        assert doc["address"] is None or doc["address"]["street"] is None
        assert doc["geocode_precision"] in (None, "postal_code", "city")


def test_seed_reloads_unchanged(seeded, ingest, snapshot):
    before = snapshot()
    _, report = ingest(MANIFEST)
    for source in report["sources"]:
        assert (source["created"], source["updated"], source["removed"]) == (0, 0, 0)
    assert snapshot() == before


def test_home_page_lists_the_directory_by_category(seeded, app):
    docs = _published(app)
    page = app.test_client().get("/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for code, label in vocab.CATEGORY_LABELS.items():
        count = sum(d["category"] == code for d in docs)
        row = f'<tr data-category="{code}"><td>{label}</td><td class="count">{count}</td></tr>'
        assert row in html
    assert f"{len(docs)} published listings" in html
