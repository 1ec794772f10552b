"""The columnar fast path reads exactly what the reference parser reads, or hands the file back.

``transforms.query_columnar`` (DuckDB + SQL) must never accept a file the reference parser
(``transforms.query_export`` + ``normalise``) refuses, and whatever it accepts must come out
row for row, value for value, as the reference's observations. Inputs: the bundled sample,
hand-written exports in every header style, and real-format exports mutated at random.
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from customs_etl.core.errors import CustomsEtlError
from customs_etl.core.models import RawDocument
from customs_etl.core.schema import to_arrow
from customs_etl.publishers.gacc_query import parse_export
from customs_etl.publishers.gacc_query.files import export_document
from customs_etl.publishers.sample import sample_folder
from customs_etl.transforms.query_columnar import exports_to_canonical
from tests.support.exports import ZH_MONTHLY_HEADER, magnet_row, render_export
from tests.transforms.test_fuzz_parsers import FUZZ, mutated_export

ENGLISH_HEADER = (
    "Date of data", "Trading partner code", "Trading partner", "Commodity code", "Commodity",
    "Customs Regime code", "Customs Regime", "Quantity", "Unit", "Supplimentary Quantity",
    "Supplimentary Unit", "US dollar",
)  # fmt: skip


def _reference(doc: RawDocument) -> pa.Table | None:
    try:
        return to_arrow(parse_export(doc))
    except CustomsEtlError:
        return None


def _fast(docs: list[RawDocument]) -> tuple[pa.Table, list[RawDocument]]:
    with tempfile.TemporaryDirectory() as scratch:
        return exports_to_canonical(docs, Path(scratch))


def _assert_agree(docs: list[RawDocument]) -> set[str]:
    """Every document the fast path keeps equals the reference; the ids it kept."""
    table, back = _fast(docs)
    handed_back = {d.sha256 for d in back}
    kept = set(table.column("release_id").to_pylist())
    assert not kept & handed_back
    for doc in docs:
        if doc.sha256 in handed_back:
            continue
        reference = _reference(doc)
        assert reference is not None, f"{doc.name}: the fast path read a file the reference refuses"
        mine = table.filter(pa.compute.equal(table.column("release_id"), doc.sha256))
        assert mine.equals(reference), doc.name
    return kept


def test_the_bundled_sample_goes_the_fast_way_and_agrees() -> None:
    docs = [
        export_document(p.name, p.read_bytes(), url=None, source="sample")
        for p in sorted(sample_folder().glob("export-*.csv"))
    ]
    kept = _assert_agree(docs)
    assert kept == {d.sha256 for d in docs}  # clean files are never handed back


@pytest.mark.parametrize("style", ["zh-gbk", "zh-utf8-bom", "zh-no-trailing", "en", "cny"])
def test_every_header_style_agrees(style: str) -> None:
    rows = [
        magnet_row("202507", "304", "德国", "10", 900_000, 45_000_000),
        magnet_row("202507", "502", "美国", "15", 619_000, 30_950_000, "进料加工贸易"),
        ("202507", "85051110", "磁体", "888", "新国家", "10", "一般贸易", "1,000", "吨", "0", "-",
         "9,000,000"),
        ("202507", "85051110", "磁体", "0116", " 日本 ", "10", "一般贸易", "-", "千克", "5", "千克",
         "1"),
        ("202507", "85051110", "磁体", "133", "韩国", "10", "一般贸易", "3.5", "千克", "?", "?",
         "12"),
    ]  # fmt: skip
    header = ZH_MONTHLY_HEADER
    options: dict[str, object] = {}
    if style == "zh-utf8-bom":
        options = {"encoding": "utf-8", "bom": True}
    elif style == "zh-no-trailing":
        options = {"trailing_comma": False}
    elif style == "en":
        header = ENGLISH_HEADER
        rows = [(r[0], r[3], r[4], r[1], r[2], r[5], r[6], *r[7:]) for r in rows]
        options = {"encoding": "utf-8"}
    elif style == "cny":
        header = (*ZH_MONTHLY_HEADER[:-1], "人民币")
    data = render_export(header, rows, **options)  # type: ignore[arg-type]
    doc = export_document("export-85051110-202507.csv", data, url=None)
    kept = _assert_agree([doc])
    assert kept == {doc.sha256}


def test_a_cumulative_export_agrees() -> None:
    header = tuple(h for h in ZH_MONTHLY_HEADER if h != "数据年月")
    rows = [magnet_row("202507", "304", "德国", "10", 900_000, 45_000_000)[1:]]
    doc = export_document("export-85051110-202501-202507.csv", render_export(header, rows),
                          url=None)  # fmt: skip
    assert _assert_agree([doc]) == {doc.sha256}
    table, _ = _fast([doc])
    assert table.column("period_start").to_pylist() == [date(2025, 1, 1)]
    assert table.column("basis").to_pylist() == ["ytd"]


@FUZZ
@given(st.lists(mutated_export(), min_size=1, max_size=3), st.booleans())
def test_mutated_exports_are_read_alike_or_handed_back(
    datas: list[bytes], cumulative: bool
) -> None:
    name = "export-85051110-202501-202507.csv" if cumulative else "export-85051110-202507.csv"
    docs = [export_document(f"{i}-{name}", data, url=None) for i, data in enumerate(datas)]
    unique = list({doc.sha256: doc for doc in docs}.values())  # as a batch reads them
    _assert_agree(unique)


WHITESPACE = st.sampled_from(["", " ", "\t", "\u00a0", "\u3000", "\ufeff", "\u2009", "\u200b"])


@settings(FUZZ, max_examples=25)  # each example runs both parsers (~0.6 s)
@given(st.lists(st.tuples(WHITESPACE, WHITESPACE, WHITESPACE), min_size=8, max_size=8))
def test_codes_with_any_whitespace_are_cleaned_alike_on_both_paths(
    pads: list[tuple[str, str, str]],
) -> None:
    """Tabs, no-break and full-width spaces around (and inside) codes: both paths drop them
    all (``core.text``), byte for byte, and the fast path keeps the file."""

    def dirty(text: str, pad: tuple[str, str, str]) -> str:
        before, inside, after = pad
        return before + text[:1] + inside + text[1:] + after

    clean = [
        magnet_row("202507", "304", "德国", "10", 900_000, 45_000_000),
        magnet_row("202507", "304", "德国", "15", 216_000, 10_800_000, "进料加工贸易"),
        magnet_row("202507", "502", "美国", "10", 619_000, 30_950_000),
        magnet_row("202507", "116", "日本", "10", 232_000, 11_600_000),
    ]
    rows = []
    for i, row in enumerate(clean):
        fields = list(row)
        fields[1] = dirty(fields[1], pads[2 * i])  # tariff line
        fields[3] = dirty(fields[3], pads[2 * i + 1])  # partner code
        fields[4] = pads[2 * i][0] + fields[4] + pads[2 * i][2]  # partner name, ends only
        fields[5] = dirty(fields[5], pads[2 * i + 1][::-1])  # trade mode
        rows.append(tuple(fields))
    data = render_export(ZH_MONTHLY_HEADER, rows, encoding="utf-8")
    doc = export_document("export-85051110-202507.csv", data, url=None)
    assert _assert_agree([doc]) == {doc.sha256}
    table, _ = _fast([doc])
    assert set(table.column("trade_mode").to_pylist()) == {"10", "15"}
    assert set(table.column("commodity_code").to_pylist()) == {"85051110"}
    assert set(table.column("source_partner_code").to_pylist()) == {"304", "502", "116"}
    assert set(table.column("partner_label").to_pylist()) == {"德国", "美国", "日本"}
