"""Several writers on one lake, readers during the loads, and kill -9 (issue 13, done-when).

Real processes only: the CLI (`customs-etl backfill`) in subprocesses on the session's Prefect
API, a reader process looping over reports while they load, a real PostgreSQL catalog.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from customs_etl.warehouse.db import reader, writer
from tests.support.cli import run_cli
from tests.support.faults import REPO, assert_whole_loads, cli_command, cli_env

pytestmark = pytest.mark.slow
TIMEOUT = 300

# A reader in its own process: every loop opens the warehouse (never waiting), checks that it
# sees whole loads only, and takes the July 2025 report when July is there. One JSON line per
# read: seconds, releases seen, and what was wrong (nothing, or the failure).
READER = r"""
import json, sys, time
from datetime import date
from customs_etl.core.errors import CustomsEtlError
from customs_etl.reports.news import build_report, render
from customs_etl.warehouse.db import reader

url, stop, out = sys.argv[1:4]
CHECK = '''
SELECT
  (SELECT count(*) FROM raw.releases),
  (SELECT count(*) FROM (
      SELECT r.release_id FROM raw.releases AS r
      LEFT JOIN core.observations AS o USING (release_id)
      GROUP BY r.release_id, r.row_count, r.status
      HAVING count(o.release_id) <> CASE WHEN r.status = 'loaded' THEN r.row_count ELSE 0 END)),
  (SELECT count(*) FROM core.observations WHERE release_id NOT IN
      (SELECT release_id FROM raw.releases WHERE status = 'loaded')),
  (SELECT count(*) - count(DISTINCT release_id) FROM raw.releases),
  (SELECT count(*) - count(DISTINCT load_seq) FROM raw.releases),
  (SELECT count(*) FROM core.latest)
'''
import os
with open(out, "w") as sink:
    while not os.path.exists(stop):
        started = time.monotonic()
        row = {"error": None}
        try:
            with reader(url) as con:
                releases, bad, orphans, dup_ids, dup_seqs, latest = con.execute(CHECK).fetchone()
                row.update(releases=releases, bad=bad, orphans=orphans, dup_ids=dup_ids,
                           dup_seqs=dup_seqs, latest=latest)
                try:
                    data = build_report(con, date(2025, 7, 1), "85051110", "export", ["US"])
                    row["report"] = render(data, "json", "magnets")
                except CustomsEtlError:
                    row["report"] = None  # July not loaded yet
        except Exception as exc:
            row["error"] = f"{type(exc).__name__}: {exc}"
        row["seconds"] = time.monotonic() - started
        sink.write(json.dumps(row) + "\n")
        sink.flush()
        time.sleep(0.05)
"""


def _statuses(output: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for line in output.splitlines():
        cells = [c.strip() for c in line.split("│")]
        if len(cells) > 4 and cells[3] in ("loaded", "unchanged", "quarantined"):
            counts[cells[3]] = counts.get(cells[3], 0) + 1
    return counts


def _contents(target: str | Path, reports: bool = True) -> dict[str, list[tuple[Any, ...]]]:
    """What a run leaves that two identical runs agree on (no times, no load_seq). Two
    processes loading side by side check each document against the history there was when
    it loaded (a YTD check may not run yet): ``reports=False`` leaves those reports out."""
    queries = {
        "releases": "SELECT release_id, source, file_name, status, row_count, message,"
        f" {'validation_report' if reports else 'NULL'}, coverage FROM raw.releases",
        "observations": "SELECT * FROM core.observations",
        "latest": "SELECT * FROM core.latest",
        "world": "SELECT * FROM marts.world_monthly",
        "ranked": "SELECT * FROM marts.partner_ranked",
    }
    with reader(target) as con:
        return {k: sorted(con.execute(q).fetchall(), key=repr) for k, q in queries.items()}


def test_two_backfills_at_once_and_reports_meanwhile_equal_a_single_file(
    prefect_api: str, sample_warehouse: Path, new_lake, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    """Both processes are offered the same 21 documents at once: each loads once, by one of
    them; the other says unchanged. A reader loop never waits, never sees half a load; the
    lake ends equal to a single file's warehouse, and so do its reports."""
    target = new_lake()
    with writer(target.target):  # the lake made once, as `customs-etl migrate` would
        pass
    env = cli_env(prefect_api, tmp_path / "prefect", COLUMNS="200", **target.env)
    stop, log = tmp_path / "stop", tmp_path / "reads.jsonl"
    reading = subprocess.Popen(
        [sys.executable, "-c", READER, target.target, str(stop), str(log)],
        env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    ranges = (("2024-01", "2025-07"), ("2024-01", "2025-07"))
    writers = [
        subprocess.Popen(
            cli_command("backfill", "--source", "sample", "--start", start, "--end", end,
                        "--warehouse", target.target),
            env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for start, end in ranges
    ]
    try:
        results = [w.communicate(timeout=TIMEOUT) for w in writers]
    finally:
        for w in writers:
            w.kill()
        stop.touch()
        reading.wait(timeout=60)
    for w, (out, err) in zip(writers, results, strict=True):
        assert w.returncode == 0, out + err
    counts = [_statuses(out) for out, _ in results]
    loaded = sum(c.get("loaded", 0) for c in counts)
    unchanged = sum(c.get("unchanged", 0) for c in counts)
    assert (loaded, unchanged) == (21, 21), counts  # each document loaded once, by either

    reads = [json.loads(line) for line in log.read_text().splitlines()]
    errors = [r["error"] for r in reads if r["error"]]
    assert errors == [], errors[:3]
    during = [r for r in reads if 0 < r["releases"] < 21]
    assert len(during) >= 3, [r["releases"] for r in reads]  # the reads ran during the loads
    for r in reads:  # whole loads only, no duplicate document or load_seq
        assert (r["bad"], r["orphans"], r["dup_ids"], r["dup_seqs"]) == (0, 0, 0, 0), r
    slowest = max(r["seconds"] for r in reads)
    print(f"outcomes per process {counts}; {len(reads)} reads, {len(during)} during the loads,"
          f" slowest {slowest:.2f} s")  # fmt: skip
    assert slowest < 10, sorted(r["seconds"] for r in reads)[-5:]  # nobody waited for a lock

    assert _contents(target.target, False) == _contents(sample_warehouse, False)
    docs = Path(target.env["CUSTOMS_ETL_DATA_DOCS_DIR"]) / "site" / "index.html"
    assert docs.exists()  # Data Docs on a lake: in $CUSTOMS_ETL_DATA_DOCS_DIR
    for args in (("--format", "json"), ("--format", "text"), ("--period", "2024-12")):
        lake = run_cli("report", "--period", "2025-07", *args, "--warehouse", target.target)
        file = run_cli("report", "--period", "2025-07", *args, "--warehouse",
                       str(sample_warehouse))  # fmt: skip
        assert lake.code == 0 and lake.stdout == file.stdout, lake.output
    final = [r["report"] for r in reads if r["report"] is not None and r["releases"] == 21]
    expected = json.loads(run_cli("report", "--period", "2025-07", "--format", "json",
                                  "--warehouse", str(sample_warehouse)).stdout)  # fmt: skip
    assert final and all(json.loads(r) == expected for r in final)


def _files(folder: Path) -> set[str]:
    return {str(p) for p in folder.rglob("*.parquet")} if folder.exists() else set()


def _assert_whole(target: str) -> int:
    """Whole loads only (as on a file), and no document or load_seq twice, the counter at the
    highest load_seq handed out; returns releases."""
    with reader(target) as con:
        releases = assert_whole_loads(con)
        dupes = con.execute(
            "SELECT count(*) - count(DISTINCT release_id), count(*) - count(DISTINCT load_seq),"
            " coalesce(max(load_seq), 0) - (SELECT last_load_seq FROM meta.load_counter)"
            " FROM raw.releases"
        ).fetchone()
    assert tuple(dupes) == (0, 0, 0), dupes
    return releases


def test_kill_9_mid_commit_leaves_the_lake_whole_and_a_rerun_completes_it(
    prefect_api: str, sample_warehouse: Path, new_lake, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    """SIGKILL a backfill as its load writes its Parquet files (inside the transaction,
    before COMMIT), and again a moment later (around the catalog commit): the lake opens,
    holds whole loads only, and a plain re-run ends equal to a clean run."""
    target = new_lake()
    data = Path(target.env["CUSTOMS_ETL_LAKE_DATA_PATH"])
    with writer(target.target):
        pass
    env = cli_env(prefect_api, tmp_path / "prefect", **target.env)
    command = cli_command("backfill", "--source", "sample", "--start", "2024-01", "--end",
                          "2025-07", "--warehouse", target.target)  # fmt: skip
    held, stages = 0, []
    for after in (0.0, 0.03, 0.15):
        before = _files(data / "raw" / "releases")
        proc = subprocess.Popen(command, env=env, cwd=REPO, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)  # fmt: skip
        deadline = time.monotonic() + TIMEOUT
        while proc.poll() is None and time.monotonic() < deadline:
            if _files(data / "raw" / "releases") - before:  # a write transaction is under way
                time.sleep(after)
                os.kill(proc.pid, signal.SIGKILL)
                break
            time.sleep(0.002)
        proc.wait(timeout=60)
        assert proc.returncode == -signal.SIGKILL, "the run ended before a kill"
        now = _assert_whole(target.target)
        assert now >= held
        stages.append(now)
        held = now
    assert held < 21, stages  # the kills interrupted the work
    print(f"releases after each kill: {stages}")
    rerun = run_cli("backfill", "--source", "sample", "--start", "2024-01", "--end", "2025-07",
                    "--warehouse", target.target)  # fmt: skip
    assert rerun.code == 0, rerun.output
    assert _assert_whole(target.target) == 21
    assert _contents(target.target) == _contents(sample_warehouse), stages
