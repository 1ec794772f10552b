"""Data dictionary: every core/marts object and column is commented, read back and printed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from customs_etl.core.errors import CustomsEtlError
from customs_etl.warehouse.db import reader, writer
from customs_etl.warehouse.dictionary import (
    DictionaryRow,
    dictionary_rows,
    missing_comments,
    render_dictionary,
    warehouse_dictionary,
)
from tests.conftest import Warehouse

KNOWN = {
    "core.observations",
    "core.latest",
    "core.revisions",
    "marts.partner_monthly",
    "marts.world_monthly",
    "marts.partner_ranked",
}
# Column-name pattern → what its comment must say, so units reach the analyst (future too).
UNIT_RULES: tuple[tuple[str, str], ...] = (
    ("_kg", "(kg)"),
    ("tonnes", "metric tonnes"),
    ("_pct", "percent"),
    ("_usd", "USD"),
    ("_cny", "CNY"),
    ("period", "first day"),
    ("highest_since", "first day"),
)


@pytest.fixture
def migrated(tmp_path: Path) -> Path:
    """A warehouse with every migration applied (the only way objects come to exist)."""
    path = tmp_path / "w.duckdb"
    with writer(path):
        pass
    return path


def _catalogue(path: Path) -> tuple[list[tuple], list[tuple]]:
    with reader(path) as con:
        objects = con.execute(
            "SELECT schema_name, table_name, comment FROM duckdb_tables()"
            " WHERE schema_name IN ('core', 'marts')"
            " UNION ALL SELECT schema_name, view_name, comment FROM duckdb_views()"
            " WHERE NOT internal AND schema_name IN ('core', 'marts')"
        ).fetchall()
        columns = con.execute(
            "SELECT schema_name, table_name, column_name, comment FROM duckdb_columns()"
            " WHERE schema_name IN ('core', 'marts')"
        ).fetchall()
    return objects, columns


def test_every_core_and_marts_table_view_and_column_has_a_comment(migrated: Path) -> None:
    objects, columns = _catalogue(migrated)
    assert {f"{s}.{n}" for s, n, _ in objects} >= KNOWN
    assert {f"{s}.{n}" for s, n, _, _ in columns} == {f"{s}.{n}" for s, n, _ in objects}
    bare_objects = [f"{s}.{n}" for s, n, c in objects if not (c or "").strip()]
    bare_columns = [f"{s}.{t}.{c}" for s, t, c, text in columns if not (text or "").strip()]
    assert bare_objects == []
    assert bare_columns == []


def test_column_comments_state_their_units(migrated: Path) -> None:
    _, columns = _catalogue(migrated)
    checked = 0
    for schema, table, column, comment in columns:
        for pattern, wanted in UNIT_RULES:
            if pattern in column:
                checked += 1
                assert wanted.lower() in comment.lower(), f"{schema}.{table}.{column}: {comment}"
    assert checked >= 30  # the rules really matched the kg / pct / period columns


def test_dictionary_rows_agree_with_information_schema(migrated: Path) -> None:
    with reader(migrated) as con:
        rows = dictionary_rows(con)
        expected_columns = con.execute(
            "SELECT table_schema, table_name, column_name, data_type, COLUMN_COMMENT,"
            " ordinal_position FROM information_schema.columns"
            " WHERE table_schema IN ('core', 'marts')"
        ).fetchall()
        kinds = dict(
            ((s, n), "view" if t == "VIEW" else "table")
            for s, n, t in con.execute(
                "SELECT table_schema, table_name, table_type FROM information_schema.tables"
                " WHERE table_schema IN ('core', 'marts')"
            ).fetchall()
        )
    column_rows = [r for r in rows if r.column is not None]
    assert {(r.schema, r.object, r.column, r.type, r.comment) for r in column_rows} == {
        (s, t, c, d, m) for s, t, c, d, m, _ in expected_columns
    }
    assert {(r.schema, r.object): r.kind for r in rows} == kinds
    # Each object heads its own columns, which follow in table order.
    order = {(s, t, c): p for s, t, c, _, _, p in expected_columns}
    current: DictionaryRow | None = None
    last = 0
    for row in rows:
        if row.column is None:
            current, last = row, 0
            continue
        assert current is not None and (current.schema, current.object) == (row.schema, row.object)
        assert order[(row.schema, row.object, row.column)] > last
        last = order[(row.schema, row.object, row.column)]


def test_renderings_show_every_object_and_column(backend: Warehouse) -> None:
    """On a DuckDB file and on a lake (whose view-column comments come from its own table)."""
    migrated = backend.target
    with writer(migrated):
        pass
    with reader(migrated) as con:
        rows = dictionary_rows(con)
    columns = [r for r in rows if r.column is not None]
    text = render_dictionary(rows, "text")
    markdown = warehouse_dictionary(str(migrated), "markdown", wait_seconds=1)
    as_json = json.loads(render_dictionary(rows, "json"))
    for row in rows:
        if row.column is None:
            assert f"{row.schema}.{row.object} ({row.kind})" in text
            assert f"## `{row.schema}.{row.object}` ({row.kind})" in markdown
    assert all(len(line) <= 100 for line in text.splitlines())
    table_rows = [line for line in markdown.splitlines() if line.startswith("| `")]
    assert len(table_rows) == len(columns)
    assert "| `quantity_kg` | DECIMAL(38,12) | " in markdown
    assert [DictionaryRow(**item) for item in as_json] == rows
    assert "no comment" not in text + markdown
    with pytest.raises(CustomsEtlError, match="unknown dictionary format"):
        render_dictionary(rows, "html")


def test_a_recreated_view_loses_its_comments_and_the_dictionary_says_so(migrated: Path) -> None:
    """Why 004's header says to re-apply comments: DuckDB drops them on CREATE OR REPLACE."""
    with writer(migrated) as con:
        (sql,) = con.execute(
            "SELECT sql FROM duckdb_views() WHERE schema_name = 'marts'"
            " AND view_name = 'partner_monthly'"
        ).fetchone()
        con.execute(sql.replace("CREATE VIEW", "CREATE OR REPLACE VIEW", 1))
    with reader(migrated) as con:
        rows = dictionary_rows(con)
    missing = missing_comments(rows)
    assert "marts.partner_monthly" in missing
    assert "marts.partner_monthly.quantity_kg" in missing
    assert all(name.startswith("marts.partner_monthly") for name in missing)
    assert "004_comments" in render_dictionary(rows, "text")
    _, columns = _catalogue(migrated)
    assert any(t == "partner_monthly" and not c for _, t, _, c in columns)  # the guard test fails
