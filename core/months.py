"""Month arithmetic and GACC's calendar: one place, so every layer counts months alike.

Months are ``date`` objects on the first of the month. GACC publishes on Beijing time
(Asia/Shanghai, UTC+8, no daylight saving), so "today" for a release calendar is Shanghai's.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

from customs_etl.core.errors import CustomsEtlError

SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")


class NotAMonth(CustomsEtlError, ValueError):
    """A month argument that is not YYYY-MM: the CLI prints it as one line (CustomsEtlError),
    callers that validate arguments may still catch ValueError."""


def parse_month(text: str) -> date:
    """``YYYY-MM`` or ``YYYYMM`` → first day of that month."""
    match = re.fullmatch(r"(\d{4})-?(\d{2})", str(text).strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1:
        raise NotAMonth(f"{text!r} is not a month (YYYY-MM)")
    return date(int(match.group(1)), int(match.group(2)), 1)


def add_months(month: date, count: int) -> date:
    """The first day of the month ``count`` months after (or before) ``month``."""
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def months_between(start: date, end: date) -> int:
    """Whole months from ``start``'s month to ``end``'s (negative when ``end`` is earlier)."""
    return (end.year - start.year) * 12 + end.month - start.month


def month_range(start: str | date, end: str | date) -> list[date]:
    """Every month from ``start`` to ``end`` inclusive (YYYY-MM text or dates)."""
    first = start if isinstance(start, date) else parse_month(start)
    last = end if isinstance(end, date) else parse_month(end)
    if last < first:
        raise NotAMonth(f"--end {last:%Y-%m} is before --start {first:%Y-%m}")
    return [add_months(first, i) for i in range(months_between(first, last) + 1)]


def label(start: date | None, end: date | None) -> str:
    """``2025-07`` for one month, ``2025-01..2025-07`` for a span, ``?`` when unknown."""
    if start is None or end is None:
        return "?"
    first, last = f"{start:%Y-%m}", f"{end:%Y-%m}"
    return first if first == last else f"{first}..{last}"


def shanghai_today(now: datetime | None = None) -> date:
    """Today in Asia/Shanghai: GACC's calendar, whatever the machine's time zone."""
    moment = now or datetime.now(SHANGHAI)
    if moment.tzinfo is None:
        raise ValueError("shanghai_today needs an aware datetime")
    return moment.astimezone(SHANGHAI).date()


def last_complete_month(today: date) -> date:
    """The newest month that has ended on ``today``: the newest a publisher may have out."""
    return add_months(today.replace(day=1), -1)
