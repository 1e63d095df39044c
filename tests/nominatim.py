"""A small Nominatim-protocol server on 127.0.0.1 for tests of the remote geocoder path."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


class NominatimServer:
    """Answer /search like Nominatim does, from a dict of query -> (lat, lon, addresstype)."""

    def __init__(self, places: dict[str, tuple[float, float, str]]):
        self.places = {k.lower(): v for k, v in places.items()}
        self.requests: list[tuple[float, str]] = []  # (monotonic time, q)
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                url = urlparse(self.path)
                query = parse_qs(url.query)
                q = query.get("q", [""])[0]
                server.requests.append((time.monotonic(), q))
                if url.path != "/search" or query.get("format") != ["json"]:
                    self.send_error(400, "expected /search?format=json")
                    return
                hit = server.places.get(q.lower())
                body = (
                    []
                    if hit is None
                    else [
                        {
                            "place_id": 1,
                            "lat": str(hit[0]),
                            "lon": str(hit[1]),
                            "display_name": q,
                            "class": "place",
                            "type": hit[2],
                            "addresstype": hit[2],
                            "importance": 0.5,
                        }
                    ]
                )
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
