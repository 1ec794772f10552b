"""Reference for the coverage check, stated plainly in pandas (the pipeline does it in SQL in
``warehouse.batch_history.BatchHistory.coverage``; ``tests/warehouse/test_history_sql.py``
compares them).

Coverage: does a release carry everything the vintage it would replace carries?

A query-platform export can be filtered (one partner, one trade mode) and nothing in the file
says so. Loaded as a full release, a US-only July export would replace the whole July slice and
turn the world total into the US figure. So before a full release replaces a slice, the
partners and trade modes of the current vintage are compared with the release's: a release that
lacks any of them is refused with the list of what it lacks, and the person loading it decides
(``--partial``: it then updates only the cells it carries). A partial release must have the
same breakdown (grain) as the slice it updates, or its cells could not be matched. Pure pandas.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

SLICE = ["source", "flow", "commodity_code", "period_start", "period_end", "basis"]
_SHOWN = 5


@dataclass(frozen=True)
class CoverageGap:
    """One slice the release would shrink: what the current vintage has that it lacks."""

    period: str
    basis: str
    commodity_code: str
    missing_partners: tuple[str, ...]
    partners_held: int
    missing_trade_modes: tuple[str, ...]
    trade_modes_held: int

    def describe(self) -> str:
        parts = []
        if self.missing_partners:
            parts.append(_lacks(self.missing_partners, self.partners_held, "partner"))
        if self.missing_trade_modes:
            parts.append(_lacks(self.missing_trade_modes, self.trade_modes_held, "trade mode"))
        return f"{self.commodity_code} {self.basis} {self.period}: " + " and ".join(parts)


def _lacks(missing: tuple[str, ...], held: int, noun: str) -> str:
    shown = ", ".join(missing[:_SHOWN]) + (
        f" +{len(missing) - _SHOWN} more" if len(missing) > _SHOWN else ""
    )
    return f"lacks {len(missing)} of the {held} {noun}s it holds ({shown})"


def _period(start: object, end: object) -> str:
    first, last = f"{start:%Y-%m}", f"{end:%Y-%m}"
    return first if first == last else f"{first}..{last}"


def _values(frame: pd.DataFrame, column: str, drop: frozenset[str] = frozenset()) -> set[str]:
    return {str(v) for v in frame[column].dropna().unique() if str(v) not in drop}


def coverage_gaps(current: pd.DataFrame, release: pd.DataFrame) -> list[CoverageGap]:
    """Slices where the (full) ``release`` lacks partners or trade modes ``current`` carries.

    ``current`` is what ``core.latest`` holds for the slices (any others are ignored).
    """
    if current.empty or release.empty:
        return []
    gaps = []
    for key, incoming in release.groupby(SLICE, dropna=False, sort=True):
        held = current
        for column, value in zip(SLICE, key, strict=True):
            held = held[held[column] == value]
        if held.empty:
            continue
        partners_held = _values(held, "partner", frozenset({"WLD"}))
        modes_held = _values(held, "trade_mode")
        missing_partners = sorted(partners_held - _values(incoming, "partner", frozenset({"WLD"})))
        missing_modes = sorted(modes_held - _values(incoming, "trade_mode"))
        if missing_partners or missing_modes:
            gaps.append(
                CoverageGap(
                    period=_period(key[3], key[4]),
                    basis=str(key[5]),
                    commodity_code=str(key[2]),
                    missing_partners=tuple(missing_partners),
                    partners_held=len(partners_held),
                    missing_trade_modes=tuple(missing_modes),
                    trade_modes_held=len(modes_held),
                )
            )
    return gaps


def grain_mismatches(current: pd.DataFrame, release: pd.DataFrame) -> list[str]:
    """For a partial release: slices whose current breakdown differs from the release's."""
    if current.empty or release.empty:
        return []
    held = current[[*SLICE, "grain"]].drop_duplicates()
    incoming = release[[*SLICE, "grain"]].drop_duplicates()
    both = incoming.merge(held, on=SLICE, suffixes=("", "_held"))
    wrong = both[both["grain"] != both["grain_held"]]
    return [
        f"{r.commodity_code} {r.basis} {_period(r.period_start, r.period_end)}: the release is "
        f"by {r.grain}, the warehouse holds it by {r.grain_held}"
        for r in wrong.itertuples(index=False)
    ]
