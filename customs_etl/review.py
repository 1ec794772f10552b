"""Quarantine review: a person releases a held-back document (its failing checks waived) or
drops it. Either way the decision is audited in ``meta.quarantine_reviews`` and the bytes stay.

Release re-runs the whole preparation on the stored bytes — parse, normalise, the release suite
and the YTD history check — so the audit records exactly which checks were waived today, and
loads in one transaction with the status change and the audit row.
"""

from __future__ import annotations

import getpass
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import duckdb

from customs_etl import batches
from customs_etl.errors import CustomsEtlError
from sources.base import RawDocument
from warehouse.db import checkpoint, transaction, writer
from warehouse.load import insert_observations, observations_to_arrow


@dataclass(frozen=True)
class Review:
    """What a review did, for the terminal."""

    release_id: str
    file_name: str
    action: str
    rows_loaded: int
    waived: tuple[str, ...]


def _reviewer(explicit: str | None) -> str:
    if explicit:
        return explicit
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in a container
        return "unknown"


def _quarantined(con: duckdb.DuckDBPyConnection, prefix: str) -> RawDocument:
    rows = con.execute(
        "SELECT release_id, status, file_name, source, content, url, fetched_at, published_on,"
        " flow, commodity_code, period_start, period_end FROM raw.releases"
        " WHERE release_id LIKE ? || '%'",
        [prefix],
    ).fetchall()
    if len(rows) != 1:
        raise CustomsEtlError(f"{len(rows)} documents match id {prefix!r}; give more of the id")
    rid, status, name, source, content, url, fetched, published, flow, code, start, end = rows[0]
    if status != "quarantined":
        raise CustomsEtlError(f"{name} ({rid[:12]}) is {status}, not quarantined")
    return RawDocument(
        name=name or rid,
        source=source,
        content=bytes(content),
        url=url,
        fetched_at=fetched.replace(tzinfo=UTC),
        published_on=published,
        flow=flow,
        commodity_code=code,
        period_start=start,
        period_end=end,
    )


def _audit(
    con: duckdb.DuckDBPyConnection,
    release_id: str,
    action: str,
    reason: str,
    reviewer: str,
    waived: list[dict[str, Any]] | None = None,
    rows: int | None = None,
) -> None:
    con.execute(
        "INSERT INTO meta.quarantine_reviews (release_id, action, reason, reviewer, reviewed_at,"
        " waived_checks, rows_loaded) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            release_id,
            action,
            reason,
            reviewer,
            datetime.now(UTC).replace(tzinfo=None),
            None if waived is None else json.dumps(waived),
            rows,
        ],
    )


def _require_reason(reason: str) -> str:
    if not reason or not reason.strip():
        raise CustomsEtlError("a review needs --reason: say why, for the audit trail")
    return reason.strip()


def release(
    prefix: str, reason: str, reviewer: str | None = None, warehouse: str | None = None
) -> Review:
    """Load a quarantined document with its failing checks downgraded, and audit it."""
    reason, who = _require_reason(reason), _reviewer(reviewer)
    with writer(warehouse) as con:
        doc = _quarantined(con, prefix)
        batch = batches.prepare(doc)
        if batch.observations is None:
            raise CustomsEtlError(f"{doc.name}: cannot release, it does not parse: {batch.error}")
        check = batches.history_check(con, batch)
        report = dict(batch.report)
        if check.report is not None:
            report["history"] = check.report.to_dict()
        waived = [
            {k: c[k] for k in ("suite", "expectation", "column", "severity", "unexpected_count")}
            for c in batches.failed_checks(report)
        ]
        report["waived"] = {"by": who, "reason": reason, "checks": waived}
        table = observations_to_arrow(batch.observations)
        with transaction(con):
            con.execute(
                "UPDATE raw.releases SET status = 'released', row_count = ?, message = ?,"
                " validation_report = ? WHERE release_id = ?",
                [
                    table.num_rows,
                    f"released by {who}: {reason}",
                    json.dumps(report, default=str),
                    doc.sha256,
                ],
            )
            insert_observations(con, table)
            _audit(con, doc.sha256, "released", reason, who, waived, table.num_rows)
    checkpoint(warehouse)
    labels = tuple(f"[{w['severity']}] {w['expectation']} {w['column'] or ''}" for w in waived)
    return Review(doc.sha256, doc.name, "released", table.num_rows, labels)


def drop(
    prefix: str, reason: str, reviewer: str | None = None, warehouse: str | None = None
) -> Review:
    """Decide a quarantined document will never load (its bytes and report stay)."""
    reason, who = _require_reason(reason), _reviewer(reviewer)
    with writer(warehouse) as con:
        doc = _quarantined(con, prefix)
        with transaction(con):
            con.execute(
                "UPDATE raw.releases SET status = 'dropped', message = message || ? "
                "WHERE release_id = ?",
                [f" [dropped by {who}: {reason}]", doc.sha256],
            )
            _audit(con, doc.sha256, "dropped", reason, who)
    checkpoint(warehouse)
    return Review(doc.sha256, doc.name, "dropped", 0, ())
