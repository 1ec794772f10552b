"""The DuckDB-file backend: one process writes, readers open the file read-only.

A writer waits (bounded) for a running load to finish; readers get ``WarehouseBusy`` with a
clear message instead of DuckDB's lock error when a load holds the file too long. Committed
loads are durable in the WAL; a run folds it into the file once at its end (``checkpoint``).
"""

from __future__ import annotations

import time
from pathlib import Path

import duckdb

from customs_etl.core.errors import CustomsEtlError, WarehouseBusy
from customs_etl.core.memory import bound_memory
from customs_etl.core.settings import setting, settings
from customs_etl.warehouse.location import Location
from customs_etl.warehouse.schema_version import migrate


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc).lower()
    return "lock" in text and ("conflicting" in text or "could not set" in text)


def _open(path: Path, *, read_only: bool, wait_seconds: float | None) -> duckdb.DuckDBPyConnection:
    wait = setting("busy_wait_seconds") if wait_seconds is None else wait_seconds
    deadline = time.monotonic() + wait
    delay = 0.1
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.Error as exc:
            if not _is_lock_error(exc):
                raise CustomsEtlError(f"cannot open warehouse {path}: {exc}") from None
            if time.monotonic() >= deadline:
                raise WarehouseBusy(
                    f"warehouse busy: a run is loading into {path}; retry in a moment"
                ) from None
            time.sleep(delay)
            delay = min(delay * 2, 1.0)


def connect_writer(
    location: Location, *, wait_seconds: float | None = None
) -> duckdb.DuckDBPyConnection:
    """The file's writer connection, migrated (the folder made when missing)."""
    path = location.path
    assert path is not None
    settings()  # every setting checked before anything is created (a bad one is one line)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CustomsEtlError(
            f"cannot create the warehouse folder {path.parent}: {exc.strerror or exc}"
        ) from None
    con = _open(path, read_only=False, wait_seconds=wait_seconds)
    try:
        # Closing would checkpoint, and a checkpoint rewrites raw.releases with every stored
        # document's bytes: per load that grows with the warehouse. Committed loads are durable
        # in the WAL; runs checkpoint once at their end (``checkpoint``), and DuckDB on its own
        # when the WAL passes its threshold.
        con.execute("PRAGMA disable_checkpoint_on_shutdown")
        # Loads only: a reading command holds no batch, and under the load's limit a report
        # over 120 months took 2.7 s instead of 1.9 s (cache evictions).
        bound_memory(con)
        migrate(con, path)
    except BaseException:
        con.close()
        raise
    return con


def connect_reader(
    location: Location, *, wait_seconds: float | None = None
) -> duckdb.DuckDBPyConnection:
    """A read-only connection; a missing file is an error (a reader creates nothing)."""
    path = location.path
    assert path is not None
    if not path.exists():
        raise CustomsEtlError(
            f"no warehouse at {path}: run `customs-etl backfill` or `ingest` "
            "first, or pass --warehouse"
        )
    return _open(path, read_only=True, wait_seconds=wait_seconds)


def needs_checkpoint(location: Location) -> bool:
    """A file that exists has a WAL to fold in."""
    return location.exists()
