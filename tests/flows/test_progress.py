"""Long runs show their progress (issue 14): on a terminal, in logs, in Prefect, as JSON — and
Ctrl-C stops them cleanly.

Real CLI runs only: a pseudo-terminal for what a person sees, the in-process CLI (no TTY) for
what a log gets, the session's Prefect API for the artifacts, SQL on the warehouse for the
counts the summary claims.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any
from uuid import UUID

import duckdb
import jsonschema
import pytest
from rich.console import Console

from customs_etl.core.models import Outcome
from customs_etl.core.summary import published_schema
from customs_etl.flows.progress import Tracker
from customs_etl.flows.terminal import render
from tests.support import paths
from tests.support.cli import run_cli
from tests.support.exports import ZH_MONTHLY_HEADER, july_export, magnet_row, render_export
from tests.support.faults import (
    REPO,
    assert_atomic,
    cli_command,
    cli_env,
    processes_with_home,
    warehouse_state,
)
from tests.support.terminal import run_on_pty

SCHEMA = json.loads((paths.FIXTURES / "run_summary.schema.json").read_text())
PLAIN_LINE = re.compile(r"^\[(\d+)/(~?\d+)\] (\w+) (\S+) (\S+)")


def _summary(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    jsonschema.validate(data, SCHEMA)
    return data


def _held(warehouse: Path) -> dict[str, Any]:
    """What the warehouse holds, by SQL, in the summary's terms."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        statuses = dict(
            con.execute("SELECT status, count(*) FROM raw.releases GROUP BY status").fetchall()
        )
        rows = con.execute("SELECT count(*) FROM core.observations").fetchone()[0]
        newest = con.execute(
            "SELECT strftime(max(period_end), '%Y-%m') FROM raw.releases"
            " WHERE status IN ('loaded', 'released')"
        ).fetchone()[0]
        quarantined = con.execute(
            "SELECT release_id, file_name, message FROM raw.releases"
            " WHERE status = 'quarantined' ORDER BY file_name"
        ).fetchall()
        periods = [
            r[0]
            for r in con.execute(
                "SELECT DISTINCT CASE WHEN period_start = period_end"
                " THEN strftime(period_end, '%Y-%m') ELSE strftime(period_start, '%Y-%m')"
                " || '..' || strftime(period_end, '%Y-%m') END AS p FROM raw.releases"
                " WHERE status = 'loaded' ORDER BY p"
            ).fetchall()
        ]
    return {
        "statuses": statuses,
        "rows": rows,
        "newest": newest,
        "quarantined": quarantined,
        "periods": periods,
    }


def test_the_published_schema_is_the_model() -> None:
    """Changing the summary's fields must be a decision: bump schema_version, update the
    README and regenerate tests/fixtures/run_summary.schema.json."""
    assert published_schema() == SCHEMA


def test_the_tracker_extrapolates_the_total_and_knows_what_is_left() -> None:
    months = ["sample 2024-01", "sample 2024-02", "sample 2024-03", "sample 2024-04"]
    tracker = Tracker("backfill")  # no artifact key: no Prefect needed
    tracker.plan(months)
    assert tracker.snapshot().expected is None  # nothing fetched: no guess
    tracker.fetched(2, (months[0],))  # a month of two documents
    snap = tracker.snapshot()
    assert (snap.expected, snap.estimated, snap.of_expected()) == (8, True, "0/~8")
    tracker.skipped(months[1])  # a month with nothing published
    assert tracker.snapshot().expected == 4  # 2 documents + 2 months left × 1 per month
    tracker.prepared(2)
    two = [Outcome(f"{n}.csv", "2024-01", "loaded", rows, 0.1) for n, rows in (("a", 60), ("b", 5))]
    tracker.loaded(two, (months[0],))
    snap = tracker.snapshot()
    assert (snap.done, snap.rows, snap.percent, snap.units_done) == (2, 65, 50.0, 2)
    assert snap.eta_seconds is not None and snap.eta_seconds > 0
    assert tracker.not_done() == months[2:]
    final = tracker.close()  # stopped here (Ctrl-C): two months never fetched
    assert (final.expected, final.estimated, final.of_expected()) == (4, True, "2/~4")
    tracker.fetched(1, (months[2],))
    tracker.skipped(months[3])
    tracker.loaded([Outcome("c.csv", "2024-03", "unchanged", 0, 0.1)], (months[2],))
    final = tracker.close()  # every month fetched: the total is exact
    assert (final.expected, final.estimated, final.percent, tracker.not_done()) == (
        3, False, 100.0, []
    )

    screen = Console(record=True, width=160, file=io.StringIO())
    screen.print(render(snap, stopping=True))
    text = screen.export_text()
    assert "2/~4 documents" in text and "loaded 2 · unchanged 0 · quarantined 0" in text
    assert "65 rows" in text and "2/4 months" in text
    assert "Ctrl-C: stopping after the load in progress commits" in text


def _prefect_artifacts(run_id: str) -> dict[str, list[Any]]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[UUID(run_id)]))
        )
    by_key: dict[str, list[Any]] = {}
    for artifact in found:
        by_key.setdefault(artifact.key, []).append(artifact)
    return by_key


def _june_export() -> bytes:
    rows = [
        magnet_row("202506", "304", "德国", "10", 800_000, 40_000_000),
        magnet_row("202506", "304", "德国", "15", 200_000, 10_000_000, "进料加工贸易"),
        magnet_row("202506", "502", "美国", "10", 600_000, 30_000_000),
        magnet_row("202506", "116", "日本", "10", 230_000, 11_500_000),
    ]
    return render_export(ZH_MONTHLY_HEADER, rows)


def test_logs_get_one_line_per_document_and_quiet_only_the_summary(
    prefect_api: str, tmp_path: Path
) -> None:
    files = {
        "export-85051110-202506.csv": _june_export(),
        "export-85051110-202507.csv": july_export(),
        "export-85051110-202507-cut.csv": july_export()[:-40],  # cut off mid-row
    }
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
    warehouse, summary_file = tmp_path / "w.duckdb", tmp_path / "summary.json"
    paths = [str(tmp_path / name) for name in files]

    first = run_cli("ingest", *paths, "--warehouse", str(warehouse),
                    "--summary-json", str(summary_file))
    assert first.code == 1, first.output  # a quarantine fails the run; the others loaded
    lines = [m for m in map(PLAIN_LINE.match, first.stdout.splitlines()) if m]
    assert [(m[1], m[2], m[3], m[5].rstrip(":")) for m in lines] == [
        ("1", "3", "loaded", "export-85051110-202506.csv"),
        ("2", "3", "loaded", "export-85051110-202507.csv"),
        ("3", "3", "quarantined", "export-85051110-202507-cut.csv"),
    ]
    assert "rows/s · ETA" in first.stdout and "\x1b[" not in first.stdout
    errors = first.stderr.strip().splitlines()
    assert len(errors) == 1 and errors[0].startswith("quarantined: "), first.stderr

    summary, held = _summary(summary_file), _held(warehouse)
    assert summary["state"] == "failed"
    assert (summary["counts"]["loaded"], summary["counts"]["quarantined"]) == (2, 1)
    assert held["statuses"] == {"loaded": 2, "quarantined": 1}
    assert summary["rows"] == held["rows"] == 8
    assert [(q["id"], q["file"], q["reason"]) for q in summary["quarantined"]] == [
        tuple(row) for row in held["quarantined"]
    ]
    assert summary["newest_period"] == held["newest"] == "2025-07"
    assert summary["periods"] == ["2025-06", "2025-07"]
    line = next(s for s in first.stdout.splitlines() if s.startswith("ingest failed:"))

    again = run_cli("ingest", *paths, "--warehouse", str(warehouse), "--quiet",
                    "--summary-json", str(summary_file))
    assert again.code == 1
    assert len(again.stdout.strip().splitlines()) == 1  # the summary line only
    assert again.stdout.startswith(
        "ingest failed: 3 document(s) — 0 loaded, 2 unchanged, 1 quarantined; 0 rows in"
    )
    assert again.stderr == first.stderr  # errors still shown
    assert line.startswith("ingest failed: 3 document(s) — 2 loaded, 0 unchanged, 1 quarantined")
    # The line names the warehouse written and the Data Docs the run wrote (the JSON too).
    docs = (tmp_path / "data_docs" / "site" / "index.html").as_uri()
    assert summary["warehouse"] == str(warehouse.resolve()) and summary["data_docs"] == docs
    assert line.endswith(f"newest period in the warehouse {warehouse.resolve()}: 2025-07; "
                         f"Data Docs: {docs}"), line  # fmt: skip
    assert "info:" not in first.stdout  # the runs' logs only with --verbose
    rerun = _summary(summary_file)
    assert rerun["counts"]["unchanged"] == 2 and rerun["warehouse"] == summary["warehouse"]
    assert f"newest period in the warehouse {warehouse.resolve()}: 2025-07" in again.stdout


def test_verbose_shows_the_flow_run_name_and_its_logs(prefect_api: str, tmp_path: Path) -> None:
    export = tmp_path / "export-85051110-202507.csv"
    export.write_bytes(july_export())
    warehouse, summary_file = tmp_path / "w.duckdb", tmp_path / "summary.json"
    result = run_cli("ingest", str(export), "--warehouse", str(warehouse), "--verbose",
                     "--summary-json", str(summary_file))  # fmt: skip
    assert result.code == 0, result.output
    name, run_id = _summary(summary_file)["run_name"], _summary(summary_file)["run_id"]
    out = result.stdout.splitlines()
    assert f"info: {name}: Beginning flow run '{name}' for flow 'ingest'" in out, result.stdout
    assert any(re.fullmatch(r"info: load-\w+: Finished in state Completed\(\)", s) for s in out)
    assert f"Prefect flow run: {name} ({run_id})" in out
    assert result.stderr == ""  # logs go with the progress, stderr keeps errors only
    both = run_cli("ingest", str(export), "--warehouse", str(warehouse), "-v", "-q")
    assert both.code == 2 and "--quiet and --verbose" in both.stderr, both.output


@pytest.mark.slow
def test_a_backfill_on_a_terminal_shows_progress_and_stops_cleanly_on_ctrl_c(
    prefect_api: str, sample_warehouse: Path, tmp_path: Path
) -> None:
    """A person's backfill: live progress on a terminal, then Ctrl-C once loads are under way
    (SIGINT to the whole foreground process group, as a terminal sends it); the re-run (in a
    log: plain lines) completes it to the state of an uninterrupted run, and shows in Prefect.

    No PREFECT_API_URL for the first run: the CLI starts Prefect's temporary API as its own
    child, which the terminal's SIGINT reaches too — the run must still record its end.
    """
    warehouse, summary_file = tmp_path / "w.duckdb", tmp_path / "summary.json"
    env = cli_env(prefect_api, tmp_path / "prefect")
    del env["PREFECT_API_URL"]
    run = run_on_pty(
        cli_command(
            "backfill", "--source", "sample", "--start", "2024-01", "--end", "2025-07",
            "--warehouse", str(warehouse), "--summary-json", str(summary_file),
        ),
        env,
        REPO,
        interrupt_when=lambda text: "loaded 2 ·" in text,
    )
    assert run.interrupted_at is not None, run.text
    assert run.code == 130, run.text + run.stderr
    # The process ends without tearing Python down (customs_etl/program.py), yet only after
    # every exit handler ran: the temporary API child was stopped by Prefect's and ours.
    assert processes_with_home(tmp_path / "prefect") == []

    # A live display: drawn with the cursor hidden and redrawn in place, a bar, the counts.
    assert "\x1b[?25l" in run.raw and "━" in run.raw
    live = run.text.split("┏")[0]  # what was drawn before the outcome table
    for part in ("backfill", "documents", "fetched", "prepared", "unchanged 0",
                 "quarantined 0", "rows/s", "ETA", "/19 months"):
        assert part in live, part
    assert len({int(n) for n in re.findall(r"loaded (\d+) ·", live)}) >= 3  # it moved
    assert not any(PLAIN_LINE.match(line) for line in run.text.splitlines())  # no log lines
    assert "stopping after the load in progress commits" in live  # Ctrl-C answered at once
    # Then the outcome table and the summary line; one line on stderr says what is left.
    assert "backfill interrupted: " in run.text and "│ loaded │" in run.text
    errors = run.stderr.strip().splitlines()
    assert len(errors) == 1 and errors[0].startswith("interrupted (Ctrl-C)"), run.stderr
    assert "run the same command again to resume" in errors[0]

    # Whole documents only, and exactly what the summary says was done.
    assert assert_atomic(warehouse) >= 2
    summary, held = _summary(summary_file), _held(warehouse)
    assert summary["state"] == "interrupted"
    done = summary["counts"]["loaded"]
    assert 2 <= done < 21 and held["statuses"] == {"loaded": done}
    assert summary["rows"] == held["rows"] == sum(d["rows"] for d in summary["documents"])
    assert summary["periods"] == held["periods"]
    assert summary["newest_period"] == held["newest"]
    # Not done: the months after the last one loaded, none of them in the warehouse.
    months = [f"sample {y}-{m:02d}" for y, last in ((2024, 12), (2025, 7))
              for m in range(1, last + 1)]
    left = summary["not_done"]
    assert left and left == months[len(months) - len(left):]
    assert left[0].split()[1] > held["newest"]
    assert f"not done ({len(left)}): {left[0]} …" in errors[0]

    rerun = run_cli("backfill", "--source", "sample", "--start", "2024-01", "--end", "2025-07",
                    "--warehouse", str(warehouse), "--summary-json", str(summary_file))
    assert rerun.code == 0, rerun.output
    logged = [m for m in map(PLAIN_LINE.match, rerun.stdout.splitlines()) if m]
    assert [int(m[1]) for m in logged] == list(range(1, 22))  # one line per document
    assert [m[3] for m in logged] == ["unchanged"] * done + ["loaded"] * (21 - done)
    resumed, held = _summary(summary_file), _held(warehouse)
    assert resumed["state"] == "completed" and resumed["not_done"] == []
    assert (resumed["counts"]["unchanged"], resumed["counts"]["loaded"]) == (done, 21 - done)
    assert held["statuses"] == {"loaded": 21} and resumed["newest_period"] == "2025-07"
    assert resumed["rows"] + summary["rows"] == held["rows"]
    after, clean = warehouse_state(warehouse), warehouse_state(sample_warehouse)
    for part in ("releases", "observations", "latest", "migrations"):
        assert after[part] == clean[part], part

    # The Prefect UI shows the same: one progress artifact for the run, at 100 %.
    artifacts = _prefect_artifacts(resumed["run_id"])
    progress = artifacts["backfill-progress"]
    assert len(progress) == 1 and progress[0].type == "progress"
    assert float(progress[0].data) == 100.0
    assert f"21/21 documents ({21 - done} loaded, {done} unchanged, 0 quarantined)" in (
        progress[0].description
    )
    assert "backfill-report" in artifacts and "backfill-outcomes" in artifacts
