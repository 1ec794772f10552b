"""Year-to-date reconciliation: does each published YTD(m) equal the sum of months 1..m?

Pure pandas on canonical observations (history already in the warehouse plus the incoming
batch). Months are compared where the history is complete: a month counts as present when any
observation covers it; a partner with no row in a present month had zero trade that month (the
platform omits empty rows). A combined January–February figure (basis ``ytd`` ending in
February) stands in for the two months when they are not published separately. Tolerance:
max(1 t, 0.1 %) — GACC's own sums differ by rounding.

Two checks per published YTD(m): ``sum`` — YTD(m) ≈ Σ month(1..m) — and ``step`` —
YTD(m) − YTD(m−1) ≈ month(m), which still works when early months are missing. A break that
appears only because the incoming release revises an earlier figure (a re-published page, a
restated month) is *explained*: recorded and reported, not rejected. A break in the release's
own YTD figure is never explained.
"""

from __future__ import annotations

import pandas as pd

from transforms.observations import NATURAL_KEY

TOLERANCE_KG = 1_000.0
TOLERANCE_SHARE = 0.001
RECONCILIATION_COLUMNS = [
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
]
REVISION_COLUMNS = [
    "source",
    "flow",
    "commodity_code",
    "partner",
    "period_start",
    "period_end",
    "basis",
    "old_kg",
    "new_kg",
    "delta_kg",
    "delta_pct",
    "large",
]
REVISION_FLAG_KG = 1_000.0
REVISION_FLAG_SHARE = 0.05  # a restatement of 5 % (and ≥ 1 t) is worth a person's look
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
    frame = frame.assign(kg=_kg(frame))
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
    ytd_kg_of = {
        (s, f, c, p, y, end.month): kg
        for s, f, c, p, y, kg, end in ytds[[*_SERIES, "year", "kg", "period_end"]].itertuples(
            index=False
        )
    }
    ytd_present = {
        (s, f, c, d.year, d.month)
        for s, f, c, d in ytds[["source", "flow", "commodity_code", "period_end"]].itertuples(
            index=False
        )
    }
    out = []

    def add(
        check: str,
        key: tuple,
        year: int,
        through: int,
        ytd_kg: float | None,
        total: float,
        used: str,
    ) -> None:
        diff = abs((ytd_kg or 0.0) - total)
        tolerance = max(TOLERANCE_KG, TOLERANCE_SHARE * abs(ytd_kg or 0.0))
        out.append(
            [
                check,
                *key,
                year,
                through,
                ytd_kg,
                total,
                used,
                diff,
                tolerance,
                diff - tolerance,
                False,
            ]
        )

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
            first = 0
        if first:
            total = base + sum(
                month_kg.get((*series, year, m), 0.0) or 0.0 for m in range(first, through + 1)
            )
            add("sum", series, year, through, ytd_kg, total, used)
        if through > 1 and (*scope, through - 1) in ytd_present and (*scope, through) in present:
            total = (ytd_kg_of.get((*series, year, through - 1), 0.0) or 0.0) + (
                month_kg.get((*series, year, through), 0.0) or 0.0
            )
            add(
                "step",
                series,
                year,
                through,
                ytd_kg,
                total,
                f"YTD 1-{through - 1} + month {through}",
            )
    return pd.DataFrame(out, columns=RECONCILIATION_COLUMNS)


def _kg(frame: pd.DataFrame) -> pd.Series:
    return pd.to_numeric(
        frame["quantity_kg"].map(lambda v: None if v is None else float(v)), errors="coerce"
    )


def revisions(
    history: pd.DataFrame,
    batch: pd.DataFrame,
    flag_kg: float = REVISION_FLAG_KG,
    flag_share: float = REVISION_FLAG_SHARE,
) -> pd.DataFrame:
    """Figures the batch restates: same slice and partner already in history, other kilograms.

    ``large`` marks a change beyond max(``flag_kg``, ``flag_share`` × old): the run report
    flags those for a person.
    """
    if history.empty or batch.empty:
        return pd.DataFrame(columns=REVISION_COLUMNS)
    keys = [*_SLICE, "partner"]
    old = (
        history.assign(kg=_kg(history))
        .groupby(keys, dropna=False, as_index=False)["kg"]
        .sum(min_count=1)
    )
    new = (
        batch.assign(kg=_kg(batch))
        .groupby(keys, dropna=False, as_index=False)["kg"]
        .sum(min_count=1)
    )
    # Only slices the batch re-publishes; a partner the new vintage no longer carries went to 0
    # (how a partner-filtered export over a full one shows up: large negative revisions).
    restated_slices = new[_SLICE].drop_duplicates()
    old = old.merge(restated_slices, on=_SLICE)
    both = old.merge(new, on=keys, how="outer", suffixes=("_old", "_new"))
    both = both[both["kg_old"].notna()]
    both["kg_new"] = both["kg_new"].fillna(0.0)
    both = both[(both["kg_old"] - both["kg_new"]).abs() > 1e-9]
    delta = both["kg_new"] - both["kg_old"]
    out = pd.DataFrame(
        {
            **{
                k: both[k]
                for k in [
                    "source",
                    "flow",
                    "commodity_code",
                    "partner",
                    "period_start",
                    "period_end",
                    "basis",
                ]
            },
            "old_kg": both["kg_old"],
            "new_kg": both["kg_new"],
            "delta_kg": delta,
            "delta_pct": (delta / both["kg_old"].where(both["kg_old"] != 0)) * 100,
        }
    )
    out["large"] = delta.abs() > (both["kg_old"].abs() * flag_share).clip(lower=flag_kg)
    return out[REVISION_COLUMNS].reset_index(drop=True)


def explain_breaks(
    after: pd.DataFrame, before: pd.DataFrame, batch: pd.DataFrame, restated: pd.DataFrame
) -> pd.DataFrame:
    """Mark breaks caused only by the batch's restatements of earlier figures as explained.

    A break is explained when (1) the YTD figure it tests is not one the batch publishes,
    (2) the batch restates a figure of the same line and year within its months, and (3) the
    same check held before the batch. Everything else stays a critical break.
    """
    after = after.copy()
    if after.empty or restated.empty:
        return after
    ident = ["check", "source", "flow", "commodity_code", "partner", "year", "through_month"]
    held_before = {
        tuple(r) for r in before.loc[before["excess_kg"] <= 0, ident].itertuples(index=False)
    }
    known_before = {tuple(r) for r in before[ident].itertuples(index=False)}
    own_ytd = {
        (s, f, c, end.year, end.month)
        for s, f, c, end in batch.loc[
            batch["basis"] == "ytd", ["source", "flow", "commodity_code", "period_end"]
        ].itertuples(index=False)
    }
    restated_months: dict[tuple, int] = {}
    for s, f, c, end in restated[["source", "flow", "commodity_code", "period_end"]].itertuples(
        index=False
    ):
        key = (s, f, c, end.year)
        restated_months[key] = min(restated_months.get(key, 13), end.month)
    explained = []
    for row in after[[*ident, "excess_kg"]].itertuples(index=False):
        check, s, f, c, p, year, through, excess = row
        ident_key = (check, s, f, c, p, year, through)
        explained.append(
            bool(
                excess > 0
                and (s, f, c, year, through) not in own_ytd
                and restated_months.get((s, f, c, year), 13) <= through
                and (ident_key in held_before or ident_key not in known_before)
            )
        )
    after["explained_by_revision"] = explained
    return after
