"""The warehouse, one interface over two backends: writers, readers, the end-of-run checkpoint.

``--warehouse`` (``location``) names a DuckDB file (the default, ``backends.duckdb_file``) or a
DuckLake on a PostgreSQL catalog (``backends.ducklake``); each backend opens and migrates its
own connections, and every statement the project runs is the same on both.

* DuckDB file: one process holds it for writing. A writer waits (bounded) for a running load
  to finish; readers open the file read-only and get ``WarehouseBusy`` with a clear message
  instead of DuckDB's lock error when a load holds it too long.
* DuckLake: any number of writers and readers on any number of machines, with snapshot
  isolation; readers never wait. Writers meet each other only at COMMIT: ``retrying``
  (``transactions``) runs a write transaction again when DuckLake reports a conflict.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Protocol

import duckdb

from customs_etl.core.errors import CustomsEtlError
from customs_etl.warehouse.backends import duckdb_file, ducklake
from customs_etl.warehouse.location import Location, Where, locate, redact
from customs_etl.warehouse.schema_version import check_schema_version
from customs_etl.warehouse.transactions import storage_cause

ENV_WAREHOUSE = "CUSTOMS_ETL_WAREHOUSE"


class Backend(Protocol):
    """What each backend module provides (``backends.duckdb_file``, ``backends.ducklake``)."""

    def connect_writer(
        self, location: Location, *, wait_seconds: float | None = None
    ) -> duckdb.DuckDBPyConnection: ...

    def connect_reader(
        self, location: Location, *, wait_seconds: float | None = None
    ) -> duckdb.DuckDBPyConnection: ...

    def needs_checkpoint(self, location: Location) -> bool: ...


def backend_for(location: Location) -> Backend | ModuleType:
    """The backend module that serves ``location``."""
    return ducklake if location.is_lake else duckdb_file


def _writer_failure(location: Location, exc: BaseException) -> CustomsEtlError | None:
    if isinstance(exc, duckdb.OutOfMemoryException):
        from customs_etl.core.memory import memory_budget

        budget = memory_budget()
        return CustomsEtlError(
            f"warehouse {location}: DuckDB reached its memory limit "
            f"({budget.duckdb_limit_mb} MB, from CUSTOMS_ETL_MEMORY_MB={budget.total_mb:g}): "
            "raise CUSTOMS_ETL_MEMORY_MB and run again (nothing of this load was committed)"
        )
    cause = storage_cause(exc)
    if cause is None:
        return None
    reason = redact(" ".join(str(cause).split()))
    return CustomsEtlError(
        f"cannot write to warehouse {location}: {reason} (nothing of this load was committed)"
    )


@contextmanager
def writer(
    explicit: Where = None, *, wait_seconds: float | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """The writer connection, migrated, held only for the block (one load).

    A storage failure inside the block (disk full, read-only file, I/O error, the catalog
    server gone) or DuckDB's memory limit reached (``CUSTOMS_ETL_MEMORY_MB``) becomes one
    ``CustomsEtlError`` naming the warehouse and the first cause (or the setting): the
    open transaction is rolled back, so the warehouse keeps its previous state. Other DuckDB
    errors are bugs and propagate unchanged.
    """
    location = locate(explicit)
    con = backend_for(location).connect_writer(location, wait_seconds=wait_seconds)
    try:
        yield con
    except duckdb.Error as exc:
        failure = _writer_failure(location, exc)
        if failure is None:
            raise  # a bug, not the machine: keep the traceback
        raise failure from None
    finally:
        # A close that fails too (its checkpoint meets the same full disk) must not replace
        # the error above; committed data is safe in the WAL either way.
        with contextlib.suppress(duckdb.Error):
            con.close()


def checkpoint(explicit: Where = None) -> None:
    """Fold the WAL into the warehouse file: once per run, so the file alone is complete
    (a lake has nothing to fold)."""
    location = locate(explicit)
    if not backend_for(location).needs_checkpoint(location):
        return
    with writer(location) as con:
        con.execute("CHECKPOINT")


@contextmanager
def reader(
    explicit: Where = None, *, wait_seconds: float | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection for reports and exports; never creates or migrates anything.

    Everything read through it comes from ONE snapshot (a read transaction): on a lake, a
    report taken while loads commit sees whole loads only, and never waits for them."""
    location = locate(explicit)
    con = backend_for(location).connect_reader(location, wait_seconds=wait_seconds)
    try:
        check_schema_version(con, location.path or location, reading=True)
        con.execute("BEGIN TRANSACTION")
        yield con
    finally:
        with contextlib.suppress(duckdb.Error):
            con.execute("ROLLBACK")
        con.close()
