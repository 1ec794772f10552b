"""Run a saved GX suite on a DataFrame and summarise it for people and for the warehouse.

The summary names the failing rows by their line in the source file (``source_row``) so a
quarantine message reads like "row 7, field quantity: must be >= 0".
"""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

import great_expectations as gx
import numpy as np
import pandas as pd
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
}


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


def run_suite(
    frame: pd.DataFrame, suite_name: str, row_labels: pd.Series | None = None
) -> SuiteReport:
    """Validate ``frame`` with the saved suite; ``row_labels`` maps index → file row number."""
    return validate(frame, suite_name, row_labels)[0]


def validate(
    frame: pd.DataFrame, suite_name: str, row_labels: pd.Series | None = None
) -> tuple[SuiteReport, Any]:
    """The suite's report for people, and GX's own result (Data Docs render from it: one
    validation, not a second run)."""
    suite = load_suite(suite_name)
    frame = frame.reset_index(drop=True)
    with _GX_LOCK:
        batch = _batch_definition().get_batch(batch_parameters={"dataframe": frame})
        result = batch.validate(suite, result_format={"result_format": "COMPLETE"})
    labels = (
        row_labels.reset_index(drop=True)
        if row_labels is not None
        else pd.Series(range(len(frame)))
    )
    checks = []
    for item in result.results:
        config = item.expectation_config
        kwargs = dict(config.kwargs)
        outcome = item.result or {}
        index = outcome.get("unexpected_index_list") or []
        if index and isinstance(index[0], dict):
            index = [next(iter(i.values())) for i in index]
        rows = sorted({int(labels[i]) for i in index if isinstance(i, int) and i in labels})
        count = outcome.get("unexpected_count")
        if count is None:
            count = 0 if item.success else 1
        column = kwargs.get("column")
        checks.append(
            CheckResult(
                expectation=config.type,
                column=column,
                field=FIELD_OF_COLUMN.get(column, column) if column else None,
                severity=str(
                    getattr(config, "severity", None) or config.meta.get("severity", "critical")
                )
                .split(".")[-1]
                .lower(),
                success=bool(item.success),
                unexpected_count=int(count),
                rows=rows[:MAX_ROWS_NAMED],
                observed=outcome.get("observed_value"),
                details=_details(kwargs),
            )
        )
    report = SuiteReport(suite=suite_name, expectation_count=len(suite.expectations), checks=checks)
    return report, result


def _months_between(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


def query_validation_frame(observations: pd.DataFrame, today: date) -> pd.DataFrame:
    """Observations plus the derived columns the release suite checks."""
    frame = observations.copy()
    frame["quantity_num"] = _floats(frame["quantity"])
    frame["quantity_kg_num"] = _floats(frame["quantity_kg"])
    frame["value_num"] = _floats(frame["value"])
    usd = _floats(frame["value_usd"])
    cny = _floats(frame["value_cny"])
    usd = usd.fillna(cny / CNY_PER_USD_FOR_BANDS)
    banded = frame["commodity_code"].isin(list(UNIT_VALUE_BANDS_USD_PER_KG)) & (
        frame["quantity_kg_num"] >= UNIT_VALUE_MIN_KG
    )
    frame["unit_value_usd_per_kg"] = (usd / frame["quantity_kg_num"]).where(banded)
    this_month = today.replace(day=1)
    # A file holds a handful of distinct periods: compute per distinct value, then map.
    ahead = {
        d: _months_between(this_month, d) + 1 for d in set(frame["period_end"]) if d is not None
    }
    frame["months_ahead"] = frame["period_end"].map(ahead)
    pairs = list(zip(frame["period_start"], frame["period_end"], strict=True))
    spans = {
        pair: _months_between(*pair) if pair[0] is not None and pair[1] is not None else None
        for pair in set(pairs)
    }
    frame["period_span_months"] = [spans[pair] for pair in pairs]
    frame["zero_quantity_with_value"] = (frame["quantity_num"] == 0) & (frame["value_num"] > 0)
    non_mass = {
        text: unit is not None and not unit.is_mass
        for text in frame["quantity_unit"].dropna().unique()
        for unit in [unit_for(str(text))]
    }
    declared_non_mass = frame["quantity_unit"].map(non_mass).fillna(False).astype(bool)
    frame["kg_or_non_mass"] = (
        frame["quantity_kg"].notna() | frame["quantity"].isna() | declared_non_mass
    )
    return frame


def _floats(values: pd.Series) -> pd.Series:
    """Exact Decimals → float64 for sign and band checks only (missing → NaN), vectorised."""
    floats = values.to_numpy(dtype=object, na_value=np.nan).astype("float64")
    return pd.Series(floats, index=values.index)
