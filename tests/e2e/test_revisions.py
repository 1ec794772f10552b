"""A re-published month that restates figures: recorded and reported, not rejected."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from customs_etl.publishers.sample import sample_folder
from tests.support.cli import run_cli

MARCH = "export-85051110-202503-partner-mode-usd.csv"


def _restated_march(extra_kg: int) -> bytes:
    """The sample's March 2025 file with India's general-trade row raised by ``extra_kg``."""
    text = (sample_folder() / MARCH).read_bytes().decode("gbk")
    old = '"111","印度","10","一般贸易","284009"'
    assert old in text
    return text.replace(old, f'"111","印度","10","一般贸易","{284009 + extra_kg}"').encode("gbk")


def test_restated_month_loads_and_the_revision_is_recorded(
    query_copy: Path, tmp_path: Path
) -> None:
    path = tmp_path / "export-85051110-202503-republished.csv"
    path.write_bytes(_restated_march(300_000))  # +300 t: Jan-Jul's older YTD no longer adds up
    result = run_cli("ingest", str(path), "--warehouse", str(query_copy))
    assert result.code == 0, result.output
    assert "restates 1 figure(s), 1 large" in result.stdout  # India, general trade
    assert "YTD breaks explained by the restatements" in result.stdout
    assert "85051110 IN 2025 Jan-07" in result.stdout
    assert "large revision:" in result.stdout and "IN month 2025-03..2025-03" in result.stdout
    with duckdb.connect(str(query_copy), read_only=True) as con:
        status, report_json = con.execute(
            "SELECT status, validation_report FROM raw.releases WHERE file_name = ?", [path.name]
        ).fetchone()
        revision = con.execute(
            "SELECT partner, sum(delta_kg) FROM core.revisions WHERE period_start = '2025-03-01'"
            " GROUP BY partner"
        ).fetchall()
    assert status == "loaded" and revision == [("IN", 300_000)]
    report = json.loads(report_json)
    rows = {r["partner"]: r for r in report["revisions"]["rows"]}
    assert rows["IN"]["delta_kg"] == 300_000 and rows["IN"]["large"] is True
    history = report["history"]
    assert history["success"] is True and history["warnings"] == 1


def test_small_restatement_is_recorded_without_a_flag(query_copy: Path, tmp_path: Path) -> None:
    path = tmp_path / "export-85051110-202503-republished.csv"
    path.write_bytes(_restated_march(200))  # 0.2 t: within YTD tolerance, below the flag
    result = run_cli("ingest", str(path), "--warehouse", str(query_copy))
    assert result.code == 0, result.output
    assert "restates 1 figure(s), 0 large" in result.stdout
    assert "explained" not in result.stdout
