"""Client for GACC's English preliminary release: the year index, then the table pages.

A source lists and fetches bytes; it does not parse tables (``page`` and ``reconcile`` do).
Each year has an index (``statics/report/preliminary.html`` for the current year,
``preliminaryYYYY.html`` for earlier ones): one row per table and currency, ``(5) China's Major
Exports by Quantity and Value (in CNY)``, whose month cells link the published months
(``<a href=http://english.customs.gov.cn/Statics/<uuid>.html> Feb.</a>``) and show the others
as ``<span>Mar.</span>``. Tables are found by their title words, not their printed number
(the numbers drift between years). The combined January–February page is linked under
"Feb.". Links point at the real host and are moved onto this client's base URL; a link to any
other host is refused, never fetched. Politeness (a delay before each request, one at a time),
retries, size caps and the redaction of secrets are ``publishers.http``'s.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import requests

from customs_etl.core.errors import NotPublishedYet, ParseError
from customs_etl.core.months import shanghai_today
from customs_etl.publishers.http import (
    FetchedDocument,
    HttpStatusError,
    fetch,
    make_session,
    rebase_link,
)
from customs_etl.transforms.bulletin import normalise_text, page_is_complete, parse_month_range

DEFAULT_BASE_URL = "http://english.customs.gov.cn"
PUBLISHER_HOSTS = frozenset({"english.customs.gov.cn"})
HTML_TYPES = ("text/html", "application/xhtml+xml")
INDEX_DIR = "/statics/report/"
_TABLE_WORDS = re.compile(r"\bmajor\s+(exports?|imports?)\b.*\bquantity\b.*\bvalue\b", re.I)
_CURRENCY = re.compile(r"\(\s*in\s+(CNY|RMB|USD|US\s*\$)\s*\)", re.I)


def table_rows(index_html: bytes, source: str) -> dict[tuple[str, str], dict[int, str]]:
    """(flow, currency) → {month: href as written} for the index's major-exports and
    major-imports rows; currency ``ANY`` for a row whose title names none.

    A month shown as text is unpublished and absent. Link text that is not a month, two links
    for one month, or two rows for one table and currency fail loudly: guessing would fetch
    the wrong table.
    """
    from bs4 import BeautifulSoup  # here: a run reading no HTML page skips bs4 (0.25 s)

    if not page_is_complete(index_html):
        raise ParseError(source, "the index page is cut off (no closing </html>)")
    found: dict[tuple[str, str], dict[int, str]] = {}
    for row in BeautifulSoup(index_html, "lxml").find_all("tr"):
        cells = row.find_all(["td", "th"], recursive=False)
        title = normalise_text(cells[0].get_text()) if cells else ""
        table = _TABLE_WORDS.search(title)
        if not table:
            continue
        flow = "export" if table.group(1).lower().startswith("export") else "import"
        currency = _CURRENCY.search(title)
        named = currency.group(1).upper().replace(" ", "") if currency else "ANY"
        key = (flow, {"RMB": "CNY", "US$": "USD"}.get(named, named))
        if key in found:
            raise ParseError(source, f"two index rows for major {flow}s in {key[1]}: ambiguous")
        links: dict[int, str] = {}
        for cell in cells[1:]:
            for anchor in cell.find_all("a"):
                href = str(anchor.get("href") or "").strip()
                months = parse_month_range(anchor.get_text())
                if not href or months is None:
                    raise ParseError(
                        source, f"{title}: unreadable month link {anchor.get_text()!r} -> {href!r}"
                    )
                if months[1] in links:
                    raise ParseError(source, f"{title}: two links for month {months[1]}")
                links[months[1]] = href
        found[key] = links
    if not found:
        raise ParseError(source, "no row for major exports or imports in the index")
    return found


class PreliminaryClient:
    """Lists and fetches preliminary-release pages politely (one request at a time)."""

    def __init__(
        self,
        base_url: str | None = None,
        session: requests.Session | None = None,
        polite_delay: float = 1.0,
        timeout: float | tuple[float, float] = (5, 30),
    ) -> None:
        self.base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
        host = urlsplit(self.base_url).hostname or ""  # credentials go to this host only
        self.session = session or make_session(secret_hosts=[host])
        self.polite_delay = polite_delay
        self.timeout = timeout

    def index_url(self, year: int, current_year: int | None = None) -> str:
        current = current_year or shanghai_today().year
        name = "preliminary.html" if year == current else f"preliminary{year}.html"
        return f"{self.base_url}{INDEX_DIR}{name}"

    def fetch_index(self, year: int, *, current_year: int | None = None) -> FetchedDocument:
        """The year's index; a year not started (or an index that is not there) is not
        published yet."""
        current = current_year or shanghai_today().year
        if year > current:
            raise NotPublishedYet(f"GACC preliminary release {year}: the year has not started")
        return self.get(self.index_url(year, current), f"the {year} index")

    def links(self, index_html: bytes, flow: str) -> dict[str, dict[int, str]]:
        """Currency → month → the page's URL on this client's base, for one table."""
        page = f"{self.base_url}{INDEX_DIR}"
        home = f"{DEFAULT_BASE_URL}{INDEX_DIR}"
        found: dict[str, dict[int, str]] = {}
        for (table_flow, currency), months in table_rows(index_html, page).items():
            if table_flow == flow:
                found[currency] = {
                    month: rebase_link(href, self.base_url, home, PUBLISHER_HOSTS, page=page)
                    for month, href in months.items()
                }
        return found

    def get(self, url: str, what: str) -> FetchedDocument:
        """One page (an answer declaring a non-HTML type is refused); 404 = not published."""
        try:
            return fetch(
                self.session,
                url,
                timeout=self.timeout,
                polite_delay=self.polite_delay,
                accept_types=HTML_TYPES,
            )
        except HttpStatusError as exc:
            if exc.status == 404:
                raise NotPublishedYet(
                    f"GACC preliminary release, {what}: {exc.url} answered 404"
                ) from None
            raise
