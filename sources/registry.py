"""Source names the CLI and flows accept, and how to fetch a month from each."""

from __future__ import annotations

from datetime import date

from customs_etl.errors import CustomsEtlError
from sources.base import RawDocument
from sources.sample import sample_documents

SOURCES = ("sample",)


def documents_for_month(source: str, month: date) -> list[RawDocument]:
    """The documents ``source`` has released for ``month`` (empty: not published yet)."""
    if source == "sample":
        return sample_documents(month)
    raise CustomsEtlError(f"unknown source {source!r}; known: {', '.join(SOURCES)}")
