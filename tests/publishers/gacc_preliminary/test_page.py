"""The real pages, every row: what the parser reads, and the canonical observations of it.

The expected tables below are transcribed from GACC's May 2025 and January–February 2025
export pages (``tests/fixtures/gacc_preliminary/``, copied verbatim): indentation in nbsp,
label, unit, then the figures as printed.
"""

from __future__ import annotations

import unicodedata
from datetime import date
from decimal import Decimal

import pytest

from customs_etl.core.catalogue import COMMODITIES, preliminary_key
from customs_etl.core.errors import ParseError
from customs_etl.core.models import RawDocument
from customs_etl.publishers.gacc_preliminary import bundle
from customs_etl.publishers.gacc_preliminary.page import (
    ImageOnlyPage,
    has_table,
    parse_page,
    release_date,
)
from customs_etl.publishers.registry import publisher
from tests.support.preliminary_pages import FIXTURES, IMAGE_ONLY, REAL_JANFEB, REAL_MAY

MAY = """
 0 | Agricultural products* | — | - | 605.4 | - | 2,960.9 | - | 2,827.7 | - | 4.7
 4 | Aquatic products | 10,000 Tons | 37.2 | 126.7 | 177.4 | 586.2 | 157.2 | 547.5 | 12.9 | 7.1
 4 | Grain | 10,000 Tons | 36.3 | 14.4 | 114.3 | 53.5 | 82.2 | 42.0 | 38.9 | 27.4
 0 | Petroleum products | 10,000 Tons | 440.9 | 213.0 | 2,184.9 | 1,053.7 | 2,473.2 | 1,321.5 | -11.7 | -20.3
 0 | Rare earth | Ton | 5,864.6 | 1.3 | 24,827.0 | 12.1 | 24,266.5 | 15.1 | 2.3 | -19.9
 0 | Medicinal materials and medicaments of Chinese type | Ton | 11,855.8 | 7.7 | 56,891.2 | 34.0 | 56,869.9 | 40.5 | 0.0 | -15.9
 0 | Fertilizers | 10,000 Tons | 314.4 | 51.3 | 1,283.8 | 194.6 | 964.3 | 169.2 | 33.1 | 15.0
 0 | Plastic products | - | - | 656.6 | - | 3,074.8 | - | 3,103.0 | - | -0.9
 0 | Suitcases, handbags and similar containers | 10,000 Tons | 35.5 | 216.0 | 150.8 | 930.7 | 140.5 | 1,046.8 | 7.3 | -11.1
 0 | Textile yarn, fabrics and articles thereof | - | - | 910.0 | - | 4,201.4 | - | 4,052.6 | - | 3.7
 0 | Garments and clothing accessories | - | - | 978.4 | - | 4,181.9 | - | 4,155.4 | - | 0.6
 0 | Footwear | 10,000 Pairs | 8.0 | 275.8 | 37.0 | 1,262.8 | 36.7 | 1,355.7 | 0.8 | -6.9
 0 | Ceramic products | 10,000 Tons | 177.2 | 149.1 | 757.2 | 638.5 | 737.9 | 676.1 | 2.6 | -5.6
 0 | Steel products | 10,000 Tons | 1,057.8 | 531.4 | 4,846.9 | 2,443.2 | 4,451.1 | 2,468.3 | 8.9 | -1.0
 0 | Unwrought aluminium and aluminium products | Ton | 54.7 | 135.0 | 243.0 | 608.5 | 256.1 | 599.5 | -5.1 | 1.5
 0 | Furniture and parts thereof | - | - | 406.0 | - | 1,964.6 | - | 2,114.1 | - | -7.1
 0 | Toys | - | - | 217.6 | - | 1,002.2 | - | 1,037.0 | - | -3.4
 0 | Mechanical and electrical products* | - | - | 13,626.8 | - | 64,025.4 | - | 58,559.5 | - | 9.3
 4 | General machinery | - | - | 427.0 | - | 2,063.6 | - | 1,885.4 | - | 9.5
 4 | Automatic data processing equipment and parts thereof | - | - | 1,167.0 | - | 5,752.3 | - | 5,538.5 | - | 3.9
 4 | Mobile phones | 10,000 Sets | 5,534.8 | 494.6 | 27,899.5 | 3,041.3 | 30,217.6 | 3,283.9 | -7.7 | -7.4
 4 | Household appliances | 10,000 Sets | 38,588.8 | 591.2 | 184,253.4 | 2,947.3 | 173,656.7 | 2,850.4 | 6.1 | 3.4
 4 | Audio or video devices and parts thereof | - | - | 222.8 | - | 1,088.9 | - | 1,026.4 | - | 6.1
 8 | Integrated circuits | 100 Million PCS | 301.1 | 1,215.5 | 1,359.3 | 5,264.0 | 1,137.6 | 4,427.4 | 19.5 | 18.9
 4 | Motor vehicles（including chassis fitted with engines) | 10,000 Autos | 69.5 | 862.8 | 285.3 | 3,513.7 | 244.3 | 3,297.0 | 16.8 | 6.6
 4 | Automotive components and parts | - | - | 598.1 | - | 2,837.9 | - | 2,658.7 | - | 6.7
 4 | Ships | Ship | 590.0 | 301.5 | 2,934.0 | 1,438.4 | 2,318.0 | 1,210.1 | 26.6 | 18.9
 4 | LCD panels | 10,000 PCS | 17,796.9 | 198.0 | 79,340.2 | 897.7 | 71,954.6 | 810.4 | 10.3 | 10.8
 4 | Medical or surgical instruments and apparatuses | - | - | 117.9 | - | 570.9 | - | 532.3 | - | 7.3
 4 | Lamps and light fittings and parts thereof | - | - | 249.6 | - | 1,119.8 | - | 1,197.7 | - | -6.5
 0 | Hi-tech products* | - | - | 5,354.3 | - | 25,761.0 | - | 23,996.9 | - | 7.4
"""  # noqa: E501

JANFEB = """
 0 | Agricultural products* | — | - | 1,094.4 | - | 1,050.4 | - | 4.2
 4 | Aquatic products | 10,000 Tons | 65.8 | 212.9 | 58.8 | 205.5 | 11.9 | 3.6
 4 | Grain | 10,000 Tons | 29.7 | 15.6 | 29.5 | 15.2 | 0.7 | 2.2
 0 | Petroleum products | 10,000 Tons | 721.0 | 355.5 | 880.4 | 468.4 | -18.1 | -24.1
 0 | Rare earth | Ton | 8,511.3 | 5.9 | 8,773.9 | 5.8 | -3.0 | 1.0
 0 | Medicinal materials and medicaments of Chinese type | Ton | 20,421.5 | 11.5 | 20,140.2 | 14.4 | 1.4 | -20.0
 0 | Fertilizers | 10,000 Tons | 467.4 | 68.7 | 299.6 | 44.7 | 56.0 | 53.8
 0 | Plastic products | - | - | 1,089.8 | - | 1,175.4 | - | -7.3
 0 | Suitcases, handbags and similar containers | 10,000 Tons | 54.6 | 323.4 | 53.4 | 400.8 | 2.3 | -19.3
 0 | Textile yarn, fabrics and articles thereof | - | - | 1,525.5 | - | 1,539.1 | - | -0.9
 0 | Garments and clothing accessories | - | - | 1,557.4 | - | 1,653.8 | - | -5.8
 0 | Footwear | 10,000 Pairs | 15.0 | 508.4 | 16.1 | 615.1 | -6.7 | -17.4
 0 | Ceramic products | 10,000 Tons | 262.7 | 213.2 | 292.1 | 302.9 | -10.1 | -29.6
 0 | Steel products | 10,000 Tons | 1,697.2 | 870.3 | 1,591.2 | 895.4 | 6.7 | -2.8
 0 | Unwrought aluminium and aluminium products | Ton | 85.9 | 215.4 | 96.5 | 225.3 | -11.0 | -4.4
 0 | Furniture and parts thereof | - | - | 717.8 | - | 839.8 | - | -14.5
 0 | Toys | - | - | 359.0 | - | 399.4 | - | -10.1
 0 | Mechanical and electrical products* | - | - | 23,271.0 | - | 22,085.4 | - | 5.4
 4 | General machinery | - | - | 774.7 | - | 781.3 | - | -0.8
 4 | Automatic data processing equipment and parts thereof | - | - | 2,176.8 | - | 1,948.9 | - | 11.7
 4 | Mobile phones | 10,000 Sets | 10,922.2 | 1,340.8 | 12,366.2 | 1,370.3 | -11.7 | -2.2
 4 | Household appliances | 10,000 Sets | 68,952.8 | 1,093.9 | 63,018.0 | 1,016.7 | 9.4 | 7.6
 4 | Audio or video devices and parts thereof | - | - | 396.6 | - | 395.8 | - | 0.2
 8 | Integrated circuits | 100 Million PCS | 473.3 | 1,804.4 | 394.0 | 1,594.0 | 20.1 | 13.2
 4 | Motor vehicles（including chassis fitted with engines) | 10,000 Autos | 97.1 | 1,160.2 | 83.1 | 1,118.7 | 16.8 | 3.7
 4 | Automotive components and parts | - | - | 1,062.4 | - | 1,043.9 | - | 1.8
 4 | Ships | Ship | 892.0 | 499.5 | 898.0 | 483.3 | -0.7 | 3.4
 4 | LCD panels | 10,000 PCS | 26,120.9 | 312.2 | 24,994.2 | 292.4 | 4.5 | 6.8
 4 | Medical or surgical instruments and apparatuses | - | - | 212.1 | - | 200.7 | - | 5.7
 4 | Lamps and light fittings and parts thereof | - | - | 400.9 | - | 506.0 | - | -20.8
 0 | Hi-tech products* | - | - | 9,480.4 | - | 8,895.5 | - | 6.6
"""  # noqa: E501

MONTH_FIELDS = ["month_quantity", "month_value"]
YTD_FIELDS = ["ytd_quantity", "ytd_value", "ly_quantity", "ly_value", "pct_quantity", "pct_value"]
# What the English page prints wrongly, and what the figures are in (GACC's Chinese table:
# 未锻轧铝及铝材 万吨, 鞋靴 亿双).
CORRECTED = {"Unwrought aluminium and aluminium products": "10,000 Tons",
             "Footwear": "100 Million Pairs"}  # fmt: skip
KG = {"Ton": Decimal(1_000), "10,000 Tons": Decimal(10_000_000)}


def _expected(block: str) -> list[dict]:
    rows = []
    for line in block.strip().splitlines():
        indent, label, unit, *numbers = (cell.strip() for cell in line.split("|"))
        fields = (MONTH_FIELDS if len(numbers) == 8 else []) + YTD_FIELDS
        rows.append({
            "level": int(indent) // 4,
            "label": label,
            "unit": None if unit in ("-", "—") else unit,
            "numbers": {f: None if n == "-" else Decimal(n.replace(",", ""))
                        for f, n in zip(fields, numbers, strict=True)},
        })  # fmt: skip
    return rows


def _page(name: str):
    return parse_page((FIXTURES / name).read_bytes(), name)


@pytest.mark.parametrize(("name", "block"), [(REAL_MAY, MAY), (REAL_JANFEB, JANFEB)])
def test_every_row_of_the_real_export_pages(name: str, block: str) -> None:
    page = _page(name)
    expected = _expected(block)
    assert len(page.rows) == len(expected) == 31
    for row, want in zip(page.rows, expected, strict=True):
        label = unicodedata.normalize("NFKC", want["label"])  # full-width brackets → ASCII
        assert (row.level, row.label, row.unit) == (want["level"], label, want["unit"])
        assert " ".join(row.label_raw.replace("\xa0", " ").split()) == want["label"]
        assert row.numbers == want["numbers"], row.label
        assert not row.unit_cell_missing
        assert row.aggregate == want["label"].endswith("*")
    parents = {r.label: r.parent_label for r in page.rows}
    assert parents["Grain"] == "Agricultural products*"
    assert parents["Integrated circuits"] == "Audio or video devices and parts thereof"
    assert parents["Rare earth"] is None
    assert page.notes and page.notes[0].startswith('Note: "Agricultural products*"')


def test_the_real_pages_claims() -> None:
    may, janfeb = _page(REAL_MAY), _page(REAL_JANFEB)
    assert may.title == "(5) China's Major Exports by Quantity and Value, May 2025 (in CNY)"
    assert (may.flow, may.title_currency, may.title_year, may.title_range) == (
        "export", "CNY", 2025, (5, 5))  # fmt: skip
    assert may.header.blocks == ("month", "ytd", "last_year", "pct")
    assert (may.header.month_range, may.header.ytd_range, may.header.last_year) == (
        (5, 5), (1, 5), 2024)  # fmt: skip
    assert (may.unit_line, may.unit) == ("Unit: CNY 100 Million", ("CNY", 100_000_000))
    assert may.attachment == ("CNY", "9-en-人民币-2025-5-CNY45.xls")
    assert may.release_date == date(2025, 6, 10)
    assert janfeb.title_range == (1, 2) and janfeb.header.blocks == ("ytd", "last_year", "pct")
    assert janfeb.header.month_range is None and janfeb.header.ytd_range == (1, 2)
    # Its attachment is named for 2024; only the name's currency is read.
    assert janfeb.attachment == ("CNY", "9-en-人民币-2024-1-2-CNY21.xls")
    assert janfeb.release_date == date(2025, 3, 11)


def _observations(name: str, month: int):
    doc = RawDocument(name=name, source="gacc_preliminary",
                      content=bundle.pack({"CNY": (FIXTURES / name).read_bytes()}),
                      flow="export", period_start=date(2025, month, 1),
                      period_end=date(2025, month, 1))  # fmt: skip
    return publisher("gacc_preliminary").parse(doc)


@pytest.mark.parametrize(("name", "block", "month"), [(REAL_MAY, MAY, 5), (REAL_JANFEB, JANFEB, 2)])
def test_every_row_in_canonical_form(name: str, block: str, month: int) -> None:
    obs = _observations(name, month)
    combined = month == 2
    bases = [("month", date(2025, 1 if combined else month, 1), date(2025, month, 1), "ytd"
              if combined else "month"),  # the combined block, as the bulletin has it
             ("ytd", date(2025, 1, 1), date(2025, month, 1), "ytd"),
             ("ytd", date(2024, 1, 1), date(2024, month, 1), "ly")]  # fmt: skip
    rows = iter(obs.to_dict("records"))
    for number, want in enumerate(_expected(block), start=1):
        unit = CORRECTED.get(want["label"], want["unit"])
        for basis, start, end, prefix in bases:
            got = next(rows)
            quantity = want["numbers"][f"{prefix}_quantity"]
            value = want["numbers"][f"{prefix}_value"]
            assert (got["source_row"], got["basis"], got["period_start"], got["period_end"]) == (
                number, basis, start, end)  # fmt: skip
            assert got["commodity_code"] == preliminary_key(want["label"])
            assert (got["quantity"], got["value"], got["currency"]) == (quantity, value, "CNY")
            assert got["quantity_unit"] == (unit if quantity is not None else None)
            assert got["quantity_kg"] == (
                quantity * KG[unit] if quantity is not None and unit in KG else None)
            assert got["value_cny"] == value * 100_000_000 and got["value_usd"] is None
            flags = got["flags"].split(";")
            assert ("last_year_reprint" in flags) == (prefix == "ly")
            assert ("aggregate" in flags) == want["label"].endswith("*")
            assert ("value_only" in flags) == (quantity is None)
            assert ("ytd=month_block" in flags) == (combined and basis == "ytd" and prefix != "ly")
            assert any(f.startswith("unit_corrected=") for f in flags) == (
                want["label"] in CORRECTED)  # fmt: skip
            assert (got["partner"], got["reporter"], got["grain"]) == ("WLD", "CN", "total")
    assert next(rows, None) is None


def test_the_rare_earth_row_is_the_bulletins_rare_earth_series() -> None:
    obs = _observations(REAL_MAY, 5)
    rare = obs[obs["commodity_label"] == "Rare earth"]
    assert set(rare["commodity_code"]) == {COMMODITIES["rare-earths"].code}
    month = rare[rare["basis"] == "month"].iloc[0]
    assert (month["quantity_kg"], month["value_cny"]) == (Decimal(5_864_600), Decimal(130_000_000))


def test_image_only_page_has_no_table_and_is_never_read_as_zeros() -> None:
    data = (FIXTURES / IMAGE_ONLY).read_bytes()
    assert not has_table(data) and release_date(data) == date(2018, 3, 8)  # 03/08/2018
    with pytest.raises(ImageOnlyPage, match="no HTML table on the page"):
        parse_page(data, IMAGE_ONLY)


def test_older_wordings_of_the_header_and_unit_line() -> None:
    """2019: ``Value Unit: CNY 100 Million``, ``May`` / ``Jan-May in Total``, a date line
    ``06/10/2019``; imports 2026: ``QTY Unit``."""
    data = (FIXTURES / REAL_MAY).read_bytes()
    for old, new in (("Unit: CNY 100 Million", "Value Unit: CNY 100 Million"),
                     ("<b>5</b>", "<b>May</b>"), ("<b>1-5 Total</b>", "<b>Jan-May in Total</b>"),
                     ("1-5 Total, 2024", "Jan-May 2024 in Total"),
                     ("1-5 Total, Year-On-Year(%)", "Jan-May Year-On-Year(%)"),
                     ("2025/06/10", "06/10/2025"), ("Quantity Unit", "QTY Unit")):  # fmt: skip
        assert old.encode() in data, old
        data = data.replace(old.encode(), new.encode())
    page = parse_page(data, "older")
    real = _page(REAL_MAY)
    assert page.unit == real.unit and page.release_date == real.release_date
    assert (page.header.blocks, page.header.month_range, page.header.ytd_range,
            page.header.last_year) == (real.header.blocks, (5, 5), (1, 5), 2024)  # fmt: skip
    assert [r.numbers for r in page.rows] == [r.numbers for r in real.rows]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("Unit: CNY 100 Million", "Unit: EUR 1 Million", "unknown unit line"),
        ("Unit: CNY 100 Million", "", "no unit line"),
        ("<b>1-5 Total, Year-On-Year(%)&nbsp;</b>", "<b>Remarks</b>", "cannot read the header"),
        ("<b>1-5 Total, 2024</b>", "<b>1-5 Total</b>", "unknown header"),
        ("<b>5,864.6&nbsp;</b>", "<b>5,864.6 t</b>", "not a number"),
        ("</html>", "", "cut off"),
        ("<b>Commodity</b>", "<b>Goods</b>", "no table with a 'Commodity' header"),
    ],
)
def test_what_the_parser_refuses(old: str, new: str, message: str) -> None:
    data = (FIXTURES / REAL_MAY).read_bytes()
    assert old.encode() in data
    with pytest.raises(ParseError, match=message):
        parse_page(data.replace(old.encode(), new.encode()), "page")
