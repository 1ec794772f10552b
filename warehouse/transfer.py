"""``customs-etl migrate --to``: copy a whole warehouse into another one, verified.

Typically a DuckDB file into a new DuckLake (any direction works: file or lake to file or
lake). Both are first brought to this code's schema version (the target is created if new).
Then one DuckDB session attaches the source read-only and the target, and in ONE target
transaction copies every table the migrations define — raw.releases with the documents'
bytes, core.observations (every vintage), meta.quarantine_reviews, the load counter, and any
table a later migration adds — by column name. Before it commits, it compares per table the
row count and a checksum of both sides (md5 over the sorted 64-bit hashes of every row: order
independent, sensitive to a changed, missing or duplicated row); after the commit it reads the
target's checksums again. A target that already holds data is refused, unless it holds exactly
the source's data (then the copy is done already: re-running is safe).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from dataclasses import dataclass

import duckdb

from customs_etl.core.errors import CustomsEtlError
from customs_etl.warehouse import extensions
from customs_etl.warehouse.backends import ducklake as lake
from customs_etl.warehouse.db import writer
from customs_etl.warehouse.location import Location, locate
from customs_etl.warehouse.migration_files import known_schema_version

SOURCE, TARGET = "copy_source", "copy_target"
COUNTER = ("meta", "load_counter")


@dataclass(frozen=True)
class TableCopy:
    table: str
    rows: int
    checksum: str


@dataclass(frozen=True)
class CopyResult:
    source: str
    target: str
    tables: tuple[TableCopy, ...]
    already: bool  # the target held the same data before: nothing was copied
    version: int


def _tables() -> list[tuple[str, str]]:
    """The tables whose rows are the warehouse's data (not which migrations and view files
    made it: each side's writer recorded its own)."""
    managed = (lake.MIGRATIONS_TABLE, lake.VIEWS_TABLE)
    return [k for k in lake.target_schema(known_schema_version()).tables if k not in managed]


def _columns(con: duckdb.DuckDBPyConnection, database: str, key: tuple[str, str]) -> list[str]:
    return [
        name
        for (name,) in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE database_name = ? AND schema_name = ?"
            " AND table_name = ? ORDER BY column_index",
            [database, *key],
        ).fetchall()
    ]


def _checksums(
    con: duckdb.DuckDBPyConnection, database: str, columns: dict[tuple[str, str], list[str]]
) -> dict[tuple[str, str], tuple[int, str]]:
    out = {}
    for key, names in columns.items():
        row_hash = "hash(" + ", ".join(lake._ident(n) for n in names) + ")"
        count, digest = con.execute(
            f"SELECT count(*), coalesce(md5(string_agg(h::VARCHAR, ',' ORDER BY h)), '')"
            f" FROM (SELECT {row_hash} AS h FROM {lake._ident(database, *key)})"
        ).fetchone()
        out[key] = (int(count), str(digest))
    return out


def _schema_versions(con: duckdb.DuckDBPyConnection, database: str) -> list[tuple]:
    return con.execute(
        f"SELECT version, name, sha256 FROM {lake._ident(database, 'meta', 'schema_migrations')}"
        " ORDER BY version"
    ).fetchall()


def _describe(location: Location) -> str:
    return str(location)


def copy_warehouse(
    source: str | os.PathLike[str] | None, target: str | os.PathLike[str]
) -> CopyResult:
    """Copy ``source`` (default: the configured warehouse) into ``target`` and verify it."""
    src, dst = locate(source), locate(target)
    if str(src) == str(dst):
        raise CustomsEtlError(f"--to names the warehouse itself ({dst})")
    if not src.exists():
        raise CustomsEtlError(f"no warehouse at {src} to copy")
    # This code's schema version on both sides (the target created if new). The lake data
    # path setting is the target's: the source lake keeps its own.
    with writer(dataclasses.replace(src, data_path=None)):
        pass
    with writer(target):
        pass
    config = extensions.connect_config() if (src.is_lake or dst.is_lake) else {}
    con = duckdb.connect(":memory:", config=config)
    try:
        try:
            lake.attach(con, src, SOURCE, read_only=True)
            lake.attach(con, dst, TARGET, read_only=False)
        except duckdb.Error as exc:
            raise CustomsEtlError(f"cannot open both warehouses: {lake.one_line(exc)}") from None
        return _copy(con, src, dst)
    finally:
        con.close()


def _copy(con: duckdb.DuckDBPyConnection, src: Location, dst: Location) -> CopyResult:
    version = known_schema_version()
    if _schema_versions(con, SOURCE) != _schema_versions(con, TARGET):
        raise CustomsEtlError(f"{src} and {dst} have different schema migrations applied")
    columns = {}
    for key in _tables():
        names = _columns(con, SOURCE, key)
        if names != _columns(con, TARGET, key):
            raise CustomsEtlError(f"{'.'.join(key)} has other columns in {dst} than in {src}")
        columns[key] = names
    con.execute("BEGIN TRANSACTION")
    try:
        wanted = _checksums(con, SOURCE, columns)
        held = _checksums(con, TARGET, columns)
        data = [k for k in columns if k != COUNTER]
        if any(held[k][0] for k in data):
            con.execute("ROLLBACK")
            if held == wanted:
                return _result(src, dst, wanted, already=True, version=version)
            filled = ", ".join(f"{'.'.join(k)} ({held[k][0]} rows)" for k in data if held[k][0])
            raise CustomsEtlError(
                f"{dst} already holds other data ({filled}): copy into an empty warehouse"
            )
        for key in data:
            names = ", ".join(lake._ident(n) for n in columns[key])
            con.execute(
                f"INSERT INTO {lake._ident(TARGET, *key)} ({names})"
                f" SELECT {names} FROM {lake._ident(SOURCE, *key)}"
            )
        if COUNTER in columns:
            con.execute(
                f"UPDATE {lake._ident(TARGET, *COUNTER)} SET last_load_seq ="
                f" (SELECT max(last_load_seq) FROM {lake._ident(SOURCE, *COUNTER)})"
            )
        copied = _checksums(con, TARGET, columns)
        differ = [".".join(k) for k in columns if copied[k] != wanted[k]]
        if differ:
            raise CustomsEtlError(
                f"copy verification failed for {', '.join(differ)}: nothing was committed"
            )
        con.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(duckdb.Error):
            con.execute("ROLLBACK")
        raise
    after = _checksums(con, TARGET, columns)
    if after != wanted:
        differ = [".".join(k) for k in columns if after[k] != wanted[k]]
        raise CustomsEtlError(f"{dst} differs from {src} after the commit: {', '.join(differ)}")
    if not dst.is_lake:
        con.execute(f"CHECKPOINT {lake._ident(TARGET)}")
    return _result(src, dst, wanted, already=False, version=version)


def _result(
    src: Location,
    dst: Location,
    sums: dict[tuple[str, str], tuple[int, str]],
    *,
    already: bool,
    version: int,
) -> CopyResult:
    tables = tuple(TableCopy(".".join(k), n, digest) for k, (n, digest) in sums.items())
    return CopyResult(_describe(src), _describe(dst), tables, already, version)
