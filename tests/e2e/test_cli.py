"""The CLI end to end on temporary DuckDB files under a real Prefect API (session harness)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from tests.support.cli import run_cli
from tests.support.exports import ZH_MONTHLY_HEADER, july_export, magnet_row, render_export


def _counts(path: Path) -> tuple[int, int]:
    with duckdb.connect(str(path), read_only=True) as con:
        return (
            con.execute("SELECT count(*) FROM core.observations").fetchone()[0],
            con.execute("SELECT count(*) FROM raw.releases").fetchone()[0],
        )


def _report(path: Path, period: str) -> dict:
    result = run_cli(
        "report",
        "--period",
        period,
        "--commodity",
        "85051110",
        "--format",
        "json",
        "--warehouse",
        str(path),
    )
    assert result.code == 0, result.output
    return json.loads(result.stdout)


def test_backfill_loads_every_sample_document(sample_warehouse: Path) -> None:
    with duckdb.connect(str(sample_warehouse), read_only=True) as con:
        statuses = con.execute("SELECT status, count(*) FROM raw.releases GROUP BY 1").fetchall()
    assert statuses == [("loaded", 21)]


def test_july_2025_report_numbers(sample_warehouse: Path) -> None:
    data = _report(sample_warehouse, "2025-07")
    assert (data["period"], data["commodity"], data["flow"]) == ("2025-07", "85051110", "export")
    world = data["world"]
    assert round(world["tonnes"]) == 5_577
    assert world["highest_since"] == "2025-01"
    assert world["consecutive_rises"] == 2
    assert round(world["ytd_tonnes"]) == 27_897
    assert round(world["ytd_yoy_pct"]) == -15
    partners = {p["partner"]: p for p in data["partners"]}
    us, de = partners["US"], partners["DE"]
    assert (round(us["tonnes"]), round(us["mom_pct"], 1), round(us["yoy_pct"], 1)) == (
        619,
        75.5,
        4.8,
    )
    assert (de["rank"], round(de["tonnes"]), round(de["mom_pct"])) == (1, 1_116, 46)
    assert [p["rank"] for p in data["partners"]] == sorted(p["rank"] for p in data["partners"])
    assert abs(sum(p["share_pct"] for p in data["partners"]) - 100) < 1e-6
    assert set(data) == {
        "period", "commodity", "flow", "source", "modeled", "unit", "combined", "focus", "world",
        "partners", "entry", "entry_lines", "lines", "caveats", "release",
    }
    assert data["release"]["source"] == "sample"
    assert (data["source"], data["modeled"], data["focus"]) == ("sample", True, ["US"])
    assert world["lowest_since"] is None and world["months_held"] == 19
    assert (world["coverage"], world["ytd_coverage"]) == ("complete", "cumulative")
    assert data["caveats"] == [] and data["lines"] == ["85051110"]  # the sample is whole
    assert set(us) == {
        "partner", "name", "tonnes", "usd", "mom_pct", "yoy_pct", "rank", "share_pct", "coverage"
    }


def test_june_2025_half_year(sample_warehouse: Path) -> None:
    world = _report(sample_warehouse, "2025-06")["world"]
    assert round(world["ytd_tonnes"]) == 22_319
    assert round(world["ytd_yoy_pct"], 1) == -18.9


def test_text_and_markdown_read_like_a_brief(sample_warehouse: Path) -> None:
    for fmt in ("text", "markdown"):
        result = run_cli(
            "report", "--period", "2025-07", "--format", fmt, "--warehouse", str(sample_warehouse)
        )
        text = result.stdout
        assert result.code == 0
        for needle in (
            "5,577 t",
            "highest since January",
            "second monthly rise in a row",
            "619 t, +75.5 % m/m, +4.8 % y/y",
            "Germany was the largest buyer at 1,116 t (+46 % m/m",
            "Jan–Jul 2025: 27,897 t, −15 % y/y",
        ):
            assert needle in text, (fmt, needle, text)


def test_report_for_a_missing_month_is_one_line(sample_warehouse: Path) -> None:
    result = run_cli("report", "--period", "2023-01", "--warehouse", str(sample_warehouse))
    assert result.code == 1
    assert result.stderr.strip().startswith("error: no export figures for 85051110 in 2023-01")
    assert "Traceback" not in result.output


def test_backfill_again_changes_nothing(warehouse_copy: Path) -> None:
    before = _counts(warehouse_copy)
    result = run_cli(
        "backfill",
        "--source",
        "sample",
        "--start",
        "2025-06",
        "--end",
        "2025-07",
        "--warehouse",
        str(warehouse_copy),
    )
    assert result.code == 0, result.output
    table = [line for line in result.stdout.splitlines() if line.startswith("│")]
    assert len(table) == 3 and all("│ unchanged │" in row for row in table), result.stdout
    assert _counts(warehouse_copy) == before


def test_run_one_month_into_a_new_warehouse(prefect_api: str, tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    result = run_cli("run", "--source", "sample", "--period", "2025-07", "--warehouse", str(path))
    assert result.code == 0, result.output
    assert _counts(path)[1] == 2


def _thousand_rows() -> bytes:
    rows = [
        magnet_row("202507", "502", "美国", f"{i % 100}", 1000 + i, 50_000 + i)
        for i in range(10_000)
    ]
    rows = [(*r[:5], f"{i:05d}", *r[6:]) for i, r in enumerate(rows)]
    return render_export(ZH_MONTHLY_HEADER, rows)


BAD_INPUTS = {
    "negative-quantity": (
        render_export(ZH_MONTHLY_HEADER, [magnet_row("202507", "502", "美国", "10", -5, 100)]),
        "row 2",
        "field quantity",
    ),
    "duplicate-rows": (
        render_export(
            ZH_MONTHLY_HEADER, [magnet_row("202507", "502", "美国", "10", 5_000, 250_000)] * 2
        ),
        "unique",
        "rows 2, 3",
    ),
    "waf-page": (
        b"<html><head><script>var _0x2a=['\\x63'];document.cookie='__jsl_clearance"
        b"=1';location.reload();</script></head></html>",
        "HTML page",
        "WAF",
    ),
    "empty": (b"", "empty file", ""),
    "cut-mid-row": (july_export()[:-40], "cut off", "row 5"),
    "truncated-10000": (_thousand_rows(), "row_count", "9999"),
    "unknown-header": (
        '"年月","编码","重量","金额",\n"202507","85051110","5","9",\n'.encode("gbk"),
        "unknown column",
        "row 1",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_is_one_clear_line_and_nothing_lost(
    case: str, warehouse_copy: Path, tmp_path: Path
) -> None:
    content, needle, detail = BAD_INPUTS[case]
    before_obs, before_releases = _counts(warehouse_copy)
    path = tmp_path / f"export-85051110-202507-{case}.csv"
    path.write_bytes(content)
    result = run_cli("ingest", str(path), "--warehouse", str(warehouse_copy))
    assert result.code != 0
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert path.name in lines[0] and needle in lines[0] and detail in lines[0], lines[0]
    after_obs, after_releases = _counts(warehouse_copy)
    assert after_obs == before_obs  # nothing of that file, earlier data intact
    assert after_releases == before_releases + 1  # ... but its bytes are kept in quarantine
    with duckdb.connect(str(warehouse_copy), read_only=True) as con:
        status, kept = con.execute(
            "SELECT status, content FROM raw.releases WHERE file_name = ?", [path.name]
        ).fetchone()
    assert (status, kept) == ("quarantined", content)
    again = run_cli("ingest", str(path), "--warehouse", str(warehouse_copy))
    assert again.code != 0 and _counts(warehouse_copy) == (after_obs, after_releases)


def test_quarantine_is_visible_from_the_cli(warehouse_copy: Path, tmp_path: Path) -> None:
    path = tmp_path / "export-85051110-202507-negative.csv"
    path.write_bytes(BAD_INPUTS["negative-quantity"][0])
    run_cli("ingest", str(path), "--warehouse", str(warehouse_copy))
    listing = run_cli("quarantine", "list", "--warehouse", str(warehouse_copy))
    assert listing.code == 0 and path.name in listing.stdout
    with duckdb.connect(str(warehouse_copy), read_only=True) as con:
        rid = con.execute(
            "SELECT release_id FROM raw.releases WHERE status = 'quarantined'"
        ).fetchone()[0]
    shown = run_cli("quarantine", "show", rid[:12], "--warehouse", str(warehouse_copy))
    assert shown.code == 0
    assert "quantity_num" in shown.stdout and "rows=2" in shown.stdout


def test_utf8_resave_loads_exactly_like_the_original(prefect_api: str, tmp_path: Path) -> None:
    tables = []
    for encoding, bom in (("gbk", False), ("utf-8", True)):
        path = tmp_path / encoding / "export-85051110-202507.csv"
        path.parent.mkdir()
        path.write_bytes(july_export(encoding=encoding, bom=bom))
        warehouse = tmp_path / encoding / "w.duckdb"
        assert run_cli("ingest", str(path), "--warehouse", str(warehouse)).code == 0
        with duckdb.connect(str(warehouse), read_only=True) as con:
            tables.append(
                con.execute(
                    "SELECT * EXCLUDE (release_id) FROM core.observations ORDER BY source_row"
                ).fetchall()
            )
    assert tables[0] == tables[1] and len(tables[0]) == 4


def test_flow_runs_and_artifacts_reach_the_prefect_api(sample_warehouse: Path) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs()
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["backfill-outcomes"]))
        )
    assert any(r.state_type.value == "COMPLETED" for r in runs)
    assert artifacts and artifacts[0].type == "table"


def _cumulative(rows: list[tuple[str, ...]]) -> bytes:
    header = tuple(h for h in ZH_MONTHLY_HEADER if h != "数据年月")
    return render_export(header, [r[1:] for r in rows])


def test_ytd_that_breaks_the_months_is_quarantined_with_the_rows_named(
    query_copy: Path, tmp_path: Path
) -> None:
    # Jan–Jul 2025 "cumulative" claiming only 1,000 t for the US: months say far more. Loaded
    # as a partial (US-only) export, it meets the YTD check on the US series.
    path = tmp_path / "export-85051110-202501-202507-us-only.csv"
    path.write_bytes(
        _cumulative([magnet_row("202507", "502", "美国", "10", 1_000_000, 40_000_000)])
    )
    before = _counts(query_copy)
    result = run_cli("ingest", str(path), "--partial", "--warehouse", str(query_copy))
    assert result.code == 1
    line = result.stderr.strip()
    assert "YTD does not match the sum of months" in line and "85051110 US 2025 Jan-07" in line
    assert _counts(query_copy) == (before[0], before[1] + 1)


def test_warnings_load_and_are_reported(prefect_api: str, tmp_path: Path) -> None:
    path = tmp_path / "export-85051110-202507.csv"
    path.write_bytes(
        render_export(
            ZH_MONTHLY_HEADER,
            [
                magnet_row("202507", "502", "美国", "10", 619_000, 30_950_000),
                magnet_row("202507", "502", "美国", "77", 0, 500, "未知方式"),
            ],
        )
    )
    warehouse = tmp_path / "w.duckdb"
    result = run_cli("ingest", str(path), "--warehouse", str(warehouse))
    assert result.code == 0, result.output
    assert "loaded" in result.stdout and "2 warning(s)" in result.stdout
    with duckdb.connect(str(warehouse), read_only=True) as con:
        report = json.loads(con.execute("SELECT validation_report FROM raw.releases").fetchone()[0])
    assert report["release"]["warnings"] == 2
