"""Transactions, the errors that end them, and running one again after a conflict.

Every write is ONE explicit transaction (DuckDB would otherwise commit a batch statement by
statement, and the warehouse must never hold half a load). On a DuckLake, writers meet only at
COMMIT: ``retrying`` runs a whole transaction again — its reads and checks included — when the
commit conflicts. A storage failure (disk full, read-only file, the catalog gone) is told
apart from a bug so the caller can say which warehouse failed and that nothing was committed.
"""

from __future__ import annotations

import contextlib
import logging
import random
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import duckdb

from customs_etl.core.errors import WarehouseBusy

log = logging.getLogger(__name__)
T = TypeVar("T")
CONFLICT_ATTEMPTS = 40  # write transactions tried before a run gives up (WarehouseBusy)


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
