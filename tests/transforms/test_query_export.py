"""Parser for query-platform exports: the real format's quirks and every refusal."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from customs_etl.core.errors import ParseError
from customs_etl.transforms.query_export import parse_query_export
from tests.support.exports import ZH_MONTHLY_HEADER, july_export, magnet_row, render_export


def test_gbk_monthly_export_parses_with_types() -> None:
    export = parse_query_export(july_export(), "export-85051110-202507.csv")
    rows = export.rows
    assert export.encoding == "gb18030"
    assert export.currency == "USD" and export.monthly
    assert export.grain == "partner,trade_mode"
    assert list(rows["partner_code"]) == ["304", "304", "502", "116"]
    assert rows["quantity"].tolist() == [900_000, 216_000, 619_000, 232_000]
    assert rows["value"].tolist() == [45_000_000, 10_800_000, 30_950_000, 11_600_000]
    assert rows["source_row"].tolist() == [2, 3, 4, 5]
    assert rows.loc[0, "commodity_name"] == "稀土永磁铁及稀土永磁体"


@pytest.mark.parametrize("encoding,bom", [("utf-8", False), ("utf-8", True), ("gb18030", False)])
def test_every_encoding_reads_the_same(encoding: str, bom: bool) -> None:
    original = parse_query_export(july_export(), "a.csv").rows
    other = parse_query_export(july_export(encoding=encoding, bom=bom), "b.csv").rows
    assert other.equals(original)


def test_trailing_comma_is_optional_after_a_resave() -> None:
    rows = parse_query_export(july_export(trailing_comma=False), "a.csv").rows
    assert rows["quantity"].sum() == 1_967_000


def test_english_header_with_cny_and_other_column_order() -> None:
    header = ("Date of data", "Trading partner code", "Trading partner", "Commodity code",
              "Commodity", "Customs Regime code", "Customs Regime", "Quantity", "Unit",
              "Supplimentary Quantity", "Supplimentary Unit", "RMB")
    row = ("202507", "502", "United States", "85051110", "Magnets", "10", "Ordinary Trade",
           "1000", "Kilogram", "0", "-", "350,000")
    export = parse_query_export(render_export(header, [row], encoding="utf-8"), "x.csv")
    assert export.currency == "CNY"
    assert export.rows.loc[0, "partner_code"] == "502"
    assert export.rows.loc[0, "value"] == 350_000


def test_partner_only_and_region_groupings() -> None:
    header = ("数据年月", "商品编码", "商品名称", "贸易伙伴编码", "贸易伙伴名称", "注册地编码",
              "注册地名称", "第一数量", "第一计量单位", "第二数量", "第二计量单位", "美元")
    row = ("202501", "85177950", "模块", "101", "阿富汗", "44", "广东省", "99", "千克", "0", "?",
           "19,905")
    export = parse_query_export(render_export(header, [row]), "x.csv")
    assert export.grain == "partner,region"
    assert export.rows.loc[0, "region_code"] == "44"


def test_cumulative_export_needs_a_month_range() -> None:
    header = tuple(h for h in ZH_MONTHLY_HEADER if h != "数据年月")
    rows = [r[1:] for r in [magnet_row("202507", "502", "美国", "10", 5, 50)]]
    data = render_export(header, rows)
    with pytest.raises(ParseError, match="cumulative export"):
        parse_query_export(data, "x.csv")
    export = parse_query_export(data, "x.csv", period_range=(date(2025, 1, 1), date(2025, 7, 1)))
    assert not export.monthly and export.period_end == date(2025, 7, 1)


def test_decimal_quantities_stay_exact() -> None:
    header = ("数据年月", "商品编码", "第一数量", "第一计量单位", "美元")
    export = parse_query_export(render_export(header, [("202507", "85051110", "12.345", "吨",
                                                        "1,000")]), "x.csv")
    assert export.rows.loc[0, "quantity"] == Decimal("12.345")


@pytest.mark.parametrize(
    "data,needle,row,field",
    [
        (b"", "empty file", None, None),
        (b"   \n", "empty file", None, None),
        (b"<!DOCTYPE html><html><script>var _0x=1;</script></html>", "HTML page", None, None),
        ('<html><body>当前服务请求较多，请稍后重试</body></html>'.encode(), "HTML page", None,
         None),
        ('"数据年月","商品编码","Weight","美元",\n'.encode("gbk"), "unknown column", 1, None),
    ],
)
def test_refusals_name_the_file(data: bytes, needle: str, row: int | None,
                                field: str | None) -> None:
    with pytest.raises(ParseError) as info:
        parse_query_export(data, "downloadQueryData.csv")
    assert needle in str(info.value)
    assert str(info.value).startswith("downloadQueryData.csv")
    assert info.value.row == row


def test_file_cut_off_mid_row_is_refused() -> None:
    data = july_export()
    cut = data[: data.rindex(b'"232000"') + 4]  # inside a quoted field
    with pytest.raises(ParseError, match="cut off"):
        parse_query_export(cut, "x.csv")
    cut_at_field = data[: data.rindex(b',"232000"')]  # after a whole field: too few fields
    with pytest.raises(ParseError, match="cut off") as info:
        parse_query_export(cut_at_field, "x.csv")
    assert info.value.row == 5


def test_bad_number_names_row_and_field() -> None:
    rows = [magnet_row("202507", "502", "美国", "10", 5, 50)]
    rows[0] = (*rows[0][:7], "12O", *rows[0][8:])
    with pytest.raises(ParseError) as info:
        parse_query_export(render_export(ZH_MONTHLY_HEADER, rows), "x.csv")
    assert (info.value.row, info.value.field) == (2, "quantity")
    assert "row 2" in str(info.value) and "'quantity'" in str(info.value)


def test_bad_month_names_row_and_field() -> None:
    rows = [magnet_row("202513", "502", "美国", "10", 5, 50)]
    with pytest.raises(ParseError) as info:
        parse_query_export(render_export(ZH_MONTHLY_HEADER, rows), "x.csv")
    assert (info.value.row, info.value.field) == (2, "period")


def test_header_only_is_refused() -> None:
    with pytest.raises(ParseError, match="no data rows"):
        parse_query_export(render_export(ZH_MONTHLY_HEADER, []), "x.csv")


# ------------------------------------------------------------------ real exports (conformance)

def _real(shared_samples: Path, name: str) -> bytes:
    return (shared_samples / "gacc_query" / name).read_bytes()


def test_real_monthly_export(shared_samples: Path) -> None:
    export = parse_query_export(_real(shared_samples, "hs85177950-2024-monthly-usd.csv"), "m")
    rows = export.rows
    assert len(rows) == 12 and export.grain == "total"
    assert rows["period"].tolist() == [f"2024{m:02d}" for m in range(1, 13)]
    assert (rows.loc[0, "quantity"], rows.loc[0, "value"]) == (257_644, 447_062_632)
    assert rows["quantity"].sum() == 3_899_894
    assert rows["value"].sum() == 6_232_747_177


def test_real_partner_mode_region_export(shared_samples: Path) -> None:
    name = "hs85177950-2025-partner-mode-region-usd.head.csv"
    export = parse_query_export(_real(shared_samples, name), name)
    rows = export.rows
    assert len(rows) == 161 and export.grain == "partner,trade_mode,region"
    assert rows.loc[0, "partner_code"] == "101" and rows.loc[0, "partner_name"] == "阿富汗"
    assert rows["quantity"].sum() == 69_934
    assert rows["value"].sum() == 99_497_751
    assert ((rows["quantity"] == 0) & (rows["value"] > 0)).any()


@pytest.mark.parametrize("name", ["english-ui-exports-201810-ceuta.csv",
                                  "english-ui-imports-201806-botswana.csv"])
def test_real_english_ui_exports(shared_samples: Path, name: str) -> None:
    export = parse_query_export(_real(shared_samples, name), name)
    assert len(export.rows) == 3
    assert set(export.rows["unit"]) <= {"Number of item", "Kilogram", "Carat"}
    assert export.rows["quantity2"].notna().all() and (export.rows["unit2"] != "").all()
