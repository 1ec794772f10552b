"""Source names the CLI and flows accept, how to fetch a month from each, and its default month."""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta, timezone

from customs_etl.errors import CustomsEtlError, NotPublishedYet
from sources.base import RawDocument
from sources.gacc_bulletin import BulletinClient
from sources.sample import sample_documents, sample_months

SOURCES = ("sample", "gacc-bulletin")
AUTOMATED_SOURCES = ("gacc-bulletin",)  # what the schedule polls; sample is for demos
BULLETIN_TABLES = (13, 14)  # major export / import commodities in quantity and value
BULLETIN_SOURCE = "gacc_bulletin"
BULLETIN_INDEX_SOURCE = "gacc_bulletin_index"
ARCHIVE_ONLY_SOURCES = frozenset({BULLETIN_INDEX_SOURCE})  # kept raw, never parsed
ENV_POLITE_DELAY = "CUSTOMS_ETL_HTTP_POLITE_DELAY"
WAREHOUSE_SOURCE = {"sample": "sample", "gacc-bulletin": BULLETIN_SOURCE}
# The flows a month of each source holds when it is complete (what a scheduled poll looks for).
EXPECTED_FLOWS = {"sample": ("export",), "gacc-bulletin": ("export", "import")}
LOOKBACK_MONTHS = 13  # a scheduled poll also fills gaps this far back
# GACC publishes on Beijing time (UTC+8, no daylight saving).
SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")


def bulletin_documents(
    month: date,
    *,
    client: BulletinClient | None = None,
    index_cache: dict[int, bytes] | None = None,
) -> list[RawDocument]:
    """Tables (13) and (14) for ``month``; empty while the month is not published yet."""
    client = client or BulletinClient(polite_delay=float(os.environ.get(ENV_POLITE_DELAY, "1.0")))
    cache = index_cache if index_cache is not None else {}
    docs = []
    if month.year not in cache:
        try:
            index = client.fetch_index(month.year)
        except NotPublishedYet:
            return []
        cache[month.year] = index.body
        docs.append(  # every fetched page is kept raw, the index too (archived, not parsed)
            RawDocument(
                name=f"bulletin-index-{month.year}.html",
                source=BULLETIN_INDEX_SOURCE,
                content=index.body,
                url=index.url,
                fetched_at=index.fetched_at,
            )
        )
    for table_no in BULLETIN_TABLES:
        try:
            page = client.fetch_table(
                month.year, month.month, table_no, index_html=cache[month.year]
            )
        except NotPublishedYet:
            continue
        flow = "export" if table_no == 13 else "import"
        docs.append(
            RawDocument(
                name=f"bulletin-table{table_no}-{month:%Y-%m}.html",
                source=BULLETIN_SOURCE,
                content=page.body,
                url=page.url,
                fetched_at=page.fetched_at,
                flow=flow,
                period_start=month,
                period_end=month,
            )
        )
    return docs


def documents_for_month(
    source: str, month: date, index_cache: dict[int, bytes] | None = None
) -> list[RawDocument]:
    """The documents ``source`` has released for ``month``, plus pages fetched to find them
    (an index: ``ARCHIVE_ONLY_SOURCES``). No data document means not published yet."""
    if source == "sample":
        return sample_documents(month)
    if source == "gacc-bulletin":
        return bulletin_documents(month, index_cache=index_cache)
    raise CustomsEtlError(f"unknown source {source!r}; known: {', '.join(SOURCES)}")


def shanghai_today(now: datetime | None = None) -> date:
    """Today in Asia/Shanghai: GACC's calendar, whatever the machine's time zone."""
    moment = now or datetime.now(SHANGHAI)
    if moment.tzinfo is None:
        raise ValueError("shanghai_today needs an aware datetime")
    return moment.astimezone(SHANGHAI).date()


def _months_back(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 - count
    return date(index // 12, index % 12 + 1, 1)


def default_period(source: str, today: date | None = None) -> date:
    """The newest month that may be out: the last complete month (Asia/Shanghai dates).

    No day-of-month cutoff: GACC's release day moves (the 7th for preliminary tables, around
    the 18th-20th for the bulletin), so a month is asked for as soon as it has ended, and a
    month not linked yet is simply "not published yet".
    """
    if source == "sample":
        return sample_months()[-1]
    today = today or shanghai_today()
    return _months_back(today.replace(day=1), 1)


def due_months(source: str, today: date | None = None) -> list[date]:
    """Every month a scheduled poll should look at: the newest expected and the 12 before it."""
    if source == "sample":
        return sample_months()
    newest = default_period(source, today)
    return [_months_back(newest, back) for back in range(LOOKBACK_MONTHS - 1, -1, -1)]


def missing_months(source: str, months: list[date], held: set[tuple[date, str]]) -> list[date]:
    """The months of ``months`` not yet complete, given the (period_end, flow) pairs the
    warehouse holds for the source: the newest expected month and any gap before it."""
    flows = EXPECTED_FLOWS.get(source, ("export",))
    return [m for m in months if any((m, flow) not in held for flow in flows)]
