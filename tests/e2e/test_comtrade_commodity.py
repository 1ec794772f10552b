"""``--commodity`` narrows Comtrade pulls (issue 22 item 2), from the CLI against the local
stand-in of the API (no network), asserting on the stand-in's request log.

One module-scoped history over Jan–Mar 2025 (January is February published again): code A
(850511) alone for the three months, then code B (811292) alone for February while Japan's
February report is not offered, then a run of the whole watchlist, then the same run again.
What is held is known per code: the full run asks each month for exactly the codes it lacks
(never skipping B's months because A has them), and the run after it asks for nothing.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import duckdb
import pytest

from customs_etl.core.errors import BadArgument
from customs_etl.publishers.comtrade import dataset_id, held_version
from customs_etl.publishers.comtrade.hs6_selection import hs6_codes, watched_hs6
from tests.support.cli import CliResult, run_cli
from tests.support.comtrade_site import ComtradeStandIn, Dataset

A, B = "850511", "811292"  # rare-earth magnets; gallium (the stand-in has rows of both)
JAPAN = 392
MONTHS = ("202501", "202502", "202503")


# --------------------------------------------------------------------------- the values


def test_hs6_codes_and_catalogue_keys_become_codes() -> None:
    gallium = hs6_codes(["gallium"])
    assert B in gallium and A not in gallium
    assert hs6_codes(["850511", " 8505.11 ", "gallium"]) == tuple(sorted({A, *gallium}))
    assert set(gallium) <= set(watched_hs6())


@pytest.mark.parametrize("bad", ["85051", "galium", "8505111x", "bulletin:rare-earths"])
def test_unknown_keys_and_malformed_codes_are_refused_with_the_keys(bad: str) -> None:
    with pytest.raises(BadArgument) as refused:
        hs6_codes([A, bad])
    message = str(refused.value)
    assert repr(bad) in message and "gallium" in message and "rare-earth-magnets" in message


def test_the_later_load_of_a_code_or_of_the_whole_month_tells_what_is_held() -> None:
    whole, alone = dataset_id("156", "202502"), dataset_id("156", "202502", A)
    assert alone == f"{whole}/{A}"
    assert held_version({whole: ("1", 5), alone: ("2", 9)}, "156", "202502", A) == "2"
    assert held_version({whole: ("3", 12), alone: ("2", 9)}, "156", "202502", A) == "3"
    assert held_version({alone: ("2", 9)}, "156", "202502", B) is None
    assert held_version({whole: ("1", 5)}, "156", "202502", B) == "1"


# --------------------------------------------------------------------------- the CLI


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["run", "--commodity", A], "gacc-preliminary, gacc-bulletin cannot filter"),
        (["backfill", "--start", "2025-01", "--end", "2025-01", "--source", "sample",
          "--commodity", A], "sample cannot filter by commodity; only comtrade can"),
        (["backfill", "--start", "2025-01", "--end", "2025-01", "--source", "comtrade",
          "--commodity", "galium"], "--commodity 'galium': comtrade takes an HS6 code"),
    ],
)  # fmt: skip
def test_a_commodity_a_source_cannot_honour_is_one_usage_line(
    args: list[str], words: str, tmp_path: Path
) -> None:
    result = run_cli(*args, "--warehouse", str(tmp_path / "w.duckdb"))
    assert result.code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0] and result.stdout == "", result.output
    assert not (tmp_path / "w.duckdb").exists()


@dataclass
class History:
    site: ComtradeStandIn
    warehouse: Path
    runs: dict[str, CliResult]
    asked: dict[str, list[tuple[str, str, str, frozenset[str]]]]  # (reporters, flow, period, codes)
    mirror_after_b: list[tuple]


def _asked(path: str) -> tuple[str, str, str, frozenset[str]]:
    query = {k: v[-1] for k, v in parse_qs(urlsplit(path).query).items()}
    codes = frozenset(query["cmdCode"].split(","))
    return query["reporterCode"], query["flowCode"], query["period"], codes


def _january(site: ComtradeStandIn) -> None:
    """February 2025 published again as January (another version of each dataset)."""
    for (reporter, month), dataset in list(site.datasets.items()):
        if month == "202502":
            rows = copy.deepcopy(dataset.rows)
            for row in rows:
                row["period"], row["refMonth"], row["refPeriodId"] = "202501", 1, 20250101
            site.datasets[(reporter, "202501")] = Dataset(rows, dataset.checksum + 3, "2025-03-01")


def _mirror(warehouse: Path, code: str, period: str, partner: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            "SELECT partner_reported, mirror_kg FROM marts.mirror_monthly WHERE commodity_code"
            " = ? AND period = ? AND partner = ?", [code, period, partner],
        ).fetchall()  # fmt: skip


@pytest.fixture(scope="module")
def history(prefect_api: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[History]:
    warehouse = tmp_path_factory.mktemp("commodity") / "warehouse.duckdb"
    site = ComtradeStandIn.from_fixtures()
    _january(site)
    runs: dict[str, CliResult] = {}
    asked: dict[str, list] = {}

    def backfill(name: str, start: str, end: str, *codes: str) -> None:
        before = len(site.data_requests())
        args = ["backfill", "--source", "comtrade", "--start", start, "--end", end]
        for code in codes:
            args += ["--commodity", code]
        runs[name] = run_cli(*args, "--warehouse", str(warehouse))
        asked[name] = [_asked(r.path) for r in site.data_requests()[before:]]

    with site.serve() as url, pytest.MonkeyPatch.context() as mp:
        mp.setenv("CUSTOMS_ETL_COMTRADE_URL", url)
        mp.setenv("CUSTOMS_ETL_HTTP_POLITE_DELAY", "0")
        mp.setenv("CUSTOMS_ETL_DATA_DOCS", "off")
        backfill("A", "2025-01", "2025-03", A)
        japan = site.datasets.pop((JAPAN, "202502"))  # not offered while B is pulled
        backfill("B", "2025-02", "2025-02", "gallium")
        mirror_after_b = _mirror(warehouse, B, "2025-02-01", "JP")
        site.datasets[(JAPAN, "202502")] = japan
        backfill("full", "2025-01", "2025-03")
        backfill("again", "2025-01", "2025-03")
    yield History(site, warehouse, runs, asked, mirror_after_b)


def test_backfill_with_one_code_fetches_only_that_codes_pages(history: History) -> None:
    assert history.runs["A"].code == 0, history.runs["A"].output
    asked = history.asked["A"]
    assert {codes for *_, codes in asked} == {frozenset({A})}
    china = sorted(period for who, flow, period, _ in asked if (who, flow) == ("156", "X"))
    assert china == list(MONTHS)  # China's side of each month, then its partners' (flow M)
    assert {flow for _, flow, _, _ in asked} == {"X", "M"}
    with duckdb.connect(str(history.warehouse), read_only=True) as con:
        first = con.execute(  # the run's documents: each month's two sides
            "SELECT file_name FROM raw.releases WHERE status = 'loaded' ORDER BY load_seq LIMIT 6"
        ).fetchall()
    assert sorted(name for (name,) in first) == sorted(
        f"comtrade-{side}-2025-0{m}-hs{A}.json"
        for side in ("CN-exports", "partners-imports-from-CN") for m in (1, 2, 3)
    )


def test_a_catalogue_key_pulls_its_codes_and_a_partner_not_offered_stays_unknown(
    history: History,
) -> None:
    assert history.runs["B"].code == 0, history.runs["B"].output
    gallium = frozenset(hs6_codes(["gallium"]))
    assert history.asked["B"] and {codes for *_, codes in history.asked["B"]} == {gallium}
    assert all(period == "202502" for _, _, period, _ in history.asked["B"])
    # Japan's February report was loaded for A only: for B it is unknown, not zero.
    assert history.mirror_after_b == [(False, None)]


def test_a_full_run_asks_each_month_for_exactly_the_codes_it_lacks(history: History) -> None:
    full = history.runs["full"]
    assert full.code == 0, full.output
    watched = frozenset(watched_hs6())
    china = {period: codes for reporters, flow, period, codes in history.asked["full"]
             if (reporters, flow) == ("156", "X")}  # fmt: skip
    gallium = frozenset(hs6_codes(["gallium"]))
    assert china == {"202501": watched - {A}, "202502": watched - {A} - gallium,
                     "202503": watched - {A}}  # fmt: skip
    for reporters, flow, period, codes in history.asked["full"]:
        assert A not in codes, (reporters, flow, period)
        if flow == "M" and period == "202502" and str(JAPAN) not in reporters.split(","):
            assert not codes & gallium, (reporters, period, codes)
    with duckdb.connect(str(history.warehouse), read_only=True) as con:
        held = set(con.execute(
            "SELECT strftime(period_start, '%Y%m'), commodity_code FROM core.latest"
            " WHERE source = 'comtrade' AND reporter = 'CN' AND flow = 'export'"
        ).fetchall())  # fmt: skip
    assert held == {(m, code) for m in MONTHS for code in (A, B)}
    reported, kg = _mirror(history.warehouse, B, "2025-02-01", "JP")[0]
    assert reported and kg is not None  # Japan's B came with the full run


def test_the_run_after_asks_for_nothing(history: History) -> None:
    again = history.runs["again"]
    assert again.code == 0, again.output
    assert history.asked["again"] == []
    assert "comtrade 2025-02: no new or revised datasets" in again.stdout


def test_run_narrows_its_month_too(prefect_api: str, tmp_path: Path) -> None:
    site = ComtradeStandIn.from_fixtures()
    with site.serve() as url, pytest.MonkeyPatch.context() as mp:
        mp.setenv("CUSTOMS_ETL_COMTRADE_URL", url)
        mp.setenv("CUSTOMS_ETL_HTTP_POLITE_DELAY", "0")
        mp.setenv("CUSTOMS_ETL_DATA_DOCS", "off")
        warehouse = str(tmp_path / "w.duckdb")
        result = run_cli("run", "--source", "comtrade", "--period", "2025-03",
                         "--commodity", "gallium", "--warehouse", warehouse)  # fmt: skip
    assert result.code == 0, result.output
    asked = [_asked(r.path) for r in site.data_requests()]
    assert asked and {(period, codes) for _, _, period, codes in asked} == {
        ("202503", frozenset(hs6_codes(["gallium"])))
    }
