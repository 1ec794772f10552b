"""Prefect flow ``landing``: ingest whatever settled in the landing folder, then file it away.

Scheduled every few minutes by the ``landing`` deployment; each poll is cheap when the inbox is
empty. The files go through the same streaming prepare-and-load loop as every other flow
(``Run.process``); loaded and already-known files go to ``done/``, quarantined ones to
``failed/`` with their reason (review them with ``customs-etl quarantine``); growing files wait
for the next poll.
"""

from __future__ import annotations

from collections.abc import Iterator

from prefect import flow, get_run_logger
from prefect.states import State
from prefect.task_runners import ThreadPoolTaskRunner

from customs_etl.core.errors import CustomsEtlError
from customs_etl.core.models import Outcome, RawDocument, Status
from customs_etl.flows.notify import notify_on_crash
from customs_etl.flows.run_engine import (
    BATCH_DOCUMENTS,
    PREPARE_WORKERS,
    Run,
    Step,
    batch_bytes,
    batch_label,
)
from customs_etl.publishers.gacc_query.files import QUERY_SOURCE, export_document
from customs_etl.publishers.gacc_query.landing_zone import DONE, FAILED, LandedFile, LandingZone
from customs_etl.warehouse.location import locate

SETTLE_SECONDS = 5.0


def _document(zone: LandingZone, landed: LandedFile) -> tuple[RawDocument, str | None]:
    """The file as a document; a name the convention cannot read is a reason to refuse it."""
    content = zone.read(landed)
    try:
        return export_document(landed.name, content, url=landed.url), None
    except CustomsEtlError as exc:
        doc = RawDocument(name=landed.name, source=QUERY_SOURCE, content=content, url=landed.url)
        return doc, str(exc)


def _step(batch: list[RawDocument], refused: dict[str, str]) -> Step:
    units = tuple(doc.name for doc in batch)  # each file is a planned unit
    return Step(batch, batch_label("landing", batch), refused, units=units)


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
    run = Run("landing", locate(warehouse))  # resolved once, here at the edge
    run.notes += [f"{name}: still being written, left for the next poll" for name in growing]
    run.progress.plan([landed.name for landed in ready], unit="file")
    by_hash: dict[str, list[LandedFile]] = {}

    def steps() -> Iterator[Step]:
        """The settled files in batches (bounded bytes), each read only when its turn comes."""
        batch: list[RawDocument] = []
        refused: dict[str, str] = {}
        size, limit = 0, batch_bytes()
        for landed in ready:
            if batch and (size + landed.size > limit or len(batch) >= BATCH_DOCUMENTS):
                yield _step(batch, refused)
                batch, refused, size = [], {}, 0
            doc, refusal = _document(zone, landed)
            by_hash.setdefault(doc.sha256, []).append(landed)
            if refusal is not None:
                refused[doc.sha256] = refusal
            batch.append(doc)
            size += landed.size
        if batch:
            yield _step(batch, refused)

    def file_away(doc: RawDocument, outcome: Outcome) -> None:
        landed = by_hash[doc.sha256].pop(0)
        failed = outcome.status == Status.QUARANTINED
        where = zone.file_away(landed, FAILED if failed else DONE, doc.sha256, outcome.message)
        logger.info("%s: %s → %s", landed.name, outcome.status, where)

    run.process(steps(), after_load=file_away)
    if not ready and not growing:
        run.notes.append(f"landing folder {zone.location}: nothing new")
    return run.finish()
