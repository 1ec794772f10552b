"""The report's wording rules and a combined January-February, on histories loaded through the
project's own load code into a real DuckDB warehouse. (Every claim against a brute-force
reference over generated sequences of documents: ``tests/reports/test_claims.py``.)"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import duckdb
import pytest

from customs_etl.reports.news import build_report, render
from tests.support.history import LINE, clear, load_rows, migrated, observation

FIRST = date(2024, 1, 1)
PARTNERS = ("DE", "US", "JP", "KR")


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    with migrated(tmp_path_factory.mktemp("truth") / "w.duckdb") as connection:
        yield connection


# ------------------------------------------------------------------ combined January-February


def _bulletin_rows(start: date, end: date, kg: int, basis: str) -> dict:
    return observation(
        start,
        end,
        "WLD",
        kg * 1000,
        basis=basis,
        source="gacc_bulletin",
        commodity="bulletin:rare-earths-test",
    )


def test_a_combined_january_february_is_reported_as_such(con: duckdb.DuckDBPyConnection) -> None:
    clear(con)
    jan20, feb20, mar20 = date(2020, 1, 1), date(2020, 2, 1), date(2020, 3, 1)
    load_rows(
        con,
        [_bulletin_rows(jan20, feb20, 100, "month"), _bulletin_rows(jan20, feb20, 100, "ytd")],
        source="gacc_bulletin",
    )
    load_rows(
        con,
        [_bulletin_rows(mar20, mar20, 60, "month"), _bulletin_rows(jan20, mar20, 160, "ytd")],
        source="gacc_bulletin",
    )
    jan21, feb21 = date(2021, 1, 1), date(2021, 2, 1)
    load_rows(
        con,
        [_bulletin_rows(jan21, jan21, 40, "month"), _bulletin_rows(jan21, jan21, 40, "ytd")],
        source="gacc_bulletin",
    )
    load_rows(
        con,
        [_bulletin_rows(feb21, feb21, 50, "month"), _bulletin_rows(jan21, feb21, 90, "ytd")],
        source="gacc_bulletin",
    )
    code = "bulletin:rare-earths-test"
    february = build_report(con, feb20, code)
    assert february["combined"] == "2020-01..2020-02"
    assert february["world"]["tonnes"] is None and february["world"]["ytd_tonnes"] == 100
    assert render(february, "text", "rare earths").startswith(
        "Jan–Feb 2020: China's exports of rare earths were 100 t"
    )
    march = build_report(con, mar20, code)
    assert march["world"]["mom_pct"] is None and march["world"]["ytd_tonnes"] == 160
    next_year = build_report(con, feb21, code)
    assert next_year["combined"] is None
    assert next_year["world"]["ytd_yoy_pct"] == pytest.approx(-10.0)
    with pytest.raises(Exception, match="published only combined with the months to 2020-02"):
        build_report(con, jan20, code)


# ------------------------------------------------------------------ wording comes from data


def _month_of(con: duckdb.DuckDBPyConnection, flow: str, rows: dict[str, int]) -> dict:
    clear(con)
    july = date(2025, 7, 1)
    load_rows(con, [observation(july, july, p, kg, flow=flow) for p, kg in rows.items()])
    return build_report(con, july, LINE, flow)


def test_ties_share_a_rank_and_the_text_names_both(con: duckdb.DuckDBPyConnection) -> None:
    report = _month_of(con, "export", {"DE": 5_000, "JP": 5_000, "US": 1_000})
    assert [(p["partner"], p["rank"]) for p in report["partners"]] == [
        ("DE", 1),
        ("JP", 1),
        ("US", 3),
    ]
    text = render(report, "text")
    assert "Germany and Japan were the largest buyers at 5 t each" in text


def test_imports_name_suppliers_and_focus_partners_come_from_the_caller(
    con: duckdb.DuckDBPyConnection,
) -> None:
    clear(con)
    july = date(2025, 7, 1)
    load_rows(
        con,
        [
            observation(july, july, p, kg, flow="import")
            for p, kg in {"DE": 5_000, "NL": 2_000, "US": 1_000}.items()
        ],
    )
    plain = render(build_report(con, july, LINE, "import"), "text")
    assert "Germany was the largest supplier" in plain and "buyer" not in plain
    assert "United States" not in plain.split("\n\n")[0]  # nobody singled out by default
    focused = render(build_report(con, july, LINE, "import", focus=["NL", "KR"]), "text")
    assert "From the Netherlands: 2 t" in focused
    assert "From South Korea: no imports recorded." in focused


def test_prose_labels_keep_acronyms() -> None:
    """A catalogue name is lowercased for the middle of a sentence; "HS 9699…" is not "hS"."""
    from customs_etl.reports.commodities import resolve_report_commodity

    assert resolve_report_commodity("85051110")[1] == "rare-earth permanent magnets"
    assert resolve_report_commodity("96993416")[1] == "HS 96993416"
