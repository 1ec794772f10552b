"""Quarantine review: release loads with checks waived and audited; drop keeps the bytes.

Every test runs on a DuckDB file and on a DuckLake (the ``backend`` fixture)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from customs_etl.warehouse.db import reader
from tests.conftest import Warehouse
from tests.support.cli import run_cli
from tests.support.exports import ZH_MONTHLY_HEADER, magnet_row, render_export

# 619 t for 1,000 USD: 0.002 USD/kg is far below the plausible band, so the file is held.
CHEAP = render_export(
    ZH_MONTHLY_HEADER,
    [
        magnet_row("202507", "502", "美国", "10", 619_000, 1_000),
        magnet_row("202507", "304", "德国", "10", 900_000, 45_000_000),
    ],
)


@pytest.fixture
def held(prefect_api: str, tmp_path: Path, backend: Warehouse) -> tuple[str, str, Path]:
    """A warehouse with one quarantined file; returns (warehouse, release id, file)."""
    warehouse = backend.target
    path = tmp_path / "export-85051110-202507-cheap.csv"
    path.write_bytes(CHEAP)
    result = run_cli("ingest", str(path), "--warehouse", str(warehouse))
    assert result.code == 1 and "field value/quantity at row 2" in result.stderr, result.output
    rid = _one(warehouse, "SELECT release_id FROM raw.releases")[0]
    return warehouse, rid, path


def _one(warehouse: str, sql: str) -> tuple:
    with reader(warehouse) as con:
        return con.execute(sql).fetchone()


def test_release_loads_with_waived_checks_and_an_audit_row(held: tuple[str, str, Path]) -> None:
    warehouse, rid, path = held
    result = run_cli(
        "quarantine",
        "release",
        rid[:10],
        "--reason",
        "confirmed with GACC",
        "--reviewer",
        "analyst@desk",
        "--warehouse",
        str(warehouse),
    )
    assert result.code == 0, result.output
    assert "2 rows loaded" in result.stdout and "unit_value_usd_per_kg" in result.stdout
    status, message, report = _one(
        warehouse, "SELECT status, message, validation_report FROM raw.releases"
    )
    assert status == "released" and "analyst@desk" in message
    waived = json.loads(report)["waived"]
    assert waived["reason"] == "confirmed with GACC"
    assert [c["column"] for c in waived["checks"]] == ["unit_value_usd_per_kg"]
    action, reviewer, reason, checks, rows, at = _one(
        warehouse,
        "SELECT action, reviewer, reason, waived_checks, rows_loaded, reviewed_at"
        " FROM meta.quarantine_reviews",
    )
    assert (action, reviewer, reason, rows) == (
        "released",
        "analyst@desk",
        "confirmed with GACC",
        2,
    )
    assert json.loads(checks)[0]["unexpected_count"] == 1 and at is not None
    assert _one(warehouse, "SELECT sum(quantity_kg) FROM core.latest") == (1_519_000,)
    # The same bytes again are already loaded; a second release is refused in one line.
    again = run_cli("ingest", str(path), "--warehouse", str(warehouse))
    assert again.code == 0 and "unchanged" in again.stdout
    twice = run_cli("quarantine", "release", rid, "--reason", "x", "--warehouse", str(warehouse))
    assert twice.code == 1 and "is released, not quarantined" in twice.stderr
    shown = run_cli("quarantine", "show", rid[:12], "--warehouse", str(warehouse))
    assert "released by analyst@desk" in shown.stdout


def test_drop_keeps_the_bytes_and_never_loads(held: tuple[str, str, Path]) -> None:
    warehouse, rid, path = held
    result = run_cli(
        "quarantine",
        "drop",
        rid[:12],
        "--reason",
        "duplicate of a later file",
        "--warehouse",
        str(warehouse),
    )
    assert result.code == 0, result.output
    status, content = _one(warehouse, "SELECT status, content FROM raw.releases")
    assert status == "dropped" and content == CHEAP
    assert _one(warehouse, "SELECT action, reason FROM meta.quarantine_reviews") == (
        "dropped",
        "duplicate of a later file",
    )
    assert _one(warehouse, "SELECT count(*) FROM core.observations") == (0,)
    listing = run_cli("quarantine", "list", "--warehouse", str(warehouse))
    assert path.name not in listing.stdout
    run_cli("ingest", str(path), "--warehouse", str(warehouse))
    assert _one(warehouse, "SELECT count(*) FROM core.observations") == (0,)


def test_a_review_needs_a_reason(held: tuple[str, str, Path]) -> None:
    warehouse, rid, _ = held
    result = run_cli("quarantine", "release", rid, "--reason", "  ", "--warehouse", str(warehouse))
    assert result.code == 1 and "needs --reason" in result.stderr
    assert _one(warehouse, "SELECT status FROM raw.releases") == ("quarantined",)
    assert _one(warehouse, "SELECT count(*) FROM meta.quarantine_reviews") == (0,)
