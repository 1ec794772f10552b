"""Migrations 007 (the reporter joins the slice, World rows are the world figure) and 008
(core.latest without the per-cell window where it changes nothing; the marts as macros over
a list of lines) change no figure a warehouse of China's own releases held: upgraded in place,
every current figure, revision and mart row is what it was, and the per-line macros give
exactly the views' rows of that line."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import duckdb

from customs_etl.core.models import Coverage, RawDocument
from customs_etl.core.schema import to_arrow
from customs_etl.publishers.gacc_bulletin import PUBLISHER as BULLETIN
from customs_etl.publishers.sample import PUBLISHER as SAMPLE
from customs_etl.warehouse.migration_files import migration_files
from customs_etl.warehouse.releases import load_release
from customs_etl.warehouse.schema_version import migrate
from customs_etl.warehouse.transactions import transaction
from tests.support import paths

OBJECTS = ("core.latest", "core.revisions", "marts.partner_monthly", "marts.world_monthly",
           "marts.partner_ranked")  # fmt: skip
FIXTURES = paths.FIXTURES / "gacc_bulletin"


def _schema_6(con: duckdb.DuckDBPyConnection) -> None:
    """The warehouse as customs-etl built it before this issue: migrations 001-006."""
    con.execute("CREATE SCHEMA meta")
    con.execute(
        "CREATE TABLE meta.schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
        " sha256 VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)"
    )
    for version, name, sql, _ in migration_files():
        if version > 6:
            continue
        with transaction(con):
            con.execute(sql)
            con.execute("INSERT INTO meta.schema_migrations (version, name, sha256) VALUES"
                        " (?, ?, ?)", [version, name, hashlib.sha256(sql.encode()).hexdigest()])
    con.execute("CHECKPOINT")


def _load_history(con: duckdb.DuckDBPyConnection) -> None:
    """Sample query exports (months, cumulatives), a restated month, a partial (US-only)
    export, and a bulletin page: every kind of slice the GACC side has. Today's loader takes
    its load_seqs from meta.load_counter (migration 009): a stand-in counter serves it here
    and goes before the upgrade, which makes the real one."""
    con.execute("CREATE TABLE meta.load_counter AS SELECT 0::BIGINT AS last_load_seq")
    _load_documents(con)
    con.execute("DROP TABLE meta.load_counter")


def _load_documents(con: duckdb.DuckDBPyConnection) -> None:
    for month in (date(2024, 12, 1), date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)):
        for doc in SAMPLE.documents_for_month(month, {}):
            load_release(con, doc, to_arrow(SAMPLE.parse(doc)), None)
    march = SAMPLE.documents_for_month(date(2025, 3, 1), {})[0]
    frame = SAMPLE.parse(march)
    restated_doc = RawDocument("restated.csv", "sample", march.content + b"\n", flow="export")
    restated = frame.assign(release_id=restated_doc.sha256)
    germany = restated["partner"] == "DE"
    restated.loc[germany, "quantity_kg"] = [kg + 1_000 for kg in restated.loc[germany,
                                                                             "quantity_kg"]]
    load_release(con, restated_doc, to_arrow(restated), None)
    partial_doc = RawDocument("us-only.csv", "sample", b"us only", coverage=Coverage.PARTIAL)
    us = restated[restated["partner"] == "US"].assign(release_id=partial_doc.sha256)
    us["quantity_kg"] = [kg * 2 for kg in us["quantity_kg"]]
    load_release(con, partial_doc, to_arrow(us), None)
    page = (FIXTURES / "table14-import-2026-01.html").read_bytes()
    doc = RawDocument("t14.html", "gacc_bulletin", page, flow="import",
                      period_start=date(2026, 1, 1), period_end=date(2026, 1, 1))
    load_release(con, doc, to_arrow(BULLETIN.parse(doc)), None)


# The figures every schema since 6 agrees on (the marts' claims changed with issue 18's
# coverage model, on purpose; the numbers behind them did not).
FIGURES = {
    "core.latest": "SELECT {cols} FROM core.latest",
    "core.revisions": "SELECT {cols} FROM core.revisions",
    "marts.partner_monthly": "SELECT source, flow, commodity_code, partner, period, quantity_kg,"
    " value_usd, value_cny FROM marts.partner_monthly",
    "marts.world_monthly": "SELECT source, flow, commodity_code, period, quantity_kg, value_usd,"
    " value_cny FROM marts.world_monthly WHERE quantity_kg IS NOT NULL",
    "marts.partner_ranked": "SELECT source, flow, commodity_code, partner, period, quantity_kg"
    " FROM marts.partner_ranked WHERE share_pct IS NOT NULL",
}


def _state(con: duckdb.DuckDBPyConnection, upgraded: bool) -> dict[str, list[tuple]]:
    out = {}
    for name in OBJECTS:
        columns = "*"
        if upgraded and name == "core.latest":
            # the vintage's load order and its series, shown since issues 18 and 19
            columns = "* EXCLUDE (load_seq, series_source)"
        elif upgraded and name == "core.revisions":
            columns = "* EXCLUDE (reporter, previous_source, series_source)"
        sql = FIGURES[name].format(cols=columns)
        out[name] = con.execute(f"{sql} ORDER BY ALL").fetchall()
    return out


def test_upgrading_a_gacc_warehouse_changes_none_of_its_figures(tmp_path: Path) -> None:
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        _schema_6(con)
        _load_history(con)
        before = _state(con, upgraded=False)
        later = [name for version, name, _, _ in migration_files() if version > 6]
        assert migrate(con) == later and "008_fast_reads.sql" in later
        after = _state(con, upgraded=True)
        per_line = _per_line_matches(con)
        reporters = con.execute(
            "SELECT DISTINCT reporter FROM marts.world_monthly UNION"
            " SELECT DISTINCT reporter FROM core.revisions"
        ).fetchall()
    assert all(before[name] for name in OBJECTS)  # every object had rows to compare
    assert len(before["core.revisions"]) > 0 and reporters == [("CN",)]
    for name in OBJECTS:
        assert after[name] == before[name], name
    assert per_line


MACROS = {
    "core.latest": "core.latest_of",
    "marts.partner_monthly": "marts.partner_monthly_of",
    "marts.world_monthly": "marts.world_monthly_of",
    "marts.partner_ranked": "marts.partner_ranked_of",
    "marts.mirror_monthly": "marts.mirror_monthly_of",
}


def _per_line_matches(con: duckdb.DuckDBPyConnection) -> int:
    """Each macro over one line (and over two) equals its view filtered to the line(s)."""
    codes = [c for (c,) in con.execute(
        "SELECT DISTINCT commodity_code FROM core.observations ORDER BY 1").fetchall()]
    checked = 0
    for chosen in [[c] for c in codes] + [codes[:2]]:
        for view, macro in MACROS.items():
            whole = con.execute(
                f"SELECT * FROM {view} WHERE list_contains($codes, commodity_code) ORDER BY ALL",
                {"codes": chosen},
            ).fetchall()
            narrow = con.execute(f"SELECT * FROM {macro}($codes) ORDER BY ALL",
                                 {"codes": chosen}).fetchall()  # fmt: skip
            assert narrow == whole, (view, chosen)
            checked += len(whole)
    return checked
