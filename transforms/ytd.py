"""Year-to-date rules: which breaks of YTD(m) ≈ Σ months the batch's restatements explain.

The reconciliation itself is SQL over the warehouse and the batch (``warehouse.history``): per
published YTD(m), ``sum`` — YTD(m) ≈ Σ month(1..m), a combined January–February figure standing
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
TOLERANCE_KG = 1_000.0
TOLERANCE_SHARE = 0.001
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


def explain_breaks(
    after: pd.DataFrame,
    before: pd.DataFrame,
    own_ytd: set[tuple[str, str, str, int, int]],
    restated: pd.DataFrame,
) -> pd.DataFrame:
    """Mark breaks that the batch's restatements of earlier figures account for as explained.

    ``own_ytd`` holds (source, flow, line, year, through month) of the YTD figures the batch
    publishes. A break is explained only when all of these hold: (1) the YTD figure it tests
    is not one the batch publishes; (2) the same check ran and held before the batch (a check
    that could not run before — a month that was missing — is never explained); (3) its
    excess is at most what the batch restated on the figures the check adds up: the net change
    of the same partner (all partners for the world) in those slices. A restatement explains
    at most its own size on its own slice: +2 kg on July cannot excuse an August 2,000 t off
    its YTD.
    """
    after = after.copy()
    if after.empty or restated.empty:
        return after
    ident = ["check", "source", "flow", "commodity_code", "partner", "year", "through_month"]
    held_before = {
        tuple(r) for r in before.loc[before["excess_kg"] <= 0, ident].itertuples(index=False)
    }
    by_slice = _restated_by_slice(restated)

    def capacity(row: tuple) -> float:
        check, s, f, c, p, year, through, used = row
        total = 0.0
        for slice_key in _input_slices(check, used, s, f, c, year, through):
            per_partner = by_slice.get(slice_key, {})
            net = sum(per_partner.values()) if p == "WLD" else per_partner.get(p, 0.0)
            total += abs(net)
        return total

    explained = []
    for row in after[[*ident, "months_used", "excess_kg"]].itertuples(index=False):
        *key, used, excess = row
        _, s, f, c, _, year, through = key
        explained.append(
            bool(
                excess > 0
                and (s, f, c, year, through) not in own_ytd
                and tuple(key) in held_before
                and excess <= capacity((*key, used)) + 1e-6
            )
        )
    after["explained_by_revision"] = explained
    return after
