"""The pandas reference for the YTD history checks (``warehouse.batch_history`` does them in SQL).

Kept in the tests as the plainest statement of the rules — supersede history with a batch,
reconcile each published YTD(m) with the months, list restatements — so that the SQL the
pipeline runs can be checked against it on generated histories.
"""

from __future__ import annotations

from collections.abc import Sequence, Set

import pandas as pd

from customs_etl.core.rules import REVISION_FLAG_KG, REVISION_FLAG_SHARE
from customs_etl.core.rules import YTD_TOLERANCE_KG as TOLERANCE_KG
from customs_etl.core.rules import YTD_TOLERANCE_SHARE as TOLERANCE_SHARE
from customs_etl.core.schema import NATURAL_KEY
from customs_etl.core.schema import RECONCILIATION_COLUMNS as _RECONCILIATION
from customs_etl.transforms.ytd import COMPLETE, REVISION_COLUMNS

RECONCILIATION_COLUMNS = list(_RECONCILIATION)
_SLICE = ["source", "flow", "commodity_code", "period_start", "period_end", "basis"]
_CELL = ["partner", "source_partner_code", "trade_mode", "region_code"]
_SERIES = ["source", "flow", "commodity_code", "partner"]


def supersede(history: pd.DataFrame, batch: pd.DataFrame, partial: bool = False) -> pd.DataFrame:
    """History as it will read once ``batch`` loads (what ``core.latest`` will then show).

    A full batch replaces whole slices. A partial batch (a filtered export) replaces only the
    cells (partner x trade mode x region) it carries, and its slices stay complete only where
    history already held a full release. ``slice_complete`` says which slices have a full
    release, i.e. whose world total is known.
    """
    batch = batch.copy()
    if history.empty:
        batch[COMPLETE] = not partial
        return batch
    history = history.copy()
    if COMPLETE not in history:
        history[COMPLETE] = True
    keys = _SLICE + (_CELL if partial else [])
    incoming = batch[keys].drop_duplicates()
    kept = history.merge(incoming, on=keys, how="left", indicator=True)
    kept = kept[kept["_merge"] == "left_only"].drop(columns="_merge")
    if partial:
        complete = history[[*_SLICE, COMPLETE]].drop_duplicates(_SLICE)
        batch = batch.merge(complete, on=_SLICE, how="left")
        batch[COMPLETE] = batch[COMPLETE].astype("boolean").fillna(False).astype(bool)
    else:
        batch[COMPLETE] = True
    columns = [*batch.columns]
    return pd.concat([kept[columns], batch[columns]], ignore_index=True)


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


def reconcile_ytd(
    observations: pd.DataFrame, skip: Set[tuple[str, str, str, int, int]] = frozenset()
) -> pd.DataFrame:
    """One row per published YTD figure whose months are all known, with the gap to Σ months.

    ``skip`` names cumulatives (source, flow, line, year, through month) that arbitrate
    nothing — stale ones (``stale_cumulatives``): they are left out as if unpublished."""
    if skip and not observations.empty:
        key = zip(
            observations["source"], observations["flow"], observations["commodity_code"],
            observations["period_end"].map(lambda d: d.year),
            observations["period_end"].map(lambda d: d.month), strict=True,
        )  # fmt: skip
        stale = [k in skip for k in key]
        observations = observations[~(pd.Series(stale, index=observations.index)
                                      & (observations["basis"] == "ytd"))]  # fmt: skip
    if COMPLETE in observations:  # months known only from filtered exports are not known
        observations = observations[observations[COMPLETE].astype(bool)]
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


def _world_kg(rows: pd.DataFrame) -> float | None:
    """A slice's world figure: its World row where it has one, else the sum of its rows."""
    if rows.empty:
        return None
    world = rows[rows["partner"] == "WLD"]
    kg = _kg(world if not world.empty else rows)
    return None if kg.isna().any() else float(kg.sum())


def stale_cumulatives(
    vintages: Sequence[tuple[pd.DataFrame, bool]],
) -> set[tuple[str, str, str, int, int]]:
    """Cumulatives in history that a month vintage loaded after them revised beyond tolerance.

    ``vintages`` are the releases in load order, each a frame (one ``release_id``) and whether
    it was partial. A YTD(Jan–m) is stale when some month ≤ m of its year was reloaded (by a
    full release) after it and the month's world figure now differs from what it was when the
    cumulative loaded by more than the YTD tolerance of the cumulative: it still holds the old
    month. Only rows of full releases count, as in ``warehouse/sql/stale_cumulatives.sql``.
    """
    seq = {frame["release_id"].iloc[0]: n for n, (frame, _) in enumerate(vintages)}
    full = {frame["release_id"].iloc[0] for frame, partial in vintages if not partial}

    def state_of(upto: int) -> pd.DataFrame:
        state = pd.DataFrame()
        for frame, partial in vintages[:upto]:
            state = supersede(state, frame, partial)
        return state

    state = state_of(len(vintages))
    if state.empty:
        return set()
    rows = state[state["release_id"].isin(full)].assign(seq=lambda f: f["release_id"].map(seq))
    slices = {key: part for key, part in rows.groupby(_SLICE, dropna=False)}
    stale = set()
    for (source, flow, code, start, end, basis), cumulative in slices.items():
        if basis != "ytd" or start.month != 1:
            continue
        cum_seq, cum_kg = cumulative["seq"].max(), _world_kg(cumulative)
        tolerance = max(TOLERANCE_KG, TOLERANCE_SHARE * abs(cum_kg or 0.0))
        for (s, f, c, m_start, m_end, m_basis), month in slices.items():
            if (s, f, c, m_basis) != (source, flow, code, "month") or m_start != m_end:
                continue
            if m_start.year != end.year or m_start > end or month["seq"].max() <= cum_seq:
                continue
            now = _world_kg(month)
            earlier = state_of(int(cum_seq))
            if earlier.empty:
                continue
            was = earlier[(earlier["source"] == s) & (earlier["flow"] == f)
                          & (earlier["commodity_code"] == c) & (earlier["basis"] == "month")
                          & (earlier["period_start"] == m_start)
                          & (earlier["period_end"] == m_end)]  # fmt: skip
            if was.empty or not was[COMPLETE].astype(bool).all():
                continue  # no full release covered the month before the cumulative
            before = _world_kg(was)
            if now is not None and before is not None and abs(now - before) > tolerance:
                stale.add((source, flow, code, end.year, end.month))
    return stale


def _kg(frame: pd.DataFrame) -> pd.Series:
    return pd.to_numeric(
        frame["quantity_kg"].map(lambda v: None if v is None else float(v)), errors="coerce"
    )


def revisions(
    history: pd.DataFrame,
    batch: pd.DataFrame,
    flag_kg: float = REVISION_FLAG_KG,
    flag_share: float = REVISION_FLAG_SHARE,
    partial: bool = False,
) -> pd.DataFrame:
    """Figures the batch restates: per slice already in history and partner, old vs new kg.

    "New" is history as it reads after the batch (``supersede``), so a full batch that no
    longer carries a partner restates it to 0 (how a filtered export over a full one shows up)
    and a partner it adds is restated from 0, while a partial batch restates only what it
    carries. ``large`` marks a change beyond max(``flag_kg``, ``flag_share`` × old).
    """
    if history.empty or batch.empty:
        return pd.DataFrame(columns=REVISION_COLUMNS)
    keys = [*_SLICE, "partner"]
    touched = batch[_SLICE].drop_duplicates()
    before = history.merge(touched, on=_SLICE)
    if before.empty:
        return pd.DataFrame(columns=REVISION_COLUMNS)
    after = supersede(history, batch, partial).merge(before[_SLICE].drop_duplicates(), on=_SLICE)

    def per_partner(frame: pd.DataFrame) -> pd.DataFrame:
        return (
            frame.assign(kg=_kg(frame))
            .groupby(keys, dropna=False, as_index=False)["kg"]
            .sum(min_count=1)
        )

    both = per_partner(before).merge(
        per_partner(after), on=keys, how="outer", suffixes=("_old", "_new")
    )
    both["kg_old"] = both["kg_old"].fillna(0.0)
    both["kg_new"] = both["kg_new"].fillna(0.0)
    both = both[(both["kg_old"] - both["kg_new"]).abs() > 1e-9]
    delta = both["kg_new"] - both["kg_old"]
    out = both[[*_SLICE[:3], "partner", *_SLICE[3:]]].copy()
    out["old_kg"] = both["kg_old"]
    out["new_kg"] = both["kg_new"]
    out["delta_kg"] = delta
    out["delta_pct"] = (delta / both["kg_old"].where(both["kg_old"] != 0)) * 100
    out["large"] = delta.abs() > (both["kg_old"].abs() * flag_share).clip(lower=flag_kg)
    return out[REVISION_COLUMNS].reset_index(drop=True)


