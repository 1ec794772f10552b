"""Mangled preliminary pages, indexes and bundles: parsed, or refused with the project's own
error — never another exception (the contract of ``tests/transforms/test_fuzz_parsers.py``, whose
mutations and checks these reuse)."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from customs_etl.core.models import RawDocument
from customs_etl.publishers.gacc_preliminary import PUBLISHER, bundle
from customs_etl.publishers.gacc_preliminary.client import table_rows
from tests.support.preliminary_pages import REAL_INDEX, page
from tests.transforms.test_fuzz_parsers import FUZZ, _check, mutated_page

PAGES = [
    page(name).decode("utf-8")
    for name in ("exports-2025-05-cny.html", "exports-2025-02-cny.html",
                 "exports-2025-05-usd.html", "imports-2025-04-cny.html")
]  # fmt: skip
SIBLING = page("exports-2025-05-usd.html")
INDEX = page(REAL_INDEX).decode("utf-8")


@st.composite
def preliminary_page(draw: st.DrawFn) -> bytes:
    """A real-format page mangled (named, so Hypothesis does not print 160 kB of arguments)."""
    return draw(mutated_page(PAGES))


@st.composite
def preliminary_index(draw: st.DrawFn) -> bytes:
    return draw(mutated_page([INDEX]))


def _parse(content: bytes, month: int) -> None:
    doc = RawDocument(name="fuzz.bundle", source="gacc_preliminary", content=content,
                      flow="export", period_start=date(2025, month, 1),
                      period_end=date(2025, month, 1))  # fmt: skip
    PUBLISHER.parse(doc)


@FUZZ
@given(preliminary_page(), st.booleans(), st.sampled_from([2, 4, 5]))
def test_a_mangled_page_parses_or_is_refused(page: bytes, sibling: bool, month: int) -> None:
    parts = {"CNY": page, "USD": SIBLING} if sibling else {"CNY": page}
    _check(lambda: _parse(bundle.pack(parts), month))


@FUZZ
@given(st.binary(max_size=300), st.integers(0, 400))
def test_a_mangled_bundle_is_refused(noise: bytes, cut: int) -> None:
    packed = bundle.pack({"CNY": PAGES[0].encode(), "USD": SIBLING})
    _check(lambda: _parse(packed[:cut] + noise, 5))


@FUZZ
@given(preliminary_index())
def test_a_mangled_index_is_read_or_refused(index: bytes) -> None:
    _check(lambda: table_rows(index, "index"))
