"""Views, table macros and comments as files (``warehouse/views/*.sql``), not migrations.

Migrations change tables and never change once applied; the definitions people read and
revise — every view and table macro of ``core`` and ``marts`` and every comment of the data
dictionary — live once each in a file named for what it defines, applied in file-name order
(a view binds to what the files before it made). A writer compares the files with what the
warehouse records in ``meta.applied_views`` and, when they differ, drops every view and macro
and applies all files again in its transaction: idempotent, on both backends (the lake takes
them from a scratch DuckDB that ran these files: ``warehouse.backends.ducklake``). A reader
never applies anything; a warehouse made from other files is refused until ``customs-etl
migrate`` has run.

A file may hold rows generated from core's reference tables (``{{partner_names}}``): they are
rendered when the files are read, so the checksum covers them and the table in core stays the
one source of truth.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from functools import cache
from importlib import resources

import duckdb

from customs_etl.core.errors import CustomsEtlError
from customs_etl.core.partners import partner_names
from customs_etl.core.sql_text import literal

SCHEMAS = ("raw", "core", "marts", "meta")  # where the files may define views and macros


def _partner_name_rows() -> str:
    """``('DE', 'Germany'),`` … one VALUES row per partner key, sorted by key."""
    rows = sorted(partner_names().items())
    return ",\n".join(f"    ({literal(key)}, {literal(name)})" for key, name in rows)


GENERATED = {"{{partner_names}}": _partner_name_rows}


def _rendered(text: str) -> str:
    for marker, rows in GENERATED.items():
        if marker in text:
            text = text.replace(marker, rows())
    return text


@cache
def view_files() -> tuple[tuple[str, str], ...]:
    """(file name, text) of every view file, in the order they apply, generated rows filled."""
    folder = resources.files("customs_etl.warehouse") / "views"
    found = [
        (entry.name, _rendered(entry.read_text(encoding="utf-8")))
        for entry in folder.iterdir()
        if entry.name.endswith(".sql")
    ]
    return tuple(sorted(found))


def file_digests() -> dict[str, str]:
    """File name → sha256 of its text: what a warehouse made from these files records."""
    return {name: hashlib.sha256(text.encode()).hexdigest() for name, text in view_files()}


def applied_digests(con: duckdb.DuckDBPyConnection) -> dict[str, str] | None:
    """What the warehouse records; None before migration 010 made the table."""
    try:
        rows = con.execute("SELECT name, sha256 FROM meta.applied_views").fetchall()
    except duckdb.CatalogException:
        return None
    return dict(rows)


def current(con: duckdb.DuckDBPyConnection) -> bool:
    return applied_digests(con) == file_digests()


def _ident(*parts: str) -> str:
    return ".".join('"' + p.replace('"', '""') + '"' for p in parts)


def drop_all(con: duckdb.DuckDBPyConnection) -> None:
    """Every view and macro of the project's schemas in the current database (the files
    make them all again; one that a file no longer defines is gone)."""
    where = "database_name = current_database() AND schema_name IN ? AND NOT internal"
    for schema, name in con.execute(
        f"SELECT schema_name, view_name FROM duckdb_views() WHERE {where}", [list(SCHEMAS)]
    ).fetchall():
        con.execute(f"DROP VIEW IF EXISTS {_ident(schema, name)}")
    for schema, name, kind in con.execute(
        "SELECT DISTINCT schema_name, function_name, function_type FROM duckdb_functions()"
        f" WHERE {where} AND function_type IN ('macro', 'table_macro')",
        [list(SCHEMAS)],
    ).fetchall():
        table = "TABLE " if kind == "table_macro" else ""
        con.execute(f"DROP MACRO {table}IF EXISTS {_ident(schema, name)}")


def record(con: duckdb.DuckDBPyConnection) -> None:
    """Write ``meta.applied_views`` for the files (inside the caller's transaction)."""
    now = datetime.now(UTC).replace(tzinfo=None)
    con.execute("DELETE FROM meta.applied_views")
    con.executemany(
        "INSERT INTO meta.applied_views (name, sha256, applied_at) VALUES (?, ?, ?)",
        [(name, digest, now) for name, digest in file_digests().items()],
    )


def run_files(con: duckdb.DuckDBPyConnection) -> None:
    """Execute every view file (inside the caller's transaction)."""
    for name, text in view_files():
        try:
            con.execute(text)
        except duckdb.Error as exc:
            raise CustomsEtlError(f"view file {name} does not apply: {exc}") from exc


def apply_views(con: duckdb.DuckDBPyConnection) -> bool:
    """Make a DuckDB database's views, macros and comments those of the files, when they
    differ (inside the caller's transaction); True when anything was applied."""
    if current(con):
        return False
    drop_all(con)
    run_files(con)
    record(con)
    return True
