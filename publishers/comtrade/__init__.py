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
reporter is part of the slice).

``--commodity`` narrows a pull to some HS6 codes (``commodities``). What is held is then known
per code: a document that carried the whole watchlist records ``C/M/HS/<reporter>/<YYYYMM>``,
one that carried only some codes records ``C/M/HS/<reporter>/<YYYYMM>/<hs6>`` for each, and a
code is up to date when the later of the two loads carried the version the API reports. A pull
asks only for the codes a reporter's month lacks, so one commodity pulled alone never makes
another look held. The availability page is kept (archived) with every pull that
fetched something; a poll that finds nothing new writes nothing. Base URL
``$CUSTOMS_ETL_COMTRADE_URL``, key ``$CUSTOMS_ETL_COMTRADE_KEY`` (optional; keyless preview
otherwise), rows per call ``$CUSTOMS_ETL_COMTRADE_MAX_RECORDS`` (default the endpoint's cap).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING

from customs_etl.core import sources
from customs_etl.core.comtrade_areas import CHINA_CODE, area_for_code
from customs_etl.core.models import DatasetVersion, RawDocument
from customs_etl.core.months import add_months, last_complete_month
from customs_etl.core.settings import secret_text, settings
from customs_etl.publishers.base import COMMODITIES_KEY, WAREHOUSE_KEY, FetchCache, Publisher
from customs_etl.publishers.comtrade.client import ComtradeClient, Query
from customs_etl.publishers.comtrade.hs6_selection import hs6_codes, watched_hs6
from customs_etl.transforms.comtrade import (
    Availability,
    Page,
    availability_rows,
    bundle_pages,
    page_row_count,
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


def dataset_id(reporter_code: str, period: str, hs6: str | None = None) -> str:
    """A reporter's month (every watched code), or one HS6 code of it."""
    whole = f"{CLASSIFICATION}/{reporter_code}/{period}"
    return whole if hs6 is None else f"{whole}/{hs6}"


def held_version(
    held: dict[str, tuple[str, int]], reporter_code: str, period: str, hs6: str
) -> str | None:
    """The version of ``hs6`` in a reporter's month as loaded last: by a document that carried
    that code, or one that carried the whole watchlist, whichever was loaded later."""
    loads = [
        held[key]
        for key in (dataset_id(reporter_code, period, hs6), dataset_id(reporter_code, period))
        if key in held
    ]
    return max(loads, key=lambda load: load[1])[0] if loads else None


def _released_on(rows: list[Availability]) -> date | None:
    days = []
    for row in rows:
        try:
            days.append(datetime.fromisoformat((row.last_released or "")[:19]).date())
        except ValueError:
            continue
    return max(days) if days else None


def _codes_label(codes: tuple[str, ...]) -> str:
    """How a document of some codes only is told apart by name: ``-hs850511``, ``-5-hs6``."""
    return "-hs" + "-".join(codes) if len(codes) <= 3 else f"-{len(codes)}-hs6"


class Comtrade(Publisher):
    name = NAME
    title = "UN Comtrade API: China's exports and its partners' imports from China (HS6)"
    automated = True
    always_poll = True
    release_suite = RELEASE_SUITE
    expected_flows = ("export", "import")
    filters_commodities = True

    def client(self) -> ComtradeClient:
        current = settings()
        return ComtradeClient(
            current.comtrade_url,
            secret_text(current.comtrade_key),
            max_records=current.comtrade_max_records,
            polite_delay=current.http_polite_delay,
        )

    def commodity_filter(self, wanted: Sequence[str]) -> tuple[str, ...]:
        """HS6 codes for ``--commodity`` (codes or catalogue keys)."""
        return hs6_codes(wanted)

    def _warehouse_state(
        self, cache: FetchCache, month: date
    ) -> tuple[dict[str, tuple[str, int]], list[str]]:
        """(dataset → (version, load order) held, partner codes China reports for ``month``)
        from the run's warehouse; nothing when it does not exist yet."""
        from customs_etl.warehouse.db import writer
        from customs_etl.warehouse.location import locate
        from customs_etl.warehouse.releases import dataset_loads, reported_partner_codes

        warehouse = cache.get(WAREHOUSE_KEY)
        if not locate(warehouse).exists():
            return {}, []
        with writer(warehouse) as con:
            if _HELD not in cache:
                cache[_HELD] = dataset_loads(con, NAME)
            partners = reported_partner_codes(con, NAME, CHINA, "export", month)
        return cache[_HELD], partners

    def documents_for_month(
        self, month: date, cache: FetchCache, client: ComtradeClient | None = None
    ) -> list[RawDocument]:
        """China's side and the mirror side of ``month``, only the codes new or changed (of
        the run's ``--commodity`` codes, else the watchlist's); the availability page first
        (archived) when anything is fetched."""
        client = client or self.client()
        period = f"{month:%Y%m}"
        wanted = tuple(cache.get(COMMODITIES_KEY) or watched_hs6())
        held, partners_held = self._warehouse_state(cache, month)
        availability_pages = client.availability([period])
        offered: dict[str, Availability] = {}
        for page in availability_pages:
            for row in availability_rows(page.body, page.url):
                if row.period == period:
                    offered[row.reporter_code] = row

        def lacking(code: str) -> tuple[str, ...]:
            """The wanted codes of reporter ``code``'s month not held at the offered version."""
            row = offered.get(code)
            if row is None:
                return ()
            return tuple(c for c in wanted if held_version(held, code, period, c) != row.checksum)

        docs: list[RawDocument] = []
        partners = partners_held
        china = lacking(CHINA_CODE)
        if china:
            pages = client.data(Query((period,), (CHINA_CODE,), "X", china))
            docs.append(
                self._document("CN-exports", month, "export", pages, [CHINA_CODE], china, offered)
            )
            found = partner_codes(pages)  # None: unreadable, as held before
            if found is not None and china != wanted:  # some codes' partners are not in it
                found = list(dict.fromkeys([*found, *partners_held]))
            partners = found or partners_held
        needs = {code: lacking(code) for code in partners if code != CHINA_CODE}
        mirrors = [code for code, codes in needs.items() if codes]
        if mirrors:
            codes = tuple(sorted({c for code in mirrors for c in needs[code]}))
            pages = client.data(Query((period,), tuple(mirrors), "M", codes, (CHINA_CODE,)))
            docs.append(
                self._document(
                    "partners-imports-from-CN", month, "import", pages, mirrors, codes, offered
                )
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
        reporters: list[str],
        codes: tuple[str, ...],
        offered: dict[str, Availability],
    ) -> RawDocument:
        """One side of a month: the datasets it carries are each reporter's month (the whole
        watchlist asked) or each reporter's month per code (some codes asked). An answer of no
        rows at all (none of the codes traded: likely when few are asked) is kept as evidence
        (archived, never parsed) with its versions, so the next run does not ask again."""
        rows = [offered[code] for code in reporters]
        whole = codes == watched_hs6()
        empty = bool(pages) and all(page_row_count(p.body) == 0 for p in pages)
        return RawDocument(
            name=f"comtrade-{side}-{month:%Y-%m}{'' if whole else _codes_label(codes)}.json",
            source=NAME,
            content=bundle_pages(pages),
            url=pages[0].url if pages else None,
            published_on=_released_on(rows),
            flow=flow,
            period_start=month,
            period_end=month,
            archive_only=empty,
            datasets=tuple(
                DatasetVersion(
                    dataset=dataset_id(row.reporter_code, row.period, None if whole else code),
                    version=row.checksum,
                    reporter=area_for_code(row.reporter_code).key,
                    period=month,
                )
                for row in rows
                for code in ((None,) if whole else codes)
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
