"""One series, three publications: GACC's preliminary release, then the monthly bulletin of the
same month, then the query platform's tariff lines. The most verified vintage wins whatever was
loaded last, the preliminary-to-bulletin differences are revisions naming both, and the brief
says which publication its figure comes from and when it was published (issue 19)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from customs_etl.core.catalogue import COMMODITIES
from customs_etl.reports.commodities import report_options
from customs_etl.reports.news import build_report, choose_series, render
from customs_etl.reports.watchlist import build_watchlist
from customs_etl.warehouse.db import reader
from tests.support.documents import load_one
from tests.support.history import observation

RARE_EARTHS = COMMODITIES["rare-earths"].code
MAY, JUN = date(2025, 5, 1), date(2025, 6, 1)


def _world(month: date, kg: int, source: str, **options: object) -> dict:
    return observation(month, month, "WLD", kg, source=source, commodity=RARE_EARTHS, **options)


def _entry_brief(con: duckdb.DuckDBPyConnection) -> dict:
    """The brief on the rare-earths entry, its series chosen as `customs-etl report` does."""
    series, world = choose_series(con, report_options("rare-earths"), JUN, "export")
    return build_report(con, JUN, series, "export", (), world)


def _brief(warehouse: str) -> dict:
    with reader(warehouse) as con:
        return _entry_brief(con)


@pytest.fixture
def warehouse(tmp_path: Path) -> str:
    return str(tmp_path / "w.duckdb")


def test_the_bulletin_replaces_the_preliminary_figure_and_the_brief_says_so(
    warehouse: str,
) -> None:
    load_one(warehouse, [_world(MAY, 4_784_771, "gacc_preliminary")], source="gacc_preliminary",
             published_on=date(2025, 6, 9))  # fmt: skip
    first = load_one(warehouse, [_world(JUN, 7_737_000, "gacc_preliminary")],
                     source="gacc_preliminary", published_on=date(2025, 7, 14))  # fmt: skip
    assert first.status == "loaded"
    early = _brief(warehouse)
    assert (early["release"]["source"], early["release"]["published"]) == (
        "gacc_preliminary", "2025-07-14")  # fmt: skip
    assert early["world"]["tonnes"] == pytest.approx(7_737.0)
    assert "7,737.0 t" in render(early, "text") and "(preliminary release of 14 July 2025)" in (
        render(early, "text"))  # fmt: skip
    verified = load_one(warehouse, [_world(JUN, 7_742_000, "gacc_bulletin")],
                        source="gacc_bulletin", published_on=date(2025, 7, 20))  # fmt: skip
    assert verified.status == "loaded" and verified.revisions == 1  # it restates the first
    late = _brief(warehouse)
    assert (late["source"], late["release"]["source"]) == ("gacc_bulletin", "gacc_bulletin")
    assert late["world"]["tonnes"] == pytest.approx(7_742.0)
    assert late["world"]["mom_pct"] == pytest.approx((7_742 / 4_784.771 - 1) * 100)
    assert "7,742 t" in render(late, "text") and "(monthly bulletin of 20 July 2025)" in render(
        late, "text")  # fmt: skip
    with reader(warehouse) as con:
        revisions = con.execute(
            "SELECT previous_source, source, previous_quantity_kg, quantity_kg, series_source"
            " FROM core.revisions WHERE period_start = ?", [JUN]
        ).fetchall()
    assert revisions == [("gacc_preliminary", "gacc_bulletin", 7_737_000, 7_742_000,
                          "gacc_bulletin")]  # fmt: skip
    # a preliminary vintage fetched again later does not replace the verified figure
    again = load_one(warehouse, [_world(JUN, 7_737_000, "gacc_preliminary")],
                     source="gacc_preliminary", published_on=date(2025, 7, 14))  # fmt: skip
    assert again.status == "loaded" and again.revisions == 0
    assert _brief(warehouse)["release"]["source"] == "gacc_bulletin"
    assert _brief(warehouse)["world"]["tonnes"] == pytest.approx(7_742.0)


def test_the_watchlist_moves_to_the_tariff_lines_when_they_come(warehouse: str) -> None:
    load_one(warehouse, [_world(JUN, 7_742_000, "gacc_bulletin")], source="gacc_bulletin")
    with reader(warehouse) as con:
        entry = next(e for e in build_watchlist(con, JUN)["entries"] if e["entry"] == "rare-earths")
    assert (entry["source"], entry["codes"]) == ("gacc_bulletin", [RARE_EARTHS])
    lines = COMMODITIES["rare-earths"].tariff_lines
    load_one(warehouse, [observation(JUN, JUN, "JP", 400_000, commodity=lines[0]),
                         observation(JUN, JUN, "US", 100_000, commodity=lines[0])])  # fmt: skip
    with reader(warehouse) as con:
        entry = next(e for e in build_watchlist(con, JUN)["entries"] if e["entry"] == "rare-earths")
        brief = _entry_brief(con)
    assert (entry["source"], entry["codes"]) == ("gacc_query", [lines[0]])
    assert entry["top_partner"]["partner"] == "JP"
    # the brief on the entry stays on its own series: the bulletin row is the whole of it
    assert brief["commodity"] == RARE_EARTHS and brief["release"]["source"] == "gacc_bulletin"


def test_a_bulletin_whose_values_contradict_the_preliminary_release_is_held_back(
    warehouse: str,
) -> None:
    """The June 2025 table (13) printed US$1,000 under a 'RMB 10,000' unit line: a page whose
    currency or scale is read wrong lands ×7 or ×10 from the preliminary release of the month."""
    load_one(warehouse, [_world(JUN, 7_737_000, "gacc_preliminary", usd=23_200_000)],
             source="gacc_preliminary")  # fmt: skip
    wrong = load_one(warehouse, [_world(JUN, 7_742_000, "gacc_bulletin", usd=231_850_000)],
                     source="gacc_bulletin")  # fmt: skip
    assert wrong.status == "quarantined"
    assert "contradict GACC's preliminary release of 2025-06" in wrong.message
    assert "USD 231,850,000 against USD 23,200,000 (×9.99)" in wrong.message
    right = load_one(warehouse, [_world(JUN, 7_742_000, "gacc_bulletin", usd=23_185_000)],
                     source="gacc_bulletin")  # fmt: skip
    assert right.status == "loaded"


def test_a_reprint_of_last_years_ytd_that_moved_is_a_revision_not_a_refusal(
    warehouse: str,
) -> None:
    """GACC reprints last year's January-to-month beside this year's: its current figure for
    last year. Moved beyond tolerance (GACC has moved rows by up to 6.7 %), it says last year was
    revised since; this year's table loads, the reprint is recorded as a revision."""
    months = {1: 3_000_000, 2: 2_000_000, 3: 3_000_000, 4: 4_000_000, 5: 5_000_000}
    for m, kg in months.items():
        d = date(2024, m, 1)
        load_one(warehouse, [_world(d, kg, "gacc_preliminary")], source="gacc_preliminary")
    jan24, may24, may25 = date(2024, 1, 1), date(2024, 5, 1), date(2025, 5, 1)
    load_one(warehouse, [observation(jan24, may24, "WLD", 17_000_000, basis="ytd",
                                     source="gacc_preliminary", commodity=RARE_EARTHS)],
             source="gacc_preliminary")  # fmt: skip
    this_year = [
        _world(may25, 5_864_600, "gacc_preliminary"),
        observation(date(2025, 1, 1), may25, "WLD", 24_827_000, basis="ytd",
                    source="gacc_preliminary", commodity=RARE_EARTHS),
        observation(jan24, may24, "WLD", 17_600_000, basis="ytd", source="gacc_preliminary",
                    commodity=RARE_EARTHS) | {"flags": "last_year_reprint"},
    ]  # fmt: skip
    outcome = load_one(warehouse, this_year, source="gacc_preliminary")
    assert outcome.status == "loaded", outcome.message
    assert outcome.revisions >= 1 and "2024 Jan-05" in outcome.message
    with reader(warehouse) as con:
        moved = con.execute(
            "SELECT previous_quantity_kg, quantity_kg FROM core.revisions WHERE basis = 'ytd'"
            " AND period_end = ?", [may24]
        ).fetchall()
        brief = build_report(con, may25, RARE_EARTHS)
    assert moved == [(17_000_000, 17_600_000)]
    # last year's YTD is GACC's current figure: the reprint
    assert brief["world"]["ytd_yoy_pct"] == pytest.approx((24_827 / 17_600 - 1) * 100)
