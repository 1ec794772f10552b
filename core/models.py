"""The values that travel between layers: a raw document, a validation report, an outcome.

Plain dataclasses, no pandas, no Great Expectations, no DuckDB: the run report and the failure
notice import this module and nothing heavy. A validation report stays an object until the
warehouse boundary, where ``ReleaseReport.to_json`` turns it into the JSON kept beside the
document (and ``from_json`` reads it back for ``quarantine show``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol

from customs_etl.core import sources

if TYPE_CHECKING:  # parsing needs pandas and Arrow; the models do not
    from collections.abc import Sequence
    from pathlib import Path

    import pandas as pd
    import pyarrow as pa

# The bundled sample is partly MODELED: a series of its own, never loaded beside real releases
# unless asked (its publisher is ``publishers.sample``; the pipeline only needs the name).
SAMPLE_SOURCE = sources.SAMPLE


class Status(StrEnum):
    """What became of a document. ``unchanged`` (the same bytes again, decided the same way)
    and ``refused`` (the same bytes offered as something else than they were loaded as) are
    outcomes only; the others are also the ``raw.releases.status`` of the stored document."""

    LOADED = "loaded"
    UNCHANGED = "unchanged"
    QUARANTINED = "quarantined"
    RELEASED = "released"
    DROPPED = "dropped"
    ARCHIVED = "archived"
    WITHDRAWN = "withdrawn"
    REFUSED = "refused"


OUTCOME_ONLY = (Status.UNCHANGED, Status.REFUSED)
STORED_STATUSES = tuple(s for s in Status if s not in OUTCOME_ONLY)
FAILED_STATUSES = (Status.QUARANTINED, Status.REFUSED)  # a run with one of these ends failed
CURRENT_STATUSES = (Status.LOADED, Status.RELEASED)  # whose observations count


class Coverage(StrEnum):
    """Whether a release carries every partner and trade mode of its slices."""

    FULL = "full"
    PARTIAL = "partial"


@dataclass(frozen=True)
class DatasetVersion:
    """A publisher's dataset a document carries, at one version (UN Comtrade: one reporter's
    month, versioned by its ``datasetChecksum``). A revision-driven publisher fetches a dataset
    again only when its version changed since the last document that carried it was loaded."""

    dataset: str
    version: str
    reporter: str | None = None
    period: date | None = None


@dataclass(frozen=True)
class RawDocument:
    """One release document as received, content-addressed by its sha256.

    Hints (flow, tariff line, month range, coverage) travel with the bytes because some
    publishers' documents do not state them (query-platform exports).
    """

    name: str
    source: str
    content: bytes = field(repr=False)
    url: str | None = None
    fetched_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    published_on: date | None = None
    flow: str | None = None
    commodity_code: str | None = None
    period_start: date | None = None
    period_end: date | None = None
    coverage: str = Coverage.FULL
    archive_only: bool = False  # a page fetched to find the data (an index): kept, never parsed
    datasets: tuple[DatasetVersion, ...] = ()  # publisher datasets it carries (revision pulls)

    @cached_property
    def sha256(self) -> str:
        """The release id: the same bytes are the same release, whatever their name."""
        return hashlib.sha256(self.content).hexdigest()


class DocumentParser(Protocol):
    """What the pipeline needs of a document's publisher: a parser and the suite to run.

    The flows hand each document's publisher to the pipeline, so pipeline steps never import
    publishers (they are siblings in the layers).
    """

    name: str
    release_suite: str

    def parse(self, doc: RawDocument) -> pd.DataFrame: ...

    def parse_batch(
        self, docs: Sequence[RawDocument], scratch: Path
    ) -> tuple[pa.Table, list[RawDocument]]: ...


@dataclass
class CheckResult:
    """One expectation's outcome, in words a person can act on."""

    expectation: str
    column: str | None
    severity: str
    success: bool
    unexpected_count: int = 0
    rows: list[int] = field(default_factory=list)
    observed: Any = None
    details: str = ""
    field: str | None = None  # the field a person sees in the source file, when known

    def describe(self) -> str:
        where = ""
        if self.rows:
            shown = ", ".join(str(r) for r in self.rows[:5])
            more = f" (+{self.unexpected_count - 5} more)" if self.unexpected_count > 5 else ""
            where = f" at row{'s' if len(self.rows) > 1 else ''} {shown}{more}"
        name = self.field or self.column
        column = f", field {name}" if name else ""
        return f"{self.expectation}{self.details}{column}{where}"

    def line(self) -> str:
        """One line for the run report: severity, expectation, column, failing rows."""
        return (
            f"[{self.severity}] {self.expectation} column={self.column} "
            f"failing rows={self.unexpected_count}"
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CheckResult:
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)


@dataclass
class SuiteReport:
    """A suite's run: passed unless a critical expectation failed."""

    suite: str
    expectation_count: int
    checks: list[CheckResult]

    @property
    def critical_failures(self) -> list[CheckResult]:
        return [c for c in self.checks if not c.success and c.severity == "critical"]

    @property
    def warnings(self) -> list[CheckResult]:
        return [c for c in self.checks if not c.success and c.severity != "critical"]

    @property
    def success(self) -> bool:
        return not self.critical_failures

    def to_dict(self) -> dict[str, Any]:
        return {
            "suite": self.suite,
            "success": self.success,
            "expectation_count": self.expectation_count,
            "critical_failures": len(self.critical_failures),
            "warnings": len(self.warnings),
            "checks": [asdict(c) for c in self.checks],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SuiteReport:
        return cls(
            suite=data["suite"],
            expectation_count=int(data.get("expectation_count", 0)),
            checks=[CheckResult.from_dict(c) for c in data.get("checks", [])],
        )


@dataclass
class RevisionSummary:
    """What a release restates (largest first, at most 50 rows kept) and what that explains."""

    count: int
    large: int
    rows: list[dict[str, Any]]
    explained_breaks: str = ""

    def large_lines(self) -> tuple[str, ...]:
        return tuple(
            f"{r['commodity_code']} {r['partner']} {r['basis']} {r['period_start'][:7]}"
            f"..{r['period_end'][:7]}: {r['old_kg']:,.0f} → {r['new_kg']:,.0f} kg"
            + (f" ({r['delta_pct']:+.1f} %)" if r["delta_pct"] is not None else "")
            for r in self.rows
            if r["large"]
        )


REPORT_PARTS = ("release", "coverage", "history")


@dataclass
class ReleaseReport:
    """Everything validation said about one document, kept with its bytes."""

    release: SuiteReport | None = None
    coverage: SuiteReport | None = None
    history: SuiteReport | None = None
    revisions: RevisionSummary | None = None
    error: str | None = None
    waived: dict[str, Any] | None = None

    def suites(self) -> list[SuiteReport]:
        return [s for s in (self.release, self.coverage, self.history) if s is not None]

    def failed_checks(self) -> list[tuple[str, CheckResult]]:
        """Every failed check of every suite run, with its suite's name."""
        return [(s.suite, c) for s in self.suites() for c in s.checks if not c.success]

    def warning_count(self) -> int:
        return sum(c.severity != "critical" for _, c in self.failed_checks())

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for part in REPORT_PARTS:
            suite = getattr(self, part)
            if suite is not None:
                data[part] = suite.to_dict()
        if self.revisions is not None:
            data["revisions"] = asdict(self.revisions)
        if self.error is not None:
            data["error"] = self.error
        if self.waived is not None:
            data["waived"] = self.waived
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), default=str)

    @classmethod
    def from_json(cls, text: str | None) -> ReleaseReport:
        data = json.loads(text) if text else {}
        revisions = data.get("revisions")
        return cls(
            **{p: SuiteReport.from_dict(data[p]) for p in REPORT_PARTS if data.get(p)},
            revisions=RevisionSummary(**revisions) if revisions else None,
            error=data.get("error"),
            waived=data.get("waived"),
        )


@dataclass(frozen=True)
class Outcome:
    """What happened to one document, built once when the pipeline decided."""

    name: str
    period: str
    status: Status
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
            "status": str(self.status),
            "rows": self.rows,
            "seconds": round(self.seconds, 2),
            "message": self.message,
        }
