"""Parquet export: exact round trip, atomic files, manifest, and a busy warehouse refused."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from customs_etl.core.errors import CustomsEtlError, WarehouseBusy
from customs_etl.warehouse.db import reader, writer
from customs_etl.warehouse.export import MANIFEST, export_warehouse
from tests.conftest import Warehouse

ENV_WAIT = "CUSTOMS_ETL_BUSY_WAIT_SECONDS"


def _migrated(tmp_path: Path, backend: Warehouse | None = None) -> Path | str:
    path = backend.target if backend is not None else tmp_path / "w.duckdb"
    with writer(path):
        pass
    return path


def _sql_path(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


@pytest.fixture(params=["file", "lake"])
def sample(request: pytest.FixtureRequest) -> Path | str:
    """The sample warehouse, and the same copied into a lake."""
    return request.getfixturevalue("sample_warehouse" if request.param == "file" else "sample_lake")


@pytest.mark.slow
def test_export_matches_the_warehouse_exactly(sample: Path | str, tmp_path: Path) -> None:
    sample_warehouse = sample
    out = tmp_path / "export"
    written = export_warehouse(sample_warehouse, out, wait_seconds=5)
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    with reader(sample_warehouse) as con:
        marts = [
            f"marts.{name}"
            for (name,) in con.execute(
                "SELECT view_name FROM duckdb_views() WHERE schema_name = 'marts' ORDER BY 1"
            ).fetchall()
        ]
        objects = [*marts, "core.latest"]
        assert [p.name for p in written] == [f"{o}.parquet" for o in objects] + [MANIFEST]
        assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in written)
        for name, entry in zip(objects, manifest["objects"], strict=True):
            data = _sql_path(out / f"{name}.parquet")
            (rows,) = con.execute(f"SELECT count(*) FROM {name}").fetchone()
            (read_back,) = con.execute(f"SELECT count(*) FROM read_parquet({data})").fetchone()
            empty_ok = name == "marts.mirror_monthly"  # the sample holds no Comtrade figures
            assert (rows > 0 or empty_ok) and read_back == rows == entry["rows"], name
            for left, right in ((name, f"read_parquet({data})"), (f"read_parquet({data})", name)):
                (extra,) = con.execute(
                    f"SELECT count(*) FROM (FROM {left} EXCEPT ALL FROM {right})"
                ).fetchone()
                assert extra == 0, f"{name}: {extra} rows differ"
            describe = "SELECT column_name, column_type FROM (DESCRIBE FROM {})"
            types = con.execute(describe.format(name)).fetchall()
            parquet_types = con.execute(describe.format(f"read_parquet({data})")).fetchall()
            wide = 1 if name == "marts.partner_names" else 3  # the names lookup: key, name
            assert len(types) > wide and parquet_types == types, name
            assert entry["object"] == name and entry["comment"]
            assert all(c["comment"] for c in entry["columns"])
        july_kg, july_usd = con.execute(
            "SELECT quantity_kg, value_usd FROM marts.world_monthly"
            " WHERE commodity_code = '85051110' AND flow = 'export' AND period = '2025-07-01'"
        ).fetchone()
        (loaded_at,) = con.execute(
            "SELECT max(ingested_at) FROM raw.releases WHERE status = 'loaded'"
        ).fetchone()
    # An independent reader (pyarrow) sees exact decimals, not floats.
    world = pq.read_table(out / "marts.world_monthly.parquet")
    assert world.schema.field("quantity_kg").type == pa.decimal128(38, 12)
    assert world.schema.field("period").type == pa.date32()
    by_period = {r["period"].isoformat(): r for r in world.to_pylist()}
    assert by_period["2025-07-01"]["quantity_kg"] == july_kg
    assert by_period["2025-07-01"]["value_usd"] == july_usd
    assert manifest["warehouse_loaded_at"].startswith(loaded_at.isoformat())


def test_export_of_an_empty_warehouse_replaces_old_files_and_can_add_history(
    tmp_path: Path, backend: Warehouse
) -> None:
    path = _migrated(tmp_path, backend)
    out = tmp_path / "export"
    out.mkdir()
    (out / "core.latest.parquet").write_bytes(b"half a file from an old export")
    written = export_warehouse(path, out, include_history=True, wait_seconds=1)
    names = [p.name for p in written]
    assert names[-1] == MANIFEST
    assert {"core.latest.parquet", "core.observations.parquet", "core.revisions.parquet"} <= set(
        names
    )
    assert pq.read_table(out / "core.latest.parquet").num_rows == 0  # a valid file now
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["warehouse_loaded_at"] is None
    # no figures; the partner names are reference rows every warehouse has
    rows = {o["object"]: o["rows"] for o in manifest["objects"]}
    assert rows.pop("marts.partner_names") > 200
    assert list(rows.values()) == [0] * (len(names) - 2)
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]


def test_a_failed_export_leaves_no_partial_files_and_no_manifest(
    tmp_path: Path, backend: Warehouse
) -> None:
    path = _migrated(tmp_path, backend)
    out = tmp_path / "export"
    blocker = out / "core.latest.parquet"
    blocker.mkdir(parents=True)  # a directory where the file must go: the rename fails
    (blocker / "keep").write_text("x")
    with pytest.raises(CustomsEtlError, match=r"cannot export core\.latest"):
        export_warehouse(path, out, wait_seconds=1)
    leftovers = sorted(p.name for p in out.iterdir())
    assert MANIFEST not in leftovers
    assert not [name for name in leftovers if name.startswith(".")]
    assert (blocker / "keep").read_text() == "x"


@pytest.mark.slow
def test_export_meets_a_busy_warehouse_with_warehouse_busy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _migrated(tmp_path)
    out = tmp_path / "export"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]);"
            " print('held', flush=True); time.sleep(60)",
            str(path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        with pytest.raises(WarehouseBusy, match="warehouse busy"):
            export_warehouse(path, out, wait_seconds=0.5)
        monkeypatch.setenv(ENV_WAIT, "0.3")  # the CLI's path: no explicit wait
        with pytest.raises(WarehouseBusy, match="warehouse busy"):
            export_warehouse(path, out)
        assert time.monotonic() - started < 10
        assert not out.exists()
    finally:
        holder.kill()
        holder.wait()
    assert export_warehouse(path, out, wait_seconds=5)[-1].name == MANIFEST  # free again
