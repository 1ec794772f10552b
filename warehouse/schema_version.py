"""A warehouse's schema version: migrating a DuckDB database, refusing what does not fit.

``migrate`` brings a DuckDB database (the warehouse file, or the scratch database the DuckLake
backend derives its target schema from) to this code's version: each pending migration in its
own transaction, then the view files when they changed. ``check_schema_version`` refuses a
warehouse written by a newer customs-etl, and a reader of one that needs migrating first.
"""

from __future__ import annotations

import duckdb

from customs_etl.core.errors import CustomsEtlError
from customs_etl.core.queries import fetch_one
from customs_etl.warehouse import view_files
from customs_etl.warehouse.migration_files import digest, known_schema_version, migration_files
from customs_etl.warehouse.transactions import transaction


def _app_version() -> str:
    try:
        from importlib.metadata import version

        return version("customs-etl")
    except Exception:  # running from a checkout without an install
        return "(uninstalled)"


def _applied_version(con: duckdb.DuckDBPyConnection) -> int | None:
    """The warehouse's newest applied migration; None for a file without our catalogue."""
    try:
        row = fetch_one(con, "SELECT max(version) FROM meta.schema_migrations")
    except duckdb.CatalogException:
        return None
    return None if row is None or row[0] is None else int(row[0])


def check_schema_version(con: duckdb.DuckDBPyConnection, path: object, *, reading: bool) -> None:
    """Refuse a warehouse written by a newer customs-etl (readers and writers alike): its
    tables may mean what this code does not know. A reader also needs pending migrations
    applied first (it cannot apply them itself)."""
    applied = _applied_version(con)
    known = known_schema_version()
    if applied is not None and applied > known:
        raise CustomsEtlError(
            f"warehouse {path} has schema version {applied}, newer than this customs-etl "
            f"{_app_version()} knows (up to {known}): upgrade customs-etl to use it"
        )
    if reading and (applied or 0) < known:
        raise CustomsEtlError(
            f"warehouse {path} has schema version {applied or 0}, older than this customs-etl "
            f"{_app_version()} needs ({known}): run `customs-etl migrate` (or any loading "
            "command) to upgrade it"
        )
    if reading and applied is not None and not view_files.current(con):
        raise CustomsEtlError(
            f"warehouse {path} holds views other than this customs-etl {_app_version()}'s: "
            "run `customs-etl migrate` (or any loading command) to apply them"
        )


def refuse_edited(applied: dict[int, tuple[str, str]]) -> None:
    for version, name, sql, _ in migration_files():
        if version in applied and applied[version][1] != digest(sql):
            raise CustomsEtlError(
                f"migration {name} was edited after it was applied; add a new migration"
            )


def migrate(
    con: duckdb.DuckDBPyConnection,
    path: object = "the warehouse",
    *,
    upto: int | None = None,
    views: bool = True,
) -> list[str]:
    """Apply pending migrations to a DuckDB database, each in its own transaction (refusing an
    edited applied one), then the view files when they changed (``apply_views``). ``upto``:
    stop after that version; ``views``: False for tables only (the lake's intermediate
    steps, whose tables the current views may not fit). Returns the migrations applied."""
    con.execute("CREATE SCHEMA IF NOT EXISTS meta")
    con.execute(
        "CREATE TABLE IF NOT EXISTS meta.schema_migrations ("
        " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, sha256 VARCHAR NOT NULL,"
        " applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)"
    )
    applied = {
        v: (n, h)
        for v, n, h in con.execute(
            "SELECT version, name, sha256 FROM meta.schema_migrations"
        ).fetchall()
    }
    check_schema_version(con, path, reading=False)
    done = []
    for version, name, sql, _ in migration_files():
        if upto is not None and version > upto:
            break
        sql_digest = digest(sql)
        if version in applied:
            if applied[version][1] != sql_digest:
                raise CustomsEtlError(
                    f"migration {name} was edited after it was applied; add a new migration"
                )
            continue
        with transaction(con):
            con.execute(sql)
            con.execute(
                "INSERT INTO meta.schema_migrations (version, name, sha256) VALUES (?, ?, ?)",
                [version, name, sql_digest],
            )
        done.append(name)
    changed = False
    if views and (upto is None or upto >= known_schema_version()):
        with transaction(con):
            changed = view_files.apply_views(con)
    if done or changed:
        # Fold the new schema into the file at once: DuckDB 1.5.5 cannot replay COMMENT ON
        # from the write-ahead log ("GetDefaultDatabase with no default database set").
        con.execute("CHECKPOINT")
    return done
