"""Client for GACC's English monthly bulletin (english.customs.gov.cn): list and fetch tables.

A source lists and fetches bytes; it does not parse tables (see ``transforms.bulletin``).
Each year has an index page whose rows are bulletin tables and whose cells link one page per
published month. The links are absolute to the real host, so they are rebuilt on this
client's base URL: a mirror, a proxy or a local test server then serves the whole site.
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
_INDEX_DIR = "/statics/report/"


def _this_year() -> int:
    """GACC's current year: Beijing time turns the year 8 hours before UTC."""
    return shanghai_today().year


def parse_index_links(
    index_html: bytes, table_no: int, *, source: str = "bulletin index"
) -> dict[int, str]:
    """Month → href as written in the index row ``（<table_no>）…``.

    Months shown as plain text (``<span>Aug.</span>``) are unpublished and absent. A combined
    link (``1 to 2``, ``Jan.-Feb.``) is filed under its last month. Link text that is not a
    month, two links for one month, or two rows with the same number fail loudly: guessing
    would fetch the wrong table.
    """
    from bs4 import BeautifulSoup  # here: a run reading no HTML page skips bs4 (0.25 s)

    if not page_is_complete(index_html):
        raise ParseError(
            source, "the index page is cut off (no closing </html>): a truncated download?"
        )
    soup = BeautifulSoup(index_html, "lxml")
    matches = []
    for row in soup.find_all("tr"):
        cells = row.find_all(["td", "th"], recursive=False)
        if not cells:
            continue
        m = re.match(r"\(\s*(\d{1,2})\s*\)", normalise_text(cells[0].get_text()))
        if m and int(m.group(1)) == table_no:
            matches.append(cells)
    if not matches:
        raise ParseError(source, f"no row for table ({table_no}) in the bulletin index")
    if len(matches) > 1:
        raise ParseError(source, f"{len(matches)} rows for table ({table_no}); ambiguous")
    links: dict[int, str] = {}
    for cell in matches[0][1:]:
        for anchor in cell.find_all("a"):
            href = str(anchor.get("href") or "").strip()
            months = parse_month_range(anchor.get_text())
            if not href or months is None:
                raise ParseError(
                    source,
                    f"table ({table_no}): unreadable month link {anchor.get_text()!r} -> {href!r}",
                )
            if months[1] in links:
                raise ParseError(source, f"table ({table_no}): two links for month {months[1]}")
            links[months[1]] = href
    return links


class BulletinClient:
    """Lists and fetches bulletin pages politely (one request at a time, a delay before each)."""

    def __init__(
        self,
        base_url: str | None = None,
        session: requests.Session | None = None,
        polite_delay: float = 1.0,
        timeout: float | tuple[float, float] = (5, 30),
    ) -> None:
        self.base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
        # Credentials from the environment go to the publisher (or its mirror) only.
        host = urlsplit(self.base_url).hostname or ""
        self.session = session or make_session(secret_hosts=[host])
        self.polite_delay = polite_delay
        self.timeout = timeout

    def index_url(self, year: int, current_year: int | None = None) -> str:
        """The current year's index is ``monthly.html``; earlier years are ``monthly{YYYY}``."""
        current = current_year or _this_year()
        name = "monthly.html" if year == current else f"monthly{year}.html"
        return f"{self.base_url}{_INDEX_DIR}{name}"

    def fetch_index(self, year: int, *, current_year: int | None = None) -> FetchedDocument:
        """The year's index page; a year after the current one is simply not published."""
        current = current_year or _this_year()
        if year > current:
            raise NotPublishedYet(f"GACC bulletin {year}: the year has not started")
        return self._get(self.index_url(year, current))

    def table_links(self, index_html: bytes, table_no: int) -> dict[int, str]:
        """Month → absolute URL on this client's base for one table of an index page."""
        raw = parse_index_links(index_html, table_no, source=f"{self.base_url}{_INDEX_DIR}")
        return {month: self._rebase(href) for month, href in raw.items()}

    def fetch_table(
        self,
        year: int,
        month: int,
        table_no: int,
        *,
        current_year: int | None = None,
        index_html: bytes | None = None,
    ) -> FetchedDocument:
        """One table page. ``NotPublishedYet`` when the index does not link the month or the
        page answers 404. Pass ``index_html`` to reuse an index already fetched this run."""
        if not 1 <= month <= 12:
            raise ValueError(f"month must be 1..12, got {month}")
        if index_html is None:
            index_html = self.fetch_index(year, current_year=current_year).body
        links = self.table_links(index_html, table_no)
        if month not in links:
            combined = month == 1 and 2 in links
            hint = " (January may be published combined with February)" if combined else ""
            raise NotPublishedYet(
                f"GACC bulletin table ({table_no}) {year}-{month:02d} "
                f"is not linked from the index yet{hint}"
            )
        try:
            return self._get(links[month])
        except HttpStatusError as exc:
            if exc.status == 404:
                raise NotPublishedYet(
                    f"GACC bulletin table ({table_no}) {year}-{month:02d}: {exc.url} answered 404"
                ) from None
            raise

    def _get(self, url: str) -> FetchedDocument:
        """One page; an answer that declares a non-HTML type is refused, not parsed."""
        return fetch(
            self.session,
            url,
            timeout=self.timeout,
            polite_delay=self.polite_delay,
            accept_types=HTML_TYPES,
        )

    def _rebase(self, href: str) -> str:
        """Links to the publisher's host (or relative ones) moved onto ``base_url``; a link to
        any other host is refused (``publishers.http.rebase_link``)."""
        home = f"{DEFAULT_BASE_URL}{_INDEX_DIR}"
        page = f"{self.base_url}{_INDEX_DIR}"
        return rebase_link(href, self.base_url, home, PUBLISHER_HOSTS, page=page)
