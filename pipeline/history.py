"""Check a prepared document against what the warehouse already holds, before it may load.

Two checks run on warehouse history + the document, inside the writer's connection: coverage (a
full release must carry every partner and trade mode of the figures it replaces; a partial one
must have their breakdown) and the YTD history suite (YTD(m) ≈ Σ months, YTD(m) − YTD(m−1) ≈
month(m), with breaks explained only within the document's own restatements).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from customs_etl.core.models import (
    CheckResult,
    Coverage,
    RawDocument,
    RevisionSummary,
    SuiteReport,
)
from customs_etl.expectations.suites import YTD_HISTORY_SUITE
from customs_etl.expectations.validate import validate
from customs_etl.transforms.coverage import coverage_gaps, grain_mismatches
from customs_etl.transforms.ytd import explain_breaks, reconcile_ytd, revisions, supersede
from customs_etl.warehouse.releases import latest_for

COVERAGE_SUITE = "coverage"
REVISION_ROWS_KEPT = 50


@dataclass
class HistoryCheck:
    """What the warehouse's history says about one document."""

    coverage: SuiteReport | None = None  # a failed coverage check, shown and waived like a suite
    coverage_message: str = ""
    history: SuiteReport | None = None
    history_result: Any = None  # GX's result of the YTD suite (for Data Docs)
    breaks: str = ""
    revisions: RevisionSummary | None = None
    frame: pd.DataFrame | None = field(default=None, repr=False)


def describe_breaks(broken: pd.DataFrame, limit: int = 3) -> str:
    named = "; ".join(
        f"{r.commodity_code} {r.partner} {r.year} Jan-{r.through_month:02d}: YTD {r.ytd_kg:,.0f} kg"
        f" vs {r.months_used} {r.months_kg:,.0f} kg (off by {r.diff_kg:,.0f} kg)"
        for r in broken.head(limit).itertuples()
    )
    more = f" (+{len(broken) - limit} more)" if len(broken) > limit else ""
    return named + more


def _coverage_suite(lines: list[str], expectation: str, column: str) -> SuiteReport:
    check = CheckResult(
        expectation=expectation,
        column=column,
        severity="critical",
        success=False,
        unexpected_count=len(lines),
        observed=lines[:20],
    )
    return SuiteReport(suite=COVERAGE_SUITE, expectation_count=1, checks=[check])


def check_coverage(
    doc: RawDocument, history: pd.DataFrame, obs: pd.DataFrame
) -> tuple[SuiteReport | None, str]:
    """Refuse a full release that would shrink a month, or a partial one that cannot match."""
    if doc.coverage == Coverage.PARTIAL:
        lines = grain_mismatches(history, obs)
        if not lines:
            return None, ""
        more = f" (+{len(lines) - 1} more)" if len(lines) > 1 else ""
        return _coverage_suite(lines, "partial_same_grain", "grain"), (
            f"{doc.name}: a partial export must have the breakdown of the figures it updates: "
            f"{lines[0]}{more}"
        )
    gaps = coverage_gaps(history, obs)
    if not gaps:
        return None, ""
    lines = [gap.describe() for gap in gaps]
    more = f" (+{len(gaps) - 1} more)" if len(gaps) > 1 else ""
    return _coverage_suite(lines, "release_covers_current_vintage", "partner"), (
        f"{doc.name}: carries fewer partners or trade modes than the figures it would replace: "
        f"{lines[0]}{more}. Loading it would shrink them. If the query was filtered on purpose, "
        "load it with --partial (or name it …-partial-…): it then updates only what it carries"
    )


def _json_value(value: Any) -> Any:
    """numpy scalars → Python, dates → ISO text, NaN → None (the summary is JSON)."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value != value:
        return None
    return value


def _revision_summary(restated: pd.DataFrame, explained: pd.DataFrame) -> RevisionSummary:
    """What the report keeps about restatements (JSON-safe, largest first)."""
    ordered = restated.sort_values("delta_kg", key=lambda s: s.abs(), ascending=False)
    return RevisionSummary(
        count=len(ordered),
        large=int(ordered["large"].sum()) if len(ordered) else 0,
        rows=[
            {k: _json_value(v) for k, v in r.items()}
            for r in ordered.head(REVISION_ROWS_KEPT).to_dict("records")
        ],
        explained_breaks=describe_breaks(explained, limit=10),
    )


def history_check(con: Any, doc: RawDocument, obs: pd.DataFrame) -> HistoryCheck:
    """Coverage, then YTD vs months on warehouse history + this document."""
    partial = doc.coverage == Coverage.PARTIAL
    first = obs.iloc[0]
    years = sorted({d.year for d in obs["period_end"]})
    history = latest_for(
        con, first["source"], first["flow"], sorted(obs["commodity_code"].unique()), years
    )
    coverage, message = check_coverage(doc, history, obs)
    restated = revisions(history, obs, partial=partial)
    check = HistoryCheck(coverage=coverage, coverage_message=message)
    after = reconcile_ytd(supersede(history, obs, partial))
    if after.empty:
        if len(restated):
            check.revisions = _revision_summary(restated, after)
        return check
    after = explain_breaks(after, reconcile_ytd(history), obs, restated)
    broken = after[(after["excess_kg"] > 0) & ~after["explained_by_revision"]]
    explained = after[after["explained_by_revision"]]
    check.history, check.history_result = validate(after, YTD_HISTORY_SUITE)
    check.breaks = describe_breaks(broken)
    check.frame = after
    if len(restated):
        check.revisions = _revision_summary(restated, explained)
    return check
