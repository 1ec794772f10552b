"""Prefect flows: ingest files, a monthly run, a scheduled poll, a backfill over a month range.

Flow and task definitions only: what each flow fetches and in which order. The work is the run
engine's (``flows.run_engine``: batches, prepare-ahead, loads, Data Docs, artifacts, notices),
the months a poll asks for are ``flows.schedule_rules``', and fetching is ``flows.fetching``'s.
Every flow returns a ``core.summary.RunSummary`` (the state's result). The landing flow
(``flows.landing``) uses the same engine, ``Run.process``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from prefect import flow
from prefect.states import State
from prefect.task_runners import ThreadPoolTaskRunner

from customs_etl.core import calendar
from customs_etl.core.months import month_range, parse_month, shanghai_today
from customs_etl.flows.fetching import fetch_month
from customs_etl.flows.notify import notify_on_crash
from customs_etl.flows.run_engine import PREPARE_WORKERS, Run, Step, batches_of
from customs_etl.flows.schedule_rules import held_months, missing_months
from customs_etl.pipeline.load import refuse_sample_beside_real
from customs_etl.publishers.base import COMMODITIES_KEY, NOTES_KEY, WAREHOUSE_KEY, Publisher
from customs_etl.publishers.gacc_query.files import expand_paths, read_export
from customs_etl.publishers.registry import publishers
from customs_etl.publishers.sample import NAME as SAMPLE
from customs_etl.warehouse.db import writer
from customs_etl.warehouse.location import Location, locate


def guard_sample(sources: list[Publisher], warehouse: Location, allow_sample: bool) -> None:
    """Refuse up front, before any fetch, to load the sample beside real releases."""
    wanted = any(p.name == SAMPLE for p in sources)
    if wanted and not allow_sample and warehouse.exists():
        with writer(warehouse) as con:
            refuse_sample_beside_real(con, warehouse)


def month_unit(source: Publisher, month: date) -> str:
    """How progress and the summary name one month of one source: ``sample 2024-03``."""
    return f"{source.name} {month:%Y-%m}"


def _lateness(source: str, month: date) -> str:
    """' — late: expected 2025-07-14 (GACC's calendar)' when a month is past its date."""
    expected = calendar.expected(source, month)
    if expected is None or not expected.late(shanghai_today()):
        return ""
    known = "GACC's calendar" if expected.calendar else "its usual day"
    return f" — late: expected {expected.on.isoformat()} ({known})"


def commodity_filters(
    sources: list[Publisher], commodity: list[str] | None
) -> dict[str, tuple[str, ...]]:
    """Each source's own codes for ``--commodity`` (none given: no filter); a source that
    cannot filter refuses the run before anything is fetched."""
    if not commodity:
        return {}
    return {each.name: each.commodity_filter(commodity) for each in sources}


def _fetch_and_load(
    run: Run,
    source: Publisher,
    months: list[date],
    missing: str,
    commodities: tuple[str, ...] = (),
) -> None:
    """A batch per month: fetched (a task, retried), prepared while the previous one loads;
    ``commodities``: the source's codes the pulls are narrowed to (none: everything)."""

    def steps() -> Iterator[Step]:
        cache: dict = {WAREHOUSE_KEY: run.warehouse}  # each year's index fetched once per run
        if commodities:
            cache[COMMODITIES_KEY] = commodities
        for month in months:
            unit = month_unit(source, month)
            run.progress.doing(f"fetching {unit}")
            docs = run.keep_pages(fetch_month(source.name, month, cache))
            # What the publisher skipped, and why (once each: a retried fetch notes it again).
            run.notes += list(dict.fromkeys(cache.pop(NOTES_KEY, [])))
            if not docs:
                note = "no new or revised datasets" if source.always_poll else missing
                run.notes.append(f"{unit}: {note}{_lateness(source.name, month)}")
                run.progress.skipped(unit)
                continue
            batches = list(batches_of(docs, unit))
            batches[-1].units = (unit,)  # the month is done when its last batch is loaded
            yield from batches

    run.process(steps())


@flow(
    name="ingest",
    on_failure=[notify_on_crash],
    task_runner=ThreadPoolTaskRunner(max_workers=PREPARE_WORKERS),
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
    """Ingest query-platform export files (named on the CLI, or folders of them).

    ``partial``: the exports were filtered (some partners or trade modes only); they update
    only the figures they carry.
    """
    period_range = (parse_month(start), parse_month(end)) if start and end else None
    run = Run("ingest", locate(warehouse))  # resolved once, here at the edge
    files = expand_paths(paths)
    run.progress.plan([p.name for p in files], unit="file")
    docs = (  # read lazily: a batch's bytes at a time, not the whole folder up front
        read_export(
            p,
            flow=flow_hint,
            commodity_code=commodity,
            period_range=period_range,
            partial=partial,
        )
        for p in files
    )
    run.process(batches_of(docs, "ingest", files=True))
    return run.finish()


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
    commodity: list[str] | None = None,
) -> State:
    """Every month from ``start`` to ``end`` (YYYY-MM) of each source (default: the automated
    ones); re-running resumes (loaded documents are no-ops). ``commodity``: only these (HS6
    codes or catalogue keys), for sources that can narrow their pulls."""
    sources = publishers(source)
    months = month_range(start, end)
    narrowed = commodity_filters(sources, commodity)
    where = locate(warehouse)  # resolved once, here at the edge
    guard_sample(sources, where, allow_sample)
    run = Run("backfill", where, allow_sample)
    run.progress.plan([month_unit(each, m) for each in sources for m in months])
    for each in sources:
        _fetch_and_load(run, each, months, "nothing published", narrowed.get(each.name, ()))
    return run.finish()


def poll(
    kind: str,
    sources: list[Publisher],
    period: str | None,
    warehouse: Location,
    allow_sample: bool,
    commodity: list[str] | None = None,
) -> State:
    """One month of each source, or — with no period — every month due and missing."""
    narrowed = commodity_filters(sources, commodity)
    guard_sample(sources, warehouse, allow_sample)
    run = Run(kind, warehouse, allow_sample)
    today = shanghai_today()
    wanted: list[tuple[Publisher, list[date]]] = []
    for each in sources:
        if period is not None:
            months = [parse_month(period)]
        else:
            months = missing_months(each, each.due_months(today), held_months(each, warehouse))
            if not months:
                run.notes.append(f"{each.name}: every month due is already loaded")
        wanted.append((each, months))
    run.progress.plan([month_unit(each, m) for each, months in wanted for m in months])
    for each, months in wanted:
        _fetch_and_load(run, each, months, "not published yet", narrowed.get(each.name, ()))
    return run.finish()


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
    commodity: list[str] | None = None,
) -> State:
    """One month (``period``) of each source, or every month due and missing (no period).

    Without ``source``: the automated sources, as the schedule polls them. ``commodity``: as
    for ``backfill_flow``.
    """
    return poll("monthly", publishers(source), period, locate(warehouse), allow_sample, commodity)


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
    return poll("scheduled-monthly", publishers(sources), None, locate(warehouse), False)
