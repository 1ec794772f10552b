"""Review: a person releases a held-back document (its failing checks waived), drops it, or
withdraws a loaded one. Each decision is audited in ``meta.quarantine_reviews`` and the bytes
stay.

Release re-runs the whole preparation on the stored bytes — parse, normalise, the release suite,
coverage and the YTD history check — so the audit records exactly which checks were waived
today, and loads in one transaction with the status change and the audit row. A released
document keeps its place in load order: when a newer vintage of its month loaded since, that one
stays current, and the review says so.
"""

from __future__ import annotations

import dataclasses
import getpass
from collections.abc import Callable
from dataclasses import dataclass

from customs_etl.core.errors import CustomsEtlError
from customs_etl.core.models import Coverage, DocumentParser, Status
from customs_etl.core.months import label
from customs_etl.pipeline.history_checks import check_batch
from customs_etl.pipeline.prepare import prepare
from customs_etl.warehouse import releases
from customs_etl.warehouse.db import checkpoint, writer
from customs_etl.warehouse.location import Where
from customs_etl.warehouse.transactions import retrying


@dataclass(frozen=True)
class Review:
    """What a review did, for the terminal."""

    release_id: str
    file_name: str
    action: Status
    rows_loaded: int
    waived: tuple[str, ...]
    current: tuple[str, ...] = ()  # newer vintages that stay current over a release
    rows_withdrawn: int = 0


def _reviewer(explicit: str | None) -> str:
    if explicit:
        return explicit
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in a container
        return "unknown"


def _require_reason(reason: str) -> str:
    if not reason or not reason.strip():
        raise CustomsEtlError("a review needs --reason: say why, for the audit trail")
    return reason.strip()


def _quarantined(con: object, prefix: str) -> releases.StoredRelease:
    stored = releases.find_release(con, prefix)  # type: ignore[arg-type]
    if stored.status != Status.QUARANTINED:
        raise CustomsEtlError(
            f"{stored.doc.name} ({stored.doc.sha256[:12]}) is {stored.status}, not quarantined"
        )
    return stored


def _still_current(con: object, release_id: str) -> tuple[str, ...]:
    by_release: dict[tuple[str, str], list[str]] = {}
    for start, end, rid, name in releases.newer_full_vintages(con, release_id):  # type: ignore[arg-type]
        by_release.setdefault((rid, name or rid), []).append(label(start, end))
    return tuple(
        f"loaded as an older vintage: {name} ({rid[:12]}), loaded since, stays current for "
        + ", ".join(dict.fromkeys(spans))
        for (rid, name), spans in by_release.items()
    )


def release(
    prefix: str,
    reason: str,
    parser_for: Callable[[str], DocumentParser],
    reviewer: str | None = None,
    warehouse: Where = None,
    *,
    partial: bool = False,
) -> Review:
    """Load a quarantined document with its failing checks downgraded, and audit it.

    ``parser_for`` gives the document's publisher by name; ``partial`` loads it as a filtered
    export (only the figures it carries).
    """
    reason, who = _require_reason(reason), _reviewer(reviewer)
    with writer(warehouse) as con:
        doc = _quarantined(con, prefix).doc
        if partial:
            doc = dataclasses.replace(doc, coverage=Coverage.PARTIAL)
        batch = prepare(doc, parser_for(doc.source), keep_refused_rows=True)
        if batch.observations.num_rows == 0:
            raise CustomsEtlError(
                f"{doc.name}: cannot release, it does not parse: {batch.refusal(doc)}"
            )

        def attempt(con: object) -> tuple[int, list[dict]]:
            # Inside the transaction: still quarantined (another reviewer may have decided),
            # and history as it is now (another process may have loaded since).
            _quarantined(con, doc.sha256)
            check = check_batch(con, batch.observations, [(doc.sha256, doc.name, doc.coverage)])
            coverage = check.coverage.get(doc.sha256)
            broken = check.breaks.get(doc.sha256)
            report = dataclasses.replace(
                batch.report(doc),
                coverage=coverage[0] if coverage else None,
                history=broken[0] if broken else check.history,
                revisions=check.revisions.get(doc.sha256),
            )
            waived = [
                {
                    "suite": suite,
                    "expectation": c.expectation,
                    "column": c.column,
                    "severity": c.severity,
                    "unexpected_count": c.unexpected_count,
                }
                for suite, c in report.failed_checks()
            ]
            report.waived = {"by": who, "reason": reason, "checks": waived}
            rows = releases.store_release_reviewed(
                con, doc, batch.observations, report, who, reason, waived
            )
            return rows, waived

        rows, waived = retrying(con, attempt, what=f"releasing {doc.name}")  # type: ignore[arg-type]
        current = _still_current(con, doc.sha256)
    checkpoint(warehouse)
    labels = tuple(f"[{w['severity']}] {w['expectation']} {w['column'] or ''}" for w in waived)
    return Review(doc.sha256, doc.name, Status.RELEASED, rows, labels, current)


def drop(
    prefix: str, reason: str, reviewer: str | None = None, warehouse: Where = None
) -> Review:
    """Decide a quarantined document will never load (its bytes and report stay)."""
    reason, who = _require_reason(reason), _reviewer(reviewer)
    with writer(warehouse) as con:
        doc = _quarantined(con, prefix).doc

        def attempt(con: object) -> None:
            _quarantined(con, doc.sha256)
            releases.store_drop_reviewed(con, doc.sha256, who, reason)  # type: ignore[arg-type]

        retrying(con, attempt, what=f"dropping {doc.name}")  # type: ignore[arg-type]
    checkpoint(warehouse)
    return Review(doc.sha256, doc.name, Status.DROPPED, 0, ())


def _loaded(con: object, prefix: str) -> releases.StoredRelease:
    stored = releases.find_release(con, prefix)  # type: ignore[arg-type]
    if stored.status not in (Status.LOADED, Status.RELEASED):
        raise CustomsEtlError(
            f"{stored.doc.name} ({stored.doc.sha256[:12]}) is {stored.status}, not loaded: "
            "only a loaded release can be withdrawn"
        )
    return stored


def withdraw(
    prefix: str, reason: str, reviewer: str | None = None, warehouse: Where = None
) -> Review:
    """Take a loaded release out of the current figures (a file filed under the wrong flow,
    line or months): its rows are kept aside, its bytes and report stay, and the same bytes
    may then be offered again under the right name. Audited like a drop."""
    reason, who = _require_reason(reason), _reviewer(reviewer)
    with writer(warehouse) as con:
        doc = _loaded(con, prefix).doc

        def attempt(con: object) -> int:
            _loaded(con, doc.sha256)
            return releases.store_withdraw_reviewed(con, doc.sha256, who, reason)  # type: ignore[arg-type]

        moved = retrying(con, attempt, what=f"withdrawing {doc.name}")  # type: ignore[arg-type]
    checkpoint(warehouse)
    return Review(doc.sha256, doc.name, Status.WITHDRAWN, 0, (), rows_withdrawn=moved)
