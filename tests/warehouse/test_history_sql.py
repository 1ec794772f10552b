"""The SQL history checks agree with the pandas reference on generated histories.

``warehouse.batch_history`` computes, in SQL over the warehouse and a staged batch, what
``tests/support/ytd_reference.py`` states plainly in pandas: the state after the batch (full
releases replace slices, partial ones only their cells), the YTD reconciliation before and
after it, and what each document restates. Histories and batches are generated (full and
partial releases, months and year-to-date figures, partners and trade modes) and both sides
must agree figure for figure.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import duckdb
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from customs_etl.core.schema import conform, to_arrow
from customs_etl.warehouse.batch_history import BatchHistory
from customs_etl.warehouse.releases import latest_for
from tests.support.coverage_reference import coverage_gaps
from tests.support.history import clear, load_rows, migrated, observation
from tests.support.ytd_reference import (
    reconcile_ytd,
    revisions,
    stale_cumulatives,
    supersede,
)

YEAR = 2025
MODES = ("10", "15")
PARTNERS = ("US", "DE")


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    with migrated(tmp_path_factory.mktemp("history") / "w.duckdb") as connection:
        yield connection


# A slice: a single month 1..4, or a YTD from January through 1..4.
slices = st.tuples(st.sampled_from(["month", "ytd"]), st.integers(1, 4))
kg = st.sampled_from([0, 400, 1_000, 1_500, 3_000, 10_000, 250_000])
cells = st.dictionaries(st.tuples(st.sampled_from(PARTNERS), st.sampled_from(MODES)), kg,
                        min_size=1, max_size=4)  # fmt: skip
releases = st.tuples(
    st.dictionaries(slices, cells, min_size=1, max_size=3), st.sampled_from(["full", "partial"])
)


def _rows(release: tuple[dict, str]) -> list[dict]:
    figures, _ = release
    rows = []
    for (basis, month), by_cell in figures.items():
        start = date(YEAR, 1 if basis == "ytd" else month, 1)
        end = date(YEAR, month, 1)
        for (partner, mode), value in by_cell.items():
            row = observation(start, end, partner, value * 1000, basis=basis, trade_mode=mode)
            rows.append(row)
    return rows


def _frame(rows: list[dict], release_id: str) -> pd.DataFrame:
    frame = conform(pd.DataFrame(rows))
    frame["release_id"] = release_id
    frame["source_row"] = range(2, len(frame) + 2)
    return frame


def _cells(frame: pd.DataFrame) -> list[tuple]:
    """What core.latest shows: every current row with its vintage and completeness."""
    if frame.empty:
        return []
    columns = ["release_id", "partner", "trade_mode", "period_start", "period_end", "basis",
               "slice_complete"]  # fmt: skip
    return sorted(
        (*(str(v) for v in row[:-2]), float(row[-2]), bool(row[-1]))
        for row in frame[[*columns[:-1], "quantity_kg", "slice_complete"]].itertuples(index=False)
    )


def _key(frame: pd.DataFrame) -> list[tuple]:
    columns = ["check", "partner", "through_month", "ytd_kg", "months_kg", "months_used"]
    rows = frame[columns].itertuples(index=False)
    return sorted((c, p, int(t), round(float(y), 3), round(float(m), 3), u) for c, p, t, y, m, u
                  in rows)  # fmt: skip


def _revised_in_marts(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str, str, int, int]]:
    """Cumulatives ``marts.line_months_of`` finds a month revised after (revised_month)."""
    rows = con.execute(
        "SELECT source, flow, commodity_code, year(period), month(period)"
        " FROM marts.line_months_of(['85051110']) WHERE revised_month IS NOT NULL"
    ).fetchall()
    return {tuple(row) for row in rows}


# A history whose Jan–Feb cumulative a later January vintage revised: the cumulative is stale.
STALE_HISTORY = [
    ({("month", 1): {("US", "10"): 10_000}}, "full"),
    ({("month", 2): {("US", "10"): 3_000}, ("ytd", 2): {("US", "10"): 13_000}}, "full"),
    ({("month", 1): {("US", "10"): 250_000}}, "full"),
]
MARCH = ({("month", 3): {("US", "10"): 1_000}, ("ytd", 3): {("US", "10"): 254_000}}, "full")
FEB_AGAIN = ({("ytd", 2): {("US", "10"): 253_000}}, "full")
# Two cumulatives over January saw different Januaries: Jan–Feb the first, Jan–Mar the revised
# one, which January's re-publication leaves as it was; only Jan–Feb is stale.
TWO_CUMULATIVES = [
    *STALE_HISTORY,
    ({("month", 3): {("US", "10"): 1_000}, ("ytd", 3): {("US", "10"): 254_000}}, "full"),
    ({("month", 1): {("US", "10"): 250_000}}, "full"),
]


@example(past=STALE_HISTORY, batch=[MARCH])  # the stale Jan–Feb arbitrates nothing
@example(past=STALE_HISTORY, batch=[FEB_AGAIN])  # ... until a batch publishes it again
@example(past=TWO_CUMULATIVES, batch=[FEB_AGAIN])  # each saw its own January
@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(releases, min_size=0, max_size=3), st.lists(releases, min_size=1, max_size=2))
def test_sql_history_agrees_with_the_reference(
    con: duckdb.DuckDBPyConnection, past: list, batch: list
) -> None:
    clear(con)
    expected = pd.DataFrame()
    vintages = []
    for release in past:
        if _rows(release):
            rid = load_rows(con, _rows(release), coverage=release[1])
            frame = _frame(_rows(release), rid)
            vintages.append((frame, release[1] == "partial"))
            expected = supersede(expected, frame, release[1] == "partial")
    history = latest_for(con, "gacc_query", "export", ["85051110"], [YEAR])
    assert _cells(history) == _cells(expected)  # core.latest itself follows the rule
    stale = stale_cumulatives(vintages)  # they arbitrate nothing (the marts call them stale)
    if not any(release[1] == "partial" for release in past):
        # the marts' coverage model names the same cumulatives: revised after they loaded
        assert _revised_in_marts(con) == stale
    frames = [_frame(_rows(r), f"doc{i}") for i, r in enumerate(batch)]
    table = pa.concat_tables([to_arrow(f) for f in frames])
    staged = BatchHistory(con, table, [(f"doc{i}", r[1]) for i, r in enumerate(batch)])
    try:
        before = staged.reconciliation(after=False)
        after = staged.reconciliation(after=True)
        restated = staged.restatements()
        findings = staged.coverage()
    finally:
        staged.close()

    assert _key(before) == _key(reconcile_ytd(history, skip=stale))
    state = history
    for frame, (_, coverage) in zip(frames, batch, strict=True):
        state = supersede(state, frame, coverage == "partial")
    republished = {  # ... unless the batch publishes them again, as its own figures
        ("gacc_query", "export", "85051110", YEAR, month)
        for figures, _ in batch for basis, month in figures if basis == "ytd"
    }
    assert _key(after) == _key(reconcile_ytd(state, skip=stale - republished))

    if len(batch) == 1:  # restatements: against history, as the reference states them
        mine = restated.drop(columns="release_id")
        want = revisions(history, frames[0], partial=batch[0][1] == "partial")
        columns = ["partner", "period_start", "period_end", "basis", "old_kg", "new_kg"]
        as_set = lambda f: sorted(  # noqa: E731
            (p, s, e, b, round(float(o), 3), round(float(n), 3))
            for p, s, e, b, o, n in f[columns].itertuples(index=False)
        )
        assert as_set(mine) == as_set(want)
        if batch[0][1] == "full":  # what a full release lacks of the figures it replaces
            gaps = {(g.commodity_code, g.basis, g.period, g.missing_partners, g.partners_held,
                     g.missing_trade_modes, g.trade_modes_held)
                    for g in coverage_gaps(history, frames[0])}  # fmt: skip
            found = {(f.commodity_code, f.basis, f.period, f.missing_partners, f.partners_held,
                      f.missing_trade_modes, f.trade_modes_held) for f in findings}  # fmt: skip
            assert found == gaps


def test_the_reference_finds_the_stale_cumulative() -> None:
    """The explicit examples above exercise the stale path (generated ones rarely do)."""
    vintages = [(_frame(_rows(r), f"past{i}"), r[1] == "partial")
                for i, r in enumerate(STALE_HISTORY)]  # fmt: skip
    assert stale_cumulatives(vintages) == {("gacc_query", "export", "85051110", YEAR, 2)}
    assert stale_cumulatives(vintages[:2]) == set()


def test_a_generated_case_can_fail(con: duckdb.DuckDBPyConnection) -> None:
    """The comparison is not vacuous: a history whose YTD breaks shows up on both sides."""
    clear(con)
    jan, feb = date(YEAR, 1, 1), date(YEAR, 2, 1)
    load_rows(con, [observation(jan, jan, "US", Decimal(5_000_000), trade_mode="10")])
    rows = [observation(jan, feb, "US", Decimal(9_000_000), basis="ytd", trade_mode="10"),
            observation(feb, feb, "US", Decimal(1_000_000), trade_mode="10")]  # fmt: skip
    table = to_arrow(_frame(rows, "doc0"))
    staged = BatchHistory(con, table, [("doc0", "full")])
    try:
        after = staged.reconciliation(after=True)
    finally:
        staged.close()
    assert (after["excess_kg"] > 0).any()
