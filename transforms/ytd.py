"""Year-to-date reconciliation: does each published YTD(m) equal the sum of months 1..m?

Pure pandas on canonical observations (history already in the warehouse plus the incoming
batch). Months are compared where the history is complete: a month counts as present when any
observation covers it; a partner with no row in a present month had zero trade that month (the
platform omits empty rows). A combined January–February figure (basis ``ytd`` ending in
February) stands in for the two months when they are not published separately. Tolerance:
max(1 t, 0.1 %) — GACC's own sums differ by rounding.
"""

from __future__ import annotations

import pandas as pd

from transforms.observations import NATURAL_KEY

TOLERANCE_KG = 1_000.0
TOLERANCE_SHARE = 0.001
RECONCILIATION_COLUMNS = [
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
]
_SLICE = ["source", "flow", "commodity_code", "period_start", "period_end", "basis"]
_SERIES = ["source", "flow", "commodity_code", "partner"]


def supersede(history: pd.DataFrame, batch: pd.DataFrame) -> pd.DataFrame:
    """History as it will read once ``batch`` loads: the batch replaces whole slices."""
    if history.empty:
        return batch.copy()
    incoming = batch[_SLICE].drop_duplicates()
    kept = history.merge(incoming, on=_SLICE, how="left", indicator=True)
    kept = kept[kept["_merge"] == "left_only"].drop(columns="_merge")
    return pd.concat([kept[list(batch.columns)], batch], ignore_index=True)


def _with_world(frame: pd.DataFrame) -> pd.DataFrame:
    """Partner rows plus a ``WLD`` total per slice (sum of everything in the slice)."""
    frame = frame.assign(
        kg=pd.to_numeric(
            frame["quantity_kg"].map(lambda v: None if v is None else float(v)), errors="coerce"
        )
    )
    keys = [*_SLICE]
    world = frame.groupby(keys, dropna=False, as_index=False)["kg"].sum(min_count=1)
    world["partner"] = "WLD"
    partners = frame[frame["partner"].notna() & (frame["partner"] != "WLD")]
    partners = partners.groupby([*keys, "partner"], dropna=False, as_index=False)["kg"].sum(
        min_count=1
    )
    return pd.concat([world, partners], ignore_index=True)


def reconcile_ytd(observations: pd.DataFrame) -> pd.DataFrame:
    """One row per published YTD figure whose months are all known, with the gap to Σ months."""
    if observations.empty:
        return pd.DataFrame(columns=RECONCILIATION_COLUMNS)
    sums = _with_world(observations[[*NATURAL_KEY, "quantity_kg"]])
    sums["year"] = sums["period_end"].map(lambda d: d.year)
    months = sums[sums["basis"] == "month"]
    ytds = sums[sums["basis"] == "ytd"]
    present = {
        (s, f, c, d.year, d.month)
        for s, f, c, d in months[["source", "flow", "commodity_code", "period_start"]].itertuples(
            index=False
        )
    }
    month_kg = {
        (s, f, c, p, d.year, d.month): kg
        for s, f, c, p, d, kg in months[[*_SERIES, "period_start", "kg"]].itertuples(index=False)
    }
    jan_feb = {
        (s, f, c, p, y): kg
        for s, f, c, p, y, kg, start, end in ytds[
            [*_SERIES, "year", "kg", "period_start", "period_end"]
        ].itertuples(index=False)
        if start.month == 1 and end.month == 2
    }
    out = []
    for s, f, c, p, year, ytd_kg, end in ytds[[*_SERIES, "year", "kg", "period_end"]].itertuples(
        index=False
    ):
        through = end.month
        series, scope = (s, f, c, p), (s, f, c, year)
        if all((*scope, m) in present for m in range(1, through + 1)):
            first, base, used = 1, 0.0, f"months 1-{through}"
        elif (
            through > 2
            and (*series, year) in jan_feb
            and all((*scope, m) in present for m in range(3, through + 1))
        ):
            first, base, used = (
                3,
                jan_feb[(*series, year)],
                f"Jan-Feb combined + months 3-{through}",
            )
        else:
            continue
        total = base + sum(
            month_kg.get((*series, year, m), 0.0) or 0.0 for m in range(first, through + 1)
        )
        diff = abs((ytd_kg or 0.0) - total)
        tolerance = max(TOLERANCE_KG, TOLERANCE_SHARE * abs(ytd_kg or 0.0))
        out.append(
            [s, f, c, p, year, through, ytd_kg, total, used, diff, tolerance, diff - tolerance]
        )
    return pd.DataFrame(out, columns=RECONCILIATION_COLUMNS)
