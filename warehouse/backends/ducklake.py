"""The warehouse as a DuckLake: catalog in PostgreSQL, data as Parquet on a shared path or bucket.

Connecting: an in-memory DuckDB with the lake ATTACHed as ``lake`` and made the default
database, so every statement the project runs on a DuckDB file (``raw.releases``,
``core.latest`` …) runs unchanged. Extensions come from the pip packages (``extensions``).

Schema: the lake follows the DuckDB migrations, never a hand-kept copy. The target schema of a
version is read from a scratch in-memory DuckDB migrated by the project's own migrations:
schemas, tables with their columns (type, NOT NULL, constant defaults) and comments from
``duckdb_tables()`` / ``duckdb_columns()``, views from ``duckdb_views()``, macros and table
macros from ``duckdb_functions()``, and the rows a migration seeds (the load counter's row).
Constraints DuckLake lacks are dropped: PRIMARY KEY, UNIQUE, CHECK, sequences (ids are made by
the application, serialised by the load counter: see ``releases``). DuckLake cannot comment on
view columns, so those comments go to the lake-only table ``meta.view_column_comments`` (the
dictionary reads them from there).

A new lake is created at the newest version in one transaction. An existing lake steps through
each pending version: its derived schema is applied as a difference (new schemas and tables,
new columns, changed types and defaults; every view recreated and every comment set again). A
migration that changes rows (INSERT/UPDATE/DELETE …), or whose difference would drop a table or
column, needs a companion ``NNN_name.lake.sql`` beside it, run before the difference; without
one the lake is refused with a message saying so (a fresh lake never needs one).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import threading
import weakref
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import uuid4

import duckdb

from customs_etl.core.errors import CustomsEtlError
from customs_etl.core.memory import bound_memory, memory_budget
from customs_etl.core.settings import secret_text, settings
from customs_etl.warehouse import extensions, view_files
from customs_etl.warehouse.location import Location, redact
from customs_etl.warehouse.migration_files import digest, migration_files
from customs_etl.warehouse.schema_version import check_schema_version, migrate, refuse_edited
from customs_etl.warehouse.transactions import retrying

if TYPE_CHECKING:  # pyarrow (0.2 s with numpy) only for the seeds' annotation: reports skip it
    import pyarrow as pa

ALIAS = "lake"
COMMENTS_TABLE = ("meta", "view_column_comments")  # lake only: DuckLake has no view-column comments
MIGRATIONS_TABLE = ("meta", "schema_migrations")
VIEWS_TABLE = ("meta", "applied_views")
SYSTEM_SCHEMAS = ("main", "information_schema", "pg_catalog")
DATA_STATEMENTS = {"INSERT", "UPDATE", "DELETE", "MERGE_INTO", "COPY"}
# raw.releases rows carry whole documents: never inline them into the PostgreSQL catalog.
NOT_INLINED = (("raw", "releases"),)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _ident(*parts: str) -> str:
    return ".".join('"' + p.replace('"', '""') + '"' for p in parts)


def one_line(exc: BaseException) -> str:
    """A DuckDB error as one redacted line (DuckLake repeats whole statements in some)."""
    text = " ".join(str(exc).split())
    return redact(text if len(text) <= 600 else text[:600] + " …")


# ---------------------------------------------------------------------------------- connect


def _s3_secret(con: duckdb.DuckDBPyConnection) -> None:
    """An S3 secret from the usual AWS variables (endpoint for MinIO, moto, R2 …)."""
    current = settings()
    key, secret = current.aws_access_key_id, secret_text(current.aws_secret_access_key)
    if not (key and secret):
        return
    options = [f"KEY_ID {_literal(key)}", f"SECRET {_literal(secret)}"]
    token = secret_text(current.aws_session_token)
    if token:
        options.append(f"SESSION_TOKEN {_literal(token)}")
    if current.aws_region:
        options.append(f"REGION {_literal(current.aws_region)}")
    if current.aws_endpoint_url:
        endpoint = current.aws_endpoint_url.strip().rstrip("/")
        ssl = not endpoint.lower().startswith("http://")
        host = re.sub(r"(?i)^https?://", "", endpoint)
        options += [f"ENDPOINT {_literal(host)}", "URL_STYLE 'path'", f"USE_SSL {str(ssl).lower()}"]
    con.execute(f"CREATE OR REPLACE SECRET customs_etl_s3 (TYPE s3, {', '.join(options)})")


def attach(
    con: duckdb.DuckDBPyConnection, location: Location, alias: str, *, read_only: bool
) -> None:
    """ATTACH a warehouse of either kind to ``con`` as ``alias``."""
    options = []
    if location.is_lake:
        _s3_secret(con)
        if location.data_path and not read_only:
            options.append(f"DATA_PATH {_literal(location.data_path)}")
        target = location.attach_target()
    else:
        target = str(location.path)
    if read_only:
        options.append("READ_ONLY")
    suffix = f" ({', '.join(options)})" if options else ""
    con.execute(f"ATTACH {_literal(target)} AS {_ident(alias)}{suffix}")


# Attached lakes kept per process: loading the extensions and attaching costs ~0.7 s, and a
# run opens a writer per batch. Each ``connect`` hands out a new connection (cursor) to the
# same DuckDB instance: its own transactions, the lake already attached.
_OPEN: OrderedDict[tuple[object, ...], duckdb.DuckDBPyConnection] = OrderedDict()
_OPEN_LOCK = threading.Lock()
KEEP_OPEN = 4


def _cache_key(location: Location, read_only: bool) -> tuple[object, ...]:
    current = settings()
    aws = (
        current.aws_access_key_id,
        secret_text(current.aws_secret_access_key),
        secret_text(current.aws_session_token),
        current.aws_region,
        current.aws_endpoint_url,
    )
    budget = None if read_only else memory_budget().duckdb_limit_mb  # a writer's limit
    return (str(location), location.data_path, read_only, hash(aws), budget)


def _cursor(base: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    con = base.cursor()
    try:
        con.execute(f"USE {ALIAS}")
        con.execute(f"FROM ducklake_current_snapshot({_literal(ALIAS)})").fetchall()
    except BaseException:
        con.close()
        raise
    return con


def connect(location: Location, *, read_only: bool) -> duckdb.DuckDBPyConnection:
    """A connection with the lake attached as the default database (the process keeps the
    attached instance; a connection that fails its first catalog read is opened anew)."""
    key = _cache_key(location, read_only)
    with _OPEN_LOCK:
        base = _OPEN.get(key)
        if base is not None:
            try:
                con = _cursor(base)
                _OPEN.move_to_end(key)
                return con
            except duckdb.Error:
                _OPEN.pop(key, None)
                with contextlib.suppress(duckdb.Error):
                    base.close()
        base = _attached(location, read_only)
        try:
            con = _cursor(base)
        except duckdb.Error as exc:
            base.close()
            raise CustomsEtlError(
                f"cannot open lake warehouse {location}: {one_line(exc)}"
            ) from None
        _OPEN[key] = base
        while len(_OPEN) > KEEP_OPEN:
            _, old = _OPEN.popitem(last=False)
            with contextlib.suppress(duckdb.Error):
                old.close()
        return con


def forget_connections() -> None:
    """Close the kept instances (tests that stop a server; a process that wants them gone)."""
    with _OPEN_LOCK:
        while _OPEN:
            _, old = _OPEN.popitem()
            with contextlib.suppress(duckdb.Error):
                old.close()


def _bound_writer(con: duckdb.DuckDBPyConnection) -> None:
    """A writer's instance gets the memory budget's DuckDB limit, as a file's writer does
    (``core.memory``); what passes it spills to a folder of this instance's own. An in-memory
    DuckDB would spill to ``.tmp`` in the working directory, shared by every process started
    there. DuckDB makes the folder when it first spills and removes it when the instance
    closes; the finalizer removes it too when the process ends with the instance open."""
    name = f"customs-etl-lake-spill-{os.getpid()}-{uuid4().hex[:12]}"
    spill = Path(tempfile.gettempdir()) / name
    weakref.finalize(con, shutil.rmtree, spill, ignore_errors=True)
    con.execute(f"SET temp_directory = {_literal(str(spill))}")
    bound_memory(con)


def _attached(location: Location, read_only: bool) -> duckdb.DuckDBPyConnection:
    """A new in-memory DuckDB with the lake attached (a writer's within the memory budget)."""
    con = duckdb.connect(":memory:", config=extensions.connect_config())
    try:
        if not read_only:
            _bound_writer(con)
        attach(con, location, ALIAS, read_only=read_only)
    except duckdb.Error as exc:
        con.close()
        text = one_line(exc)
        if "data_path is not set" in text:
            raise CustomsEtlError(
                f"lake {location} is new: set CUSTOMS_ETL_LAKE_DATA_PATH to the folder or "
                "s3://bucket/prefix its data files go to"
            ) from None
        raise CustomsEtlError(f"cannot open lake warehouse {location}: {text}") from None
    return con


# ---------------------------------------------------------------------- the derived schema


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    not_null: bool
    default: str | None
    comment: str | None


@dataclass(frozen=True)
class Table:
    schema: str
    name: str
    columns: tuple[Column, ...]
    comment: str | None


@dataclass(frozen=True)
class View:
    schema: str
    name: str
    body: str  # the query after AS
    comment: str | None
    column_comments: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Macro:
    schema: str
    name: str
    parameters: tuple[str, ...]
    definition: str
    table: bool  # a table macro (AS TABLE …) or a scalar one


@dataclass
class Schema:
    """What a warehouse's catalogue holds (the parts the lake carries)."""

    schemas: list[str] = field(default_factory=list)
    tables: dict[tuple[str, str], Table] = field(default_factory=dict)
    views: dict[tuple[str, str], View] = field(default_factory=dict)
    macros: dict[tuple[str, str], Macro] = field(default_factory=dict)
    seeds: dict[tuple[str, str], pa.Table] = field(default_factory=dict)


_VIEW_HEAD = re.compile(
    r'^\s*CREATE\s+(?:OR\s+REPLACE\s+)?VIEW\s+(?:(?:"(?:[^"]|"")+"|[\w$]+)\s*\.\s*)*'
    r'(?:"(?:[^"]|"")+"|[\w$]+)\s+AS\s+',
    re.IGNORECASE,
)


def _view_body(sql: str) -> str:
    found = _VIEW_HEAD.match(sql)
    if found is None:
        raise CustomsEtlError(f"cannot read a view definition for the lake: {sql[:80]}")
    return sql[found.end() :].rstrip().rstrip(";")


def read_schema(con: duckdb.DuckDBPyConnection, database: str) -> Schema:
    """The schemas, tables and views of ``database`` (system schemas left out)."""
    where = "database_name = ? AND schema_name NOT IN ?"
    args = [database, list(SYSTEM_SCHEMAS)]
    found = Schema()
    found.schemas = [
        s for (s,) in con.execute(
            f"SELECT schema_name FROM duckdb_schemas() WHERE {where} ORDER BY oid", args
        ).fetchall()
    ]  # fmt: skip
    columns: dict[tuple[str, str], list[Column]] = {}
    for schema, table, name, dtype, nullable, default, comment in con.execute(
        "SELECT schema_name, table_name, column_name, data_type, is_nullable, column_default,"
        f" comment FROM duckdb_columns() WHERE {where} ORDER BY schema_name, table_name,"
        " column_index",
        args,
    ).fetchall():
        if default is not None and default.strip().upper() == "NULL":
            default = None  # how DuckLake reports "no default"
        columns.setdefault((schema, table), []).append(
            Column(name, dtype, not nullable, default, comment or None)
        )
    for schema, table, comment in con.execute(
        f"SELECT schema_name, table_name, comment FROM duckdb_tables() WHERE {where}"
        " ORDER BY table_oid",
        args,
    ).fetchall():
        found.tables[(schema, table)] = Table(
            schema, table, tuple(columns.get((schema, table), [])), comment or None
        )
    for schema, view, sql, comment in con.execute(
        f"SELECT schema_name, view_name, sql, comment FROM duckdb_views() WHERE {where}"
        " AND NOT internal ORDER BY view_oid",
        args,
    ).fetchall():
        commented = tuple((c.name, c.comment) for c in columns.get((schema, view), []) if c.comment)
        found.views[(schema, view)] = View(schema, view, _view_body(sql), comment or None,
                                           commented)  # fmt: skip
    for schema, name, kind, parameters, definition in con.execute(
        "SELECT schema_name, function_name, function_type, parameters, macro_definition"
        f" FROM duckdb_functions() WHERE {where} AND function_type IN ('macro', 'table_macro')"
        " AND NOT internal ORDER BY function_oid",
        args,
    ).fetchall():
        if (schema, name) in found.macros:
            raise CustomsEtlError(f"macro {schema}.{name} has overloads: the lake cannot copy it")
        found.macros[(schema, name)] = Macro(
            schema, name, tuple(parameters), definition, kind == "table_macro"
        )
    return found


@cache
def target_schema(upto: int, views: bool = True) -> Schema:
    """The schema the DuckDB migrations up to ``upto`` build — with the view files when
    ``views`` (only the newest version: earlier tables may not fit today's views) — read from
    a scratch database."""
    with duckdb.connect(":memory:") as scratch:
        migrate(scratch, "a scratch database", upto=upto, views=views)
        schema = read_schema(scratch, "memory")
        for key in schema.tables:
            if key == MIGRATIONS_TABLE:
                continue
            rows = scratch.execute(f"SELECT * FROM {_ident(*key)}").to_arrow_table()
            if rows.num_rows:
                schema.seeds[key] = rows
    return schema


def _data_statements(sql: str) -> set[str]:
    with duckdb.connect(":memory:") as con:
        kinds = {str(s.type).rsplit(".", 1)[-1] for s in con.extract_statements(sql)}
    return kinds & DATA_STATEMENTS


# ------------------------------------------------------------------------- apply to a lake


def _default(column: Column) -> str | None:
    """The default a lake column gets: none for a sequence (ids are the application's)."""
    if column.default is None or "nextval(" in column.default.lower():
        return None
    return column.default


def _column_sql(column: Column) -> str:
    parts = [_ident(column.name), column.type]
    if column.not_null:
        parts.append("NOT NULL")
    if _default(column) is not None:
        parts.append(f"DEFAULT {_default(column)}")
    return " ".join(parts)


def _comment(con: duckdb.DuckDBPyConnection, kind: str, name: str, text: str | None) -> None:
    con.execute(f"COMMENT ON {kind} {name} IS {'NULL' if text is None else _literal(text)}")


def _dependency_order(views: list[View]) -> list[View]:
    """Views that others read come first (a view must bind when created, and one failed
    statement would abort the whole migration transaction)."""
    names = {(v.schema, v.name): v for v in views}

    def reads(view: View) -> set[tuple[str, str]]:
        body = view.body.lower()
        return {
            key
            for key in names
            if key != (view.schema, view.name)
            and re.search(rf'\b"?{re.escape(key[0])}"?\s*\.\s*"?{re.escape(key[1])}"?\b', body)
        }

    ordered: list[View] = []
    placed: set[tuple[str, str]] = set()
    pending = list(views)
    while pending:
        ready = [v for v in pending if reads(v) <= placed]
        if not ready:  # a cycle cannot happen in DuckDB; keep the given order if it did
            ready = pending[:1]
        for view in ready:
            ordered.append(view)
            placed.add((view.schema, view.name))
        pending = [v for v in pending if (v.schema, v.name) not in placed]
    return ordered


def _create_views(con: duckdb.DuckDBPyConnection, views: list[View]) -> None:
    for view in _dependency_order(views):
        con.execute(f"CREATE OR REPLACE VIEW {_ident(view.schema, view.name)} AS {view.body}")


def apply_schema(
    con: duckdb.DuckDBPyConnection, target: Schema, *, allow_drops: bool, label: str
) -> None:
    """Make the lake's catalogue match ``target`` (inside the caller's transaction)."""
    have = read_schema(con, ALIAS)
    for schema in target.schemas:
        if schema not in have.schemas:
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {_ident(schema)}")
    managed = set(target.tables) | {COMMENTS_TABLE}
    gone_tables = [key for key in have.tables if key not in managed]
    gone_columns = [
        (key, c.name)
        for key, table in have.tables.items()
        if key in target.tables
        for c in table.columns
        if c.name not in {t.name for t in target.tables[key].columns}
    ]
    if (gone_tables or gone_columns) and not allow_drops:
        named = [".".join(k) for k in gone_tables] + [".".join((*k, c)) for k, c in gone_columns]
        raise CustomsEtlError(
            f"migration {label} would drop {', '.join(named)} from the lake: add a companion "
            f"{label.removesuffix('.sql')}.lake.sql that moves the data first"
        )
    for key in have.views:  # recreated below, after the tables and macros they read
        con.execute(f"DROP VIEW IF EXISTS {_ident(*key)}")
    for key, macro in have.macros.items():
        if key not in target.macros:
            con.execute(f"DROP MACRO {'TABLE ' if macro.table else ''}{_ident(*key)}")
    for key in gone_tables:
        con.execute(f"DROP TABLE {_ident(*key)}")
    for key, table in target.tables.items():
        name = _ident(*key)
        old = have.tables.get(key)
        if old is None:
            con.execute(f"CREATE TABLE {name} ({', '.join(_column_sql(c) for c in table.columns)})")
            seed = target.seeds.get(key)
            if seed is not None:
                con.register("lake_seed_rows", seed)
                try:
                    con.execute(f"INSERT INTO {name} BY NAME SELECT * FROM lake_seed_rows")
                finally:
                    con.unregister("lake_seed_rows")
        else:
            before = {c.name: c for c in old.columns}
            for column in table.columns:
                was = before.get(column.name)
                if was is None:
                    con.execute(f"ALTER TABLE {name} ADD COLUMN {_column_sql(column)}")
                    continue
                if was.type != column.type:
                    con.execute(
                        f"ALTER TABLE {name} ALTER COLUMN {_ident(column.name)} TYPE {column.type}"
                    )
                wanted = _default(column)
                if _default(was) != wanted:
                    change = "DROP DEFAULT" if wanted is None else f"SET DEFAULT {wanted}"
                    con.execute(f"ALTER TABLE {name} ALTER COLUMN {_ident(column.name)} {change}")
                if was.not_null != column.not_null:
                    verb = "SET" if column.not_null else "DROP"
                    con.execute(
                        f"ALTER TABLE {name} ALTER COLUMN {_ident(column.name)} {verb} NOT NULL"
                    )
            for key2, column_name in gone_columns:
                if key2 == key:
                    con.execute(f"ALTER TABLE {name} DROP COLUMN {_ident(column_name)}")
        if (old.comment if old else None) != table.comment:
            _comment(con, "TABLE", name, table.comment)
        previous = {c.name: c.comment for c in old.columns} if old else {}
        for column in table.columns:
            if column.comment != previous.get(column.name):
                _comment(con, "COLUMN", _ident(*key, column.name), column.comment)
    for macro in target.macros.values():  # bound when called: any order will do
        body = f"TABLE {macro.definition}" if macro.table else macro.definition
        params = ", ".join(_ident(p) for p in macro.parameters)
        con.execute(
            f"CREATE OR REPLACE MACRO {_ident(macro.schema, macro.name)}({params}) AS {body}"
        )
    _create_views(con, list(target.views.values()))
    for view in target.views.values():
        if view.comment is not None:
            _comment(con, "VIEW", _ident(view.schema, view.name), view.comment)
    _store_view_column_comments(con, target)


def _store_view_column_comments(con: duckdb.DuckDBPyConnection, target: Schema) -> None:
    name = _ident(*COMMENTS_TABLE)
    con.execute(
        f"CREATE TABLE IF NOT EXISTS {name} (schema_name VARCHAR NOT NULL,"
        " view_name VARCHAR NOT NULL, column_name VARCHAR NOT NULL, comment VARCHAR NOT NULL)"
    )
    con.execute(f"DELETE FROM {name}")
    rows = [
        (v.schema, v.name, column, comment)
        for v in target.views.values()
        for column, comment in v.column_comments
    ]
    if rows:
        con.executemany(f"INSERT INTO {name} VALUES (?, ?, ?, ?)", rows)
    _comment(
        con,
        "TABLE",
        name,
        "Comments on view columns (DuckLake stores none on views): written from the DuckDB "
        "migrations on every lake migration; customs-etl schema reads them.",
    )


def set_options(con: duckdb.DuckDBPyConnection) -> None:
    """Per-table DuckLake options (after the tables are committed: DuckLake refuses them on
    tables created in the same transaction)."""
    for schema, table in NOT_INLINED:
        con.execute(
            f"CALL ducklake_set_option({_literal(ALIAS)}, 'data_inlining_row_limit', 0,"
            f" schema => {_literal(schema)}, table_name => {_literal(table)})"
        )


def apply_views(con: duckdb.DuckDBPyConnection) -> None:
    """The view files changed, the tables did not: the lake's views, macros and comments
    made again from the newest schema (inside the caller's transaction)."""
    newest = max(version for version, _, _, _ in migration_files())
    apply_schema(con, target_schema(newest), allow_drops=False, label="the view files")
    view_files.record(con)


def applied_migrations(con: duckdb.DuckDBPyConnection) -> dict[int, tuple[str, str]]:
    try:
        rows = con.execute("SELECT version, name, sha256 FROM meta.schema_migrations").fetchall()
    except duckdb.CatalogException:
        return {}
    return {int(v): (n, h) for v, n, h in rows}


def pending_steps(
    applied: dict[int, tuple[str, str]],
) -> Iterator[tuple[int, str, str, str | None]]:
    for version, name, sql, companion in migration_files():
        if version not in applied:
            yield version, name, sql, companion


def migrate_step(
    con: duckdb.DuckDBPyConnection,
    applied: dict[int, tuple[str, str]],
    digest_of: Any,
) -> list[str]:
    """Bring the lake to the newest version inside the caller's transaction; the names of the
    migrations applied. A new lake goes straight to the newest schema."""
    steps = list(pending_steps(applied))
    if not steps:
        return []
    newest = steps[-1][0]
    if not applied:
        apply_schema(con, target_schema(newest), allow_drops=False, label=steps[-1][1])
    else:
        for version, name, sql, companion in steps:
            changes_data = _data_statements(sql)
            if changes_data and companion is None:
                raise CustomsEtlError(
                    f"migration {name} changes rows ({', '.join(sorted(changes_data))}): the "
                    f"lake needs a companion {name.removesuffix('.sql')}.lake.sql beside it"
                )
            if companion:
                con.execute(companion)
            apply_schema(con, target_schema(version, views=version == newest),
                         allow_drops=companion is not None, label=name)  # fmt: skip
    view_files.record(con)
    for version, name, sql, _ in steps:
        con.execute(
            "INSERT INTO meta.schema_migrations (version, name, sha256) VALUES (?, ?, ?)",
            [version, name, digest_of(sql)],
        )
    return [name for _, name, _, _ in steps]


def connect_writer(
    location: Location, *, wait_seconds: float | None = None
) -> duckdb.DuckDBPyConnection:
    """The lake's writer connection, migrated (each step retried on a conflict); writers never
    wait for each other here, so ``wait_seconds`` does not apply."""
    con = connect(location, read_only=False)
    try:
        applied = applied_migrations(con)
        check_schema_version(con, location, reading=False)
        refuse_edited(applied)
        if any(True for _ in pending_steps(applied)):

            def step(con: duckdb.DuckDBPyConnection) -> list[str]:
                return migrate_step(con, applied_migrations(con), digest)

            if retrying(con, step, what="migrating the lake"):
                retrying(con, set_options, what="setting the lake's options")
        elif not view_files.current(con):
            retrying(con, apply_views, what="applying the view files to the lake")
    except BaseException:
        con.close()
        raise
    return con


def connect_reader(
    location: Location, *, wait_seconds: float | None = None
) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the lake's newest snapshot (readers never wait)."""
    return connect(location, read_only=True)


def needs_checkpoint(location: Location) -> bool:
    """A lake has no WAL (every commit is a catalog transaction): nothing to fold in. Its
    maintenance (merging small files, expiring snapshots) is an operator's job: docs/ducklake.md."""
    return False
