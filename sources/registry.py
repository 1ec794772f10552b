"""Source names the CLI and flows accept, how to fetch a month from each, and its default month."""

from __future__ import annotations

import os
from datetime import date

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
BULLETIN_RELEASE_DAY = 20  # the English bulletin follows around the 18th-20th of month + 1
ENV_POLITE_DELAY = "CUSTOMS_ETL_HTTP_POLITE_DELAY"


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


def default_period(source: str, today: date | None = None) -> date:
    """The newest month the release calendar says should be out."""
    if source == "sample":
        return sample_months()[-1]
    today = today or date.today()
    back = 1 if today.day >= BULLETIN_RELEASE_DAY else 2
    index = today.year * 12 + today.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)
