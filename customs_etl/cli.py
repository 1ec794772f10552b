"""The ``customs-etl`` command line: a stable contract (scripts depend on it).

Every failure a user can cause ends with one line on stderr and a non-zero exit, never a
traceback. Pipeline commands run as Prefect flows (an ephemeral API when no server is set).
The CLI holds no SQL: it calls flows, pipeline steps, the warehouse and the reports.
"""

from __future__ import annotations

import os
import sys
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from customs_etl.core.errors import CustomsEtlError
from customs_etl.core.models import Status
from customs_etl.publishers.registry import cli_names

if TYPE_CHECKING:  # annotations only: the commands import what they use when they run
    from customs_etl.core.summary import DocumentResult, QuarantinedDocument, RunSummary
    from customs_etl.pipeline.failing_rows import RowValues
    from customs_etl.warehouse.releases import StoredRelease

# Prefect's defaults for a command-line run, applied in ``main`` (never at import time), each
# only when the user has not set it.
PREFECT_DEFAULTS = {
    # Quiet Prefect's per-task INFO chatter on the terminal unless the user asked for it.
    "PREFECT_LOGGING_LEVEL": "WARNING",
    # Failed tasks would print Prefect's traceback before our one-line error: keep the
    # console to CRITICAL (runs still send their logs to the API, where details belong).
    "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL": "CRITICAL",
    # A first start of Prefect's temporary API migrates its database: give slow machines time.
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    # The pipeline makes no network calls but to its sources: no telemetry from the server.
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    # ... nor from the client SDK, whose first-run notice would also land in the middle of
    # the live progress display on a terminal.
    "DO_NOT_TRACK": "1",
}


def prefect_environment() -> None:
    """Set Prefect's command-line defaults and create PREFECT_HOME (its SQLite cannot)."""
    for name, value in PREFECT_DEFAULTS.items():
        os.environ.setdefault(name, value)
    if os.environ.get("PREFECT_HOME"):
        os.makedirs(os.path.expanduser(os.environ["PREFECT_HOME"]), exist_ok=True)


# -h beside --help on the app and every command (subcommands inherit the context's names).
CONTEXT = {"help_option_names": ["-h", "--help"]}
app = typer.Typer(
    add_completion=True,  # --install-completion / --show-completion (bash, zsh, fish, pwsh)
    no_args_is_help=True,
    context_settings=CONTEXT,
    help="China customs releases → validated DuckDB warehouse → reports.",
)
quarantine_app = typer.Typer(
    no_args_is_help=True, context_settings=CONTEXT, help="Review quarantined documents."
)
app.add_typer(quarantine_app, name="quarantine")
out = Console()
err = Console(stderr=True)

WarehouseOpt = Annotated[
    str | None,
    typer.Option(
        "--warehouse",
        help="DuckDB file, or a DuckLake: ducklake:postgres:dbname=… host=… user=… (default "
        "$CUSTOMS_ETL_WAREHOUSE or data/warehouse.duckdb)",
    ),
]
SourcesOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--source",
        help=f"{', '.join(cli_names())} (repeatable; default: the automated sources, "
        "as the schedule polls them — never the modeled sample)",
    ),
]
CommodityOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--commodity",
        help="Only this commodity (repeatable), for sources that can filter: comtrade takes "
        "HS6 codes (850511) or catalogue keys (gallium)",
    ),
]
AllowSampleOpt = Annotated[
    bool,
    typer.Option(
        "--allow-sample",
        help="Load the partly MODELED sample even into a warehouse that holds real releases",
    ),
]
QuietOpt = Annotated[
    bool,
    typer.Option("--quiet", "-q", help="Print only the final summary line and errors"),
]
VerboseOpt = Annotated[
    bool,
    typer.Option(
        "--verbose", "-v", help="Also show the Prefect flow run's name and its logs as it runs"
    ),
]
SummaryJsonOpt = Annotated[
    Path | None,
    typer.Option(
        "--summary-json",
        metavar="FILE",
        help="Also write the run summary (counts, rows, periods, quarantines) as JSON",
    ),
]


class Format(StrEnum):
    text = "text"
    markdown = "markdown"
    json = "json"


class Flow(StrEnum):
    export = "export"
    import_ = "import"


def examples(*lines: str) -> str:
    """A command's help epilog: shell lines a newcomer can copy (no [brackets]: Rich markup)."""
    return "Examples:\n\n" + "\n".join(f"  $ customs-etl {line}" for line in lines)


def package_version() -> str:
    """The installed distribution's version (package metadata, as pip reports it)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("customs-etl")
    except PackageNotFoundError:  # a checkout on sys.path without an install
        from customs_etl import __version__

        return __version__


def _print_version(value: bool) -> None:
    if value:
        _say(out, f"customs-etl {package_version()}")
        raise typer.Exit()


@app.callback()
def _app_options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version and exit"
        ),
    ] = False,
) -> None:
    """China customs releases → validated DuckDB warehouse → reports."""


def _fail(message: str, code: int = 1) -> NoReturn:
    from customs_etl.warehouse.location import redact

    err.print(f"error: {redact(message)}", highlight=False, markup=False, soft_wrap=True)
    raise typer.Exit(code)


STATUS_STYLES = {Status.LOADED: "green", Status.UNCHANGED: "dim", Status.QUARANTINED: "red"}


def _outcome_table(title: str, outcomes: list[DocumentResult]) -> None:
    table = Table(title=title)
    for column in ("period", "file", "status", "rows", "warnings", "seconds"):
        table.add_column(
            column, justify="right" if column in ("rows", "warnings", "seconds") else "left"
        )
    for o in outcomes:
        style = STATUS_STYLES.get(o.status)
        table.add_row(
            o.period,
            o.file,
            str(o.status),
            str(o.rows),
            str(o.warnings),
            f"{o.seconds:.2f}",
            style=style,
        )
    out.print(table)


def _say(console: Console, text: str) -> None:
    console.print(text, highlight=False, markup=False, soft_wrap=True)


def _check_writable(
    path: Path | None, option: str = "--summary-json", *, makes_folders: bool = False
) -> None:
    """An output file's folder must exist and be writable before the work starts (a run's
    Prefect start-up, a report's queries), not after it; ``makes_folders``: the writer creates
    missing folders, so the nearest existing one must be a writable folder."""
    if path is None:
        return
    if path.is_dir():
        _fail(f"{option} {path}: is a folder; give a file name", 2)
    folder = path.parent
    while makes_folders and not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not (folder.is_dir() and os.access(folder, os.W_OK)):
        _fail(f"{option} {path}: folder {folder} does not exist or is not writable", 2)


def _month(period: str) -> date:
    """A month option: YYYY-MM, anything else a usage error (exit 2)."""
    from customs_etl.core.months import NotAMonth, parse_month

    try:
        return parse_month(period)
    except NotAMonth as exc:
        _fail(str(exc), 2)


def _check_months(*months: str | None, ordered: bool = False) -> None:
    """Each month given is YYYY-MM and, ``ordered``, the first is not after the second: usage
    errors (exit 2), refused before Prefect starts."""
    from customs_etl.core.months import NotAMonth, month_range

    given = [_month(m) for m in months if m is not None]
    if ordered and len(given) == 2:
        try:
            month_range(*given)
        except NotAMonth as exc:
            _fail(str(exc), 2)


def _write_summary(path: Path, summary: RunSummary) -> None:
    """The JSON replaces the file at once (a reader never sees half of it)."""
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        temporary.write_text(summary.model_dump_json(indent=2) + "\n", encoding="utf-8")
        temporary.replace(path)
    except OSError as exc:
        _fail(f"--summary-json {path}: cannot write ({exc.strerror or exc})")


def _interrupted(summary: RunSummary) -> str:
    left = summary.not_done
    shown = left[0] if len(left) == 1 else f"{left[0]} … {left[-1]}"
    return (
        "interrupted (Ctrl-C): stopped after the last committed load, nothing is half loaded; "
        f"not done ({len(left)}): {shown}; run the same command again to resume"
    )


def _run_flow(
    kind: str,
    *,
    quiet: bool = False,
    verbose: bool = False,
    summary_json: Path | None = None,
    **params: object,
) -> None:
    from customs_etl.warehouse.location import locate

    if quiet and verbose:
        _fail("--quiet and --verbose exclude each other", 2)

    # A bad --warehouse (a password in it above all) is refused before it becomes a flow
    # parameter the Prefect API stores; an unwritable one before Prefect's start-up.
    locate(params.get("warehouse")).check_writable()  # type: ignore[arg-type]
    _check_writable(summary_json)
    from customs_etl.flows import temporary_api

    # Without a configured API, Prefect's temporary one boots on the other core while the
    # flows (Prefect, Great Expectations: ~5 s) import below.
    api = temporary_api.spawn()
    from customs_etl.flows import interrupts, progress  # Prefect only for pipeline commands
    from customs_etl.flows.catalog import FLOWS
    from customs_etl.flows.terminal import reporter_for, run_logs

    temporary_api.adopt(api)

    reporter = reporter_for(out, quiet)  # stdout: stderr keeps the one-line error contract
    try:
        with (
            reporter,
            run_logs(out, verbose),
            progress.watching(reporter),
            interrupts.interruptible(reporter.stop_notice),
        ):
            state = FLOWS[kind](**params, return_state=True)
    except KeyboardInterrupt:
        _say(
            err,
            "aborted (Ctrl-C): a load in progress was rolled back, nothing is half loaded; "
            "run the same command again to resume",
        )
        raise
    summary = state.result(raise_on_failure=False)
    if isinstance(summary, BaseException):
        if isinstance(summary, CustomsEtlError | ValueError):
            _fail(str(summary))
        raise summary
    documents = summary.documents
    if not quiet:
        if documents:
            _outcome_table(f"{kind}: {state.message or state.name}", documents)
        elif state.message:
            out.print(state.message, highlight=False)
        for o in documents:
            if o.status == Status.LOADED and o.message:
                note = "warning" if o.warnings else "note"
                _say(out, f"{note}: {o.file}: {o.message}")
            for line in o.large_revisions:
                _say(out, f"large revision: {o.file}: {line}")
    if verbose:
        _say(out, f"Prefect flow run: {summary.run_name} ({summary.run_id})")
    _say(out, summary.line())
    for q in summary.quarantined:
        _say(err, _quarantined_line(q, params.get("warehouse")))  # type: ignore[arg-type]
    for o in documents:
        if o.status == Status.REFUSED:
            _say(err, f"refused: {o.message}")
    if summary_json is not None:
        _write_summary(summary_json, summary)
    if summary.state == "interrupted":
        _say(err, _interrupted(summary))
        raise typer.Exit(130)
    if summary.quarantined or summary.counts.refused or not state.is_completed():
        raise typer.Exit(1)


def _show_command(release_id: str, warehouse: str | None) -> str:
    """The command that shows a quarantined document, runnable as printed."""
    import shlex

    from customs_etl.warehouse.location import redact

    where = f" --warehouse {shlex.quote(redact(str(warehouse)))}" if warehouse else ""
    return f"customs-etl quarantine show {release_id[:SHORT_ID]}{where}"


def _quarantined_line(q: QuarantinedDocument, warehouse: str | None) -> str:
    """One line per held-back document: why, its id, and the command to review it."""
    return (
        f"quarantined: {q.reason} (id {q.id[:SHORT_ID]}; next: "
        f"{_show_command(q.id, warehouse)})"
    )


def _check_sources(names: list[str] | None, commodity: list[str] | None = None) -> None:
    """Unknown sources (exit 1), and ``--commodity`` values a source cannot honour (exit 2):
    one line, before Prefect starts."""
    from customs_etl.core.errors import BadArgument
    from customs_etl.publishers.registry import all_publishers, publishers

    chosen = publishers(names, registered=False)
    if not commodity:
        return
    unable = [p.cli_name for p in chosen if not p.filters_commodities]
    if unable:
        every = all_publishers(registered=False).values()
        able = [p.cli_name for p in every if p.filters_commodities]
        _fail(
            f"--commodity: {', '.join(unable)} cannot filter by commodity; only "
            f"{', '.join(able)} can (add --source {able[0]})",
            2,
        )
    try:
        for each in chosen:
            each.commodity_filter(commodity)
    except BadArgument as exc:
        _fail(str(exc), 2)


@app.command(
    epilog=examples(
        "ingest downloads/export-85051110-202507.csv",
        "ingest downloads/ --flow export --warehouse data/warehouse.duckdb",
    )
)
def ingest(
    paths: Annotated[list[str], typer.Argument(help="Export files or folders of *.csv")],
    flow: Annotated[
        Flow | None, typer.Option(help="export or import, if the name lacks it")
    ] = None,
    commodity: Annotated[str | None, typer.Option(help="8-digit tariff line, if no column")] = None,
    start: Annotated[
        str | None, typer.Option(help="cumulative export: first month YYYY-MM")
    ] = None,
    end: Annotated[str | None, typer.Option(help="cumulative export: last month YYYY-MM")] = None,
    partial: Annotated[
        bool,
        typer.Option(
            "--partial",
            help="The query was filtered (some partners or trade modes): update only what "
            "the files carry",
        ),
    ] = False,
    warehouse: WarehouseOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
    summary_json: SummaryJsonOpt = None,
) -> None:
    """Ingest query-platform CSV exports downloaded from stats.customs.gov.cn."""
    from customs_etl.publishers.gacc_query.files import expand_paths

    _check_months(start, end, ordered=True)
    expand_paths(paths)  # a missing file or folder is one line, before Prefect starts
    _run_flow(
        "ingest",
        paths=paths,
        warehouse=warehouse,
        flow_hint=None if flow is None else flow.value,
        commodity=commodity,
        start=start,
        end=end,
        partial=partial,
        quiet=quiet,
        verbose=verbose,
        summary_json=summary_json,
    )


@app.command(epilog=examples("run", "run --period 2025-06 --source gacc-bulletin"))
def run(
    period: Annotated[
        str | None,
        typer.Option(help="Month YYYY-MM (default: every month due and not loaded yet)"),
    ] = None,
    source: SourcesOpt = None,
    commodity: CommodityOpt = None,
    allow_sample: AllowSampleOpt = False,
    warehouse: WarehouseOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
    summary_json: SummaryJsonOpt = None,
) -> None:
    """One monthly run (what the schedule does): the newest month due and any gap before it."""
    _check_months(period)
    _check_sources(source, commodity)
    _run_flow(
        "monthly",
        source=source,
        commodity=commodity,
        period=period,
        warehouse=warehouse,
        allow_sample=allow_sample,
        quiet=quiet,
        verbose=verbose,
        summary_json=summary_json,
    )


@app.command(
    epilog=examples(
        "backfill --source sample --start 2024-01 --end 2025-07",
        "backfill --source comtrade --start 2025-01 --end 2025-06 --commodity 850511",
    )
)
def backfill(
    start: Annotated[str, typer.Option(help="First month YYYY-MM")],
    end: Annotated[str, typer.Option(help="Last month YYYY-MM")],
    source: SourcesOpt = None,
    commodity: CommodityOpt = None,
    allow_sample: AllowSampleOpt = False,
    warehouse: WarehouseOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
    summary_json: SummaryJsonOpt = None,
) -> None:
    """Every month of a range; safe to re-run (loaded documents are no-ops)."""
    _check_months(start, end, ordered=True)
    _check_sources(source, commodity)
    _run_flow(
        "backfill",
        source=source,
        commodity=commodity,
        start=start,
        end=end,
        warehouse=warehouse,
        allow_sample=allow_sample,
        quiet=quiet,
        verbose=verbose,
        summary_json=summary_json,
    )


@app.command(
    epilog=examples(
        "report --period 2025-07",
        "report --period 2025-07 --commodity gallium --format markdown --chart brief.png",
    )
)
def report(
    period: Annotated[str, typer.Option(help="Month YYYY-MM")],
    commodity: Annotated[str, typer.Option(help="Tariff line or friendly name")] = "85051110",
    fmt: Annotated[Format, typer.Option("--format")] = Format.text,
    flow: Annotated[
        Flow | None, typer.Option(help="export or import (default: the commodity's, else export)")
    ] = None,
    focus: Annotated[
        list[str] | None,
        typer.Option(
            "--focus",
            help="Partner (ISO code) to report on by name (repeatable; default: the "
            "commodity's catalogue entry)",
        ),
    ] = None,
    chart: Annotated[
        Path | None,
        typer.Option("--chart", help="Also draw the last 24 months as a PNG (markdown embeds it)"),
    ] = None,
    warehouse: WarehouseOpt = None,
) -> None:
    """The news-desk brief for one month: totals, changes, YTD, partners."""
    _check_writable(chart, "--chart", makes_folders=True)
    from customs_etl.reports.commodities import report_options, resolve_report_commodity
    from customs_etl.reports.news import build_report, choose_series, render
    from customs_etl.warehouse.db import reader

    month = _month(period)
    _, _, default_flow, default_focus = resolve_report_commodity(commodity)
    chosen = flow.value if flow is not None else default_flow or "export"
    with reader(warehouse) as con:
        # a line, or an entry's lines, read with its month in one query
        series, world = choose_series(con, report_options(commodity), month, chosen)
        data = build_report(con, month, series, chosen, focus or default_focus, world)
        label = series.label
        if chart is not None:
            from customs_etl.reports.charts import write_chart

            write_chart(con, month, series, chart, chosen, label)
    out.print(
        render(data, fmt.value, label, chart_path=chart),
        highlight=False,
        markup=False,
        soft_wrap=True,
    )


@app.command(
    epilog=examples(
        "mirror --period 2025-03 --commodity 850511",
        "mirror --period 2025-03 --commodity rare-earth-magnets --format json",
    )
)
def mirror(
    period: Annotated[str, typer.Option(help="Month YYYY-MM")],
    commodity: Annotated[
        str, typer.Option(help="HS6 code (850511) or watchlist entry (its HS6 codes summed)")
    ],
    fmt: Annotated[Format, typer.Option("--format")] = Format.text,
    warehouse: WarehouseOpt = None,
) -> None:
    """China's reported exports against each partner's reported imports from China (Comtrade)."""
    from customs_etl.core.catalogue import resolve_commodity
    from customs_etl.reports.mirror import build_mirror, render
    from customs_etl.warehouse.db import reader

    month = _month(period)
    spec = resolve_commodity(commodity)
    if not spec.hs6:
        _fail(f"{commodity!r} has no HS6 code: mirror compares UN Comtrade HS6 lines", 2)
    with reader(warehouse) as con:
        report = build_mirror(con, month, spec.hs6)
    out.print(render(report, fmt.value), highlight=False, markup=False, soft_wrap=True)


@app.command(
    epilog=examples(
        "watchlist --period 2025-03",
        "watchlist --period 2025-03 --format markdown",
    )
)
def watchlist(
    period: Annotated[str, typer.Option(help="Month YYYY-MM")],
    fmt: Annotated[Format, typer.Option("--format")] = Format.text,
    warehouse: WarehouseOpt = None,
) -> None:
    """Every watched mineral in one line: tonnes, changes, top partner, largest mirror gap."""
    from customs_etl.reports.watchlist import build_watchlist, render
    from customs_etl.warehouse.db import reader

    month = _month(period)
    with reader(warehouse) as con:
        report = build_watchlist(con, month)
    out.print(render(report, fmt.value), highlight=False, markup=False, soft_wrap=True)


@app.command(epilog=examples("status", "status --format json"))
def status(
    fmt: Annotated[Format, typer.Option("--format")] = Format.text,
    warehouse: WarehouseOpt = None,
) -> None:
    """What the warehouse holds, what is due and late, what waits in quarantine, the last runs
    (read-only, under a second; the Prefect API's runs too when PREFECT_API_URL is set)."""
    from customs_etl.core.months import shanghai_today
    from customs_etl.reports.prefect_runs import last_runs
    from customs_etl.reports.status import build_status, render
    from customs_etl.warehouse.db import reader
    from customs_etl.warehouse.location import locate, redact

    with reader(warehouse) as con:  # read-only, and released before the Prefect API is asked
        data = build_status(con, shanghai_today(), warehouse=redact(str(locate(warehouse))))
    data["prefect"] = last_runs()
    out.print(render(data, fmt.value), highlight=False, markup=False, soft_wrap=True)


@app.command(epilog=examples("schema", "schema --format markdown"))
def schema(
    fmt: Annotated[Format, typer.Option("--format")] = Format.text,
    warehouse: WarehouseOpt = None,
) -> None:
    """The data dictionary: every core and marts table, view and column, with its meaning."""
    from customs_etl.warehouse.dictionary import warehouse_dictionary

    out.print(
        warehouse_dictionary(warehouse, fmt.value), highlight=False, markup=False, soft_wrap=True
    )


class ExportFormat(StrEnum):
    parquet = "parquet"


@app.command(epilog=examples("export --out exports/", "export --out exports/ --history"))
def export(
    out_dir: Annotated[str, typer.Option("--out", help="Folder for the files")],
    fmt: Annotated[ExportFormat, typer.Option("--format")] = ExportFormat.parquet,
    history: Annotated[
        bool, typer.Option("--history", help="Also every vintage: core.observations, revisions")
    ] = False,
    warehouse: WarehouseOpt = None,
) -> None:
    """Marts and core.latest as Parquet (one file each, replaced atomically) + manifest.json."""
    from customs_etl.warehouse.export import export_warehouse

    for path in export_warehouse(warehouse, out_dir, include_history=history):
        out.print(str(path), highlight=False, markup=False)


@app.command(epilog=examples("landing", "landing --location /srv/landing --settle-seconds 10"))
def landing(
    location: Annotated[
        str | None,
        typer.Option(help="Folder or fsspec URL (default $CUSTOMS_ETL_LANDING_URL, data/landing)"),
    ] = None,
    settle_seconds: Annotated[
        float, typer.Option(help="A file must keep its size this long before it is read")
    ] = 5.0,
    warehouse: WarehouseOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
    summary_json: SummaryJsonOpt = None,
) -> None:
    """One poll of the landing folder: ingest settled exports, file them to done/ or failed/."""
    _run_flow(
        "landing",
        location=location,
        warehouse=warehouse,
        settle_seconds=settle_seconds,
        quiet=quiet,
        verbose=verbose,
        summary_json=summary_json,
    )


SHORT_ID = 12  # characters of a release id the CLI and Data Docs show


class ListFormat(StrEnum):
    text = "text"
    json = "json"


@quarantine_app.command("list", epilog=examples("quarantine list", "quarantine list --format json"))
def quarantine_list(
    fmt: Annotated[ListFormat, typer.Option("--format")] = ListFormat.text,
    warehouse: WarehouseOpt = None,
) -> None:
    """Documents held back by validation, newest first (--format json for scripts)."""
    from customs_etl.warehouse.db import reader
    from customs_etl.warehouse.releases import quarantined

    with reader(warehouse) as con:
        rows = quarantined(con)
    if fmt == ListFormat.json:
        _say(out, _quarantine_json(rows, warehouse))
        return
    if not rows:
        out.print("no quarantined documents")
        return
    table = Table(title="quarantined documents")
    for column in ("id", "ingested (UTC)", "file", "reason"):
        table.add_column(column, overflow="fold")
    for rid, at, name, message in rows:
        table.add_row(rid[:SHORT_ID], f"{at:%Y-%m-%d %H:%M}", name, message)
    out.print(table)
    _say(out, f"next: {_show_command('ID', warehouse)}")


def _quarantine_json(rows: list, warehouse: str | None) -> str:
    """The README's "quarantine list --format json" contract."""
    import json

    documents = [
        {
            "id": rid,
            "short_id": rid[:SHORT_ID],
            "file": name,
            "ingested_at": f"{at:%Y-%m-%dT%H:%M:%S}Z",
            "reason": message,
            "show": _show_command(rid, warehouse),
        }
        for rid, at, name, message in rows
    ]
    return json.dumps({"count": len(documents), "documents": documents}, ensure_ascii=False,
                      indent=2)  # fmt: skip


@quarantine_app.command("show", epilog=examples("quarantine show 3f2a9c"))
def quarantine_show(
    release_id: Annotated[str, typer.Argument(help="id or its prefix")],
    warehouse: WarehouseOpt = None,
) -> None:
    """The failing checks of one quarantined document, and the failing rows' values."""
    from customs_etl.warehouse.db import reader
    from customs_etl.warehouse.releases import find_release, reviews_of

    with reader(warehouse) as con:
        stored = find_release(con, release_id)
        reviews = reviews_of(con, stored.doc.sha256)
    doc = stored.doc
    out.print(f"{doc.name}  [{stored.status}]  {doc.sha256}", highlight=False, markup=False)
    out.print(f"reason: {stored.message}", highlight=False, markup=False, soft_wrap=True)
    for action, who, at, why in reviews:
        out.print(
            f"{action} by {who} at {at:%Y-%m-%d %H:%M} UTC: {why}", highlight=False, markup=False
        )
    values = _failing_values(stored)
    if values:
        from customs_etl.pipeline.failing_rows import ROW_MEANING

        _say(out, f"({ROW_MEANING})")
    for suite in stored.report.suites():
        out.print(
            f"{suite.suite}: {suite.expectation_count} expectations, "
            f"{len(suite.critical_failures)} critical failures, {len(suite.warnings)} warnings",
            highlight=False,
            markup=False,
        )
        for check in suite.checks:
            if not check.success:
                rows_text = ", ".join(map(str, check.rows[:20]))
                out.print(
                    f"  [{check.severity}] {check.expectation}{check.details} "
                    f"column={check.column} failing={check.unexpected_count}"
                    + (f" rows={rows_text}" if rows_text else ""),
                    highlight=False,
                    markup=False,
                    soft_wrap=True,
                )
                if suite is stored.report.release:
                    _print_row_values(check.rows, values)


SHOWN_ROW_VALUES = 10  # per failing check; the rest are in Data Docs


def _failing_values(stored: StoredRelease) -> dict[int, list[RowValues]] | str:
    """Row number → values of the release suite's failing rows, read from the stored bytes;
    a one-line reason instead when they cannot be read."""
    from customs_etl.pipeline.failing_rows import row_values
    from customs_etl.publishers.registry import parser_only

    report = stored.report
    wanted = {
        r for c in (report.release.checks if report.release else []) if not c.success
        for r in c.rows[:SHOWN_ROW_VALUES]
    }  # fmt: skip
    if not wanted:
        return {}
    try:
        return row_values(stored.doc, parser_only, wanted)
    except CustomsEtlError as exc:
        return f"values not shown: {exc}"


def _amount(value: object) -> str:
    """Exact, with thousands separators and no trailing decimal zeros (619,000; 0.5)."""
    if value is None:
        return "n/a"
    text = f"{value:,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _print_row_values(rows: list[int], values: dict[int, list[RowValues]] | str) -> None:
    """Under a failing check: each named row's values, as the document's parser read them."""
    if not rows:
        return
    if isinstance(values, str):
        _say(out, f"    {values}")
        return
    for number in rows[:SHOWN_ROW_VALUES]:
        for v in values.get(number, []):
            shown = (v.partner, v.partner_name, v.partner_label and f"[{v.partner_label}]",
                     v.source_partner_code and f"code {v.source_partner_code}")  # fmt: skip
            partner = " ".join(x for x in shown if x) or "none"
            mode = f" trade_mode {v.trade_mode}" if v.trade_mode else ""
            published = (
                f" (published {_amount(v.quantity)} {v.quantity_unit})"
                if v.quantity_kg is None and v.quantity is not None
                else ""
            )
            value = (
                f"value_usd {_amount(v.value_usd)}"
                if v.value_usd is not None or v.value_cny is None
                else f"value_cny {_amount(v.value_cny)}"
            )
            _say(
                out,
                f"    row {number}: {v.commodity_code} {v.period} partner {partner}{mode} "
                f"quantity_kg {_amount(v.quantity_kg)}{published} {value}",
            )
        if number not in values:
            _say(out, f"    row {number}: no observation read from this row")
    if len(rows) > SHOWN_ROW_VALUES:
        _say(out, f"    … {len(rows) - SHOWN_ROW_VALUES} more rows: see the Data Docs page")


@app.command(
    epilog=examples(
        "migrate",
        'migrate --to "ducklake:postgres:dbname=customs host=db.internal"',
    )
)
def migrate(
    warehouse: WarehouseOpt = None,
    to: Annotated[
        str | None,
        typer.Option(
            "--to",
            help="Copy the whole warehouse into this one (e.g. ducklake:postgres:…), verified "
            "by row counts and checksums; an empty target, or one holding the same data",
        ),
    ] = None,
) -> None:
    """Upgrade the warehouse's schema to this version (loading commands do it too), or copy
    it into another warehouse with --to."""
    from customs_etl.warehouse.db import writer
    from customs_etl.warehouse.migration_files import known_schema_version

    if to is None:
        with writer(warehouse):
            pass
        out.print(f"warehouse at schema version {known_schema_version()}", highlight=False)
        return
    from customs_etl.warehouse.transfer import copy_warehouse

    done = copy_warehouse(warehouse, to)
    for table in done.tables:
        out.print(
            f"{table.table}: {table.rows} rows, checksum {table.checksum[:16]}",
            highlight=False,
            markup=False,
        )
    verb = "already held the same data" if done.already else "copied and verified"
    out.print(
        f"{done.target}: {verb} (row counts and checksums match {done.source}); schema "
        f"version {done.version}",
        highlight=False,
        markup=False,
        soft_wrap=True,
    )


@app.command(epilog=examples("serve", "serve --only monthly"))
def serve(
    warehouse: WarehouseOpt = None,
    only: Annotated[
        list[str] | None, typer.Option("--only", help="monthly, landing or backfill (repeatable)")
    ] = None,
) -> None:
    """Run prefect.yaml's schedules in this process (one machine; needs PREFECT_API_URL)."""
    from customs_etl.flows.deployments import serve_all

    serve_all(names=only, warehouse=warehouse)


ReasonOpt = Annotated[str, typer.Option("--reason", help="Why (kept in the audit trail)")]
ReviewerOpt = Annotated[
    str | None, typer.Option("--reviewer", help="Who decides (default: the OS user)")
]


@quarantine_app.command(
    "release",
    epilog=examples(
        'quarantine release 3f2a9c --reason "GACC confirmed the figure"',
    ),
)
def quarantine_release(
    release_id: Annotated[str, typer.Argument(help="id or its prefix")],
    reason: ReasonOpt,
    reviewer: ReviewerOpt = None,
    partial: Annotated[
        bool,
        typer.Option("--partial", help="Load it as a filtered export: only what it carries"),
    ] = False,
    warehouse: WarehouseOpt = None,
) -> None:
    """Re-validate and load a quarantined document with its failing checks waived (audited)."""
    from customs_etl.pipeline.review import release
    from customs_etl.publishers.registry import publisher

    done = release(release_id, reason, publisher, reviewer, warehouse, partial=partial)
    out.print(
        f"released {done.file_name} ({done.release_id[:12]}): {done.rows_loaded} rows loaded",
        highlight=False,
        markup=False,
    )
    for line in done.waived:
        out.print(f"  waived {line}", highlight=False, markup=False)
    for line in done.current:
        out.print(line, highlight=False, markup=False, soft_wrap=True)


@quarantine_app.command(
    "drop",
    epilog=examples(
        'quarantine drop 3f2a9c --reason "superseded by the bulletin"',
    ),
)
def quarantine_drop(
    release_id: Annotated[str, typer.Argument(help="id or its prefix")],
    reason: ReasonOpt,
    reviewer: ReviewerOpt = None,
    warehouse: WarehouseOpt = None,
) -> None:
    """Decide a quarantined document never loads; its bytes and report are kept (audited)."""
    from customs_etl.pipeline.review import drop

    done = drop(release_id, reason, reviewer, warehouse)
    out.print(f"dropped {done.file_name} ({done.release_id[:12]})", highlight=False, markup=False)


@app.command(epilog=examples('withdraw 3f2a9c --reason "loaded under the wrong flow"'))
def withdraw(
    release_id: Annotated[str, typer.Argument(help="id or its prefix (a loaded release)")],
    reason: ReasonOpt,
    reviewer: ReviewerOpt = None,
    warehouse: WarehouseOpt = None,
) -> None:
    """Take a loaded release out of the current figures (audited; rows and bytes kept), e.g. a
    file loaded under the wrong flow or months; its bytes can then be offered again."""
    from customs_etl.pipeline.review import withdraw as withdraw_release

    done = withdraw_release(release_id, reason, reviewer, warehouse)
    out.print(
        f"withdrew {done.file_name} ({done.release_id[:12]}): {done.rows_withdrawn} rows out of "
        "the current figures (kept in meta.withdrawn_observations)",
        highlight=False,
        markup=False,
    )


def _click_kinds() -> tuple[tuple[type[BaseException], ...], tuple[type[BaseException], ...]]:
    """(usage-error classes, abort classes): click's, and those of the click copy typer 0.29
    bundles and raises instead (pinned in pyproject.toml), so the one-line contract holds."""
    import click

    bundled = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")
    return (click.ClickException, bundled), (click.exceptions.Abort, typer.Abort)


def _usage_line(exc: BaseException) -> str:
    """A click usage error as one line: the message, and where help is."""
    message = " ".join(exc.format_message().split())  # type: ignore[attr-defined]
    context = getattr(exc, "ctx", None)
    command = context.command_path if context is not None else "customs-etl"
    return f"error: {message} (see `{command} --help`)"


def main() -> None:
    """Entry point with the one-line error contract: the project's own errors exit 1, usage
    errors (a typo'd command, a missing option, a bad choice or value) exit 2."""
    prefect_environment()
    errors, aborts = _click_kinds()
    try:
        # One program name however it was started (python -m customs_etl too): usage lines
        # and shell completion (its $_CUSTOMS_ETL_COMPLETE) name the command users type.
        code = app(standalone_mode=False, prog_name="customs-etl")
    except CustomsEtlError as exc:
        from customs_etl.warehouse.location import redact

        err.print(f"error: {redact(str(exc))}", highlight=False, markup=False, soft_wrap=True)
        sys.exit(1)
    except aborts:
        sys.exit(130)
    except errors as exc:
        _say(err, _usage_line(exc))
        sys.exit(getattr(exc, "exit_code", 2))
    sys.exit(code if isinstance(code, int) else 0)

