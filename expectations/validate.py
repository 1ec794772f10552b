"""Run a saved GX suite once per batch and give each document its own report.

Great Expectations validates a pandas frame (its SQL path cannot read DuckDB). The frame is the
batch's canonical observations plus a few derived columns, built in SQL (``validation_frame``),
with ``release_id`` naming each row's document and ``source_row`` its line in that document.
A validation costs a fixed ~0.2 s whatever the size, so it runs once per batch: first with
GX's cheapest result format (pass or fail per expectation); then, only when something failed,
the failed expectations again with every failing row, which is how each failure is mapped back
to its document — one bad file is quarantined alone, with the rows and fields named.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import duckdb
import great_expectations as gx
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from great_expectations.data_context.types.base import ProgressBarsConfig

from customs_etl.core.models import CheckResult, SuiteReport
from customs_etl.core.units import unit_for
from customs_etl.expectations.suites import (
    UNIT_VALUE_BANDS_USD_PER_KG,
    UNIT_VALUE_MIN_KG,
    load_suite,
)

CNY_PER_USD_FOR_BANDS = 7.0  # only to place CNY exports in a USD plausibility band
_GX_LOCK = threading.Lock()  # GX contexts are not documented as thread-safe
_CONTEXT: dict[str, Any] = {}
MAX_ROWS_NAMED = 20
# Derived columns that say something of the whole document, not of its rows.
DOCUMENT_LEVEL = frozenset({"document_rows"})

# Derived validation columns → the field a person sees in the source file.
FIELD_OF_COLUMN = {
    "quantity_num": "quantity",
    "quantity_kg_num": "quantity",
    "value_num": "value",
    "unit_value_usd_per_kg": "value/quantity",
    "months_ahead": "period",
    "period_span_months": "period",
    "source_partner_code": "partner_code",
    "partner": "partner_code",
    "zero_quantity_with_value": "quantity",
    "kg_or_non_mass": "unit",
    "document_rows": "row_count (the export's rows: 10,000 means the platform cut it)",
    "duplicate_key": "key (rows not unique: the same partner, trade mode and month twice)",
}

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


def validation_frame(observations: pa.Table, today: date) -> pd.DataFrame:
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


def _batch_definition() -> Any:
    if "definition" not in _CONTEXT:
        context = gx.get_context(mode="ephemeral")
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
        asset = context.data_sources.add_pandas("frames").add_dataframe_asset("frame")
        _CONTEXT["definition"] = asset.add_batch_definition_whole_dataframe("whole")
    return _CONTEXT["definition"]


def _details(kwargs: dict[str, Any]) -> str:
    parts = []
    if kwargs.get("min_value") is not None:
        parts.append(f">= {kwargs['min_value']:g}")
    if kwargs.get("max_value") is not None:
        parts.append(f"<= {kwargs['max_value']:g}")
    if kwargs.get("regex"):
        parts.append(f"matching {kwargs['regex']}")
    if kwargs.get("column_list"):
        parts.append("unique on " + "/".join(kwargs["column_list"]))
    return " (" + ", ".join(parts) + ")" if parts else ""


def _severity(config: Any) -> str:
    raw = getattr(config, "severity", None) or config.meta.get("severity", "critical")
    return str(raw).split(".")[-1].lower()


def _run(frame: pd.DataFrame, suite: gx.ExpectationSuite, result_format: str) -> Any:
    with _GX_LOCK:
        batch = _batch_definition().get_batch(batch_parameters={"dataframe": frame})
        return batch.validate(suite, result_format={"result_format": result_format})


def _failing_rows(item: Any, size: int) -> list[int] | None:
    """Positions of the failing rows; None for a table-level expectation (no rows)."""
    outcome = item.result or {}
    if "unexpected_index_list" not in outcome:
        return None
    index = outcome.get("unexpected_index_list") or []
    if index and isinstance(index[0], dict):
        index = [next(iter(i.values())) for i in index]
    return [i for i in index if isinstance(i, int) and 0 <= i < size]


@dataclass
class BatchValidation:
    """One suite run over a batch: a report per document and GX's own result (Data Docs)."""

    suite: str
    reports: dict[str, SuiteReport]
    result: Any = field(repr=False)

    @property
    def success(self) -> bool:
        return all(r.success for r in self.reports.values())


def validate_batch(
    frame: pd.DataFrame,
    suite_name: str,
    documents: pd.Series | None = None,
    row_labels: pd.Series | None = None,
) -> BatchValidation:
    """Validate ``frame`` once with the saved suite and split the outcome per document.

    ``documents`` names each row's document (default: ``release_id``); ``row_labels`` its row
    in that document (default: ``source_row``, else the row's position).
    """
    suite = load_suite(suite_name)
    frame = frame.reset_index(drop=True)
    size = len(frame)
    docs = (documents if documents is not None else frame["release_id"]).reset_index(drop=True)
    labels = (
        row_labels.reset_index(drop=True)
        if row_labels is not None
        else frame["source_row"]
        if "source_row" in frame
        else pd.Series(range(size))
    )
    result = _run(frame, suite, "BOOLEAN_ONLY")
    failed = [i for i, item in enumerate(result.results) if not item.success]
    if failed:
        # Only what failed runs again, with every failing row: rare, and worth the details.
        again = gx.ExpectationSuite(
            name=suite_name,
            expectations=[suite.expectations[i].copy(update={"id": None}) for i in failed],
        )
        detailed = _run(frame, again, "COMPLETE")
        for i, item in zip(failed, detailed.results, strict=True):
            result.results[i] = item
    doc_list = docs.tolist()
    label_list = labels.tolist()
    names = list(dict.fromkeys(doc_list))
    checks: dict[str, list[CheckResult]] = {name: [] for name in names}
    for item in result.results:
        config = item.expectation_config
        kwargs = dict(config.kwargs)
        column = kwargs.get("column")
        common = {
            "expectation": config.type,
            "column": column,
            "field": FIELD_OF_COLUMN.get(column, column) if column else None,
            "severity": _severity(config),
            "details": _details(kwargs),
        }
        rows = None if item.success else _failing_rows(item, size)
        per_doc: dict[str, list[int]] = defaultdict(list)
        for position in rows or []:
            per_doc[doc_list[position]].append(int(label_list[position]))
        for name in names:
            if item.success or (rows is not None and name not in per_doc):
                checks[name].append(CheckResult(success=True, **common))
                continue
            found = sorted(per_doc.get(name, []))
            observed = (item.result or {}).get("observed_value") if rows is None else None
            if column in DOCUMENT_LEVEL:
                observed, found = len(found), []
            checks[name].append(
                CheckResult(
                    success=False,
                    unexpected_count=(len(found) or 1) if rows is not None else 1,
                    rows=found[:MAX_ROWS_NAMED],
                    observed=observed,
                    **common,
                )
            )
    count = len(suite.expectations)
    reports = {name: SuiteReport(suite_name, count, checks[name]) for name in names}
    return BatchValidation(suite_name, reports, result)


def validate(
    frame: pd.DataFrame, suite_name: str, row_labels: pd.Series | None = None
) -> tuple[SuiteReport, Any]:
    """One frame as one document: its report and GX's own result."""
    documents = pd.Series(["frame"] * len(frame))
    outcome = validate_batch(frame, suite_name, documents, row_labels)
    report = outcome.reports.get("frame") or SuiteReport(
        suite_name, len(load_suite(suite_name).expectations), []
    )
    return report, outcome.result


def run_suite(
    frame: pd.DataFrame, suite_name: str, row_labels: pd.Series | None = None
) -> SuiteReport:
    """Validate ``frame`` as one document with the saved suite."""
    return validate(frame, suite_name, row_labels)[0]
