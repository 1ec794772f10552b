"""The bundled sample: query-platform exports shipped inside the package (partly modeled).

It behaves like a source that has published every month of the sample range, so `run` and
`backfill` exercise the same path as live data. See ``sample_data/magnets/README.md``.
"""

from __future__ import annotations

from datetime import date
from importlib import resources
from pathlib import Path

from sources.base import RawDocument
from sources.landing import read_export
from transforms.file_names import hints_from_name

SAMPLE_SOURCE = "sample"


def sample_folder() -> Path:
    return Path(str(resources.files("sources") / "sample_data" / "magnets"))


def _exports() -> list[Path]:
    return sorted(p for p in sample_folder().glob("*.csv") if p.name != "manifest.csv")


def sample_months() -> list[date]:
    """Every month some sample document ends in."""
    return sorted({hints_from_name(p.name).period_end for p in _exports()} - {None})


def sample_documents(month: date) -> list[RawDocument]:
    """Documents released for ``month``: its monthly export, then cumulatives ending there."""
    chosen = [p for p in _exports() if hints_from_name(p.name).period_end == month]
    chosen.sort(key=lambda p: (hints_from_name(p.name).period_start != month, p.name))
    return [read_export(p, source=SAMPLE_SOURCE) for p in chosen]
