"""The values of a quarantined document's failing rows, read again from its stored bytes.

A validation report keeps each failing check's row numbers: ``source_row``, the line in the
document's file (line 1 is the header; for a bulletin, the row of its table) — the numbers the
GX Data Docs page of the release shows in its ``source_row`` column. The values are not kept a
second time: the document's publisher parses the stored bytes again, as the pipeline parsed
them, and the rows with those numbers are picked out, so a reviewer sees partner, kilograms and
dollars without opening the file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from customs_etl.core.errors import CustomsEtlError
from customs_etl.core.models import DocumentParser, RawDocument
from customs_etl.core.months import label
from customs_etl.core.partners import partner_names

ROW_MEANING = (
    "row = source_row, as the Data Docs page names it: the line in the file (line 1 is the "
    "header); in a bulletin, the row of its table"
)


@dataclass(frozen=True)
class RowValues:
    """One observation read from a failing row (a bulletin row can hold several)."""

    source_row: int
    commodity_code: str | None
    period: str
    partner: str | None
    partner_name: str | None
    partner_label: str | None
    source_partner_code: str | None
    trade_mode: str | None
    quantity: Decimal | None
    quantity_unit: str | None
    quantity_kg: Decimal | None
    value_usd: Decimal | None
    value_cny: Decimal | None


def _value(raw: Any) -> Any:
    """pandas' missing markers (None, NaN, NaT, <NA>) as None; everything else as it is."""
    if raw is None:
        return None
    try:
        return None if raw != raw else raw  # NaN and NaT are not equal to themselves
    except TypeError:  # pd.NA refuses a truth value
        return None


def _text(raw: Any) -> str | None:
    value = _value(raw)
    return None if value is None or value == "" else str(value)


def _decimal(raw: Any) -> Decimal | None:
    value = _value(raw)
    return None if value is None else Decimal(str(value))


def row_values(
    doc: RawDocument,
    parser_for: Callable[[str], DocumentParser],
    rows: Iterable[int],
) -> dict[int, list[RowValues]]:
    """Row number → the observations read from that row of ``doc`` (absent when it has none).

    Raises ``CustomsEtlError`` when the document does not parse (then there are no row
    numbers to look up either: its quarantine reason is the parse error).
    """
    wanted = set(rows)
    if not wanted:
        return {}
    frame = parser_for(doc.source).parse(doc)
    if "source_row" not in frame:
        raise CustomsEtlError(f"{doc.name}: its parser names no source rows")
    names = partner_names()
    found: dict[int, list[RowValues]] = {}
    for record in frame[frame["source_row"].isin(wanted)].to_dict("records"):
        partner = _text(record.get("partner"))
        number = int(record["source_row"])
        found.setdefault(number, []).append(
            RowValues(
                source_row=number,
                commodity_code=_text(record.get("commodity_code")),
                period=label(_value(record.get("period_start")), _value(record.get("period_end"))),
                partner=partner,
                partner_name=names.get(partner) if partner else None,
                partner_label=_text(record.get("partner_label")),
                source_partner_code=_text(record.get("source_partner_code")),
                trade_mode=_text(record.get("trade_mode")),
                quantity=_decimal(record.get("quantity")),
                quantity_unit=_text(record.get("quantity_unit")),
                quantity_kg=_decimal(record.get("quantity_kg")),
                value_usd=_decimal(record.get("value_usd")),
                value_cny=_decimal(record.get("value_cny")),
            )
        )
    return found
