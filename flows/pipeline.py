"""Prefect flows: ingest files, one monthly run, a backfill over a month range.

Thin orchestration only: documents are fetched and prepared (parse → normalise → GX) in
concurrent tasks, then loaded one at a time because DuckDB has a single writer. One failed
document never stops the others; the run ends Failed when anything was quarantined, with a
per-document outcome table on the terminal and as a Prefect artifact.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run
from prefect.states import Completed, Failed, State
from prefect.task_runners import ThreadPoolTaskRunner

from customs_etl import batches
from customs_etl.batches import Outcome, PreparedBatch
from customs_etl.errors import CustomsEtlError, ParseError
from customs_etl.notify import notify_failure, notify_on_crash
from expectations.data_docs import DocValidation, build_data_docs, docs_enabled
from flows.run_report import render_run_report
from sources.base import RawDocument
from sources.http import HttpStatusError, UnexpectedContent
from sources.landing import expand_paths, read_export
from sources.registry import (
    ARCHIVE_ONLY_SOURCES,
    AUTOMATED_SOURCES,
    SOURCES,
    WAREHOUSE_SOURCE,
    documents_for_month,
    due_months,
    missing_months,
)
from transforms.file_names import parse_month
from warehouse.db import checkpoint, warehouse_path, writer
from warehouse.load import held_periods

PREPARE_WORKERS = 2  # the reference machine has 2 cores


def worth_retrying(task: object, task_run: object, state: State) -> bool:
    """Retry what a moment may fix (timeouts, resets, 5xx, 429); never a refusal.

    A challenge page (412), a 404 or a page that does not parse will answer the same way in
    ten seconds; retrying only hammers the site (and a WAF remembers).
    """
    try:
        state.result()
    except HttpStatusError as exc:
        return exc.status >= 500 or exc.status == 429
    except (ParseError, UnexpectedContent):
        return False
    except Exception:
        return True
    return True


@task(
    name="fetch",
    retries=2,
    retry_delay_seconds=[2, 10],
    retry_condition_fn=worth_retrying,
    cache_policy=NO_CACHE,
)
def fetch_month(
    source: str, month: date, index_cache: dict[int, bytes] | None = None
) -> list[RawDocument]:
    """List and fetch what ``source`` released for ``month`` (retried: sources are remote)."""
    return documents_for_month(source, month, index_cache=index_cache)


def _keep_pages(docs: list[RawDocument], warehouse: str | None) -> list[RawDocument]:
    """Archive the pages fetched only to find the data (indexes); return the data documents."""
    for page in (d for d in docs if d.source in ARCHIVE_ONLY_SOURCES):
        batches.archive(page, warehouse)
    return [d for d in docs if d.source not in ARCHIVE_ONLY_SOURCES]


@task(name="prepare", cache_policy=NO_CACHE)
def prepare_document(doc: RawDocument) -> PreparedBatch:
    return batches.prepare(doc, keep_frames=docs_enabled())


@task(name="data-docs", cache_policy=NO_CACHE)
def publish_data_docs(prepared: list[PreparedBatch], warehouse: str | None) -> str | None:
    """Render this run's validations into GX Data Docs beside the warehouse; never fails a run."""
    validations = [
        DocValidation(suite, frame, batch.doc.name, flow_run.get_name() or "run")
        for batch in prepared
        for suite, frame in batch.validated
    ]
    for batch in prepared:
        batch.validated = []  # frames can be large: keep them no longer than needed
    if not validations:
        return None
    try:
        return build_data_docs(validations, data_docs_dir(warehouse)).as_uri()
    except Exception as exc:  # documentation must never cost a load
        get_run_logger().warning("GX Data Docs not built: %s: %s", type(exc).__name__, exc)
        return None


def data_docs_dir(warehouse: str | None) -> Path:
    """Data Docs live in the data directory, beside the warehouse file."""
    return warehouse_path(warehouse).resolve().parent / "data_docs"


def _docs_link(warehouse: str | None) -> str | None:
    index = data_docs_dir(warehouse) / "site" / "index.html"
    return index.as_uri() if docs_enabled() and index.exists() else None


@task(name="load", cache_policy=NO_CACHE)
def load_document(
    batch: PreparedBatch, warehouse: str | None, allow_sample: bool = False
) -> Outcome:
    return batches.load(batch, warehouse, allow_sample=allow_sample)


def source_list(sources: str | list[str] | None) -> list[str]:
    """Named sources, checked; none named means the automated ones (what the schedule polls):
    the modeled sample is only ever loaded when asked for by name."""
    if sources is None or sources == []:
        return list(AUTOMATED_SOURCES)
    named = [sources] if isinstance(sources, str) else list(sources)
    unknown = [s for s in named if s not in SOURCES]
    if unknown:
        raise CustomsEtlError(
            f"unknown source {unknown[0]!r}; known: {', '.join(SOURCES)}"
        )
    return named


def _guard_sample(sources: list[str], warehouse: str | None, allow_sample: bool) -> None:
    """Refuse up front, before any fetch, to load the sample beside real releases."""
    if "sample" in sources and not allow_sample and warehouse_path(warehouse).exists():
        with writer(warehouse) as con:
            batches.refuse_sample_beside_real(con, warehouse)


def _month_range(start: str, end: str) -> list[date]:
    first, last = parse_month(start), parse_month(end)
    if last < first:
        raise ValueError(f"--end {end} is before --start {start}")
    months, current = [], first
    while current <= last:
        months.append(current)
        current = date(current.year + current.month // 12, current.month % 12 + 1, 1)
    return months


def _artifact_key(name: str) -> str:
    """Prefect artifact keys allow lowercase letters, digits and dashes only."""
    return "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")


def _publish(kind: str, outcomes: list[Outcome], notes: list[str], docs_link: str | None) -> None:
    """A table artifact (one row per document) and the markdown run report."""
    create_table_artifact(
        key=_artifact_key(f"{kind}-outcomes"),
        table=[o.as_row() for o in outcomes],
        description=f"customs-etl {kind}: one row per document",
    )
    run = flow_run.get_name()
    create_markdown_artifact(
        key=_artifact_key(f"{kind}-report"),
        markdown=render_run_report(kind, outcomes, notes, docs_link=docs_link, run_name=run),
        description=f"customs-etl {kind} run report",
    )


DOCS_FLUSH_ROWS = 200_000  # validated rows held for Data Docs before they are rendered


def _prepare_and_load(
    docs: Iterable[RawDocument], warehouse: str | None, allow_sample: bool = False
) -> list[Outcome]:
    """Prepare ahead on the thread pool, load in document order, hold little in memory.

    At most ``PREPARE_WORKERS`` prepared documents wait for the single writer, and each
    batch's frames are dropped once it is loaded (and, in bounded chunks, rendered into the
    Data Docs), so a backfill of many large files runs in flat memory.
    """
    outcomes: list[Outcome] = []
    window: deque = deque()
    for_docs: list[PreparedBatch] = []
    held_rows = 0  # validated rows waiting in ``for_docs``

    def load_next() -> None:
        nonlocal held_rows
        batch = window.popleft().result()
        outcomes.append(load_document(batch, warehouse, allow_sample))
        batch.observations = None
        if batch.validated:
            for_docs.append(batch)
            held_rows += sum(len(frame) for _, frame in batch.validated)
        if held_rows >= DOCS_FLUSH_ROWS:
            publish_data_docs(for_docs, warehouse)
            for_docs.clear()
            held_rows = 0

    for doc in docs:
        window.append(prepare_document.submit(doc))
        if len(window) > PREPARE_WORKERS:
            load_next()
    while window:
        load_next()
    if for_docs:
        publish_data_docs(for_docs, warehouse)
    return outcomes


def finish(
    kind: str,
    outcomes: list[Outcome],
    extra: list[str] | None = None,
    warehouse: str | None = None,
) -> State:
    """Publish the run report; Failed when anything was quarantined (the schedule alerts)."""
    checkpoint(warehouse)
    _publish(kind, outcomes, extra or [], _docs_link(warehouse))
    logger = get_run_logger()
    for o in outcomes:
        logger.info("%s %s: %s (%d rows) %s", o.period, o.name, o.status, o.rows, o.message)
    bad = [o for o in outcomes if o.status == "quarantined"]
    notes = "; ".join(extra or [])
    if bad:
        notify_failure(kind, outcomes)  # $CUSTOMS_ETL_WEBHOOK_URL, if set; never raises
        return Failed(
            message=f"{len(bad)} of {len(outcomes)} document(s) quarantined", data=outcomes
        )
    return Completed(message=notes or f"{len(outcomes)} document(s) processed", data=outcomes)


@flow(
    name="ingest",
    on_failure=[notify_on_crash],
    task_runner=ThreadPoolTaskRunner(max_workers=PREPARE_WORKERS),
    log_prints=True,
)
def ingest_flow(
    paths: list[str],
    warehouse: str | None = None,
    flow_hint: str | None = None,
    commodity: str | None = None,
    start: str | None = None,
    end: str | None = None,
    partial: bool = False,
) -> State:
    """Ingest query-platform export files (a landing folder, or files named on the CLI).

    ``partial``: the exports were filtered (some partners or trade modes only); they update
    only the figures they carry.
    """
    period_range = (parse_month(start), parse_month(end)) if start and end else None
    docs = (  # read lazily: one file's bytes at a time, not the whole folder up front
        read_export(
            p,
            flow=flow_hint,
            commodity_code=commodity,
            period_range=period_range,
            partial=partial,
        )
        for p in expand_paths(paths)
    )
    return finish("ingest", _prepare_and_load(docs, warehouse), warehouse=warehouse)


@flow(
    name="backfill",
    on_failure=[notify_on_crash],
    task_runner=ThreadPoolTaskRunner(max_workers=PREPARE_WORKERS),
)
def backfill_flow(
    start: str,
    end: str,
    source: str | list[str] | None = None,
    warehouse: str | None = None,
    allow_sample: bool = False,
) -> State:
    """Every month from ``start`` to ``end`` (YYYY-MM) of each source (default: the automated
    ones); re-running resumes (loaded documents are no-ops)."""
    sources = source_list(source)
    months = _month_range(start, end)
    _guard_sample(sources, warehouse, allow_sample)
    outcomes: list[Outcome] = []
    notes: list[str] = []
    for name in sources:
        index_cache: dict[int, bytes] = {}  # each year's index fetched once per run
        for month in months:
            docs = _keep_pages(fetch_month(name, month, index_cache), warehouse)
            if not docs:
                notes.append(f"{name} {month:%Y-%m}: nothing published")
                continue
            outcomes.extend(_prepare_and_load(docs, warehouse, allow_sample))
    return finish("backfill", outcomes, notes, warehouse)


def _held(source: str, warehouse: str | None) -> set:
    if not warehouse_path(warehouse).exists():
        return set()
    with writer(warehouse) as con:
        return held_periods(con, WAREHOUSE_SOURCE.get(source, source))


def _poll(
    kind: str,
    sources: list[str],
    period: str | None,
    warehouse: str | None,
    allow_sample: bool,
) -> State:
    """One month of each source, or — with no period — every month due and missing."""
    _guard_sample(sources, warehouse, allow_sample)
    outcomes: list[Outcome] = []
    notes: list[str] = []
    for name in sources:
        if period is not None:
            months = [parse_month(period)]
        else:
            months = missing_months(name, due_months(name), _held(name, warehouse))
            if not months:
                notes.append(f"{name}: every month due is already loaded")
        index_cache: dict[int, bytes] = {}
        for month in months:
            docs = _keep_pages(fetch_month(name, month, index_cache), warehouse)
            if not docs:
                notes.append(f"{name} {month:%Y-%m}: not published yet")
                continue
            outcomes.extend(_prepare_and_load(docs, warehouse, allow_sample))
    if not outcomes:
        checkpoint(warehouse)  # an index page may have been archived
        return Completed(message="; ".join(notes) or "nothing to do", data=[])
    return finish(kind, outcomes, notes, warehouse)


@flow(
    name="monthly",
    on_failure=[notify_on_crash],
    task_runner=ThreadPoolTaskRunner(max_workers=PREPARE_WORKERS),
)
def monthly_flow(
    source: str | list[str] | None = None,
    period: str | None = None,
    warehouse: str | None = None,
    allow_sample: bool = False,
) -> State:
    """One month (``period``) of each source, or every month due and missing (no period).

    Without ``source``: the automated sources, as the schedule polls them.
    """
    return _poll("monthly", source_list(source), period, warehouse, allow_sample)


@flow(
    name="scheduled-monthly",
    on_failure=[notify_on_crash],
    task_runner=ThreadPoolTaskRunner(max_workers=PREPARE_WORKERS),
)
def scheduled_flow(sources: list[str] | None = None, warehouse: str | None = None) -> State:
    """Every automated source, every month due and missing (the daily poll).

    Each source is asked for the newest month that may be out (the last complete month in
    Asia/Shanghai) and any month of the 12 before it not loaded yet; an unpublished month is a
    note, an unchanged page a no-op, so extra polls cost a few requests and nothing else.
    """
    return _poll("scheduled-monthly", source_list(sources), None, warehouse, False)
