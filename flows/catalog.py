"""Every flow the CLI can start, by name (one place, so no command special-cases a flow)."""

from __future__ import annotations

from collections.abc import Callable

from prefect.states import State

from customs_etl.flows.definitions import backfill_flow, ingest_flow, monthly_flow, scheduled_flow
from customs_etl.flows.landing import landing_flow

FLOWS: dict[str, Callable[..., State]] = {
    "ingest": ingest_flow,
    "backfill": backfill_flow,
    "monthly": monthly_flow,
    "scheduled-monthly": scheduled_flow,
    "landing": landing_flow,
}
