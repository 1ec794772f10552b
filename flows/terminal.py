"""What a person sees while a run works (rendering only; the counts are ``flows.progress``'s).

* On a terminal: a live display, redrawn four times a second — a bar with the share of
  documents decided, documents fetched / prepared / loaded / unchanged / quarantined, rows,
  rows per second, ETA and what the run is doing now; it disappears when the run ends.
* Anywhere else (CI logs, pipes, files): one plain line per finished document.
* ``--quiet``: nothing while the run works.
* ``--verbose``: also the flow and task runs' logs (``run_logs``), one line each.

All of it goes to stdout, before the outcome table: stderr keeps the CLI's contract of one
line per error. The first Ctrl-C's notice goes to stderr at once (the live display shows it).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from types import TracebackType

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from customs_etl.core.models import Outcome, Status
from customs_etl.flows.interrupts import stop_requested
from customs_etl.flows.progress import Snapshot, clock

STOPPING = (
    "Ctrl-C: stopping after the load in progress commits — "
    "press Ctrl-C again to abort now (that load is rolled back)"
)


def is_tty(console: Console) -> bool:
    """A real terminal (not FORCE_COLOR in a CI log): the console's file is a TTY."""
    try:
        return console.file.isatty()
    except (AttributeError, ValueError, OSError):
        return False


class Reporter:
    """Nothing while the run works (``--quiet``); the base of the others."""

    def __init__(self, console: Console) -> None:
        self.console = console

    def update(self, snapshot: Snapshot, finished: Sequence[Outcome] = ()) -> None:
        pass

    def __enter__(self) -> Reporter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        pass

    @property
    def stop_notice(self) -> str | None:
        """What the first Ctrl-C writes to stderr (None: the reporter shows it itself)."""
        return f"\n{STOPPING}\n"


def plain_line(snapshot: Snapshot, outcome: Outcome, position: int) -> str:
    """``[9/~21] loaded 2024-09 file.csv (58 rows) · 43% · 612 rows/s · ETA 0:00:11``

    ``position``: the document's number in the run (a batch's documents share a snapshot).
    """
    total = snapshot.of_expected().partition("/")[2]
    percent = snapshot.percent
    share = f" · {percent:.0f}%" if percent is not None else ""
    rows = f" ({outcome.rows:,} rows)" if outcome.rows else ""
    why = f": {outcome.message}" if outcome.status == Status.QUARANTINED and outcome.message else ""
    return (
        f"[{position}/{total}] {outcome.status} {outcome.period} {outcome.name}{rows}{why}"
        f"{share} · {snapshot.rows_per_second:,.0f} rows/s · ETA {clock(snapshot.eta_seconds)}"
    )


class PlainLines(Reporter):
    """One line per finished document, for logs."""

    def update(self, snapshot: Snapshot, finished: Sequence[Outcome] = ()) -> None:
        first = snapshot.done - len(finished) + 1
        for offset, outcome in enumerate(finished):
            line = plain_line(snapshot, outcome, first + offset)
            self.console.print(line, highlight=False, markup=False, soft_wrap=True)


class LiveDisplay(Reporter):
    """The live terminal display (transient: the outcome table follows it)."""

    def __init__(self, console: Console) -> None:
        super().__init__(console)
        self._snapshot: Snapshot | None = None
        self._live = Live(
            console=console,
            get_renderable=self._render,
            refresh_per_second=4,
            transient=True,
            # Stray prints and log lines (redirected by default) go above the display.
        )

    @property
    def stop_notice(self) -> str | None:
        return None

    def update(self, snapshot: Snapshot, finished: Sequence[Outcome] = ()) -> None:
        self._snapshot = snapshot

    def __enter__(self) -> LiveDisplay:
        self._live.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._live.stop()

    def _render(self) -> RenderableType:
        return render(self._snapshot, stopping=stop_requested())


def render(snap: Snapshot | None, stopping: bool = False) -> RenderableType:
    """The live display for one snapshot."""
    if snap is None:
        return Text("starting: Prefect API and flow run…", style="dim")
    head = Table.grid(padding=(0, 1))
    percent = snap.percent
    head.add_row(
        Text(snap.kind, style="bold"),
        ProgressBar(
            total=snap.expected if snap.expected else None,
            completed=snap.done,
            width=30,
        ),
        Text(f"{percent:3.0f}%" if percent is not None else "  ?%"),
        Text(f"{snap.of_expected()} documents"),
        Text(f"· {clock(snap.elapsed)} elapsed · ETA {clock(snap.eta_seconds)}", style="dim"),
    )
    counts = Text()
    counts.append(f"fetched {snap.fetched} · prepared {snap.prepared} · ")
    counts.append(f"loaded {snap.counts.get('loaded', 0)}", style="green")
    counts.append(f" · unchanged {snap.counts.get('unchanged', 0)} · ")
    quarantined = snap.counts.get("quarantined", 0)
    counts.append(f"quarantined {quarantined}", style="red" if quarantined else "")
    counts.append(f" · {snap.rows:,} rows · {snap.rows_per_second:,.0f} rows/s")
    if snap.planned:
        counts.append(f" · {snap.units_done}/{snap.planned} {snap.unit}s", style="dim")
    lines: list[RenderableType] = [head, counts]
    if snap.activity:
        lines.append(Text(snap.activity, style="dim", overflow="ellipsis", no_wrap=True))
    if stopping:
        lines.append(Text(STOPPING, style="bold yellow"))
    return Group(*lines)


def reporter_for(console: Console, quiet: bool = False) -> Reporter:
    """The reporter for this console: live on a terminal, plain lines elsewhere, or none."""
    if quiet:
        return Reporter(console)
    return LiveDisplay(console) if is_tty(console) else PlainLines(console)


RUN_LOGGERS = ("prefect.flow_runs", "prefect.task_runs")  # what get_run_logger() writes to


class RunLogLines(logging.Handler):
    """``--verbose``: each log record of the flow and task runs as one plain line (the run's
    name first, as the Prefect UI shows it), on the console the run reports to."""

    def __init__(self, console: Console) -> None:
        super().__init__(logging.INFO)
        self.console = console

    def emit(self, record: logging.LogRecord) -> None:
        try:
            run = getattr(record, "task_run_name", None) or getattr(record, "flow_run_name", "")
            self.console.print(
                f"{record.levelname.lower()}: {run}: {record.getMessage()}",
                highlight=False,
                markup=False,
                soft_wrap=True,
            )
        except Exception:
            self.handleError(record)


@contextmanager
def run_logs(console: Console, verbose: bool) -> Iterator[None]:
    """Show the runs' INFO logs while the block runs (default: quiet, the logs still go to
    the Prefect API); the loggers' levels are restored after."""
    if not verbose:
        yield
        return
    handler = RunLogLines(console)
    saved = [(logging.getLogger(name), logging.getLogger(name).level) for name in RUN_LOGGERS]
    for logger, _ in saved:
        logger.setLevel(logging.INFO)
        logger.addHandler(handler)
    try:
        yield
    finally:
        for logger, level in saved:
            logger.removeHandler(handler)
            logger.setLevel(level)
