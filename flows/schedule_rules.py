"""Schedule rules: which months a poll asks a source for (due by its calendar and not held)."""

from __future__ import annotations

from datetime import date

from customs_etl.publishers.base import Publisher
from customs_etl.warehouse.db import writer
from customs_etl.warehouse.location import Location
from customs_etl.warehouse.releases import held_periods


def held_months(source: Publisher, warehouse: Location) -> set:
    """The (period_end, flow) pairs the warehouse holds for ``source`` (none without one)."""
    if not warehouse.exists():
        return set()
    with writer(warehouse) as con:
        return held_periods(con, source.name)


def missing_months(source: Publisher, months: list[date], held: set) -> list[date]:
    """The months not yet complete, given the (period_end, flow) pairs the warehouse holds:
    the newest expected month and any gap before it (every due month for a publisher that
    checks its source's revisions itself)."""
    if source.always_poll:
        return list(months)
    return [m for m in months if any((m, f) not in held for f in source.expected_flows)]
