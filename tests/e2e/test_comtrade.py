"""UN Comtrade end to end, from the CLI against a local stand-in of the API (no network).

One module-scoped history: a backfill of Feb–Mar 2025 (preview endpoint, a cap of 7 rows so
queries really split), the same backfill again (nothing changed: no data page is fetched), a
revision of the United States' March dataset (one new vintage of its slices only), the
scheduled poll (a due month loads, the next poll is a no-op). Then the reports read it: the
mirror table against a brute-force reference computed here from the stand-in's own data, the
watchlist, and a report on a watchlist entry. A keyed run checks the key travels as a header
and nowhere else, and that a bad page is quarantined with its bytes and nothing of it loaded.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import duckdb
import pytest

from customs_etl.core.months import add_months, last_complete_month, shanghai_today
from tests.support.cli import CliResult, run_cli
from tests.support.comtrade_site import KEY_HEADER, ComtradeStandIn, Dataset

pytestmark = pytest.mark.slow

BACKFILL = ("backfill", "--source", "comtrade", "--start", "2025-02", "--end", "2025-03")
# The stand-in's codes as a person reads them (independent of the project's table).
KEYS = {842: "US", 276: "DE", 392: "JP", 344: "HK", 699: "IN", 410: "KR", 490: "CT-490",
        899: "CT-899"}  # fmt: skip
NAMES = {"US": "United States", "DE": "Germany", "JP": "Japan", "HK": "Hong Kong",
         "IN": "India", "KR": "South Korea", "CT-490": "Other Asia, nes",
         "CT-899": "Areas, nes"}  # fmt: skip
REVISED = {"netWgt": 740_000.0, "qty": 740_000.0, "primaryValue": 36_000_000.0}


def _env(mp: pytest.MonkeyPatch, url: str) -> None:
    mp.setenv("CUSTOMS_ETL_COMTRADE_URL", url)
    mp.setenv("CUSTOMS_ETL_COMTRADE_MAX_RECORDS", "7")  # the stand-in's preview cap below
    mp.setenv("CUSTOMS_ETL_HTTP_POLITE_DELAY", "0")
    mp.setenv("CUSTOMS_ETL_DATA_DOCS", "off")


def _query(con: duckdb.DuckDBPyConnection, sql: str, *params: object) -> list[tuple]:
    return con.execute(sql, list(params)).fetchall()


@dataclass
class Pulled:
    site: ComtradeStandIn
    warehouse: Path
    runs: dict[str, CliResult]
    data_pages: dict[str, list[str]]  # data requests each run made (paths)
    releases: dict[str, int]  # raw.releases rows after each run
    due: date


def _due_month_dataset(site: ComtradeStandIn, due: date) -> None:
    """March 2025 as published again for a month the schedule looks at."""
    period = f"{due:%Y%m}"
    for (reporter, month), dataset in list(site.datasets.items()):
        if month == "202503":
            rows = copy.deepcopy(dataset.rows)
            for row in rows:
                row["period"], row["refMonth"] = period, due.month
                row["refYear"], row["refPeriodId"] = due.year, int(f"{period}01")
            site.datasets[(reporter, period)] = Dataset(rows, dataset.checksum + 7, "2026-01-01")


@pytest.fixture(scope="module")
def pulled(prefect_api: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pulled]:
    from customs_etl.flows.definitions import scheduled_flow

    warehouse = tmp_path_factory.mktemp("comtrade") / "warehouse.duckdb"
    site = ComtradeStandIn.from_fixtures(preview_cap=7)
    due = last_complete_month(shanghai_today())
    _due_month_dataset(site, due)
    runs: dict[str, CliResult] = {}
    pages: dict[str, list[str]] = {}
    counts: dict[str, int] = {}

    def step(name: str, action) -> None:
        before = len(site.data_requests())
        result = action()
        runs[name] = result
        pages[name] = [r.path for r in site.data_requests()[before:]]
        with duckdb.connect(str(warehouse), read_only=True) as con:
            counts[name] = con.execute("SELECT count(*) FROM raw.releases").fetchone()[0]

    def backfill() -> CliResult:
        return run_cli(*BACKFILL, "--warehouse", str(warehouse))

    def poll() -> CliResult:
        state = scheduled_flow(sources=["comtrade"], warehouse=str(warehouse), return_state=True)
        return CliResult(0 if state.is_completed() else 1, state.message or "", "")

    with site.serve() as url, pytest.MonkeyPatch.context() as mp:
        _env(mp, url)
        step("first", backfill)
        step("again", backfill)
        site.revise(842, "202503", {(156, "850511"): REVISED})
        step("revised", backfill)
        step("poll", poll)
        step("poll again", poll)
    yield Pulled(site, warehouse, runs, pages, counts, due)


def test_a_backfill_loads_both_sides_and_keeps_the_availability_pages(pulled: Pulled) -> None:
    first = pulled.runs["first"]
    assert first.code == 0, first.output
    with duckdb.connect(str(pulled.warehouse), read_only=True) as con:
        docs = _query(con, "SELECT file_name, status FROM raw.releases WHERE load_seq <= 6"
                           " ORDER BY load_seq")  # fmt: skip
        datasets = _query(con, "SELECT dataset FROM raw.release_datasets AS d JOIN raw.releases"
                               " USING (release_id) WHERE load_seq <= 6 ORDER BY dataset")
    assert docs == [
        ("comtrade-availability-2025-02.json", "archived"),
        ("comtrade-availability-2025-03.json", "archived"),
        ("comtrade-CN-exports-2025-02.json", "loaded"),
        ("comtrade-partners-imports-from-CN-2025-02.json", "loaded"),
        ("comtrade-CN-exports-2025-03.json", "loaded"),
        ("comtrade-partners-imports-from-CN-2025-03.json", "loaded"),
    ]
    # China, and only the partners China reports that have a dataset (Korea has none)
    assert [d for (d,) in datasets if d.endswith("202503")] == [
        f"C/M/HS/{code}/202503" for code in (156, 276, 344, 392, 490, 699, 842)
    ]
    # the cap of 7 rows made the pulls split (period, then partner, then reporter)
    assert len(pulled.data_pages["first"]) > 4


def test_a_second_backfill_over_an_unchanged_range_fetches_no_data_page(pulled: Pulled) -> None:
    again = pulled.runs["again"]
    assert again.code == 0, again.output
    assert pulled.data_pages["again"] == []
    assert pulled.releases["again"] == pulled.releases["first"]  # nothing stored, not even pages
    assert "comtrade 2025-03: no new or revised datasets" in again.stdout


def test_a_revised_dataset_is_one_new_vintage_of_its_own_slices(pulled: Pulled) -> None:
    revised = pulled.runs["revised"]
    assert revised.code == 0, revised.output
    (only,) = pulled.data_pages["revised"]  # the US's imports, nothing of China or Germany
    asked = {k: v[-1] for k, v in parse_qs(urlsplit(only).query).items()}
    assert (asked["reporterCode"], asked["flowCode"], asked["period"]) == ("842", "M", "202503")
    with duckdb.connect(str(pulled.warehouse), read_only=True) as con:
        changes = _query(
            con,
            "SELECT reporter, partner, commodity_code, previous_quantity_kg, quantity_kg,"
            " previous_value, value FROM core.revisions WHERE source = 'comtrade'",
        )
        current = dict(_query(
            con,
            "SELECT reporter, quantity_kg FROM core.latest WHERE source = 'comtrade'"
            " AND flow = 'import' AND commodity_code = '850511' AND period_start = '2025-03-01'",
        ))  # fmt: skip
    assert changes == [("US", "CN", "850511", 735_000, 740_000, 35_280_000, 36_000_000)]
    # the US's new vintage replaced the US's slice only: every other reporter stays current
    assert current == {"US": 740_000, "DE": 1_150_000, "JP": 310_000, "IN": None,
                       "HK": 480_000, "CT-490": 95_000}  # fmt: skip


def test_the_scheduled_poll_pulls_what_is_due_then_is_a_no_op(pulled: Pulled) -> None:
    from customs_etl.flows.deployments import load_specs
    from customs_etl.publishers.registry import publishers

    monthly = next(s for s in load_specs() if s["name"] == "monthly")
    assert monthly["entrypoint"] == "flows/definitions.py:scheduled_flow"
    assert not monthly["parameters"]
    assert "comtrade" in [p.name for p in publishers(None)]  # what the deployment polls
    assert pulled.runs["poll"].code == 0 and pulled.data_pages["poll"]
    assert pulled.releases["poll"] > pulled.releases["revised"]
    quiet = pulled.runs["poll again"]
    assert quiet.code == 0 and pulled.data_pages["poll again"] == []
    assert pulled.releases["poll again"] == pulled.releases["poll"]
    assert f"comtrade {pulled.due:%Y-%m}: no new or revised datasets" in quiet.stdout
    # every due month was asked about: 13 availability calls per poll, nothing else
    polls = [r for r in pulled.site.availability_requests()][-13:]
    months = sorted(parse_qs(urlsplit(r.path).query)["period"][0] for r in polls)
    assert months[-1] == f"{pulled.due:%Y%m}" and months[0] == f"{add_months(pulled.due, -12):%Y%m}"


# ------------------------------------------------------------------ reports


def _mirror_reference(site: ComtradeStandIn, period: str, codes: tuple[str, ...]) -> list[dict]:
    """The mirror table computed by brute force from the API's own rows (the stand-in's)."""
    def totals(reporter: int, flow: str) -> list[dict]:
        dataset = site.datasets.get((reporter, period))
        return [r for r in (dataset.rows if dataset else [])
                if r["flowCode"] == flow and r["cmdCode"] in codes and r["motCode"] == 0
                and r["partner2Code"] == 0 and r["customsCode"] == "C00"]  # fmt: skip

    def add(rows: list[dict], field: str) -> float | None:
        # the documented rule: a weight of 0 published with a value is a missing weight
        values = [None if field == "netWgt" and r[field] == 0 and r["primaryValue"] > 0
                  else r[field] for r in rows]  # fmt: skip
        return None if any(v is None for v in values) else sum(values)

    def gap(mirror: float | None, reported: float | None) -> float | None:
        return None if mirror is None or not reported else (mirror - reported) / reported * 100

    china = totals(156, "X")
    out = []
    for code in sorted({r["partnerCode"] for r in china} - {0}):
        mine = [r for r in china if r["partnerCode"] == code]
        r_kg, r_usd = add(mine, "netWgt"), add(mine, "primaryValue")
        reported = (code, period) in site.datasets
        theirs = [r for r in totals(code, "M") if r["partnerCode"] == 156]
        m_kg = add(theirs, "netWgt") if reported else None
        m_usd = add(theirs, "primaryValue") if reported else None
        out.append({
            "partner": KEYS[code], "name": NAMES[KEYS[code]],
            "reported": {"tonnes": None if r_kg is None else r_kg / 1000, "usd": r_usd},
            "mirror": None if not reported else {
                "tonnes": None if m_kg is None else m_kg / 1000, "usd": m_usd},
            "gap_tonnes_pct": None if not reported else gap(m_kg, r_kg),
            "gap_usd_pct": None if not reported else gap(m_usd, r_usd),
        })  # fmt: skip
    return sorted(out, key=lambda p: (p["reported"]["tonnes"] is None,
                                      -(p["reported"]["tonnes"] or 0), p["partner"]))


def _close(got: object, want: object) -> bool:
    """Equal structures; numbers equal to 1e-12 relative (the reference adds floats)."""
    if isinstance(want, dict):
        return isinstance(got, dict) and list(got) == list(want) and all(
            _close(got[k], want[k]) for k in want
        )
    if isinstance(want, list):
        return isinstance(got, list) and len(got) == len(want) and all(
            _close(g, w) for g, w in zip(got, want, strict=True)
        )
    if isinstance(want, float | int) and not isinstance(want, bool):
        return isinstance(got, float | int) and got == pytest.approx(want, rel=1e-12)
    return got == want


@pytest.mark.parametrize(
    ("commodity", "codes"),
    [("850511", ("850511",)), ("rare-earth-magnets", ("850511",)),
     ("gallium", ("811292", "811299", "282590", "285000", "285390"))],
)  # fmt: skip
def test_mirror_json_equals_a_brute_force_reference(
    pulled: Pulled, commodity: str, codes: tuple[str, ...]
) -> None:
    result = run_cli("mirror", "--period", "2025-03", "--commodity", commodity, "--format",
                     "json", "--warehouse", str(pulled.warehouse))  # fmt: skip
    assert result.code == 0, result.output
    data = json.loads(result.stdout)
    assert list(data) == ["period", "commodity", "reporter", "partners"]
    assert (data["period"], data["commodity"], data["reporter"]) == (
        "2025-03", "+".join(codes), "CN"
    )
    assert _close(data["partners"], _mirror_reference(pulled.site, "202503", codes))
    assert all(list(p) == ["partner", "name", "reported", "mirror", "gap_tonnes_pct",
                           "gap_usd_pct"] for p in data["partners"])  # fmt: skip


def test_mirror_text_and_markdown_explain_gaps_like_an_analyst(pulled: Pulled) -> None:
    args = ("mirror", "--period", "2025-03", "--commodity", "850511")
    text = run_cli(*args, "--warehouse", str(pulled.warehouse))
    markdown = run_cli(*args, "--format", "markdown", "--warehouse", str(pulled.warehouse))
    assert text.code == markdown.code == 0
    for out in (text.stdout, markdown.stdout):
        assert "85051110" in out and "85051190" in out  # the HS6 vs China's lines caveat
        assert "CIF" in out and "FOB" in out and "Hong Kong" in out
        assert "South Korea" in out and "not reported" in out
        assert "estimated" in out  # Comtrade's estimate flags reach the reader
    assert "| South Korea | 400 t | not reported |" in markdown.stdout


def test_watchlist_gives_one_line_per_entry_with_each_figures_source(pulled: Pulled) -> None:
    from customs_etl.core.catalogue import WATCHLIST

    text = run_cli("watchlist", "--period", "2025-03", "--warehouse", str(pulled.warehouse))
    data = run_cli("watchlist", "--period", "2025-03", "--format", "json",
                   "--warehouse", str(pulled.warehouse))  # fmt: skip
    assert text.code == data.code == 0, text.output + data.output
    lines = text.stdout.strip().splitlines()
    assert len(lines) == len(WATCHLIST) + 2  # a title, one line per entry, the sources note
    entries = {e["entry"]: e for e in json.loads(data.stdout)["entries"]}
    assert list(entries) == [s.name for s in WATCHLIST]
    magnets = entries["rare-earth-magnets"]
    feb, mar = (sum(r["netWgt"] for r in pulled.site.datasets[(156, p)].rows
                    if r["partnerCode"] == 0 and r["cmdCode"] == "850511") for p in
                ("202502", "202503"))  # fmt: skip
    assert magnets["tonnes"] == pytest.approx(mar / 1000) and magnets["source"] == "comtrade"
    assert magnets["mom_pct"] == pytest.approx((mar / feb - 1) * 100)
    assert magnets["top_partner"]["partner"] == "DE" and magnets["top_partner"]["source"] == (
        "comtrade"
    )
    gap = magnets["largest_mirror_gap"]  # Germany −50 t beats the revised US +40 t
    assert (gap["partner"], gap["gap_tonnes"]) == ("DE", pytest.approx(-50.0))
    assert entries["tungsten"]["source"] is None and "tungsten: no figures" in text.stdout
    assert all(e["announcements"] for e in entries.values())


def test_report_works_for_a_watchlist_entry_with_data(pulled: Pulled) -> None:
    result = run_cli("report", "--period", "2025-03", "--commodity", "gallium", "--format",
                     "json", "--warehouse", str(pulled.warehouse))  # fmt: skip
    assert result.code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["commodity"], data["source"]) == ("811292", "comtrade")
    assert data["world"]["tonnes"] == pytest.approx(30.0)  # the World row, not World + partners
    assert [p["partner"] for p in data["partners"]] == ["JP", "US", "DE"]
    text = run_cli("report", "--period", "2025-03", "--commodity", "gallium",
                   "--warehouse", str(pulled.warehouse))  # fmt: skip
    # the entry's HS6 codes summed like for like; only 811292 has figures this month
    assert "HS 282590+285000+285390+811292+811299 (UN Comtrade; broader than gallium" in text.stdout
    assert "(HS6 code 811292 only, of the entry's 5)" in text.stdout


# ------------------------------------------------------------------ a keyed run that fails


def _prefect_text(since: datetime) -> str:
    """Flow runs, task runs (with their parameters' states), logs and artifacts since ``since``."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterFlowRunId,
        FlowRunFilter,
        FlowRunFilterStartTime,
        LogFilter,
        LogFilterFlowRunId,
    )
    from prefect.logging.handlers import APILogHandler

    APILogHandler().flush()
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(start_time=FlowRunFilterStartTime(after_=since))
        )
        ids = [r.id for r in runs]
        tasks = client.read_task_runs(flow_run_filter=FlowRunFilter(id={"any_": ids}))
        logs = client.read_logs(LogFilter(flow_run_id=LogFilterFlowRunId(any_=ids)), limit=200)
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=ids))
        )
    assert len(ids) >= 2 and tasks and artifacts, "the runs did not reach the Prefect API"
    return "\n".join(x.model_dump_json() for x in [*runs, *tasks, *logs, *artifacts])


KEY = "COMTRADE-KEY-SECRET-9d2e"
HTML = b"<!DOCTYPE html><html><head><title>Service Unavailable</title></head><body>x</body></html>"


def test_keyed_pull_bad_page_quarantined_plus_rows_ignored_key_nowhere(
    prefect_api: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.e2e.test_secrets import _files_bytes, _warehouse_text

    warehouse = tmp_path / "w.duckdb"
    site = ComtradeStandIn.from_fixtures(key=KEY, keyed_cap=7, broken=HTML, broken_times=1,
                                         ignore_breakdown=True)  # fmt: skip
    since = datetime.now(UTC)
    args = ("backfill", "--source", "comtrade", "--start", "2025-03", "--end", "2025-03",
            "--warehouse", str(warehouse))  # fmt: skip
    with site.serve() as url:
        _env(monkeypatch, url)
        monkeypatch.setenv("CUSTOMS_ETL_COMTRADE_KEY", KEY)
        bad = run_cli(*args)
        good = run_cli(*args)
    # the bad page: one line naming the document, its page URL and what came instead
    assert bad.code == 1, bad.output
    (line,) = [x for x in bad.stderr.splitlines() if x.strip()]
    assert line.startswith("quarantined: comtrade-CN-exports-2025-03.json page 1 (http://127.0.0.1")
    assert "/data/v1/get/C/M/HS?" in line and "an HTML page ('Service Unavailable')" in line
    with duckdb.connect(str(warehouse), read_only=True) as con:
        held = _query(con, "SELECT r.status, r.content, count(o.release_id) FROM raw.releases"
                           " AS r LEFT JOIN core.observations AS o USING (release_id)"
                           " WHERE r.file_name = 'comtrade-CN-exports-2025-03.json'"
                           " GROUP BY r.load_seq, r.status, r.content"
                           " ORDER BY r.load_seq")  # fmt: skip
        world = _query(con, "SELECT commodity_code, quantity_kg FROM marts.world_monthly"
                            " WHERE reporter = 'CN' ORDER BY 1")  # fmt: skip
        us = _query(con, "SELECT quantity_kg FROM marts.partner_monthly WHERE reporter = 'CN'"
                         " AND partner = 'US' AND commodity_code = '850511'")  # fmt: skip
    (status, content, rows), (status_after, _, rows_after) = held
    assert status == "quarantined" and rows == 0 and HTML in bytes(content)  # bytes kept
    # fetched again (a refused page is no version of the data), now whole: loaded, and the
    # 'plus' rows the API returned with it were never added to the totals
    assert good.code == 0, good.output
    assert status_after == "loaded" and rows_after > 0
    assert world == [("811292", 30_000), ("850511", 3_405_000.25)] and us == [(700_000,)]
    # the key went to the API as a header on every request, and nowhere else
    assert site.log and all(r.headers.get(KEY_HEADER) == KEY and KEY not in r.path
                            for r in site.log)  # fmt: skip
    traces = {
        "terminal": bad.output + good.output,
        "prefect api": _prefect_text(since),
        "warehouse rows": _warehouse_text(warehouse),
        "warehouse files": _files_bytes(tmp_path),
        "prefect home": _files_bytes(Path(os.environ["PREFECT_HOME"])),
    }
    found = {where for where, text in traces.items()
             if KEY.encode() in (text.encode() if isinstance(text, str) else text)}  # fmt: skip
    assert found == set()
