"""The run summary: what one pipeline run did, as one typed object with a stable schema.

Every pipeline flow (``backfill``, ``monthly``, ``scheduled-monthly``, ``ingest``, ``landing``)
returns it as its state's result; ``--summary-json FILE`` writes it; the terminal's last line
is made from it. Schedulers and scripts read it instead of parsing the outcome table.

Stable means: ``schema_version`` changes whenever a field is renamed, removed or changes
meaning; new fields may be added within a version. Every field is always present (lists may be
empty, ``newest_period`` may be null). ``tests/fixtures/run_summary.schema.json`` is the
published JSON Schema (``published_schema``); a test keeps it equal to this model.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from customs_etl.core.models import Outcome, Status

SUMMARY_SCHEMA_VERSION = 1

RunState = Literal["completed", "failed", "interrupted"]


class _Frozen(BaseModel):
    # The published schema describes the JSON written: every field is always there.
    model_config = ConfigDict(
        extra="forbid", frozen=True, json_schema_serialization_defaults_required=True
    )


class StatusCounts(_Frozen):
    """Documents of this run by what became of them (every status, zero when none)."""

    loaded: int = 0
    unchanged: int = 0
    quarantined: int = 0
    released: int = 0
    dropped: int = 0
    archived: int = 0
    withdrawn: int = 0
    refused: int = 0

    @classmethod
    def of(cls, outcomes: list[Outcome]) -> StatusCounts:
        return cls(**{str(s): sum(o.status == s for o in outcomes) for s in Status})

    def total(self) -> int:
        return sum(self.model_dump().values())


class QuarantinedDocument(_Frozen):
    """A document held back: ``customs-etl quarantine show ID`` takes ``id`` or a prefix."""

    id: str = Field(description="release id: the sha256 of the document's bytes")
    file: str
    period: str
    reason: str


class DocumentResult(_Frozen):
    """One document of the run, in the order the run decided them."""

    file: str
    period: str = Field(description="YYYY-MM, or YYYY-MM..YYYY-MM for a span; ? when unknown")
    status: Status
    rows: int = Field(description="rows loaded (0 unless status is loaded)")
    seconds: float
    id: str = Field(description="release id: the sha256 of the document's bytes")
    warnings: int
    revisions: int = Field(description="earlier figures this document restates")
    large_revisions: list[str]
    message: str
    url: str

    @classmethod
    def of(cls, o: Outcome) -> DocumentResult:
        return cls(
            file=o.name,
            period=o.period,
            status=o.status,
            rows=o.rows,
            seconds=round(o.seconds, 3),
            id=o.release_id,
            warnings=o.warnings,
            revisions=o.revisions,
            large_revisions=list(o.large_revisions),
            message=o.message,
            url=o.url,
        )


class RunSummary(_Frozen):
    """What a run did: counts, rows, time, periods, quarantines, what it left undone."""

    schema_version: Literal[1] = SUMMARY_SCHEMA_VERSION
    flow: str = Field(description="backfill, monthly, scheduled-monthly, ingest or landing")
    run_name: str | None = Field(description="the Prefect flow run's name")
    run_id: str | None = Field(description="the Prefect flow run's id")
    state: RunState = Field(
        description="completed; failed (a document was quarantined: the others still "
        "loaded); interrupted (Ctrl-C: stopped after a committed load, see not_done)"
    )
    started_at: datetime
    finished_at: datetime
    seconds: float
    counts: StatusCounts
    rows: int = Field(description="rows this run loaded into core.observations")
    rows_per_second: float
    periods: list[str] = Field(description="the periods of this run's documents, sorted")
    quarantined: list[QuarantinedDocument]
    newest_period: str | None = Field(
        description="YYYY-MM: the newest month a current release in the warehouse covers "
        "(any source), after this run; null when none"
    )
    newest_period_by_source: dict[str, str]
    not_done: list[str] = Field(
        description="work an interrupted run did not finish: 'SOURCE YYYY-MM' months or "
        "file names; empty when the run finished"
    )
    notes: list[str]
    documents: list[DocumentResult]
    warehouse: str | None = Field(
        default=None,
        description="the warehouse the run wrote: a DuckDB file's absolute path, or the "
        "lake's ducklake:postgres:… setting (never a password)",
    )
    data_docs: str | None = Field(
        default=None,
        description="GX Data Docs' index page (file URI) when this run wrote Data Docs, "
        "else null",
    )

    def line(self) -> str:
        """One line for people: what happened, how much, how fast, what is now held."""
        counts = self.counts.model_dump()
        shown = ", ".join(
            f"{n} {status}"
            for status, n in counts.items()
            if n or status in ("loaded", "unchanged", "quarantined")
        )
        newest = self.newest_period or "none"
        where = f" {self.warehouse}" if self.warehouse else ""
        docs = f"; Data Docs: {self.data_docs}" if self.data_docs else ""
        return (
            f"{self.flow} {self.state}: {len(self.documents)} document(s) — {shown}; "
            f"{self.rows:,} rows in {self.seconds:.1f} s ({self.rows_per_second:,.0f} rows/s); "
            f"newest period in the warehouse{where}: {newest}{docs}"
        )


def published_schema() -> dict:
    """The JSON Schema of what ``--summary-json`` writes (serialization mode)."""
    return RunSummary.model_json_schema(mode="serialization")
