"""The report against a brute-force reference over generated histories, and its wording rules.

Histories are loaded through the project's own load code into a real DuckDB warehouse; every
claim the report makes (totals, shares, ranks, m/m and y/y, highest/lowest since, rises in a
row, YTD) is recomputed here from the generated numbers by the simplest code that can be right.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from customs_etl.core.months import add_months as _add
from customs_etl.reports.news import build_report, render, to_json
from customs_etl.warehouse.db import migrate
from tests.support.history import LINE, clear, load_rows, observation
from tests.support.reference import highest_and_lowest_since

FIRST = date(2024, 1, 1)
PARTNERS = ("DE", "US", "JP", "KR")


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    path = tmp_path_factory.mktemp("truth") / "w.duckdb"
    connection = duckdb.connect(str(path))
    migrate(connection, path)
    yield connection
    connection.close()


# A history: month offset → {partner: kg}; small kg steps make ties and equal months likely.
kgs = st.sampled_from([0, 1_000, 2_000, 3_000, 5_000, 8_000])
month_rows = st.dictionaries(st.sampled_from(PARTNERS), kgs, min_size=1, max_size=4)
histories = st.dictionaries(st.integers(0, 26), month_rows, min_size=1, max_size=14)


def _reference(history: dict[date, dict[str, int]], period: date) -> dict:
    """What the report must say about ``period``, computed the plainest way."""
    total = {m: sum(p.values()) for m, p in history.items()}

    def change(now: int, then: int | None) -> float | None:
        return None if then in (None, 0) else (now / then - 1) * 100

    now = total[period]
    previous = total.get(_add(period, -1))
    earlier = sorted(m for m in history if m < period)
    high, low = highest_and_lowest_since(total, period, previous)
    rises, month = 0, period
    while _add(month, -1) in total and total[month] > total[_add(month, -1)]:
        rises, month = rises + 1, _add(month, -1)
    january = date(period.year, 1, 1)
    year_months = [_add(january, i) for i in range(period.month)]
    ytd = sum(total[m] for m in year_months) if all(m in total for m in year_months) else None
    partners = history[period]
    return {
        "tonnes": now / 1000,
        "mom_pct": change(now, previous),
        "yoy_pct": change(now, total.get(_add(period, -12))),
        "highest_since": high,
        "lowest_since": low,
        "consecutive_rises": rises,
        "ytd_tonnes": None if ytd is None else ytd / 1000,
        "months_held": len(earlier) + 1,
        "ranks": {
            p: 1 + sum(other > kg for other in partners.values()) for p, kg in partners.items()
        },
        "shares": {p: (kg / now * 100 if now else None) for p, kg in partners.items()},
        "partner_mom": {
            p: change(kg, history.get(_add(period, -1), {}).get(p)) for p, kg in partners.items()
        },
    }


def _close(a: float | None, b: float | None) -> bool:
    return (a is None and b is None) or (
        a is not None and b is not None and abs(a - b) <= 1e-9 * max(1.0, abs(b))
    )


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(histories, st.data())
def test_report_matches_a_brute_force_reference(
    con: duckdb.DuckDBPyConnection, offsets: dict[int, dict[str, int]], data: st.DataObject
) -> None:
    clear(con)
    history = {_add(FIRST, k): v for k, v in offsets.items()}
    for month, partners in history.items():
        load_rows(con, [observation(month, month, p, kg) for p, kg in partners.items()])
    period = data.draw(st.sampled_from(sorted(history)))
    report = build_report(con, period, LINE)
    want = _reference(history, period)
    world = report["world"]
    for key in ("tonnes", "mom_pct", "yoy_pct", "ytd_tonnes"):
        assert _close(world[key], want[key]), (key, world[key], want[key])
    for key in ("highest_since", "lowest_since", "consecutive_rises", "months_held"):
        assert world[key] == want[key], (key, world[key], want[key])
    partners = {p["partner"]: p for p in report["partners"]}
    assert set(partners) == set(want["ranks"])
    assert abs(sum(p["tonnes"] for p in partners.values()) - world["tonnes"]) < 1e-9
    for code, row in partners.items():
        assert row["rank"] == want["ranks"][code]
        assert _close(row["share_pct"], want["shares"][code])
        assert _close(row["mom_pct"], want["partner_mom"][code])
    if world["tonnes"]:
        assert abs(sum(p["share_pct"] for p in partners.values()) - 100) <= 0.1
    assert [p["rank"] for p in report["partners"]] == sorted(p["rank"] for p in report["partners"])
    text = json.loads(to_json(report))  # strict: raises on NaN or Infinity
    assert text == report
    for fmt in ("text", "markdown"):
        rendered = render(report, fmt, "magnets")
        assert "nan" not in rendered.lower().split() and "inf" not in rendered.lower()
        if want["highest_since"] is None:
            assert "highest" not in rendered
        if want["lowest_since"] is None:
            assert "lowest" not in rendered


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
    with pytest.raises(Exception, match="published only combined with February"):
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
