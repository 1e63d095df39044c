"""Read a remote HSDS 3.0 API page by page: federation with another directory (a 211's API,
another resdir's /hsds).

Whole services are asked for (`full=true`, and `full_service=true` for servers that name it so);
a server that lists only summaries is asked for each service by its id. Timeouts, 5xx answers
and 429s (after their Retry-After) are tried again a bounded number of times; a redirect to
another host is refused; anything that is not JSON with a page's `contents` fails the source in
one line. The records are built as the HSDS JSON reader builds a file's.
"""

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util import Retry

from ingest.problems import Problem, SourceError
from ingest.readers.files import slug
from ingest.record import Record

SCHEMES = ("http", "https")
DEFAULT_PAGE_SIZE = 100
TIMEOUT_SECONDS = (10, 60)  # to connect, and to read an answer (a big page takes a while)
ATTEMPTS = 4  # tries of one request beyond the first, for timeouts, 5xx and 429
BACKOFF_SECONDS = 0.5  # the wait before a try again doubles from this
RETRY_STATUSES = (429, 500, 502, 503, 504)
REDIRECTS = 5  # same-host redirects followed for one request
USER_AGENT = "resdir (HSDS 3.0 federation)"


def is_url(text: str) -> bool:
    """Return whether a source names a remote API (http:// or https://) rather than a file."""
    parts = urlsplit(text)
    return parts.scheme in SCHEMES and bool(parts.netloc)


def source_id_for(url: str) -> str:
    """Return a source id derived from a URL ("https://api.example.org/hsds" -> its slug)."""
    parts = urlsplit(url)
    return slug(f"{parts.hostname or ''} {parts.port or ''} {parts.path}") or "remote"


def instant(moment: datetime) -> str:
    """Return an instant as `modified_after` takes it (ISO 8601 in UTC, with a Z)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Api:
    """A remote HSDS 3.0 API at `base`, asked with retries and without leaving its host."""

    def __init__(self, base: str):
        self.base = base.rstrip("/")
        self.origin = urlsplit(self.base)[:2]  # (scheme, host:port)
        retry = Retry(
            total=ATTEMPTS,
            status_forcelist=RETRY_STATUSES,
            allowed_methods=["GET"],
            backoff_factor=BACKOFF_SECONDS,
            respect_retry_after_header=True,
            raise_on_status=False,  # the last answer is then said as it is
            redirect=0,
        )
        self.session = requests.Session()
        self.session.mount("http://", HTTPAdapter(max_retries=retry))
        self.session.mount("https://", HTTPAdapter(max_retries=retry))
        self.session.headers.update({"Accept": "application/json", "User-Agent": USER_AGENT})

    def get(self, path: str, params: dict | None = None) -> Any:
        """Return the JSON an endpoint answers, or raise SourceError saying in one line why not."""
        url = self.base + path
        for _ in range(REDIRECTS + 1):
            response = self._send(url, params)
            if not response.is_redirect:
                break
            url, params = urljoin(response.url, response.headers["Location"]), None
            if urlsplit(url)[:2] != self.origin:
                raise SourceError(f"{self.base} redirects to another host ({url}); refused")
        else:
            raise SourceError(f"{self.base} redirects more than {REDIRECTS} times; refused")
        if response.status_code >= 400:
            raise SourceError(
                f"{self.base} answered {response.status_code} {response.reason} to {path}"
            )
        try:
            return response.json()
        except ValueError as exc:
            kind = response.headers.get("Content-Type", "no content type").split(";")[0]
            raise SourceError(
                f"{self.base} is not an HSDS 3.0 API: {path} answered {kind}, not JSON"
            ) from exc

    def _send(self, url: str, params: dict | None) -> requests.Response:
        try:
            return self.session.get(
                url, params=params, timeout=TIMEOUT_SECONDS, allow_redirects=False
            )
        except requests.Timeout as exc:
            raise SourceError(f"{self.base} did not answer in time, {ATTEMPTS + 1} tries") from exc
        except requests.ConnectionError as exc:
            raise SourceError(f"{self.base} cannot be reached ({_reason(exc)})") from exc
        except requests.RequestException as exc:
            raise SourceError(f"{self.base} cannot be read: {exc}") from exc

    def services(self, page_size: int, modified_after: datetime | None) -> Iterator[dict]:
        """Yield every service the API lists (changed since `modified_after`), whole."""
        number = 1
        while True:
            params = {"page": number, "per_page": page_size, "full": "true", "full_service": "true"}
            if modified_after is not None:
                params["modified_after"] = instant(modified_after)
            body = self.get("/services", params)
            if not isinstance(body, dict) or not isinstance(body.get("contents"), list):
                raise SourceError(
                    f"{self.base} is not an HSDS 3.0 API: /services is not a page of services"
                )
            for item in body["contents"]:
                yield item if _whole(item) else self._service(item)
            last = body.get("last_page") or number >= (body.get("total_pages") or number)
            if last or not body["contents"]:
                return
            number += 1

    def _service(self, summary: Any) -> Any:
        """Return a service listed as a summary (no nested lists), asked for by its id."""
        if not isinstance(summary, dict) or not summary.get("id"):
            return summary
        return self.get(f"/services/{quote(str(summary['id']), safe='')}")


def _whole(item: Any) -> bool:
    """Return whether a listed service is whole: a summary nests no lists."""
    return isinstance(item, dict) and any(isinstance(v, list) for v in item.values())


def _reason(exc: requests.ConnectionError) -> str:
    """Return the last cause of a connection error in a few words (connection refused, ...)."""
    cause: BaseException | None = exc
    while cause.__context__ is not None or cause.__cause__ is not None:
        cause = cause.__cause__ or cause.__context__
    text = str(cause)
    return text.rsplit("] ", 1)[-1] if "] " in text else text or type(cause).__name__


def read(url: str, page_size: int, modified_after: datetime | None) -> Iterator[Record | Problem]:
    """Yield one record per service at a location, or per area-wide service, the API lists."""
    # The readers import normalize, which imports the manifest, which imports this module.
    from ingest.readers.hsds_json import _Flattener, _kind
    from ingest.readers.hsds_tabular import Package, listings

    flat = _Flattener()
    listed = 0
    for position, item in enumerate(Api(url).services(page_size, modified_after), start=1):
        listed += 1
        if _kind(item) == "service":
            flat.add("service", item, position=position, origin=item)
    if not flat.tables.get("service"):
        if listed == 0 and modified_after is not None:
            return  # nothing changed since the last run
        what = "no services" if listed == 0 else "nothing that is an HSDS 3.0 service"
        raise SourceError(f"{url} lists {what}; nothing was changed")
    for found in listings(Package(flat.tables)):
        if isinstance(found, Record):
            service_id = found.draft.get("source_keys", {}).get("service_id", "")
            found.raw = flat.origins.get(service_id, found.raw)
        yield found
