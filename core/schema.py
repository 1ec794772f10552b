"""The canonical schema: one observation row = one published number, whatever the publisher.

Every publisher's parser returns exactly these columns so validation, loading and marts are
written once. ``grain`` says which breakdowns the document had (``partner,trade_mode``…), so
sums never mix an export split by trade mode with one that is not. The reconciliation columns
are the shape of the YTD history check (computed in SQL by ``warehouse.batch_history``, its
explained breaks decided by ``transforms.ytd``, validated by a GX suite).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any

from customs_etl.core.errors import ParseError

if TYPE_CHECKING:  # pandas and pyarrow are imported where frames and tables are made
    import pandas as pd
    import pyarrow as pa

OBSERVATION_COLUMNS: tuple[str, ...] = (
    "release_id",
    "source",
    "reporter",
    "flow",
    "commodity_code",
    "commodity_label",
    "partner",
    "source_partner_code",
    "trade_mode",
    "region_code",
    "grain",
    "period_start",
    "period_end",
    "basis",
    "quantity",
    "quantity_unit",
    "quantity_kg",
    "value",
    "currency",
    "value_usd",
    "value_cny",
    "flags",
    "source_row",
    "partner_label",
)

# What identifies one published number inside a release (and across vintages, minus release_id).
NATURAL_KEY: tuple[str, ...] = (
    "source",
    "flow",
    "commodity_code",
    "source_partner_code",
    "partner",
    "trade_mode",
    "region_code",
    "grain",
    "period_start",
    "period_end",
    "basis",
)

# Decimal columns are stored as DECIMAL(38, 12): 12 places after the point, 26 before it.
DECIMAL_COLUMNS: tuple[str, ...] = ("quantity", "quantity_kg", "value", "value_usd", "value_cny")
DECIMAL_SCALE = 12
DECIMAL_INTEGER_DIGITS = 26

# One row per published YTD figure checked against the months (``warehouse.batch_history``).
RECONCILIATION_COLUMNS: tuple[str, ...] = (
    "check",
    "source",
    "flow",
    "commodity_code",
    "partner",
    "year",
    "through_month",
    "ytd_kg",
    "months_kg",
    "months_used",
    "diff_kg",
    "tolerance_kg",
    "excess_kg",
    "explained_by_revision",
)

_DECIMAL_COLUMNS = ("quantity", "quantity_kg", "value", "value_usd", "value_cny")


@cache
def _observation_schema() -> pa.Schema:
    """The canonical observation as Arrow (what a batch hands the warehouse): exact decimals,
    dates. Built on first use: pyarrow (0.2 s with numpy) is not imported by reports."""
    import pyarrow as pa

    types = {"period_start": pa.date32(), "period_end": pa.date32(), "source_row": pa.int32()}
    types |= dict.fromkeys(_DECIMAL_COLUMNS, pa.decimal128(38, DECIMAL_SCALE))
    return pa.schema([pa.field(c, types.get(c, pa.string())) for c in OBSERVATION_COLUMNS])


def __getattr__(name: str) -> Any:
    """``OBSERVATION_SCHEMA``, built on first access (see ``_observation_schema``)."""
    if name == "OBSERVATION_SCHEMA":
        return _observation_schema()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


BASES = ("month", "ytd", "range")
FLOWS = ("export", "import")
CURRENCIES = ("USD", "CNY")


def basis_for(period_start: date, period_end: date) -> str:
    """``month`` for one month, ``ytd`` for a January-to-month cumulative, else ``range``."""
    if period_start == period_end:
        return "month"
    return "ytd" if period_start.month == 1 and period_start.year == period_end.year else "range"


def rows_of_releases(table: pa.Table, release_ids: Iterable[str]) -> pa.Table:
    """The rows of these documents. When that is every row (a batch where all documents
    passed: the usual case), the table itself: filtering copies every buffer, ~80 MiB for a
    batch of 270,000 rows, and a batch was copied four times on its way to the warehouse."""
    import pyarrow as pa
    import pyarrow.compute as pc

    ids = sorted(set(release_ids))
    if not ids:
        return table.schema.empty_table()
    keep = pc.is_in(table.column("release_id"), value_set=pa.array(ids, pa.string()))
    if pc.all(keep, skip_nulls=False).as_py():  # a null id is not kept: filter
        return table
    return table.filter(keep)


def to_arrow(frame: pd.DataFrame) -> pa.Table:
    """Exact hand-off of a pandas frame of observations: decimals stay decimals, dates dates.

    Missing values (None, NaN, NA) become nulls in one vectorised pass per column; Arrow builds
    the decimal and date arrays from the Python objects directly (never through float).
    """
    import pyarrow as pa

    schema = _observation_schema()
    arrays = [
        pa.array(frame[f.name].to_numpy(dtype=object, na_value=None), type=f.type) for f in schema
    ]
    return pa.Table.from_arrays(arrays, schema=schema)


def conform(frame: pd.DataFrame) -> pd.DataFrame:
    """Order the columns canonically, adding absent optional ones as nulls."""
    out = frame.copy()
    for column in OBSERVATION_COLUMNS:
        if column not in out:
            out[column] = "total" if column == "grain" else None
    return out[list(OBSERVATION_COLUMNS)]


def _fits(value: object) -> bool:
    """Whether an exact number has at most 12 places and 26 integer digits (zeros at the end of
    the fraction do not count: ``1.50000000000000`` is stored exactly as 1.5)."""
    if value is None or isinstance(value, int):
        return value is None or len(str(abs(value))) <= DECIMAL_INTEGER_DIGITS
    if not isinstance(value, Decimal):
        return True
    if not value.is_finite():  # NaN or infinity: never a published number
        return False
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    while exponent < 0 and len(digits) > 1 and digits[-1] == 0:
        digits, exponent = digits[:-1], exponent + 1
    return -exponent <= DECIMAL_SCALE and len(digits) + exponent <= DECIMAL_INTEGER_DIGITS


def check_exact(frame: pd.DataFrame, document: str) -> None:
    """Refuse a number the warehouse could not store exactly, before anything is loaded.

    Decimals are stored with 12 places: a quantity written with more (or converted to more by
    an exact unit factor) would be rounded or crash the load, so it is a ``ParseError`` that
    names the document, its row and the field instead.
    """
    for column in DECIMAL_COLUMNS:
        if column not in frame:
            continue
        values = frame[column].to_numpy(dtype=object)
        for position, value in enumerate(values):
            if not _fits(value):
                row = frame["source_row"].iloc[position] if "source_row" in frame else None
                raise ParseError(
                    document,
                    f"{value} cannot be stored exactly (at most {DECIMAL_SCALE} decimal places "
                    f"and {DECIMAL_INTEGER_DIGITS} digits before the point)",
                    row=None if row is None else int(row),
                    field=column,
                )
