"""What a publisher is to the pipeline: a name, its documents for a month, a parser, a suite.

Each publisher is one package under ``publishers/`` exporting one ``Publisher`` object,
registered in ``publishers/registry.py`` (the only place that lists them). The pipeline never
asks "which source is this?": it asks the document's publisher to parse it and names the GX
suite the publisher declares. Its ``name`` is the one spelling used on the command line, in
documents (``RawDocument.source``) and in the warehouse (``source`` columns).

Swapping a live publisher for a recorded one is a setting, not code: the bulletin publisher
reads whatever site ``CUSTOMS_ETL_GACC_BULLETIN_URL`` names (a local copy in the tests), and the
sample publisher is the offline stand-in for query-platform exports.
"""

from __future__ import annotations

from collections.abc import MutableMapping, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from customs_etl.core.errors import CustomsEtlError
from customs_etl.core.models import RawDocument

if TYPE_CHECKING:  # parsing needs pandas; listing and naming a publisher do not
    import pandas as pd
    import pyarrow as pa

# Pages a run fetched to find the data (indexes), shared by the months of one run.
FetchCache = MutableMapping[Any, Any]
# The run's warehouse (``--warehouse`` or the setting), put in the cache by the flows: what a
# revision-driven publisher compares its source's dataset versions with.
WAREHOUSE_KEY = "warehouse"


class Publisher:
    """Base class: override what the publisher can do; the defaults say what it cannot."""

    name: str = ""
    title: str = ""
    automated: bool = False  # polled by the schedule (never the modeled sample)
    release_suite: str = ""  # the GX suite its documents are validated with
    expected_flows: tuple[str, ...] = ("export",)  # what a complete month holds
    # A revision-driven publisher is asked for every due month, loaded or not: it checks its
    # source's dataset versions itself and fetches only what is new or changed.
    always_poll: bool = False

    def documents_for_month(self, month: date, cache: FetchCache) -> list[RawDocument]:
        """The documents released for ``month`` (plus archive-only pages fetched to find
        them); empty while the month is not published yet."""
        raise CustomsEtlError(
            f"{self.name} documents come as files: use `customs-etl ingest` or the landing "
            "folder"
        )

    def parse(self, doc: RawDocument) -> pd.DataFrame:
        """The document as canonical observations (``core.schema.OBSERVATION_COLUMNS``)."""
        raise NotImplementedError

    def parse_batch(
        self, docs: Sequence[RawDocument], scratch: Path
    ) -> tuple[pa.Table, list[RawDocument]]:
        """Canonical observations of the documents this publisher reads columnar, and the
        ones left for ``parse`` (the default: all of them)."""
        from customs_etl.core.schema import OBSERVATION_SCHEMA

        return OBSERVATION_SCHEMA.empty_table(), list(docs)

    def due_months(self, today: date) -> list[date]:
        """The months a scheduled poll should look at on ``today``, oldest first."""
        return []

    def default_period(self, today: date) -> date:
        """The newest month that may be out on ``today``."""
        months = self.due_months(today)
        if not months:
            raise CustomsEtlError(f"{self.name} has no release calendar: give --period")
        return months[-1]

    def __repr__(self) -> str:
        return f"<publisher {self.name}>"
