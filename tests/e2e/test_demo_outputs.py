"""What the demo's warehouse shows outside the report: the watchlist says the modeled sample is
all it has, and the marts and their Parquet export name partners in English.

Runs on the session's warehouses (the sample backfilled through the CLI; the same files
ingested as real query exports) and on an empty one made by a writer.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from customs_etl.core.partners import load_partner_table
from customs_etl.warehouse.db import writer
from tests.support.cli import run_cli

pytestmark = pytest.mark.slow  # the session's warehouses are built by Prefect runs

MAGNETS = "rare-earth-magnets"


def _watchlist(warehouse: Path) -> tuple[str, dict]:
    args = ("watchlist", "--period", "2025-07", "--warehouse", str(warehouse))
    text, data = run_cli(*args), run_cli(*args, "--format", "json")
    assert text.code == 0 and data.code == 0, text.output + data.output
    return text.stdout, {e["entry"]: e for e in json.loads(data.stdout)["entries"]}


def _line(text: str, entry: str) -> str:
    (line,) = [x for x in text.splitlines() if x.startswith(f"{entry}: ")]
    return line


def test_watchlist_on_the_sample_says_only_the_modeled_sample_has_figures(
    sample_warehouse: Path, query_warehouse: Path
) -> None:
    text, entries = _watchlist(sample_warehouse)
    magnets = entries[MAGNETS]
    assert magnets["sample_only"] is True and magnets["source"] is None
    line = _line(text, MAGNETS)
    assert "only the MODELED SAMPLE" in line and "no figures" not in line
    assert "customs-etl backfill --start 2025-07 --end 2025-07" in line  # how to load real data
    assert "customs-etl ingest" in line
    # an entry the sample does not cover still has no figures
    assert entries["gallium"]["sample_only"] is False
    assert _line(text, "gallium").startswith("gallium: no figures for the month")
    # the same figures loaded as real query exports are the watchlist's own
    text, entries = _watchlist(query_warehouse)
    assert entries[MAGNETS]["sample_only"] is False
    assert entries[MAGNETS]["source"] == "gacc_query"
    assert "MODELED" not in text


def test_watchlist_on_an_empty_warehouse_says_no_figures(tmp_path: Path) -> None:
    empty = tmp_path / "empty.duckdb"
    with writer(empty):
        pass
    text, entries = _watchlist(empty)
    assert all(e["sample_only"] is False and e["source"] is None for e in entries.values())
    assert _line(text, MAGNETS).startswith(f"{MAGNETS}: no figures for the month")
    assert "MODELED" not in text


def test_parquet_export_names_partners_in_english_beside_the_label(
    sample_warehouse: Path, tmp_path: Path
) -> None:
    out = tmp_path / "export"
    result = run_cli(
        "export", "--format", "parquet", "--out", str(out), "--warehouse", str(sample_warehouse)
    )
    assert result.code == 0, result.output
    known = {p.partner for p in load_partner_table().values()}
    with duckdb.connect() as con:
        for mart in ("marts.partner_monthly", "marts.partner_ranked"):
            data = str(out / f"{mart}.parquet")
            pairs = set(
                con.execute(
                    "SELECT DISTINCT partner, partner_label, partner_name FROM read_parquet(?)",
                    [data],
                ).fetchall()
            )
            assert ("DE", "德国", "Germany") in pairs, mart
            assert ("US", "美国", "United States") in pairs, mart
            unnamed = [p for p, _label, name in pairs if name is None and p in known]
            assert unnamed == [] and len(pairs) > 10, mart
            columns = con.execute("SELECT * FROM read_parquet(?) LIMIT 0", [data]).description
            assert columns[-1][0] == "partner_name", mart  # last: positional readers keep theirs
        names = dict(
            con.execute(
                "SELECT partner, partner_name FROM read_parquet(?)",
                [str(out / "marts.partner_names.parquet")],
            ).fetchall()
        )
    assert names["DE"] == "Germany" and names["GACC-199"] == "Other Asia"
    assert known <= set(names)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    ranked = next(o for o in manifest["objects"] if o["object"] == "marts.partner_ranked")
    (column,) = [c for c in ranked["columns"] if c["name"] == "partner_name"]
    assert "English name" in column["comment"]
