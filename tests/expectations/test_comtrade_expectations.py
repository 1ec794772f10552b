"""The UN Comtrade release suite: saved JSON loads whole, a valid pull passes, each expectation
fails on its own case, the derived columns fail on real mistakes in pages, and a suite that
loads with no expectations is an error."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from customs_etl.core.models import RawDocument
from customs_etl.core.schema import to_arrow
from customs_etl.expectations.comtrade_frame import comtrade_validation_frame
from customs_etl.expectations.suites import COMTRADE_RELEASE_SUITE, load_suite, suite_path
from customs_etl.expectations.validate import run_suite
from customs_etl.pipeline.prepare import prepare_batch
from customs_etl.publishers.comtrade import PUBLISHER
from customs_etl.transforms.comtrade import Page, bundle_pages, comtrade_observations
from tests.support.comtrade_records import FIXTURES, envelope, record

TODAY = date(2026, 11, 26)
CHINA = json.loads((FIXTURES / "china-exports-202503.json").read_text())
PARTNERS = json.loads((FIXTURES / "partners-imports-202503.json").read_text())
URL = "http://127.0.0.1:9/public/v1/preview/C/M/HS"


def _bundle(*pages: dict) -> bytes:
    return bundle_pages([Page(f"{URL}?p={i}", json.dumps(p).encode()) for i, p in enumerate(pages)])


def _frame(*pages: dict) -> pd.DataFrame:
    obs = comtrade_observations(_bundle(*pages), "doc.json", "rid")
    return comtrade_validation_frame(to_arrow(obs), TODAY)


def _failed(report) -> set[tuple[str, str | None, str]]:
    return {(c.expectation, c.column, c.severity) for c in report.checks if not c.success}


def test_saved_suite_loads_whole_and_a_valid_pull_passes_everything() -> None:
    suite = load_suite(COMTRADE_RELEASE_SUITE)
    assert len(suite.expectations) == len(MUTATIONS) == 21
    report = run_suite(_frame(CHINA, PARTNERS), COMTRADE_RELEASE_SUITE)
    assert _failed(report) == set()


def _set(column: str, value: object, row: int = 1):
    def mutate(frame: pd.DataFrame) -> pd.DataFrame:
        frame[column] = frame[column].astype(object)
        frame.at[row, column] = value
        return frame

    return mutate


def _on_world(column: str, value: object):
    def mutate(frame: pd.DataFrame) -> pd.DataFrame:
        frame[column] = frame[column].astype(object)
        frame.loc[frame["partner"] == "WLD", column] = value
        return frame

    return mutate


# One mutation per expectation, in suite order: each must fail exactly its own expectation.
MUTATIONS = [
    ("expect_table_columns_to_match_set", None, lambda f: f.drop(columns=["currency"])),
    ("expect_column_values_to_be_in_set", "commodity_code", _set("commodity_code", "999999")),
    ("expect_column_values_to_not_be_null", "period_start", _set("period_start", None)),
    ("expect_column_values_to_be_between", "months_ahead", _set("months_ahead", 1)),
    ("expect_column_values_to_be_in_set", "flow", _set("flow", "transit")),
    ("expect_column_values_to_be_in_set", "basis", _set("basis", "ytd")),
    ("expect_column_values_to_be_in_set", "currency", _set("currency", "EUR")),
    ("expect_column_values_to_be_between", "quantity_kg_num", _set("quantity_kg_num", -1.0)),
    ("expect_column_values_to_not_be_null", "value_num", _set("value_num", None)),
    ("expect_column_values_to_be_between", "value_num", _set("value_num", -5.0)),
    ("expect_column_values_to_be_in_set", "duplicate_key", _set("duplicate_key", True)),
    ("expect_column_values_to_be_in_set", "side_consistent", _set("side_consistent", False)),
    ("expect_column_values_to_not_be_null", "partner", _set("partner", None)),
    ("expect_column_values_to_be_in_set", "source_partner_code",
     _set("source_partner_code", "123456")),
    ("expect_column_values_to_be_in_set", "reporter", _set("reporter", "ZZ")),
    ("expect_column_values_to_be_between", "world_excess_kg", _on_world("world_excess_kg", 5.0)),
    ("expect_column_values_to_be_between", "world_excess_usd",
     _on_world("world_excess_usd", 5.0)),
    ("expect_column_values_to_be_in_set", "unit_value_in_band_cn",
     _set("unit_value_in_band_cn", False)),
    ("expect_column_values_to_be_in_set", "unit_value_in_band_partner",
     _set("unit_value_in_band_partner", False)),
    ("expect_column_values_to_not_be_null", "netwgt_estimated", _set("netwgt_estimated", None)),
    ("expect_column_values_to_not_be_null", "qty_estimated", _set("qty_estimated", None)),
]  # fmt: skip


def test_every_expectation_has_a_failing_case_in_suite_order() -> None:
    suite = load_suite(COMTRADE_RELEASE_SUITE)
    configured = [(e.expectation_type, getattr(e, "column", None)) for e in suite.expectations]
    assert configured == [(name, column) for name, column, _ in MUTATIONS]


@pytest.mark.parametrize("name,column,mutate", MUTATIONS,
                         ids=[f"{n}-{c}" for n, c, _ in MUTATIONS])  # fmt: skip
def test_each_expectation_can_fail(name: str, column: str | None, mutate) -> None:
    report = run_suite(mutate(_frame(CHINA, PARTNERS)), COMTRADE_RELEASE_SUITE)
    assert {(e, c) for e, c, _ in _failed(report)} == {(name, column)}


# ------------------------------------------------------------------ real mistakes in pages


def _edit(page: dict, partner: int, cmd: str, **fields: object) -> dict:
    copy = json.loads(json.dumps(page))
    for row in copy["data"]:
        if (row["partnerCode"] == partner and row["cmdCode"] == cmd and row["motCode"] == 0
                and row["partner2Code"] == 0 and row["customsCode"] == "C00"):  # fmt: skip
            row.update(fields)
    return copy


def test_a_world_that_partners_do_not_add_up_to_is_critical() -> None:
    page = _edit(CHINA, 842, "850511", netWgt=760_000.0, primaryValue=31_500_000.0)
    report = run_suite(_frame(page), COMTRADE_RELEASE_SUITE)
    assert _failed(report) == {
        ("expect_column_values_to_be_between", "world_excess_kg", "critical")
    }
    # a partner's import page has no World row: nothing to add up there
    assert _frame(PARTNERS)["world_excess_kg"].isna().all()


def test_a_kg_versus_tonne_slip_is_critical_for_china_and_a_warning_for_a_partner() -> None:
    # China's figure for the US written in tonnes: 700 "kg" for US$31.5 m
    china = _edit(CHINA, 842, "850511", netWgt=700.0, qty=700.0)
    china = _edit(china, 0, "850511", netWgt=3_405_000.25 - 700_000 + 700)
    failed = _failed(run_suite(_frame(china), COMTRADE_RELEASE_SUITE))
    assert failed == set()  # under 1 t: no unit value is read from it...
    china = _edit(CHINA, 276, "850511", netWgt=1_200.0)  # 1.2 t for US$60 m
    china = _edit(china, 0, "850511", netWgt=3_405_000.25 - 1_200_000 + 1_200)
    failed = _failed(run_suite(_frame(china), COMTRADE_RELEASE_SUITE))
    assert failed == {("expect_column_values_to_be_in_set", "unit_value_in_band_cn", "critical")}
    partners = PARTNERS | {"data": [r | ({"netWgt": 1_150.0} if r["reporterCode"] == 276 else {})
                                     for r in PARTNERS["data"]]}  # fmt: skip
    report = run_suite(_frame(partners), COMTRADE_RELEASE_SUITE)
    assert _failed(report) == {
        ("expect_column_values_to_be_in_set", "unit_value_in_band_partner", "warning")
    }
    assert report.success  # one partner's odd row warns; it does not hold back the month


def test_rows_repeated_across_pages_are_duplicates_but_reporters_are_not() -> None:
    frame = _frame(PARTNERS)
    assert not frame["duplicate_key"].any()  # six reporters, one partner (CN): no duplicate
    one_row = envelope([r for r in CHINA["data"] if r["partnerCode"] == 842][:1])
    failed = _failed(run_suite(_frame(CHINA, one_row), COMTRADE_RELEASE_SUITE))
    assert ("expect_column_values_to_be_in_set", "duplicate_key", "critical") in failed


def test_a_row_of_neither_side_is_refused() -> None:
    stray = envelope([record("202503", 842, "X", 156, "850511", 1_000.0, 50_000.0)])
    failed = _failed(run_suite(_frame(PARTNERS, stray), COMTRADE_RELEASE_SUITE))
    assert failed == {("expect_column_values_to_be_in_set", "side_consistent", "critical")}


def test_a_failing_pull_is_refused_with_one_line_and_nothing_of_it_kept() -> None:
    good = RawDocument("comtrade-good.json", "comtrade", _bundle(PARTNERS))
    page = _edit(CHINA, 842, "850511", netWgt=760_000.0)
    bad = RawDocument("comtrade-bad.json", "comtrade", _bundle(page))
    batch = prepare_batch([good, bad], lambda _: PUBLISHER, today=TODAY)
    assert set(batch.errors) == {bad.sha256}
    reason = batch.errors[bad.sha256]
    assert reason.startswith("comtrade-bad.json: failed comtrade_release") and "\n" not in reason
    assert "world_excess_kg" in reason
    assert set(batch.observations.column("release_id").to_pylist()) == {good.sha256}


def test_a_suite_that_loads_with_no_expectations_is_an_error(tmp_path: Path) -> None:
    saved = json.loads(suite_path(COMTRADE_RELEASE_SUITE).read_text(encoding="utf-8"))
    empty = tmp_path / "empty.json"
    empty.write_text(json.dumps(saved | {"expectations": []}), encoding="utf-8")
    with pytest.raises(RuntimeError, match="loaded with 0 expectations"):
        load_suite(COMTRADE_RELEASE_SUITE, empty)
    unknown = tmp_path / "unknown.json"
    renamed = [dict(saved["expectations"][0], type="expect_no_such_thing")]
    unknown.write_text(json.dumps(saved | {"expectations": renamed}), encoding="utf-8")
    with pytest.raises(Exception):  # noqa: B017 - GX refuses it one way or another, never passes
        load_suite(COMTRADE_RELEASE_SUITE, unknown)
