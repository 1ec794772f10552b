"""Storage faults: a full disk, a read-only warehouse, two backfills on one warehouse at once.

Each one must end in a clear error (the last line on stderr) or a wait, never a half-written
warehouse: the previous state is compared, row for row, before and after.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import run_cli
from tests.support.exports import july_export
from tests.support.faults import (
    REPO,
    StorageFault,
    assert_atomic,
    cli_command,
    cli_env,
    files_open_by,
    full_disk,
    read_only_folder,
    warehouse_state,
)

pytestmark = pytest.mark.slow
RANGE = ("--source", "sample", "--start", "2025-01", "--end", "2025-03")
TIMEOUT = 240  # seconds; a subprocess pays a full import of Prefect and GX on a busy machine


@pytest.fixture(scope="module")
def clean_range(prefect_api: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The warehouse an undisturbed backfill of RANGE leaves behind."""
    path = tmp_path_factory.mktemp("clean") / "w.duckdb"
    result = run_cli("backfill", *RANGE, "--warehouse", str(path))
    assert result.code == 0, result.output
    return warehouse_state(path)


def _run(fault: StorageFault, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            fault.command,
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            preexec_fn=fault.preexec,
        )
    finally:
        for undo in fault.cleanup:
            undo()


def _last_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def _import_file(tmp_path: Path) -> Path:
    """A small valid export the sample warehouse does not hold yet (imports, July 2025)."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "import-85051110-202507.csv"
    path.write_bytes(july_export())
    return path


# --------------------------------------------------------------------------- full disk


def test_full_disk_is_a_clear_error_and_the_warehouse_keeps_its_state(
    prefect_api: str, warehouse_copy: Path, tmp_path: Path
) -> None:
    before = warehouse_state(warehouse_copy)
    export = _import_file(tmp_path)

    def ingest(warehouse: Path) -> Sequence[str]:
        return cli_command("ingest", str(export), "--warehouse", str(warehouse))

    fault = full_disk(warehouse_copy, tmp_path, ingest)
    result = _run(fault, cli_env(prefect_api, tmp_path / "prefect"))

    assert fault.results is not None
    assert result.returncode == 1, (fault.how, result.stdout, result.stderr)
    line = _last_line(result.stderr)
    assert line.startswith("error: cannot write to warehouse"), (fault.how, result.stderr)
    assert "No space left on device" in line or "File too large" in line, line
    assert "nothing of this load was committed" in line

    after = fault.results / warehouse_copy.name
    assert warehouse_state(after) == before  # previous state intact, nothing of the new file
    assert_atomic(after)

    # Space back (the copy now lives on the ordinary disk): the same command simply works.
    again = run_cli("ingest", str(export), "--warehouse", str(after))
    assert again.code == 0, again.output
    assert len(warehouse_state(after)["releases"]) == len(before["releases"]) + 1


# --------------------------------------------------------------------------- read-only warehouse


def test_read_only_warehouse_is_a_clear_error_and_keeps_its_state(
    prefect_api: str, warehouse_copy: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "read-only"
    folder.mkdir()
    warehouse = Path(shutil.copy(warehouse_copy, folder / "w.duckdb"))
    before = warehouse_state(warehouse)
    export = _import_file(tmp_path / "in")
    env = cli_env(prefect_api, tmp_path / "prefect")
    command = cli_command("ingest", str(export), "--warehouse", str(warehouse))
    fault = read_only_folder(folder, command)
    result = _run(fault, env)

    assert result.returncode == 1, (fault.how, result.stdout, result.stderr)
    line = _last_line(result.stderr)
    assert line.startswith(f"error: cannot open warehouse {warehouse}"), result.stderr
    assert "Read-only file system" in line or "Permission denied" in line, line
    assert warehouse_state(warehouse) == before
    assert_atomic(warehouse)


def test_unwritable_warehouse_folder_is_a_clear_error(prefect_api: str, tmp_path: Path) -> None:
    """A --warehouse under a plain file (ENOTDIR even for root): one line, no traceback."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    export = _import_file(tmp_path)
    result = run_cli("ingest", str(export), "--warehouse", str(blocker / "w.duckdb"))
    assert result.code == 1, result.output
    assert _last_line(result.stderr).startswith("error: cannot create the warehouse folder")
    assert "Traceback" not in result.output


# --------------------------------------------------------------------------- concurrent writers


def test_two_backfills_at_once_wait_for_each_other(
    prefect_api: str, clean_range: dict[str, Any], tmp_path: Path
) -> None:
    """A backfill in another process is loading; a second one starts now on the same file."""
    warehouse = tmp_path / "w.duckdb"
    first = subprocess.Popen(
        cli_command("backfill", *RANGE, "--warehouse", str(warehouse)),
        env=cli_env(prefect_api, tmp_path / "prefect"),
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + TIMEOUT
        while str(warehouse) not in files_open_by(first.pid):  # until it holds the file
            assert first.poll() is None and time.monotonic() < deadline, "first run ended early"
            time.sleep(0.002)
        second = run_cli("backfill", *RANGE, "--warehouse", str(warehouse))
        out, err = first.communicate(timeout=TIMEOUT)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    runs = [(first.returncode, out, err), (second.code, second.stdout, second.stderr)]
    for code, _out, err_text in runs:
        # the writer waits for the other's load; if it ever gives up it says so in one line
        assert code == 0 or "warehouse busy" in _last_line(err_text), runs
    assert 0 in (first.returncode, second.code), runs
    assert_atomic(warehouse)
    assert warehouse_state(warehouse) == clean_range
    loaded = sum(text.count("│ loaded ") for _code, text, _err in runs)
    assert loaded == len(clean_range["releases"]), runs  # each document loaded once, by one run


def test_a_held_warehouse_fails_clearly_and_a_rerun_completes(
    prefect_api: str,
    clean_range: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    warehouse = tmp_path / "w.duckdb"
    holder = _hold_writer_lock(warehouse)
    try:
        monkeypatch.setenv("CUSTOMS_ETL_BUSY_WAIT_SECONDS", "0.3")
        busy = run_cli("backfill", *RANGE, "--warehouse", str(warehouse))
    finally:
        holder.kill()
        holder.wait()
    assert busy.code == 1, busy.output
    assert _last_line(busy.stderr).startswith("error: warehouse busy"), busy.stderr
    assert "Traceback" not in busy.output

    done = run_cli("backfill", *RANGE, "--warehouse", str(warehouse))
    assert done.code == 0, done.output
    assert warehouse_state(warehouse) == clean_range


def _hold_writer_lock(path: Path) -> subprocess.Popen[str]:
    """Another process that opens the warehouse for writing and keeps it (DuckDB's file lock)."""
    script = (
        "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]);"
        " print('held', flush=True); time.sleep(120)"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", script, str(path)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder
