"""Values inlined as SQL literals come back from DuckDB exactly as given, and the report stays
free of pandas (binding parameters would import it: most of a report's run time)."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from customs_etl.core.sql_text import inline, literal

texts = st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)))
values = st.one_of(
    st.none(),
    st.lists(texts, max_size=3),  # the *_of macros take a list of tariff lines
    st.booleans(),
    st.integers(-(2**62), 2**62),
    st.floats(allow_nan=False, allow_infinity=False),
    st.dates(),
    st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",))),
    # the *_in macros take a series' members: structs of text, flags and NULLs
    st.fixed_dictionaries({"series": texts, "source": st.none() | texts, "grouped": st.booleans()}),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(values, min_size=1, max_size=4))
def test_values_round_trip_through_duckdb(params: list) -> None:
    sql = "SELECT " + ", ".join("?" for _ in params)
    with duckdb.connect() as con:
        row = con.execute(inline(sql, params)).fetchone()
    assert list(row) == params
    assert [type(v) for v in row] == [type(v) for v in params]  # 0.1 stays a float


def test_quotes_cannot_end_the_literal() -> None:
    hostile = "85051110' OR '1'='1"
    with duckdb.connect() as con:
        con.execute("CREATE TABLE t AS SELECT '85051110' AS code")
        rows = con.execute(inline("SELECT count(*) FROM t WHERE code = ?", [hostile])).fetchone()
    assert rows == (0,)
    assert literal("a'b") == "'a''b'"


def test_what_cannot_be_written_is_refused() -> None:
    with pytest.raises(ValueError, match="placeholders"):
        inline("SELECT ?, ?", [1])
    with pytest.raises(ValueError):
        literal("a\x00b")
    with pytest.raises(ValueError):
        literal(float("nan"))
    with pytest.raises(TypeError):
        literal(b"bytes")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        literal({1: "a"})  # type: ignore[dict-item]
    with pytest.raises(TypeError):
        literal({})
    assert literal(date(2025, 7, 1)) == "DATE '2025-07-01'"


READ_COMMANDS = {
    "report": ["report", "--period", "2025-07", "--format", "json"],
    "watchlist": ["watchlist", "--period", "2025-07"],
    "quarantine list": ["quarantine", "list"],
    "schema": ["schema"],
}
HEAVY = ("pandas", "pyarrow", "numpy", "great_expectations", "prefect", "matplotlib",
         "pydantic_settings")  # fmt: skip


@pytest.mark.parametrize("command", list(READ_COMMANDS))
def test_reading_commands_import_nothing_heavy(command: str, sample_warehouse: Path) -> None:
    """pandas (through a bound parameter), pyarrow, GX, Prefect, matplotlib, pydantic-settings
    (``core.settings.setting``): seconds a reader would wait for on every call (issue 21)."""
    argv = ["customs-etl", *READ_COMMANDS[command], "--warehouse", str(sample_warehouse)]
    script = (
        "import sys\n"
        "from customs_etl import cli\n"
        f"sys.argv = {argv!r}\n"
        "try:\n    cli.main()\nexcept SystemExit as exit:\n    assert not exit.code, exit.code\n"
        f"print('HEAVY', sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().endswith("HEAVY []"), done.stdout[-500:]
    if command == "report":
        assert '"world"' in done.stdout
