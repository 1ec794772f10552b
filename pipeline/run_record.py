"""Record a finished run in the warehouse (``meta.runs``), beside the loads it recorded.

The record is for people (``customs-etl status``): writing it must never cost the run, so a
failure is logged and the run ends as it would have.
"""

from __future__ import annotations

import logging

from customs_etl.core.summary import RunSummary
from customs_etl.warehouse.db import writer
from customs_etl.warehouse.location import Where, locate
from customs_etl.warehouse.runs import store_run
from customs_etl.warehouse.transactions import retrying

log = logging.getLogger(__name__)


def record_run(summary: RunSummary, warehouse: Where) -> str | None:
    """Write the run's row; its run id, or None when not written (no warehouse yet: a run
    that loaded nothing does not create one just to say so; or the write failed)."""
    if not locate(warehouse).exists():
        return None
    try:
        with writer(warehouse) as con:
            return retrying(con, lambda con: store_run(con, summary), what="recording the run")
    except Exception as exc:  # a run's record must never fail the run
        log.warning("run not recorded in the warehouse: %s: %s", type(exc).__name__, exc)
        return None
