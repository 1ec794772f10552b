"""Reading query results by name, for every layer that asks the warehouse something.

Two rules every reader needs, kept once: a result is read to its end (``fetchone()`` leaves a
streaming result open, and DuckDB then refuses any other work on the connection), and rows
come back as dicts by column name, so a caller never unpacks a long positional tuple. Values
go in as SQL literals (``core.sql_text``): binding a Python value makes DuckDB's client import
pandas, which a one-second command (``report``, ``status``) cannot afford.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from customs_etl.core.sql_text import SqlValue, inline

if TYPE_CHECKING:
    import duckdb


def _run(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[SqlValue]):
    return con.execute(inline(sql, params) if params else sql)


def dict_rows(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """The rest of an executed query's rows, as dicts by column name."""
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def named_rows(
    con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[SqlValue] = ()
) -> list[dict[str, Any]]:
    """Every row of ``sql`` (``?`` placeholders filled from ``params``), as dicts."""
    return dict_rows(_run(con, sql, params))


def fetch_one(
    con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[SqlValue] = ()
) -> tuple | None:
    """The first row of ``sql``, or None; the result is read to its end."""
    rows = _run(con, sql, params).fetchall()
    return rows[0] if rows else None


def fetch_all(
    con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[SqlValue] = ()
) -> list[tuple]:
    """Every row of ``sql`` (``?`` placeholders filled from ``params``), as tuples."""
    return _run(con, sql, params).fetchall()
