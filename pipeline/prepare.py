"""Prepare one batch: each publisher parses its documents, then ONE GX run per release suite.

A batch is the documents of one run step (a month, a chunk of a backfill or of an ingest, a
landing poll). Publishers that read columnar (query exports: DuckDB reads, SQL normalises)
parse their documents together; the rest, and any document the fast path hands back, go
through the publisher's reference parser one by one. The whole batch is then validated once
per release suite (GX's fixed cost paid once, not per file) and each failure mapped back to its
document. Pure CPU work on bytes, no warehouse: the next batch is prepared while this one loads.
Bad input never raises: its reason (file, row, field) is kept for the document's quarantine,
and so is a bug met by one document, so it cannot stop the others.
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa

from customs_etl.core.errors import CustomsEtlError
from customs_etl.core.models import DocumentParser, RawDocument, ReleaseReport, SuiteReport
from customs_etl.core.schema import OBSERVATION_SCHEMA, rows_of_releases, to_arrow
from customs_etl.expectations.validate import frame_for, validate_batch

log = logging.getLogger(__name__)
_SHM = Path("/dev/shm")  # scratch files for DuckDB's CSV reader: memory, when there is some


@dataclass
class PreparedBatch:
    """A batch's documents, the observations of those that passed, and every one's report."""

    docs: list[RawDocument]
    observations: pa.Table = field(default_factory=OBSERVATION_SCHEMA.empty_table, repr=False)
    reports: dict[str, ReleaseReport] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # release id → why it is refused
    seconds: float = 0.0
    label: str = ""
    # GX's own results of this batch's validations (suite, result), kept for Data Docs.
    validations: list[tuple[str, Any]] = field(default_factory=list, repr=False)

    def refusal(self, doc: RawDocument) -> str | None:
        return self.errors.get(doc.sha256)

    def report(self, doc: RawDocument) -> ReleaseReport:
        return self.reports.get(doc.sha256) or ReleaseReport()


def _first_failure_line(doc: RawDocument, report: SuiteReport) -> str:
    failures = report.critical_failures
    first = failures[0].describe()
    more = f" (+{len(failures) - 1} more failed checks)" if len(failures) > 1 else ""
    return f"{doc.name}: failed {report.suite}: {first}{more}"


def _scratch() -> tempfile.TemporaryDirectory[str]:
    where = _SHM if _SHM.is_dir() else None
    return tempfile.TemporaryDirectory(prefix="customs-etl-", dir=where)


def _parse(
    batch: PreparedBatch, parser: DocumentParser, docs: list[RawDocument], scratch: Path
) -> list[pa.Table]:
    """The documents' observations (columnar where the publisher can), errors kept."""
    tables = []
    try:
        table, handed_back = parser.parse_batch(docs, scratch)
        tables.append(table)
    except Exception:  # the fast path must never cost a document: read them one by one
        log.exception(
            "columnar parsing of %d document(s) failed; reading them one by one", len(docs)
        )
        handed_back = docs
    for doc in handed_back:
        try:
            frame = parser.parse(doc)
            if frame.empty:
                raise CustomsEtlError(f"{doc.name}: no observations in the document")
            tables.append(to_arrow(frame))
        except CustomsEtlError as exc:
            batch.errors[doc.sha256] = str(exc)
        except Exception as exc:  # a bug met by this document must not stop the others
            log.exception("preparing %s failed unexpectedly", doc.name)
            batch.errors[doc.sha256] = (
                f"{doc.name}: could not be prepared ({type(exc).__name__}: {exc})"
            )
    return tables


def prepare_batch(
    docs: Sequence[RawDocument],
    parser_for: Callable[[str], DocumentParser],
    *,
    today: date | None = None,
    keep_results: bool = False,
    label: str = "",
    refused: dict[str, str] | None = None,
    keep_refused_rows: bool = False,
) -> PreparedBatch:
    """Parse every document with its publisher, validate the batch once per suite.

    ``keep_results`` keeps GX's results for the run's Data Docs; ``refused`` (release id →
    reason) names documents refused before parsing (a landing file whose name cannot be read);
    ``keep_refused_rows`` keeps the rows of documents that parsed but failed validation (a
    reviewer releasing one).
    """
    started = time.perf_counter()
    batch = PreparedBatch(docs=list(docs), label=label, errors=dict(refused or {}))
    seen: set[str] = set()  # the same bytes twice in a batch are read once
    unique = [d for d in batch.docs if not (d.sha256 in seen or seen.add(d.sha256))]
    groups: dict[str, tuple[DocumentParser, list[RawDocument]]] = {}
    for doc in unique:
        if doc.sha256 in batch.errors:
            continue
        try:
            parser = parser_for(doc.source)
        except CustomsEtlError as exc:
            batch.errors[doc.sha256] = f"{doc.name}: {exc}"
            continue
        groups.setdefault(parser.name, (parser, []))[1].append(doc)
    tables: list[pa.Table] = []
    suites: dict[str, set[str]] = {}
    with _scratch() as scratch:
        for parser, members in groups.values():
            tables += _parse(batch, parser, members, Path(scratch))
            suites.setdefault(parser.release_suite, set()).update(d.sha256 for d in members)
    observations = (
        pa.concat_tables([t.cast(OBSERVATION_SCHEMA) for t in tables])
        if tables
        else OBSERVATION_SCHEMA.empty_table()
    )
    by_id = {doc.sha256: doc for doc in unique}
    for suite, ids in suites.items():
        rows = rows_of_releases(observations, ids - set(batch.errors))
        if rows.num_rows == 0:
            continue
        outcome = validate_batch(frame_for(suite, rows, today or date.today()), suite)
        if keep_results:
            batch.validations.append((suite, outcome.result))
        for rid, report in outcome.reports.items():
            batch.reports[rid] = ReleaseReport(release=report)
            if not report.success:
                batch.errors[rid] = _first_failure_line(by_id[rid], report)
    for rid, message in batch.errors.items():
        batch.reports.setdefault(rid, ReleaseReport(error=message))
    if not keep_refused_rows:
        observations = rows_of_releases(observations, set(by_id) - set(batch.errors))
    batch.observations = observations
    batch.seconds = time.perf_counter() - started
    return batch


def prepare(
    doc: RawDocument,
    source: DocumentParser,
    *,
    today: date | None = None,
    keep_results: bool = False,
    keep_refused_rows: bool = False,
) -> PreparedBatch:
    """One document as a batch of its own (a quarantine review, a test)."""
    return prepare_batch(
        [doc],
        lambda _: source,
        today=today,
        keep_results=keep_results,
        label=doc.name,
        keep_refused_rows=keep_refused_rows,
    )
