"""Query-platform exports that a person downloaded: files on disk (the landing folder).

The platform puts a CAPTCHA on every query, so these files come from a browser. What the file
does not say (flow, tariff line, cumulative month range) comes from its name or the command line.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path

from customs_etl.core.errors import CustomsEtlError
from customs_etl.core.models import RawDocument
from customs_etl.publishers.gacc_query import NAME
from customs_etl.transforms.file_names import hints_from_name

QUERY_SOURCE = NAME


def read_export(
    path: Path,
    *,
    source: str = QUERY_SOURCE,
    flow: str | None = None,
    commodity_code: str | None = None,
    period_range: tuple[date, date] | None = None,
    partial: bool = False,
) -> RawDocument:
    """Read one export's bytes; explicit hints beat what the file name says."""
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise CustomsEtlError(f"{path}: cannot read ({exc.strerror or exc})") from None
    return export_document(
        path.name,
        content,
        url=path.resolve().as_uri(),
        source=source,
        flow=flow,
        commodity_code=commodity_code,
        period_range=period_range,
        partial=partial,
    )


def export_document(
    name: str,
    content: bytes,
    *,
    url: str | None,
    source: str = QUERY_SOURCE,
    flow: str | None = None,
    commodity_code: str | None = None,
    period_range: tuple[date, date] | None = None,
    partial: bool = False,
) -> RawDocument:
    """An export's bytes with the hints its name gives (explicit hints win). A name with the
    token ``partial`` (or ``partial=True``) marks a filtered export."""
    hints = hints_from_name(name)
    start, end = period_range or (hints.period_start, hints.period_end)
    return RawDocument(
        name=name,
        source=source,
        content=content,
        url=url,
        flow=flow or hints.flow,
        commodity_code=commodity_code or hints.commodity_code,
        period_start=start,
        period_end=end,
        coverage="partial" if partial or hints.partial else "full",
    )


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given; folders contribute their ``*.csv`` files, sorted by name."""
    found: list[Path] = []
    for item in map(Path, paths):
        if item.is_dir():
            found.extend(sorted(p for p in item.iterdir() if p.suffix.lower() == ".csv"))
        elif item.exists():
            found.append(item)
        else:
            raise CustomsEtlError(f"{item}: no such file")
    return found
