"""Caveats in words: why a claim the brief would make is not printed, said once each.

The marts decide every claim and list why one could not be made (``marts.series_months_of``:
claim, reason, period, line, partner). Several claims often fail for one reason — June being
covered only by a filtered export withholds the m/m change of the world and of every partner —
so caveats are grouped by their cause and each cause is one sentence naming what it withholds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from customs_etl.core.partners import partner_name
from customs_etl.reports.wording import join_names, month_name, with_article

CLAIM_WORDS = {
    "tonnes": "the total",
    "mom_pct": "the m/m change",
    "yoy_pct": "the y/y change",
    "ytd_tonnes": "the year to date",
    "ytd_yoy_pct": "the year-to-date change",
    "highest_since": '"highest since"',
    "lowest_since": '"lowest since"',
    "consecutive_rises": "rises in a row",
    "partners.mom_pct": "partners' m/m changes",
    "partners.yoy_pct": "partners' y/y changes",
}
CLAIM_ORDER = tuple(CLAIM_WORDS)


def _cause(caveat: dict[str, Any], reference: date, unit: str | None) -> str:
    """What is wrong, as a clause: 'June is covered only by a filtered (partial) export'."""
    reason, period = caveat["reason"], caveat["period"]
    when = month_name(period, reference) if period else "the month"
    line = f" (line {caveat['line']})" if caveat.get("line_shown") else ""
    if reason == "missing":
        return f"{when}{line} is not in the warehouse"
    if reason == "partial":
        return f"{when}{line} is covered only by a filtered (partial) export"
    if reason == "combined":
        return f"{when}{line} is published only as one combined figure"
    if reason == "no_quantity":
        who = caveat.get("partner")
        named = "the world row" if who in (None, "WLD") else with_article(partner_name(who))
        return f"{when}{line}: {named} published no quantity"
    if reason == "non_mass":
        counted = f"counted in {unit}" if unit else "counted in a unit that is not a mass"
        return f"{when}{line} is {counted}"
    if reason == "zero_base":
        return f"{when} was 0"
    if reason == "stale_cumulative":
        return (
            f"the published cumulative predates a revision of {when}{line}, so it still "
            "holds the old figure"
        )
    return f"{when}{line}: {reason}"


def caveat_sentences(
    caveats: Sequence[dict[str, Any]],
    reference: date,
    *,
    unit: str | None = None,
    show_lines: bool = False,
    known: Callable[[str], bool] = lambda claim: False,
) -> list[str]:
    """One sentence per cause. ``known(claim)``: the claim was made all the same (a stale
    cumulative replaced by the sum of the months, a like-for-like change over fewer lines),
    so the sentence says what the figure rests on instead of what is missing."""
    groups: dict[tuple, list[str]] = {}
    for caveat in caveats:
        key = (caveat["reason"], caveat["period"], caveat.get("line") if show_lines else None,
               caveat.get("partner"))  # fmt: skip
        groups.setdefault(key, [])
        if caveat["claim"] not in groups[key]:
            groups[key].append(caveat["claim"])
    out = []
    for (reason, period, line, partner), claims in groups.items():
        claims.sort(key=lambda c: CLAIM_ORDER.index(c) if c in CLAIM_ORDER else len(CLAIM_ORDER))
        cause = _cause(
            {"reason": reason, "period": period, "line": line, "partner": partner,
             "line_shown": show_lines and line is not None},
            reference,
            unit,
        )  # fmt: skip
        made = [c for c in claims if known(c)]
        withheld = [c for c in claims if not known(c)]
        parts = []
        if withheld:
            words = join_names([CLAIM_WORDS.get(c, c) for c in withheld])
            parts.append(f"Not stated: {words} ({cause}).")
        if made:
            words = join_names([CLAIM_WORDS.get(c, c) for c in made])
            verb = "rests" if len(made) == 1 else "rest"
            if reason == "stale_cumulative":
                parts.append(
                    f"{words[:1].upper() + words[1:]} is the sum of the months: {cause}."
                )
            else:
                parts.append(
                    f"{words[:1].upper() + words[1:]} {verb} on fewer lines: {cause}."
                )
        out.extend(parts)
    return out
