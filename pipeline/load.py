"""Load one prepared document, or quarantine it with its report: the only writes a run makes.

Holds the single writer connection for one document: looks up what the warehouse already
decided about the same bytes, refuses the modeled sample beside real releases, runs the history
checks, and commits the document in ONE transaction — or keeps it in quarantine with the
reason. Whatever goes wrong with one document (a failed check, or a load that fails for a reason
that is not the warehouse's storage) ends as its quarantine, so it never stops the next one.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from typing import Any

import pandas as pd

from customs_etl.core.errors import CustomsEtlError
from customs_etl.core.models import SAMPLE_SOURCE as SAMPLE
from customs_etl.core.models import Outcome, RawDocument, ReleaseReport, Status
from customs_etl.core.months import label
from customs_etl.core.partners import load_partner_table
from customs_etl.pipeline.history import history_check
from customs_etl.pipeline.prepare import PreparedBatch
from customs_etl.warehouse import releases
from customs_etl.warehouse.db import storage_cause, warehouse_path, writer

log = logging.getLogger(__name__)


class SampleIntoRealWarehouse(CustomsEtlError):
    """The modeled sample was about to load into a warehouse that holds real releases."""


def refuse_sample_beside_real(con: Any, warehouse: str | None) -> None:
    """The bundled sample is partly modeled: it never joins real releases unless asked."""
    real = releases.current_sources(con, excluding=SAMPLE)
    if real:
        held = ", ".join(f"{n} {source}" for source, n in real)
        raise SampleIntoRealWarehouse(
            f"warehouse {warehouse_path(warehouse)} holds real releases ({held}): the bundled "
            "sample is partly MODELED and is not loaded beside them; use another --warehouse, "
            "or pass --allow-sample to load it anyway (it stays a separate series, "
            "source 'sample')"
        )


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


def archive(doc: RawDocument, warehouse: str | None) -> bool:
    """Keep a page that is evidence but not data (an index); False when already kept."""
    with writer(warehouse) as con:
        return releases.archive_release(con, doc)


def _check_lines(report: ReleaseReport) -> tuple[str, ...]:
    return tuple(check.line() for _, check in report.failed_checks())


def _notes(doc: RawDocument, report: ReleaseReport, observations: pd.DataFrame) -> str:
    notes = []
    warnings = report.warning_count()
    if warnings:
        notes.append(
            f"{warnings} warning(s); details: customs-etl quarantine show {doc.sha256[:12]}"
        )
    unknown = unknown_partner_codes(observations)
    if unknown:
        notes.append(
            f"unknown GACC partner code(s) {unknown}: kept under their own code (GACC-nnn), "
            "world totals include them; add them to the partner table"
        )
    revised = report.revisions
    if revised:
        notes.append(f"restates {revised.count} figure(s), {revised.large} large")
        if revised.explained_breaks:
            notes.append(f"YTD breaks explained by the restatements: {revised.explained_breaks}")
    return "; ".join(notes)


def load(batch: PreparedBatch, warehouse: str | None, *, allow_sample: bool = False) -> Outcome:
    """Load or quarantine one prepared batch; the same bytes twice change nothing."""
    started = time.perf_counter()
    doc = batch.doc

    def outcome(status: Status, rows: int = 0, message: str = "", **more: Any) -> Outcome:
        return Outcome(
            name=doc.name,
            period=label(doc.period_start, doc.period_end),
            status=status,
            rows=rows,
            seconds=batch.seconds + time.perf_counter() - started,
            message=message,
            release_id=doc.sha256,
            url=doc.url or "",
            **more,
        )

    with writer(warehouse) as con:
        seen = releases.decision_of(con, doc.sha256)
        # A document quarantined as a full release that would have shrunk a month is decided
        # again when offered as partial: the same bytes, a different question.
        decide_again = seen is not None and (
            seen.status == Status.QUARANTINED and seen.coverage != doc.coverage
        )
        if seen is not None and not decide_again:
            if seen.status in (Status.LOADED, Status.RELEASED):
                return outcome(Status.UNCHANGED, message="already loaded")
            return outcome(seen.status, message=seen.message)
        if doc.source == SAMPLE and not allow_sample:
            refuse_sample_beside_real(con, warehouse)

        def quarantine(message: str, report: ReleaseReport) -> Outcome:
            releases.quarantine_release(
                con, doc, message=message, report=report, replace=decide_again
            )
            return outcome(Status.QUARANTINED, message=message, failed_checks=_check_lines(report))

        if not batch.ok or batch.observations is None:
            return quarantine(batch.error or "", batch.report)
        report = replace(batch.report)
        try:
            check = history_check(con, doc, batch.observations)
        except Exception as exc:
            if storage_cause(exc) is not None:
                raise
            log.exception("history check of %s failed unexpectedly", doc.name)
            return quarantine(f"{doc.name}: could not be checked ({type(exc).__name__}: {exc})",
                              report)  # fmt: skip
        if check.history_result is not None and batch.validations:
            batch.validations.append((check.history.suite, check.history_result))
        report.coverage, report.history, report.revisions = (
            check.coverage,
            check.history,
            check.revisions,
        )
        if check.coverage is not None:
            return quarantine(check.coverage_message, report)
        if check.history is not None and not check.history.success:
            return quarantine(
                f"{doc.name}: YTD does not match the sum of months: {check.breaks}", report
            )
        try:
            rows = releases.load_release(
                con, doc, batch.observations, report, replace=decide_again
            )
        except Exception as exc:
            if storage_cause(exc) is not None:
                raise
            log.exception("loading %s failed unexpectedly", doc.name)
            return quarantine(
                f"{doc.name}: could not be loaded ({type(exc).__name__}: {exc}); "
                "nothing of it was loaded",
                report,
            )
        return outcome(
            Status.LOADED,
            rows,
            _notes(doc, report, batch.observations),
            warnings=report.warning_count(),
            revisions=report.revisions.count if report.revisions else 0,
            large_revisions=report.revisions.large_lines() if report.revisions else (),
            failed_checks=_check_lines(report),
        )
