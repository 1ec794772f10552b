"""GX suites: saved JSON matches the code, expected counts, and every expectation can fail."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pandas as pd
import pytest

from customs_etl.core.schema import conform
from customs_etl.expectations.suites import (
    BUILDERS,
    BULLETIN_RELEASE_SUITE,
    COMTRADE_RELEASE_SUITE,
    QUERY_RELEASE_SUITE,
    YTD_HISTORY_SUITE,
    load_suite,
    suite_json,
    suite_path,
)
from customs_etl.expectations.validate import run_suite
from customs_etl.transforms.bulletin import bulletin_observations, parse_bulletin_table
from customs_etl.transforms.normalise import query_observations
from customs_etl.transforms.query_export import parse_query_export
from customs_etl.transforms.ytd import RECONCILIATION_COLUMNS
from tests.support import paths
from tests.support.exports import july_export
from tests.support.pipeline import validation_frame_of

FIXTURES = paths.FIXTURES
TODAY = date(2026, 11, 26)
EXPECTED_COUNTS = {QUERY_RELEASE_SUITE: 23, YTD_HISTORY_SUITE: 5, BULLETIN_RELEASE_SUITE: 14,
                   COMTRADE_RELEASE_SUITE: 21}


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_saved_suite_matches_code_and_loads_whole(name: str) -> None:
    saved = json.loads(suite_path(name).read_text(encoding="utf-8"))
    assert saved == json.loads(json.dumps(suite_json(BUILDERS[name]())))
    assert len(load_suite(name).expectations) == EXPECTED_COUNTS[name]


def _valid_frame() -> pd.DataFrame:
    export = parse_query_export(july_export(), "x.csv")
    obs = query_observations(export, release_id="r", flow="export")
    return validation_frame_of(obs, TODAY)


def test_valid_export_passes_every_expectation() -> None:
    report = run_suite(_valid_frame(), QUERY_RELEASE_SUITE)
    assert report.expectation_count == EXPECTED_COUNTS[QUERY_RELEASE_SUITE]
    assert [c.expectation for c in report.checks if not c.success] == []


def _set(column: str, value: object, row: int = 1):
    def mutate(frame: pd.DataFrame) -> pd.DataFrame:
        frame[column] = frame[column].astype(object)
        frame.at[row, column] = value
        return frame
    return mutate


# One mutation per expectation, in suite order: each must fail exactly its own expectation.
MUTATIONS = [
    ("expect_table_columns_to_match_set", None, lambda f: f.drop(columns=["currency"])),
    ("expect_column_values_to_be_between", "document_rows", _set("document_rows", 10_000)),
    ("expect_column_values_to_not_be_null", "commodity_code", _set("commodity_code", None)),
    ("expect_column_values_to_match_regex", "commodity_code", _set("commodity_code", "98010000")),
    ("expect_column_values_to_not_be_null", "period_start", _set("period_start", None)),
    ("expect_column_values_to_be_between", "months_ahead", _set("months_ahead", 1)),
    ("expect_column_values_to_be_between", "period_span_months", _set("period_span_months", 12)),
    ("expect_column_values_to_be_in_set", "flow", _set("flow", "transit")),
    ("expect_column_values_to_be_in_set", "basis", _set("basis", "quarter")),
    ("expect_column_values_to_be_in_set", "currency", _set("currency", "EUR")),
    ("expect_column_values_to_be_between", "quantity_num", _set("quantity_num", -1.0)),
    ("expect_column_values_to_be_between", "quantity_kg_num", _set("quantity_kg_num", -1.0)),
    ("expect_column_values_to_be_in_set", "kg_or_non_mass", _set("kg_or_non_mass", False)),
    ("expect_column_values_to_not_be_null", "value_num", _set("value_num", None)),
    ("expect_column_values_to_be_between", "value_num", _set("value_num", -5.0)),
    ("expect_column_values_to_be_in_set", "duplicate_key", _set("duplicate_key", True)),
    ("expect_column_values_to_match_regex", "source_partner_code",
     _set("source_partner_code", "50X")),
    ("expect_column_values_to_be_in_set", "source_partner_code",
     _set("source_partner_code", "888")),
    ("expect_column_values_to_not_be_null", "partner", _set("partner", None)),
    ("expect_column_values_to_be_between", "unit_value_usd_per_kg",
     _set("unit_value_usd_per_kg", 0.05)),
    ("expect_column_values_to_be_in_set", "trade_mode", _set("trade_mode", "77")),
    ("expect_column_values_to_be_in_set", "zero_quantity_with_value",
     _set("zero_quantity_with_value", True)),
    ("expect_column_values_to_be_in_set", "quantity_published", _set("quantity_published", False)),
]


def test_every_release_expectation_has_a_failing_case() -> None:
    suite = load_suite(QUERY_RELEASE_SUITE)
    configured = [(e.expectation_type, getattr(e, "column", None)) for e in suite.expectations]
    assert configured == [(name, column) for name, column, _ in MUTATIONS]


@pytest.mark.parametrize("name,column,mutate", MUTATIONS,
                         ids=[f"{n}-{c}" for n, c, _ in MUTATIONS])
def test_each_release_expectation_can_fail(name: str, column: str | None, mutate) -> None:
    report = run_suite(mutate(_valid_frame()), QUERY_RELEASE_SUITE)
    failed = {(c.expectation, c.column) for c in report.checks if not c.success}
    assert (name, column) in failed


def test_failures_name_source_rows() -> None:
    frame = _set("quantity_num", -1.0, row=2)(_valid_frame())
    report = run_suite(frame, QUERY_RELEASE_SUITE, row_labels=frame["source_row"])
    failure = report.critical_failures[0]
    assert failure.rows == [4] and "row 4" in failure.describe()
    assert "field quantity" in failure.describe()


def _reconciliation(excess: float, ytd: float = 10_000.0, *, explained: bool = False,
                    check: str = "sum") -> pd.DataFrame:
    row = [check, "gacc_query", "export", "85051110", "WLD", 2025, 7, ytd, ytd - 1, "months 1-7",
           1.0, 1000.0, excess, explained]
    return pd.DataFrame([row], columns=RECONCILIATION_COLUMNS)


@pytest.mark.parametrize("frame,failing,success", [
    (_reconciliation(-999.0), set(), True),
    (_reconciliation(5.0), {("excess_kg", "critical"), ("excess_kg", "warning")}, False),
    (_reconciliation(5.0, check="step"), {("excess_kg", "critical"), ("excess_kg", "warning")},
     False),
    (_reconciliation(5.0, explained=True), {("excess_kg", "warning")}, True),
    (_reconciliation(-999.0, ytd=-1.0), {("ytd_kg", "critical")}, False),
    (_reconciliation(-999.0, check="other"), {("check", "critical")}, False),
    (_reconciliation(-999.0).drop(columns=["months_used"]), {(None, "critical")}, False),
])
def test_each_history_expectation_can_fail(frame: pd.DataFrame, failing: set,
                                           success: bool) -> None:
    report = run_suite(frame, YTD_HISTORY_SUITE)
    assert {(c.column, c.severity) for c in report.checks if not c.success} == failing
    assert report.success == success


def test_decimal_columns_are_checked_as_numbers() -> None:
    export = parse_query_export(july_export(), "x.csv")
    obs = query_observations(export, release_id="r", flow="export")
    frame = _valid_frame()
    assert obs["quantity_kg"].map(type).eq(Decimal).all()  # exact in the observations ...
    assert frame["quantity_kg_num"].dtype.kind == "f"  # ... floats only for the sign checks
    assert frame["quantity_kg_num"].tolist() == [float(v) for v in obs["quantity_kg"]]


def _valid_bulletin_frame() -> pd.DataFrame:
    page = FIXTURES / "gacc_bulletin" / "table14-import-2026-01.html"
    table = parse_bulletin_table(page.read_bytes(), "http://127.0.0.1/table14.html")
    obs = conform(bulletin_observations(table, release_id="r"))
    return validation_frame_of(obs, TODAY)


# One mutation per bulletin expectation, in suite order.
BULLETIN_MUTATIONS = [
    ("expect_table_columns_to_match_set", None, lambda f: f.drop(columns=["currency"])),
    ("expect_column_values_to_match_regex", "commodity_code", _set("commodity_code", "85051110")),
    ("expect_column_values_to_not_be_null", "period_start", _set("period_start", None)),
    ("expect_column_values_to_be_between", "months_ahead", _set("months_ahead", 1)),
    ("expect_column_values_to_be_between", "period_span_months", _set("period_span_months", 12)),
    ("expect_column_values_to_be_in_set", "flow", _set("flow", "transit")),
    ("expect_column_values_to_be_in_set", "basis", _set("basis", "quarter")),
    ("expect_column_values_to_be_in_set", "currency", _set("currency", "EUR")),
    ("expect_column_values_to_be_between", "quantity_num", _set("quantity_num", -1.0)),
    ("expect_column_values_to_be_between", "quantity_kg_num", _set("quantity_kg_num", -1.0)),
    ("expect_column_values_to_be_in_set", "kg_or_non_mass", _set("kg_or_non_mass", False)),
    ("expect_column_values_to_be_between", "value_num", _set("value_num", -5.0)),
    ("expect_column_values_to_be_in_set", "duplicate_key", _set("duplicate_key", True)),
    ("expect_column_values_to_be_in_set", "partner", _set("partner", "US")),
]


def test_valid_bulletin_page_passes_and_every_expectation_has_a_failing_case() -> None:
    report = run_suite(_valid_bulletin_frame(), BULLETIN_RELEASE_SUITE)
    assert report.expectation_count == EXPECTED_COUNTS[BULLETIN_RELEASE_SUITE]
    assert [c.expectation for c in report.checks if not c.success] == []
    suite = load_suite(BULLETIN_RELEASE_SUITE)
    configured = [(e.expectation_type, getattr(e, "column", None)) for e in suite.expectations]
    assert configured == [(name, column) for name, column, _ in BULLETIN_MUTATIONS]


@pytest.mark.parametrize("name,column,mutate", BULLETIN_MUTATIONS,
                         ids=[f"{n}-{c}" for n, c, _ in BULLETIN_MUTATIONS])
def test_each_bulletin_expectation_can_fail(name: str, column: str | None, mutate) -> None:
    report = run_suite(mutate(_valid_bulletin_frame()), BULLETIN_RELEASE_SUITE)
    failed = {(c.expectation, c.column) for c in report.checks if not c.success}
    assert (name, column) in failed
    assert not report.success


@pytest.mark.parametrize("failing", [False, True], ids=["passing", "failing"])
def test_gx_keeps_no_validated_frame_after_the_run(failing: bool) -> None:
    """GX's engine kept the last frame it validated (~90 MiB for a 270,000-row batch) until the
    next validation, i.e. through the batch's whole load; a failing run validates twice. The
    suite validates its own copy, so what must be gone is any frame of this many rows."""
    import gc

    base = _valid_frame()
    frame = pd.concat([base] * (1 + 1009 // len(base)), ignore_index=True).head(1009)
    frame["source_row"] = range(2, 1011)
    if failing:
        frame = _set("quantity_num", -1.0, row=2)(frame)
    report = run_suite(frame, QUERY_RELEASE_SUITE)
    assert report.success is not failing
    del frame, base
    gc.collect()
    alive = [o for o in gc.get_objects() if isinstance(o, pd.DataFrame) and len(o) == 1009]
    assert alive == []
