"""Load one prepared batch, or quarantine its documents with their reports: a run's writes.

Holds a writer connection for one batch and, in ONE transaction: looks up what the warehouse
already decided about the same bytes, refuses the modeled sample beside real releases, checks
the batch against history (coverage, YTD), and stores everything the batch decided — loads and
quarantines. On a DuckLake another process may commit first; the transaction then conflicts and
runs again from the top (``db.retrying``), so the lookups and checks always see what it
committed: the same bytes offered to two processes load once. Whatever goes wrong with one
document ends as its quarantine, so it never stops the others: when storing the batch fails
for a reason that is not the warehouse's storage, each document is committed on its own and
the one that fails is held back with the reason.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from customs_etl.core.errors import CustomsEtlError
from customs_etl.core.models import SAMPLE_SOURCE as SAMPLE
from customs_etl.core.models import Outcome, RawDocument, ReleaseReport, Status
from customs_etl.core.months import label
from customs_etl.core.partners import load_partner_table
from customs_etl.core.schema import rows_of_releases
from customs_etl.pipeline.history_checks import check_batch
from customs_etl.pipeline.prepare import PreparedBatch
from customs_etl.warehouse import releases
from customs_etl.warehouse.db import writer
from customs_etl.warehouse.location import Where, locate
from customs_etl.warehouse.transactions import is_conflict, retrying, storage_cause

log = logging.getLogger(__name__)


class SampleIntoRealWarehouse(CustomsEtlError):
    """The modeled sample was about to load into a warehouse that holds real releases."""


def refuse_sample_beside_real(con: Any, warehouse: Where) -> None:
    """The bundled sample is partly modeled: it never joins real releases unless asked."""
    real = releases.current_sources(con, excluding=SAMPLE)
    if real:
        held = ", ".join(f"{n} {source}" for source, n in real)
        raise SampleIntoRealWarehouse(
            f"warehouse {locate(warehouse)} holds real releases ({held}): the bundled "
            "sample is partly MODELED and is not loaded beside them; use another --warehouse, "
            "or pass --allow-sample to load it anyway (it stays a separate series, "
            "source 'sample')"
        )


def unknown_partner_codes(observations: pa.Table, limit: int = 10) -> dict[str, str]:
    """Per document: '888 某国, 889 …' for partner codes the GACC table does not know."""
    codes = observations.column("source_partner_code")
    known = pa.array(sorted(load_partner_table()))
    gacc = pc.starts_with(observations.column("partner"), "GACC-")  # not another source's codes
    unknown = observations.filter(
        pc.and_(
            pc.and_(pc.is_valid(codes), pc.invert(pc.is_in(codes, value_set=known))),
            pc.fill_null(gacc, False),
        )
    )
    found: dict[str, dict[str, str | None]] = {}
    for rid, code, name in zip(
        unknown.column("release_id").to_pylist(),
        unknown.column("source_partner_code").to_pylist(),
        unknown.column("partner_label").to_pylist(),
        strict=True,
    ):
        found.setdefault(rid, {}).setdefault(code, name)
    out = {}
    for rid, pairs in found.items():
        shown = [f"{c} {n}" if n else str(c) for c, n in list(pairs.items())[:limit]]
        more = f" (+{len(pairs) - limit} more)" if len(pairs) > limit else ""
        out[rid] = ", ".join(shown) + more
    return out


def archive(doc: RawDocument, warehouse: Where) -> bool:
    """Keep a page that is evidence but not data (an index); False when already kept."""
    with writer(warehouse) as con:
        return releases.archive_release(con, doc)


def _check_lines(report: ReleaseReport) -> tuple[str, ...]:
    return tuple(check.line() for _, check in report.failed_checks())


def _notes(doc: RawDocument, report: ReleaseReport, unknown: str) -> str:
    notes = []
    warnings = report.warning_count()
    if warnings:
        named = [c.describe() for suite in report.suites() for c in suite.warnings][:3]
        notes.append(
            f"{warnings} warning(s): {'; '.join(named)}; details: customs-etl quarantine show "
            f"{doc.sha256[:12]}"
        )
    if unknown:
        notes.append(
            f"unknown GACC partner code(s) {unknown}: kept under their own code (GACC-nnn), "
            "world totals include them; add them to the partner table"
        )
    revised = report.revisions
    if revised and revised.count:
        notes.append(f"restates {revised.count} figure(s), {revised.large} large")
        if revised.explained_breaks:
            notes.append(f"YTD breaks explained by the restatements: {revised.explained_breaks}")
    return "; ".join(notes)


class _StoreFailed(Exception):
    """Storing a decided batch failed for a reason that is neither storage nor a conflict."""

    def __init__(self, early: dict[int, Outcome], decisions: list[releases.Decision]) -> None:
        super().__init__("storing the batch failed")
        self.early, self.decisions = early, decisions


def _one_at_a_time(
    con: Any, decisions: list[releases.Decision], observations: pa.Table
) -> list[releases.Decision]:
    """Each document in its own transaction, holding back the ones that cannot be stored
    (with the reason). A document another process stored meanwhile is left as it is."""
    done = []
    for d in decisions:
        rows = rows_of_releases(observations, [d.doc.sha256]) if d.status == Status.LOADED else None

        def store(con: Any, d: releases.Decision = d, rows: pa.Table | None = rows) -> None:
            if releases.decision_of(con, d.doc.sha256) is not None and not d.replace:
                return
            releases.store_batch(con, [d], rows if rows is not None else observations.slice(0, 0))

        try:
            retrying(con, store, what=f"loading {d.doc.name}")
            done.append(d)
        except Exception as exc:
            if storage_cause(exc) is not None:
                raise
            log.exception("loading %s failed unexpectedly", d.doc.name)
            held = replace(
                d,
                status=Status.QUARANTINED,
                rows=0,
                message=f"{d.doc.name}: could not be loaded ({type(exc).__name__}: {exc});"
                " nothing of it was loaded",
            )

            def store_held(con: Any, held: releases.Decision = held) -> None:
                if releases.decision_of(con, held.doc.sha256) is None or held.replace:
                    releases.store_batch(con, [held], observations.slice(0, 0))

            retrying(con, store_held, what=f"quarantining {d.doc.name}")
            done.append(held)
    return done


def _same_question(doc: RawDocument, before: releases.StoredDecision) -> bool:
    """Whether the bytes are offered as what they were decided as: the same flow, line and
    months (from the name or the options) and coverage. Hints the offer lacks ask nothing."""
    asked = (doc.flow, doc.commodity_code, doc.period_start, doc.period_end)
    held = (before.flow, before.commodity_code, before.period_start, before.period_end)
    return doc.coverage == before.coverage and all(
        a is None or a == h for a, h in zip(asked, held, strict=True)
    )


def _earlier_decision(
    doc: RawDocument, before: releases.StoredDecision | None
) -> Outcome | None:
    """What the warehouse already decided about these bytes, when that still answers: the
    same bytes offered the same way again are ``unchanged``; offered as something else while
    loaded, ``refused`` (they cannot be two things: withdraw the loaded one first). A
    quarantined offer asked another way, or a withdrawn one, is decided again (None)."""
    if before is None or before.status == Status.WITHDRAWN:
        return None
    loaded = before.status in (Status.LOADED, Status.RELEASED)
    if _same_question(doc, before):
        if loaded:
            return _outcome(doc, Status.UNCHANGED, 0.0, message="already loaded")
        return _outcome(doc, before.status, 0.0, message=before.message)
    if before.status == Status.QUARANTINED:
        return None  # held back as something else: a different question
    if not loaded:
        return _outcome(doc, before.status, 0.0, message=before.message)
    offered = releases.StoredDecision(
        before.status, "", str(doc.coverage), doc.flow or before.flow,
        doc.commodity_code or before.commodity_code, doc.period_start or before.period_start,
        doc.period_end or before.period_end,
    )  # fmt: skip
    return _outcome(
        doc,
        Status.REFUSED,
        0.0,
        message=(
            f"{doc.name}: these bytes are already loaded as {before.decided_as()} "
            f"({doc.sha256[:12]}), not {offered.decided_as()}; withdraw it first: "
            f"customs-etl withdraw {doc.sha256[:12]} --reason '…'"
        ),
    )


def _decide_and_store(
    con: Any, batch: PreparedBatch, warehouse: Where, allow_sample: bool
) -> tuple[dict[int, Outcome], list[releases.Decision]]:
    """One attempt, inside the caller's transaction: what the warehouse holds, the history
    checks, and the batch stored."""
    seen = releases.decisions_of(con, [d.sha256 for d in batch.docs])
    early: dict[int, Outcome] = {}
    fresh: list[RawDocument] = []
    replaced: set[str] = set()
    first_of: dict[str, str] = {}
    for position, doc in enumerate(batch.docs):
        before = seen.get(doc.sha256)
        if doc.sha256 in first_of:
            early[position] = _outcome(
                doc, Status.UNCHANGED, 0.0, message=f"same bytes as {first_of[doc.sha256]}"
            )
            continue
        first_of[doc.sha256] = doc.name
        decided = _earlier_decision(doc, before)
        if decided is not None:
            early[position] = decided
            continue
        if before is not None:
            replaced.add(doc.sha256)
        fresh.append(doc)
    if any(d.source == SAMPLE for d in fresh) and not allow_sample:
        refuse_sample_beside_real(con, warehouse)
    decisions = _decide(con, batch, fresh, replaced)
    if decisions:
        try:
            releases.store_batch(con, decisions, _loaded_rows(batch.observations, decisions))
        except Exception as exc:
            if storage_cause(exc) is not None or is_conflict(exc):
                raise
            log.exception(
                "storing a batch of %d document(s) failed; one at a time now", len(decisions)
            )
            raise _StoreFailed(early, decisions) from exc
    return early, decisions


def load_batch(
    batch: PreparedBatch, warehouse: Where, *, allow_sample: bool = False
) -> list[Outcome]:
    """Load or quarantine every document of a prepared batch; the same bytes twice change
    nothing. One outcome per document, in the batch's order."""
    started = time.perf_counter()
    with writer(warehouse) as con:
        try:
            early, decisions = retrying(
                con,
                lambda con: _decide_and_store(con, batch, warehouse, allow_sample),
                what=f"loading {batch.label or 'a batch'}",
            )
        except _StoreFailed as failed:
            early = failed.early
            decisions = _one_at_a_time(
                con, failed.decisions, _loaded_rows(batch.observations, failed.decisions)
            )
    seconds = (batch.seconds + time.perf_counter() - started) / max(1, len(batch.docs))
    unknown = unknown_partner_codes(batch.observations) if decisions else {}
    by_id = {d.doc.sha256: d for d in decisions}
    outcomes = []
    for position, doc in enumerate(batch.docs):
        if position in early:
            outcomes.append(replace(early[position], seconds=seconds))
            continue
        d = by_id[doc.sha256]
        if d.status == Status.QUARANTINED:
            outcomes.append(
                _outcome(
                    doc,
                    d.status,
                    seconds,
                    message=d.message or "",
                    failed_checks=_check_lines(d.report),
                )
            )
            continue
        revisions = d.report.revisions
        outcomes.append(
            _outcome(
                doc,
                Status.LOADED,
                seconds,
                rows=d.rows,
                message=_notes(doc, d.report, unknown.get(doc.sha256, "")),
                warnings=d.report.warning_count(),
                revisions=revisions.count if revisions else 0,
                large_revisions=revisions.large_lines() if revisions else (),
                failed_checks=_check_lines(d.report),
            )
        )
    return outcomes


def _outcome(doc: RawDocument, status: Status, seconds: float, **more: Any) -> Outcome:
    return Outcome(
        name=doc.name,
        period=label(doc.period_start, doc.period_end),
        status=status,
        seconds=seconds,
        release_id=doc.sha256,
        url=doc.url or "",
        rows=more.pop("rows", 0),
        **more,
    )


def _loaded_rows(observations: pa.Table, decisions: list[releases.Decision]) -> pa.Table:
    loaded = (d.doc.sha256 for d in decisions if d.status == Status.LOADED)
    return rows_of_releases(observations, loaded)


def _decide(
    con: Any, batch: PreparedBatch, fresh: list[RawDocument], replaced: set[str]
) -> list[releases.Decision]:
    """What becomes of each new document: prepare's refusals, then the history checks."""
    candidates = [d for d in fresh if batch.refusal(d) is None]
    rows = rows_of_releases(batch.observations, (d.sha256 for d in candidates))
    check = None
    if candidates:
        try:
            documents = [(d.sha256, d.name, d.coverage) for d in candidates]
            whole = frozenset(d.sha256 for d in candidates if d.datasets)
            check = check_batch(con, rows, documents, whole)
        except Exception as exc:
            if storage_cause(exc) is not None:
                raise
            log.exception("history checks of a batch failed unexpectedly")
            reason = f"could not be checked ({type(exc).__name__}: {exc})"
            return [
                releases.Decision(
                    d,
                    Status.QUARANTINED,
                    batch.report(d),
                    f"{d.name}: {batch.refusal(d) or reason}",
                    d.sha256 in replaced,
                )
                for d in fresh
            ]
    refused = check.refused() if check else {}
    counts = _row_counts(rows)
    decisions = []
    for doc in fresh:
        report = replace(batch.report(doc))
        if check is not None:
            coverage = check.coverage.get(doc.sha256)
            broken = check.breaks.get(doc.sha256)
            report.coverage = coverage[0] if coverage else None
            report.history = broken[0] if broken else check.history
            report.revisions = check.revisions.get(doc.sha256)
        reason = batch.refusal(doc) or refused.get(doc.sha256)
        if reason is not None:
            decisions.append(
                releases.Decision(doc, Status.QUARANTINED, report, reason, doc.sha256 in replaced)
            )
        else:
            decisions.append(
                releases.Decision(
                    doc,
                    Status.LOADED,
                    report,
                    None,
                    doc.sha256 in replaced,
                    counts.get(doc.sha256, 0),
                )
            )
    return decisions



def _row_counts(observations: pa.Table) -> dict[str, int]:
    if observations.num_rows == 0:
        return {}
    counts = pc.value_counts(observations.column("release_id"))
    return {c["values"].as_py(): c["counts"].as_py() for c in counts}
