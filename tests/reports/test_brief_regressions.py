"""Ten ways the brief printed a wrong figure with exit 0, each reproduced and now refused,
withheld or caveated — every claim checked against what the warehouse covers (issue 18).

Documents go through the real load step (history checks included); exports that matter as
files (whitespace, a missing quantity, names and flows) are real CSV bytes parsed by the
publisher, and the command-line cases run the real CLI.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from customs_etl.core.errors import CustomsEtlError
from customs_etl.core.models import RawDocument
from customs_etl.pipeline.load import load_batch
from customs_etl.pipeline.prepare import prepare_batch
from customs_etl.publishers.gacc_query.files import export_document
from customs_etl.publishers.registry import publisher
from customs_etl.reports.commodities import candidates
from customs_etl.reports.news import build_report, render
from customs_etl.reports.watchlist import build_watchlist
from customs_etl.reports.wording import pct_text, tonnes_text
from customs_etl.warehouse.db import reader
from tests.support.cli import run_cli
from tests.support.documents import load_one
from tests.support.exports import ZH_MONTHLY_HEADER, magnet_row, render_export
from tests.support.history import observation

LINE = "85051110"
JAN, FEB, JUN, JUL, AUG, SEP = (date(2025, m, 1) for m in (1, 2, 6, 7, 8, 9))


def _month(month: date, kg: dict[str, int], **options: object) -> list[dict]:
    return [observation(month, month, p, k, **options) for p, k in kg.items()]  # type: ignore[arg-type]


def _load(warehouse: str, rows: list[dict], **options: object) -> str:
    outcome = load_one(warehouse, rows, **options)
    assert outcome.status == "loaded", outcome.message
    return outcome.release_id


def _report(warehouse: str, period: date, commodity: object = LINE) -> dict:
    with reader(warehouse) as con:
        return build_report(con, period, commodity)  # type: ignore[arg-type]


def _caveat(claim: str, reason: str, period: str, line: str | None = LINE,
            partner: str | None = None) -> dict:  # fmt: skip
    return {"claim": claim, "reason": reason, "period": period, "line": line, "partner": partner}


def _ingest_bytes(warehouse: str, name: str, data: bytes, **hints: object) -> list:
    """Real export bytes through the publisher's parser, the GX suite and the load step."""
    doc = export_document(name, data, url=None, **hints)  # type: ignore[arg-type]
    batch = prepare_batch([doc], publisher, today=date(2026, 1, 15))
    return load_batch(batch, warehouse)


@pytest.fixture
def warehouse(tmp_path: Path) -> str:
    return str(tmp_path / "w.duckdb")


# 1 ------------------------------------------------------------------ stale YTD after a revision

JAN_JUL = {1: 6_357, 2: 4_455, 3: 4_455, 4: 2_627, 5: 1_238, 6: 3_188, 7: 5_577}


def _january_to_july(warehouse: str) -> None:
    for m, tonnes in JAN_JUL.items():
        d = date(2025, m, 1)
        _load(warehouse, _month(d, {"DE": tonnes * 200, "US": tonnes * 800}))
    total = sum(JAN_JUL.values())
    _load(warehouse, [observation(JAN, JUL, "DE", total * 200, basis="ytd"),
                      observation(JAN, JUL, "US", total * 800, basis="ytd")])  # fmt: skip


@pytest.mark.parametrize("partial", [False, True], ids=["full re-release", "partial patch"])
def test_a_revised_month_makes_the_published_cumulative_stale(
    warehouse: str, partial: bool
) -> None:
    _january_to_july(warehouse)
    assert _report(warehouse, JUL)["world"]["ytd_tonnes"] == 27_897
    revised = {"DE": 5_577 * 200 - 500_000}
    if not partial:
        revised["US"] = 5_577 * 800
    outcome = load_one(warehouse, _month(JUL, revised),
                       coverage="partial" if partial else "full")  # fmt: skip
    assert outcome.status == "loaded"  # explained by its own restatement
    report = _report(warehouse, JUL)
    world = report["world"]
    assert world["tonnes"] == 5_077
    # not the published 27,897 t (it still holds the old July): the months, which add up
    assert (world["ytd_tonnes"], world["ytd_coverage"]) == (27_397, "summed")
    assert _caveat("ytd_tonnes", "stale_cumulative", "2025-07") in report["caveats"]
    text = render(report, "text")
    assert "27,397 t" in text and "27,897" not in text
    assert "the published cumulative predates a revision of July" in text
    with reader(warehouse) as con:
        (stale,) = con.execute(
            "SELECT ytd_stale FROM marts.world_monthly WHERE period = ?", [JUL]
        ).fetchone()
    assert stale


def test_a_stale_cumulative_with_months_missing_gives_no_ytd(warehouse: str) -> None:
    _load(warehouse, _month(JUL, {"DE": 1_116_000, "US": 4_461_000}))
    _load(warehouse, [observation(JAN, JUL, "DE", 7_000_000, basis="ytd"),
                      observation(JAN, JUL, "US", 20_897_000, basis="ytd")])  # fmt: skip
    assert _report(warehouse, JUL)["world"]["ytd_tonnes"] == 27_897
    _load(warehouse, _month(JUL, {"DE": 616_000, "US": 4_461_000}))  # July revised, -500 t
    report = _report(warehouse, JUL)
    assert report["world"]["ytd_tonnes"] is None  # stale, and June etc. are not held
    assert _caveat("ytd_tonnes", "stale_cumulative", "2025-07") in report["caveats"]
    assert _caveat("ytd_tonnes", "missing", "2025-06") in report["caveats"]


# 2 ------------------------------------------------ a filtered export of a new month taken as whole

def _export(month: str, rows: list[tuple[str, str, str, int]]) -> bytes:
    return render_export(ZH_MONTHLY_HEADER, [
        magnet_row(month, code, name, mode, kg, kg * 50) for code, name, mode, kg in rows
    ])  # fmt: skip


JULY_ROWS = [("304", "德国", "10", 1_116_000), ("502", "美国", "10", 619_000),
             ("116", "日本", "10", 232_000), ("133", "韩国", "10", 522_000),
             ("141", "越南", "10", 535_000), ("111", "印度", "10", 418_000)]  # fmt: skip


def test_a_filtered_export_of_a_new_month_named_full_is_quarantined(warehouse: str) -> None:
    (july,) = _ingest_bytes(warehouse, "export-85051110-202507.csv", _export("202507", JULY_ROWS))
    assert july.status == "loaded"
    august = _export("202508", [("502", "美国", "10", 600_000), ("304", "德国", "10", 1_000_000),
                                ("116", "日本", "10", 367_000)])  # fmt: skip
    (outcome,) = _ingest_bytes(warehouse, "export-85051110-202508.csv", august)
    assert outcome.status == "quarantined"
    assert "offered as a full export of 85051110 2025-08" in outcome.message
    assert "held only 57.1% of 2025-07" in outcome.message  # 1,967 of 3,442 t
    assert "KR" in outcome.message and "--partial" in outcome.message
    assert f"quarantine release {outcome.release_id[:12]}" in outcome.message
    with pytest.raises(CustomsEtlError, match="no export figures"):
        _report(warehouse, AUG)
    # loaded as what it is, it updates only what it carries: no world total for August
    (again,) = _ingest_bytes(warehouse, "export-85051110-202508-partial.csv", august)
    assert again.status == "loaded"
    with pytest.raises(CustomsEtlError, match=r"only filtered \(partial\) exports cover"):
        _report(warehouse, AUG)


# 3 --------------------------------------------- a month covered only by a partial export as base

def test_a_month_covered_only_by_a_partial_export_is_no_base(warehouse: str) -> None:
    _load(warehouse, _month(JUL, {"DE": 1_116_000, "US": 619_000, "JP": 232_000},
                            trade_mode="10"))  # fmt: skip
    _load(warehouse, _month(AUG, {"US": 428_000}, trade_mode="10"), coverage="partial")
    _load(warehouse, _month(SEP, {"DE": 900_000, "US": 619_000, "JP": 200_000},
                            trade_mode="10"))  # fmt: skip
    report = _report(warehouse, SEP)
    us = next(p for p in report["partners"] if p["partner"] == "US")
    assert report["world"]["mom_pct"] is None and us["mom_pct"] is None  # not +44.7 %
    assert _caveat("mom_pct", "partial", "2025-08") in report["caveats"]
    assert _caveat("partners.mom_pct", "partial", "2025-08") in report["caveats"]
    assert "August is covered only by a filtered (partial) export" in render(report, "text")
    with reader(warehouse) as con:
        august = con.execute(
            "SELECT partner, rank, share_pct, coverage FROM marts.partner_ranked"
            " WHERE period = ?", [AUG]
        ).fetchall()
        (coverage,) = con.execute(
            "SELECT coverage FROM marts.world_monthly WHERE period = ?", [AUG]
        ).fetchone()
    assert august == [("US", None, None, "partial")] and coverage == "partial"


# 4 ----------------------------------------------- "highest since" and a combined January-February

def test_highest_since_counts_a_combined_block_and_stops_at_a_gap(warehouse: str) -> None:
    dec, mar, apr = date(2024, 12, 1), date(2025, 3, 1), date(2025, 4, 1)
    _load(warehouse, _month(dec, {"DE": 4_968_000}))
    _load(warehouse, [observation(JAN, FEB, "DE", 9_906_000, basis="ytd")])  # Jan-Feb together
    _load(warehouse, _month(mar, {"DE": 2_000_000}))
    _load(warehouse, _month(apr, {"DE": 4_800_000}))
    world = _report(warehouse, apr)["world"]
    # one of January or February averaged 4,953 t: April is the highest since that block
    assert world["highest_since"] == "2025-01..2025-02"
    assert "the highest since Jan–Feb 2025" in render(_report(warehouse, apr), "text")
    # 9,000 t in May: the block (9,906 t, 4,953 t a month) may or may not hold a month as high
    may = date(2025, 5, 1)
    _load(warehouse, _month(may, {"DE": 9_000_000}))
    report = _report(warehouse, may)
    assert report["world"]["highest_since"] is None
    assert _caveat("highest_since", "combined", "2025-01..2025-02") in report["caveats"]
    # 10,000 t: above the block's total, and above December; November is missing: no claim
    _load(warehouse, _month(date(2024, 10, 1), {"DE": 6_000_000}))
    _load(warehouse, _month(may, {"DE": 10_000_000}))
    report = _report(warehouse, may)
    assert report["world"]["highest_since"] is None
    assert _caveat("highest_since", "missing", "2024-11") in report["caveats"]
    assert "November 2024 is not in the warehouse" in render(report, "text")


# 5 ------------------------------------------------------ part of a watchlist entry as the whole

def test_an_entry_sums_its_lines_like_for_like_and_names_them(warehouse: str) -> None:
    gallium = next(c for c in candidates(
        __import__("customs_etl.core.catalogue", fromlist=["x"]).COMMODITIES["gallium"]
    ) if c.grouped)  # fmt: skip
    _load(warehouse, _month(JUN, {"JP": 20_000}, commodity="81129290"))
    _load(warehouse, _month(JUL, {"JP": 35_000}, commodity="81129290"))
    _load(warehouse, _month(JUL, {"JP": 40_000}, commodity="28500019"))
    report = _report(warehouse, JUL, gallium)
    assert report["world"]["tonnes"] == 75  # both lines
    assert report["world"]["mom_pct"] == pytest.approx(75.0)  # like for like, not +275 %
    assert report["lines"] == ["28500019", "81129290"]
    assert _caveat("mom_pct", "missing", "2025-06", "28500019") in report["caveats"]
    text = render(report, "text", gallium.label)
    assert "(tariff lines 28500019, 81129290 only, of the entry's 6)" in text
    assert "rests on fewer lines" in text
    with reader(warehouse) as con:
        entry = next(e for e in build_watchlist(con, JUL)["entries"] if e["entry"] == "gallium")
    assert (entry["tonnes"], entry["codes"]) == (75, ["28500019", "81129290"])
    assert entry["mom_pct"] == pytest.approx(75.0)


# 6 ------------------------------------------------------------------- whitespace in codes

def test_codes_with_a_tab_are_the_same_codes_as_clean_ones(warehouse: str) -> None:
    dirty = [(code + "\t", name, mode + "\t", kg) for code, name, mode, kg in JULY_ROWS]
    (july,) = _ingest_bytes(warehouse, "export-85051110-202507.csv",
                            _export("202507", dirty).replace(b'"', b'"'))  # fmt: skip
    assert july.status == "loaded"
    patch = _export("202507", [("502", "美国", "10", 619_000)])
    (again,) = _ingest_bytes(warehouse, "export-85051110-202507-partial.csv", patch)
    assert again.status == "loaded"
    report = _report(warehouse, JUL)
    us = next(p for p in report["partners"] if p["partner"] == "US")
    assert us["tonnes"] == 619  # replaced, not doubled to 1,238 t
    with reader(warehouse) as con:
        modes = con.execute("SELECT DISTINCT trade_mode FROM core.observations").fetchall()
    assert modes == [("10",)]


# 7 ------------------------------------------------- a corrected name is not "unchanged"

def test_bytes_loaded_as_imports_are_refused_as_exports_until_withdrawn(
    prefect_api: str, tmp_path: Path
) -> None:
    warehouse = str(tmp_path / "w.duckdb")
    data = _export("202508", JULY_ROWS)
    wrong = tmp_path / "import-85051110-202508.csv"
    wrong.write_bytes(data)
    assert run_cli("ingest", str(wrong), "--warehouse", warehouse).code == 0
    right = tmp_path / "export-85051110-202508.csv"
    right.write_bytes(data)
    for offer in (["ingest", str(right)], ["ingest", str(wrong), "--flow", "export"]):
        refused = run_cli(*offer, "--warehouse", warehouse)
        assert refused.code == 1
        lines = [line for line in refused.stderr.splitlines() if line.startswith("refused:")]
        assert len(lines) == 1 and "already loaded as imports of 85051110 2025-08" in lines[0]
        assert "withdraw it first" in lines[0]
    release = RawDocument("x", "gacc_query", data).sha256[:12]
    done = run_cli("withdraw", release, "--reason", "filed as imports by mistake",
                   "--reviewer", "desk", "--warehouse", warehouse)  # fmt: skip
    assert done.code == 0 and "6 rows out of the current figures" in done.stdout
    assert run_cli("ingest", str(right), "--warehouse", warehouse).code == 0
    with duckdb.connect(warehouse, read_only=True) as con:
        flows = con.execute("SELECT DISTINCT flow FROM core.latest").fetchall()
        kept = con.execute("SELECT count(*) FROM meta.withdrawn_observations").fetchone()
        review = con.execute(
            "SELECT action, reviewer, reason FROM meta.quarantine_reviews"
        ).fetchall()
    assert flows == [("export",)] and kept == (6,)
    assert review == [("withdrawn", "desk", "filed as imports by mistake")]
    shown = run_cli("quarantine", "show", release, "--warehouse", warehouse)
    assert "withdrawn by desk" in shown.stdout


# 8 ---------------------------------------------------------------------- a missing quantity

def test_a_row_without_a_quantity_is_a_warning_and_leaves_no_total(warehouse: str) -> None:
    rows = [magnet_row("202507", code, name, mode, kg, kg * 50)
            for code, name, mode, kg in JULY_ROWS]  # fmt: skip
    de = list(rows[0])
    de[7] = "-"  # 第一数量 missing, unit 千克
    rows[0] = tuple(de)
    (outcome,) = _ingest_bytes(warehouse, "export-85051110-202507.csv",
                               render_export(ZH_MONTHLY_HEADER, rows))  # fmt: skip
    assert outcome.status == "loaded" and outcome.warnings == 1
    assert "quantity" in outcome.message and "row 2" in outcome.message
    report = _report(warehouse, JUL)
    assert report["world"]["tonnes"] is None and report["unit"] is None
    assert _caveat("tonnes", "no_quantity", "2025-07", LINE, "DE") in report["caveats"]
    assert all(p["share_pct"] is None and p["rank"] is None for p in report["partners"])
    text = render(report, "text")
    assert "no mass figure" not in text and "n/a of the total" not in text
    assert "Germany published no quantity" in text
    us = next(p for p in report["partners"] if p["partner"] == "US")
    assert us["tonnes"] == 619


# 9 -------------------------------------------------------------------------------- rounding

def test_text_rounds_half_away_from_zero_and_never_prints_a_signed_zero() -> None:
    assert (tonnes_text(1_116.5), tonnes_text(1_117.5), tonnes_text(2.5)) == (
        "1,117 t", "1,118 t", "3 t")  # fmt: skip
    assert (pct_text(0.25), pct_text(-0.25), pct_text(46.05)) == ("+0.3 %", "−0.3 %", "+46.1 %")
    assert pct_text(-0.04) == pct_text(0.04) == pct_text(0.0) == "0 %"


def test_the_brief_rounds_a_partner_at_half_a_tonne_up(warehouse: str) -> None:
    _load(warehouse, _month(JUL, {"DE": 1_116_500, "US": 619_000}))
    assert "at 1,117 t" in render(_report(warehouse, JUL), "text")


# 10 ------------------------------------------------------------------- a choice option's value

def test_a_wrong_flow_is_refused_with_the_choices(sample_warehouse: Path) -> None:
    result = run_cli("report", "--period", "2025-07", "--flow", "Export",
                     "--warehouse", str(sample_warehouse))  # fmt: skip
    assert result.code == 2
    assert result.stdout == "" and len(result.stderr.strip().splitlines()) == 1
    assert "'export', 'import'" in result.stderr and "--flow" in result.stderr
