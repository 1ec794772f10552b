"""Query-platform export (publisher's terms) → canonical observations.

Quantities stay exact: the platform publishes whole kilograms, so ``quantity_kg`` is the
published number times an exact ``Decimal`` factor — never a float. Partner codes are GACC's
own; we keep them in ``source_partner_code`` and map them to ISO alpha-2 keys through the
project's committed table (unknown codes stay null and fail validation, they are not guessed).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd

from customs_etl.errors import ParseError
from transforms.observations import basis_for, conform
from transforms.partners import partner_for_gacc_code
from transforms.query_export import QueryExport
from transforms.units import kg_factor


def _to_decimal(series: pd.Series) -> pd.Series:
    """Exact Decimals (ints and decimal text never pass through float); missing → None."""
    values = series.to_numpy(dtype=object, na_value=None)
    return pd.Series(
        [None if v is None else Decimal(v) for v in values], index=series.index, dtype=object
    )


def _kilograms(quantity: pd.Series, unit: pd.Series) -> pd.Series:
    """Quantity × the unit's exact factor; a file has a handful of units, so look each up once."""
    units = unit.to_numpy(dtype=object, na_value=None)
    factor_of = {u: kg_factor(None if u is None else str(u)) for u in set(units)}
    return pd.Series(
        [
            q * factor_of[u] if q is not None and factor_of[u] is not None else None
            for q, u in zip(quantity.tolist(), units, strict=True)
        ],
        index=quantity.index,
        dtype=object,
    )


def _partner_keys(codes: pd.Series) -> pd.Series:
    lookup = {}
    for code in codes.dropna().unique():
        found = partner_for_gacc_code(str(code))
        lookup[code] = found.partner if found else None
    return codes.map(lookup).astype(object)


def _period_dates(export: QueryExport) -> tuple[pd.Series, pd.Series]:
    rows = export.rows
    if export.monthly:
        firsts = {p: date(int(p[:4]), int(p[4:6]), 1) for p in rows["period"].unique()}
        months = rows["period"].map(firsts).astype(object)
        return months, months
    start = pd.Series([export.period_start] * len(rows), index=rows.index, dtype=object)
    end = pd.Series([export.period_end] * len(rows), index=rows.index, dtype=object)
    return start, end


def _bases(starts: pd.Series, ends: pd.Series) -> list[str]:
    pairs = list(zip(starts, ends, strict=True))
    basis_of = {pair: basis_for(*pair) for pair in set(pairs)}
    return [basis_of[pair] for pair in pairs]


def query_observations(
    export: QueryExport,
    *,
    release_id: str,
    flow: str,
    commodity_code: str | None = None,
) -> pd.DataFrame:
    """Canonical observations for one export; ``flow`` and a missing tariff line come from the
    ingest (file name or command line), because the file itself does not say them."""
    rows = export.rows
    if "commodity_code" not in rows and commodity_code is None:
        raise ParseError(
            export.name,
            "no 商品编码 column and no tariff line given: name the "
            "file …-85051110-… or pass --commodity",
        )
    out = pd.DataFrame(index=rows.index)
    out["release_id"] = release_id
    out["source"] = "gacc_query"
    out["reporter"] = "CN"
    out["flow"] = flow
    out["commodity_code"] = rows.get("commodity_code", commodity_code)
    out["commodity_label"] = rows.get("commodity_name")
    if "partner_code" in rows:
        out["source_partner_code"] = rows["partner_code"].astype(object)
        out["partner"] = _partner_keys(rows["partner_code"])
    else:
        out["source_partner_code"] = None
        out["partner"] = "WLD"
    out["trade_mode"] = (
        rows["trade_mode_code"].astype(object) if "trade_mode_code" in rows else None
    )
    out["region_code"] = rows["region_code"].astype(object) if "region_code" in rows else None
    out["grain"] = export.grain
    out["period_start"], out["period_end"] = _period_dates(export)
    out["basis"] = _bases(out["period_start"], out["period_end"])
    quantity = _to_decimal(rows["quantity"])
    out["quantity"] = quantity
    out["quantity_unit"] = rows["unit"].astype(object)
    kg = _kilograms(quantity, rows["unit"])
    flags = pd.Series("", index=rows.index, dtype=object)
    if "quantity2" in rows and "unit2" in rows:
        kg2 = _kilograms(_to_decimal(rows["quantity2"]), rows["unit2"])
        use_second = kg.isna() & kg2.notna()
        kg = kg.where(~use_second, kg2)
        flags = flags.where(~use_second, "kg_from_second_quantity")
    out["quantity_kg"] = kg
    value = _to_decimal(rows["value"])
    out["value"] = value
    out["currency"] = export.currency
    out["value_usd"] = value if export.currency == "USD" else None
    out["value_cny"] = value if export.currency == "CNY" else None
    missing_quantity = quantity.isna()
    flags = flags.where(~missing_quantity, "quantity_missing")
    out["flags"] = flags
    out["source_row"] = rows["source_row"].astype("int64")
    return conform(out.reset_index(drop=True))
