"""The canonical observation: one row = one published number, whatever the publisher.

Every normaliser returns exactly these columns so validation, loading and marts are written
once. ``grain`` says which breakdowns the document had (``partner,trade_mode``…), so sums never
mix an export split by trade mode with one that is not.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

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

BASES = ("month", "ytd", "range")
FLOWS = ("export", "import")
CURRENCIES = ("USD", "CNY")


def basis_for(period_start: date, period_end: date) -> str:
    """``month`` for one month, ``ytd`` for a January-to-month cumulative, else ``range``."""
    if period_start == period_end:
        return "month"
    return "ytd" if period_start.month == 1 and period_start.year == period_end.year else "range"


def conform(frame: pd.DataFrame) -> pd.DataFrame:
    """Order the columns canonically, adding absent optional ones as nulls."""
    out = frame.copy()
    for column in OBSERVATION_COLUMNS:
        if column not in out:
            out[column] = "total" if column == "grain" else None
    return out[list(OBSERVATION_COLUMNS)]
