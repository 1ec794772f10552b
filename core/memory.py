"""What the memory budget ($CUSTOMS_ETL_MEMORY_MB) allows a run: DuckDB's memory limit on the
warehouse, the batch size, and whether the next batch is prepared while one loads.

Measured on the 120-month bench (docs/performance.md): a run's process tree holds ~535 MiB
before any data (the imports — Great Expectations, Prefect, pandas, pyarrow, DuckDB — and
Prefect's temporary API). A batch being prepared (DuckDB's read of the exports, the Arrow
table, GX's pandas frame) and a batch being loaded (the history checks' temp tables, the
insert) each need a multiple of the batch's bytes on top; DuckDB's own buffer pool, left to
its default (80 % of the machine's RAM), grows with the warehouse's scans and never gives back.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from customs_etl.core.settings import setting

FIXED_MB = 640  # the tree before any data: imports, Prefect's temporary API, DuckDB's library
DUCKDB_SHARE = 0.25  # of the budget, DuckDB's memory limit on the warehouse
DUCKDB_MIN_MB = 256  # a batch (one full-scale month) loads within it; far less fails the load
# A batch in preparation or in a load needs ~20x its bytes over the trough between batches
# (measured 2026-12-07 on the 120-month bench: +555 MiB at the load's peak for a 27 MB batch;
# the 14x measured before the batch path changed had the run peak over its budget).
MB_PER_BATCH_MB = 20


@dataclass(frozen=True)
class MemoryBudget:
    """What a run may use, derived from one number (MB)."""

    total_mb: float

    @property
    def duckdb_limit_mb(self) -> int:
        """DuckDB's ``memory_limit`` on warehouse connections: beyond it, DuckDB spills its
        temp tables and sorts to ``<warehouse>.tmp`` instead of growing."""
        return max(DUCKDB_MIN_MB, int(self.total_mb * DUCKDB_SHARE))

    @property
    def batch_cap_mb(self) -> float:
        """The largest batch (MB of documents) the budget holds one at a time."""
        return max(1.0, (self.total_mb - FIXED_MB) / MB_PER_BATCH_MB)

    def fits(self, *batch_mbs: float) -> bool:
        """Whether batches of these sizes (MB of documents) fit in memory at once."""
        return FIXED_MB + MB_PER_BATCH_MB * sum(batch_mbs) <= self.total_mb


def memory_budget() -> MemoryBudget:
    """The current budget ($CUSTOMS_ETL_MEMORY_MB)."""
    return MemoryBudget(setting("memory_mb"))


def bound_memory(con: Any) -> None:
    """Set DuckDB's memory limit on a warehouse connection (``SET``, not a connect-time config:
    connections to a file already open in this process share its instance, and DuckDB
    refuses a second configuration)."""
    con.execute(f"SET memory_limit = '{memory_budget().duckdb_limit_mb}MB'")


@contextmanager
def long_lived_objects_frozen() -> Iterator[None]:
    """Hide what exists now — the imports, Prefect's and the run's state: ~365,000 objects with
    GX and Prefect loaded — from the garbage collector while the batches run (``gc.freeze``).
    The full collection after each batch (``release_memory``) then walks only what the batches
    made: it cost 0.21–0.26 s a batch walking the imports (19 small months: ~5 s), and takes
    milliseconds. Reference counting still frees frozen objects; a frozen cycle that dies
    meanwhile waits for the end. Unfrozen at the end, so a long-lived process (a worker
    running flows) keeps nothing out of later collections."""
    import gc

    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def release_memory() -> None:
    """After a batch: collect the cycles its frames left (GX's and pandas' objects) and hand
    Arrow's unused pages back, so the next batch starts from the same floor (~30-60 MB a
    batch measured; a full collection costs milliseconds once per batch); then the C heap's."""
    import gc

    import pyarrow as pa

    gc.collect()
    pa.default_memory_pool().release_unused()
    trim_c_heap()


def trim_c_heap() -> None:
    """Hand the C heap's free pages back to the system (glibc's ``malloc_trim``; nothing
    elsewhere). pandas', numpy's and GX's freed objects stay in glibc's heap for malloc to
    reuse, but DuckDB (jemalloc) and Arrow (mimalloc) allocate from their own, so the next
    load's peak came on top of them: ~80 MiB of a 36-month batch, given back in ~10 ms."""
    import ctypes

    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # not glibc (macOS, musl): its allocator decides
        return
    trim(0)
