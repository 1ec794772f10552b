"""The two steps every document goes through: prepare (parse → normalise → validate) and load.

``prepare`` is pure CPU work on bytes and runs concurrently; ``load`` holds the single writer
connection, checks the batch against warehouse history (YTD vs months) and commits it in one
transaction — or quarantines it with its report. Flows wrap these in Prefect tasks.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from customs_etl.errors import CustomsEtlError
from expectations.suites import BULLETIN_RELEASE_SUITE, QUERY_RELEASE_SUITE, YTD_HISTORY_SUITE
from expectations.validate import SuiteReport, query_validation_frame, run_suite
from sources.base import RawDocument
from transforms.bulletin import bulletin_observations, parse_bulletin_table
from transforms.normalise import query_observations
from transforms.observations import conform
from transforms.query_export import parse_query_export
from transforms.ytd import reconcile_ytd, supersede
from warehouse import load as loads
from warehouse.db import writer

QUERY_FORMAT_SOURCES = frozenset({"gacc_query", "sample"})
SUITE_OF_SOURCE = {"gacc_bulletin": BULLETIN_RELEASE_SUITE}


@dataclass
class PreparedBatch:
    """A document with its observations and release-suite report, or the reason it failed."""

    doc: RawDocument
    observations: pd.DataFrame | None = None
    report: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class Outcome:
    """What happened to one document: loaded, unchanged or quarantined."""

    name: str
    period: str
    status: str
    rows: int
    seconds: float
    message: str = ""
    release_id: str = ""
    warnings: int = 0

    def as_row(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "file": self.name,
            "status": self.status,
            "rows": self.rows,
            "seconds": round(self.seconds, 2),
            "message": self.message,
        }


def period_label(doc: RawDocument) -> str:
    if doc.period_start is None or doc.period_end is None:
        return "?"
    start, end = doc.period_start.strftime("%Y-%m"), doc.period_end.strftime("%Y-%m")
    return start if start == end else f"{start}..{end}"


def _first_failure_line(doc: RawDocument, report: SuiteReport) -> str:
    failures = report.critical_failures
    first = failures[0].describe()
    more = f" (+{len(failures) - 1} more failed checks)" if len(failures) > 1 else ""
    return f"{doc.name}: failed {report.suite}: {first}{more}"


def observations_for(doc: RawDocument) -> pd.DataFrame:
    """Parse and normalise one document according to its source's format."""
    if doc.source in QUERY_FORMAT_SOURCES:
        period_range = (doc.period_start, doc.period_end) if doc.period_start else None
        export = parse_query_export(doc.content, doc.name, period_range=period_range)
        if doc.flow is None:
            raise CustomsEtlError(
                f"{doc.name}: flow unknown: name the file export-… or import-…, or pass --flow"
            )
        return query_observations(
            export, release_id=doc.sha256, flow=doc.flow, commodity_code=doc.commodity_code
        )
    if doc.source == "gacc_bulletin":
        table = parse_bulletin_table(doc.content, doc.url or doc.name)
        return conform(bulletin_observations(table, release_id=doc.sha256))
    raise CustomsEtlError(f"{doc.name}: no parser for source {doc.source!r}")


def prepare(doc: RawDocument, *, today: date | None = None) -> PreparedBatch:
    """Parse, normalise and run the release suite; never raises for bad input."""
    started = time.perf_counter()
    batch = PreparedBatch(doc=doc)
    try:
        observations = observations_for(doc)
        if observations.empty:
            raise CustomsEtlError(f"{doc.name}: no observations in the document")
        report = run_suite(
            query_validation_frame(observations, today or date.today()),
            SUITE_OF_SOURCE.get(doc.source, QUERY_RELEASE_SUITE),
            row_labels=observations["source_row"],
        )
        batch.report = {"release": report.to_dict()}
        batch.observations = observations
        if not report.success:
            batch.error = _first_failure_line(doc, report)
    except CustomsEtlError as exc:
        batch.error = str(exc)
        batch.report = {"error": str(exc)}
    batch.seconds = time.perf_counter() - started
    return batch


def _history_report(con: Any, batch: PreparedBatch) -> tuple[SuiteReport | None, str]:
    """YTD vs months on warehouse history + this batch; the breaks named for people."""
    obs = batch.observations
    assert obs is not None
    first = obs.iloc[0]
    years = sorted({d.year for d in obs["period_end"]})
    history = loads.latest_for(
        con, first["source"], first["flow"], sorted(obs["commodity_code"].unique()), years
    )
    reconciliation = reconcile_ytd(supersede(history, obs))
    if reconciliation.empty:
        return None, ""
    broken = reconciliation[reconciliation["excess_kg"] > 0]
    named = "; ".join(
        f"{r.commodity_code} {r.partner} {r.year} Jan-{r.through_month:02d}: YTD {r.ytd_kg:,.0f} kg"
        f" vs {r.months_used} {r.months_kg:,.0f} kg (off by {r.diff_kg:,.0f} kg)"
        for r in broken.head(3).itertuples()
    )
    more = f" (+{len(broken) - 3} more)" if len(broken) > 3 else ""
    return run_suite(reconciliation, YTD_HISTORY_SUITE), named + more


def _warning_count(report: dict[str, Any]) -> int:
    checks = report.get("release", {}).get("checks", [])
    return sum(not c["success"] and c["severity"] != "critical" for c in checks)


def load(batch: PreparedBatch, warehouse: str | None) -> Outcome:
    """Load or quarantine one prepared batch; the same bytes twice change nothing."""
    started = time.perf_counter()
    doc = batch.doc
    label = period_label(doc)

    def outcome(status: str, rows: int, message: str = "", warnings: int = 0) -> Outcome:
        return Outcome(
            doc.name,
            label,
            status,
            rows,
            batch.seconds + time.perf_counter() - started,
            message,
            doc.sha256,
            warnings,
        )

    with writer(warehouse) as con:
        previous = con.execute(
            "SELECT status, message FROM raw.releases WHERE release_id = ?", [doc.sha256]
        ).fetchone()
        if previous is not None:
            status, message = previous
            if status in ("loaded", "released"):
                return outcome("unchanged", 0, "already loaded")
            return outcome(status, 0, message or "")
        if not batch.ok:
            loads.quarantine_release(con, doc, message=batch.error or "", report=batch.report)
            return outcome("quarantined", 0, batch.error or "")
        history, breaks = _history_report(con, batch)
        report = dict(batch.report)
        if history is not None:
            report["history"] = history.to_dict()
            if not history.success:
                message = f"{doc.name}: YTD does not match the sum of months: {breaks}"
                loads.quarantine_release(con, doc, message=message, report=report)
                return outcome("quarantined", 0, message)
        rows = loads.load_release(con, doc, batch.observations, report)
        warnings = _warning_count(batch.report)
        note = (
            f"{warnings} warning(s); details: customs-etl quarantine show {doc.sha256[:12]}"
            if warnings
            else ""
        )
        return outcome("loaded", rows, note, warnings)
