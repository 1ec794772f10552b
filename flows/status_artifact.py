"""The warehouse's status (``customs-etl status``) as a Prefect markdown artifact at the end of
each monthly and scheduled run: whoever looks at a run in the Prefect UI sees what is now held,
what is due or late and what waits in quarantine, without a terminal on the warehouse's machine.
"""

from __future__ import annotations

from prefect import get_run_logger
from prefect.artifacts import create_markdown_artifact

from customs_etl.core.months import shanghai_today
from customs_etl.reports.status import build_status, render
from customs_etl.warehouse.db import reader
from customs_etl.warehouse.location import Location, redact

STATUS_ARTIFACT_FLOWS = frozenset({"monthly", "scheduled-monthly"})
STATUS_ARTIFACT_KEY = "warehouse-status"  # artifact keys: lowercase letters, digits, dashes
READ_WAIT_SECONDS = 2.0  # another process loading into the file: skip the artifact, not wait


def publish_status(warehouse: Location) -> str | None:
    """Create the artifact; its markdown, or None when there is no warehouse yet or the
    status could not be read (logged: the artifact never fails a run)."""
    if not warehouse.exists():
        return None
    try:
        with reader(warehouse, wait_seconds=READ_WAIT_SECONDS) as con:
            data = build_status(con, shanghai_today(), warehouse=redact(str(warehouse)))
        markdown = render(data, "markdown")
        create_markdown_artifact(
            key=STATUS_ARTIFACT_KEY,
            markdown=markdown,
            description="customs-etl status: newest months, releases due or late, quarantine, "
            "last runs",
        )
    except Exception as exc:  # a report for people; the run's loads are what matter
        get_run_logger().warning("status artifact not created: %s: %s", type(exc).__name__, exc)
        return None
    return markdown
