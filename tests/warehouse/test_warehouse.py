"""Warehouse: migrations, one transaction per load, idempotency, vintages, busy readers.

The tests that take ``backend`` run on a DuckDB file and on a DuckLake (conftest)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from customs_etl.core.errors import CustomsEtlError, WarehouseBusy
from customs_etl.core.models import RawDocument
from customs_etl.warehouse import releases as loads
from customs_etl.warehouse.db import reader, writer
from tests.conftest import Warehouse
from tests.support.documents import load_prepared
from tests.support.exports import ZH_MONTHLY_HEADER, july_export, magnet_row, render_export
from tests.support.pipeline import prepared


def _doc(content: bytes, name: str = "export-85051110-202507.csv") -> RawDocument:
    return RawDocument(name=name, source="gacc_query", content=content, flow="export",
                       commodity_code="85051110", period_start=date(2025, 7, 1),
                       period_end=date(2025, 7, 1))


def _count(path: Path | str, sql: str) -> int:
    with reader(path) as con:
        return con.execute(sql).fetchone()[0]


def test_migrations_apply_once_and_layers_exist(backend: Warehouse) -> None:
    path = backend.target
    with writer(path) as con:
        first = con.execute("SELECT count(*) FROM meta.schema_migrations").fetchone()[0]
        schemas = {r[0] for r in con.execute(
            "SELECT schema_name FROM information_schema.schemata").fetchall()}
    with writer(path) as con:
        again = con.execute("SELECT count(*) FROM meta.schema_migrations").fetchone()[0]
    assert first == again >= 2
    assert {"raw", "core", "marts", "meta"} <= schemas


def test_same_bytes_twice_is_a_no_op(backend: Warehouse) -> None:
    path = backend.target
    first = load_prepared(prepared(_doc(july_export())), str(path))
    second = load_prepared(prepared(_doc(july_export(), name="renamed.csv")), str(path))
    assert (first.status, first.rows) == ("loaded", 4)
    assert (second.status, second.rows) == ("unchanged", 0)
    assert _count(path, "SELECT count(*) FROM core.observations") == 4
    with reader(path) as con:
        sha, size, content = con.execute(
            "SELECT release_id, size_bytes, content FROM raw.releases").fetchone()
    assert sha == _doc(july_export()).sha256 and content == july_export()
    assert size == len(july_export())


def test_failure_mid_load_leaves_nothing(backend: Warehouse) -> None:
    path = backend.target
    batch = prepared(_doc(july_export()))
    broken = batch.observations.to_pandas()
    broken.loc[3, "period_start"] = None  # NOT NULL: fails on INSERT after the release row
    with writer(path) as con, pytest.raises(duckdb.Error):
        loads.load_release(con, batch.docs[0], broken, None)
    assert _count(path, "SELECT count(*) FROM raw.releases") == 0
    assert _count(path, "SELECT count(*) FROM core.observations") == 0
    assert load_prepared(batch, str(path)).status == "loaded"  # and a clean retry works


def test_new_vintage_supersedes_the_slice_and_records_revisions(backend: Warehouse) -> None:
    path = backend.target
    load_prepared(prepared(_doc(july_export())), str(path))
    revised = render_export(ZH_MONTHLY_HEADER, [
        magnet_row("202507", "304", "德国", "10", 950_000, 47_000_000),
        magnet_row("202507", "304", "德国", "15", 216_000, 10_800_000, "进料加工贸易"),
        magnet_row("202507", "502", "美国", "10", 619_000, 30_950_000),
        magnet_row("202507", "116", "日本", "10", 232_000, 11_600_000),
    ])
    assert load_prepared(prepared(_doc(revised)), str(path)).status == "loaded"
    with reader(path) as con:
        latest = con.execute("SELECT partner, trade_mode, quantity_kg FROM core.latest "
                             "ORDER BY partner, trade_mode").fetchall()
        vintages = con.execute("SELECT count(*) FROM core.observations").fetchone()[0]
        revision = con.execute("SELECT partner, previous_quantity_kg, quantity_kg, delta_kg "
                               "FROM core.revisions").fetchall()
        world = con.execute("SELECT quantity_kg FROM marts.world_monthly").fetchone()[0]
    assert latest == [("DE", "10", Decimal(950_000)), ("DE", "15", Decimal(216_000)),
                      ("JP", "10", Decimal(232_000)), ("US", "10", Decimal(619_000))]
    assert vintages == 8
    assert revision == [("DE", Decimal(900_000), Decimal(950_000), Decimal(50_000))]
    assert world == Decimal(2_017_000)


def test_reader_needs_an_existing_file(tmp_path: Path) -> None:
    with pytest.raises(CustomsEtlError, match="no warehouse"), reader(tmp_path / "none.duckdb"):
        pass


def test_reader_meets_a_busy_warehouse_with_a_clear_error(tmp_path: Path) -> None:
    import subprocess
    import sys
    import time

    path = tmp_path / "w.duckdb"
    with writer(path):
        pass
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True);"
         " time.sleep(30)", str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        with pytest.raises(WarehouseBusy, match="warehouse busy"), reader(path,
                                                                          wait_seconds=0.5):
            pass
        assert time.monotonic() - started < 10
    finally:
        holder.kill()
        holder.wait()


def test_statuses_are_typed_and_the_warehouse_checks_them(tmp_path: Path) -> None:
    import re

    from customs_etl.core.models import STORED_STATUSES, Coverage

    path = tmp_path / "w.duckdb"
    with writer(path) as con:
        checks = [
            text
            for (text,) in con.execute(
                "SELECT expression FROM duckdb_constraints() WHERE schema_name = 'raw'"
                " AND table_name = 'releases' AND constraint_type = 'CHECK'"
            ).fetchall()
        ]
        allowed = {
            column: set(re.findall(r"'(\w+)'", text))
            for text in checks
            for column in ("status", "coverage")
            if column in text
        }
        assert allowed == {"status": {str(s) for s in STORED_STATUSES},
                           "coverage": {str(c) for c in Coverage}}
        with pytest.raises(duckdb.ConstraintException):
            con.execute(
                "INSERT INTO raw.releases (release_id, source, content, size_bytes, ingested_at,"
                " parser_version, status) VALUES ('x', 's', ''::BLOB, 0, now(), '1', 'unchanged')"
            )
