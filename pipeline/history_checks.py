"""Check a prepared batch against what the warehouse already holds, before any of it may load.

Runs inside the writer's connection, on the batch staged beside ``core.latest``
(``warehouse.batch_history``): coverage first (a full document must carry every partner and
trade mode of the figures it would replace; a partial one must have their breakdown), then the
YTD history suite over history plus the whole batch. A break is blamed on the documents that made
it — the one publishing the broken YTD figure, else the ones publishing the months it adds up —
and they are taken out and the rest checked again, so one bad file is quarantined alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from customs_etl.core.models import RevisionSummary, SuiteReport
from customs_etl.core.rules import FULL_EXPORT_MIN_SHARE, LAST_YEAR_REPRINT_FLAG, series_source
from customs_etl.expectations.suites import YTD_HISTORY_SUITE
from customs_etl.expectations.validate import validate
from customs_etl.transforms.ytd import explain_breaks, unchanged_breaks
from customs_etl.warehouse.batch_history import BatchHistory, CoverageFinding

COVERAGE_SUITE = "coverage"
REVISION_ROWS_KEPT = 50
MAX_ROUNDS = 8  # blame-and-recheck rounds before every remaining suspect is held back


@dataclass
class BatchCheck:
    """What history says about each document of a batch (by release id)."""

    coverage: dict[str, tuple[SuiteReport, str]] = field(default_factory=dict)
    breaks: dict[str, tuple[SuiteReport, str]] = field(default_factory=dict)
    history: SuiteReport | None = None  # the YTD suite on what finally loads
    history_result: Any = None
    revisions: dict[str, RevisionSummary] = field(default_factory=dict)

    def refused(self) -> dict[str, str]:
        """Release id → the one-line reason it is quarantined."""
        return {rid: message for rid, (_, message) in {**self.coverage, **self.breaks}.items()}


def describe_breaks(broken: pd.DataFrame, limit: int = 3) -> str:
    named = "; ".join(
        f"{r.commodity_code} {r.partner} {r.year} Jan-{r.through_month:02d}: YTD {r.ytd_kg:,.0f} kg"
        f" vs {r.months_used} {r.months_kg:,.0f} kg (off by {r.diff_kg:,.0f} kg)"
        for r in broken.head(limit).itertuples()
    )
    more = f" (+{len(broken) - limit} more)" if len(broken) > limit else ""
    return named + more


def _coverage_suite(lines: list[str], expectation: str, column: str) -> SuiteReport:
    from customs_etl.core.models import CheckResult

    check = CheckResult(
        expectation=expectation,
        column=column,
        severity="critical",
        success=False,
        unexpected_count=len(lines),
        observed=lines[:20],
    )
    return SuiteReport(suite=COVERAGE_SUITE, expectation_count=1, checks=[check])


def _coverage_refusals(
    findings: list[CoverageFinding], names: dict[str, str], partial: set[str]
) -> dict[str, tuple[SuiteReport, str]]:
    by_doc: dict[str, list[CoverageFinding]] = {}
    for finding in findings:
        by_doc.setdefault(finding.release_id, []).append(finding)
    refused = {}
    for rid, found in by_doc.items():
        lines = [f.describe() for f in found]
        more = f" (+{len(lines) - 1} more)" if len(lines) > 1 else ""
        if rid in partial:
            message = (
                f"{names[rid]}: a partial export must have the breakdown of the figures it "
                f"updates: {lines[0]}{more}"
            )
            refused[rid] = (_coverage_suite(lines, "partial_same_grain", "grain"), message)
        else:
            message = (
                f"{names[rid]}: carries fewer partners or trade modes than the figures it would "
                f"replace: {lines[0]}{more}. Loading it would shrink them. If the query was "
                "filtered on purpose, load it with --partial (or name it …-partial-…): it then "
                "updates only what it carries"
            )
            refused[rid] = (
                _coverage_suite(lines, "release_covers_current_vintage", "partner"),
                message,
            )
    return refused


def _tonnes(kg: float) -> str:
    return f"{kg / 1000:,.1f} t"


def _thin_full_exports(
    history: BatchHistory, names: dict[str, str], skip: set[str]
) -> dict[str, tuple[SuiteReport, str]]:
    """Full documents of a new month whose partners (or trade modes) held less than
    ``FULL_EXPORT_MIN_SHARE`` of the latest complete month before it: a filtered query named as
    a whole export would otherwise become the month's world total."""
    refused: dict[str, tuple[SuiteReport, str]] = {}
    for found in history.full_export_coverage():
        rid = found.release_id
        if rid in skip or rid in refused:
            continue
        thin_partners = found.partner_share < FULL_EXPORT_MIN_SHARE
        thin_modes = found.mode_share < FULL_EXPORT_MIN_SHARE
        if not (thin_partners or thin_modes):
            continue
        period = f"{found.period:%Y-%m}"
        previous = f"{found.previous:%Y-%m}"
        if found.basis == "ytd":
            period, previous = f"Jan-{period}", f"Jan-{previous}"
        if thin_partners:
            shown = ", ".join(found.missing_partners[:5])
            more = len(found.missing_partners) - 5
            what = (
                f"the partners it carries held only {found.partner_share:.1%} of {previous} "
                f"({_tonnes(found.previous_kg)}); it lacks {len(found.missing_partners)} "
                f"partner(s) that held the rest: {shown}" + (f" +{more} more" if more > 0 else "")
            )
            lines = [f"{found.commodity_code} {period}: {p} missing"
                     for p in found.missing_partners]  # fmt: skip
            column = "partner"
        else:
            shown = ", ".join(found.missing_modes[:5])
            what = (
                f"the trade modes it carries held only {found.mode_share:.1%} of {previous} "
                f"({_tonnes(found.previous_kg)}); it lacks trade mode(s) {shown}"
            )
            lines = [f"{found.commodity_code} {period}: mode {m} missing"
                     for m in found.missing_modes]  # fmt: skip
            column = "trade_mode"
        message = (
            f"{names[rid]}: offered as a full export of {found.commodity_code} {period}, but "
            f"{what}. If the query was filtered, load it with --partial (or name it …-partial-…); "
            f"if the export is whole, check it and run `customs-etl quarantine release {rid[:12]}`"
        )
        refused[rid] = (_coverage_suite(lines, "full_export_holds_most_of_previous", column),
                        message)  # fmt: skip
    return refused


# A bulletin value this far from the preliminary release's of the same month and row is not a
# verification: it is another currency (CNY/USD ≈ 7) or scale (×10, ×1,000) under one label.
VERIFIED_VALUE_RATIO = (0.5, 2.0)
VALUE_FLOOR = 5_000_000  # below US$5 million (or CNY) the preliminary's one decimal is too coarse


def _contradicting_bulletins(
    history: BatchHistory, observations: pa.Table, names: dict[str, str], skip: set[str]
) -> dict[str, tuple[SuiteReport, str]]:
    """Bulletin pages whose values contradict the preliminary release of the same month: the
    currency or scale read from the page is wrong (GACC's unit line has been seen wrong)."""
    refused: dict[str, tuple[SuiteReport, str]] = {}
    low, high = VERIFIED_VALUE_RATIO
    by_doc: dict[str, list[tuple]] = {}
    for row in history.bulletin_against_preliminary(observations):
        rid, mine, theirs = row["release_id"], row["bulletin_value"], row["preliminary_value"]
        if rid in skip or max(mine, theirs) < VALUE_FLOOR:
            continue
        if not low <= mine / theirs <= high:
            by_doc.setdefault(rid, []).append((row["commodity_code"], row["commodity_label"],
                                               row["period_start"], row["currency"], mine,
                                               theirs))  # fmt: skip
    for rid, found in by_doc.items():
        code, label, month, currency, mine, theirs = found[0]
        more = f" (+{len(found) - 1} more rows)" if len(found) > 1 else ""
        message = (
            f"{names[rid]}: its values contradict GACC's preliminary release of {month:%Y-%m}: "
            f"{label or code} {currency} {mine:,.0f} against {currency} {theirs:,.0f} "
            f"(×{mine / theirs:.2f}){more} — a currency or scale the page states wrongly; "
            "nothing loaded"
        )
        lines = [f"{c} {m:%Y-%m}: {a:,.0f} vs {b:,.0f}" for c, _, m, _, a, b in found]
        refused[rid] = (_coverage_suite(lines, "bulletin_values_agree_with_preliminary",
                                        "value"), message)  # fmt: skip
    return refused


def _json_value(value: Any) -> Any:
    """numpy scalars → Python, dates → ISO text, NaN → None (the summary is JSON)."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, date) or hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    if isinstance(value, float) and value != value:
        return None
    return value


def _revision_summaries(restated: pd.DataFrame, explained: str) -> dict[str, RevisionSummary]:
    """Per document: what it restates (JSON-safe, largest first)."""
    out = {}
    for rid, rows in restated.groupby("release_id", sort=False):
        ordered = rows.drop(columns="release_id").sort_values(
            "delta_kg", key=lambda s: s.abs(), ascending=False
        )
        out[str(rid)] = RevisionSummary(
            count=len(ordered),
            large=int(ordered["large"].sum()),
            rows=[
                {k: _json_value(v) for k, v in r.items()}
                for r in ordered.head(REVISION_ROWS_KEPT).to_dict("records")
            ],
            explained_breaks=explained,
        )
    return out


def _blamed(history: BatchHistory, broken: pd.DataFrame, own_ytd: set) -> set[str]:
    """The documents that made each break: the one publishing the broken YTD figure, else the
    ones publishing the figures it adds up, else every document of that line and year."""
    blamed: set[str] = set()
    for row in broken.itertuples():
        key = (row.source, row.flow, row.commodity_code, int(row.year), int(row.through_month))
        through = int(row.through_month)
        if key in own_ytd:
            found = history.documents_touching(*key[:4], [through], basis_months=False)
        else:
            months = [through] if row.check == "step" else list(range(1, through + 1))
            found = history.documents_touching(*key[:4], months, basis_months=True)
            if row.check == "step":
                found += history.documents_touching(*key[:4], [through - 1], basis_months=False)
            if not found:
                found = history.documents_touching(*key[:4], range(1, 13), basis_months=True)
                found += history.documents_touching(*key[:4], range(1, 13), basis_months=False)
        blamed.update(found)
    return blamed


def _reprinted_ytd(observations: pa.Table) -> set[tuple[str, str, str, int, int]]:
    """(series, flow, line, year, through month) of last year's YTD figures the batch reprints
    (flagged ``LAST_YEAR_REPRINT_FLAG``): GACC's current figures for last year."""
    flags = pc.fill_null(observations.column("flags"), "")
    rows = observations.filter(pc.match_substring(flags, LAST_YEAR_REPRINT_FLAG))
    return {
        (series_source(s), f, c, end.year, end.month)
        for s, f, c, end in zip(
            rows.column("source").to_pylist(), rows.column("flow").to_pylist(),
            rows.column("commodity_code").to_pylist(), rows.column("period_end").to_pylist(),
            strict=True,
        )
    }


def _reprints_explained(after: pd.DataFrame, reprints: set[tuple]) -> pd.DataFrame:
    """A reprint of last year's YTD that no longer adds up to last year's months in the
    warehouse says last year was revised since: recorded and reported, not held back."""
    if after.empty or not reprints:
        return after
    keys = zip(after["source"], after["flow"], after["commodity_code"], after["year"],
               after["through_month"], strict=True)  # fmt: skip
    reprinted = pd.Series([tuple(k) in reprints for k in keys], index=after.index)
    after = after.copy()
    after.loc[reprinted & (after["excess_kg"] > 0), "explained_by_revision"] = True
    return after


def check_batch(
    con: Any,
    observations: pa.Table,
    documents: Sequence[tuple[str, str, str]],
    whole: frozenset[str] = frozenset(),
) -> BatchCheck:
    """Coverage, then YTD on history + the batch. ``documents``: (release id, name, coverage)
    in load order; ``observations``: their canonical rows. ``whole``: documents that carry
    whole datasets as their publisher versions them (UN Comtrade): a partner one of them lacks
    was revised away at the source, not filtered out of a query, so it may shrink a slice."""
    names = {rid: name for rid, name, _ in documents}
    reprints = _reprinted_ytd(observations)
    partial = {rid for rid, _, coverage in documents if coverage == "partial"}
    history = BatchHistory(con, observations, [(rid, cov) for rid, _, cov in documents])
    result = BatchCheck()
    try:
        findings = [f for f in history.coverage() if f.release_id not in whole]
        result.coverage = _coverage_refusals(findings, names, partial)
        result.coverage.update(_thin_full_exports(history, names, whole | set(result.coverage)))
        result.coverage.update(
            _contradicting_bulletins(history, observations, names, set(result.coverage))
        )
        history.drop(list(result.coverage))
        for _ in range(MAX_ROUNDS):
            restated = history.restatements()
            after = history.reconciliation(after=True)
            if after.empty:
                result.revisions = _revision_summaries(restated, "")
                return result
            before = history.reconciliation(after=False)
            own_ytd = history.published_ytd()
            after = explain_breaks(after, before, own_ytd, restated.drop(columns="release_id"))
            after = _reprints_explained(after, reprints)
            # A cumulative an earlier revision left stale, untouched by this batch, is not its
            # doing and not news (the marts flag it): left out of its checks and its report.
            after = after[~unchanged_breaks(after, before)].reset_index(drop=True)
            broken = after[(after["excess_kg"] > 0) & ~after["explained_by_revision"]]
            if broken.empty:
                explained = describe_breaks(after[after["explained_by_revision"]], limit=10)
                result.revisions = _revision_summaries(restated, explained)
                result.history, result.history_result = validate(after, YTD_HISTORY_SUITE)
                return result
            report, _ = validate(after, YTD_HISTORY_SUITE)
            remaining = set(history.documents()) - set(result.breaks)
            blamed = (_blamed(history, broken, own_ytd) & remaining) or remaining
            revised = _revision_summaries(restated[restated["release_id"].isin(blamed)], "")
            for rid in blamed:
                result.revisions[rid] = revised.get(rid) or RevisionSummary(0, 0, [])
                result.breaks[rid] = (
                    report,
                    f"{names[rid]}: YTD does not match the sum of months: "
                    f"{describe_breaks(broken)}",
                )
            history.drop(list(blamed))
        # Rounds exhausted (a pathological batch): nothing that is still a suspect loads.
        for rid in history.documents():
            result.breaks.setdefault(
                rid,
                (
                    SuiteReport(YTD_HISTORY_SUITE, 0, []),
                    f"{names[rid]}: YTD checks did"
                    " not settle within the batch: load its documents one at a time",
                ),
            )
        return result
    finally:
        history.close()
