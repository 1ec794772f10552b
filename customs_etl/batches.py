"""The two steps every document goes through: prepare (parse → normalise → validate) and load.

``prepare`` is pure CPU work on bytes and runs concurrently; ``load`` holds the single writer
connection, checks the batch against warehouse history (YTD vs months) and commits it in one
transaction — or quarantines it with its report. Flows wrap these in Prefect tasks.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from customs_etl.errors import CustomsEtlError, ParseError
from expectations.suites import BULLETIN_RELEASE_SUITE, QUERY_RELEASE_SUITE, YTD_HISTORY_SUITE
from expectations.validate import SuiteReport, query_validation_frame, run_suite
from sources.base import RawDocument
from transforms.bulletin import bulletin_observations, parse_bulletin_table
from transforms.coverage import coverage_gaps, grain_mismatches
from transforms.normalise import query_observations
from transforms.observations import conform
from transforms.partners import load_partner_table
from transforms.query_export import parse_query_export
from transforms.ytd import explain_breaks, reconcile_ytd, revisions, supersede
from warehouse import load as loads
from warehouse.db import fetch_one, storage_cause, writer

QUERY_FORMAT_SOURCES = frozenset({"gacc_query", "sample"})
SUITE_OF_SOURCE = {"gacc_bulletin": BULLETIN_RELEASE_SUITE}
SAMPLE_SOURCE = "sample"
REPORT_PARTS = ("release", "coverage", "history")
log = logging.getLogger(__name__)


@dataclass
class PreparedBatch:
    """A document with its observations and release-suite report, or the reason it failed."""

    doc: RawDocument
    observations: pd.DataFrame | None = None
    report: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    seconds: float = 0.0
    validated: list[tuple[str, pd.DataFrame]] = field(default_factory=list)

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
    revisions: int = 0
    large_revisions: tuple[str, ...] = ()
    failed_checks: tuple[str, ...] = ()
    url: str = ""

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


def _check_requested_period(doc: RawDocument, year: int, first: int, last: int) -> None:
    """A page whose title names another month than the one asked for is refused, not loaded.

    The index can link the wrong page (a copy-paste slip on the site); loading it would file
    June's figures as July's. A combined ``1 to 2`` page answers a request for February.
    """
    if doc.period_end is None:
        return
    if (year, last) != (doc.period_end.year, doc.period_end.month):
        span = f"{year}-{last:02d}" if first == last else f"{year}-{first:02d}..{year}-{last:02d}"
        raise ParseError(
            doc.url or doc.name,
            f"the page is for {span} but {doc.period_end:%Y-%m} was requested",
        )


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
            export,
            release_id=doc.sha256,
            flow=doc.flow,
            commodity_code=doc.commodity_code,
            source=doc.source,
        )
    if doc.source == "gacc_bulletin":
        table = parse_bulletin_table(doc.content, doc.url or doc.name)
        _check_requested_period(doc, table.year, table.month_start, table.month_end)
        return conform(bulletin_observations(table, release_id=doc.sha256))
    raise CustomsEtlError(f"{doc.name}: no parser for source {doc.source!r}")


def prepare(
    doc: RawDocument, *, today: date | None = None, keep_frames: bool = False
) -> PreparedBatch:
    """Parse, normalise and run the release suite; never raises for bad input.

    ``keep_frames`` keeps each validated frame on the batch for the run's Data Docs.
    """
    started = time.perf_counter()
    batch = PreparedBatch(doc=doc)
    try:
        observations = observations_for(doc)
        if observations.empty:
            raise CustomsEtlError(f"{doc.name}: no observations in the document")
        frame = query_validation_frame(observations, today or date.today())
        suite = SUITE_OF_SOURCE.get(doc.source, QUERY_RELEASE_SUITE)
        report = run_suite(frame, suite, row_labels=observations["source_row"])
        if keep_frames:
            batch.validated.append((suite, frame))
        batch.report = {"release": report.to_dict()}
        batch.observations = observations
        if not report.success:
            batch.error = _first_failure_line(doc, report)
    except CustomsEtlError as exc:
        batch.error = str(exc)
        batch.report = {"error": str(exc)}
    except Exception as exc:  # a bug met by this document must not stop the others
        log.exception("preparing %s failed unexpectedly", doc.name)
        batch.error = f"{doc.name}: could not be prepared ({type(exc).__name__}: {exc})"
        batch.report = {"error": batch.error}
    batch.seconds = time.perf_counter() - started
    return batch


@dataclass
class HistoryCheck:
    """YTD reconciliation of history + batch, what the batch restates, and its coverage."""

    report: SuiteReport | None
    breaks: str
    explained: pd.DataFrame
    restated: pd.DataFrame
    frame: pd.DataFrame | None = None  # the reconciliation the suite ran on
    coverage: dict[str, Any] | None = None  # a failed coverage check, in suite-report form
    coverage_message: str = ""


def _describe_breaks(broken: pd.DataFrame, limit: int = 3) -> str:
    named = "; ".join(
        f"{r.commodity_code} {r.partner} {r.year} Jan-{r.through_month:02d}: YTD {r.ytd_kg:,.0f} kg"
        f" vs {r.months_used} {r.months_kg:,.0f} kg (off by {r.diff_kg:,.0f} kg)"
        for r in broken.head(limit).itertuples()
    )
    more = f" (+{len(broken) - limit} more)" if len(broken) > limit else ""
    return named + more


def _coverage_report(lines: list[str], expectation: str, column: str) -> dict[str, Any]:
    """A failed coverage check in the shape of a suite report (shown and waived like one)."""
    return {
        "suite": "coverage",
        "success": False,
        "expectation_count": 1,
        "critical_failures": 1,
        "warnings": 0,
        "checks": [
            {
                "expectation": expectation,
                "column": column,
                "severity": "critical",
                "success": False,
                "unexpected_count": len(lines),
                "rows": [],
                "observed": lines[:20],
                "details": "",
            }
        ],
    }


def _check_coverage(doc: RawDocument, history: pd.DataFrame, obs: pd.DataFrame) -> HistoryCheck:
    """Refuse a full release that would shrink a month, or a partial one that cannot match."""
    empty = pd.DataFrame()
    if doc.coverage == "partial":
        lines = grain_mismatches(history, obs)
        if not lines:
            return HistoryCheck(None, "", empty, empty)
        message = (
            f"{doc.name}: a partial export must have the breakdown of the figures it updates: "
            f"{lines[0]}" + (f" (+{len(lines) - 1} more)" if len(lines) > 1 else "")
        )
        return HistoryCheck(
            None, "", empty, empty, None, _coverage_report(lines, "partial_same_grain", "grain"),
            message,
        )
    gaps = coverage_gaps(history, obs)
    if not gaps:
        return HistoryCheck(None, "", empty, empty)
    lines = [gap.describe() for gap in gaps]
    more = f" (+{len(gaps) - 1} more)" if len(gaps) > 1 else ""
    message = (
        f"{doc.name}: carries fewer partners or trade modes than the figures it would replace: "
        f"{lines[0]}{more}. Loading it would shrink them. If the query was filtered on purpose, "
        "load it with --partial (or name it …-partial-…): it then updates only what it carries"
    )
    return HistoryCheck(
        None, "", empty, empty, None,
        _coverage_report(lines, "release_covers_current_vintage", "partner"), message,
    )


def history_check(con: Any, batch: PreparedBatch) -> HistoryCheck:
    """Coverage, then YTD vs months on warehouse history + this batch; breaks named for people."""
    obs = batch.observations
    assert obs is not None
    doc = batch.doc
    partial = doc.coverage == "partial"
    first = obs.iloc[0]
    years = sorted({d.year for d in obs["period_end"]})
    history = loads.latest_for(
        con, first["source"], first["flow"], sorted(obs["commodity_code"].unique()), years
    )
    coverage = _check_coverage(doc, history, obs)
    restated = revisions(history, obs, partial=partial)
    after = reconcile_ytd(supersede(history, obs, partial))
    if after.empty:
        return HistoryCheck(
            None, "", after, restated, None, coverage.coverage, coverage.coverage_message
        )
    after = explain_breaks(after, reconcile_ytd(history), obs, restated)
    broken = after[(after["excess_kg"] > 0) & ~after["explained_by_revision"]]
    explained = after[after["explained_by_revision"]]
    return HistoryCheck(
        run_suite(after, YTD_HISTORY_SUITE),
        _describe_breaks(broken),
        explained,
        restated,
        after,
        coverage.coverage,
        coverage.coverage_message,
    )


def _json_value(value: Any) -> Any:
    """numpy scalars → Python, dates → ISO text, NaN → None (the report is JSON)."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value != value:
        return None
    return value


def _revision_summary(check: HistoryCheck) -> dict[str, Any]:
    """What the report keeps about restatements (JSON-safe, largest first)."""
    restated = check.restated.sort_values("delta_kg", key=lambda s: s.abs(), ascending=False)
    return {
        "count": len(restated),
        "large": int(restated["large"].sum()) if len(restated) else 0,
        "rows": [
            {k: _json_value(v) for k, v in r.items()} for r in restated.head(50).to_dict("records")
        ],
        "explained_breaks": _describe_breaks(check.explained, limit=10),
    }


def failed_checks(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Every failed check of the release and history suites, each tagged with its suite."""
    return [
        {**c, "suite": report[part]["suite"]}
        for part in REPORT_PARTS
        if part in report
        for c in report[part].get("checks", [])
        if not c["success"]
    ]


def _check_lines(report: dict[str, Any]) -> tuple[str, ...]:
    """One line per failed check with its count of failing rows (for the run report)."""
    return tuple(
        f"[{c['severity']}] {c['expectation']} column={c['column']} "
        f"failing rows={c['unexpected_count']}"
        for c in failed_checks(report)
    )


def _large_revision_lines(report: dict[str, Any]) -> tuple[str, ...]:
    rows = report.get("revisions", {}).get("rows", [])
    return tuple(
        f"{r['commodity_code']} {r['partner']} {r['basis']} {r['period_start'][:7]}"
        f"..{r['period_end'][:7]}: {r['old_kg']:,.0f} → {r['new_kg']:,.0f} kg"
        + (f" ({r['delta_pct']:+.1f} %)" if r["delta_pct"] is not None else "")
        for r in rows
        if r["large"]
    )


def archive(doc: RawDocument, warehouse: str | None) -> bool:
    """Keep a page that is evidence but not data (an index); False when already kept."""
    with writer(warehouse) as con:
        known = fetch_one(con, "SELECT 1 FROM raw.releases WHERE release_id = ?", [doc.sha256])
        if known:
            return False
        loads.archive_release(con, doc)
        return True


def unknown_partner_codes(observations: pd.DataFrame | None, limit: int = 10) -> str:
    """'888 某国, 889 …' for partner codes the GACC table does not know (empty when none)."""
    if observations is None or "source_partner_code" not in observations:
        return ""
    codes = observations["source_partner_code"]
    unknown = observations[codes.notna() & ~codes.isin(list(load_partner_table()))]
    if unknown.empty:
        return ""
    pairs = unknown[["source_partner_code", "partner_label"]].drop_duplicates("source_partner_code")
    shown = [f"{c} {n}" if n else str(c) for c, n in pairs.head(limit).itertuples(index=False)]
    more = f" (+{len(pairs) - limit} more)" if len(pairs) > limit else ""
    return ", ".join(shown) + more


class SampleIntoRealWarehouse(CustomsEtlError):
    """The modeled sample was about to load into a warehouse that holds real releases."""


def refuse_sample_beside_real(con: Any, warehouse: str | None) -> None:
    """The bundled sample is partly modeled: it never joins real releases unless asked."""
    real = con.execute(
        "SELECT source, count(*) FROM raw.releases WHERE status IN ('loaded', 'released')"
        " AND source <> ? GROUP BY source ORDER BY source",
        [SAMPLE_SOURCE],
    ).fetchall()
    if real:
        held = ", ".join(f"{n} {source}" for source, n in real)
        raise SampleIntoRealWarehouse(
            f"warehouse {warehouse_label(warehouse)} holds real releases ({held}): the bundled "
            "sample is partly MODELED and is not loaded beside them; use another --warehouse, "
            "or pass --allow-sample to load it anyway (it stays a separate series, "
            "source 'sample')"
        )


def warehouse_label(warehouse: str | None) -> str:
    from warehouse.db import warehouse_path

    return str(warehouse_path(warehouse))


def _newer_status(previous: tuple | None, doc: RawDocument) -> str | None:
    """How a document seen before is treated: None = prepare and load it (again).

    A document quarantined because, as a full release, it would have shrunk a month is looked
    at again when it is offered as partial: the same bytes, a different decision.
    """
    if previous is None:
        return None
    status, _, coverage = previous
    if status == "quarantined" and (coverage or "full") != doc.coverage:
        return None
    return status


def load(
    batch: PreparedBatch, warehouse: str | None, *, allow_sample: bool = False
) -> Outcome:
    """Load or quarantine one prepared batch; the same bytes twice change nothing.

    Whatever goes wrong with this one document — a failed check, or a load that fails for a
    reason that is not the warehouse's storage — ends as its quarantine with the reason, so
    one bad file never stops the documents after it.
    """
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
            url=doc.url or "",
        )

    with writer(warehouse) as con:
        found = con.execute(
            "SELECT status, message, coverage FROM raw.releases WHERE release_id = ?",
            [doc.sha256],
        ).fetchall()  # fetchall: DuckDB refuses other work while a result is half-read
        previous = found[0] if found else None
        seen = _newer_status(previous, doc)
        if seen is not None:
            assert previous is not None
            if seen in ("loaded", "released"):
                return outcome("unchanged", 0, "already loaded")
            return outcome(seen, 0, previous[1] or "")
        replace = previous is not None
        if doc.source == SAMPLE_SOURCE and not allow_sample:
            refuse_sample_beside_real(con, warehouse)

        def quarantine(message: str, report: dict[str, Any]) -> Outcome:
            loads.quarantine_release(con, doc, message=message, report=report, replace=replace)
            refused = outcome("quarantined", 0, message)
            refused.failed_checks = _check_lines(report)
            return refused

        if not batch.ok:
            return quarantine(batch.error or "", batch.report)
        try:
            check = history_check(con, batch)
        except Exception as exc:
            if storage_cause(exc) is not None:
                raise
            log.exception("history check of %s failed unexpectedly", doc.name)
            return quarantine(
                f"{doc.name}: could not be checked ({type(exc).__name__}: {exc})",
                dict(batch.report),
            )
        if check.report is not None and check.frame is not None and batch.validated:
            batch.validated.append((YTD_HISTORY_SUITE, check.frame))
        report = dict(batch.report)
        if len(check.restated):
            report["revisions"] = _revision_summary(check)
        if check.report is not None:
            report["history"] = check.report.to_dict()
        if check.coverage is not None:
            report["coverage"] = check.coverage
            return quarantine(check.coverage_message, report)
        if check.report is not None and not check.report.success:
            return quarantine(
                f"{doc.name}: YTD does not match the sum of months: {check.breaks}", report
            )
        try:
            rows = loads.load_release(con, doc, batch.observations, report, replace=replace)
        except Exception as exc:
            if storage_cause(exc) is not None:
                raise
            log.exception("loading %s failed unexpectedly", doc.name)
            return quarantine(
                f"{doc.name}: could not be loaded ({type(exc).__name__}: {exc}); "
                "nothing of it was loaded",
                report,
            )
        warnings = sum(c["severity"] != "critical" for c in failed_checks(report))
        notes = []
        if warnings:
            notes.append(
                f"{warnings} warning(s); details: customs-etl quarantine show {doc.sha256[:12]}"
            )
        unknown = unknown_partner_codes(batch.observations)
        if unknown:
            notes.append(
                f"unknown GACC partner code(s) {unknown}: kept under their own code (GACC-nnn), "
                "world totals include them; add them to the partner table"
            )
        revised = report.get("revisions", {})
        if revised:
            notes.append(f"restates {revised['count']} figure(s), {revised['large']} large")
        if revised.get("explained_breaks"):
            notes.append(f"YTD breaks explained by the restatements: {revised['explained_breaks']}")
        done = outcome("loaded", rows, "; ".join(notes), warnings)
        done.revisions = revised.get("count", 0)
        done.large_revisions = _large_revision_lines(report)
        done.failed_checks = _check_lines(report)
        return done
