"""The warehouse's record of its runs (``meta.runs``): one row per flow run, written at its end.

Why in the warehouse and not only in Prefect: ``customs-etl status`` must say when each flow
last ran and how it ended on any machine that can read the warehouse, with or without a Prefect
API (an ephemeral API forgets its runs when the process ends).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import duckdb

from customs_etl.core.months import parse_month
from customs_etl.core.summary import RunSummary


def _utc(moment: datetime) -> datetime:
    """Naive UTC, as every timestamp in the warehouse is stored."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def store_run(con: duckdb.DuckDBPyConnection, summary: RunSummary) -> str:
    """Insert the run inside the caller's transaction; its run id (Prefect's, else new)."""
    run_id = summary.run_id or str(uuid.uuid4())
    counts = summary.counts
    newest = parse_month(summary.newest_period) if summary.newest_period else None
    con.execute(
        "INSERT INTO meta.runs (run_id, run_name, flow, started_at, ended_at, state, documents,"
        " loaded, unchanged, quarantined, refused, rows_loaded, newest_period)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            run_id,
            summary.run_name,
            summary.flow,
            _utc(summary.started_at),
            _utc(summary.finished_at),
            summary.state,
            len(summary.documents),
            counts.loaded,
            counts.unchanged,
            counts.quarantined,
            counts.refused,
            summary.rows,
            newest,
        ],
    )
    return run_id
