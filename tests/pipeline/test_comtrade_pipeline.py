"""Comtrade pulls through the real pipeline (prepare, history checks, load) on a DuckDB file:
one reporter's new vintage never replaces another's, a revision may drop a partner (the source
revised it away), and the same rows without their dataset versions are still held to the rule
that a filtered export never shrinks a month."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb

from customs_etl.core.models import DatasetVersion, RawDocument, Status
from customs_etl.pipeline.load import load_batch
from customs_etl.pipeline.prepare import prepare_batch
from customs_etl.publishers.comtrade import PUBLISHER
from customs_etl.transforms.comtrade import Page, bundle_pages
from tests.support.comtrade_records import FIXTURES, envelope

TODAY = date(2026, 11, 26)
MARCH = date(2025, 3, 1)
URL = "http://127.0.0.1:9/public/v1/preview/C/M/HS"
CHINA = json.loads((FIXTURES / "china-exports-202503.json").read_text())
PARTNERS = json.loads((FIXTURES / "partners-imports-202503.json").read_text())


def _doc(name: str, page: dict, flow: str, reporters: dict[int, str], version: str) -> RawDocument:
    body = json.dumps(page).encode()
    return RawDocument(
        name=name,
        source="comtrade",
        content=bundle_pages([Page(URL, body)]),
        url=URL,
        flow=flow,
        period_start=MARCH,
        period_end=MARCH,
        datasets=tuple(
            DatasetVersion(f"C/M/HS/{code}/202503", version, key, MARCH)
            for code, key in reporters.items()
        ),
    )


def _load(warehouse: Path, *docs: RawDocument) -> list:
    batch = prepare_batch(list(docs), lambda _: PUBLISHER, today=TODAY)
    return load_batch(batch, str(warehouse))


def _current(warehouse: Path, flow: str) -> set[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return set(con.execute(
            "SELECT reporter, partner, quantity_kg FROM core.latest WHERE source = 'comtrade'"
            " AND flow = ? AND commodity_code = '850511'", [flow],
        ).fetchall())  # fmt: skip


def test_one_reporters_vintage_never_replaces_anothers(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    both = envelope([r for r in PARTNERS["data"] if r["reporterCode"] in (842, 276)])
    (first,) = _load(warehouse, _doc("both.json", both, "import", {842: "US", 276: "DE"}, "1"))
    us_only = envelope([r | {"netWgt": 800_000.0} if r["cmdCode"] == "850511" else r
                        for r in PARTNERS["data"] if r["reporterCode"] == 842])  # fmt: skip
    (second,) = _load(warehouse, _doc("us.json", us_only, "import", {842: "US"}, "2"))
    assert first.status == second.status == Status.LOADED, (first, second)
    assert _current(warehouse, "import") == {("US", "CN", 800_000), ("DE", "CN", 1_150_000)}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        held = con.execute("SELECT dataset, version FROM raw.release_datasets ORDER BY 1, 2")
        assert held.fetchall() == [("C/M/HS/276/202503", "1"), ("C/M/HS/842/202503", "1"),
                                   ("C/M/HS/842/202503", "2")]  # fmt: skip


def _without_areas_nes(page: dict) -> dict:
    """China's month revised: the 5 t of 'Areas, nes' allocated to nobody any more."""
    rows = [dict(r) for r in page["data"] if r["partnerCode"] != 899]
    for row in rows:
        if row["partnerCode"] == 0 and row["cmdCode"] == "850511":
            row["netWgt"] -= 5_000.0
            row["primaryValue"] -= 200_000.0
    return envelope(rows)


def test_a_revision_may_drop_a_partner_but_a_filtered_file_may_not(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    (first,) = _load(warehouse, _doc("cn.json", CHINA, "export", {156: "CN"}, "1"))
    revised = _without_areas_nes(CHINA)
    # the same rows without dataset versions: nothing says the source dropped the partner
    bare = RawDocument("cn-bare.json", "comtrade", _doc("x", revised, "export", {}, "").content,
                       url=URL, flow="export", period_start=MARCH, period_end=MARCH)  # fmt: skip
    (refused,) = _load(warehouse, bare)
    assert refused.status == Status.QUARANTINED
    assert "carries fewer partners" in refused.message and "CT-899" in refused.message
    assert ("CN", "CT-899", 5_000) in _current(warehouse, "export")
    fetched_again = revised | {"elapsedTime": "0.3 secs"}  # as every answer, other bytes
    (accepted,) = _load(warehouse, _doc("cn-rev.json", fetched_again, "export", {156: "CN"}, "2"))
    assert first.status == accepted.status == Status.LOADED, accepted
    current = _current(warehouse, "export")
    assert ("CN", "WLD", 3_400_000.25) in current
    assert not any(partner == "CT-899" for _, partner, _ in current)
