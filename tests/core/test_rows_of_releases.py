"""``rows_of_releases``: a batch's rows by document, without copying a batch that all passed."""

from __future__ import annotations

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from customs_etl.core.schema import rows_of_releases

IDS = ("a", "b", "c")


def _table(ids: list[str | None]) -> pa.Table:
    return pa.table({"release_id": pa.array(ids, pa.string()), "n": list(range(len(ids)))})


@settings(deadline=None)  # the first call imports pyarrow.compute
@given(rows=st.lists(st.sampled_from((*IDS, None)), max_size=30),
       kept=st.sets(st.sampled_from((*IDS, "z"))))  # fmt: skip
def test_the_rows_kept_are_exactly_those_of_the_documents(
    rows: list[str | None], kept: set[str]
) -> None:
    table = _table(rows)
    got = rows_of_releases(table, kept)
    expected = [i for i, rid in enumerate(rows) if rid is not None and rid in kept]
    assert got.column("n").to_pylist() == expected
    assert got.schema == table.schema


def test_a_batch_whose_documents_all_pass_is_the_same_table_not_a_copy() -> None:
    table = _table(["a", "b", "a"])
    assert rows_of_releases(table, ["b", "a"]) is table


def test_a_row_without_a_document_is_never_kept_and_forces_the_filter() -> None:
    table = _table(["a", None])
    got = rows_of_releases(table, ["a"])
    assert got is not table
    assert got.column("n").to_pylist() == [0]


def test_no_documents_is_an_empty_table_of_the_same_schema() -> None:
    table = _table(["a"])
    got = rows_of_releases(table, [])
    assert got.num_rows == 0 and got.schema == table.schema
