"""SIGKILL in the middle of a backfill, then a re-run: the warehouse equals a clean run's.

The CLI runs in a subprocess; the test watches ``/proc/<pid>/fd`` and the DuckDB WAL and kills
the process at chosen points *while it holds the warehouse for writing*: as the first
migrations commit, inside a load before its commit, and as a commit reaches the WAL. After
every kill the warehouse must open, hold only whole documents, and a plain re-run must finish
the job with no duplicate and no missing row.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import run_cli
from tests.support.faults import REPO, assert_atomic, cli_command, cli_env, files_open_by
from tests.support.faults import warehouse_state as state

pytestmark = pytest.mark.slow
RANGE = ("--source", "sample", "--start", "2025-01", "--end", "2025-07")  # 8 documents
TIMEOUT = 240.0  # seconds for one subprocess to reach its kill point on a busy machine


@dataclass(frozen=True)
class KillPoint:
    """Kill inside the ``nth`` writer block that opens *after* the documents already loaded."""

    label: str
    nth: int
    wait_for_wal: bool  # kill once the WAL file exists (a commit is being / was just written)
    delay: float = 0.0  # else: seconds after the block opened


KILL_POINTS = (
    KillPoint("first migrations committing on a new file", 1, wait_for_wal=True),
    KillPoint("inside a load, before its commit", 2, wait_for_wal=False, delay=0.005),
    KillPoint("as a load's commit reaches the WAL", 1, wait_for_wal=True),
)


@pytest.fixture(scope="module")
def clean(prefect_api: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    path = tmp_path_factory.mktemp("clean") / "w.duckdb"
    result = run_cli("backfill", *RANGE, "--warehouse", str(path))
    assert result.code == 0, result.output
    return state(path)


def _stage(proc: subprocess.Popen[bytes], warehouse: Path) -> str:
    wal = f"{warehouse}.wal"
    if wal in files_open_by(proc.pid):
        return "writing a commit to the WAL"
    return "commit in the WAL, not checkpointed" if Path(wal).exists() else "no commit yet"


def kill_inside_writer(
    proc: subprocess.Popen[bytes], warehouse: Path, block: int, point: KillPoint
) -> str:
    """SIGKILL ``proc`` inside its ``block``-th writer block at ``point``; returns the stage.

    A writer block is the span in which the process holds the warehouse file open (one
    document's load: migrations check, history check, one transaction).
    """
    target, wal = str(warehouse), Path(f"{warehouse}.wal")
    seen, holding, opened = 0, False, 0.0
    deadline = time.monotonic() + TIMEOUT
    while proc.poll() is None and time.monotonic() < deadline:
        now_holding = target in files_open_by(proc.pid)
        if now_holding and not holding:
            seen, opened = seen + 1, time.monotonic()
        holding = now_holding
        # ``>=``: a block shorter than one poll can be missed; the next one is as good a target.
        if holding and seen >= block:
            ready = wal.exists() if point.wait_for_wal else time.monotonic() - opened >= point.delay
            if ready:
                stage = _stage(proc, warehouse)
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(timeout=30)
                return stage
        time.sleep(0.0005)
    proc.kill()
    proc.wait(timeout=30)
    raise AssertionError(f"no kill: the run ended or timed out before writer block {block}")


def test_sigkill_mid_backfill_then_rerun_equals_a_clean_run(
    prefect_api: str, clean: dict[str, Any], tmp_path: Path
) -> None:
    warehouse = tmp_path / "w.duckdb"
    env = cli_env(prefect_api, tmp_path / "prefect")
    loaded = 0
    stages = []
    for point in KILL_POINTS:
        proc = subprocess.Popen(
            cli_command("backfill", *RANGE, "--warehouse", str(warehouse)),
            env=env,
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        stage = kill_inside_writer(proc, warehouse, loaded + point.nth, point)
        stages.append(f"{point.label}: {stage}")
        assert proc.returncode == -signal.SIGKILL, stages
        # The killed run's warehouse opens, and holds whole documents only.
        now = assert_atomic(warehouse)
        assert now >= loaded, stages  # nothing committed before the kill was lost
        loaded = now

    assert loaded < len(clean["releases"]), stages  # the kills did interrupt the work
    rerun = run_cli("backfill", *RANGE, "--warehouse", str(warehouse))
    assert rerun.code == 0, rerun.output
    after = state(warehouse)
    for part in ("observations", "releases", "latest", "migrations"):
        assert after[part] == clean[part], (part, stages)
