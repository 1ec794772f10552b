"""The analyst-facing commands: report with a chart, schema, parquet export (through the CLI)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from tests.support.cli import run_cli


def test_markdown_report_embeds_the_chart_it_draws(sample_warehouse: Path, tmp_path: Path) -> None:
    chart = tmp_path / "charts" / "magnets-2025-07.png"
    result = run_cli(
        "report",
        "--period",
        "2025-07",
        "--format",
        "markdown",
        "--chart",
        str(chart),
        "--warehouse",
        str(sample_warehouse),
    )
    assert result.code == 0, result.output
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and chart.stat().st_size > 10_000
    assert f"]({chart})" in result.stdout


def test_schema_prints_every_marts_column_with_its_comment(sample_warehouse: Path) -> None:
    result = run_cli("schema", "--format", "json", "--warehouse", str(sample_warehouse))
    assert result.code == 0, result.output
    rows = json.loads(result.stdout)
    with duckdb.connect(str(sample_warehouse), read_only=True) as con:
        expected = con.execute(
            "SELECT count(*) FROM duckdb_columns() WHERE schema_name IN ('core', 'marts')"
        ).fetchone()[0]
    columns = [r for r in (rows if isinstance(rows, list) else rows["rows"]) if r.get("column")]
    assert len(columns) == expected
    assert all(r["comment"] for r in columns)


def test_export_writes_parquet_that_duckdb_reads_back(
    sample_warehouse: Path, tmp_path: Path
) -> None:
    out = tmp_path / "export"
    result = run_cli(
        "export", "--format", "parquet", "--out", str(out), "--warehouse", str(sample_warehouse)
    )
    assert result.code == 0, result.output
    assert (out / "marts.world_monthly.parquet").exists()
    with duckdb.connect(str(sample_warehouse), read_only=True) as con:
        want = con.execute("SELECT count(*) FROM core.latest").fetchone()[0]
        got = con.execute(
            f"SELECT count(*) FROM read_parquet('{out / 'core.latest.parquet'}')"
        ).fetchone()[0]
    assert got == want > 0
