"""GACC's English monthly bulletin (english.customs.gov.cn): tables (13) exports, (14) imports.

Automated: plain HTTP, polled by the schedule. Each year's index page links one page per table
and published month; ``client.BulletinClient`` lists and fetches them politely, and every page
fetched is kept raw (the index too, archived and never parsed). The parser is pure
(``transforms.bulletin``); a page whose title names another month than the one asked for is
refused here, because the index can link the wrong page.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from pydantic import Field

from customs_etl.core import sources
from customs_etl.core.errors import NotPublishedYet, ParseError
from customs_etl.core.models import RawDocument
from customs_etl.core.months import add_months, last_complete_month
from customs_etl.core.settings import SettingsGroup, read_settings, settings
from customs_etl.publishers.base import FetchCache, Publisher
from customs_etl.publishers.gacc_bulletin.client import DEFAULT_BASE_URL, BulletinClient

if TYPE_CHECKING:
    import pandas as pd

NAME = sources.GACC_BULLETIN
RELEASE_SUITE = sources.release_suite(NAME)
TABLES = {13: "export", 14: "import"}  # major export / import commodities, quantity and value
LOOKBACK_MONTHS = 13  # a scheduled poll also fills gaps this far back


class BulletinSettings(SettingsGroup):
    """The bulletin's own variable (``CUSTOMS_ETL_GACC_BULLETIN_URL``)."""

    gacc_bulletin_url: str = Field(DEFAULT_BASE_URL, description="GACC English bulletin site")


def check_requested_period(doc: RawDocument, year: int, first: int, last: int) -> None:
    """A page whose title names another month than the one asked for is refused, not loaded.

    The index can link the wrong page (a copy-paste slip on the site); loading it would file
    June's figures as July's. A combined ``1 to 2`` page answers a request for February.
    """
    if doc.period_end is None:
        return
    if (year, last) != (doc.period_end.year, doc.period_end.month):
        span = f"{year}-{last:02d}" if first == last else f"{year}-{first:02d}..{year}-{last:02d}"
        raise ParseError(
            doc.url or doc.name,
            f"the page is for {span} but {doc.period_end:%Y-%m} was requested",
        )


class GaccBulletin(Publisher):
    name = NAME
    title = "GACC English monthly bulletin, tables (13) and (14)"
    automated = True
    release_suite = RELEASE_SUITE
    expected_flows = ("export", "import")
    poll_order = 20  # about the 18th, after the preliminary release
    settings_group = BulletinSettings

    def client(self) -> BulletinClient:
        url = read_settings(BulletinSettings).gacc_bulletin_url
        return BulletinClient(url, polite_delay=settings().http_polite_delay)

    def documents_for_month(
        self, month: date, cache: FetchCache, client: BulletinClient | None = None
    ) -> list[RawDocument]:
        """Tables (13) and (14) for ``month``; empty while the month is not published yet.

        ``client`` replaces the one the settings describe (another session, timeouts).
        """
        client = client or self.client()
        docs = []
        key = (NAME, month.year)
        if key not in cache:
            try:
                index = client.fetch_index(month.year)
            except NotPublishedYet:
                return []
            cache[key] = index.body
            docs.append(  # every fetched page is kept raw, the index too (never parsed)
                RawDocument(
                    name=f"bulletin-index-{month.year}.html",
                    source=NAME,
                    content=index.body,
                    url=index.url,
                    fetched_at=index.fetched_at,
                    archive_only=True,
                )
            )
        for table_no, flow in TABLES.items():
            try:
                page = client.fetch_table(month.year, month.month, table_no, index_html=cache[key])
            except NotPublishedYet:
                continue
            docs.append(
                RawDocument(
                    name=f"bulletin-table{table_no}-{month:%Y-%m}.html",
                    source=NAME,
                    content=page.body,
                    url=page.url,
                    fetched_at=page.fetched_at,
                    flow=flow,
                    period_start=month,
                    period_end=month,
                )
            )
        return docs

    def parse(self, doc: RawDocument) -> pd.DataFrame:
        from customs_etl.core.schema import conform
        from customs_etl.transforms.bulletin import bulletin_observations, parse_bulletin_table

        table = parse_bulletin_table(doc.content, doc.url or doc.name)
        check_requested_period(doc, table.year, table.month_start, table.month_end)
        return conform(bulletin_observations(table, release_id=doc.sha256))

    def due_months(self, today: date) -> list[date]:
        """The last complete month (no day-of-month cutoff: the release day moves) and the
        12 before it."""
        newest = last_complete_month(today)
        return [add_months(newest, -back) for back in range(LOOKBACK_MONTHS - 1, -1, -1)]


PUBLISHER = GaccBulletin()
