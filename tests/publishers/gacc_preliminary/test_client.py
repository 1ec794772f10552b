"""The preliminary client and the publisher's fetch, against a local copy of the site's paths:
the index's rows found by title words, links moved onto the base URL or refused, 404 = not
published yet, politeness, both currencies in one document, image-only pages noted."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from customs_etl.core.errors import NotPublishedYet, ParseError
from customs_etl.publishers import http as http_module
from customs_etl.publishers.base import NOTES_KEY
from customs_etl.publishers.gacc_preliminary import PUBLISHER, bundle
from customs_etl.publishers.gacc_preliminary.client import PreliminaryClient, table_rows
from customs_etl.publishers.http import UnexpectedContent, make_session
from tests.support.http_site import Reply, Route, serve_site
from tests.support.preliminary_pages import (
    IMAGE_ONLY,
    REAL_INDEX,
    page,
    page_path,
    render_index,
    site_pages,
)

INDEX_2025 = "/statics/report/preliminary2025.html"
MAY_CNY, MAY_USD = page_path("export", 2025, 5, "CNY"), page_path("export", 2025, 5, "USD")


def client_for(base_url: str, retries: int = 1) -> PreliminaryClient:
    session = make_session(retries=retries, backoff=0.01)
    return PreliminaryClient(base_url, session=session, polite_delay=0, timeout=(2, 5))


@pytest.fixture
def site() -> Iterator[tuple[str, dict[str, Route]]]:
    routes = {path: Route.static(body) for path, body in site_pages().items()}
    with serve_site(routes) as base_url:
        yield base_url, routes


def test_the_real_2026_index_by_title_words() -> None:
    rows = table_rows(page(REAL_INDEX), "index")
    assert set(rows) == {("export", "CNY"), ("export", "USD"), ("import", "CNY"),
                         ("import", "USD")}  # fmt: skip
    assert rows[("export", "CNY")] == {
        2: "http://english.customs.gov.cn/Statics/2e12d3d0-91fe-4567-9734-32ce2880f05a.html",
        3: "http://english.customs.gov.cn/Statics/16b1956c-efe5-4c18-8802-4152ab35e21f.html",
    }  # January is text: the January–February page is linked under "Feb."
    assert all(set(links) == {2, 3} for links in rows.values())


def test_links_move_onto_the_base_url_and_other_hosts_are_refused() -> None:
    client = PreliminaryClient("http://mirror.test:8080/", polite_delay=0)
    index = page(REAL_INDEX)
    links = client.links(index, "export")
    assert links["USD"][2] == (
        "http://mirror.test:8080/Statics/0322d528-1511-4db4-b215-5523344bd58e.html"
    )
    evil = index.replace(b"http://english.customs.gov.cn/Statics/0322d528",
                         b"https://evil.example/Statics/0322d528")  # fmt: skip
    with pytest.raises(UnexpectedContent, match=r"another host \(https://evil.example\)"):
        client.links(evil, "export")
    assert client.index_url(2025, current_year=2026).endswith(
        "/statics/report/preliminary2025.html")  # fmt: skip
    assert client.index_url(2026, current_year=2026).endswith("/statics/report/preliminary.html")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (b"(6) China's Major Imports by Quantity and Value (in CNY)",
         b"(6) China's Major Exports by Quantity and Value (in CNY)", "two index rows"),
        (b"> Feb.</a>", b"> Febr.</a>", "unreadable month link"),
        (b"Major", b"Minor", "no row for major exports or imports"),
        (b"</html>", b"", "cut off"),
    ],
)
def test_index_errors_fail_loudly(old: bytes, new: bytes, message: str) -> None:
    index = page(REAL_INDEX)
    assert old in index
    with pytest.raises(ParseError, match=message):
        table_rows(index.replace(old, new), "index")


def test_a_month_is_one_document_per_table_with_both_currencies(
    site: tuple[str, dict[str, Route]],
) -> None:
    base_url, _ = site
    cache: dict = {}
    docs = PUBLISHER.documents_for_month(date(2025, 5, 1), cache, client_for(base_url))
    index, exports, imports = docs
    assert (index.name, index.archive_only) == ("preliminary-index-2025.html", True)
    assert index.url == f"{base_url}{INDEX_2025}"
    assert [d.name for d in (exports, imports)] == [
        "preliminary-exports-2025-05.bundle", "preliminary-imports-2025-05.bundle"]  # fmt: skip
    assert bundle.unpack(exports.content, "x") == {
        "CNY": page("exports-2025-05-cny.html"),
        "USD": page("exports-2025-05-usd.html"),
    }
    assert (exports.flow, exports.period_start, exports.period_end, exports.published_on) == (
        "export", date(2025, 5, 1), date(2025, 5, 1), date(2025, 6, 10))  # fmt: skip
    assert exports.url == f"{base_url}{MAY_CNY}"
    # The year's index is fetched once per run; the same pages give the same document.
    again = PUBLISHER.documents_for_month(date(2025, 5, 1), cache, client_for(base_url))
    assert [d.sha256 for d in again] == [exports.sha256, imports.sha256]


def test_a_month_with_one_currency_linked_holds_that_page(
    site: tuple[str, dict[str, Route]],
) -> None:
    base_url, routes = site
    routes[MAY_USD].replies[0] = Reply(b"gone", status=404)  # linked, but 404: not published
    docs = PUBLISHER.documents_for_month(date(2025, 5, 1), {}, client_for(base_url))
    assert list(bundle.unpack(docs[1].content, "x")) == ["CNY"]
    assert list(bundle.unpack(docs[2].content, "x")) == ["CNY", "USD"]  # imports


def test_a_month_not_linked_is_not_published(site: tuple[str, dict[str, Route]]) -> None:
    base_url, _ = site
    cache: dict = {}
    assert [d.name for d in PUBLISHER.documents_for_month(
        date(2025, 6, 1), cache, client_for(base_url))] == ["preliminary-index-2025.html"]
    assert PUBLISHER.documents_for_month(date(2025, 1, 1), cache, client_for(base_url)) == []
    with pytest.raises(NotPublishedYet, match="the year has not started"):
        client_for(base_url).fetch_index(2027, current_year=2026)
    with pytest.raises(NotPublishedYet, match="answered 404"):
        client_for(base_url).fetch_index(2023, current_year=2026)  # fmt: skip


def test_an_image_only_page_is_archived_and_noted_never_parsed() -> None:
    routes = {
        "/statics/report/preliminary2018.html": render_index(2018, {("export", "CNY"): [1]}),
        page_path("export", 2018, 1, "CNY"): page(IMAGE_ONLY),
    }
    with serve_site(routes) as base_url:
        cache: dict = {}
        docs = PUBLISHER.documents_for_month(date(2018, 1, 1), cache, client_for(base_url))
    assert [(d.name, d.archive_only) for d in docs] == [
        ("preliminary-index-2018.html", True),
        ("preliminary-exports-2018-01-cny-image.html", True),
    ]
    assert cache[NOTES_KEY] == [
        "gacc_preliminary 2018-01 table (5) major exports in CNY: no HTML table (image only), "
        "skipped"
    ]


def test_polite_delay_before_each_request(
    site: tuple[str, dict[str, Route]], monkeypatch: pytest.MonkeyPatch
) -> None:
    base_url, _ = site
    pauses: list[float] = []
    monkeypatch.setattr(http_module, "_pause", pauses.append)
    client = PreliminaryClient(base_url, session=make_session(retries=0), polite_delay=0.5)
    PUBLISHER.documents_for_month(date(2025, 5, 1), {}, client)
    assert pauses == [0.5] * 5  # the index, then four pages, one at a time


def test_a_server_error_is_retried(site: tuple[str, dict[str, Route]]) -> None:
    base_url, routes = site
    flaky = Route.script(Reply(status=503), Reply(page("index-2025.html")))
    routes[INDEX_2025].replies[:] = flaky.replies
    docs = PUBLISHER.documents_for_month(date(2025, 5, 1), {}, client_for(base_url, retries=2))
    assert len(docs) == 3 and len(routes[INDEX_2025].requests) == 2


def test_the_base_url_is_the_publishers_own_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CUSTOMS_ETL_GACC_PRELIMINARY_URL", " http://mirror.test/ ")
    monkeypatch.setenv("CUSTOMS_ETL_HTTP_POLITE_DELAY", "0.25")
    client = PUBLISHER.client()
    assert (client.base_url, client.polite_delay) == ("http://mirror.test", 0.25)
    monkeypatch.delenv("CUSTOMS_ETL_GACC_PRELIMINARY_URL")
    assert PUBLISHER.client().base_url == "http://english.customs.gov.cn"


def test_due_months_are_the_newest_month_out_by_the_calendar_and_twelve_before() -> None:
    # GACC's calendar puts November 2026 out on 2026-12-08: two days before, October is newest.
    months = PUBLISHER.due_months(date(2026, 12, 6))
    assert months[0] == date(2025, 10, 1) and months[-1] == date(2026, 10, 1) and len(months) == 13
    on_the_day = PUBLISHER.due_months(date(2026, 12, 8))
    assert on_the_day[0] == date(2025, 11, 1) and on_the_day[-1] == date(2026, 11, 1)
