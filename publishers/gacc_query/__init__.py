"""GACC query platform (stats.customs.gov.cn): CSV exports a person downloads, per HS8 line.

The platform puts a CAPTCHA on every query, so its documents come as files (``customs-etl
ingest`` or the landing folder), never fetched by a schedule. What the file does not say (flow,
tariff line, cumulative month range, a filtered query) comes from its name or the command line
(``files.read_export``); the parser and normaliser are pure (``transforms.query_export``,
``transforms.normalise``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from customs_etl.core import sources
from customs_etl.core.errors import CustomsEtlError
from customs_etl.core.models import RawDocument
from customs_etl.publishers.base import Publisher

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

NAME = sources.GACC_QUERY
RELEASE_SUITE = sources.release_suite(NAME)


def parse_export(doc: RawDocument) -> pd.DataFrame:
    """A query-platform export as canonical observations (``source`` = the document's)."""
    from customs_etl.transforms.normalise import query_observations
    from customs_etl.transforms.query_export import parse_query_export

    period_range = (doc.period_start, doc.period_end) if doc.period_start else None
    export = parse_query_export(doc.content, doc.name, period_range=period_range)
    if doc.flow is None:
        raise CustomsEtlError(
            f"{doc.name}: flow unknown: name the file export-… or import-…, or pass --flow"
        )
    return query_observations(
        export,
        release_id=doc.sha256,
        flow=doc.flow,
        commodity_code=doc.commodity_code,
        source=doc.source,
    )


def parse_exports(
    docs: Sequence[RawDocument], scratch: Path
) -> tuple[pa.Table, list[RawDocument]]:
    """The columnar fast path for a batch of exports (``transforms.query_columnar``)."""
    from customs_etl.transforms.query_columnar import exports_to_canonical

    return exports_to_canonical(docs, scratch)


class GaccQuery(Publisher):
    name = NAME
    title = "GACC query-platform exports (files)"
    release_suite = RELEASE_SUITE

    def parse(self, doc: RawDocument) -> pd.DataFrame:
        return parse_export(doc)

    def parse_batch(
        self, docs: Sequence[RawDocument], scratch: Path
    ) -> tuple[pa.Table, list[RawDocument]]:
        return parse_exports(docs, scratch)


PUBLISHER = GaccQuery()
