"""The ``customs-etl`` command line: a stable contract (scripts depend on it).

Every failure a user can cause ends with one line on stderr and a non-zero exit, never a
traceback. Pipeline commands run as Prefect flows (an ephemeral API when no server is set).
"""

from __future__ import annotations

import json
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from customs_etl.errors import CustomsEtlError

# Quiet Prefect's per-task INFO chatter on the terminal unless the user asked for it.
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
# Failed tasks would print Prefect's traceback before our one-line error: keep the console to
# CRITICAL (runs still send their logs to the API, where the details belong).
os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "CRITICAL")
# A first start of Prefect's temporary API migrates its database: give slow machines time.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
if os.environ.get("PREFECT_HOME"):  # Prefect's SQLite cannot create a missing folder
    os.makedirs(os.path.expanduser(os.environ["PREFECT_HOME"]), exist_ok=True)

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="China customs releases → validated DuckDB warehouse → reports.",
)
quarantine_app = typer.Typer(no_args_is_help=True, help="Review quarantined documents.")
app.add_typer(quarantine_app, name="quarantine")
out = Console()
err = Console(stderr=True)

WarehouseOpt = Annotated[
    str | None,
    typer.Option(
        "--warehouse", help="DuckDB file (default $CUSTOMS_ETL_WAREHOUSE or data/warehouse.duckdb)"
    ),
]
SourcesOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--source",
        help="sample or gacc-bulletin (repeatable; default: the automated sources, as the "
        "schedule polls them — never the modeled sample)",
    ),
]
AllowSampleOpt = Annotated[
    bool,
    typer.Option(
        "--allow-sample",
        help="Load the partly MODELED sample even into a warehouse that holds real releases",
    ),
]


class Format(StrEnum):
    text = "text"
    markdown = "markdown"
    json = "json"


def _fail(message: str, code: int = 1) -> None:
    err.print(f"error: {message}", highlight=False, markup=False, soft_wrap=True)
    raise typer.Exit(code)


def _outcome_table(title: str, outcomes: list) -> None:
    table = Table(title=title)
    for column in ("period", "file", "status", "rows", "warnings", "seconds"):
        table.add_column(
            column, justify="right" if column in ("rows", "warnings", "seconds") else "left"
        )
    for o in outcomes:
        style = {"loaded": "green", "unchanged": "dim", "quarantined": "red"}.get(o.status)
        table.add_row(
            o.period,
            o.name,
            o.status,
            str(o.rows),
            str(o.warnings),
            f"{o.seconds:.2f}",
            style=style,
        )
    out.print(table)


def _run_flow(kind: str, **params: object) -> None:
    from flows.catalog import FLOWS  # Prefect is imported only for pipeline commands

    state = FLOWS[kind](**params, return_state=True)
    outcomes = state.result(raise_on_failure=False)
    if isinstance(outcomes, BaseException):
        if isinstance(outcomes, CustomsEtlError | ValueError):
            _fail(str(outcomes))
        raise outcomes
    outcomes = outcomes or []
    if outcomes:
        _outcome_table(f"{kind}: {state.message or state.name}", outcomes)
    elif state.message:
        out.print(state.message, highlight=False)
    for o in outcomes:
        if o.status == "loaded" and o.message:
            kind = "warning" if o.warnings else "note"
            out.print(f"{kind}: {o.name}: {o.message}", highlight=False, markup=False)
        for line in o.large_revisions:
            out.print(f"large revision: {o.name}: {line}", highlight=False, markup=False)
    failed = [o for o in outcomes if o.status == "quarantined"]
    for o in failed:
        err.print(f"quarantined: {o.message}", highlight=False, markup=False, soft_wrap=True)
    if failed or not state.is_completed():
        raise typer.Exit(1)


@app.command()
def ingest(
    paths: Annotated[list[str], typer.Argument(help="Export files or folders of *.csv")],
    flow: Annotated[str | None, typer.Option(help="export or import, if the name lacks it")] = None,
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
) -> None:
    """Ingest query-platform CSV exports downloaded from stats.customs.gov.cn."""
    if flow not in (None, "export", "import"):
        _fail("--flow must be export or import", 2)
    _run_flow(
        "ingest",
        paths=paths,
        warehouse=warehouse,
        flow_hint=flow,
        commodity=commodity,
        start=start,
        end=end,
        partial=partial,
    )


@app.command()
def run(
    period: Annotated[
        str | None,
        typer.Option(help="Month YYYY-MM (default: every month due and not loaded yet)"),
    ] = None,
    source: SourcesOpt = None,
    allow_sample: AllowSampleOpt = False,
    warehouse: WarehouseOpt = None,
) -> None:
    """One monthly run (what the schedule does): the newest month due and any gap before it."""
    if period is not None:
        from transforms.file_names import parse_month

        parse_month(period)  # a bad month is one line, before Prefect starts
    _run_flow(
        "monthly", source=source, period=period, warehouse=warehouse, allow_sample=allow_sample
    )


@app.command()
def backfill(
    start: Annotated[str, typer.Option(help="First month YYYY-MM")],
    end: Annotated[str, typer.Option(help="Last month YYYY-MM")],
    source: SourcesOpt = None,
    allow_sample: AllowSampleOpt = False,
    warehouse: WarehouseOpt = None,
) -> None:
    """Every month of a range; safe to re-run (loaded documents are no-ops)."""
    _run_flow(
        "backfill",
        source=source,
        start=start,
        end=end,
        warehouse=warehouse,
        allow_sample=allow_sample,
    )


@app.command()
def report(
    period: Annotated[str, typer.Option(help="Month YYYY-MM")],
    commodity: Annotated[str, typer.Option(help="Tariff line or friendly name")] = "85051110",
    fmt: Annotated[Format, typer.Option("--format")] = Format.text,
    flow: Annotated[str | None, typer.Option(help="export or import (default: export)")] = None,
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
    from reports.commodities import resolve_report_commodity
    from reports.news import build_report, render
    from transforms.file_names import parse_month
    from warehouse.db import reader

    month = parse_month(period)
    code, label, default_flow, default_focus = resolve_report_commodity(commodity)
    chosen = flow or default_flow or "export"
    with reader(warehouse) as con:
        data = build_report(con, month, code, chosen, focus or default_focus)
        if chart is not None:
            from reports.charts import write_chart

            write_chart(con, month, code, chart, chosen, label)
    out.print(
        render(data, fmt.value, label, chart_path=chart),
        highlight=False,
        markup=False,
        soft_wrap=True,
    )


@app.command()
def schema(
    fmt: Annotated[Format, typer.Option("--format")] = Format.text,
    warehouse: WarehouseOpt = None,
) -> None:
    """The data dictionary: every core and marts table, view and column, with its meaning."""
    from warehouse.dictionary import warehouse_dictionary

    out.print(
        warehouse_dictionary(warehouse, fmt.value), highlight=False, markup=False, soft_wrap=True
    )


class ExportFormat(StrEnum):
    parquet = "parquet"


@app.command()
def export(
    out_dir: Annotated[str, typer.Option("--out", help="Folder for the files")],
    fmt: Annotated[ExportFormat, typer.Option("--format")] = ExportFormat.parquet,
    history: Annotated[
        bool, typer.Option("--history", help="Also every vintage: core.observations, revisions")
    ] = False,
    warehouse: WarehouseOpt = None,
) -> None:
    """Marts and core.latest as Parquet (one file each, replaced atomically) + manifest.json."""
    from warehouse.export import export_warehouse

    for path in export_warehouse(warehouse, out_dir, include_history=history):
        out.print(str(path), highlight=False, markup=False)


@app.command()
def landing(
    location: Annotated[
        str | None,
        typer.Option(help="Folder or fsspec URL (default $CUSTOMS_ETL_LANDING_URL, data/landing)"),
    ] = None,
    settle_seconds: Annotated[
        float, typer.Option(help="A file must keep its size this long before it is read")
    ] = 5.0,
    warehouse: WarehouseOpt = None,
) -> None:
    """One poll of the landing folder: ingest settled exports, file them to done/ or failed/."""
    _run_flow("landing", location=location, warehouse=warehouse, settle_seconds=settle_seconds)


@quarantine_app.command("list")
def quarantine_list(warehouse: WarehouseOpt = None) -> None:
    """Documents held back by validation, newest first."""
    from warehouse.db import reader

    with reader(warehouse) as con:
        rows = con.execute(
            "SELECT left(release_id, 12), ingested_at, file_name, message FROM raw.releases"
            " WHERE status = 'quarantined' ORDER BY load_seq DESC"
        ).fetchall()
    if not rows:
        out.print("no quarantined documents")
        return
    table = Table(title="quarantined documents")
    for column in ("id", "ingested (UTC)", "file", "reason"):
        table.add_column(column, overflow="fold")
    for rid, at, name, message in rows:
        table.add_row(rid, f"{at:%Y-%m-%d %H:%M}", name or "", message or "")
    out.print(table)


def _reviews(con: Any, release_id: str) -> list[tuple]:
    """The audit trail of one document (empty on a warehouse from before reviews existed)."""
    import duckdb

    try:
        return con.execute(
            "SELECT action, reviewer, reviewed_at, reason FROM meta.quarantine_reviews"
            " WHERE release_id = ? ORDER BY review_id",
            [release_id],
        ).fetchall()
    except duckdb.CatalogException:
        return []


@quarantine_app.command("show")
def quarantine_show(
    release_id: Annotated[str, typer.Argument(help="id or its prefix")],
    warehouse: WarehouseOpt = None,
) -> None:
    """The failing checks and rows of one quarantined document."""
    from warehouse.db import reader

    with reader(warehouse) as con:
        rows = con.execute(
            "SELECT release_id, file_name, status, message, validation_report FROM raw.releases"
            " WHERE starts_with(release_id, ?)",
            [release_id.strip().lower()],
        ).fetchall()
        reviews = _reviews(con, rows[0][0]) if len(rows) == 1 else []
    if len(rows) != 1:
        _fail(f"{len(rows)} documents match id {release_id!r}")
    rid, name, status, message, report_json = rows[0]
    out.print(f"{name}  [{status}]  {rid}", highlight=False, markup=False)
    out.print(f"reason: {message}", highlight=False, markup=False, soft_wrap=True)
    report_data = json.loads(report_json) if report_json else {}
    for action, who, at, why in reviews:
        out.print(
            f"{action} by {who} at {at:%Y-%m-%d %H:%M} UTC: {why}", highlight=False, markup=False
        )
    for part in ("release", "coverage", "history"):
        suite = report_data.get(part)
        if not suite:
            continue
        out.print(
            f"{suite['suite']}: {suite['expectation_count']} expectations, "
            f"{suite['critical_failures']} critical failures, {suite['warnings']} warnings",
            highlight=False,
            markup=False,
        )
        for check in suite["checks"]:
            if not check["success"]:
                rows_text = ", ".join(map(str, check["rows"][:20]))
                out.print(
                    f"  [{check['severity']}] {check['expectation']}{check['details']} "
                    f"column={check['column']} failing={check['unexpected_count']}"
                    + (f" rows={rows_text}" if rows_text else ""),
                    highlight=False,
                    markup=False,
                    soft_wrap=True,
                )


@app.command()
def migrate(warehouse: WarehouseOpt = None) -> None:
    """Upgrade the warehouse's schema to this version (loading commands do it too)."""
    from warehouse.db import known_schema_version, writer

    with writer(warehouse):
        pass
    out.print(f"warehouse at schema version {known_schema_version()}", highlight=False)


@app.command()
def serve(
    warehouse: WarehouseOpt = None,
    only: Annotated[
        list[str] | None, typer.Option("--only", help="monthly, landing or backfill (repeatable)")
    ] = None,
) -> None:
    """Run prefect.yaml's schedules in this process (one machine; needs PREFECT_API_URL)."""
    from flows.deployments import serve_all

    serve_all(names=only, warehouse=warehouse)


ReasonOpt = Annotated[str, typer.Option("--reason", help="Why (kept in the audit trail)")]
ReviewerOpt = Annotated[
    str | None, typer.Option("--reviewer", help="Who decides (default: the OS user)")
]


@quarantine_app.command("release")
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
    from customs_etl.review import release

    done = release(release_id, reason, reviewer, warehouse, partial=partial)
    out.print(
        f"released {done.file_name} ({done.release_id[:12]}): {done.rows_loaded} rows loaded",
        highlight=False,
        markup=False,
    )
    for line in done.waived:
        out.print(f"  waived {line}", highlight=False, markup=False)
    for line in done.current:
        out.print(line, highlight=False, markup=False, soft_wrap=True)


@quarantine_app.command("drop")
def quarantine_drop(
    release_id: Annotated[str, typer.Argument(help="id or its prefix")],
    reason: ReasonOpt,
    reviewer: ReviewerOpt = None,
    warehouse: WarehouseOpt = None,
) -> None:
    """Decide a quarantined document never loads; its bytes and report are kept (audited)."""
    from customs_etl.review import drop

    done = drop(release_id, reason, reviewer, warehouse)
    out.print(f"dropped {done.file_name} ({done.release_id[:12]})", highlight=False, markup=False)


def main() -> None:
    """Entry point with the one-line error contract for the project's own errors."""
    import click

    try:
        code = app(standalone_mode=False)
    except CustomsEtlError as exc:
        err.print(f"error: {exc}", highlight=False, markup=False, soft_wrap=True)
        sys.exit(1)
    except click.exceptions.Abort:
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
