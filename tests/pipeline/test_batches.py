"""How a run cuts its documents into batches: bounded bytes ($CUSTOMS_ETL_BATCH_MB) and count,
order kept, every document in exactly one batch."""

from __future__ import annotations

import pytest

from customs_etl.core.errors import CustomsEtlError
from customs_etl.core.models import RawDocument
from customs_etl.flows.run_engine import BATCH_DOCUMENTS, batch_bytes, batches_of


def _docs(sizes: list[int]) -> list[RawDocument]:
    return [RawDocument(f"d{i}.csv", "gacc_query", bytes([65 + i % 26]) * n)
            for i, n in enumerate(sizes)]  # fmt: skip


def test_batches_follow_the_byte_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    sizes = [400_000, 400_000, 300_000, 900_000, 2_000_000, 10]
    docs = _docs(sizes)
    monkeypatch.setenv("CUSTOMS_ETL_BATCH_MB", "1")
    assert batch_bytes() == 1024 * 1024
    cut = [[d.name for d in step.docs] for step in batches_of(docs, "test")]
    # Greedy in order; a document larger than the limit is a batch of its own.
    assert cut == [["d0.csv", "d1.csv"], ["d2.csv"], ["d3.csv"], ["d4.csv"], ["d5.csv"]]
    assert [n for batch in cut for n in batch] == [d.name for d in docs]
    for batch in cut:
        held = sum(sizes[int(n[1:-4])] for n in batch)
        assert held <= batch_bytes() or len(batch) == 1
    monkeypatch.delenv("CUSTOMS_ETL_BATCH_MB")
    assert [len(s.docs) for s in batches_of(docs, "test")] == [6]  # 32 MB: one batch


def test_batches_hold_at_most_the_document_count() -> None:
    docs = _docs([1] * (BATCH_DOCUMENTS * 2 + 1))
    assert [len(s.docs) for s in batches_of(docs, "t")] == [BATCH_DOCUMENTS, BATCH_DOCUMENTS, 1]


def test_a_bad_batch_size_is_refused_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CUSTOMS_ETL_BATCH_MB", "0")
    with pytest.raises(CustomsEtlError, match="CUSTOMS_ETL_BATCH_MB"):
        batch_bytes()
