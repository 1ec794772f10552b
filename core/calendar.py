"""When each source's release of a month is expected: GACC's published calendar where there is
one, else the usual day — what the schedule polls for and what ``status`` calls late.

GACC publishes the next year's release calendar every December. The preliminary release's dates
for 2025 and 2026 (``reference/release_calendar.csv``, from GACC's calendar as the shared
reference gives it: ``../shared/reference/preliminary.md``) are the dates of the Chinese
release; the English pages follow 12–18 hours later, sometimes days, so a month is only *late*
a few days after its date. Where no calendar is known (the monthly bulletin about the 18th, the
query platform about the 20th of the next month) the usual day stands in, and says so; UN
Comtrade has no calendar (partners report when they report).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib import resources

from customs_etl.core.months import add_months

# Sources without a calendar: the day of the next month their release usually comes.
USUAL_DAY = {"gacc_preliminary": 10, "gacc_bulletin": 20, "gacc_query": 20}
GRACE_DAYS = {"gacc_preliminary": 3, "gacc_bulletin": 5, "gacc_query": 5}


@dataclass(frozen=True)
class Expected:
    """When a source's release of a month is expected, and how that is known."""

    source: str
    month: date
    on: date
    calendar: bool  # from GACC's published calendar (else the usual day)
    note: str = ""

    def due(self, today: date) -> bool:
        return today >= self.on

    def late_after(self) -> date:
        return self.on + timedelta(days=GRACE_DAYS.get(self.source, 5))

    def late(self, today: date) -> bool:
        """Past its date by more than the lag the English pages can have."""
        return today > self.late_after()


@cache
def _calendar() -> dict[tuple[str, date], tuple[date, str]]:
    text = (resources.files("customs_etl.core") / "reference" / "release_calendar.csv").read_text(
        encoding="utf-8"
    )
    found = {}
    for row in csv.DictReader(io.StringIO(text)):
        month = date.fromisoformat(row["month"] + "-01")
        found[(row["source"], month)] = (date.fromisoformat(row["published_on"]), row["note"])
    return found


def expected(source: str, month: date) -> Expected | None:
    """When ``source``'s release of ``month`` is expected; None for a source with no calendar
    and no usual day (UN Comtrade, the sample)."""
    key = (source, month.replace(day=1))
    if key in _calendar():
        on, note = _calendar()[key]
        return Expected(source, key[1], on, True, note)
    if source not in USUAL_DAY:
        return None
    following = add_months(key[1], 1)
    return Expected(source, key[1], following.replace(day=USUAL_DAY[source]), False)


def newest_due(source: str, today: date) -> date | None:
    """The newest month whose release of ``source`` is due on ``today``."""
    month = add_months(today.replace(day=1), -1)
    for _ in range(3):
        found = expected(source, month)
        if found is None:
            return None
        if found.due(today):
            return month
        month = add_months(month, -1)
    return month
