"""Brute-force references for what a report claims, computed the plainest way."""

from __future__ import annotations

from datetime import date

RECORD = "record"


def highest_and_lowest_since(
    totals: dict[date, float], month: date, previous: float | None
) -> tuple[str | None, str | None]:
    """("YYYY-MM" | "record" | None) for highest-since and lowest-since of ``month``.

    Highest only on a rise from ``previous`` (the month before), lowest only on a fall; the
    latest earlier month at least as high (at most as low), or "record" when there is none.
    """
    now = totals[month]
    earlier = [m for m in totals if m < month]
    high = low = None
    if previous is not None and now > previous:
        at_least = [m for m in earlier if totals[m] >= now]
        high = f"{max(at_least):%Y-%m}" if at_least else RECORD
    if previous is not None and now < previous:
        at_most = [m for m in earlier if totals[m] <= now]
        low = f"{max(at_most):%Y-%m}" if at_most else RECORD
    return high, low
