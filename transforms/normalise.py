"""Query-platform export (publisher's terms) → canonical observations.

Quantities stay exact: ``quantity_kg`` is the published number times its unit's exact
``Decimal`` factor — never a float — and every unit must be known (``transforms.units``): an
unknown unit refuses the file naming the row and the unit. A line counted in pieces takes its
kilograms from the second quantity when that is a mass. Partner codes are GACC's own; we keep
them in ``source_partner_code`` and map them to ISO alpha-2 keys through the project's committed
table. A code the table does not know yet is kept as ``GACC-<code>`` with the name the export
gives (``partner_label``): the world total stays whole, and validation warns about it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd

from customs_etl.core import sources
from customs_etl.core.errors import ParseError
from customs_etl.core.partners import normalise_gacc_code, partner_for_gacc_code
from customs_etl.core.schema import basis_for, check_exact, conform
from customs_etl.core.text import clean_label
from customs_etl.core.units import Unit, unit_for
from customs_etl.transforms.query_export import MISSING_MARKS, QueryExport

UNKNOWN_PARTNER_PREFIX = "GACC-"


def _to_decimal(series: pd.Series) -> pd.Series:
    """Exact Decimals (ints and decimal text never pass through float); missing → None."""
    values = series.to_numpy(dtype=object, na_value=None)
    return pd.Series(
        [None if v is None else Decimal(v) for v in values], index=series.index, dtype=object
    )


def _units(export: QueryExport, column: str, field: str) -> dict[object, Unit | None]:
    """Each distinct unit text of ``column`` → its Unit (None for a missing-value mark).

    An unknown unit is a ``ParseError`` naming the first row that uses it.
    """
    rows = export.rows
    found: dict[object, Unit | None] = {}
    for text in rows[column].dropna().unique():
        if str(text).strip() in MISSING_MARKS:
            found[text] = None
            continue
        unit = unit_for(str(text))
        if unit is None:
            first = rows.loc[rows[column] == text, "source_row"].iloc[0]
            raise ParseError(
                export.name,
                f"unknown quantity unit {text!r}: not in GACC's unit list, "
                "so its kilograms cannot be known",
                row=int(first),
                field=field,
            )
        found[text] = unit
    return found


def _kilograms(quantity: pd.Series, unit_texts: pd.Series, units: dict) -> pd.Series:
    """Quantity × the unit's exact factor; None for non-mass units and missing quantities."""
    texts = unit_texts.to_numpy(dtype=object, na_value=None)
    factors = {t: (u.kg if u is not None and u.is_mass else None) for t, u in units.items()}
    return pd.Series(
        [
            q * factors[t] if q is not None and t is not None and factors.get(t) is not None
            else None
            for q, t in zip(quantity.tolist(), texts, strict=True)
        ],
        index=quantity.index,
        dtype=object,
    )


def _partner_keys(codes: pd.Series) -> pd.Series:
    """GACC code → partner key: ISO alpha-2 (or the table's GACC-nnn bucket); a code the table
    does not know yet becomes ``GACC-<code>`` rather than null (validation warns about it)."""
    lookup = {}
    for code in codes.dropna().unique():
        found = partner_for_gacc_code(str(code))
        lookup[code] = found.partner if found else UNKNOWN_PARTNER_PREFIX + str(code)
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
    source: str = sources.GACC_QUERY,
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
    out["source"] = source
    out["reporter"] = "CN"
    out["flow"] = flow
    out["commodity_code"] = rows.get("commodity_code", commodity_code)
    out["commodity_label"] = rows.get("commodity_name")
    if "partner_code" in rows:
        codes = rows["partner_code"].map(normalise_gacc_code, na_action="ignore").astype(object)
        out["source_partner_code"] = codes
        out["partner"] = _partner_keys(codes)
        names = rows.get("partner_name")
        out["partner_label"] = (
            names.map(clean_label, na_action="ignore").astype(object) if names is not None else None
        )
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
    kg = _kilograms(quantity, rows["unit"], _units(export, "unit", "unit"))
    flags = pd.Series("", index=rows.index, dtype=object)
    if "quantity2" in rows and "unit2" in rows:
        kg2 = _kilograms(
            _to_decimal(rows["quantity2"]), rows["unit2"], _units(export, "unit2", "unit2")
        )
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
    observations = conform(out.reset_index(drop=True))
    check_exact(observations, export.name)
    return observations
