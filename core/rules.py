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
