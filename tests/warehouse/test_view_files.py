"""Views, macros and comments are files (``warehouse/views``), applied at connect when they
changed — on a DuckDB file and on a DuckLake alike; readers refuse views other than the code's.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pytest

from customs_etl.core.errors import CustomsEtlError
from customs_etl.core.partners import load_partner_table, partner_names
from customs_etl.warehouse import view_files
from customs_etl.warehouse.db import reader, writer
from tests.conftest import Warehouse

NAMES_FILE = "25_marts_partner_names.sql"


def _applied(target: str) -> dict[str, str]:
    with writer(target) as con:
        return dict(con.execute("SELECT name, sha256 FROM meta.applied_views").fetchall())


def _age(target: str) -> None:
    """Make the warehouse look as if an older customs-etl had made its views: another
    world_monthly, a missing comment and other recorded digests."""
    with writer(target) as con:
        con.execute("BEGIN TRANSACTION")
        con.execute("CREATE OR REPLACE VIEW marts.world_monthly AS SELECT 1 AS stale")
        con.execute("UPDATE meta.applied_views SET sha256 = 'older'")
        con.execute("COMMIT")


def test_a_new_warehouse_records_every_view_file(backend: Warehouse) -> None:
    assert _applied(backend.target) == view_files.file_digests()
    with reader(backend.target) as con:
        views = {
            f"{s}.{v}"
            for s, v in con.execute(
                "SELECT schema_name, view_name FROM duckdb_views()"
                " WHERE database_name = current_database() AND NOT internal"
            ).fetchall()
        }
    assert {"core.latest", "core.revisions", "marts.world_monthly"} <= views


def test_changed_files_are_applied_again_and_readers_wait_for_them(backend: Warehouse) -> None:
    target = backend.target
    _applied(target)
    _age(target)
    with pytest.raises(CustomsEtlError, match=r"views other than.*customs-etl migrate"), reader(
        target
    ):
        pass
    with writer(target) as con:  # any writer brings the views up to the files
        columns = [
            c
            for (c,) in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE table_name = 'world_monthly'"
                " AND schema_name = 'marts' AND database_name = current_database()"
            ).fetchall()
        ]
    assert "stale" not in columns and "quantity_kg" in columns
    assert _applied(target) == view_files.file_digests()
    with reader(target) as con:
        con.execute("SELECT * FROM marts.world_monthly LIMIT 0").fetchall()


def test_unchanged_files_are_not_applied_again(backend: Warehouse) -> None:
    target = backend.target
    _applied(target)
    with writer(target) as con:
        before = con.execute("SELECT max(applied_at) FROM meta.applied_views").fetchone()[0]
    with writer(target) as con:
        after = con.execute("SELECT max(applied_at) FROM meta.applied_views").fetchone()[0]
    assert before == after


def test_no_migration_after_the_view_files_defines_a_view_or_macro() -> None:
    """Migrations change tables; a view, macro or comment changes in its file."""
    folder = resources.files("customs_etl.warehouse") / "migrations"
    for entry in folder.iterdir():
        if not entry.name.endswith(".sql") or int(entry.name[:3]) <= 9:
            continue  # 001-009 were applied before the view files existed: never edited
        text = entry.read_text(encoding="utf-8")
        assert not re.search(r"CREATE\s+(OR\s+REPLACE\s+)?(VIEW|MACRO)|COMMENT\s+ON", text,
                             re.IGNORECASE), entry.name  # fmt: skip


def test_every_view_and_macro_is_defined_in_exactly_one_file() -> None:
    defined: dict[str, str] = {}
    pattern = re.compile(r"CREATE\s+(?:OR\s+REPLACE\s+)?(?:VIEW|MACRO)\s+([\w.]+)", re.IGNORECASE)
    for name, text in view_files.view_files():
        for found in pattern.findall(text):
            assert found not in defined, f"{found} in {name} and {defined[found]}"
            defined[found] = name
    assert {"core.latest", "core.latest_of", "marts.world_monthly_of"} <= set(defined)


def test_partner_names_are_rendered_from_core_tables_into_their_view_file(
    tmp_path: Path,
) -> None:
    """One source of truth: the file holds a marker, the rows come from core.partners (GACC's
    reviewed table and Comtrade's areas), and the warehouse's view holds exactly them."""
    raw = (resources.files("customs_etl.warehouse") / "views" / NAMES_FILE).read_text("utf-8")
    assert "{{partner_names}}" in raw and "('DE', 'Germany')" not in raw
    text = dict(view_files.view_files())[NAMES_FILE]
    assert "{{" not in text and "('DE', 'Germany')" in text and "('CT-899', 'Areas, nes')" in text
    names = partner_names()
    assert {p.partner for p in load_partner_table().values()} <= set(names)
    target = tmp_path / "w.duckdb"
    with writer(target):
        pass
    with reader(target) as con:
        held = dict(con.execute("SELECT partner, partner_name FROM marts.partner_names").fetchall())
    assert held == names and held["DE"] == "Germany" and held["GACC-199"] == "Other Asia"
