"""The bundled sample: query-platform exports shipped inside the package (PARTLY MODELED).

It behaves like a publisher that has released every month of the sample range, so `run` and
`backfill` exercise the same path as live data, offline. Its documents keep ``source`` =
``sample`` all the way to reports and exports: a series of its own, never mixed with real
releases. See ``data/magnets/README.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from customs_etl.core.models import SAMPLE_SOURCE, RawDocument
from customs_etl.publishers.base import FetchCache, Publisher
from customs_etl.publishers.gacc_query import RELEASE_SUITE, parse_export, parse_exports
from customs_etl.publishers.gacc_query.files import read_export
from customs_etl.transforms.file_names import hints_from_name

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

NAME = SAMPLE_SOURCE


def sample_folder() -> Path:
    return Path(str(resources.files(__name__) / "data" / "magnets"))


def _exports() -> list[Path]:
    return sorted(p for p in sample_folder().glob("*.csv") if p.name != "manifest.csv")


def sample_months() -> list[date]:
    """Every month some sample document ends in."""
    return sorted({hints_from_name(p.name).period_end for p in _exports()} - {None})


class Sample(Publisher):
    name = NAME
    title = "bundled sample (rare-earth magnets, partly MODELED)"
    release_suite = RELEASE_SUITE

    def documents_for_month(self, month: date, cache: FetchCache) -> list[RawDocument]:
        """Its monthly export, then cumulatives ending in ``month``."""
        chosen = [p for p in _exports() if hints_from_name(p.name).period_end == month]
        chosen.sort(key=lambda p: (hints_from_name(p.name).period_start != month, p.name))
        return [read_export(p, source=NAME) for p in chosen]

    def parse(self, doc: RawDocument) -> pd.DataFrame:
        return parse_export(doc)

    def parse_batch(
        self, docs: Sequence[RawDocument], scratch: Path
    ) -> tuple[pa.Table, list[RawDocument]]:
        return parse_exports(docs, scratch)

    def due_months(self, today: date) -> list[date]:
        return sample_months()


PUBLISHER = Sample()
