"""What a publisher is to the pipeline: a name, its documents for a month, a parser, a suite.

Each publisher is one package under ``publishers/`` exporting one ``Publisher`` object as
``PUBLISHER``; ``publishers/registry.py`` finds the packages (nothing lists them). The pipeline
never asks "which source is this?": it asks the document's publisher to parse it and names the
GX suite the publisher declares. Its ``name`` is the package's name and the one spelling used
in documents (``RawDocument.source``) and in the warehouse (``source`` columns); the command
line also takes it with dashes (``gacc-bulletin``). A publisher may own its settings (a
``core.settings.SettingsGroup``) and its release suite (built in its package, saved as JSON
beside it: ``suite_file`` and ``build_suite``).

Swapping a live publisher for a recorded one is a setting, not code: the bulletin publisher
reads whatever site ``CUSTOMS_ETL_GACC_BULLETIN_URL`` names (a local copy in the tests), and the
sample publisher is the offline stand-in for query-platform exports.
"""

from __future__ import annotations

from collections.abc import MutableMapping, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from customs_etl.core.errors import BadArgument, CustomsEtlError
from customs_etl.core.models import RawDocument

if TYPE_CHECKING:  # parsing needs pandas; listing and naming a publisher do not
    import great_expectations as gx
    import pandas as pd
    import pyarrow as pa

    from customs_etl.core.settings import SettingsGroup

# Pages a run fetched to find the data (indexes), shared by the months of one run.
FetchCache = MutableMapping[Any, Any]
# The run's warehouse (``--warehouse`` or the setting), put in the cache by the flows: what a
# revision-driven publisher compares its source's dataset versions with.
WAREHOUSE_KEY = "warehouse"
# Lines a publisher wants in the run's notes (a page it skipped, and why), gathered in the cache
# under this key as "<source> <YYYY-MM> …: <what happened>"; the flows may move them to the run
# report (see README "GACC preliminary release").
NOTES_KEY = "notes"
# The run's ``--commodity`` filter as the publisher's own codes (``commodity_filter``), put in
# the cache by the flows; absent: everything the publisher pulls.
COMMODITIES_KEY = "commodities"


def add_note(cache: FetchCache, line: str) -> None:
    """Record one line for the run's notes (``NOTES_KEY``)."""
    cache.setdefault(NOTES_KEY, []).append(line)


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
    # It can narrow its pulls to some commodities (``--commodity``, ``commodity_filter``).
    filters_commodities: bool = False
    # Where it comes in a poll of several sources: the earliest release of a month first.
    poll_order: int = 100
    # Its own environment variables (read with ``core.settings.read_settings``), if any.
    settings_group: type[SettingsGroup] | None = None
    # Its own release suite saved as JSON in its package (None: a suite of expectations/).
    suite_file: Path | None = None

    @property
    def cli_name(self) -> str:
        """How the command line spells it (``gacc-bulletin``); the name itself is taken too."""
        return self.name.replace("_", "-")

    def build_suite(self) -> gx.ExpectationSuite:
        """The release suite built in code (what ``suite_file`` saves), for a publisher that
        owns its suite."""
        raise NotImplementedError(f"{self.name} has no suite of its own")

    def documents_for_month(self, month: date, cache: FetchCache) -> list[RawDocument]:
        """The documents released for ``month`` (plus archive-only pages fetched to find
        them); empty while the month is not published yet."""
        raise CustomsEtlError(
            f"{self.name} documents come as files: use `customs-etl ingest` or the landing "
            "folder"
        )

    def commodity_filter(self, wanted: Sequence[str]) -> tuple[str, ...]:
        """The source's own codes for ``--commodity`` values, checked (``BadArgument`` names
        what it takes); a publisher that cannot narrow its pulls refuses any."""
        raise BadArgument(f"--commodity: source {self.cli_name} cannot filter by commodity")

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
