"""The bulletin client and the HTTP helpers, against a local copy of the site's paths."""

from __future__ import annotations

import hashlib
import socket
from collections.abc import Iterator
from datetime import UTC

import pytest
import requests

from customs_etl.core.errors import NotPublishedYet, ParseError, SourceError
from customs_etl.publishers import http as http_module
from customs_etl.publishers.gacc_bulletin import PUBLISHER as BULLETIN
from customs_etl.publishers.gacc_bulletin.client import (
    DEFAULT_BASE_URL,
    BulletinClient,
    parse_index_links,
)
from customs_etl.publishers.http import (
    DEFAULT_USER_AGENT,
    HttpStatusError,
    fetch,
    make_session,
    redact_url,
)
from customs_etl.transforms.bulletin import parse_bulletin_table
from tests.support import paths
from tests.support.http_site import RecordedRequest, Reply, Route, serve_site

FIXTURES = paths.FIXTURES / "gacc_bulletin"
SAMPLES = paths.SHARED / "samples" / "gacc_bulletin"

INDEX_2026 = (FIXTURES / "index-monthly-2026.html").read_bytes()
INDEX_2020 = (FIXTURES / "index-monthly-2020.html").read_bytes()
IMPORTS_2026_01 = (FIXTURES / "table14-import-2026-01.html").read_bytes()
EXPORTS_2020_02 = (FIXTURES / "table13-export-2020-02-combined.html").read_bytes()
ERROR_PAGE = (FIXTURES / "error-page.html").read_bytes()

TABLE14_JAN = "/Statics/14000000-0000-4000-8000-000000000001.html"
TABLE13_JUL = "/Statics/13000000-0000-4000-8000-000000000007.html"
TABLE13_2020_FEB = "/Statics/13000000-0000-4000-8000-202000000002.html"
TABLE14_2020_FEB = "/Statics/14000000-0000-4000-8000-202000000002.html"
INDEX_PATH = "/statics/report/monthly.html"


def client_for(base_url: str, *, retries: int = 2, timeout=(2, 5)) -> BulletinClient:
    """A client with tiny backoffs and no polite delay, so the suite stays fast."""
    session = make_session(retries=retries, backoff=0.01)
    return BulletinClient(base_url, session=session, polite_delay=0, timeout=timeout)


@pytest.fixture
def site() -> Iterator[tuple[str, dict[str, Route]]]:
    routes = {
        INDEX_PATH: Route.static(INDEX_2026),
        "/statics/report/monthly2020.html": Route.static(INDEX_2020),
        TABLE14_JAN: Route.static(IMPORTS_2026_01),
        TABLE13_2020_FEB: Route.static(EXPORTS_2020_02),
        TABLE14_2020_FEB: Route.static(EXPORTS_2020_02),
    }
    with serve_site(routes) as base_url:
        yield base_url, routes


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --------------------------------------------------------------------------- client


def test_index_then_table_fetch(site: tuple[str, dict[str, Route]]) -> None:
    base_url, routes = site
    doc = client_for(base_url).fetch_table(2026, 1, 14, current_year=2026)
    assert doc.url == f"{base_url}{TABLE14_JAN}"
    assert doc.body == IMPORTS_2026_01 and doc.status == 200
    assert doc.content_type.startswith("text/html")
    assert doc.sha256 == hashlib.sha256(IMPORTS_2026_01).hexdigest()
    assert doc.fetched_at.tzinfo is UTC
    assert [r.path for r in routes[INDEX_PATH].requests] == [INDEX_PATH]
    request = routes[TABLE14_JAN].requests[0]
    assert request.headers["User-Agent"] == DEFAULT_USER_AGENT
    table = parse_bulletin_table(doc.body, doc.url)
    assert (table.table_no, table.year, table.month_end) == (14, 2026, 1)


def test_archive_index_and_combined_january_february(site: tuple[str, dict[str, Route]]) -> None:
    base_url, routes = site
    client = client_for(base_url)
    assert client.fetch_table(2020, 2, 13, current_year=2026).body == EXPORTS_2020_02
    assert routes["/statics/report/monthly2020.html"].requests
    assert not routes[INDEX_PATH].requests
    # (14) 2020 uses a relative link and "1 to 2" text: still month 2 on this base.
    index = client.fetch_index(2020, current_year=2026).body
    assert client.table_links(index, 14)[2] == f"{base_url}{TABLE14_2020_FEB}"
    with pytest.raises(NotPublishedYet, match="combined"):
        client.fetch_table(2020, 1, 13, current_year=2026, index_html=index)


def test_unpublished_month_is_not_published_yet(site: tuple[str, dict[str, Route]]) -> None:
    base_url, routes = site
    client = client_for(base_url)
    with pytest.raises(NotPublishedYet):
        client.fetch_table(2026, 8, 13, current_year=2026)
    with pytest.raises(NotPublishedYet):
        client.fetch_table(2027, 1, 13, current_year=2026)
    assert len(routes[INDEX_PATH].requests) == 1  # the future year asks nobody


def test_table_links_rebuilt_on_the_client_base() -> None:
    client = BulletinClient("http://mirror.example/gacc/", session=requests.Session())
    links = client.table_links(INDEX_2026, 13)
    assert sorted(links) == [1, 2, 3, 4, 5, 6, 7]  # Aug.–Dec. are <span>s: unpublished
    assert links[7] == f"http://mirror.example/gacc{TABLE13_JUL}"
    assert all(url.startswith("http://mirror.example/gacc/Statics/") for url in links.values())


def test_index_errors_fail_loudly() -> None:
    with pytest.raises(ParseError, match="ambiguous"):
        parse_index_links(INDEX_2026, 1)
    with pytest.raises(ParseError, match="no row for table"):
        parse_index_links(INDEX_2026, 19)
    link = b"13000000-0000-4000-8000-000000000003.html> Mar."
    bad = INDEX_2026.replace(link, link.replace(b"Mar.", b"Mrz."))
    assert bad != INDEX_2026
    with pytest.raises(ParseError, match="unreadable month link"):
        parse_index_links(bad, 13)


BASE_URL_ENV = "CUSTOMS_ETL_GACC_BULLETIN_URL"


def test_base_url_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(BASE_URL_ENV, raising=False)
    assert BULLETIN.client().base_url == DEFAULT_BASE_URL
    monkeypatch.setenv(BASE_URL_ENV, "http://proxy.example/gacc/")
    assert BULLETIN.client().base_url == "http://proxy.example/gacc"
    assert BulletinClient("http://arg.example", session=requests.Session()).base_url == (
        "http://arg.example"
    )
    client = BulletinClient("http://h", session=requests.Session())
    assert client.index_url(2026, 2026) == "http://h/statics/report/monthly.html"
    assert client.index_url(2024, 2026) == "http://h/statics/report/monthly2024.html"


def test_server_error_then_success_is_retried() -> None:
    flaky = Route.script(Reply(b"busy", status=500), Reply(IMPORTS_2026_01))
    with serve_site({INDEX_PATH: INDEX_2026, TABLE14_JAN: flaky}) as base_url:
        doc = client_for(base_url).fetch_table(2026, 1, 14, current_year=2026)
    assert doc.body == IMPORTS_2026_01
    assert len(flaky.requests) == 2


def test_429_with_retry_after_is_honoured() -> None:
    limited = Route.script(
        Reply(b"slow down", status=429, headers={"Retry-After": "1"}), Reply(IMPORTS_2026_01)
    )
    with serve_site({INDEX_PATH: INDEX_2026, TABLE14_JAN: limited}) as base_url:
        doc = client_for(base_url).fetch_table(2026, 1, 14, current_year=2026)
    assert doc.status == 200 and len(limited.requests) == 2


def test_persistent_server_error_reports_the_last_status() -> None:
    down = Route.static(b"down", status=503)
    with serve_site({"/x": down}) as base_url, pytest.raises(HttpStatusError) as info:
        fetch(make_session(retries=2, backoff=0.01), f"{base_url}/x")
    assert info.value.status == 503 and "HTTP 503" in str(info.value)
    assert isinstance(info.value, SourceError)
    assert len(down.requests) == 3


def test_slow_response_times_out_as_source_error() -> None:
    slow = Route.static(b"late", delay=5)
    with serve_site({"/slow": slow}) as base_url, pytest.raises(SourceError, match="timed out"):
        fetch(make_session(retries=0), f"{base_url}/slow", timeout=(1, 0.2))


def test_error_page_instead_of_table_is_a_parse_error_naming_the_url() -> None:
    with serve_site({INDEX_PATH: INDEX_2026, TABLE14_JAN: ERROR_PAGE}) as base_url:
        doc = client_for(base_url).fetch_table(2026, 1, 14, current_year=2026)
    with pytest.raises(ParseError) as info:
        parse_bulletin_table(doc.body, doc.url)
    assert info.value.source == doc.url and doc.url in str(info.value)


def test_404_is_not_published_and_not_retried() -> None:
    missing = Route.static(b"gone", status=404)
    with serve_site({INDEX_PATH: INDEX_2026, TABLE14_JAN: missing}) as base_url:
        client = client_for(base_url, retries=3)
        with pytest.raises(NotPublishedYet, match="404"):
            client.fetch_table(2026, 1, 14, current_year=2026)
        with pytest.raises(HttpStatusError, match="HTTP 404"):
            fetch(client.session, f"{base_url}{TABLE14_JAN}")
    assert len(missing.requests) == 2  # one per call: 404 is never retried


def test_polite_delay_before_each_request(monkeypatch: pytest.MonkeyPatch) -> None:
    pauses: list[float] = []
    monkeypatch.setattr(http_module, "_pause", pauses.append)
    with serve_site({INDEX_PATH: INDEX_2026, TABLE14_JAN: IMPORTS_2026_01}) as base_url:
        client = BulletinClient(base_url, session=make_session(retries=0), polite_delay=0.75)
        client.fetch_table(2026, 1, 14, current_year=2026)
    assert pauses == [0.75, 0.75]


# --------------------------------------------------------------------------- secrets


SECRET_QUERY = "subscription-key=SECRET-KEY-123&token=tok456&period=202501&apiKey=k789"


def assert_no_secrets(exc: BaseException) -> None:
    text = f"{exc} {exc!r} {getattr(exc, 'url', '')}"
    for secret in ("SECRET-KEY-123", "tok456", "k789", "hunter2"):
        assert secret not in text
    assert exc.__suppress_context__ and exc.__cause__ is None


def test_status_error_message_is_redacted() -> None:
    failing = Route.static(b"no", status=500)
    with serve_site({"/api": failing}) as base_url, pytest.raises(SourceError) as info:
        fetch(make_session(retries=1, backoff=0.01), f"{base_url}/api?{SECRET_QUERY}")
    assert "period=202501" in str(info.value) and "REDACTED" in str(info.value)
    text = str(info.value)
    assert "SECRET-KEY-123" not in text and "tok456" not in text and "k789" not in text


def test_connection_error_message_is_redacted() -> None:
    url = f"http://user:hunter2@127.0.0.1:{free_port()}/api?{SECRET_QUERY}"
    with pytest.raises(SourceError) as info:
        fetch(make_session(retries=1, backoff=0.01), url)
    assert_no_secrets(info.value)
    assert "user:REDACTED@127.0.0.1" in str(info.value)


def test_timeout_message_is_redacted() -> None:
    slow = Route.static(b"late", delay=5)
    with (
        serve_site({"/api": slow}) as base_url,
        pytest.raises(SourceError, match="timed out") as info,
    ):
        fetch(make_session(retries=0), f"{base_url}/api?{SECRET_QUERY}", timeout=(1, 0.2))
    assert_no_secrets(info.value)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://comtradeapi.un.org/data/v1/get/C/M/HS?subscription-key=abc&period=202501",
            "https://comtradeapi.un.org/data/v1/get/C/M/HS?subscription-key=REDACTED&period=202501",
        ),
        (
            "http://h/p?token=t&access_token=a&apiKey=k&sig=s&X-Amz-Signature=z&q=ok",
            "http://h/p?token=REDACTED&access_token=REDACTED&apiKey=REDACTED&sig=REDACTED"
            "&X-Amz-Signature=REDACTED&q=ok",
        ),
        (
            "http://h/p?JSESSIONID=1&cookie=c&password=p&session=s&keyword=rare",
            "http://h/p?JSESSIONID=REDACTED&cookie=REDACTED&password=REDACTED&session=REDACTED"
            "&keyword=rare",
        ),
        ("http://user:pw@h:8080/p", "http://user:REDACTED@h:8080/p"),
        ("http://user@h/p", "http://user@h/p"),
        (
            "http://english.customs.gov.cn/Statics/x.html",
            "http://english.customs.gov.cn/Statics/x.html",
        ),
        ("http://h/cb#access_token=t&state=1", "http://h/cb#access_token=REDACTED&state=1"),
    ],
)
def test_redact_url(url: str, expected: str) -> None:
    assert redact_url(url) == expected


def test_make_session_settings() -> None:
    session = make_session(retries=3, backoff=0.2)
    assert session.headers["User-Agent"] == DEFAULT_USER_AGENT
    assert DEFAULT_USER_AGENT == "customs-etl/0.1 (+data pipeline; contact via repository)"
    for scheme in ("http://", "https://"):
        retry = session.get_adapter(f"{scheme}example.org").max_retries
        assert (retry.total, retry.connect, retry.read) == (3, 3, 3)
        assert retry.backoff_factor == 0.2 and retry.backoff_jitter > 0
        assert set(retry.status_forcelist) == {429, 500, 502, 503, 504}
        assert set(retry.allowed_methods) == {"GET", "HEAD", "POST"}
        assert retry.respect_retry_after_header and not retry.raise_on_status
    assert make_session("probe/1").headers["User-Agent"] == "probe/1"


# --------------------------------------------------------------------------- the test site itself


def test_serve_site_records_requests_and_answers_404() -> None:
    log: list[RecordedRequest] = []
    page = Route.static("héllo", headers={"X-Test": "1"})
    with serve_site({"/page": page}, log=log) as base_url:
        assert base_url.startswith("http://127.0.0.1:")
        answer = requests.get(f"{base_url}/page?a=1", headers={"X-Probe": "yes"}, timeout=5)
        assert answer.text == "héllo" and answer.headers["X-Test"] == "1"
        assert requests.post(f"{base_url}/page", data=b"xyz", timeout=5).status_code == 200
        assert requests.get(f"{base_url}/nowhere", timeout=5).status_code == 404
    assert [r.path for r in page.requests] == ["/page?a=1", "/page"]
    assert page.requests[0].headers["X-Probe"] == "yes"
    assert page.requests[1].method == "POST" and page.requests[1].body == b"xyz"
    assert [r.path for r in log] == ["/page?a=1", "/page", "/nowhere"]


# --------------------------------------------------------------------------- real index page


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="shared samples not available")
def test_real_index_2026() -> None:
    index = (SAMPLES / "index-monthly-2026.html").read_bytes()
    client = BulletinClient("http://127.0.0.1:8080", session=requests.Session())
    links = client.table_links(index, 13)
    assert sorted(links) == [1, 2, 3, 4, 5, 6, 7]  # Aug.–Dec. are <span>: not published
    assert links[1] == "http://127.0.0.1:8080/Statics/271edd94-6eea-432e-9b1b-ff10c742cd9b.html"
    assert links[7] == "http://127.0.0.1:8080/Statics/077992ea-2680-4cd5-965b-53a4b10f2ada.html"
    raw = parse_index_links(index, 13)
    assert raw[1] == (
        "http://english.customs.gov.cn/Statics/271edd94-6eea-432e-9b1b-ff10c742cd9b.html"
    )
    assert sorted(client.table_links(index, 14)) == [1, 2, 3, 4, 5, 6, 7]
