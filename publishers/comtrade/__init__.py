"""UN Comtrade (comtradeapi.un.org): China's reported exports and its partners' mirror imports.

Automated and revision-driven. For each month asked, the publisher reads data availability
(``getDa``: one row per reporter and month with its ``datasetChecksum`` and ``lastReleased``)
and fetches only the datasets that are new or changed since the last document that carried
them was loaded (``raw.release_datasets``):

* China's side: reporter 156, flow X, every partner (World included), the watchlist's HS6 codes;
* the mirror side: each partner China reports for the month as reporter, flow M, partner 156 —
  only those whose own dataset is new or changed.

Each side of a month is one document (a page bundle: every page of the query, see
``transforms.comtrade``), so a changed dataset is a new vintage of exactly its slices (the
reporter is part of the slice). The availability page is kept (archived) with every pull that
fetched something; a poll that finds nothing new writes nothing. Base URL
``$CUSTOMS_ETL_COMTRADE_URL``, key ``$CUSTOMS_ETL_COMTRADE_KEY`` (optional; keyless preview
otherwise), rows per call ``$CUSTOMS_ETL_COMTRADE_MAX_RECORDS`` (default the endpoint's cap).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from customs_etl.core import sources
from customs_etl.core.catalogue import WATCHLIST
from customs_etl.core.comtrade_areas import CHINA_CODE, area_for_code
from customs_etl.core.models import DatasetVersion, RawDocument
from customs_etl.core.months import add_months, last_complete_month
from customs_etl.core.settings import secret_text, settings
from customs_etl.publishers.base import WAREHOUSE_KEY, FetchCache, Publisher
from customs_etl.publishers.comtrade.client import ComtradeClient, Query
from customs_etl.transforms.comtrade import (
    Availability,
    Page,
    availability_rows,
    bundle_pages,
    partner_codes,
)

if TYPE_CHECKING:
    import pandas as pd

NAME = sources.COMTRADE
RELEASE_SUITE = "comtrade_release"
CLASSIFICATION = "C/M/HS"  # goods, monthly, HS as reported
LOOKBACK_MONTHS = 13  # revisions and late partner reports keep coming for about a year
CHINA = area_for_code(CHINA_CODE).key
_HELD = (NAME, "held versions")


def watched_hs6() -> tuple[str, ...]:
    """Every HS6 code of the watchlist, each once (what a pull asks for)."""
    return tuple(sorted({code for spec in WATCHLIST for code in spec.hs6}))


def dataset_id(reporter_code: str, period: str) -> str:
    return f"{CLASSIFICATION}/{reporter_code}/{period}"


def _released_on(rows: list[Availability]) -> date | None:
    days = []
    for row in rows:
        try:
            days.append(datetime.fromisoformat((row.last_released or "")[:19]).date())
        except ValueError:
            continue
    return max(days) if days else None


class Comtrade(Publisher):
    name = NAME
    title = "UN Comtrade API: China's exports and its partners' imports from China (HS6)"
    automated = True
    always_poll = True
    release_suite = RELEASE_SUITE
    expected_flows = ("export", "import")

    def client(self) -> ComtradeClient:
        current = settings()
        return ComtradeClient(
            current.comtrade_url,
            secret_text(current.comtrade_key),
            max_records=current.comtrade_max_records,
            polite_delay=current.http_polite_delay,
        )

    def _warehouse_state(
        self, cache: FetchCache, month: date
    ) -> tuple[dict[str, str], list[str]]:
        """(dataset → version held, partner codes China reports for ``month``) from the run's
        warehouse; nothing when it does not exist yet."""
        from customs_etl.warehouse.db import writer
        from customs_etl.warehouse.location import locate
        from customs_etl.warehouse.releases import dataset_versions, reported_partner_codes

        warehouse = cache.get(WAREHOUSE_KEY)
        if not locate(warehouse).exists():
            return {}, []
        with writer(warehouse) as con:
            if _HELD not in cache:
                cache[_HELD] = dataset_versions(con, NAME)
            partners = reported_partner_codes(con, NAME, CHINA, "export", month)
        return cache[_HELD], partners

    def documents_for_month(
        self, month: date, cache: FetchCache, client: ComtradeClient | None = None
    ) -> list[RawDocument]:
        """China's side and the mirror side of ``month``, only what is new or changed; the
        availability page first (archived) when anything is fetched."""
        client = client or self.client()
        period = f"{month:%Y%m}"
        held, partners_held = self._warehouse_state(cache, month)
        availability_pages = client.availability([period])
        offered: dict[str, Availability] = {}
        for page in availability_pages:
            for row in availability_rows(page.body, page.url):
                if row.period == period:
                    offered[row.reporter_code] = row

        def changed(code: str) -> bool:
            row = offered.get(code)
            return row is not None and held.get(dataset_id(code, period)) != row.checksum

        docs: list[RawDocument] = []
        partners = partners_held
        commodities = watched_hs6()
        if changed(CHINA_CODE):
            pages = client.data(Query((period,), (CHINA_CODE,), "X", commodities))
            docs.append(self._document("CN-exports", month, "export", pages, [offered[CHINA_CODE]]))
            partners = partner_codes(pages) or partners_held  # unreadable: as held before
        mirrors = [code for code in partners if code != CHINA_CODE and changed(code)]
        if mirrors:
            pages = client.data(Query((period,), tuple(mirrors), "M", commodities, (CHINA_CODE,)))
            offered_mirrors = [offered[c] for c in mirrors]
            docs.append(
                self._document("partners-imports-from-CN", month, "import", pages, offered_mirrors)
            )
        if not docs:
            return []
        archived = [
            RawDocument(
                name=f"comtrade-availability-{month:%Y-%m}.json",
                source=NAME,
                content=page.body,
                url=page.url,
                archive_only=True,
            )
            for page in availability_pages
        ]
        return [*archived, *docs]

    def _document(
        self,
        side: str,
        month: date,
        flow: str,
        pages: list[Page],
        datasets: list[Availability],
    ) -> RawDocument:
        return RawDocument(
            name=f"comtrade-{side}-{month:%Y-%m}.json",
            source=NAME,
            content=bundle_pages(pages),
            url=pages[0].url if pages else None,
            published_on=_released_on(datasets),
            flow=flow,
            period_start=month,
            period_end=month,
            datasets=tuple(
                DatasetVersion(
                    dataset=dataset_id(row.reporter_code, row.period),
                    version=row.checksum,
                    reporter=area_for_code(row.reporter_code).key,
                    period=month,
                )
                for row in datasets
            ),
        )

    def parse(self, doc: RawDocument) -> pd.DataFrame:
        from customs_etl.transforms.comtrade import comtrade_observations

        return comtrade_observations(doc.content, doc.name, doc.sha256)

    def due_months(self, today: date) -> list[date]:
        """The last complete month and the 12 before it: China's figures reach Comtrade weeks
        after GACC's, partners' months later, and both are revised for about a year."""
        newest = last_complete_month(today)
        return [add_months(newest, -back) for back in range(LOOKBACK_MONTHS - 1, -1, -1)]


PUBLISHER = Comtrade()
