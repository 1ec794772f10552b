"""$CUSTOMS_ETL_MEMORY_MB: DuckDB's memory limit on the warehouse file's connections, the batch
size it caps, whether the next batch is prepared ahead; a bad value is one line."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from customs_etl.core.errors import CustomsEtlError
from customs_etl.core.memory import DUCKDB_MIN_MB, FIXED_MB, MB_PER_BATCH_MB, MemoryBudget
from customs_etl.flows.run_engine import batch_bytes
from customs_etl.warehouse.db import reader, writer


def _shown(megabytes: int) -> str:
    """How DuckDB shows a memory limit of ``megabytes`` MB (it prints MiB)."""
    with duckdb.connect() as con:
        con.execute(f"SET memory_limit = '{megabytes}MB'")
        return con.execute("SELECT current_setting('memory_limit')").fetchone()[0]


def _limit(con: duckdb.DuckDBPyConnection) -> str:
    return con.execute("SELECT current_setting('memory_limit')").fetchone()[0]


def test_the_writer_takes_the_budgets_duckdb_limit_and_a_reader_does_not(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    warehouse = tmp_path / "w.duckdb"
    monkeypatch.delenv("CUSTOMS_ETL_MEMORY_MB", raising=False)
    with writer(warehouse) as con:  # default 1024 MB: a quarter for DuckDB
        assert _limit(con) == _shown(256)
    monkeypatch.setenv("CUSTOMS_ETL_MEMORY_MB", " 4096 ")
    with writer(warehouse) as con:
        assert _limit(con) == _shown(1024)
        assert con.execute("SELECT count(*) FROM meta.schema_migrations").fetchone()[0] > 0
    # a reading command keeps DuckDB's default (80 % of RAM)
    with reader(warehouse) as con, duckdb.connect() as plain:
        assert _limit(con) == _limit(plain) != _shown(1024)
    monkeypatch.setenv("CUSTOMS_ETL_MEMORY_MB", "300")  # a small budget: DuckDB keeps its floor
    with writer(warehouse) as con:
        assert _limit(con) == _shown(DUCKDB_MIN_MB)


def test_a_bad_budget_is_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for value, words in (("lots", "valid number"), ("100", "greater than or equal to 256")):
        monkeypatch.setenv("CUSTOMS_ETL_MEMORY_MB", value)
        with pytest.raises(CustomsEtlError) as caught, writer(tmp_path / "w.duckdb"):
            pass
        message = str(caught.value)
        assert message.startswith(f"setting CUSTOMS_ETL_MEMORY_MB={value!r}"), message
        assert words in message and "\n" not in message
    assert not (tmp_path / "w.duckdb").exists()  # refused before DuckDB creates the file


def test_the_budget_caps_the_batch_and_decides_preparing_ahead(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CUSTOMS_ETL_BATCH_MB", raising=False)
    monkeypatch.setenv("CUSTOMS_ETL_MEMORY_MB", str(FIXED_MB + 4 * MB_PER_BATCH_MB))
    assert batch_bytes() == 4 * 1024 * 1024  # the budget's cap, below the default 32 MB
    monkeypatch.setenv("CUSTOMS_ETL_BATCH_MB", "2")
    assert batch_bytes() == 2 * 1024 * 1024  # a smaller explicit batch stays
    monkeypatch.setenv("CUSTOMS_ETL_MEMORY_MB", "100000")
    monkeypatch.delenv("CUSTOMS_ETL_BATCH_MB")
    assert batch_bytes() == 32 * 1024 * 1024  # a large budget: the batch setting decides
    default = MemoryBudget(1024)
    cap = default.batch_cap_mb  # two batches of a size: one prepared while one loads
    assert default.fits(8, 8) and not default.fits(cap, cap)
    assert MemoryBudget(4096).fits(32, 32)
    # on the batches' own sizes: small ones (a monthly run) overlap, a full one and more not
    assert default.fits(0.5, 0.5) and not default.fits(default.batch_cap_mb, 0.5)


def test_a_load_beyond_duckdbs_limit_is_one_line_naming_the_setting(tmp_path: Path) -> None:
    """An aggregate DuckDB cannot spill, past its limit: the writer says which setting to
    raise, and the warehouse keeps nothing of the block."""
    warehouse = tmp_path / "w.duckdb"
    with pytest.raises(CustomsEtlError) as raised, writer(warehouse) as con:
        con.execute("BEGIN")
        con.execute("CREATE TABLE main.half AS SELECT 1 AS x")
        con.execute("SET memory_limit = '16MB'")  # far below the budget's floor, on purpose
        con.execute("SELECT list(i) FROM range(20000000) t(i)").fetchall()
    message = str(raised.value)
    assert "memory limit" in message and "raise CUSTOMS_ETL_MEMORY_MB" in message
    assert str(warehouse) in message and "\n" not in message
    with reader(warehouse) as con:
        assert not con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'half'"
        ).fetchone()[0]
