"""Many series decided in one query are each what deciding it alone gives.

The watchlist asks ``marts.series_months_in`` and ``marts.series_partners_in`` for every entry's
candidate series at once; a report asks ``*_of(codes, grouped)`` for one. A line may belong to
several series (an HS6 code in two entries), a series may take only one source's lines, and the
like-for-like sums must not see another series' rows: each series of the one query is compared,
row for row, with the same series asked for alone, over generated histories (lines that miss
months, partners that come and go, a second source under the same code).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from customs_etl.core.months import add_months
from customs_etl.core.queries import named_rows
from tests.support.history import clear, load_rows, migrated, observation

LINES = ("85051110", "85051190", "28053019")
PARTNERS = ("US", "DE", "JP")
MONTHS = tuple(add_months(date(2024, 1, 1), i) for i in range(16))
REPORT_MONTHS = MONTHS[12:]
# (series, source, lines, grouped): overlapping lines, one series bound to a source
SERIES = (
    ("one", "gacc_query", (LINES[0],), False),
    ("two", "gacc_query", LINES[:2], True),
    ("all", None, LINES, True),
    ("other", "gacc_query", (LINES[1], LINES[2]), True),
)


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    with migrated(tmp_path_factory.mktemp("members") / "w.duckdb") as connection:
        yield connection


def _members() -> list[dict[str, Any]]:
    return [{"series": name, "source": source, "code": code, "grouped": grouped}
            for name, source, codes, grouped in SERIES for code in codes]  # fmt: skip


def _alone(con: duckdb.DuckDBPyConnection, macro: str, codes: tuple[str, ...], grouped: bool,
           source: str | None) -> list[dict]:  # fmt: skip
    rows = named_rows(con, f"SELECT * FROM marts.{macro}_of(?, ?)", [list(codes), grouped])
    return [row for row in rows if source is None or row["source"] == source]


def _key(row: dict) -> tuple:
    return tuple(str(row.get(k)) for k in ("source", "flow", "period", "commodity_code", "partner"))


months_held = st.lists(st.sampled_from(MONTHS), min_size=3, max_size=len(MONTHS), unique=True)
figures = st.dictionaries(st.sampled_from(PARTNERS), st.sampled_from([0, 1_000, 2_500, 9_000]),
                          min_size=1, max_size=3)  # fmt: skip


@settings(
    max_examples=6,
    deadline=None,
    derandomize=True,
    phases=(Phase.explicit, Phase.generate),  # no shrinking: each try loads a history
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.fixed_dictionaries({line: months_held for line in LINES}), st.data())
def test_series_decided_together_equal_each_alone(
    con: duckdb.DuckDBPyConnection, held: dict[str, list[date]], data: st.DataObject
) -> None:
    clear(con)
    for line, months in held.items():
        for month in sorted(months):
            rows = [observation(month, month, partner, kg, commodity=line)
                    for partner, kg in data.draw(figures).items()]  # fmt: skip
            load_rows(con, rows)
    # the same lines in another publication: a series bound to gacc_query must not take them
    load_rows(con, [observation(MONTHS[13], MONTHS[13], "US", 7_000, commodity=LINES[0],
                                source="sample")], source="sample")  # fmt: skip

    for macro in ("series_months", "series_partners"):
        together = named_rows(con, f"SELECT * FROM marts.{macro}_in(?)", [_members()])
        assert {row["series"] for row in together} == {name for name, *_ in SERIES}
        for name, source, codes, grouped in SERIES:
            mine = sorted(({k: v for k, v in row.items() if k != "series"}
                           for row in together if row["series"] == name), key=_key)  # fmt: skip
            alone = sorted(_alone(con, macro, codes, grouped, source), key=_key)
            assert mine == alone, (macro, name)
            if macro == "series_months":  # the months a report reads are among them
                assert {row["period"] for row in mine} >= set(REPORT_MONTHS) & {
                    m for line in codes for m in held[line]
                }
