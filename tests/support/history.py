"""Write generated release histories into a real, migrated DuckDB warehouse for report tests.

Each release goes through the project's own load code (``warehouse.load.load_release``), so the
marts and the report read exactly what a pipeline load would leave behind.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from customs_etl.core.models import RawDocument
from customs_etl.core.schema import OBSERVATION_COLUMNS, conform
from customs_etl.warehouse.releases import load_release
from customs_etl.warehouse.schema_version import migrate

LINE = "85051110"
GACC_CODE = {"DE": "304", "US": "502", "JP": "116", "KR": "133", "NL": "309", "IN": "111"}
_counter = itertools.count()


def observation(
    period_start: date,
    period_end: date,
    partner: str,
    kg: int | Decimal | None,
    *,
    basis: str | None = None,
    source: str = "gacc_query",
    commodity: str = LINE,
    flow: str = "export",
    trade_mode: str | None = None,
    usd: int | None = None,
) -> dict[str, Any]:
    """One canonical observation (partner ``WLD`` for a world row)."""
    row: dict[str, Any] = dict.fromkeys(OBSERVATION_COLUMNS)
    world = partner == "WLD"
    row.update(
        source=source,
        reporter="CN",
        flow=flow,
        commodity_code=commodity,
        partner=partner,
        source_partner_code=None if world else GACC_CODE.get(partner, "701"),
        trade_mode=trade_mode,
        grain="total" if world else ("partner,trade_mode" if trade_mode else "partner"),
        period_start=period_start,
        period_end=period_end,
        basis=basis or ("month" if period_start == period_end else "ytd"),
        quantity=None if kg is None else Decimal(kg),
        quantity_unit="千克",
        quantity_kg=None if kg is None else Decimal(kg),
        value=Decimal(usd if usd is not None else (kg or 0) * 50),
        currency="USD",
        value_usd=Decimal(usd if usd is not None else (kg or 0) * 50),
        flags="",
        source_row=0,
    )
    return row


def load_rows(
    con: duckdb.DuckDBPyConnection,
    rows: Iterable[dict[str, Any]],
    *,
    source: str = "gacc_query",
    coverage: str = "full",
    name: str | None = None,
) -> str:
    """Load ``rows`` as one release (unique bytes) and return its release id."""
    n = next(_counter)
    doc = RawDocument(
        name=name or f"generated-{n}.csv",
        source=source,
        content=f"generated release {n}".encode(),
        coverage=coverage,
    )
    frame = conform(pd.DataFrame(list(rows)))
    frame["release_id"] = doc.sha256
    frame["source_row"] = range(2, len(frame) + 2)
    load_release(con, doc, frame, None)
    return doc.sha256


def clear(con: duckdb.DuckDBPyConnection) -> None:
    """Empty the warehouse's data tables (the schema stays) between generated histories."""
    con.execute("DELETE FROM core.observations")
    con.execute("DELETE FROM raw.releases")


@contextmanager
def migrated(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A new warehouse file at ``path``, migrated, for the block (a module's generated
    histories share it, ``clear`` between them)."""
    connection = duckdb.connect(str(path))
    try:
        migrate(connection, path)
        yield connection
    finally:
        connection.close()
