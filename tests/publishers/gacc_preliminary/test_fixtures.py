"""The pages: the real ones are GACC's, byte for byte, and the only files; the rest is built
from them (``tests/support/preliminary_pages.py``), the same bytes every run."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests.support.preliminary_pages import (
    FIXTURES,
    REAL_PAGES,
    VARIANTS,
    page,
    synthetic_pages,
    variant,
)

# The real pages as saved in ../shared/samples/gacc_preliminary/.
REAL = {
    "exports-2025-05-cny.html": "release_section5_major_exports_may2025_cny.html",
    "exports-2025-02-cny.html": "release_section5_major_exports_janfeb2025_cny.html",
    "index-2026.html": "seed_2026.html",
    "by-country-2018-01-cny-image-only.html": "release_section4_by_country_jan2018_cny.html",
}
# sha256 over every built page and variant (name, then its sha256, a line each, sorted): a
# document's sha256 is its pages' bytes, so "unchanged" runs need the same bytes every time.
# A deliberate change to the generator changes it: update it with the change.
BUILT = "6bcc7b8ae0c617dab6aff100726b364627a44ae06e2f6c0531e377cc4fc6eee5"


def _built() -> dict[str, bytes]:
    return synthetic_pages() | {f"variants/{name}": variant(name) for name in VARIANTS}


def test_only_the_real_pages_are_files() -> None:
    assert {str(p.relative_to(FIXTURES)) for p in FIXTURES.rglob("*.html")} == set(REAL)
    assert set(REAL_PAGES) == set(REAL)


def test_the_built_pages_are_the_same_bytes_every_run() -> None:
    lines = sorted(f"{name} {hashlib.sha256(data).hexdigest()}" for name, data in _built().items())
    assert hashlib.sha256("\n".join(lines).encode()).hexdigest() == BUILT, "\n".join(lines)


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_each_variant_changes_its_base_page(name: str) -> None:
    assert variant(name) != page(VARIANTS[name].base)


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_pages_are_the_shared_samples_byte_for_byte(name: str, shared_samples: Path) -> None:
    sample = shared_samples / "gacc_preliminary" / REAL[name]
    digest = hashlib.sha256(page(name)).hexdigest()
    assert digest == hashlib.sha256(sample.read_bytes()).hexdigest()
