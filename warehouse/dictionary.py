"""The data dictionary: the warehouse's own comments (migration 004), read back and printed.

Comments live in DuckDB's catalogue (``COMMENT ON``), so the dictionary is whatever the file an
analyst opens says, never a copy that can drift. ``customs-etl schema`` prints it.
"""

from __future__ import annotations

import json
import textwrap
from typing import NamedTuple

import duckdb

from customs_etl.core.errors import CustomsEtlError
from customs_etl.core.sql_text import literal
from customs_etl.warehouse.db import reader

DEFAULT_SCHEMAS: tuple[str, ...] = ("core", "marts")
FORMATS: tuple[str, ...] = ("text", "markdown", "json")
_WIDTH = 100


class DictionaryRow(NamedTuple):
    """One object (``column`` and ``type`` None) or one of its columns."""

    schema: str
    object: str
    kind: str  # "table" or "view"
    column: str | None
    type: str | None
    comment: str | None


_CATALOGUE_SQL = """
WITH {comments}objects AS (
    SELECT schema_name, table_name AS object_name, 'table' AS kind, comment
    FROM duckdb_tables() WHERE database_name = current_database()
    UNION ALL
    SELECT schema_name, view_name, 'view', comment
    FROM duckdb_views() WHERE NOT internal AND database_name = current_database()
)
SELECT o.schema_name, o.object_name, o.kind, NULL AS column_name, NULL AS data_type,
       o.comment, -1 AS position
FROM objects AS o
WHERE o.schema_name IN $schemas
UNION ALL
SELECT o.schema_name, o.object_name, o.kind, c.column_name, c.data_type, {column_comment},
       c.column_index
FROM objects AS o
JOIN duckdb_columns() AS c
  ON c.database_name = current_database() AND c.schema_name = o.schema_name
 AND c.table_name = o.object_name
{join}WHERE o.schema_name IN $schemas
ORDER BY 1, 2, 7
"""


def dictionary_rows(
    con: duckdb.DuckDBPyConnection, schemas: tuple[str, ...] = DEFAULT_SCHEMAS
) -> list[DictionaryRow]:
    """Every table and view of ``schemas`` then its columns, in catalogue order.

    A DuckLake stores no comments on view columns: the lake keeps them in
    ``meta.view_column_comments`` (written from the migrations), read here when present."""
    (lake,) = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database()"
        " AND schema_name = 'meta' AND table_name = 'view_column_comments'"
    ).fetchone()
    sql = _CATALOGUE_SQL.format(
        comments="view_comments AS (SELECT * FROM meta.view_column_comments),\n" if lake else "",
        column_comment="coalesce(c.comment, vc.comment)" if lake else "c.comment",
        join=(
            "LEFT JOIN view_comments AS vc ON vc.schema_name = o.schema_name"
            " AND vc.view_name = o.object_name AND vc.column_name = c.column_name\n"
            if lake
            else ""
        ),
    )
    # The schemas as a literal, not a bound value: binding imports pandas (core.sql_text).
    found = con.execute(sql.replace("$schemas", literal(list(schemas)))).fetchall()
    return [
        DictionaryRow(schema, name, kind, column, dtype, comment or None)
        for schema, name, kind, column, dtype, comment, _ in found
    ]


def missing_comments(rows: list[DictionaryRow]) -> list[str]:
    """``schema.object[.column]`` of every entry without a comment."""
    return [
        ".".join(part for part in (r.schema, r.object, r.column) if part)
        for r in rows
        if not r.comment
    ]


def _footer(rows: list[DictionaryRow]) -> list[str]:
    missing = missing_comments(rows)
    if not missing:
        return []
    return [
        f"{len(missing)} entries have no comment ({', '.join(missing[:5])}"
        f"{', ...' if len(missing) > 5 else ''}): the warehouse may predate migration "
        "004_comments; any loading command (run, backfill, ingest) applies it."
    ]


_TYPE_WIDTH = 16  # a nested type (the caveats' list of structs) is cut to its outer shape


def _short_type(name: str | None) -> str:
    """A type name for the text dictionary: nested types by their outer shape."""
    text = name or ""
    if len(text) <= _TYPE_WIDTH:
        return text
    outer = text.split("(", 1)[0]
    return f"{outer}(…){'[]' if text.endswith('[]') else ''}"


def _render_text(rows: list[DictionaryRow]) -> str:
    lines: list[str] = []
    names = [r.column for r in rows if r.column]
    name_width = max((len(n) for n in names), default=0)
    type_width = max((len(_short_type(r.type)) for r in rows), default=0)
    indent = " " * (4 + name_width + 2 + type_width + 2)
    for row in rows:
        if row.column is None:
            if lines:
                lines.append("")
            lines.append(f"{row.schema}.{row.object} ({row.kind})")
            lines += textwrap.wrap(
                row.comment or "-",
                _WIDTH,
                initial_indent="  ",
                subsequent_indent="  ",
                break_on_hyphens=False,
            )
            continue
        head = f"    {row.column:<{name_width}}  {_short_type(row.type):<{type_width}}  "
        lines += textwrap.wrap(
            row.comment or "-",
            _WIDTH,
            initial_indent=head,
            subsequent_indent=indent,
            break_on_hyphens=False,
        ) or [head.rstrip()]
    footer = _footer(rows)
    return "\n".join([*lines, *(["", *footer] if footer else [])])


def _cell(text: str | None) -> str:
    return (text or "").replace("|", "\\|").replace("\n", " ")


def _render_markdown(rows: list[DictionaryRow]) -> str:
    lines = ["# Warehouse data dictionary"]
    for row in rows:
        if row.column is None:
            lines += ["", f"## `{row.schema}.{row.object}` ({row.kind})", ""]
            lines += [(row.comment or "").replace("\n", " ") or "_no comment_", ""]
            lines += ["| column | type | meaning |", "| --- | --- | --- |"]
        else:
            lines.append(f"| `{row.column}` | {_cell(row.type)} | {_cell(row.comment)} |")
    footer = _footer(rows)
    return "\n".join([*lines, *(["", *footer] if footer else [])])


def render_dictionary(rows: list[DictionaryRow], fmt: str = "text") -> str:
    """``text`` for the terminal, ``markdown`` for docs, ``json`` (a list of rows) for tools."""
    if fmt == "json":
        return json.dumps([r._asdict() for r in rows], indent=2, ensure_ascii=False)
    if fmt == "markdown":
        return _render_markdown(rows)
    if fmt == "text":
        return _render_text(rows)
    raise CustomsEtlError(f"unknown dictionary format {fmt!r}; use one of {', '.join(FORMATS)}")


def warehouse_dictionary(
    warehouse: str | None = None,
    fmt: str = "text",
    *,
    schemas: tuple[str, ...] = DEFAULT_SCHEMAS,
    wait_seconds: float | None = None,
) -> str:
    """What ``customs-etl schema`` prints: read-only, waits (bounded) while a run loads."""
    with reader(warehouse, wait_seconds=wait_seconds) as con:
        return render_dictionary(dictionary_rows(con, schemas), fmt)
