"""A local stand-in for the UN Comtrade API v1, behaving as it is documented to.

Serves ``/public/v1/preview/C/M/HS`` (keyless, capped at ``preview_cap`` rows), ``/data/v1/get/
C/M/HS`` (only with the right ``Ocp-Apim-Subscription-Key`` header, else 401; capped at
``keyed_cap``), and data availability on ``/public/v1/getDa/C/M/HS`` and ``/data/v1/getDa/C/M/
HS`` (one row per reporter and month with ``datasetChecksum`` and ``lastReleased``). Queries are
filtered as the API does (comma lists of reporters, periods, partners, commodities; flow; the
totals filters ``partner2Code``/``motCode``/``customsCode``) and cut at the cap without a word —
a page of exactly the cap is all a client sees. More than 12 periods is answered 400. An empty
result is 200 with ``count: 0``. Scripted misbehaviour: the next N answers ``429`` with
"Rate limit is exceeded. Try again in N seconds." and ``Retry-After``; ``quota_spent`` answers
403 "Out of call volume quota"; ``ignore_breakdown``
returns the 'plus' breakdown rows whatever the filters say; ``broken`` replaces data answers by
a given body (an HTML error page, truncated JSON). Every request is logged.
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.support.comtrade_records import FIXTURES
from tests.support.http_site import RecordedRequest, Reply, Route, serve_site

KEY_HEADER = "Ocp-Apim-Subscription-Key"
DATA_PATHS = {"/public/v1/preview/C/M/HS": False, "/data/v1/get/C/M/HS": True}
AVAILABILITY_PATHS = {"/public/v1/getDa/C/M/HS": False, "/data/v1/getDa/C/M/HS": True}
JSON = "application/json; charset=utf-8"


@dataclass
class Dataset:
    """One reporter's month: its rows and the version the API reports for it."""

    rows: list[dict[str, Any]]
    checksum: int
    released: str


@dataclass
class ComtradeStandIn:
    datasets: dict[tuple[int, str], Dataset]
    preview_cap: int = 500
    keyed_cap: int = 100_000
    key: str | None = None
    rate_limited: int = 0  # the next N requests answer 429
    wait_message: str = "0.05"  # "Try again in <this> seconds."
    retry_after: str = "0"
    ignore_breakdown: bool = False
    broken: bytes | None = None  # served instead of the next data answer(s)
    broken_times: int = 0
    quota_spent: bool = False  # every answer 403 "Out of call volume quota"
    log: list[RecordedRequest] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def from_fixtures(cls, **options: Any) -> ComtradeStandIn:
        """The recorded-shape fixtures as the API's datasets."""
        available = json.loads((FIXTURES / "availability.json").read_text())["data"]
        datasets = {
            (row["reporterCode"], row["period"]): Dataset([], row["datasetChecksum"],
                                                          row["lastReleased"])
            for row in available
        }
        for path in sorted(FIXTURES.glob("*-2025*.json")):
            for row in json.loads(path.read_text())["data"]:
                datasets[(row["reporterCode"], row["period"])].rows.append(row)
        return cls(datasets, **options)

    # ------------------------------------------------------------------ changing the data

    def revise(self, reporter: int, period: str, change: dict[tuple[int, str], Any]) -> None:
        """A new version of a dataset: (partner, cmd) → new primaryValue/netWgt in totals rows."""
        dataset = self.datasets[(reporter, period)]
        for row in dataset.rows:
            key = (row["partnerCode"], row["cmdCode"])
            if key in change and row["motCode"] == 0 and row["partner2Code"] == 0:
                row.update(change[key])
        dataset.checksum += 1
        dataset.released = "2025-06-01T08:00:00"

    # ------------------------------------------------------------------ answering

    def data_requests(self) -> list[RecordedRequest]:
        return [r for r in self.log if urlsplit(r.path).path in DATA_PATHS]

    def availability_requests(self) -> list[RecordedRequest]:
        return [r for r in self.log if urlsplit(r.path).path in AVAILABILITY_PATHS]

    def answer(self, request: RecordedRequest) -> Reply:
        with self._lock:
            self.log.append(request)
            return self._answer(request)

    def _answer(self, request: RecordedRequest) -> Reply:
        parts = urlsplit(request.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        keyed = DATA_PATHS.get(parts.path, AVAILABILITY_PATHS.get(parts.path))
        if self.rate_limited > 0:
            self.rate_limited -= 1
            body = {
                "statusCode": 429,
                "message": f"Rate limit is exceeded. Try again in {self.wait_message} seconds.",
            }
            return Reply(json.dumps(body), 429, JSON, {"Retry-After": self.retry_after})
        if self.quota_spent:
            body = {
                "statusCode": 403,
                "message": "Out of call volume quota. Quota will be replenished in 05:12:33.",
            }
            return Reply(json.dumps(body), 403, JSON)
        if keyed and (self.key is None or request.headers.get(KEY_HEADER) != self.key):
            body = {
                "statusCode": 401,
                "message": "Access denied due to invalid subscription key. Make sure to provide "
                "a valid key for an active subscription.",
            }
            return Reply(json.dumps(body), 401, JSON)
        periods = _list(query.get("period"))
        if len(periods) > 12:
            return Reply('{"error": "at most 12 periods"}', 400, JSON)
        if parts.path in AVAILABILITY_PATHS:
            return self._availability(periods, _list(query.get("reporterCode")))
        if self.broken is not None and self.broken_times > 0:
            self.broken_times -= 1
            return Reply(self.broken, 200, "text/html; charset=utf-8")
        cap = self.keyed_cap if keyed else self.preview_cap
        if query.get("maxRecords", "").isdigit():
            cap = min(cap, int(query["maxRecords"]))
        rows = self._rows(query, periods)
        return Reply(json.dumps(_envelope(rows[:cap])), 200, JSON)

    def _availability(self, periods: list[str], reporters: list[str]) -> Reply:
        rows = []
        for (reporter, period), dataset in sorted(self.datasets.items()):
            if periods and period not in periods:
                continue
            if reporters and str(reporter) not in reporters:
                continue
            rows.append(
                {
                    "datasetCode": int(f"{reporter}{period}"),
                    "typeCode": "C",
                    "freqCode": "M",
                    "period": period,
                    "reporterCode": reporter,
                    "classificationCode": "H6",
                    "totalRecords": len(dataset.rows),
                    "datasetChecksum": dataset.checksum,
                    "firstReleased": "2025-03-20T08:00:00",
                    "lastReleased": dataset.released,
                }
            )
        return Reply(json.dumps(_envelope(rows)), 200, JSON)

    def _rows(self, query: dict[str, str], periods: list[str]) -> list[dict[str, Any]]:
        reporters = _list(query.get("reporterCode"))
        partners = _list(query.get("partnerCode"))
        commodities = _list(query.get("cmdCode"))
        flow = query.get("flowCode")
        found = []
        for (reporter, period), dataset in sorted(self.datasets.items()):
            if periods and period not in periods:
                continue
            if reporters and str(reporter) not in reporters:
                continue
            for row in dataset.rows:
                if partners and str(row["partnerCode"]) not in partners:
                    continue
                if commodities and row["cmdCode"] not in commodities:
                    continue
                if flow and row["flowCode"] != flow:
                    continue
                if not self.ignore_breakdown and not _breakdown_matches(row, query):
                    continue
                found.append(copy.deepcopy(row))
        found.sort(key=lambda r: (r["period"], r["reporterCode"], r["cmdCode"],
                                  r["partnerCode"], r["motCode"], r["partner2Code"],
                                  r["customsCode"]))
        return found

    @contextmanager
    def serve(self) -> Iterator[str]:
        routes = {path: Route.handler(self.answer) for path in (*DATA_PATHS, *AVAILABILITY_PATHS)}
        with serve_site(routes) as base_url:
            yield base_url


def _breakdown_matches(row: dict[str, Any], query: dict[str, str]) -> bool:
    for name in ("partner2Code", "motCode"):
        if name in query and str(row[name]) != query[name]:
            return False
    return "customsCode" not in query or row["customsCode"] == query["customsCode"]


def _list(value: str | None) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()] if value else []


_CALLS = iter(range(1, 1_000_000_000))


def _envelope(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Like the API, every answer differs in ``elapsedTime``: the same data is never the same
    bytes twice (so only the availability check can tell that nothing changed)."""
    elapsed = f"{next(_CALLS) / 1000:.3f} secs"
    return {"elapsedTime": elapsed, "count": len(rows), "data": rows, "error": ""}
