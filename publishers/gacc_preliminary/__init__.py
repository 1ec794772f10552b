"""GACC's English preliminary release (english.customs.gov.cn): tables (5) and (6).

The first official figures of a month — rare earths among them — out about the 7th–14th of
the next month, a week before the monthly bulletin and two before the query platform.
Automated: plain HTTP, polled by the schedule. For a month, each year's index
(``client``) links tables (5) major exports and (6) major imports by quantity and value, each
"(in CNY)" and "(in USD)".

**One document per table and month, both currencies.** The CNY and USD pages of a table carry
the same rows and quantities; loaded as two documents of the same slices, the one loaded later
would replace the other and its currency's values would be lost. So the pages of a month's
table are fetched together and kept as ONE document: ``bundle`` packs their exact bytes into a
deterministic container (same pages, same sha256: an unchanged month is a no-op; a changed page
makes a new document, a new vintage). ``parse`` unpacks it, reads each page (``page``, pure),
settles what the pages claim against each other (``reconcile``, pure: quantities must agree,
currencies and units are read from the evidence, contradictions resolved by stated rules or
refused in one line) and gives one set of observations whose ``value_cny`` and ``value_usd``
come from the two pages. When only one currency is linked, the document holds that page.

Every page fetched is kept raw: the index (archived, never parsed) and the pages inside their
document. A page with no HTML table (older years were published as images) is archived and
noted (``publishers.base.add_note``), never parsed into zeros.
"""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import Field

from customs_etl.core import sources
from customs_etl.core.calendar import newest_due
from customs_etl.core.errors import NotPublishedYet
from customs_etl.core.models import RawDocument
from customs_etl.core.months import add_months, last_complete_month
from customs_etl.core.settings import SettingsGroup, read_settings, settings
from customs_etl.publishers.base import FetchCache, Publisher, add_note
from customs_etl.publishers.gacc_preliminary import bundle
from customs_etl.publishers.gacc_preliminary.client import DEFAULT_BASE_URL, PreliminaryClient
from customs_etl.publishers.gacc_preliminary.page import has_table, release_date
from customs_etl.publishers.http import FetchedDocument

if TYPE_CHECKING:
    import great_expectations as gx
    import pandas as pd

NAME = sources.GACC_PRELIMINARY
RELEASE_SUITE = sources.release_suite(NAME)
TABLES = {"export": "(5) major exports", "import": "(6) major imports"}
LOOKBACK_MONTHS = 13  # a scheduled poll also fills gaps this far back
log = logging.getLogger(__name__)


class PreliminarySettings(SettingsGroup):
    """The preliminary release's own variable (``CUSTOMS_ETL_GACC_PRELIMINARY_URL``)."""

    gacc_preliminary_url: str = Field(
        DEFAULT_BASE_URL, description="GACC English preliminary release site"
    )


def _archived(name: str, page: FetchedDocument) -> RawDocument:
    """A page kept raw as evidence (an index, an image-only page): archived, never parsed."""
    return RawDocument(
        name=name,
        source=NAME,
        content=page.body,
        url=page.url,
        fetched_at=page.fetched_at,
        archive_only=True,
    )


def document_name(flow: str, month: date) -> str:
    return f"preliminary-{flow}s-{month:%Y-%m}.bundle"


class GaccPreliminary(Publisher):
    name = NAME
    title = "GACC English preliminary release, tables (5) and (6)"
    automated = True
    release_suite = RELEASE_SUITE
    expected_flows = ("export", "import")
    poll_order = 10  # about the 7th-14th: the first official figures of a month
    settings_group = PreliminarySettings
    suite_file = Path(__file__).with_name(f"{RELEASE_SUITE}.json")

    def client(self) -> PreliminaryClient:
        url = read_settings(PreliminarySettings).gacc_preliminary_url
        return PreliminaryClient(url, polite_delay=settings().http_polite_delay)

    def documents_for_month(
        self, month: date, cache: FetchCache, client: PreliminaryClient | None = None
    ) -> list[RawDocument]:
        """Tables (5) and (6) of ``month``, one document each (both currencies); empty while
        the index links neither. ``client`` replaces the one the settings describe."""
        client = client or self.client()
        docs: list[RawDocument] = []
        key = (NAME, month.year)
        if key not in cache:
            try:
                index = client.fetch_index(month.year)
            except NotPublishedYet:
                return []
            cache[key] = index.body
            docs.append(_archived(f"preliminary-index-{month.year}.html", index))
        for flow, table in TABLES.items():
            docs += self._table(client, cache, cache[key], month, flow, table)
        return docs

    def _table(
        self,
        client: PreliminaryClient,
        cache: FetchCache,
        index_html: bytes,
        month: date,
        flow: str,
        table: str,
    ) -> list[RawDocument]:
        """The month's document of one table (its pages fetched), or only archived pages."""
        pages, kept, urls = {}, [], []
        fetched_at, published = None, []
        for currency, months in sorted(client.links(index_html, flow).items()):
            if month.month not in months:
                continue
            what = f"table {table} {month:%Y-%m} (in {currency})"
            try:
                page = client.get(months[month.month], what)
            except NotPublishedYet:
                continue
            if not has_table(page.body):
                note = (
                    f"{NAME} {month:%Y-%m} table {table} in {currency}: no HTML table "
                    "(image only), skipped"
                )
                add_note(cache, note)
                log.warning(note)
                name = f"preliminary-{flow}s-{month:%Y-%m}-{currency.lower()}-image.html"
                kept.append(_archived(name, page))
                continue
            pages[currency] = page.body
            urls.append(page.url)
            fetched_at = page.fetched_at
            published += [d for d in [release_date(page.body)] if d is not None]
        if pages:
            kept.append(
                RawDocument(
                    name=document_name(flow, month),
                    source=NAME,
                    content=bundle.pack(pages),
                    url=urls[0],
                    fetched_at=fetched_at,
                    published_on=min(published) if published else None,
                    flow=flow,
                    period_start=month,
                    period_end=month,
                )
            )
        return kept

    def parse(self, doc: RawDocument) -> pd.DataFrame:
        from customs_etl.core.schema import conform
        from customs_etl.publishers.gacc_preliminary.page import parse_page
        from customs_etl.publishers.gacc_preliminary.reconcile import (
            Part,
            observations,
            reconcile,
        )

        source = doc.name
        parts = [
            Part(label, parse_page(content, f"{source} [{label} page]"))
            for label, content in bundle.unpack(doc.content, source).items()
        ]
        month = reconcile(parts, doc.period_end, source)
        return conform(observations(month, doc.sha256, source))

    def build_suite(self) -> gx.ExpectationSuite:
        from customs_etl.publishers.gacc_preliminary.suite import build_suite

        return build_suite()

    def due_months(self, today: date) -> list[date]:
        """From its release date on (GACC's calendar, ``core.calendar``), the newest month out
        and the 12 before it: a poll before the date asks nothing, and a month already loaded
        is not asked again (``flows``), so the schedule's polls stop once it is in."""
        newest = newest_due(NAME, today) or last_complete_month(today)
        return [add_months(newest, -back) for back in range(LOOKBACK_MONTHS - 1, -1, -1)]


PUBLISHER = GaccPreliminary()
