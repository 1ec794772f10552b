"""Open the warehouse: where it lives, migrations on connect, writers that retry conflicts.

Two backends, one setting (``location``): a DuckDB file (the default) or a DuckLake on a
PostgreSQL catalog (``lake``). Every statement runs unchanged on both.

* DuckDB file: one process holds it for writing. A writer waits (bounded) for a running load
  to finish; readers open the file read-only and get ``WarehouseBusy`` with a clear message
  instead of DuckDB's lock error when a load holds it too long.
* DuckLake: any number of writers and readers on any number of machines, with snapshot
  isolation; readers never wait. Writers meet each other only at COMMIT: ``retrying`` runs a
  write transaction again (reads, checks and writes) when DuckLake reports a conflict.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import random
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import TypeVar

import duckdb

from customs_etl.core.errors import CustomsEtlError, WarehouseBusy
from customs_etl.core.queries import fetch_one
from customs_etl.core.settings import settings
from customs_etl.warehouse import view_files
from customs_etl.warehouse.location import Location, locate, redact

ENV_WAREHOUSE = "CUSTOMS_ETL_WAREHOUSE"
log = logging.getLogger(__name__)
T = TypeVar("T")
CONFLICT_ATTEMPTS = 40  # write transactions tried before a run gives up (WarehouseBusy)


def _migrations() -> list[tuple[int, str, str]]:
    folder = resources.files("customs_etl.warehouse") / "migrations"
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql") and not entry.name.endswith(".lake.sql"):
            version = int(entry.name.split("_", 1)[0])
            found.append((version, entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """BEGIN … COMMIT, or ROLLBACK on any error: DuckDB would otherwise commit statement by
    statement, and the warehouse must never hold half a load.

    The ROLLBACK is cleanup: when it fails too (DuckDB already ended an aborted transaction)
    the first error is the one raised, never the cleanup's.
    """
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
        con.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(duckdb.Error):
            con.execute("ROLLBACK")
        raise


def known_schema_version() -> int:
    """The newest schema version this code knows (its last migration)."""
    return max(version for version, _, _ in _migrations())


def _app_version() -> str:
    try:
        from importlib.metadata import version

        return version("customs-etl")
    except Exception:  # running from a checkout without an install
        return "(uninstalled)"


def _applied_version(con: duckdb.DuckDBPyConnection) -> int | None:
    """The warehouse's newest applied migration; None for a file without our catalogue."""
    try:
        row = fetch_one(con, "SELECT max(version) FROM meta.schema_migrations")
    except duckdb.CatalogException:
        return None
    return None if row is None or row[0] is None else int(row[0])


def check_schema_version(con: duckdb.DuckDBPyConnection, path: object, *, reading: bool) -> None:
    """Refuse a warehouse written by a newer customs-etl (readers and writers alike): its
    tables may mean what this code does not know. A reader also needs pending migrations
    applied first (it cannot apply them itself)."""
    applied = _applied_version(con)
    known = known_schema_version()
    if applied is not None and applied > known:
        raise CustomsEtlError(
            f"warehouse {path} has schema version {applied}, newer than this customs-etl "
            f"{_app_version()} knows (up to {known}): upgrade customs-etl to use it"
        )
    if reading and (applied or 0) < known:
        raise CustomsEtlError(
            f"warehouse {path} has schema version {applied or 0}, older than this customs-etl "
            f"{_app_version()} needs ({known}): run `customs-etl migrate` (or any loading "
            "command) to upgrade it"
        )
    if reading and applied is not None and not view_files.current(con):
        raise CustomsEtlError(
            f"warehouse {path} holds views other than this customs-etl {_app_version()}'s: "
            "run `customs-etl migrate` (or any loading command) to apply them"
        )


def _digest(sql: str) -> str:
    return hashlib.sha256(sql.encode()).hexdigest()


def _refuse_edited(applied: dict[int, tuple[str, str]]) -> None:
    for version, name, sql in _migrations():
        if version in applied and applied[version][1] != _digest(sql):
            raise CustomsEtlError(
                f"migration {name} was edited after it was applied; add a new migration"
            )


def migrate(
    con: duckdb.DuckDBPyConnection,
    path: object = "the warehouse",
    *,
    upto: int | None = None,
    views: bool = True,
) -> list[str]:
    """Apply pending migrations to a DuckDB database, each in its own transaction (refusing an
    edited applied one), then the view files when they changed (``apply_views``). ``upto``:
    stop after that version; ``views``: False for tables only (the lake's intermediate
    steps, whose tables the current views may not fit). Returns the migrations applied."""
    con.execute("CREATE SCHEMA IF NOT EXISTS meta")
    con.execute(
        "CREATE TABLE IF NOT EXISTS meta.schema_migrations ("
        " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, sha256 VARCHAR NOT NULL,"
        " applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)"
    )
    applied = {
        v: (n, h)
        for v, n, h in con.execute(
            "SELECT version, name, sha256 FROM meta.schema_migrations"
        ).fetchall()
    }
    check_schema_version(con, path, reading=False)
    done = []
    for version, name, sql in _migrations():
        if upto is not None and version > upto:
            break
        digest = _digest(sql)
        if version in applied:
            if applied[version][1] != digest:
                raise CustomsEtlError(
                    f"migration {name} was edited after it was applied; add a new migration"
                )
            continue
        with transaction(con):
            con.execute(sql)
            con.execute(
                "INSERT INTO meta.schema_migrations (version, name, sha256) VALUES (?, ?, ?)",
                [version, name, digest],
            )
        done.append(name)
    changed = False
    if views and (upto is None or upto >= known_schema_version()):
        with transaction(con):
            changed = view_files.apply_views(con)
    if done or changed:
        # Fold the new schema into the file at once: DuckDB 1.5.5 cannot replay COMMENT ON
        # from the write-ahead log ("GetDefaultDatabase with no default database set").
        con.execute("CHECKPOINT")
    return done


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc).lower()
    return "lock" in text and ("conflicting" in text or "could not set" in text)


def _open(path: Path, *, read_only: bool, wait_seconds: float | None) -> duckdb.DuckDBPyConnection:
    wait = settings().busy_wait_seconds if wait_seconds is None else wait_seconds
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


_STORAGE_TYPES = (duckdb.IOException, duckdb.PermissionException, duckdb.FatalException)
_STORAGE_TEXT = re.compile(
    r"could not (?:write|read|open|sync|truncate|create)|no space left|read-only file system"
    r"|permission denied|file too large|disk quota|input/output error",
    re.IGNORECASE,
)


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def storage_cause(exc: BaseException) -> duckdb.Error | None:
    """The first storage failure in a chain, if any: a failed ROLLBACK after a failed COMMIT
    (DuckDB has already rolled back) hides the real cause in ``__context__``."""
    for error in reversed(_chain(exc)):
        if is_conflict(error):
            continue
        if isinstance(error, duckdb.Error) and (
            isinstance(error, _STORAGE_TYPES) or _STORAGE_TEXT.search(str(error))
        ):
            return error
    return None


def is_conflict(exc: BaseException) -> bool:
    """A commit that met another writer's (DuckLake: "Transaction conflict", or its own
    retries of a snapshot collision exhausted): the whole transaction may simply run again."""
    for error in _chain(exc):
        if isinstance(error, duckdb.TransactionException):
            text = str(error).lower()
            if "conflict" in text or "maximum retry count" in text:
                return True
    return False


def retrying(
    con: duckdb.DuckDBPyConnection,
    work: Callable[[duckdb.DuckDBPyConnection], T],
    *,
    what: str = "a write",
    attempts: int = CONFLICT_ATTEMPTS,
) -> T:
    """Run ``work(con)`` in ONE transaction; when the commit conflicts with another writer's
    (only on a lake), roll back and run all of it again — its reads and checks included, so
    it decides on what the other writer committed. Backoff with jitter, bounded."""
    for attempt in range(1, attempts + 1):
        try:
            with transaction(con):
                return work(con)
        except Exception as exc:
            if not is_conflict(exc):
                raise
            if attempt == attempts:
                raise WarehouseBusy(
                    f"warehouse busy: {what} met another writer's commit {attempts} times in "
                    "a row; run it again (nothing of it was committed)"
                ) from None
            delay = min(2.0, 0.05 * 2 ** min(attempt, 6)) * (0.5 + random.random())
            log.info("%s conflicted with another writer (attempt %d); again in %.2f s",
                     what, attempt, delay)  # fmt: skip
            time.sleep(delay)
    raise AssertionError("unreachable")


def _writer_failure(location: Location, exc: BaseException) -> CustomsEtlError | None:
    cause = storage_cause(exc)
    if cause is None:
        return None
    reason = redact(" ".join(str(cause).split()))
    return CustomsEtlError(
        f"cannot write to warehouse {location}: {reason} (nothing of this load was committed)"
    )


def _lake_writer(location: Location) -> duckdb.DuckDBPyConnection:
    from customs_etl.warehouse import lake

    con = lake.connect(location, read_only=False)
    try:
        applied = lake.applied_migrations(con)
        check_schema_version(con, location, reading=False)
        _refuse_edited(applied)
        if any(True for _ in lake.pending_steps(applied)):

            def step(con: duckdb.DuckDBPyConnection) -> list[str]:
                return lake.migrate_step(con, lake.applied_migrations(con), _digest)

            if retrying(con, step, what="migrating the lake"):
                retrying(con, lake.set_options, what="setting the lake's options")
        elif not view_files.current(con):
            retrying(con, lake.apply_views, what="applying the view files to the lake")
    except BaseException:
        con.close()
        raise
    return con


@contextmanager
def writer(
    explicit: str | os.PathLike[str] | Location | None = None, *, wait_seconds: float | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """The writer connection, migrated, held only for the block (one load).

    A storage failure inside the block (disk full, read-only file, I/O error, the catalog
    server gone) becomes one ``CustomsEtlError`` naming the warehouse and the first cause: the
    open transaction is rolled back, so the warehouse keeps its previous state. Other DuckDB
    errors are bugs and propagate unchanged.
    """
    location = locate(explicit)
    if location.is_lake:
        con = _lake_writer(location)
    else:
        path = location.path
        assert path is not None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CustomsEtlError(
                f"cannot create the warehouse folder {path.parent}: {exc.strerror or exc}"
            ) from None
        con = _open(path, read_only=False, wait_seconds=wait_seconds)
    try:
        if not location.is_lake:
            # Closing would checkpoint, and a checkpoint rewrites raw.releases with every
            # stored document's bytes: per load that grows with the warehouse. Committed loads
            # are durable in the WAL; runs checkpoint once at their end (``checkpoint``), and
            # DuckDB on its own when the WAL passes its threshold.
            con.execute("PRAGMA disable_checkpoint_on_shutdown")
            migrate(con, location.path)
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


def checkpoint(explicit: str | os.PathLike[str] | Location | None = None) -> None:
    """Fold the WAL into the warehouse file: once per run, so the file alone is complete.

    A lake has no WAL (every commit is a catalog transaction): nothing to do. Its maintenance
    (merging small files, expiring snapshots) is an operator's job: docs/ducklake.md."""
    location = locate(explicit)
    if location.is_lake or not location.exists():
        return
    with writer(explicit) as con:
        con.execute("CHECKPOINT")


@contextmanager
def reader(
    explicit: str | os.PathLike[str] | Location | None = None, *, wait_seconds: float | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection for reports and exports; never creates or migrates anything.

    Everything read through it comes from ONE snapshot (a read transaction): on a lake, a
    report taken while loads commit sees whole loads only, and never waits for them."""
    location = locate(explicit)
    if location.is_lake:
        from customs_etl.warehouse import lake

        con = lake.connect(location, read_only=True)
    else:
        path = location.path
        assert path is not None
        if not path.exists():
            raise CustomsEtlError(
                f"no warehouse at {path}: run `customs-etl backfill` or `ingest` "
                "first, or pass --warehouse"
            )
        con = _open(path, read_only=True, wait_seconds=wait_seconds)
    try:
        check_schema_version(con, location.path or location, reading=True)
        con.execute("BEGIN TRANSACTION")
        yield con
    finally:
        with contextlib.suppress(duckdb.Error):
            con.execute("ROLLBACK")
        con.close()
