"""Regressions: each hole that once let a wrong figure load or print, closed end to end.

Every test here failed on the code before the fix: it reproduces the input that passed the old
checks while being wrong, through the real CLI, real DuckDB files and a real Prefect API.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from customs_etl.core.months import add_months
from customs_etl.publishers.sample import sample_folder
from tests.support import paths
from tests.support.cli import CliResult, run_cli
from tests.support.exports import ZH_MONTHLY_HEADER, magnet_row, render_export
from tests.support.reference import highest_and_lowest_since

CUMULATIVE_HEADER = tuple(h for h in ZH_MONTHLY_HEADER if h != "数据年月")
FIXTURES = paths.FIXTURES / "gacc_bulletin"


def _rows(name: str) -> list[tuple[str, ...]]:
    """The data rows of a bundled sample export, without the trailing empty field."""
    text = (sample_folder() / name).read_bytes().decode("gbk")
    records = list(csv.reader(io.StringIO(text)))
    return [tuple(r[:-1]) for r in records[1:] if r]


def _write(folder: Path, name: str, rows: list[tuple[str, ...]], header=ZH_MONTHLY_HEADER) -> Path:
    path = folder / name
    path.write_bytes(render_export(header, rows))
    return path


def _ingest(warehouse: Path, *paths: Path | str) -> CliResult:
    return run_cli("ingest", *map(str, paths), "--warehouse", str(warehouse))


def _sql(warehouse: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def _report(warehouse: Path, period: str, *extra: str, fmt: str = "json") -> CliResult:
    return run_cli(
        "report", "--period", period, "--format", fmt, *extra, "--warehouse", str(warehouse)
    )


def _world_kg(warehouse: Path, period: str, source: str = "gacc_query") -> Decimal | None:
    rows = _sql(
        warehouse,
        "SELECT quantity_kg FROM marts.world_monthly WHERE source = ? AND period = ?",
        [source, date.fromisoformat(period + "-01")],
    )
    return rows[0][0] if rows else None


# ------------------------------------------------------------------ 1. headlines tell the truth


def test_a_month_that_fell_is_never_the_highest_since(sample_warehouse: Path) -> None:
    result = _report(sample_warehouse, "2025-04")
    world = json.loads(result.stdout)["world"]
    assert world["mom_pct"] < -50  # April 2025 fell 51 %: once printed "the highest since March"
    assert world["highest_since"] is None and world["lowest_since"] == "record"
    text = _report(sample_warehouse, "2025-04", fmt="text").stdout
    assert "highest" not in text
    assert "the lowest in the 16 months held (since Jan 2024)" in text


def test_every_sample_month_headline_matches_a_brute_force_reference(
    sample_warehouse: Path,
) -> None:
    series = dict(
        _sql(
            sample_warehouse,
            "SELECT period, quantity_kg FROM marts.world_monthly ORDER BY period",
        )
    )
    for month in sorted(series):
        world = json.loads(_report(sample_warehouse, f"{month:%Y-%m}").stdout)["world"]
        previous = series.get(add_months(month, -1))
        want = highest_and_lowest_since(series, month, previous)
        assert (world["highest_since"], world["lowest_since"]) == want, month


# ------------------------------------------------------------------ 2. no Infinity, no NaN


def test_a_change_from_a_zero_month_is_null_and_json_is_strict(
    prefect_api: str, tmp_path: Path
) -> None:
    warehouse = tmp_path / "w.duckdb"
    june = _write(
        tmp_path, "export-85051110-202506.csv", [magnet_row("202506", "502", "美国", "10", 0, 120)]
    )
    july = _write(
        tmp_path,
        "export-85051110-202507.csv",
        [magnet_row("202507", "502", "美国", "10", 100_000, 5_000_000)],
    )
    assert _ingest(warehouse, june, july).code == 0
    result = _report(warehouse, "2025-07")
    assert result.code == 0, result.output
    assert "Infinity" not in result.stdout and "NaN" not in result.stdout
    data = json.loads(result.stdout, parse_constant=lambda c: pytest.fail(f"non-JSON {c}"))
    assert data["world"]["mom_pct"] is None and data["partners"][0]["mom_pct"] is None
    text = _report(warehouse, "2025-07", fmt="text").stdout
    assert "n/a m/m" in text and "inf" not in text.lower()


# ------------------------------------------------------------------ 3. a YTD break is explained
#                                                                       only by what explains it


def _august_case(folder: Path, extra_kg: int) -> tuple[Path, Path]:
    """A published Jan-Aug cumulative, and a batch re-publishing July (+2 kg on one row)
    with an August that is ``extra_kg`` above what that cumulative says."""
    july = [r for r in _rows("export-85051110-202507-partner-mode-usd.csv")]
    august = [("202508", *r[1:]) for r in july]
    cumulative = {
        r[2:5:2]: list(r) for r in _rows("export-85051110-202501-202507-partner-mode-usd.csv")
    }
    for row in august:
        key = (row[3], row[5])
        if key in cumulative:
            kept = cumulative[key]
            kept[6] = str(int(kept[6]) + int(row[7]))
            kept[10] = f"{int(kept[10].replace(',', '')) + int(row[11].replace(',', '')):,}"
        else:
            cumulative[key] = list(row[1:])
    ytd = _write(
        folder,
        "export-85051110-202501-202508-partner-mode-usd.csv",
        [tuple(r) for r in cumulative.values()],
        CUMULATIVE_HEADER,
    )
    restated_july = [list(r) for r in july]
    restated_july[0][7] = str(int(restated_july[0][7]) + 2)  # +2 kg: a trivial restatement
    wrong_august = [list(r) for r in august]
    wrong_august[0][7] = str(int(wrong_august[0][7]) + extra_kg)
    value = int(wrong_august[0][11].replace(",", "")) + extra_kg * 40
    wrong_august[0][11] = f"{value:,}"
    batch = _write(
        folder,
        "export-85051110-202508-and-july.csv",
        [tuple(r) for r in restated_july + wrong_august],
    )
    return ytd, batch


def test_a_tiny_restatement_does_not_excuse_a_big_ytd_break(
    query_copy: Path, tmp_path: Path
) -> None:
    ytd, batch = _august_case(tmp_path, extra_kg=2_000_000)
    assert _ingest(query_copy, ytd).code == 0  # August not in yet: nothing to check
    before = _sql(query_copy, "SELECT count(*) FROM core.observations")
    result = _ingest(query_copy, batch)
    assert result.code == 1, result.output
    assert "YTD does not match the sum of months" in result.stderr
    assert "2025 Jan-08" in result.stderr
    assert _sql(query_copy, "SELECT count(*) FROM core.observations") == before


def test_the_same_batch_without_the_break_loads_and_records_the_restatement(
    query_copy: Path, tmp_path: Path
) -> None:
    ytd, batch = _august_case(tmp_path, extra_kg=0)
    assert _ingest(query_copy, ytd).code == 0
    result = _ingest(query_copy, batch)
    assert result.code == 0, result.output
    assert "restates 1 figure(s), 0 large" in result.stdout


# ------------------------------------------------------------------ 4. a filtered export never
#                                                                       shrinks a month


def _us_only(folder: Path, period: str, kg: int, name_extra: str = "") -> Path:
    rows = [magnet_row(period, "502", "美国", "10", kg, kg * 50)]
    return _write(folder, f"export-85051110-{period}{name_extra}-us.csv", rows)


def test_a_us_only_export_is_refused_and_the_month_keeps_its_total(
    query_copy: Path, tmp_path: Path
) -> None:
    world = _world_kg(query_copy, "2025-07")
    result = _ingest(query_copy, _us_only(tmp_path, "202507", 700_000))
    assert result.code == 1
    line = result.stderr.strip()
    assert "carries fewer partners or trade modes" in line and "--partial" in line
    assert "lacks" in line and "partners it holds" in line
    assert _world_kg(query_copy, "2025-07") == world


def test_with_partial_it_updates_only_what_it_carries(query_copy: Path, tmp_path: Path) -> None:
    cells = dict(
        _sql(
            query_copy,
            "SELECT partner || '/' || trade_mode, quantity_kg FROM core.latest WHERE"
            " source = 'gacc_query' AND basis = 'month' AND period_start = '2025-07-01'",
        )
    )
    world = _world_kg(query_copy, "2025-07")
    path = _us_only(tmp_path, "202507", 700_000)
    assert _ingest(query_copy, path).code == 1  # refused first (kept in quarantine) ...
    again = run_cli("ingest", str(path), "--partial", "--warehouse", str(query_copy))
    assert again.code == 0, again.output  # ... and decided again when offered as partial
    after = dict(
        _sql(
            query_copy,
            "SELECT partner || '/' || trade_mode, quantity_kg FROM core.latest WHERE"
            " source = 'gacc_query' AND basis = 'month' AND period_start = '2025-07-01'",
        )
    )
    assert after["US/10"] == 700_000
    assert {k: v for k, v in after.items() if k != "US/10"} == {
        k: v for k, v in cells.items() if k != "US/10"
    }
    assert _world_kg(query_copy, "2025-07") == world - cells["US/10"] + 700_000
    status = _sql(
        query_copy, "SELECT status, coverage FROM raw.releases WHERE file_name = ?", [path.name]
    )
    assert status == [("loaded", "partial")]


def test_a_month_with_only_a_partial_export_has_no_world_total(
    query_copy: Path, tmp_path: Path
) -> None:
    path = _us_only(tmp_path, "202508", 500_000, "-partial")  # the name marks it partial
    result = _ingest(query_copy, path)
    assert result.code == 0, result.output
    assert _world_kg(query_copy, "2025-08") is None
    assert _sql(
        query_copy,
        "SELECT quantity_kg FROM marts.partner_monthly WHERE"
        " period = '2025-08-01' AND partner = 'US'",
    ) == [(500_000,)]
    report = _report(query_copy, "2025-08")
    assert report.code == 1 and "only filtered (partial) exports" in report.stderr


def test_a_partial_export_with_another_breakdown_is_refused(
    query_copy: Path, tmp_path: Path
) -> None:
    header = tuple(h for h in ZH_MONTHLY_HEADER if h not in ("贸易方式编码", "贸易方式名称"))
    row = magnet_row("202507", "502", "美国", "10", 700_000, 35_000_000)
    path = _write(tmp_path, "export-85051110-202507-us-partial.csv", [row[:5] + row[7:]], header)
    world = _world_kg(query_copy, "2025-07")
    result = _ingest(query_copy, path)
    assert result.code == 1 and "breakdown" in result.stderr
    assert "partner,trade_mode" in result.stderr
    assert _world_kg(query_copy, "2025-07") == world


# ------------------------------------------------------------------ 5. modeled data never stands
#                                                                       in for real data


def test_sample_rows_carry_source_sample_to_the_report_and_export(
    sample_warehouse: Path, tmp_path: Path
) -> None:
    assert _sql(sample_warehouse, "SELECT DISTINCT source FROM core.latest") == [("sample",)]
    assert _sql(sample_warehouse, "SELECT DISTINCT source FROM marts.world_monthly") == [
        ("sample",)
    ]
    data = json.loads(_report(sample_warehouse, "2025-07").stdout)
    assert (data["source"], data["modeled"]) == ("sample", True)
    text = _report(sample_warehouse, "2025-07", fmt="text").stdout
    assert text.splitlines()[0].startswith("MODELED SAMPLE")
    out = tmp_path / "export"
    assert (
        run_cli(
            "export", "--format", "parquet", "--out", str(out), "--warehouse", str(sample_warehouse)
        ).code
        == 0
    )
    with duckdb.connect() as con:
        sources = con.execute(
            f"SELECT DISTINCT source FROM read_parquet('{out / 'marts.world_monthly.parquet'}')"
        ).fetchall()
    assert sources == [("sample",)]


def test_the_sample_is_not_loaded_beside_real_releases_unless_asked(
    query_copy: Path,
) -> None:
    before = _sql(query_copy, "SELECT count(*) FROM core.observations")
    refused = run_cli(
        "backfill",
        "--source",
        "sample",
        "--start",
        "2025-07",
        "--end",
        "2025-07",
        "--warehouse",
        str(query_copy),
    )
    assert refused.code == 1
    assert "holds real releases" in refused.stderr and "--allow-sample" in refused.stderr
    assert _sql(query_copy, "SELECT count(*) FROM core.observations") == before
    allowed = run_cli(
        "backfill",
        "--source",
        "sample",
        "--start",
        "2025-07",
        "--end",
        "2025-07",
        "--allow-sample",
        "--warehouse",
        str(query_copy),
    )
    assert allowed.code == 0, allowed.output
    data = json.loads(_report(query_copy, "2025-07").stdout)
    assert (data["source"], data["modeled"]) == ("gacc_query", False)  # the real one wins
    assert "MODELED" not in _report(query_copy, "2025-07", fmt="text").stdout


def test_run_and_backfill_default_to_automated_sources_never_the_sample() -> None:
    from customs_etl.publishers.registry import publishers

    assert [p.name for p in publishers(None)] == ["gacc_preliminary", "gacc_bulletin", "comtrade"]
    assert "sample" not in [p.name for p in publishers([])]
    makefile = (paths.ROOT / "Makefile").read_text(encoding="utf-8")
    assert "backfill --source sample" in makefile


# ------------------------------------------------------------------ 6. every unit known


def test_tonnes_in_gong_dun_are_kilograms_not_null(prefect_api: str, tmp_path: Path) -> None:
    rows = [
        (
            "202507",
            "85051110",
            "磁体",
            "502",
            "美国",
            "10",
            "一般贸易",
            "5",
            "公吨",
            "0",
            "-",
            "250,000",
        ),
        magnet_row("202507", "304", "德国", "10", 1_000, 50_000),
    ]
    warehouse = tmp_path / "w.duckdb"
    assert _ingest(warehouse, _write(tmp_path, "export-85051110-202507.csv", rows)).code == 0
    assert _world_kg(warehouse, "2025-07") == 6_000


def test_an_unknown_unit_refuses_the_file_naming_row_and_unit(
    prefect_api: str, tmp_path: Path
) -> None:
    rows = [
        magnet_row("202507", "304", "德国", "10", 1_000, 50_000),
        (
            "202507",
            "85051110",
            "磁体",
            "502",
            "美国",
            "10",
            "一般贸易",
            "5",
            "盎司",
            "0",
            "-",
            "900",
        ),
    ]
    path = _write(tmp_path, "export-85051110-202507.csv", rows)
    result = _ingest(tmp_path / "w.duckdb", path)
    assert result.code == 1
    line = result.stderr.strip()
    assert path.name in line and "row 3" in line and "盎司" in line and "unit" in line


def test_a_line_counted_in_pieces_reports_without_crashing(
    prefect_api: str, tmp_path: Path
) -> None:
    rows = [
        (
            "202507",
            "85444211",
            "电缆",
            "502",
            "美国",
            "10",
            "一般贸易",
            "700",
            "个",
            "-",
            "-",
            "9,000",
        ),
        (
            "202507",
            "85444211",
            "电缆",
            "304",
            "德国",
            "10",
            "一般贸易",
            "300",
            "个",
            "-",
            "-",
            "4,000",
        ),
    ]
    warehouse = tmp_path / "w.duckdb"
    assert _ingest(warehouse, _write(tmp_path, "export-85444211-202507.csv", rows)).code == 0
    for fmt in ("text", "markdown", "json"):
        result = _report(warehouse, "2025-07", "--commodity", "85444211", fmt=fmt)
        assert result.code == 0, result.output
    text = _report(warehouse, "2025-07", "--commodity", "85444211", fmt="text").stdout
    assert "no tonnage (counted in 个" in text and "US$13,000" in text


def test_kilograms_come_from_the_second_quantity_when_it_is_a_mass(
    prefect_api: str, tmp_path: Path
) -> None:
    rows = [
        (
            "202507",
            "85051110",
            "磁体",
            "502",
            "美国",
            "10",
            "一般贸易",
            "40",
            "个",
            "2000",
            "千克",
            "100,000",
        )
    ]
    warehouse = tmp_path / "w.duckdb"
    assert _ingest(warehouse, _write(tmp_path, "export-85051110-202507.csv", rows)).code == 0
    assert _world_kg(warehouse, "2025-07") == 2_000


# ------------------------------------------------------------------ 7. exact or refused at prepare


def test_seven_decimals_load_exactly(prefect_api: str, tmp_path: Path) -> None:
    row = list(magnet_row("202507", "502", "美国", "10", 1, 50))
    row[7] = "1.2345678"
    warehouse = tmp_path / "w.duckdb"
    good = _write(tmp_path, "export-85051110-202507-a.csv", [tuple(row)])
    assert _ingest(warehouse, good).code == 0
    assert _sql(warehouse, "SELECT quantity, quantity_kg FROM core.observations") == [
        (Decimal("1.2345678"), Decimal("1.2345678"))
    ]


def test_too_many_decimals_are_refused_and_later_files_still_load(
    prefect_api: str, tmp_path: Path
) -> None:
    bad_row = list(magnet_row("202506", "502", "美国", "10", 1, 50))
    bad_row[7] = "1.0000000000001"  # 13 places: cannot be stored exactly
    bad = _write(tmp_path, "export-85051110-202506-a.csv", [tuple(bad_row)])
    good = _write(
        tmp_path,
        "export-85051110-202507-b.csv",
        [magnet_row("202507", "502", "美国", "10", 7_000, 350_000)],
    )
    warehouse = tmp_path / "w.duckdb"
    result = _ingest(warehouse, bad, good)
    assert result.code == 1
    assert "cannot be stored exactly" in result.stderr and "row 2" in result.stderr
    assert "field 'quantity'" in result.stderr
    assert _world_kg(warehouse, "2025-07") == 7_000


def test_a_landing_poll_files_a_bad_file_and_loads_the_rest(
    prefect_api: str, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    bad_row = list(magnet_row("202506", "502", "美国", "10", 1, 50))
    bad_row[7] = "0.00000000000001"
    _write(inbox, "export-85051110-202506-a.csv", [tuple(bad_row)])
    _write(
        inbox,
        "export-85051110-202507-b.csv",
        [magnet_row("202507", "502", "美国", "10", 7_000, 350_000)],
    )
    warehouse = tmp_path / "w.duckdb"
    result = run_cli(
        "landing",
        "--location",
        str(inbox),
        "--settle-seconds",
        "0.1",
        "--warehouse",
        str(warehouse),
    )
    assert result.code == 1
    assert [p.name.split("-", 1)[1] for p in (inbox / "failed").glob("*.csv")] == [
        "export-85051110-202506-a.csv"
    ]
    assert len(list((inbox / "done").glob("*.csv"))) == 1
    assert _world_kg(warehouse, "2025-07") == 7_000


# ------------------------------------------------------------------ 12. empty landing files


def test_an_empty_landing_file_is_filed_to_failed(prefect_api: str, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "export-85051110-202507.csv").write_bytes(b"")
    result = run_cli(
        "landing",
        "--location",
        str(inbox),
        "--settle-seconds",
        "0.1",
        "--warehouse",
        str(tmp_path / "w.duckdb"),
    )
    assert result.code == 1
    failed = list((inbox / "failed").glob("*.csv"))
    assert len(failed) == 1 and not list(inbox.glob("*.csv"))
    reason = Path(f"{failed[0]}.reason.txt").read_text(encoding="utf-8")
    assert "empty file" in reason


# ------------------------------------------------------------------ 13. schedule


def test_the_newest_month_is_due_as_soon_as_it_has_ended() -> None:
    from customs_etl.core.months import shanghai_today
    from customs_etl.flows.schedule_rules import missing_months
    from customs_etl.publishers.gacc_bulletin import PUBLISHER as BULLETIN

    # The 10th: the old 20th-of-the-month cutoff hid October, already published.
    assert BULLETIN.default_period(date(2026, 11, 10)) == date(2026, 10, 1)
    # 17:00 UTC on 31 October is 1 November in Shanghai: October is due there.
    assert shanghai_today(datetime(2026, 10, 31, 17, tzinfo=UTC)) == date(2026, 11, 1)
    due = BULLETIN.due_months(date(2026, 11, 1))
    assert due[0] == date(2025, 10, 1) and due[-1] == date(2026, 10, 1) and len(due) == 13
    held = {
        (date(2026, 3, 1), "export"),
        (date(2026, 3, 1), "import"),
        (date(2026, 4, 1), "export"),
    }
    missing = missing_months(BULLETIN, due, held)
    assert date(2026, 3, 1) not in missing and date(2026, 4, 1) in missing  # imports missing


# ------------------------------------------------------------------ 14. unknown partner codes


def test_an_unknown_partner_code_keeps_the_world_total_whole(
    prefect_api: str, tmp_path: Path
) -> None:
    rows = [
        magnet_row("202507", "304", "德国", "10", 1_000, 50_000),
        (
            "202507",
            "85051110",
            "磁体",
            "888",
            "新国家",
            "10",
            "一般贸易",
            "2000",
            "千克",
            "0",
            "-",
            "100,000",
        ),
    ]
    warehouse = tmp_path / "w.duckdb"
    result = _ingest(warehouse, _write(tmp_path, "export-85051110-202507.csv", rows))
    assert result.code == 0, result.output
    assert "unknown GACC partner code(s) 888 新国家" in result.stdout
    assert _world_kg(warehouse, "2025-07") == 3_000
    data = json.loads(_report(warehouse, "2025-07").stdout)
    named = {p["partner"]: p["name"] for p in data["partners"]}
    assert named["GACC-888"] == "新国家"


# ------------------------------------------------------------------ 15. fetching is bounded


def test_quarantine_ids_match_literally(warehouse_copy: Path, tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "export-85051110-202507-negative.csv",
        [magnet_row("202507", "502", "美国", "10", -5, 100)],
    )
    _ingest(warehouse_copy, path)
    for pattern in ("%", "_", "%%"):
        shown = run_cli("quarantine", "show", pattern, "--warehouse", str(warehouse_copy))
        assert shown.code == 1 and "0 documents match" in shown.stderr


def test_quarantine_release_prefix_is_literal_too(warehouse_copy: Path) -> None:
    released = run_cli(
        "quarantine", "release", "%", "--reason", "x", "--warehouse", str(warehouse_copy)
    )
    assert released.code == 1 and "0 documents match" in released.stderr


def test_an_index_link_to_another_host_is_refused(
    prefect_api: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.support.http_site import Route, serve_site

    index = (
        (FIXTURES / "index-monthly-2026.html")
        .read_bytes()
        .replace(
            b"http://english.customs.gov.cn/Statics/14000000-0000-4000-8000-000000000001.html",
            b"http://evil.example/Statics/14000000-0000-4000-8000-000000000001.html",
        )
    )
    routes = {"/statics/report/monthly.html": Route.static(index)}
    with serve_site(routes) as base_url:
        monkeypatch.setenv("CUSTOMS_ETL_GACC_BULLETIN_URL", base_url)
        monkeypatch.setenv("CUSTOMS_ETL_HTTP_POLITE_DELAY", "0")
        result = run_cli(
            "run",
            "--source",
            "gacc-bulletin",
            "--period",
            "2026-01",
            "--warehouse",
            str(tmp_path / "w.duckdb"),
        )
    assert result.code == 1
    assert "links to another host (http://evil.example)" in result.stderr
    assert len([line for line in result.stderr.splitlines() if line.strip()]) == 1


def test_an_answer_beyond_the_size_cap_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from customs_etl.publishers.http import UnexpectedContent, fetch, make_session
    from tests.support.http_site import Route, serve_site

    big = b"<html>" + b"x" * 5_000 + b"</html>"
    with serve_site({"/big.html": Route.static(big)}) as base_url:
        monkeypatch.setenv("CUSTOMS_ETL_HTTP_MAX_BYTES", "1000")
        with pytest.raises(UnexpectedContent, match="larger than 1,000 bytes"):
            fetch(make_session(retries=0), f"{base_url}/big.html")
        monkeypatch.setenv("CUSTOMS_ETL_HTTP_MAX_BYTES", "100000")
        assert fetch(make_session(retries=0), f"{base_url}/big.html").body == big


# ------------------------------------------------------------------ 10. newer warehouses, cleanup


def test_a_warehouse_from_a_newer_version_is_refused_by_readers_and_writers(
    prefect_api: str, tmp_path: Path
) -> None:
    from customs_etl.warehouse.db import writer
    from customs_etl.warehouse.migration_files import known_schema_version

    path = tmp_path / "w.duckdb"
    with writer(path) as con:
        con.execute(
            "INSERT INTO meta.schema_migrations (version, name, sha256) VALUES"
            " (99, '099_future.sql', 'x')"
        )
    for args in (
        ("report", "--period", "2025-07"),
        ("schema",),
        (
            "ingest",
            str(
                _write(
                    tmp_path,
                    "export-85051110-202507.csv",
                    [magnet_row("202507", "502", "美国", "10", 5, 250)],
                )
            ),
        ),
    ):
        result = run_cli(*args, "--warehouse", str(path))
        assert result.code == 1, args
        line = result.stderr.strip()
        assert "schema version 99" in line and f"up to {known_schema_version()}" in line, line


def test_a_failing_rollback_never_hides_the_first_error() -> None:
    from customs_etl.warehouse.transactions import transaction

    con = duckdb.connect()
    with pytest.raises(duckdb.BinderException, match="nope"), transaction(con):
        con.execute("COMMIT")  # the transaction is gone: the cleanup ROLLBACK will fail
        con.execute("SELECT nope")


# ------------------------------------------------------------------ 11. release names the current


def test_releasing_an_older_vintage_says_which_one_stays_current(
    query_copy: Path, tmp_path: Path
) -> None:
    july = [list(r) for r in _rows("export-85051110-202507-partner-mode-usd.csv")]
    cheap = [list(r) for r in july]
    cheap[0][11] = "1"  # a unit value far below the band: quarantined
    held = _write(tmp_path, "export-85051110-202507-cheap.csv", [tuple(r) for r in cheap])
    assert _ingest(query_copy, held).code == 1
    newer = [list(r) for r in july]
    newer[1][7] = str(int(newer[1][7]) + 100)
    current = _write(tmp_path, "export-85051110-202507-newer.csv", [tuple(r) for r in newer])
    assert _ingest(query_copy, current).code == 0
    (rid,) = _sql(
        query_copy, "SELECT release_id FROM raw.releases WHERE file_name = ?", [held.name]
    )[0]
    result = run_cli(
        "quarantine",
        "release",
        rid[:12],
        "--reason",
        "checked by hand",
        "--warehouse",
        str(query_copy),
    )
    assert result.code == 0, result.output
    assert f"loaded as an older vintage: {current.name}" in result.stdout
    assert "stays current for 2025-07" in result.stdout
    files = _sql(
        query_copy,
        "SELECT DISTINCT r.file_name FROM core.latest AS l JOIN"
        " raw.releases AS r USING (release_id) WHERE l.period_start = '2025-07-01'"
        " AND l.basis = 'month'",
    )
    assert files == [(current.name,)]
