"""Prepare one document: its publisher parses it, then the publisher's GX release suite runs.

Pure CPU work on bytes (no warehouse), so documents are prepared concurrently. Bad input never
raises: the failure is kept on the batch with the reason (file, row and field), and so is a bug
met by one document, so it cannot stop the documents after it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from customs_etl.core.errors import CustomsEtlError
from customs_etl.core.models import DocumentParser, RawDocument, ReleaseReport, SuiteReport
from customs_etl.expectations.validate import query_validation_frame, validate

log = logging.getLogger(__name__)


@dataclass
class PreparedBatch:
    """A document with its observations and release-suite report, or the reason it failed."""

    doc: RawDocument
    observations: pd.DataFrame | None = None
    report: ReleaseReport = field(default_factory=ReleaseReport)
    error: str | None = None
    seconds: float = 0.0
    # GX's own results of this document's validations, kept for Data Docs when asked.
    validations: list[tuple[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None


def _first_failure_line(doc: RawDocument, report: SuiteReport) -> str:
    failures = report.critical_failures
    first = failures[0].describe()
    more = f" (+{len(failures) - 1} more failed checks)" if len(failures) > 1 else ""
    return f"{doc.name}: failed {report.suite}: {first}{more}"


def prepare(
    doc: RawDocument,
    source: DocumentParser,
    *,
    today: date | None = None,
    keep_results: bool = False,
) -> PreparedBatch:
    """Parse (with the document's publisher), normalise and run its release suite; never
    raises for bad input. ``keep_results`` keeps GX's results for the run's Data Docs.
    """
    started = time.perf_counter()
    batch = PreparedBatch(doc=doc)
    try:
        observations = source.parse(doc)
        if observations.empty:
            raise CustomsEtlError(f"{doc.name}: no observations in the document")
        frame = query_validation_frame(observations, today or date.today())
        report, result = validate(frame, source.release_suite, observations["source_row"])
        if keep_results:
            batch.validations.append((source.release_suite, result))
        batch.report = ReleaseReport(release=report)
        batch.observations = observations
        if not report.success:
            batch.error = _first_failure_line(doc, report)
    except CustomsEtlError as exc:
        batch.error = str(exc)
        batch.report = ReleaseReport(error=str(exc))
    except Exception as exc:  # a bug met by this document must not stop the others
        log.exception("preparing %s failed unexpectedly", doc.name)
        batch.error = f"{doc.name}: could not be prepared ({type(exc).__name__}: {exc})"
        batch.report = ReleaseReport(error=batch.error)
    batch.seconds = time.perf_counter() - started
    return batch
