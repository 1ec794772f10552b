"""Normaliser: exact kilograms, GACC → ISO partners, periods and bases, file-name hints."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd
import pytest

from customs_etl.core.errors import ParseError
from customs_etl.core.months import parse_month
from customs_etl.core.schema import OBSERVATION_COLUMNS, basis_for
from customs_etl.transforms.file_names import hints_from_name
from customs_etl.transforms.normalise import query_observations
from customs_etl.transforms.query_export import parse_query_export
from tests.support.exports import ZH_MONTHLY_HEADER, july_export, render_export


def _obs(data: bytes, **kwargs: object):
    export = parse_query_export(data, "x.csv", **kwargs)  # type: ignore[arg-type]
    return query_observations(export, release_id="r1", flow="export")


def test_canonical_columns_and_exact_kilograms() -> None:
    obs = _obs(july_export())
    assert tuple(obs.columns) == OBSERVATION_COLUMNS
    assert obs["quantity_kg"].tolist() == [
        Decimal(900_000),
        Decimal(216_000),
        Decimal(619_000),
        Decimal(232_000),
    ]
    assert all(isinstance(v, Decimal) for v in obs["value_usd"])
    assert obs["value_cny"].isna().all()
    assert obs["partner"].tolist() == ["DE", "DE", "US", "JP"]
    assert obs["source_partner_code"].tolist() == ["304", "304", "502", "116"]
    assert obs["trade_mode"].tolist() == ["10", "15", "10", "10"]
    assert set(obs["basis"]) == {"month"}
    assert set(obs["period_start"]) == {date(2025, 7, 1)}


def test_tonnes_convert_exactly_and_non_mass_units_have_no_kg() -> None:
    header = (
        "数据年月",
        "商品编码",
        "第一数量",
        "第一计量单位",
        "第二数量",
        "第二计量单位",
        "美元",
    )
    rows = [
        ("202507", "85051110", "12.345", "吨", "0", "-", "1,000"),
        ("202507", "85051190", "7", "个", "3.5", "千克", "10"),
        ("202507", "85051900", "7", "个", "0", "-", "10"),
    ]
    obs = _obs(render_export(header, rows))
    assert obs.loc[0, "quantity_kg"] == Decimal("12345.000")
    assert obs.loc[1, "quantity_kg"] == Decimal("3.5")
    assert obs.loc[1, "flags"] == "kg_from_second_quantity"
    assert pd.isna(obs.loc[2, "quantity_kg"])
    assert set(obs["partner"]) == {"WLD"} and obs["source_partner_code"].isna().all()


def test_unknown_partner_code_is_kept_under_its_code_not_guessed() -> None:
    header = ZH_MONTHLY_HEADER
    row = ("202507", "85051110", "磁体", "888", "新国家", "10", "一般贸易", "5", "千克", "0", "-",
           "9")
    obs = _obs(render_export(header, [row]))
    assert obs.loc[0, "partner"] == "GACC-888" and obs.loc[0, "source_partner_code"] == "888"
    assert obs.loc[0, "partner_label"] == "新国家"


def test_missing_tariff_line_needs_a_hint() -> None:
    header = ("数据年月", "第一数量", "第一计量单位", "美元")
    export = parse_query_export(render_export(header, [("202507", "5", "千克", "9")]), "x.csv")
    with pytest.raises(ParseError, match="tariff line"):
        query_observations(export, release_id="r", flow="export")
    obs = query_observations(export, release_id="r", flow="export", commodity_code="85051110")
    assert obs.loc[0, "commodity_code"] == "85051110"


def test_cumulative_ranges_get_their_basis() -> None:
    assert basis_for(date(2025, 7, 1), date(2025, 7, 1)) == "month"
    assert basis_for(date(2025, 1, 1), date(2025, 7, 1)) == "ytd"
    assert basis_for(date(2025, 1, 1), date(2025, 2, 1)) == "ytd"
    assert basis_for(date(2025, 3, 1), date(2025, 5, 1)) == "range"


def test_file_name_hints() -> None:
    hints = hints_from_name("/x/export-85051110-202501-202507-partner-mode-usd.csv")
    assert (hints.flow, hints.commodity_code) == ("export", "85051110")
    assert (hints.period_start, hints.period_end) == (date(2025, 1, 1), date(2025, 7, 1))
    monthly = hints_from_name("magnets_hs85051110_imports_202406.csv")
    assert (monthly.flow, monthly.commodity_code, monthly.period_end) == (
        "import",
        "85051110",
        date(2024, 6, 1),
    )
    assert hints_from_name("downloadQueryData.csv").flow is None
    with pytest.raises(ParseError):
        hints_from_name("export-202513.csv")
    assert parse_month("2025-07") == date(2025, 7, 1)
    with pytest.raises(ValueError):
        parse_month("July")
