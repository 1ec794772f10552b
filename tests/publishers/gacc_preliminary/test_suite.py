"""The preliminary release's own GX suite: saved JSON = code, found through the registry, a
real month passes, and every expectation is made to fail on purpose."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from customs_etl.core.models import RawDocument
from customs_etl.expectations.suites import load_suite, registered_suites, suite_json, suite_path
from customs_etl.expectations.validate import run_suite
from customs_etl.publishers.gacc_preliminary import RELEASE_SUITE, bundle
from customs_etl.publishers.registry import publisher
from tests.support.pipeline import prepared, validation_frame_of
from tests.support.preliminary_pages import page

TODAY = date(2026, 12, 6)
PRELIMINARY = publisher("gacc_preliminary")  # finding it registers its suite


def _doc() -> RawDocument:
    pages = {c: page(f"exports-2025-05-{c.lower()}.html") for c in ("CNY", "USD")}
    return RawDocument(name="preliminary-exports-2025-05.bundle", source="gacc_preliminary",
                       content=bundle.pack(pages), flow="export",
                       period_start=date(2025, 5, 1), period_end=date(2025, 5, 1))  # fmt: skip


def _frame() -> pd.DataFrame:
    return validation_frame_of(PRELIMINARY.parse(_doc()), TODAY)


def test_the_saved_suite_is_the_code_and_lives_in_the_publishers_folder() -> None:
    path = suite_path(RELEASE_SUITE)
    assert path == Path(PRELIMINARY.suite_file) and path.parent.name == "gacc_preliminary"
    assert RELEASE_SUITE in registered_suites()
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved == json.loads(json.dumps(suite_json(PRELIMINARY.build_suite())))
    assert len(load_suite(RELEASE_SUITE).expectations) == len(MUTATIONS) == 17


def _set(column: str, value: object, row: int = 1):
    def mutate(frame: pd.DataFrame) -> pd.DataFrame:
        frame[column] = frame[column].astype(object)
        frame.at[row, column] = value
        return frame

    return mutate


# One mutation per expectation, in suite order: each must fail its own expectation.
MUTATIONS = [
    ("expect_table_columns_to_match_set", None, lambda f: f.drop(columns=["currency"])),
    ("expect_column_values_to_not_be_null", "commodity_code", _set("commodity_code", None)),
    ("expect_column_values_to_match_regex", "commodity_code", _set("commodity_code", "85051110")),
    ("expect_column_values_to_not_be_null", "period_start", _set("period_start", None)),
    ("expect_column_values_to_be_between", "months_ahead", _set("months_ahead", 1)),
    ("expect_column_values_to_be_between", "period_span_months", _set("period_span_months", 12)),
    ("expect_column_values_to_be_in_set", "flow", _set("flow", "transit")),
    ("expect_column_values_to_be_in_set", "basis", _set("basis", "range")),
    ("expect_column_values_to_be_in_set", "currency", _set("currency", "EUR")),
    ("expect_column_values_to_be_between", "quantity_num", _set("quantity_num", -1.0)),
    ("expect_column_values_to_be_between", "quantity_kg_num", _set("quantity_kg_num", -1.0)),
    ("expect_column_values_to_be_in_set", "kg_or_non_mass", _set("kg_or_non_mass", False)),
    ("expect_column_values_to_not_be_null", "value_num", _set("value_num", None)),
    ("expect_column_values_to_be_between", "value_num", _set("value_num", -5.0)),
    ("expect_column_values_to_be_in_set", "duplicate_key", _set("duplicate_key", True)),
    ("expect_column_values_to_be_in_set", "partner", _set("partner", "US")),
    ("expect_column_values_to_be_between", "document_rows", _set("document_rows", 1_001)),
]


def test_a_real_month_passes_and_the_suite_order_is_the_mutation_order() -> None:
    report = run_suite(_frame(), RELEASE_SUITE)
    assert [c.expectation for c in report.checks if not c.success] == []
    configured = [(e.expectation_type, getattr(e, "column", None))
                  for e in load_suite(RELEASE_SUITE).expectations]  # fmt: skip
    assert configured == [(name, column) for name, column, _ in MUTATIONS]


@pytest.mark.parametrize(("name", "column", "mutate"), MUTATIONS,
                         ids=[f"{n}-{c}" for n, c, _ in MUTATIONS])  # fmt: skip
def test_each_expectation_can_fail(name: str, column: str | None, mutate) -> None:
    report = run_suite(mutate(_frame()), RELEASE_SUITE)
    assert (name, column) in {(c.expectation, c.column) for c in report.checks if not c.success}
    assert not report.success


def test_the_pipeline_validates_a_document_with_the_publishers_suite() -> None:
    batch = prepared(_doc(), today=TODAY)
    report = batch.report(_doc()).release
    assert batch.errors == {} and report.suite == RELEASE_SUITE
    assert report.expectation_count == 17 and batch.observations.num_rows == 93
