"""``customs-etl status``: what is held, what is due and late, quarantine, last runs.

Warehouses: generated releases written through the project's own load code into real DuckDB
files (newest periods, vintages, row families, lateness with an injected today, quarantine, a
crowded warehouse that must still fit one screen), and the bundled sample backfilled through
the CLI (the run record a flow writes, the CLI's text and JSON). One monthly flow run checks
the run record and the ``warehouse-status`` artifact in a real Prefect API.
"""

from __future__ import annotations

import copy
import itertools
import json
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import jsonschema
import pandas as pd
import pytest

from customs_etl.core import calendar
from customs_etl.core.models import RawDocument
from customs_etl.core.months import add_months
from customs_etl.core.schema import conform
from customs_etl.core.summary import RunSummary, StatusCounts
from customs_etl.pipeline.review import drop
from customs_etl.pipeline.run_record import record_run
from customs_etl.reports.prefect_runs import last_runs
from customs_etl.reports.status import MAX_LINES, WIDTH, build_status, render, schema_path
from customs_etl.warehouse.db import checkpoint, reader, writer
from customs_etl.warehouse.releases import load_release, quarantine_release
from tests.support.cli import run_cli
from tests.support.history import observation

_unique = itertools.count()
M = date.fromisoformat


def _doc(source: str, *, published_on: date | None = None, name: str | None = None) -> RawDocument:
    n = next(_unique)
    return RawDocument(
        name=name or f"status-{n}.csv",
        source=source,
        content=f"status test document {n}".encode(),
        published_on=published_on,
    )


def _load(
    con: duckdb.DuckDBPyConnection,
    rows: Iterable[dict[str, Any]],
    source: str,
    published_on: date | None = None,
) -> str:
    """One release through ``warehouse.releases.load_release``; its id."""
    doc = _doc(source, published_on=published_on)
    frame = conform(pd.DataFrame(list(rows)))
    frame["release_id"] = doc.sha256
    frame["source_row"] = range(2, len(frame) + 2)
    load_release(con, doc, frame, None)
    return doc.sha256


def _quarantine(con: duckdb.DuckDBPyConnection, name: str, reason: str) -> str:
    doc = _doc("gacc_query", name=name)
    quarantine_release(con, doc, message=reason, report=None)
    return doc.sha256


def _row(month: str, code: str, *, source: str, flow: str = "export", reporter: str = "CN",
         kg: int = 1000, partner: str = "WLD") -> dict[str, Any]:  # fmt: skip
    row = observation(M(month), M(month), partner, kg, source=source, commodity=code, flow=flow)
    row["reporter"] = reporter
    return row


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """Four sources, vintages, a row family, partners' reports, a quarantined document."""
    path = tmp_path_factory.mktemp("status") / "w.duckdb"
    ids: dict[str, str] = {}
    with writer(path) as con:
        for month in ("2025-05-01", "2025-06-01", "2025-07-01"):
            ids[f"magnets {month}"] = _load(
                con, [_row(month, "85051110", source="gacc_query", partner="DE")], "gacc_query"
            )
        ids["magnets revised"] = _load(  # a second vintage of July: it carries the month now
            con, [_row("2025-07-01", "85051110", source="gacc_query", partner="DE", kg=900)],
            "gacc_query",
        )  # fmt: skip
        _load(con, [_row("2025-05-01", "85051190", source="gacc_query", partner="JP")],
              "gacc_query")  # fmt: skip
        ids["bulletin june"] = _load(
            con,
            [_row("2025-06-01", "bulletin:rare-earths", source="gacc_bulletin"),
             _row("2025-06-01", "bulletin:rare-earths/of-which-magnets", source="gacc_bulletin")],
            "gacc_bulletin",
            published_on=date(2025, 7, 20),
        )  # fmt: skip
        _load(con, [_row("2025-05-01", "bulletin:rare-earths", source="gacc_bulletin")],
              "gacc_bulletin", published_on=date(2025, 6, 20))  # fmt: skip
        bulletin = "bulletin:rare-earths"
        imports = [_row("2025-06-01", bulletin, source="gacc_bulletin", flow="import")]
        _load(con, imports, "gacc_bulletin", published_on=date(2025, 7, 20))
        _load(con, [_row("2025-06-01", "bulletin:rare-earths", source="gacc_preliminary")],
              "gacc_preliminary", published_on=date(2025, 7, 14))  # fmt: skip
        _load(con, [_row("2025-03-01", "850511", source="comtrade", partner="DE")], "comtrade")
        for reporter, month in (("DE", "2025-02-01"), ("US", "2025-03-01")):
            _load(con, [_row(month, "850511", source="comtrade", flow="import", reporter=reporter,
                             partner="CN")], "comtrade")  # fmt: skip
        ids["quarantined"] = _quarantine(
            con, "export-85051110-202508.csv", "failed the release suite: quantity_kg < 0"
        )
    checkpoint(path)  # the file alone is complete (tests copy it)
    return path, ids


def _status(path: Path, today: date) -> dict[str, Any]:
    with reader(path) as con:
        return build_status(con, today, warehouse=str(path))


def _source(status: dict[str, Any], name: str) -> dict[str, Any]:
    (found,) = [s for s in status["sources"] if s["source"] == name]
    return found


def _series(source: dict[str, Any], flow: str, key: str) -> dict[str, Any]:
    (found,) = [s for s in source["series"] if s["flow"] == flow and s["series"] == key]
    return found


def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(Path(schema_path()).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


# ------------------------------------------------------------------ what is held


def test_newest_period_and_its_vintage_per_source_and_series(generated) -> None:  # type: ignore[no-untyped-def]
    path, ids = generated
    status = _status(path, date(2025, 7, 25))
    assert [s["source"] for s in status["sources"]] == [
        "comtrade", "gacc_bulletin", "gacc_preliminary", "gacc_query",
    ]  # fmt: skip
    query = _source(status, "gacc_query")
    assert query["newest_period"] == "2025-07"
    magnets = _series(query, "export", "85051110")
    assert magnets["newest_period"] == "2025-07" and magnets["kind"] == "tariff line"
    assert magnets["vintage"]["release_id"] == ids["magnets revised"]  # the last loaded vintage
    assert _series(query, "export", "85051190")["newest_period"] == "2025-05"
    bulletin = _source(status, "gacc_bulletin")
    family = _series(bulletin, "export", "bulletin:rare-earths")
    assert family["rows"] == 2 and family["kind"] == "row family"  # a row and its sub-row
    assert family["vintage"]["release_id"] == ids["bulletin june"]
    assert family["vintage"]["published_on"] == "2025-07-20"
    assert _series(bulletin, "import", "bulletin:rare-earths")["newest_period"] == "2025-06"
    comtrade = _source(status, "comtrade")
    imports = _series(comtrade, "import", "850511")
    assert imports["reporters"] == 2 and imports["newest_period"] == "2025-03"
    assert comtrade["next_release"] is None and "calendar" in comtrade["note"]


# ------------------------------------------------------------------ what is due and late


def test_a_release_is_late_only_after_its_grace_days(generated) -> None:  # type: ignore[no-untyped-def]
    path, _ = generated
    july = calendar.expected("gacc_bulletin", date(2025, 7, 1))
    assert july is not None
    before = _status(path, july.on - timedelta(days=1))
    grace = _status(path, july.late_after())
    late = _status(path, july.late_after() + timedelta(days=1))
    states = [_source(s, "gacc_bulletin")["next_release"]["state"] for s in (before, grace, late)]
    assert states == ["expected", "due", "late"]
    assert [_source(s, "gacc_bulletin")["late"] for s in (before, grace, late)] == [
        False, False, True,
    ]  # fmt: skip
    assert _series(_source(late, "gacc_bulletin"), "export", "bulletin:rare-earths")["late"]
    line = next(x for x in render(late, "text").splitlines() if "gacc_bulletin" in x)
    assert "LATE" in line and july.on.isoformat() in line
    assert "LATE" not in next(x for x in render(grace, "text").splitlines() if "gacc_bulletin" in x)


def test_late_counts_every_release_due_since_the_newest_month(generated) -> None:  # type: ignore[no-untyped-def]
    path, _ = generated
    today = date(2025, 10, 3)
    status = _status(path, today)
    following = _source(status, "gacc_bulletin")["next_release"]
    due = [m for m in (add_months(date(2025, 6, 1), k) for k in range(1, 6))
           if calendar.expected("gacc_bulletin", m).due(today)]  # type: ignore[union-attr]  # fmt: skip
    assert following["period"] == "2025-07" and following["due_not_loaded"] == len(due) >= 2


def test_the_preliminary_release_follows_gaccs_calendar(generated) -> None:  # type: ignore[no-untyped-def]
    path, _ = generated
    status = _status(path, date(2025, 7, 25))
    following = _source(status, "gacc_preliminary")["next_release"]
    expected = calendar.expected("gacc_preliminary", date(2025, 7, 1))
    assert expected is not None and expected.calendar
    assert following["from_calendar"] is True
    assert following["expected_on"] == expected.on.isoformat()
    upcoming = {u["source"]: u for u in status["upcoming"]}
    assert set(upcoming) == set(calendar.USUAL_DAY)
    for source, u in upcoming.items():  # the first release not yet due on that day
        found = calendar.expected(source, M(u["period"] + "-01"))
        assert found is not None and not found.due(date(2025, 7, 25))


# ------------------------------------------------------------------ quarantine


def test_a_quarantined_document_is_listed_until_it_is_reviewed(generated, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path, ids = generated
    status = _status(path, date(2025, 7, 25))
    assert status["quarantine"]["count"] == 1
    (held,) = status["quarantine"]["documents"]
    assert held["id"] == ids["quarantined"] and held["reason"].endswith("quantity_kg < 0")
    assert held["file"] == "export-85051110-202508.csv"
    text = render(status, "text")
    assert ids["quarantined"][:12] in text and "1 waiting for review" in text
    mine = tmp_path / "w.duckdb"
    shutil.copy(path, mine)
    drop(ids["quarantined"][:12], "a test drops it", "tester", str(mine))
    after = _status(mine, date(2025, 7, 25))
    assert after["quarantine"] == {"count": 0, "documents": []}
    assert "nothing waiting for review" in render(after, "text")


# ------------------------------------------------------------------ runs


def _summary(flow: str, state: str, ended: datetime, loaded: int) -> RunSummary:
    return RunSummary(
        flow=flow, run_name=f"{flow}-run", run_id=None, state=state,  # type: ignore[arg-type]
        started_at=ended - timedelta(seconds=30), finished_at=ended, seconds=30.0,
        counts=StatusCounts(loaded=loaded, quarantined=1), rows=10 * loaded,
        rows_per_second=1.0, periods=[], quarantined=[], newest_period="2025-07",
        newest_period_by_source={}, not_done=[], notes=[], documents=[],
    )  # fmt: skip


def test_the_last_run_of_each_flow_comes_from_the_warehouse(tmp_path: Path) -> None:
    missing = tmp_path / "none.duckdb"
    assert record_run(_summary("monthly", "completed", datetime.now(UTC), 1), str(missing)) is None
    assert not missing.exists()  # a run never creates a warehouse just to say it ran
    path = tmp_path / "w.duckdb"
    with writer(path):
        pass
    noon = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
    record_run(_summary("monthly", "completed", noon - timedelta(days=1), 3), str(path))
    newest = record_run(_summary("monthly", "failed", noon, 2), str(path))
    record_run(_summary("backfill", "completed", noon - timedelta(days=2), 9), str(path))
    runs = _status(path, date(2026, 1, 5))["runs"]
    assert [(r["flow"], r["state"], r["loaded"]) for r in runs] == [
        ("monthly", "failed", 2), ("backfill", "completed", 9),
    ]  # fmt: skip
    assert runs[0]["run_id"] == newest and runs[0]["ended_at"] == "2026-01-05T12:00:00"
    assert runs[0]["seconds"] == 30.0 and runs[0]["quarantined"] == 1


# ------------------------------------------------------------------ one screen, JSON schema


@pytest.fixture(scope="module")
def crowded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """More of everything than one screen holds."""
    path = tmp_path_factory.mktemp("crowded") / "w.duckdb"
    with writer(path) as con:
        for n in range(45):  # 45 tariff lines, each its own file, months spread over two years
            month = add_months(date(2024, 1, 1), n % 20).isoformat()
            _load(con, [_row(month, f"{28050000 + n}", source="gacc_query", partner="DE")],
                  "gacc_query")  # fmt: skip
        rows = [_row("2025-06-01", f"bulletin:row-{n}", source="gacc_bulletin") for n in range(40)]
        _load(con, rows, "gacc_bulletin", published_on=date(2025, 7, 20))
        for n in range(30):
            _load(con, [_row(add_months(date(2024, 1, 1), n).isoformat(), f"{810000 + n}",
                             source="comtrade", partner="US")], "comtrade")  # fmt: skip
        for n in range(12):
            _quarantine(con, f"export-2805{n:04d}-202507.csv", f"failed check number {n} " * 9)
    ended = datetime(2025, 7, 26, 3, 0, tzinfo=UTC)
    for flow in ("backfill", "monthly", "scheduled-monthly", "ingest", "landing"):
        record_run(_summary(flow, "completed", ended, 4), str(path))
    return path


def test_text_fits_one_screen_however_much_is_held(crowded: Path) -> None:
    status = _status(crowded, date(2025, 8, 30))
    status["prefect"] = {"api_url": "http://127.0.0.1:1/api", "error": None, "runs": [
        {"flow": f, "name": "x", "state": "Completed", "start_time": None, "end_time": None}
        for f in ("backfill", "monthly", "scheduled-monthly", "ingest", "landing")
    ]}  # fmt: skip
    lines = render(status, "text").splitlines()
    assert len(lines) <= MAX_LINES, "\n".join(lines)
    assert all(len(line) <= WIDTH for line in lines)
    for source in ("gacc_query", "gacc_bulletin", "comtrade"):
        assert any(line.strip().startswith(source) for line in lines), source
    assert "40 row families" in "\n".join(lines)  # one bulletin table: one line
    assert any("+7 more: customs-etl quarantine list" in line for line in lines)
    assert sum(line.strip().startswith(("backfill", "monthly", "scheduled", "ingest", "landing"))
               for line in lines) == 10  # every flow, warehouse and Prefect  # fmt: skip
    # JSON keeps everything the screen leaves out
    assert len(_source(status, "gacc_query")["series"]) == 45
    assert len(_source(status, "comtrade")["series"]) == 30


def test_json_validates_against_the_published_schema(generated, crowded: Path) -> None:  # type: ignore[no-untyped-def]
    validator = _validator()
    for path in (generated[0], crowded):
        status = json.loads(render(_status(path, date(2025, 8, 30)), "json"))
        validator.validate(status)
        status["prefect"] = last_runs(f"http://127.0.0.1:{_closed_port()}/api")
        validator.validate(status)
    broken = copy.deepcopy(status)
    broken["sources"][0]["series"][0]["newest_period"] = "2025-7"
    assert not validator.is_valid(broken)
    del broken["today"]
    assert not validator.is_valid(broken)


def test_markdown_for_the_artifact_holds_the_same_lines(generated) -> None:  # type: ignore[no-untyped-def]
    status = _status(generated[0], date(2025, 9, 1))
    text, markdown = render(status, "text"), render(status, "markdown")
    assert markdown.startswith("## customs-etl status")
    for line in text.splitlines()[1:]:
        assert line.strip().rstrip("…")[:60] in markdown, line


# ------------------------------------------------------------------ Prefect API, best effort


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_an_unreachable_prefect_api_is_one_line_and_status_still_answers(
    generated, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/api"
    answer = last_runs(url)
    assert answer is not None and answer["runs"] == [] and answer["error"]
    monkeypatch.setenv("PREFECT_API_URL", url)
    result = run_cli("status", "--warehouse", str(generated[0]))
    assert result.code == 0, result.output
    assert f"prefect {url}: not reached" in result.stdout


# ------------------------------------------------------------------ the CLI on the sample


def test_status_of_the_sample_warehouse_through_the_cli(sample_warehouse: Path) -> None:
    result = run_cli("status", "--warehouse", str(sample_warehouse))
    assert result.code == 0, result.output
    lines = result.stdout.splitlines()
    assert 0 < len(lines) <= MAX_LINES
    sample = next(line for line in lines if line.strip().startswith("sample"))
    assert "2025-07" in sample and "modeled sample" in sample
    as_json = run_cli("status", "--format", "json", "--warehouse", str(sample_warehouse))
    assert as_json.code == 0, as_json.output
    status = json.loads(as_json.stdout)
    _validator().validate(status)
    with duckdb.connect(str(sample_warehouse), read_only=True) as con:
        loaded = con.execute("SELECT count(*) FROM raw.releases WHERE status = 'loaded'").fetchone()
        newest = con.execute("SELECT max(period_end) FROM core.latest").fetchone()
    assert _source(status, "sample")["newest_period"] == f"{newest[0]:%Y-%m}"
    # the backfill that built it recorded itself at its end
    (backfill,) = [r for r in status["runs"] if r["flow"] == "backfill"]
    assert backfill["state"] == "completed" and backfill["loaded"] == loaded[0] > 0


def test_the_status_path_imports_nothing_heavy(generated) -> None:  # type: ignore[no-untyped-def]
    """Great Expectations, Prefect, pandas, matplotlib cost seconds to import: never here."""
    code = (
        "import json, sys\n"
        "from customs_etl import cli\n"
        f"sys.argv = ['customs-etl', 'status', '--warehouse', {str(generated[0])!r}]\n"
        "try:\n    cli.main()\nexcept SystemExit as exc:\n    code = exc.code\n"
        "heavy = ('great_expectations', 'prefect', 'pandas', 'matplotlib', 'pydantic_settings')\n"
        "print(json.dumps({'code': code, 'heavy': [m for m in heavy if m in sys.modules]}))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    *printed, last = done.stdout.strip().splitlines()
    assert json.loads(last) == {"code": 0, "heavy": []}
    assert any(line.strip().startswith("gacc_query") for line in printed)  # it did the work


# ------------------------------------------------------------------ a flow run


def test_a_monthly_run_records_itself_and_publishes_the_status(
    warehouse_copy: Path, prefect_api: str
) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    result = run_cli("run", "--source", "sample", "--period", "2025-07", "--allow-sample",
                     "--warehouse", str(warehouse_copy))  # fmt: skip
    assert result.code == 0, result.output
    with duckdb.connect(str(warehouse_copy), read_only=True) as con:
        (run_id, run_name, state, unchanged), = con.execute(
            "SELECT run_id, run_name, state, unchanged FROM meta.runs WHERE flow = 'monthly'"
        ).fetchall()  # fmt: skip
    assert state == "completed" and unchanged >= 1  # the sample's July again: a no-op
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["warehouse-status"]))
        )
    mine = [a for a in artifacts if str(a.flow_run_id) == run_id]
    assert len(mine) == 1, [str(a.flow_run_id) for a in artifacts]
    assert "sample" in str(mine[0].data) and "monthly" in str(mine[0].data)
    seen = last_runs(prefect_api)
    assert seen is not None and seen["error"] is None
    assert any(r["flow"] == "monthly" and r["name"] == run_name for r in seen["runs"]), seen


def test_a_lake_gives_the_same_status_as_its_file(sample_warehouse: Path, sample_lake: str) -> None:
    """``sample_lake`` is the sample file copied by ``migrate --to`` (meta.runs included)."""
    statuses = []
    for target in (str(sample_warehouse), sample_lake):
        result = run_cli("status", "--format", "json", "--warehouse", target)
        assert result.code == 0, result.output
        status = json.loads(result.stdout)
        _validator().validate(status)
        statuses.append({k: v for k, v in status.items() if k != "warehouse"})
    assert statuses[1] == statuses[0]
    assert statuses[0]["sources"] and statuses[0]["runs"]
