"""The validation frame as it was first written: one DuckDB statement (joins, a sort).

``expectations.validate.validation_frame`` now builds the same frame column-wise in Arrow and
numpy; ``tests/expectations/test_validation_frame.py`` checks the two agree on generated batches.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from customs_etl.core.units import unit_for
from customs_etl.expectations.suites import UNIT_VALUE_BANDS_USD_PER_KG, UNIT_VALUE_MIN_KG
from customs_etl.expectations.validate import CNY_PER_USD_FOR_BANDS

_KEY = (
    "o.release_id, o.source, o.flow, o.commodity_code, o.source_partner_code, o.partner,"
    " o.trade_mode, o.region_code, o.grain, o.period_start, o.period_end, o.basis"
)
_FRAME_SQL = f"""
WITH base AS (
    SELECT
        o.release_id, o.source_row, o.commodity_code, o.partner, o.source_partner_code,
        o.trade_mode, o.flow, o.basis, o.currency, o.period_start,
        o._q AS quantity_num,
        o._kg AS quantity_kg_num,
        o._v AS value_num,
        CASE WHEN o.commodity_code IN $banded AND o._kg >= $min_kg
             THEN coalesce(o._usd, o._cny / $cny_per_usd) / o._kg END AS unit_value_usd_per_kg,
        datediff('month', $this_month, o.period_end) + 1 AS months_ahead,
        datediff('month', o.period_start, o.period_end) AS period_span_months,
        coalesce(o._q = 0 AND o._v > 0, false) AS zero_quantity_with_value,
        (o._kg IS NOT NULL OR o._q IS NULL OR coalesce(u.non_mass, false)) AS kg_or_non_mass,
        o._q IS NOT NULL AS quantity_published,
        hash({_KEY}) AS key_hash
    FROM observations AS o
    LEFT JOIN units AS u ON u.unit_text = o.quantity_unit
),
-- A hash seen twice is checked on the key itself (below): a collision never quarantines.
repeated AS (SELECT key_hash FROM base GROUP BY key_hash HAVING count(*) > 1),
counts AS (SELECT release_id, count(*) AS document_rows FROM base GROUP BY release_id)
SELECT b.* EXCLUDE (key_hash), b.key_hash IN (SELECT key_hash FROM repeated) AS duplicate_key,
       c.document_rows
FROM base AS b JOIN counts AS c USING (release_id)
ORDER BY b.release_id, b.source_row
"""
_EXACT_DUPLICATES = f"""
SELECT o.release_id, o.source_row FROM observations AS o
QUALIFY count(*) OVER (PARTITION BY {_KEY}) > 1
"""
# Exact decimals → floats for the sign and band checks, in Arrow (DuckDB's DECIMAL(38, 12) to
# DOUBLE cast is ten times slower).
_FLOATS = {
    "_q": "quantity",
    "_kg": "quantity_kg",
    "_v": "value",
    "_usd": "value_usd",
    "_cny": "value_cny",
}


def reference_validation_frame(observations: pa.Table, today: date) -> pd.DataFrame:
    """The batch's observations plus the derived columns the release suites check, as pandas
    (``expectations.suites.VALIDATION_COLUMNS``: only what the rules read)."""
    texts = [t for t in set(observations.column("quantity_unit").to_pylist()) if t is not None]
    units = pa.table(
        {
            "unit_text": pa.array(texts, pa.string()),
            "non_mass": pa.array(
                [u is not None and not u.is_mass for u in map(unit_for, texts)], pa.bool_()
            ),
        }
    )
    for name, column in _FLOATS.items():
        floats = pc.cast(observations.column(column), pa.float64(), safe=False)
        observations = observations.append_column(name, floats)
    with duckdb.connect() as con:
        con.register("observations", observations)
        con.register("units", units)
        table = con.execute(
            _FRAME_SQL,
            {
                "banded": list(UNIT_VALUE_BANDS_USD_PER_KG),
                "min_kg": UNIT_VALUE_MIN_KG,
                "cny_per_usd": CNY_PER_USD_FOR_BANDS,
                "this_month": today.replace(day=1),
            },
        ).to_arrow_table()
        if pc.any(table.column("duplicate_key")).as_py():
            exact = set(con.execute(_EXACT_DUPLICATES).fetchall())
            pairs = zip(
                table.column("release_id").to_pylist(),
                table.column("source_row").to_pylist(),
                strict=True,
            )
            flags = pa.array([pair in exact for pair in pairs], pa.bool_())
            index = table.column_names.index("duplicate_key")
            table = table.set_column(index, "duplicate_key", flags)
    # Few distinct values per text column: as categories they reach pandas at a fraction of
    # the cost of one string object per row.
    columns = [
        pc.dictionary_encode(column)
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type)
        else column
        for column in table.columns
    ]
    return pa.table(columns, names=table.column_names).to_pandas()


