"""GACC's release calendar: when a month's figures are due, what a poll asks for, what is late."""

from __future__ import annotations

from datetime import date

import pytest

from customs_etl.core import calendar
from customs_etl.publishers.registry import publisher


@pytest.mark.parametrize(
    "today,newest",
    [
        (date(2025, 6, 8), date(2025, 4, 1)),  # May's figures come on 9 June
        (date(2025, 6, 9), date(2025, 5, 1)),
        (date(2025, 3, 6), date(2024, 12, 1)),  # January and February come together on 7 March
        (date(2025, 3, 7), date(2025, 2, 1)),
        (date(2026, 12, 7), date(2026, 10, 1)),
        (date(2026, 12, 8), date(2026, 11, 1)),
    ],
)
def test_the_preliminary_release_is_due_from_its_calendar_date(today: date, newest: date) -> None:
    assert calendar.newest_due("gacc_preliminary", today) == newest
    months = publisher("gacc_preliminary").due_months(today)
    assert months[-1] == newest and len(months) == 13


def test_a_month_is_late_only_after_the_english_pages_had_time() -> None:
    may = calendar.expected("gacc_preliminary", date(2025, 5, 1))
    assert may is not None and (may.on, may.calendar) == (date(2025, 6, 9), True)
    assert not may.late(date(2025, 6, 10)) and not may.late(date(2025, 6, 12))
    assert may.late(date(2025, 6, 13))
    january = calendar.expected("gacc_preliminary", date(2026, 1, 1))
    assert january is not None and january.on == date(2026, 3, 10) and january.note


def test_sources_without_a_calendar_use_their_usual_day_or_none() -> None:
    bulletin = calendar.expected("gacc_bulletin", date(2025, 7, 1))
    assert bulletin is not None and (bulletin.on, bulletin.calendar) == (date(2025, 8, 20), False)
    assert calendar.expected("comtrade", date(2025, 7, 1)) is None
    # beyond the published calendar (2027), the usual day stands in
    assert calendar.expected("gacc_preliminary", date(2027, 3, 1)).on == date(2027, 4, 10)
