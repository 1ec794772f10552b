"""The frame the UN Comtrade release suite validates: observations plus derived columns, in SQL.

One row per observation of the batch (``release_id`` and ``source_row`` name its document and
row), with what the stock GX expectations of ``comtrade_release`` check: floats for the sign
checks (the observations stay exact), months ahead of today, the natural key counted per
document (the reporter is part of it: one pull holds many partners' reports), whether the row
is one of the two sides a pull asks for, World against the sum of partners on World rows (where
the release reports every partner), the unit value band per HS6 line (China's rows and
partners' rows apart), and the API's estimate flags as columns of their own.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from customs_etl.expectations.suites import (
    COMTRADE_VALIDATION_COLUMNS,
    UNIT_VALUE_BANDS_HS6,
    WORLD_TOLERANCE_KG,
    WORLD_TOLERANCE_SHARE,
    WORLD_TOLERANCE_USD,
)

BAND_MIN_KG = 1_000.0  # a few kilograms say nothing about price
CHINA = "CN"

_SQL = """
WITH obs AS (
    SELECT o.*, CAST(o.quantity_kg AS DOUBLE) AS kg, CAST(o.value_usd AS DOUBLE) AS usd
    FROM observations AS o
),
slices AS (
    SELECT release_id, reporter, flow, commodity_code, period_start, period_end, basis,
           max(kg) FILTER (WHERE partner = 'WLD') AS world_kg,
           max(usd) FILTER (WHERE partner = 'WLD') AS world_usd,
           count(*) FILTER (WHERE partner <> 'WLD') AS partner_rows,
           count(kg) FILTER (WHERE partner <> 'WLD') AS partner_kg_rows,
           count(usd) FILTER (WHERE partner <> 'WLD') AS partner_usd_rows,
           sum(kg) FILTER (WHERE partner <> 'WLD') AS partners_kg,
           sum(usd) FILTER (WHERE partner <> 'WLD') AS partners_usd
    FROM obs GROUP BY ALL
),
banded AS (
    SELECT o.*,
           CASE WHEN o.kg >= $min_kg AND o.usd IS NOT NULL THEN o.usd / o.kg END AS uv,
           b.low, b.high
    FROM obs AS o LEFT JOIN bands AS b USING (commodity_code)
)
SELECT
    o.release_id, o.source_row, o.reporter, o.flow, o.commodity_code, o.partner,
    o.source_partner_code, o.basis, o.currency, o.period_start,
    datediff('month', $this_month, o.period_end) + 1 AS months_ahead,
    o.kg AS quantity_kg_num,
    CAST(o.value AS DOUBLE) AS value_num,
    count(*) OVER (PARTITION BY o.release_id, o.source, o.reporter, o.flow, o.commodity_code,
                   o.source_partner_code, o.partner, o.trade_mode, o.region_code, o.grain,
                   o.period_start, o.period_end, o.basis) > 1 AS duplicate_key,
    coalesce((o.reporter = $china AND o.flow = 'export')
             OR (o.reporter <> $china AND o.flow = 'import' AND o.partner = $china), false)
        AS side_consistent,
    CASE WHEN o.partner = 'WLD' AND s.partner_rows > 0 AND s.partner_kg_rows = s.partner_rows
              AND s.world_kg IS NOT NULL
         THEN abs(s.world_kg - s.partners_kg)
              - greatest($tol_kg, $share * abs(s.world_kg)) END AS world_excess_kg,
    CASE WHEN o.partner = 'WLD' AND s.partner_rows > 0 AND s.partner_usd_rows = s.partner_rows
              AND s.world_usd IS NOT NULL
         THEN abs(s.world_usd - s.partners_usd)
              - greatest($tol_usd, $share * abs(s.world_usd)) END AS world_excess_usd,
    o.uv AS unit_value_usd_per_kg,
    CASE WHEN o.reporter = $china AND o.uv IS NOT NULL AND o.low IS NOT NULL
         THEN o.uv BETWEEN o.low AND o.high END AS unit_value_in_band_cn,
    CASE WHEN o.reporter <> $china AND o.uv IS NOT NULL AND o.low IS NOT NULL
         THEN o.uv BETWEEN o.low AND o.high END AS unit_value_in_band_partner,
    CASE WHEN o.flags IS NOT NULL
         THEN list_contains(string_split(o.flags, ';'), 'netwgt_estimated') END
        AS netwgt_estimated,
    CASE WHEN o.flags IS NOT NULL
         THEN list_contains(string_split(o.flags, ';'), 'qty_estimated') END AS qty_estimated
FROM banded AS o
LEFT JOIN slices AS s USING (release_id, reporter, flow, commodity_code, period_start,
                             period_end, basis)
ORDER BY o.release_id, o.source_row
"""


def comtrade_validation_frame(observations: pa.Table, today: date) -> pd.DataFrame:
    """The batch's Comtrade observations with the columns ``comtrade_release`` checks."""
    bands = pa.table(
        {
            "commodity_code": list(UNIT_VALUE_BANDS_HS6),
            "low": [lo for lo, _ in UNIT_VALUE_BANDS_HS6.values()],
            "high": [hi for _, hi in UNIT_VALUE_BANDS_HS6.values()],
        }
    )
    with duckdb.connect() as con:
        con.register("observations", observations)
        con.register("bands", bands)
        table = con.execute(
            _SQL,
            {
                "min_kg": BAND_MIN_KG,
                "this_month": today.replace(day=1),
                "china": CHINA,
                "tol_kg": WORLD_TOLERANCE_KG,
                "tol_usd": WORLD_TOLERANCE_USD,
                "share": WORLD_TOLERANCE_SHARE,
            },
        ).to_arrow_table()
    columns = [
        pc.dictionary_encode(column) if pa.types.is_string(column.type) else column
        for column in table.columns
    ]
    frame = pa.table(columns, names=table.column_names).to_pandas()
    assert tuple(frame.columns) == COMTRADE_VALIDATION_COLUMNS
    return frame
