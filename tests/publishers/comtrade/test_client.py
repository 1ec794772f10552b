"""The Comtrade client against a local stand-in of the API: paths and key, the cap rule (split by
period, then partner), at most 12 periods a call, 429 waits, 401/403 refused at once."""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qs, urlsplit

import pytest

from customs_etl.publishers.comtrade.client import (
    KEY_HEADER,
    AccessRefused,
    ComtradeClient,
    Query,
    split_query,
)
from customs_etl.publishers.http import HttpStatusError
from customs_etl.transforms.comtrade import page_rows, read_envelope
from tests.support.comtrade_site import ComtradeStandIn, Dataset

KEY = "CT-KEY-SECRET-6a1f"
WATCHED = ("850511", "811292")


def _params(path: str) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlsplit(path).query).items()}


def _num(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


def _totals(site: ComtradeStandIn, reporter: int, periods: tuple[str, ...]) -> list[tuple]:
    """What the API holds for a reporter: its totals rows, as comparable tuples."""
    return sorted(
        (r["period"], r["reporterCode"], r["partnerCode"], r["cmdCode"], _num(r["netWgt"]))
        for (rep, period), ds in site.datasets.items() if rep == reporter and period in periods
        for r in ds.rows
        if r["motCode"] == 0 and r["partner2Code"] == 0 and r["customsCode"] == "C00"
    )  # fmt: skip


def _rows(pages) -> list[tuple]:
    return sorted(
        (r["period"], r["reporterCode"], r["partnerCode"], r["cmdCode"], _num(r["netWgt"]))
        for page in pages if not page.truncated
        for r in page_rows(page, page.url)
    )  # fmt: skip


def test_keyless_pulls_use_the_preview_and_send_no_key() -> None:
    site = ComtradeStandIn.from_fixtures()
    with site.serve() as url:
        client = ComtradeClient(url, None, polite_delay=0)
        pages = client.data(Query(("202503",), ("156",), "X", WATCHED))
        client.availability(["202503"])
    assert [urlsplit(r.path).path for r in site.log] == [
        "/public/v1/preview/C/M/HS", "/public/v1/getDa/C/M/HS"
    ]  # fmt: skip
    assert all(KEY_HEADER not in r.headers for r in site.log)
    sent = _params(site.log[0].path)
    assert sent["partner2Code"] == "0" and sent["motCode"] == "0" and sent["customsCode"] == "C00"
    assert sent["maxRecords"] == "500" and sent["cmdCode"] == "850511,811292"
    assert _rows(pages) == _totals(site, 156, ("202503",))


def test_keyed_pulls_send_the_key_as_a_header_never_in_the_url() -> None:
    site = ComtradeStandIn.from_fixtures(key=KEY)
    with site.serve() as url:
        client = ComtradeClient(url, KEY, polite_delay=0)
        pages = client.data(Query(("202503",), ("156",), "X", WATCHED))
        client.availability(["202503"])
    assert [urlsplit(r.path).path for r in site.log] == [
        "/data/v1/get/C/M/HS", "/data/v1/getDa/C/M/HS"
    ]  # fmt: skip
    assert all(r.headers[KEY_HEADER] == KEY and KEY not in r.path for r in site.log)
    assert all(KEY not in page.url for page in pages)
    assert _params(site.log[0].path)["maxRecords"] == "100000"  # the keyed cap, not 500


@pytest.mark.parametrize(
    ("key", "option", "words"),
    [("wrong-key", {}, "access refused (the key in CUSTOMS_ETL_COMTRADE_KEY): Access denied"),
     (KEY, {"quota_spent": True}, "Out of call volume quota. Quota will be replenished in")],
)  # fmt: skip
def test_401_and_403_are_refused_at_once(key: str, option: dict, words: str) -> None:
    site = ComtradeStandIn.from_fixtures(key=KEY, **option)
    with site.serve() as url, pytest.raises(AccessRefused) as caught:
        ComtradeClient(url, key, polite_delay=0).availability(["202503"])
    assert len(site.log) == 1  # never retried
    assert words in str(caught.value) and "\n" not in str(caught.value)
    assert key not in str(caught.value)


def test_429_waits_as_the_message_says_then_asks_again() -> None:
    site = ComtradeStandIn.from_fixtures(rate_limited=2, wait_message="0.4", retry_after="0")
    with site.serve() as url:
        started = time.monotonic()
        pages = ComtradeClient(url, None, polite_delay=0).data(
            Query(("202503",), ("156",), "X", WATCHED)
        )
        waited = time.monotonic() - started
    assert len(site.log) == 3 and len(pages) == 1
    assert waited >= 0.8  # twice "Try again in 0.4 seconds", not the header's 0


def test_429_honours_retry_after_when_it_asks_longer() -> None:
    site = ComtradeStandIn.from_fixtures(rate_limited=1, wait_message="0", retry_after="1")
    with site.serve() as url:
        started = time.monotonic()
        ComtradeClient(url, None, polite_delay=0).availability(["202503"])
    assert time.monotonic() - started >= 1.0 and len(site.log) == 2


def test_a_429_that_never_ends_is_an_http_error_the_flow_may_retry() -> None:
    site = ComtradeStandIn.from_fixtures(rate_limited=100, wait_message="0.01")
    with site.serve() as url, pytest.raises(HttpStatusError) as caught:
        ComtradeClient(url, None, polite_delay=0).availability(["202503"])
    assert caught.value.status == 429 and not isinstance(caught.value, AccessRefused)
    assert "Rate limit is exceeded" in caught.value.detail


def test_a_capped_page_is_split_by_period_then_by_partner_until_under_the_cap() -> None:
    site = ComtradeStandIn.from_fixtures(preview_cap=5)
    periods = ("202502", "202503")
    with site.serve() as url:
        pages = ComtradeClient(url, None, polite_delay=0, max_records=5).data(
            Query(periods, ("156",), "X", WATCHED)
        )
    asked = [_params(r.path) for r in site.data_requests()]
    # first both months at once, then one month at a time, then partner lists
    assert asked[0]["period"] == "202502,202503" and "partnerCode" not in asked[0]
    assert [a["period"] for a in asked[1:3]] == ["202502", "202502"]
    assert "partnerCode" not in asked[1] and "partnerCode" in asked[2]
    assert all("," not in a["period"] for a in asked[1:])
    # every page read for figures is under the cap; the capped ones are kept, marked
    read = [p for p in pages if not p.truncated]
    assert all(len(read_envelope(p.body, p.url)["data"]) < 5 for p in read)
    assert any(p.truncated for p in pages)
    assert _rows(pages) == _totals(site, 156, periods)  # nothing lost, nothing twice


def test_a_page_of_exactly_the_cap_is_treated_as_truncated() -> None:
    rows = [r for r in ComtradeStandIn.from_fixtures().datasets[(156, "202503")].rows
            if r["motCode"] == 0 and r["partner2Code"] == 0 and r["customsCode"] == "C00"
            and r["partnerCode"] in (842, 276, 392) and r["cmdCode"] == "850511"]  # fmt: skip
    site = ComtradeStandIn({(156, "202503"): Dataset(rows, 1, "2025-04-20")}, preview_cap=3)
    with site.serve() as url:
        pages = ComtradeClient(url, None, polite_delay=0, max_records=3).data(
            Query(("202503",), ("156",), "X", ("850511",))
        )
    assert len(rows) == 3 and len(site.data_requests()) > 1  # the cap: split, though whole
    assert pages[0].truncated and len(_rows(pages)) == 3


def test_at_most_twelve_periods_a_call() -> None:
    site = ComtradeStandIn.from_fixtures()
    months = (*tuple(f"2024{m:02d}" for m in range(1, 13)), "202501", "202502", "202503")
    with site.serve() as url:
        client = ComtradeClient(url, None, polite_delay=0)
        pages = client.data(Query(months, ("156",), "X", WATCHED))
        client.availability(months)
    counts = [len(_params(r.path)["period"].split(",")) for r in site.log]
    assert counts == [12, 3, 12, 3]
    assert _rows(pages) == _totals(site, 156, months)


def test_an_empty_result_is_one_page_of_no_rows() -> None:
    site = ComtradeStandIn.from_fixtures()
    with site.serve() as url:
        pages = ComtradeClient(url, None, polite_delay=0).data(
            Query(("201001",), ("156",), "X", WATCHED)
        )
    assert len(pages) == 1 and json.loads(pages[0].body)["count"] == 0


def test_split_order_and_the_query_that_cannot_be_split() -> None:
    query = Query(("202503",), ("842", "276"), "M", WATCHED, ("156",))
    reporters = split_query(query)
    assert reporters is not None and [q.reporters for q in reporters] == [("842",), ("276",)]
    single = Query(("202503",), ("842",), "M", ("850511",), ("156",))
    assert split_query(single) is None
    every = split_query(Query(("202503",), ("156",), "X", WATCHED))
    assert every is not None and every[0].partners is not None and "0" in every[0].partners
