"""The landing folder: new files once, duplicates known, growing files left, bad files filed."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import duckdb
import fsspec
import pytest

from customs_etl.flows.landing import landing_flow
from tests.support.cli import run_cli
from tests.support.exports import july_export

GOOD = "export-85051110-202507.csv"


def _poll(location: str, warehouse: Path, settle: float = 0.2) -> list:
    state = landing_flow(location, str(warehouse), settle, return_state=True)
    return state.result(raise_on_failure=False).documents


def _releases(warehouse: Path) -> list[tuple[str, str]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            "SELECT file_name, status FROM raw.releases ORDER BY load_seq"
        ).fetchall()


def test_new_file_is_loaded_once_and_filed_as_done(prefect_api: str, tmp_path: Path) -> None:
    inbox, warehouse = tmp_path / "inbox", tmp_path / "w.duckdb"
    inbox.mkdir()
    (inbox / GOOD).write_bytes(july_export())
    outcomes = _poll(str(inbox), warehouse)
    assert [(o.file, o.status, o.rows) for o in outcomes] == [(GOOD, "loaded", 4)]
    assert not (inbox / GOOD).exists()
    assert [p.name.split("-", 1)[1] for p in (inbox / "done").iterdir()] == [GOOD]
    assert _poll(str(inbox), warehouse) == []  # the next poll finds nothing to do
    assert _releases(warehouse) == [(GOOD, "loaded")]


def test_same_bytes_under_another_name_are_not_loaded_twice(
    prefect_api: str, tmp_path: Path
) -> None:
    inbox, warehouse = tmp_path / "inbox", tmp_path / "w.duckdb"
    inbox.mkdir()
    (inbox / GOOD).write_bytes(july_export())
    _poll(str(inbox), warehouse)
    (inbox / "copy-of-export-85051110-202507.csv").write_bytes(july_export())
    outcomes = _poll(str(inbox), warehouse)
    assert [o.status for o in outcomes] == ["unchanged"]
    assert len(list((inbox / "done").iterdir())) == 2
    assert len(_releases(warehouse)) == 1


def test_a_file_still_being_written_waits_for_the_next_poll(
    prefect_api: str, tmp_path: Path
) -> None:
    inbox, warehouse = tmp_path / "inbox", tmp_path / "w.duckdb"
    inbox.mkdir()
    content = july_export()
    target = inbox / GOOD
    target.write_bytes(content[:40])
    stop = threading.Event()

    def keep_writing() -> None:  # a slow download: a few bytes at a time
        written = 40
        while not stop.is_set() and written < len(content):
            with target.open("ab") as handle:
                handle.write(content[written : written + 8])
            written += 8
            time.sleep(0.05)

    writer_thread = threading.Thread(target=keep_writing)
    writer_thread.start()
    try:
        state = landing_flow(str(inbox), str(tmp_path / "w.duckdb"), 0.5, return_state=True)
    finally:
        stop.set()
        writer_thread.join()
    assert state.result(raise_on_failure=False).documents == []
    assert "still being written" in (state.message or "")
    assert target.exists()
    target.write_bytes(content)  # the download finished
    assert [o.status for o in _poll(str(inbox), warehouse)] == ["loaded"]


def test_bad_file_is_quarantined_once_with_its_reason(prefect_api: str, tmp_path: Path) -> None:
    inbox, warehouse = tmp_path / "inbox", tmp_path / "w.duckdb"
    inbox.mkdir()
    bad = "export-85051110-202513.csv"  # month 13: the name itself is refused
    (inbox / bad).write_bytes(july_export())
    (inbox / "import-85051110-202507.csv").write_bytes(b"<html>busy</html>")
    outcomes = _poll(str(inbox), warehouse)
    assert sorted(o.status for o in outcomes) == ["quarantined", "quarantined"]
    failed = sorted(p.name for p in (inbox / "failed").iterdir())
    assert len(failed) == 4  # two files, each with its .reason.txt
    reason = next(p for p in (inbox / "failed").iterdir() if p.name.endswith(f"{bad}.reason.txt"))
    assert "202513 is not a month" in reason.read_text()
    assert _poll(str(inbox), warehouse) == []  # never retried in a loop
    result = run_cli("quarantine", "list", "--warehouse", str(warehouse))
    assert bad in result.stdout


@pytest.mark.parametrize("scheme", ["memory"])
def test_fsspec_url_works_like_a_folder(prefect_api: str, tmp_path: Path, scheme: str) -> None:
    location = f"{scheme}://landing-test-{tmp_path.name}/inbox"
    fs = fsspec.filesystem(scheme)
    fs.pipe_file(f"{location}/{GOOD}", july_export())
    outcomes = _poll(location, tmp_path / "w.duckdb")
    assert [o.status for o in outcomes] == ["loaded"]
    assert not fs.exists(f"{location}/{GOOD}")
    assert [p.rsplit("-", 1)[-1] for p in fs.ls(f"{location}/done", detail=False)] == ["202507.csv"]
