"""The column-wise validation frame equals the SQL reference, row for row.

``expectations.validate.validation_frame`` derives what the release suites check (floats,
unit values in the bands, months ahead, period spans, zero quantities, mass units, duplicate
keys, rows per document) in Arrow and numpy; ``tests/support/validation_reference.py`` states
the same in one SQL statement. Inputs: mutated real-format exports read by the reference
parser (odd numbers, missing quantities, unknown units), with rows duplicated and documents
mixed, and a month still in the future.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from customs_etl.core.errors import CustomsEtlError
from customs_etl.core.schema import to_arrow
from customs_etl.expectations.validate import validation_frame
from customs_etl.publishers.gacc_query import parse_export
from customs_etl.publishers.gacc_query.files import export_document
from tests.support.validation_reference import reference_validation_frame
from tests.transforms.test_fuzz_parsers import FUZZ, mutated_export


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.astype({c: object for c in frame.columns if frame[c].dtype == "category"})
    frame = frame.sort_values(["release_id", "source_row"], kind="stable").reset_index(drop=True)
    return frame.astype(object).where(frame.notna(), None)


def _assert_same(table: pa.Table, today: date) -> None:
    mine = _plain(validation_frame(table, today))
    reference = _plain(reference_validation_frame(table, today))
    assert list(mine.columns) == list(reference.columns)
    for column in reference.columns:
        assert mine[column].tolist() == reference[column].tolist(), column


@FUZZ
@given(
    st.lists(mutated_export(), min_size=1, max_size=3),
    st.integers(0, 3),
    st.sampled_from([date(2025, 6, 15), date(2025, 7, 1), date(2026, 1, 31)]),
)
def test_the_frame_agrees_with_the_sql_reference(
    datas: list[bytes], copies: int, today: date
) -> None:
    tables = []
    for i, data in enumerate(datas):
        try:
            frame = parse_export(export_document(f"{i}-export-85051110-202507.csv", data, url=None))
        except CustomsEtlError:
            continue
        tables.append(to_arrow(frame))
    if not tables:
        return
    table = pa.concat_tables(tables)
    if copies:  # the same rows again: duplicate keys within a document
        table = pa.concat_tables([table, table.slice(0, copies)])
    _assert_same(table, today)


def test_duplicates_and_document_sizes_are_seen() -> None:
    """Not vacuous: a batch with a repeated row flags exactly that key, and counts rows per
    document."""
    from tests.support.exports import july_export

    table = to_arrow(parse_export(export_document("export-85051110-202507.csv", july_export(),
                                                  url=None)))  # fmt: skip
    table = pa.concat_tables([table, table.slice(1, 1)])
    frame = validation_frame(table, date(2025, 9, 1))
    assert frame["duplicate_key"].sum() == 2
    assert set(frame["document_rows"]) == {table.num_rows}
    _assert_same(table, date(2025, 9, 1))
