"""Prefect flow ``landing``: ingest whatever settled in the landing folder, then file it away.

Scheduled every few minutes by the ``landing`` deployment; each poll is cheap when the inbox is
empty. Loaded and already-known files go to ``done/``, quarantined ones to ``failed/`` with
their reason (review them with ``customs-etl quarantine``); growing files wait for the next poll.
"""

from __future__ import annotations

from prefect import flow, get_run_logger
from prefect.states import State
from prefect.task_runners import ThreadPoolTaskRunner

from customs_etl.batches import Outcome, PreparedBatch
from customs_etl.errors import CustomsEtlError
from customs_etl.notify import notify_on_crash
from expectations.data_docs import docs_enabled
from flows.pipeline import (
    PREPARE_WORKERS,
    finish,
    load_document,
    prepare_document,
    publish_data_docs,
)
from sources.base import RawDocument
from sources.landing import QUERY_SOURCE, export_document
from sources.landing_zone import FAILED, LandedFile, LandingZone

SETTLE_SECONDS = 5.0


def _document(zone: LandingZone, landed: LandedFile) -> tuple[RawDocument, str | None]:
    """The file as a document; a name the convention cannot read is a reason to quarantine."""
    content = zone.read(landed)
    try:
        return export_document(landed.name, content, url=landed.url), None
    except CustomsEtlError as exc:
        return RawDocument(
            name=landed.name, source=QUERY_SOURCE, content=content, url=landed.url
        ), str(exc)


@flow(
    name="landing",
    on_failure=[notify_on_crash],
    task_runner=ThreadPoolTaskRunner(max_workers=PREPARE_WORKERS),
)
def landing_flow(
    location: str | None = None,
    warehouse: str | None = None,
    settle_seconds: float = SETTLE_SECONDS,
) -> State:
    """One poll of the landing folder (a path or fsspec URL; default $CUSTOMS_ETL_LANDING_URL)."""
    logger = get_run_logger()
    zone = LandingZone(location)
    ready, growing = zone.settled(settle_seconds)
    notes = [f"{name}: still being written, left for the next poll" for name in growing]
    for note in notes:
        logger.info(note)
    outcomes: list[Outcome] = []
    prepared: list[PreparedBatch] = []
    futures = []
    for landed in ready:
        doc, refusal = _document(zone, landed)
        if refusal is None:
            futures.append((landed, prepare_document.submit(doc)))
        else:
            futures.append(
                (landed, PreparedBatch(doc=doc, error=refusal, report={"error": refusal}))
            )
    for landed, pending in futures:
        batch = pending if isinstance(pending, PreparedBatch) else pending.result()
        outcome = load_document(batch, warehouse)
        prepared.append(batch)
        failed = outcome.status == "quarantined"
        where = zone.file_away(
            landed, FAILED if failed else "done", batch.doc.sha256, outcome.message
        )
        logger.info("%s: %s → %s", landed.name, outcome.status, where)
        outcomes.append(outcome)
    if prepared and docs_enabled():
        publish_data_docs(prepared, warehouse)
    if not ready and not growing:
        notes.append(f"landing folder {zone.location}: nothing new")
    return finish("landing", outcomes, notes, warehouse)
