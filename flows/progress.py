"""How far a run is: live counts for people and the Prefect UI, the run summary, a clean Ctrl-C.

A ``Tracker`` belongs to one run (``flows.run_engine.Run``). The run tells it what it plans (the
months of a backfill, the files of an ingest) and which batches it fetched, prepared and
loaded; the tracker counts, estimates what is left (documents per month so far × months left)
and tells

* whoever watches in this process (``watching``): the terminal reporters of ``flows.terminal``;
* the Prefect UI: a progress artifact ``<flow>-progress`` on the flow run, created once more
  than one document is expected and updated at most once a second and at the end.

Ctrl-C is ``flows.interrupts``' job; the tracker only reports what a stopped run did not do.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Protocol
from uuid import UUID

from customs_etl.core.models import Outcome, Status
from customs_etl.core.summary import (
    DocumentResult,
    QuarantinedDocument,
    RunState,
    RunSummary,
    StatusCounts,
)

ARTIFACT_EVERY_SECONDS = 1.0  # the Prefect progress artifact is updated at most this often

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Snapshot:
    """The counts at one moment (immutable: listeners may keep it and read it later)."""

    kind: str
    unit: str  # what the plan counts: "month" or "file"
    planned: int  # units planned (0: no plan)
    units_done: int
    fetched: int  # documents fetched or read
    prepared: int  # documents parsed and validated
    counts: dict[str, int]  # documents decided, by status
    rows: int  # rows loaded
    elapsed: float
    expected: int | None  # documents expected in all; None before anything was fetched
    estimated: bool  # ``expected`` extrapolates from the units fetched so far
    activity: str = ""
    finished: bool = False

    @property
    def done(self) -> int:
        return sum(self.counts.values())

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def percent(self) -> float | None:
        if self.expected is None:
            return None
        if self.expected == 0:
            return 100.0 if self.finished else 0.0
        return min(100.0, 100.0 * self.done / self.expected)

    @property
    def eta_seconds(self) -> float | None:
        """Seconds left at the pace so far (documents decided per second since the start)."""
        if self.expected is None or not self.done or self.elapsed <= 0:
            return None
        return max(0, self.expected - self.done) * self.elapsed / self.done

    def of_expected(self) -> str:
        """``9/21``, ``9/~21`` while the total is an estimate, ``9/?`` before any fetch."""
        if self.expected is None:
            return f"{self.done}/?"
        return f"{self.done}/{'~' if self.estimated else ''}{max(self.expected, self.done)}"


class Listener(Protocol):
    """Told every change; ``finished`` holds the documents just decided (in order)."""

    def update(self, snapshot: Snapshot, finished: Sequence[Outcome] = ()) -> None: ...


_listeners: list[Listener] = []
_listeners_lock = threading.Lock()


@contextmanager
def watching(listener: Listener) -> Iterator[None]:
    """Tell ``listener`` about every run in this process while the block runs."""
    with _listeners_lock:
        _listeners.append(listener)
    try:
        yield
    finally:
        with _listeners_lock:
            _listeners.remove(listener)


def clock(seconds: float | None) -> str:
    """``0:03:07``; ``--:--`` when unknown."""
    if seconds is None:
        return "--:--"
    whole = round(seconds)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


@dataclass
class Tracker:
    """The counts of one run; thread-safe (the prepare thread reports too)."""

    kind: str
    artifact_key: str | None = None  # None: no Prefect progress artifact
    unit: str = "month"
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    _t0: float = field(default_factory=time.perf_counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _planned: list[str] = field(default_factory=list)
    _done_units: Counter[str] = field(default_factory=Counter)
    _units_seen: int = 0
    _fetched: int = 0
    _prepared: int = 0
    _counts: Counter[str] = field(default_factory=Counter)
    _rows: int = 0
    _activity: str = ""
    _artifact_id: UUID | None = None
    _artifact_at: float = 0.0
    _artifact_broken: bool = False

    # ------------------------------------------------------------------ what the run reports

    def plan(self, units: Sequence[str], unit: str | None = None) -> None:
        """The work units of the run (``sample 2024-03``, a file name), known up front."""
        with self._lock:
            self._planned += list(units)
            self.unit = unit or self.unit
        self._emit()

    def doing(self, activity: str) -> None:
        with self._lock:
            self._activity = activity
        self._emit(publish=False)

    def fetched(self, documents: int, units: Sequence[str] = ()) -> None:
        """A batch arrived (``units``: the work units it completes once loaded)."""
        with self._lock:
            self._fetched += documents
            self._units_seen += len(units)
        self._emit()

    def skipped(self, unit: str) -> None:
        """A unit with nothing to load (a month not published): done as soon as fetched."""
        with self._lock:
            self._units_seen += 1
            self._done_units[unit] += 1
        self._emit()

    def prepared(self, documents: int) -> None:
        """Called from the prepare thread when a batch is parsed and validated."""
        with self._lock:
            self._prepared += documents
        self._emit(publish=False)

    def loaded(self, outcomes: Sequence[Outcome], units: Sequence[str]) -> None:
        """A batch's documents decided and committed; its units are done."""
        with self._lock:
            for o in outcomes:
                self._counts[str(o.status)] += 1
                if o.status == Status.LOADED:
                    self._rows += o.rows
            self._done_units.update(units)
        self._emit(finished=outcomes)

    # ------------------------------------------------------------------ what others read

    def not_done(self) -> list[str]:
        """Planned units not (or not completely) loaded, in plan order."""
        with self._lock:
            left = Counter(self._done_units)
            missing = []
            for unit in self._planned:
                if left[unit] > 0:
                    left[unit] -= 1
                else:
                    missing.append(unit)
            return missing

    def snapshot(self, finished: bool = False) -> Snapshot:
        with self._lock:
            return self._snapshot(finished)

    def _snapshot(self, finished: bool) -> Snapshot:
        planned = len(self._planned)
        expected: int | None
        estimated = False
        if not planned:
            expected = self._fetched if (self._fetched or finished) else None
        elif self._units_seen == 0:
            expected = 0 if finished else None
        else:
            left = max(0, planned - self._units_seen)
            expected = self._fetched + round(left * self._fetched / self._units_seen)
            estimated = left > 0  # an interrupted run ends with months never fetched
        if finished:
            expected = max(expected or 0, sum(self._counts.values()))
        return Snapshot(
            kind=self.kind,
            unit=self.unit,
            planned=planned,
            units_done=sum(self._done_units.values()),
            fetched=self._fetched,
            prepared=self._prepared,
            counts={str(s): self._counts[str(s)] for s in Status if self._counts[str(s)]},
            rows=self._rows,
            elapsed=time.perf_counter() - self._t0,
            expected=expected,
            estimated=estimated,
            activity=self._activity,
            finished=finished,
        )

    def summary(
        self,
        outcomes: Sequence[Outcome],
        notes: Sequence[str],
        newest: dict[str, date],
        state: RunState,
        run_name: str | None = None,
        run_id: str | None = None,
        warehouse: str | None = None,
        data_docs: str | None = None,
    ) -> RunSummary:
        """The run's summary (``core.summary``), from its outcomes and the warehouse's newest
        period per source; ``warehouse`` and ``data_docs`` name what the run wrote."""
        elapsed = time.perf_counter() - self._t0
        rows = sum(o.rows for o in outcomes if o.status == Status.LOADED)
        by_source = {source: f"{month:%Y-%m}" for source, month in sorted(newest.items())}
        return RunSummary(
            flow=self.kind,
            run_name=run_name,
            run_id=run_id,
            state=state,
            started_at=self.started_at,
            finished_at=datetime.now(UTC),
            seconds=round(elapsed, 3),
            counts=StatusCounts.of(list(outcomes)),
            rows=rows,
            rows_per_second=round(rows / elapsed, 1) if elapsed > 0 else 0.0,
            periods=sorted({o.period for o in outcomes}),
            quarantined=[
                QuarantinedDocument(id=o.release_id, file=o.name, period=o.period, reason=o.message)
                for o in outcomes
                if o.status == Status.QUARANTINED
            ],
            newest_period=max(by_source.values()) if by_source else None,
            newest_period_by_source=by_source,
            not_done=self.not_done() if state == "interrupted" else [],
            notes=list(notes),
            documents=[DocumentResult.of(o) for o in outcomes],
            warehouse=warehouse,
            data_docs=data_docs,
        )

    def close(self) -> Snapshot:
        """The run ended: last artifact update, listeners told."""
        final = self.snapshot(finished=True)
        self._publish(final, force=True)
        self._tell(final, ())
        return final

    # ------------------------------------------------------------------ telling others

    def _emit(self, finished: Sequence[Outcome] = (), publish: bool = True) -> None:
        snap = self.snapshot()
        self._tell(snap, finished)
        if publish:
            self._publish(snap)

    @staticmethod
    def _tell(snap: Snapshot, finished: Sequence[Outcome]) -> None:
        with _listeners_lock:
            listeners = list(_listeners)
        for listener in listeners:
            try:
                listener.update(snap, finished)
            except Exception as exc:  # a broken terminal (a closed pipe) never stops a load
                log.warning("progress not shown: %s: %s", type(exc).__name__, exc)

    def _publish(self, snap: Snapshot, force: bool = False) -> None:
        """The Prefect progress artifact: only for runs of more than one document, at most
        once a second; it never fails a run."""
        if self.artifact_key is None or self._artifact_broken:
            return
        if self._artifact_id is None and (snap.expected or 0) < 2:
            return
        now = time.monotonic()
        if not force and self._artifact_id is not None and now - self._artifact_at < (
            ARTIFACT_EVERY_SECONDS
        ):
            return
        percent = round(snap.percent or 0.0, 1)
        description = describe(snap)
        try:
            from prefect.artifacts import create_progress_artifact, update_progress_artifact

            if self._artifact_id is None:
                self._artifact_id = create_progress_artifact(
                    progress=percent, key=self.artifact_key, description=description
                )
            else:
                update_progress_artifact(self._artifact_id, percent, description=description)
            self._artifact_at = now
        except Exception as exc:  # progress is for people; the load matters more
            self._artifact_broken = True
            log.warning("progress artifact not updated: %s: %s", type(exc).__name__, exc)


def describe(snap: Snapshot) -> str:
    """One line of counts, for the Prefect artifact and plain logs."""
    counts = ", ".join(
        f"{snap.counts.get(s, 0)} {s}" for s in ("loaded", "unchanged", "quarantined")
    )
    eta = "" if snap.finished else f", ETA {clock(snap.eta_seconds)}"
    return (
        f"{snap.kind}: {snap.of_expected()} documents ({counts}); "
        f"{snap.rows:,} rows, {snap.rows_per_second:,.0f} rows/s{eta}"
    )
