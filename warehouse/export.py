"""Parquet export for other engines: every marts view and ``core.latest``, one file each.

What goes out: the marts (the series the reports use) and ``core.latest`` (current figures at
full detail). ``core.observations`` and ``core.revisions`` stay in by default: observations hold
every vintage and only make sense joined to ``raw.releases`` (load order, status), so a reader
summing them would count revised figures twice; ``include_history=True`` adds both for audits.

Each file is written under a hidden temporary name in the target folder and renamed into place
(an atomic replace on one file system), so a reader sees the old file or the new one, never half
of one. ``manifest.json`` is written last the same way: row counts, column types and comments,
and the warehouse's newest load time. All files come from one read transaction
(``db.reader``): one snapshot.
DuckDB writes DECIMAL(38,6) as Parquet decimals and DATE as dates, so values stay exact.
"""

from __future__ import annotations

import json
import os
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from customs_etl.core.errors import CustomsEtlError
from customs_etl.warehouse.db import reader
from customs_etl.warehouse.dictionary import dictionary_rows

MANIFEST = "manifest.json"
HISTORY_OBJECTS: tuple[str, ...] = ("core.observations", "core.revisions")


def export_objects(con: duckdb.DuckDBPyConnection, *, include_history: bool = False) -> list[str]:
    """``schema.name`` of what is exported: every marts table/view (new marts go out without a
    code change), ``core.latest``, and the history objects when asked."""
    marts = [
        f"marts.{name}"
        for (name,) in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts'"
            " AND database_name = current_database()"
            " UNION SELECT view_name FROM duckdb_views() WHERE schema_name = 'marts'"
            " AND NOT internal AND database_name = current_database() ORDER BY 1"
        ).fetchall()
    ]
    return [*marts, "core.latest", *(HISTORY_OBJECTS if include_history else ())]


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _quoted(name: str) -> str:
    schema, table = name.split(".", 1)
    return ".".join('"' + part.replace('"', '""') + '"' for part in (schema, table))


def _temp_path(target: Path) -> Path:
    return target.with_name(f".{target.name}.{uuid.uuid4().hex[:12]}.tmp")


def _write_parquet(con: duckdb.DuckDBPyConnection, name: str, target: Path) -> int:
    temp = _temp_path(target)
    try:
        (rows,) = con.execute(
            f"COPY (SELECT * FROM {_quoted(name)}) TO {_sql_string(str(temp))}"
            " (FORMAT parquet, COMPRESSION zstd)"
        ).fetchone()
        os.replace(temp, target)
    except (duckdb.Error, OSError) as exc:
        temp.unlink(missing_ok=True)
        raise CustomsEtlError(f"cannot export {name} to {target}: {exc}") from None
    return int(rows)


def _write_json(data: dict[str, Any], target: Path) -> None:
    temp = _temp_path(target)
    try:
        temp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(temp, target)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise CustomsEtlError(f"cannot write {target}: {exc}") from None


def _newest_load(con: duckdb.DuckDBPyConnection) -> str | None:
    (moment,) = con.execute(
        "SELECT max(ingested_at) FROM raw.releases WHERE status IN ('loaded', 'released')"
    ).fetchone()
    return None if moment is None else moment.replace(tzinfo=UTC).isoformat()


def _described(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for row in dictionary_rows(con, ("core", "marts")):
        entry = out.setdefault(f"{row.schema}.{row.object}", {"columns": []})
        if row.column is None:
            entry["comment"] = row.comment
        else:
            entry["columns"].append({"name": row.column, "type": row.type, "comment": row.comment})
    return out


def export_parquet(
    con: duckdb.DuckDBPyConnection,
    out_dir: str | os.PathLike[str],
    *,
    include_history: bool = False,
) -> list[Path]:
    """Write ``<schema>.<name>.parquet`` per exported object and ``manifest.json``; returns the
    paths written, manifest last. ``con`` comes from ``db.reader()``: one read transaction, so
    every file and the manifest show one snapshot."""
    folder = Path(out_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CustomsEtlError(f"cannot create export folder {folder}: {exc}") from None
    written: list[Path] = []
    entries: list[dict[str, Any]] = []
    # One snapshot for every file and the manifest: ``reader()`` connections read in one
    # transaction from the start.
    described = _described(con)
    for name in export_objects(con, include_history=include_history):
        target = folder / f"{name}.parquet"
        rows = _write_parquet(con, name, target)
        written.append(target)
        info = described.get(name, {})
        entries.append(
            {
                "object": name,
                "file": target.name,
                "rows": rows,
                "comment": info.get("comment"),
                "columns": info.get("columns", []),
            }
        )
    loaded_at = _newest_load(con)
    manifest = {
        "exported_at": datetime.now(UTC).isoformat(),
        "warehouse_loaded_at": loaded_at,
        "objects": entries,
    }
    _write_json(manifest, folder / MANIFEST)
    written.append(folder / MANIFEST)
    return written


def export_warehouse(
    warehouse: str | os.PathLike[str] | None,
    out_dir: str | os.PathLike[str],
    *,
    include_history: bool = False,
    wait_seconds: float | None = None,
) -> list[Path]:
    """What ``customs-etl export --format parquet --out DIR`` runs: a read-only connection
    that waits (bounded) while a run loads, then ``WarehouseBusy``."""
    with reader(warehouse, wait_seconds=wait_seconds) as con:
        return export_parquet(con, out_dir, include_history=include_history)
