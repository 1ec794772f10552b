"""Quarantine review: a person releases a held-back document (its failing checks waived) or
drops it. Either way the decision is audited in ``meta.quarantine_reviews`` and the bytes stay.

Release re-runs the whole preparation on the stored bytes — parse, normalise, the release suite
and the YTD history check — so the audit records exactly which checks were waived today, and
loads in one transaction with the status change and the audit row.
"""

from __future__ import annotations

import dataclasses
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
    current: tuple[str, ...] = ()  # newer vintages that stay current over a release


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
        " flow, commodity_code, period_start, period_end, coverage FROM raw.releases"
        " WHERE starts_with(release_id, ?)",
        [prefix.strip().lower()],  # a literal prefix: no LIKE wildcards
    ).fetchall()
    if len(rows) != 1:
        raise CustomsEtlError(f"{len(rows)} documents match id {prefix!r}; give more of the id")
    (rid, status, name, source, content, url, fetched, published, flow, code, start, end,
     coverage) = rows[0]  # fmt: skip
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
        coverage=coverage or "full",
    )


def _still_current(con: duckdb.DuckDBPyConnection, release_id: str) -> tuple[str, ...]:
    """For each slice of a released document that a newer full vintage holds: which one.

    A release keeps its place in load order (its ``load_seq`` from when it arrived), so a
    vintage loaded since stays current; saying so keeps a reviewer from believing otherwise.
    """
    rows = con.execute(
        """
        WITH mine AS (
            SELECT DISTINCT source, flow, commodity_code, period_start, period_end, basis
            FROM core.observations WHERE release_id = $rid
        ),
        newer AS (
            SELECT m.period_start, m.period_end, r.release_id, r.file_name,
                   row_number() OVER (PARTITION BY m.source, m.flow, m.commodity_code,
                                      m.period_start, m.period_end, m.basis
                                      ORDER BY r.load_seq DESC) AS n
            FROM mine AS m
            JOIN core.observations AS o USING (source, flow, commodity_code, period_start,
                                               period_end, basis)
            JOIN raw.releases AS r ON r.release_id = o.release_id
            WHERE r.status IN ('loaded', 'released') AND r.coverage = 'full'
              AND r.load_seq > (SELECT load_seq FROM raw.releases WHERE release_id = $rid)
        )
        SELECT DISTINCT period_start, period_end, release_id, file_name FROM newer
        WHERE n = 1 ORDER BY period_start, period_end
        """,
        {"rid": release_id},
    ).fetchall()
    by_release: dict[tuple[str, str], list[str]] = {}
    for start, end, rid, name in rows:
        span = f"{start:%Y-%m}" if start == end else f"{start:%Y-%m}..{end:%Y-%m}"
        by_release.setdefault((rid, name or rid), []).append(span)
    return tuple(
        f"loaded as an older vintage: {name} ({rid[:12]}), loaded since, stays current for "
        + ", ".join(dict.fromkeys(spans))
        for (rid, name), spans in by_release.items()
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
    prefix: str,
    reason: str,
    reviewer: str | None = None,
    warehouse: str | None = None,
    *,
    partial: bool = False,
) -> Review:
    """Load a quarantined document with its failing checks downgraded, and audit it.

    ``partial`` loads it as a filtered export (only the figures it carries).
    """
    reason, who = _require_reason(reason), _reviewer(reviewer)
    with writer(warehouse) as con:
        doc = _quarantined(con, prefix)
        if partial:
            doc = dataclasses.replace(doc, coverage="partial")
        batch = batches.prepare(doc)
        if batch.observations is None:
            raise CustomsEtlError(f"{doc.name}: cannot release, it does not parse: {batch.error}")
        check = batches.history_check(con, batch)
        report = dict(batch.report)
        if check.report is not None:
            report["history"] = check.report.to_dict()
        if check.coverage is not None:
            report["coverage"] = check.coverage
        waived = [
            {k: c[k] for k in ("suite", "expectation", "column", "severity", "unexpected_count")}
            for c in batches.failed_checks(report)
        ]
        report["waived"] = {"by": who, "reason": reason, "checks": waived}
        table = observations_to_arrow(batch.observations)
        with transaction(con):
            con.execute(
                "UPDATE raw.releases SET status = 'released', row_count = ?, message = ?,"
                " validation_report = ?, coverage = ? WHERE release_id = ?",
                [
                    table.num_rows,
                    f"released by {who}: {reason}",
                    json.dumps(report, default=str),
                    doc.coverage,
                    doc.sha256,
                ],
            )
            insert_observations(con, table)
            _audit(con, doc.sha256, "released", reason, who, waived, table.num_rows)
        current = _still_current(con, doc.sha256)
    checkpoint(warehouse)
    labels = tuple(f"[{w['severity']}] {w['expectation']} {w['column'] or ''}" for w in waived)
    return Review(doc.sha256, doc.name, "released", table.num_rows, labels, current)


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
