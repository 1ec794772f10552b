"""The run engine: batches, each prepared while the previous one loads, and what a run leaves.

A run is a sequence of batches (a month of a backfill, a chunk of an ingest, a landing poll):
each batch is prepared (parse, normalise, ONE GX validation per suite) on the thread pool while
the previous batch loads (history checks, ONE transaction; DuckDB has a single writer). One
failed document never stops the others. At its end a run writes its Data Docs, its record in
the warehouse (what ``status`` shows), the checkpoint, its report and artifacts, and a failure
notice; progress goes to ``flows.progress``, and Ctrl-C (``flows.interrupts``) stops the loop
between loads (the run ends Cancelled, "interrupted").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture
from prefect.runtime import flow_run
from prefect.states import Cancelled, Completed, Failed, State

from customs_etl.core.memory import (
    long_lived_objects_frozen,
    memory_budget,
    release_memory,
    trim_c_heap,
)
from customs_etl.core.models import FAILED_STATUSES, Outcome, RawDocument
from customs_etl.core.settings import settings
from customs_etl.expectations.data_docs import DocValidation, build_data_docs, docs_enabled
from customs_etl.flows.interrupts import stop_requested
from customs_etl.flows.notify import notify_failure
from customs_etl.flows.progress import Tracker
from customs_etl.flows.run_report import render_run_report
from customs_etl.flows.status_artifact import STATUS_ARTIFACT_FLOWS, publish_status
from customs_etl.pipeline.load import archive, load_batch
from customs_etl.pipeline.prepare import PreparedBatch, prepare_batch
from customs_etl.pipeline.run_record import record_run
from customs_etl.publishers.registry import publisher
from customs_etl.warehouse.db import checkpoint, writer
from customs_etl.warehouse.location import Location, Where, locate
from customs_etl.warehouse.releases import newest_periods

PREPARE_WORKERS = 2  # the reference machine has 2 cores
DOCS_FLUSH_VALIDATIONS = 100  # GX results held for Data Docs before they are rendered


@dataclass
class Step:
    """One batch to prepare: its documents, those refused before parsing, a name for people,
    and the planned work units (``sample 2024-03``, a file name) loading it completes."""

    docs: list[RawDocument]
    label: str
    refused: dict[str, str] = field(default_factory=dict)  # release id → reason
    units: tuple[str, ...] = ()


@task(name="prepare", cache_policy=NO_CACHE)
def prepare_step(step: Step) -> PreparedBatch:
    """Parse and validate a batch (its documents together; GX once per suite); what that
    freed goes back to the system before the batch loads (``trim_c_heap``)."""
    batch = prepare_batch(
        step.docs, publisher, keep_results=docs_enabled(), label=step.label, refused=step.refused
    )
    trim_c_heap()
    return batch


@task(name="load", cache_policy=NO_CACHE)
def load_step(
    batch: PreparedBatch, warehouse: Location, allow_sample: bool = False
) -> list[Outcome]:
    """History checks and ONE transaction for the batch (DuckDB has a single writer)."""
    return load_batch(batch, warehouse, allow_sample=allow_sample)


BATCH_DOCUMENTS = 200  # documents in one batch at most (GX's report grows with them)


def batch_bytes() -> int:
    """Bytes of documents read into one batch at most: $CUSTOMS_ETL_BATCH_MB (default 32: a
    full-scale month, ~30 MB in 31 files, fits in one batch, so GX runs once per month), at
    most what the memory budget ($CUSTOMS_ETL_MEMORY_MB) holds — by default 19.2 MB, so such a
    month loads as two batches unless the budget is 1,240 MB or more. Peak memory grows with
    the batch, not with the number of months."""
    cap = memory_budget().batch_cap_mb
    return int(min(settings().batch_mb, cap) * 1024 * 1024)


def _mb(step: Step) -> float:
    """A step's documents, in MB (what the memory budget is stated in)."""
    return sum(len(d.content) for d in step.docs) / (1024 * 1024)


def batches_of(
    docs: Iterable[RawDocument],
    label: str,
    limit_bytes: int | None = None,
    files: bool = False,
) -> Iterator[Step]:
    """Documents in order, cut into batches of at most ``limit_bytes`` / ``BATCH_DOCUMENTS``
    (``files``: each document is a planned unit of its own, named by its file name)."""

    def step(batch: list[RawDocument]) -> Step:
        units = tuple(d.name for d in batch) if files else ()
        return Step(batch, batch_label(label, batch), units=units)

    limit_bytes = batch_bytes() if limit_bytes is None else limit_bytes
    current: list[RawDocument] = []
    size = 0
    for doc in docs:
        if current and (size + len(doc.content) > limit_bytes or len(current) >= BATCH_DOCUMENTS):
            yield step(current)
            current, size = [], 0
        current.append(doc)
        size += len(doc.content)
    if current:
        yield step(current)


def batch_label(label: str, docs: list[RawDocument], shown: int = 3) -> str:
    """How Data Docs and logs name a batch: its step and the documents in it."""
    names = [d.name for d in docs]
    if len(names) <= shown:
        return f"{label}: {', '.join(names)}"
    return f"{label}: {names[0]} … {names[-1]} ({len(names)} documents)"


def data_docs_dir(warehouse: Where) -> Path:
    """$CUSTOMS_ETL_DATA_DOCS_DIR, else the data directory beside the warehouse file (for a
    lake: ``data/`` under the working directory of the machine that ran the flow)."""
    chosen = settings().data_docs_dir
    if chosen:
        return Path(chosen).expanduser().resolve()
    return locate(warehouse).local_folder() / "data_docs"


@task(name="data-docs", cache_policy=NO_CACHE)
def publish_data_docs(validations: list[DocValidation], warehouse: Location) -> str | None:
    """Render this run's validation results into GX Data Docs; never fails a run."""
    if not validations:
        return None
    try:
        return build_data_docs(validations, data_docs_dir(warehouse)).as_uri()
    except Exception as exc:  # documentation must never cost a load
        get_run_logger().warning("GX Data Docs not built: %s: %s", type(exc).__name__, exc)
        return None


def _docs_link(warehouse: Location) -> str | None:
    index = data_docs_dir(warehouse) / "site" / "index.html"
    return index.as_uri() if docs_enabled() and index.exists() else None


def _artifact_key(name: str) -> str:
    """Prefect artifact keys allow lowercase letters, digits and dashes only."""
    return "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")


def _newest(warehouse: Location) -> dict[str, date]:
    if not warehouse.exists():
        return {}
    with writer(warehouse) as con:
        return newest_periods(con)


class Run:
    """One flow run: batches prepared ahead, loaded in order, reported at the end."""

    def __init__(self, kind: str, warehouse: Location, allow_sample: bool = False) -> None:
        self.kind = kind
        self.warehouse = warehouse
        self.allow_sample = allow_sample
        self.outcomes: list[Outcome] = []
        self.notes: list[str] = []
        self._docs: list[DocValidation] = []
        self.docs_index: str | None = None  # Data Docs' index, once this run wrote them
        self.progress = Tracker(kind, artifact_key=_artifact_key(f"{kind}-progress"))

    def keep_pages(self, docs: list[RawDocument]) -> list[RawDocument]:
        """Archive the pages fetched only to find the data (indexes); return the data."""
        for page in (d for d in docs if d.archive_only):
            archive(page, self.warehouse)
        return [d for d in docs if not d.archive_only]

    def _collect_docs(self, batch: PreparedBatch) -> None:
        run = flow_run.get_name() or "run"
        self._docs += [DocValidation(s, r, batch.label, run) for s, r in batch.validations]
        batch.validations = []
        if len(self._docs) >= DOCS_FLUSH_VALIDATIONS:
            self._publish_docs()

    def _publish_docs(self) -> None:
        self.docs_index = publish_data_docs(self._docs, self.warehouse) or self.docs_index
        self._docs = []

    def _load(
        self,
        step: Step,
        future: PrefectFuture[PreparedBatch],
        after_load: Callable[[RawDocument, Outcome], None] | None,
    ) -> None:
        if stop_requested():  # Ctrl-C: no new load. The batch prepared ahead is dropped
            future.wait()  # (preparing writes nothing); its units stay not done.
            return
        batch = future.result()
        if stop_requested():
            return
        self.progress.doing(f"loading {step.label}")
        outcomes = load_step(batch, self.warehouse, self.allow_sample)
        self.outcomes += outcomes
        # Frames can be large, and Prefect keeps the task's result (this batch) to the end of
        # the run: an empty table, not a zero-length slice (a slice keeps the buffers alive).
        batch.observations = batch.observations.schema.empty_table()
        self._collect_docs(batch)
        if after_load is not None:
            for doc, outcome in zip(batch.docs, outcomes, strict=True):
                after_load(doc, outcome)
        self.progress.loaded(outcomes, step.units)
        release_memory()

    def process(
        self,
        steps: Iterable[Step],
        after_load: Callable[[RawDocument, Outcome], None] | None = None,
    ) -> None:
        """Prepare the next batch on the thread pool while this one loads, when the memory
        budget holds both (``MemoryBudget.fits``, on the batches' own sizes: small batches —
        a monthly run, a test — always overlap), else one batch at a time: a long backfill of
        full batches runs in flat memory. After Ctrl-C (``stop_requested``) nothing new is
        fetched or loaded."""
        with long_lived_objects_frozen():  # each batch's collection walks its own objects
            self._process(steps, after_load)

    def _process(
        self,
        steps: Iterable[Step],
        after_load: Callable[[RawDocument, Outcome], None] | None,
    ) -> None:
        budget = memory_budget()
        pending: tuple[Step, PrefectFuture[PreparedBatch]] | None = None
        remaining = iter(steps)
        while not stop_requested():
            step = next(remaining, None)  # fetches: a fetch under way when Ctrl-C comes ends
            if step is None or stop_requested():
                break
            size = len(step.docs)
            self.progress.fetched(size, step.units)
            if pending is not None and not budget.fits(_mb(pending[0]), _mb(step)):
                self._load(*pending, after_load)  # no room for two: load before preparing
                pending = None
            future = prepare_step.submit(step)
            future.add_done_callback(lambda _, n=size: self.progress.prepared(n))
            if pending is not None:
                self._load(*pending, after_load)  # while ``step`` is prepared
            pending = step, future
        if pending is not None:
            self._load(*pending, after_load)

    def finish(self) -> State:
        """Publish the run report and the summary; Failed when anything was quarantined (the
        schedule alerts), Cancelled when Ctrl-C stopped it before its planned work was done."""
        interrupted = stop_requested() and bool(self.progress.not_done())
        if interrupted:
            left = self.progress.not_done()
            self.notes.append(
                f"interrupted (Ctrl-C) after the last committed load; not done: "
                f"{len(left)} {self.progress.unit}(s), {left[0]} … {left[-1]}"
            )
        self.progress.doing("finishing: Data Docs, run record, checkpoint, run report")
        if self._docs:
            self._publish_docs()
        bad = [o for o in self.outcomes if o.status in FAILED_STATUSES]
        summary = self.progress.summary(
            self.outcomes,
            self.notes,
            _newest(self.warehouse),
            "interrupted" if interrupted else "failed" if bad else "completed",
            run_name=flow_run.get_name(),
            run_id=flow_run.get_id(),
            warehouse=self.warehouse.for_environment(),
            data_docs=self.docs_index,
        )
        record_run(summary, self.warehouse)  # meta.runs: what `customs-etl status` shows
        checkpoint(self.warehouse)
        if self.kind in STATUS_ARTIFACT_FLOWS:
            publish_status(self.warehouse)
        self.progress.close()
        if interrupted:
            self._publish_report()
            if bad:
                notify_failure(self.kind, self.outcomes)
            return Cancelled(message=self.notes[-1], data=summary)
        if not self.outcomes:
            return Completed(message="; ".join(self.notes) or "nothing to do", data=summary)
        self._publish_report()
        if bad:
            notify_failure(self.kind, self.outcomes)  # $CUSTOMS_ETL_WEBHOOK_URL; never raises
            return Failed(
                message=f"{len(bad)} of {len(self.outcomes)} document(s) quarantined or refused",
                data=summary,
            )
        message = "; ".join(self.notes) or f"{len(self.outcomes)} document(s) processed"
        return Completed(message=message, data=summary)

    def _publish_report(self) -> None:
        """The outcome table and the run report as artifacts; every outcome in the log."""
        if not self.outcomes:
            return
        create_table_artifact(
            key=_artifact_key(f"{self.kind}-outcomes"),
            table=[o.as_row() for o in self.outcomes],
            description=f"customs-etl {self.kind}: one row per document",
        )
        create_markdown_artifact(
            key=_artifact_key(f"{self.kind}-report"),
            markdown=render_run_report(
                self.kind,
                self.outcomes,
                self.notes,
                docs_link=_docs_link(self.warehouse),
                run_name=flow_run.get_name(),
            ),
            description=f"customs-etl {self.kind} run report",
        )
        logger = get_run_logger()
        for o in self.outcomes:
            logger.info("%s %s: %s (%d rows) %s", o.period, o.name, o.status, o.rows, o.message)
