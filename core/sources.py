"""The names of the publications the warehouse holds, kept once.

A source's name is stored in every row (``core.observations.source``), names its publisher
folder and its GX release suite, and is compared by the transforms, the history checks and the
reports. Layers that may not import each other share the spelling through this module.
"""

from __future__ import annotations

GACC_QUERY = "gacc_query"  # the query platform's exports: tariff lines by partner and mode
GACC_BULLETIN = "gacc_bulletin"  # the English monthly bulletin's commodity table
GACC_PRELIMINARY = "gacc_preliminary"  # the preliminary release: the month's first figure
COMTRADE = "comtrade"  # UN Comtrade: China's reports and its partners' mirror figures
SAMPLE = "sample"  # the bundled, partly modeled demo series (never beside real releases)


def release_suite(source: str) -> str:
    """The GX suite each document of ``source`` is validated with."""
    return f"{source}_release"
