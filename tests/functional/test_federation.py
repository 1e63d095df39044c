"""Federation: `resdir ingest https://host/hsds` reads another directory's HSDS 3.0 API page by
page. Two resdir instances federate over a real HTTP server on 127.0.0.1; small local servers
fail twice, answer 429 with Retry-After, answer HTML or redirect elsewhere; a later run asks only
for what changed."""

import json
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
import trustme
from sqlalchemy import select
from werkzeug.serving import WSGIRequestHandler, make_server

from resdir import create_app, listings, store
from tests.clock import NOW, clock_at
from tests.functional.test_agency_pages import copy_database

PAGE_SIZE = 7  # small pages: the demo directory comes in several
RETRY_AFTER_SECONDS = 1
PLACE_FIELDS = ("street", "city", "postal_code")


class Quiet(WSGIRequestHandler):
    """Werkzeug's request handler without a log line per request."""

    def log_request(self, *args) -> None:
        pass


@contextmanager
def serving(wsgi_app, tls: ssl.SSLContext | None = None) -> Iterator[str]:
    """Serve a WSGI app on a free loopback port for the block (over TLS with `tls`); yield its
    base URL."""
    server = make_server(
        "127.0.0.1", 0, wsgi_app, threaded=True, request_handler=Quiet, ssl_context=tls
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"{'https' if tls else 'http'}://127.0.0.1:{server.port}"
    finally:
        server.shutdown()
        thread.join()


class Asked:
    """WSGI middleware that notes the query of every request before the app answers it."""

    def __init__(self, app):
        self.app, self.queries = app, []

    def __call__(self, environ, start_response):
        self.queries.append(parse_qs(environ.get("QUERY_STRING", "")))
        return self.app(environ, start_response)


@contextmanager
def scripted(answer: Callable[[int, str], tuple[int, dict, bytes]]) -> Iterator[tuple[str, list]]:
    """Serve `answer(n, path)` -> (status, headers, body) for the n-th request (from 0); yield the
    base URL and the list of (monotonic time, path) of the requests."""
    seen: list[tuple[float, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append((time.monotonic(), self.path))
            status, headers, body = answer(len(seen) - 1, self.path)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hsds", seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def first(seed_file, tmp_path):
    """Return the first instance: an app on its own copy of the demo directory."""
    folder = tmp_path / "first"
    folder.mkdir()
    copy_database(seed_file, folder / "resdir.sqlite3")
    return create_app({"DATABASE": str(folder / "resdir.sqlite3"), "TESTING": True})


@pytest.fixture(scope="module")
def demo_page(seed_app) -> bytes:
    """Return a one-page list of three whole services, as the demo directory's /hsds answers."""
    body = seed_app.test_client().get("/hsds/services?full=true&per_page=3").get_json()
    body |= {"total_items": 3, "total_pages": 1, "last_page": True}
    return json.dumps(body).encode()


def published(app) -> list[str]:
    """Return the published listings of an app, each as a person would compare it (a name can
    be at several places: the list is sorted, not keyed by name)."""
    with app.app_context(), store.session() as session:
        ids = session.scalars(
            select(store.Listing.id).where(store.Listing.status == "published")
        ).all()
        docs = listings.load_documents(session, list(ids)).values()
    seen = (
        {
            "name": d["name"],
            "place": {
                k: (d.get("address") or {}).get(k) for k in ("street", "city", "postal_code")
            },
            "point": d.get("location"),
            "phones": sorted(p["number"] for p in d.get("phones") or []),
            "schedule": sorted(
                (i["day"], i["opens"], i["closes"])
                for i in (d.get("schedule") or {}).get("intervals") or []
            ),
        }
        for d in docs
    )
    return sorted(json.dumps(listing, sort_keys=True) for listing in seen)


def test_two_instances_federate(first, app, ingest):
    """Every published listing of the first instance arrives in the second, the same."""
    with serving(first) as base:
        result, report = ingest(f"{base}/hsds", "--page-size", str(PAGE_SIZE))
    assert result.exit_code == 0, result.output
    (source,) = report["sources"]
    assert (source["status"], source["reader"], source["path"]) == (
        "completed",
        "hsds-api",
        f"{base}/hsds",
    )
    theirs, ours = published(first), published(app)
    assert source["read"] == source["accepted"] and source["rejected"] == 0
    assert len(ours) == len(theirs) == source["accepted"]
    assert ours == theirs


def test_a_later_run_asks_only_for_changes(first, app, ingest):
    """A second run sends modified_after; a listing changed on the first instance arrives, and
    the listings it did not fetch again stay published, untouched."""
    asked = Asked(first.wsgi_app)
    first.wsgi_app = asked
    with serving(first) as base:
        url = f"{base}/hsds"
        with clock_at(app, NOW + timedelta(minutes=30)):
            result, report = ingest(url)
        assert result.exit_code == 0, result.output
        assert not any("modified_after" in q for q in asked.queries)
        before = published(app)
        with first.app_context(), store.session() as session:
            ids = session.scalars(select(store.Listing.id).order_by(store.Listing.id)).all()
            doc = listings.load_document(session, ids[0])
            old_name, doc["name"] = doc["name"], doc["name"] + " (renamed)"
            listings.save(session, [doc], "test", NOW + timedelta(hours=1))
            session.commit()
        asked.queries.clear()
        with clock_at(app, NOW + timedelta(hours=2)):
            result, report = ingest(url)
    assert result.exit_code == 0, result.output
    assert {tuple(q["modified_after"]) for q in asked.queries if "page" in q} == {
        ("2026-12-03T18:30:00Z",)
    }
    (source,) = report["sources"]
    assert (source["read"], source["updated"], source["removed"]) == (1, 1, 0)
    renamed = json.dumps(doc["name"])[1:-1]  # as it reads inside a listing's JSON
    after = published(app)
    assert [a for a in after if a not in before] == [
        b.replace(json.dumps(old_name)[1:-1], renamed) for b in before if b not in after
    ]
    assert len([b for b in before if b not in after]) == 1


def test_a_server_listing_summaries_is_asked_for_each_service(seed_app, app, ingest):
    """A server that lists services as the spec's service_list (no nested lists) and ignores
    `full` is asked for each service by its id; its places and schedules arrive."""
    demo = seed_app.test_client()
    summaries = demo.get("/hsds/services?per_page=3").get_json()
    summaries |= {"total_items": 3, "total_pages": 1, "last_page": True}

    def answer(n, path):
        if path.startswith("/hsds/services?"):
            return 200, {"Content-Type": "application/json"}, json.dumps(summaries).encode()
        return 200, {"Content-Type": "application/json"}, demo.get(path).get_data()

    with scripted(answer) as (url, seen):
        result, report = ingest(url)
    assert result.exit_code == 0, result.output
    ids = [s["id"] for s in summaries["contents"]]
    assert [path for _, path in seen[1:]] == [f"/hsds/services/{i}" for i in ids]
    (source,) = report["sources"]
    assert source["accepted"] >= len(ids) and source["rejected"] == 0
    names = {json.loads(listing)["name"] for listing in published(app)}
    assert names == {s["name"] for s in summaries["contents"]}
    assert any(json.loads(listing)["schedule"] for listing in published(app))


def test_a_server_that_fails_twice_is_tried_again(app, ingest, demo_page):
    def answer(n, path):
        if n < 2:
            return 503, {"Content-Type": "text/plain"}, b"busy"
        return 200, {"Content-Type": "application/json"}, demo_page

    with scripted(answer) as (url, seen):
        result, report = ingest(url)
    assert result.exit_code == 0, result.output
    assert len(seen) == 3
    assert report["sources"][0]["accepted"] == len(json.loads(demo_page)["contents"])


def test_a_429_is_tried_again_after_its_retry_after(app, ingest, demo_page):
    def answer(n, path):
        if n == 0:
            return 429, {"Retry-After": str(RETRY_AFTER_SECONDS)}, b""
        return 200, {"Content-Type": "application/json"}, demo_page

    with scripted(answer) as (url, seen):
        result, _ = ingest(url)
    assert result.exit_code == 0, result.output
    assert len(seen) == 2 and seen[1][0] - seen[0][0] >= RETRY_AFTER_SECONDS


def test_a_server_that_answers_html_fails_in_one_line(app, ingest):
    def answer(n, path):
        return 200, {"Content-Type": "text/html; charset=utf-8"}, b"<html><p>Welcome</p></html>"

    with scripted(answer) as (url, _):
        result, report = ingest(url)
    assert result.exit_code == 1
    source = report["sources"][0]
    assert source["status"] == "failed"
    assert result.output.strip().splitlines()[-1] == (
        f"error: {source['source']}: {url} is not an HSDS 3.0 API: "
        "/services answered text/html, not JSON"
    )


def test_a_redirect_to_another_host_is_refused(app, ingest, demo_page):
    def answer(n, path):
        port = urlsplit(url).port
        return 302, {"Location": f"http://localhost:{port}/elsewhere"}, b""

    with scripted(answer) as (url, seen):
        result, _ = ingest(url)
    assert result.exit_code == 1 and len(seen) == 1
    assert "redirects to another host (http://localhost:" in result.output
    assert "refused" in result.output.strip().splitlines()[-1]


def test_a_manifest_https_source_ingests_from_a_second_instance(
    first, app, ingest, tmp_path, monkeypatch
):
    """A manifest names the first instance by an https:// URL; its certificate is checked
    against the machine's trusted authorities (here a test authority, as REQUESTS_CA_BUNDLE)."""
    authority = trustme.CA()
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(tls)
    manifest = tmp_path / "manifest.toml"
    with serving(first, tls) as base:
        manifest.write_text(f'[[sources]]\nid = "peer"\npath = "{base}/hsds"\npage_size = 50\n')
        # Not trusted yet: one line, nothing loaded.
        refused, _report = ingest(manifest)
        assert refused.exit_code == 1
        assert (
            refused.output.strip()
            .splitlines()[-1]
            .startswith(f"error: peer: {base}/hsds cannot be reached (certificate verify failed")
        )
        assert published(app) == []
        with authority.cert_pem.tempfile() as bundle:
            monkeypatch.setenv("REQUESTS_CA_BUNDLE", bundle)
            result, report = ingest(manifest)
    assert result.exit_code == 0, result.output
    assert [(s["source"], s["status"], s["path"]) for s in report["sources"]] == [
        ("peer", "completed", f"{base}/hsds")
    ]
    assert published(app) == published(first)


def test_a_bad_host_fails_alone_in_a_manifest(first, app, ingest, tmp_path):
    """An unreachable source says so in one line; the manifest's other source is ingested."""
    with scripted(lambda n, p: (200, {}, b"")) as (gone, _):
        pass  # the port is free again: nothing answers there
    with serving(first) as base:
        manifest = tmp_path / "manifest.toml"
        manifest.write_text(
            f'[[sources]]\nid = "gone"\npath = "{gone}"\n\n'
            f'[[sources]]\nid = "peer"\npath = "{base}/hsds"\npage_size = 50\n'
        )
        result, report = ingest(manifest)
    assert result.exit_code == 1
    statuses = {s["source"]: s["status"] for s in report["sources"]}
    assert statuses == {"gone": "failed", "peer": "completed"}
    assert result.output.strip().splitlines()[-1] == (
        f"error: gone: {gone} cannot be reached (Connection refused)"
    )
    assert published(app) == published(first)


def test_the_source_is_named_after_its_url():
    from ingest.manifest import specs_from_args

    (spec,) = specs_from_args(["https://api.example.org/hsds"], page_size=25)
    assert (spec.id, spec.url, spec.page_size, spec.location) == (
        "api-example-org-hsds",
        "https://api.example.org/hsds",
        25,
        "https://api.example.org/hsds",
    )


@pytest.mark.parametrize(
    ("entry", "said"),
    [
        ("page_size = 0", "page_size must be a whole number from 1"),
        ('format = "gtfs"', "a URL source is an HSDS 3.0 API; its format is hsds"),
    ],
)
def test_a_manifest_url_source_with_a_bad_setting_is_one_line(app, ingest, tmp_path, entry, said):
    manifest = tmp_path / "manifest.toml"
    manifest.write_text(f'[[sources]]\nid = "peer"\npath = "https://peer.example/hsds"\n{entry}\n')
    result, report = ingest(manifest)
    assert result.exit_code == 1 and report is None
    assert result.output.strip() == f"Error: manifest.toml source 1: {said}"
