"""Client for the UN Comtrade API v1: data availability and monthly HS data, as pages.

What the API does that a client must handle (``docs/comtrade.md``):

* With a subscription key (``$CUSTOMS_ETL_COMTRADE_KEY``, sent as header
  ``Ocp-Apim-Subscription-Key`` — never in the URL, never logged) data comes from
  ``/data/v1/get/C/M/HS`` and availability from ``/data/v1/getDa/C/M/HS``; without one from the
  keyless ``/public/v1/preview/C/M/HS`` and ``/public/v1/getDa/C/M/HS``.
* A page holds at most the endpoint's cap of rows (preview 500; keyed 100,000 on a free key) and
  says nothing when it cut the answer: a page of exactly the cap is treated as truncated and its
  query split — by period, then by partner, then by reporter, then by commodity — until every
  page is under the cap. The capped page is kept (marked truncated) as evidence, never read.
* At most 12 periods per call (``YYYYMM``); reporters, partners and commodities as comma lists.
* ``429`` ("Rate limit is exceeded. Try again in N seconds.", ``Retry-After``): wait as told
  (at most two minutes a time) and ask again; ``401``/``403`` (bad key, quota spent) are refused
  at once with the API's own message; an empty result is ``200`` with ``count: 0``.

Pages are returned as received (``transforms.comtrade.Page``); reading them is the parser's job,
except for the row count the cap rule needs.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from urllib.parse import urlencode, urlsplit

import requests

from customs_etl.core.comtrade_areas import WORLD_CODE, country_codes
from customs_etl.core.errors import SourceError
from customs_etl.publishers.http import (
    Credentials,
    HttpStatusError,
    fetch,
    make_session,
    redact_secrets,
)
from customs_etl.transforms.comtrade import Page, page_row_count

DEFAULT_BASE_URL = "https://comtradeapi.un.org"
KEY_HEADER = "Ocp-Apim-Subscription-Key"
DATA_KEYED = "/data/v1/get/C/M/HS"
DATA_PREVIEW = "/public/v1/preview/C/M/HS"
AVAILABILITY_KEYED = "/data/v1/getDa/C/M/HS"
AVAILABILITY_PUBLIC = "/public/v1/getDa/C/M/HS"
PREVIEW_CAP = 500
KEYED_CAP = 100_000  # a free key's rows per call (documented 250,000 for paid plans)
MAX_PERIODS = 12
MAX_URL = 4_000  # the API refuses URLs of 4,096 characters and more
MAX_WAIT_SECONDS = 120.0
RATE_LIMIT_ATTEMPTS = 6
# 5xx and resets are retried by the session; 429 is retried here, where its message is read.
SESSION_RETRY_STATUSES = frozenset({500, 502, 503, 504})
_TRY_AGAIN = re.compile(r"try again in\s+(\d+(?:\.\d+)?)\s*second", re.IGNORECASE)


class AccessRefused(HttpStatusError):
    """401/403: the key was refused or the quota is spent — refused at once, never retried."""

    def __init__(self, error: HttpStatusError, hint: str) -> None:
        super().__init__(error.url, error.status, detail=error.detail)
        self.args = (f"{error.url}: HTTP {error.status}: {hint}",)


@dataclass(frozen=True)
class Query:
    """One data request: months (``YYYYMM``), reporters, a flow, commodities, partners (None:
    every partner, World included)."""

    periods: tuple[str, ...]
    reporters: tuple[str, ...]
    flow: str
    commodities: tuple[str, ...]
    partners: tuple[str, ...] | None = None

    def params(self, max_records: int) -> dict[str, str]:
        params = {
            "reporterCode": ",".join(self.reporters),
            "period": ",".join(self.periods),
            "cmdCode": ",".join(self.commodities),
            "flowCode": self.flow,
            "partner2Code": "0",
            "customsCode": "C00",
            "motCode": "0",
            "breakdownMode": "classic",
            "includeDesc": "true",
            "maxRecords": str(max_records),
        }
        if self.partners is not None:
            params["partnerCode"] = ",".join(self.partners)
        return params


def _halves(items: tuple[str, ...]) -> list[tuple[str, ...]]:
    middle = (len(items) + 1) // 2
    return [items[:middle], items[middle:]]


def split_query(query: Query) -> list[Query] | None:
    """Two smaller queries that together ask for the same rows, or None when it cannot be split
    (one period, partner, reporter and commodity). Periods first, then partners (every partner
    becomes World plus the known codes, in halves), then reporters, then commodities."""
    if len(query.periods) > 1:
        return [replace(query, periods=part) for part in _halves(query.periods)]
    if query.partners is None:
        universe = (WORLD_CODE, *country_codes())
        return [replace(query, partners=part) for part in _halves(universe)]
    if len(query.partners) > 1:
        return [replace(query, partners=part) for part in _halves(query.partners)]
    if len(query.reporters) > 1:
        return [replace(query, reporters=part) for part in _halves(query.reporters)]
    if len(query.commodities) > 1:
        return [replace(query, commodities=part) for part in _halves(query.commodities)]
    return None


def wait_seconds(error: HttpStatusError) -> float:
    """How long a 429 asks to wait: the longer of ``Retry-After`` (seconds) and the message's
    "Try again in N seconds", else one second; never more than two minutes."""
    asked = []
    header = (error.retry_after or "").strip()
    if re.fullmatch(r"\d+(?:\.\d+)?", header):
        asked.append(float(header))
    found = _TRY_AGAIN.search(error.detail)
    if found:
        asked.append(float(found.group(1)))
    return min(max(asked), MAX_WAIT_SECONDS) if asked else 1.0


class ComtradeClient:
    """Availability and data pages from one Comtrade base URL, politely, with the cap rule."""

    def __init__(
        self,
        base_url: str | None = None,
        key: str | None = None,
        *,
        max_records: int | None = None,
        polite_delay: float = 1.0,
        timeout: float | tuple[float, float] = (5, 60),
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
        self.keyed = bool(key)
        host = urlsplit(self.base_url).hostname or ""
        # Only the Comtrade key, only to the Comtrade host (or its stand-in).
        credentials = Credentials(api_key=key, api_key_header=KEY_HEADER)
        self.credentials = credentials
        self.session = session or make_session(
            credentials=credentials, secret_hosts=[host], retry_statuses=SESSION_RETRY_STATUSES
        )
        self.cap = max_records or (KEYED_CAP if self.keyed else PREVIEW_CAP)
        self.polite_delay = polite_delay
        self.timeout = timeout
        self.sleep = sleep
        self.requests = 0  # answers received (what a test counts)

    @property
    def data_path(self) -> str:
        return DATA_KEYED if self.keyed else DATA_PREVIEW

    @property
    def availability_path(self) -> str:
        return AVAILABILITY_KEYED if self.keyed else AVAILABILITY_PUBLIC

    def _url(self, path: str, params: dict[str, str]) -> str:
        return f"{self.base_url}{path}?{urlencode(params, safe=',')}"

    def get(self, url: str) -> Page:
        """One answer; 429 waited out as the API asks, 401/403 refused at once."""
        for attempt in range(RATE_LIMIT_ATTEMPTS):
            try:
                fetched = fetch(
                    self.session, url, timeout=self.timeout, polite_delay=self.polite_delay
                )
                self.requests += 1
                return Page(fetched.url, fetched.body)
            except HttpStatusError as exc:
                self.requests += 1
                if exc.status == 429 and attempt + 1 < RATE_LIMIT_ATTEMPTS:
                    self.sleep(wait_seconds(exc))
                    continue
                if exc.status in (401, 403):
                    said = redact_secrets(_message(exc.detail), self.credentials)[:200]
                    who = "the key in CUSTOMS_ETL_COMTRADE_KEY" if self.keyed else "no key"
                    raise AccessRefused(exc, f"access refused ({who}): {said}") from None
                raise
        raise AssertionError("unreachable")  # pragma: no cover

    def availability(self, periods: Sequence[str]) -> list[Page]:
        """Data availability (every reporter) for the months, ≤12 per call."""
        return [
            self.get(self._url(self.availability_path, {"period": ",".join(chunk)}))
            for chunk in _chunks(tuple(periods), MAX_PERIODS)
        ]

    def data(self, query: Query) -> list[Page]:
        """Every page of ``query``, split until each is under the cap (≤12 periods a call)."""
        pages: list[Page] = []
        pending = [
            replace(query, periods=chunk) for chunk in _chunks(query.periods, MAX_PERIODS)
        ]
        while pending:
            current = pending.pop(0)
            url = self._url(self.data_path, current.params(self.cap))
            if len(url) > MAX_URL:
                parts = split_query(current)
                if parts is None:
                    raise SourceError(f"{self.base_url}{self.data_path}: a query URL too long")
                pending[:0] = parts
                continue
            page = self.get(url)
            rows = page_row_count(page.body)
            if rows is None or rows < self.cap:
                pages.append(page)  # an unreadable page goes to the parser, which says why
                continue
            parts = split_query(current)
            if parts is None:
                raise SourceError(
                    f"{page.url}: {rows:,} rows, the cap, for one period, partner, reporter "
                    "and commodity: the answer is truncated and cannot be split further"
                )
            pages.append(replace(page, truncated=True))
            pending[:0] = parts
        return pages


def _message(detail: str) -> str:
    """The API's ``message`` from a JSON error answer, else the answer's start."""
    try:
        found = json.loads(detail).get("message")
    except (ValueError, AttributeError):
        found = None
    return str(found or detail or "no message")


def _chunks(items: tuple[str, ...], size: int) -> list[tuple[str, ...]]:
    return [items[i : i + size] for i in range(0, len(items), size)] or [()]
