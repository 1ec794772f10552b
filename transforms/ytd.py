"""Year-to-date rules: which breaks of YTD(m) ≈ Σ months the batch's restatements explain.

The reconciliation itself is SQL over the warehouse and the batch (``warehouse.batch_history``):
per published YTD(m), ``sum`` — YTD(m) ≈ Σ month(1..m), a combined January–February figure standing
in for the two months — and ``step`` — YTD(m) − YTD(m−1) ≈ month(m), which still works when
early months are missing; months compared only where they are all known, a partner with no row
in a present month having traded nothing; tolerance max(1 t, 0.1 %), as GACC's own sums differ
by rounding. What stays here, in pandas on its small result, is the rule that decides which
breaks are explained by what the batch restates (recorded and reported, not rejected). A break
in the batch's own YTD figure is never explained.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from customs_etl.core.schema import RECONCILIATION_COLUMNS as _RECONCILIATION

RECONCILIATION_COLUMNS = list(_RECONCILIATION)
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
_SLICE = ["source", "flow", "commodity_code", "period_start", "period_end", "basis"]
COMPLETE = "slice_complete"  # the slice has a full release: its world total is known


def _restated_by_slice(restated: pd.DataFrame) -> dict[tuple, dict[str, float]]:
    """(source, flow, line, start, end, basis) → partner → net kilograms restated."""
    found: dict[tuple, dict[str, float]] = {}
    for row in restated[[*_SLICE, "partner", "delta_kg"]].itertuples(index=False):
        *slice_key, partner, delta = row
        per_partner = found.setdefault(tuple(slice_key), {})
        per_partner[partner] = per_partner.get(partner, 0.0) + float(delta)
    return found


def _input_slices(check: str, used: str, s: str, f: str, c: str, year: int, through: int):
    """The slices whose figures a reconciliation row adds up (see ``reconcile_ytd``)."""
    def month(m: int) -> tuple:
        first = date(year, m, 1)
        return (s, f, c, first, first, "month")

    jan = date(year, 1, 1)
    if check == "step":
        return [(s, f, c, jan, date(year, through - 1, 1), "ytd"), month(through)]
    if used.startswith("Jan-Feb combined"):
        combined = [(s, f, c, jan, date(year, 2, 1), basis) for basis in ("ytd", "month")]
        return combined + [month(m) for m in range(3, through + 1)]
    return [month(m) for m in range(1, through + 1)]


IDENT = ["check", "source", "flow", "commodity_code", "partner", "year", "through_month"]


def _gaps(frame: pd.DataFrame) -> dict[tuple, float]:
    """Check → its signed gap, YTD minus the months it adds up (kg)."""
    gaps = frame["ytd_kg"].fillna(0).astype(float) - frame["months_kg"].astype(float)
    return {
        tuple(key): float(gap)
        for key, gap in zip(frame[IDENT].itertuples(index=False), gaps, strict=True)
    }


def unchanged_breaks(after: pd.DataFrame, before: pd.DataFrame) -> pd.Series:
    """Breaks that were there before the batch, at the same size: a published cumulative
    that an earlier revision left stale. They are not the batch's, and not news."""
    if after.empty:
        return pd.Series([], dtype=bool)
    earlier = _gaps(before[before["excess_kg"] > 0]) if not before.empty else {}
    now = _gaps(after)
    return pd.Series(
        [
            excess > 0 and key in earlier and abs(now[key] - earlier[key]) <= 1e-6
            for key, excess in zip(
                (tuple(k) for k in after[IDENT].itertuples(index=False)),
                after["excess_kg"],
                strict=True,
            )
        ],
        index=after.index,
    )


def explain_breaks(
    after: pd.DataFrame,
    before: pd.DataFrame,
    own_ytd: set[tuple[str, str, str, int, int]],
    restated: pd.DataFrame,
) -> pd.DataFrame:
    """Mark breaks that the batch's restatements of earlier figures account for as explained.

    ``own_ytd`` holds (source, flow, line, year, through month) of the YTD figures the batch
    publishes. A break in one of those is never explained. Otherwise a break is explained only
    when what the batch restated on the figures the check adds up (the net change of the same
    partner, all partners for the world, in those slices) accounts for it:
    * a check that ran and held before the batch: its whole excess;
    * a check that was already broken before (a cumulative an earlier revision left stale, now
      flagged by the marts): the change of its gap — an untouched stale cumulative is not the
      batch's doing, a batch that moves it further than it restated is;
    * a check that could not run before (a month was missing) is never explained.
    A restatement explains at most its own size on its own slice: +2 kg on July cannot excuse
    an August 2,000 t off its YTD.
    """
    after = after.copy()
    if after.empty:
        return after
    held_before = {
        tuple(r) for r in before.loc[before["excess_kg"] <= 0, IDENT].itertuples(index=False)
    }
    broken_before = _gaps(before[before["excess_kg"] > 0]) if not before.empty else {}
    now = _gaps(after)
    by_slice = _restated_by_slice(restated) if not restated.empty else {}

    def capacity(row: tuple) -> float:
        check, s, f, c, p, year, through, used = row
        total = 0.0
        for slice_key in _input_slices(check, used, s, f, c, year, through):
            per_partner = by_slice.get(slice_key, {})
            net = sum(per_partner.values()) if p == "WLD" else per_partner.get(p, 0.0)
            total += abs(net)
        return total

    explained = []
    for row in after[[*IDENT, "months_used", "excess_kg"]].itertuples(index=False):
        *key, used, excess = row
        key = tuple(key)
        _, s, f, c, _, year, through = key
        if excess <= 0 or (s, f, c, year, through) in own_ytd:
            explained.append(False)
        elif key in held_before:
            explained.append(bool(excess <= capacity((*key, used)) + 1e-6))
        elif key in broken_before:
            moved = abs(now[key] - broken_before[key])
            explained.append(bool(moved <= capacity((*key, used)) + 1e-6))
        else:
            explained.append(False)
    after["explained_by_revision"] = explained
    return after
