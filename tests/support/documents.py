"""Generated documents loaded through the real load step (history checks included).

``tests.support.history.load_rows`` writes a release straight into the warehouse; these go
through ``pipeline.load.load_batch`` as a run would — coverage, the full-export check, YTD
history and restatements decide whether each loads — with only parsing and the GX release
suite left out (their own tests cover them). Each document has unique bytes unless given.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import date
from typing import Any

import pandas as pd

from customs_etl.core.models import Outcome, RawDocument, ReleaseReport
from customs_etl.core.schema import conform, to_arrow
from customs_etl.pipeline.load import load_batch
from customs_etl.pipeline.prepare import PreparedBatch

_counter = itertools.count()


def document(
    rows: Iterable[dict[str, Any]],
    *,
    source: str = "gacc_query",
    coverage: str = "full",
    name: str | None = None,
    content: bytes | None = None,
    flow: str | None = None,
    commodity: str | None = None,
    period: tuple[date, date] | None = None,
    published_on: date | None = None,
) -> tuple[RawDocument, pd.DataFrame]:
    """A document (its hints as a file name would give them) and its canonical rows."""
    n = next(_counter)
    frame = conform(pd.DataFrame(list(rows)))
    first = frame.iloc[0] if len(frame) else None
    if period is not None:
        start, end = period
    elif first is not None:
        start, end = frame["period_start"].min(), frame["period_end"].max()
    else:
        start = end = None
    doc = RawDocument(
        name=name or f"generated-{n}.csv",
        source=source,
        content=content if content is not None else f"generated document {n}".encode(),
        flow=flow or (None if first is None else first["flow"]),
        commodity_code=commodity or (None if first is None else first["commodity_code"]),
        period_start=start,
        period_end=end,
        coverage=coverage,
        published_on=published_on,
    )
    frame["release_id"] = doc.sha256
    frame["source_row"] = range(2, len(frame) + 2)
    return doc, frame


def load_documents(
    warehouse: str, documents: list[tuple[RawDocument, pd.DataFrame]]
) -> list[Outcome]:
    """Load documents as ONE batch, in order, through the real load step."""
    docs = [doc for doc, _ in documents]
    frames = [frame for _, frame in documents]
    batch = PreparedBatch(
        docs=docs,
        observations=to_arrow(pd.concat(frames, ignore_index=True)),
        reports={doc.sha256: ReleaseReport() for doc in docs},
        label="generated",
    )
    return load_batch(batch, warehouse)


def load_one(warehouse: str, rows: Iterable[dict[str, Any]], **options: Any) -> Outcome:
    """One generated document as a batch of its own; its outcome."""
    (outcome,) = load_documents(warehouse, [document(rows, **options)])
    return outcome


def load_prepared(batch: PreparedBatch, warehouse: str | None) -> Outcome:
    """The outcome of a batch of one document, loaded as a run would load it."""
    (outcome,) = load_batch(batch, warehouse)
    return outcome
