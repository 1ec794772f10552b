"""Loads: each document lands in ONE explicit transaction, or not at all.

DuckDB would otherwise commit a ``;``-separated batch statement by statement, so every write
here is wrapped in BEGIN/COMMIT with ROLLBACK on any error: the warehouse never holds half a
load, and the same bytes twice are a no-op because ``release_id`` is their sha256.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from sources.base import RawDocument
from transforms.observations import DECIMAL_SCALE, OBSERVATION_COLUMNS
from warehouse.db import transaction

PARSER_VERSION = "2"
_DECIMAL = pa.decimal128(38, DECIMAL_SCALE)
_ARROW_TYPES: dict[str, pa.DataType] = {
    "period_start": pa.date32(),
    "period_end": pa.date32(),
    "quantity": _DECIMAL,
    "quantity_kg": _DECIMAL,
    "value": _DECIMAL,
    "value_usd": _DECIMAL,
    "value_cny": _DECIMAL,
    "source_row": pa.int32(),
}


def known_releases(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """release_id → status for every document the warehouse has seen."""
    return dict(con.execute("SELECT release_id, status FROM raw.releases").fetchall())


def observations_to_arrow(frame: pd.DataFrame) -> pa.Table:
    """Exact hand-off to DuckDB: decimals stay decimals, dates stay dates.

    Missing values (None, NaN, NA) become nulls in one vectorised pass per column; Arrow builds
    the decimal and date arrays from the Python objects directly (never through float).
    """
    arrays = []
    for column in OBSERVATION_COLUMNS:
        kind = _ARROW_TYPES.get(column, pa.string())
        items = frame[column].to_numpy(dtype=object, na_value=None)
        arrays.append(pa.array(items, type=kind))
    return pa.Table.from_arrays(arrays, names=list(OBSERVATION_COLUMNS))


def _insert_release(
    con: duckdb.DuckDBPyConnection,
    doc: RawDocument,
    *,
    status: str,
    row_count: int | None,
    message: str | None,
    report: dict[str, Any] | None,
    replace: bool = False,
) -> None:
    if replace:  # the same bytes decided again (a quarantined export offered as partial)
        con.execute("DELETE FROM raw.releases WHERE release_id = ?", [doc.sha256])
    con.execute(
        "INSERT INTO raw.releases (release_id, source, file_name, url, content, size_bytes,"
        " fetched_at, published_on, ingested_at, parser_version, flow, commodity_code,"
        " period_start, period_end, status, row_count, message, validation_report, coverage)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            doc.sha256,
            doc.source,
            doc.name,
            doc.url,
            doc.content,
            len(doc.content),
            doc.fetched_at.replace(tzinfo=None),
            doc.published_on,
            datetime.now(UTC).replace(tzinfo=None),
            PARSER_VERSION,
            doc.flow,
            doc.commodity_code,
            doc.period_start,
            doc.period_end,
            status,
            row_count,
            message,
            json.dumps(report, default=str) if report is not None else None,
            doc.coverage,
        ],
    )


def load_release(
    con: duckdb.DuckDBPyConnection,
    doc: RawDocument,
    observations: pd.DataFrame,
    report: dict[str, Any] | None,
    *,
    replace: bool = False,
) -> int:
    """Insert the document and its observations atomically; returns rows loaded."""
    table = observations_to_arrow(observations)
    with transaction(con):
        _insert_release(
            con,
            doc,
            status="loaded",
            row_count=table.num_rows,
            message=None,
            report=report,
            replace=replace,
        )
        insert_observations(con, table)
    return table.num_rows


def insert_observations(con: duckdb.DuckDBPyConnection, table: pa.Table) -> None:
    """Append canonical observations (Arrow, exact types) inside the caller's transaction."""
    con.register("incoming_observations", table)
    try:
        con.execute("INSERT INTO core.observations BY NAME SELECT * FROM incoming_observations")
    finally:
        con.unregister("incoming_observations")


def quarantine_release(
    con: duckdb.DuckDBPyConnection,
    doc: RawDocument,
    *,
    message: str,
    report: dict[str, Any] | None,
    row_count: int | None = None,
    replace: bool = False,
) -> None:
    """Keep the bytes and the reason, load no observation."""
    with transaction(con):
        _insert_release(
            con,
            doc,
            status="quarantined",
            row_count=row_count,
            message=message,
            report=report,
            replace=replace,
        )


def archive_release(con: duckdb.DuckDBPyConnection, doc: RawDocument) -> None:
    """Keep a page that is evidence, not data (a bulletin index): status ``archived``."""
    with transaction(con):
        _insert_release(con, doc, status="archived", row_count=None, message=None, report=None)


def latest_for(
    con: duckdb.DuckDBPyConnection,
    source: str,
    flow: str,
    commodity_codes: Iterable[str],
    years: Iterable[int],
) -> pd.DataFrame:
    """Latest observations of the given lines and years: the history a new batch joins."""
    codes, years = list(commodity_codes), list(years)
    if not codes or not years:
        return pd.DataFrame(columns=list(OBSERVATION_COLUMNS))
    # The date range repeats what ``year IN`` says in a form DuckDB pushes below the view's
    # window (period_end is one of its partition columns): only those years are scanned.
    relation = con.sql(
        "SELECT * FROM core.latest WHERE source = $source AND flow = $flow"
        " AND commodity_code IN $codes AND year(period_end) IN $years"
        " AND period_end >= $first AND period_end < $after",
        params={
            "source": source,
            "flow": flow,
            "codes": codes,
            "years": years,
            "first": date(min(years), 1, 1),
            "after": date(max(years) + 1, 1, 1),
        },
    )
    return relation.to_arrow_table().to_pandas()  # Decimals and dates survive, unlike .df()


def held_periods(con: duckdb.DuckDBPyConnection, source: str) -> set[tuple[date, str]]:
    """(period_end, flow) of every loaded document of ``source``: what a poll need not fetch."""
    rows = con.execute(
        "SELECT DISTINCT period_end, flow FROM raw.releases WHERE source = ?"
        " AND status IN ('loaded', 'released') AND period_end IS NOT NULL",
        [source],
    ).fetchall()
    return {(period, flow) for period, flow in rows}
