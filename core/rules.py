"""Thresholds the checks, the marts and the reports share: each defined here, once.

The warehouse's SQL has the same rules as scalar macros (``warehouse/views/05_core_rules.sql``:
``core.ytd_tolerance_kg``, ``core.large_revision_kg``) so its queries need no Python text;
``tests`` check that both say the same.
"""

from __future__ import annotations

# A published year-to-date figure and the sum of its months may differ by GACC's rounding:
# max(1 t, 0.1 % of the YTD). Beyond it the figures contradict each other.
YTD_TOLERANCE_KG = 1_000.0
YTD_TOLERANCE_SHARE = 0.001

# A restatement of max(1 t, 5 %) of the figure it replaces is worth a person's look.
REVISION_FLAG_KG = 1_000.0
REVISION_FLAG_SHARE = 0.05

# An export offered as a full release of a month the warehouse does not hold yet must carry
# partners (and trade modes) that held at least this share of the previous complete month:
# a query filtered to a few partners, named as a full export, would otherwise become the
# month's world total.
FULL_EXPORT_MIN_SHARE = 0.75


def ytd_tolerance_kg(ytd_kg: float) -> float:
    return max(YTD_TOLERANCE_KG, YTD_TOLERANCE_SHARE * abs(ytd_kg))


# A publication whose figures are early vintages of another's series (the same keys), and how
# verified each is within a series: GACC's preliminary release prints the first figures of the
# monthly bulletin's rows; the bulletin's (verified) figures win over them whatever was loaded
# last. The warehouse's SQL says the same (``core.series_source``, ``core.source_rank``).
SERIES_OF = {"gacc_preliminary": "gacc_bulletin"}
LESS_VERIFIED = {"gacc_preliminary": 1}  # every other publication ranks 2


def series_source(source: str) -> str:
    return SERIES_OF.get(source, source)


def source_rank(source: str) -> int:
    return LESS_VERIFIED.get(source, 2)


# A row a publication prints of LAST year's year to date (GACC's preliminary release reprints the
# same period a year earlier beside this year's): GACC's current figure for it. When it differs
# from last year's months in the warehouse, last year was revised since they were loaded: a
# revision to record, never a reason to hold back this year's table.
LAST_YEAR_REPRINT_FLAG = "last_year_reprint"
