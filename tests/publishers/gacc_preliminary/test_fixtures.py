"""The fixtures: the real pages are GACC's, byte for byte; the rest is what the generator
writes (``python -m tests.support.preliminary_pages``), so the two never drift apart."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests.support.preliminary_pages import FIXTURES, generated

# sha256 of the real pages as saved in ../shared/samples/gacc_preliminary/.
REAL = {
    "exports-2025-05-cny.html": "release_section5_major_exports_may2025_cny.html",
    "exports-2025-02-cny.html": "release_section5_major_exports_janfeb2025_cny.html",
    "index-2026.html": "seed_2026.html",
    "by-country-2018-01-cny-image-only.html": "release_section4_by_country_jan2018_cny.html",
}


def test_generated_fixtures_are_committed_as_generated() -> None:
    files = generated()
    on_disk = {str(p.relative_to(FIXTURES)) for p in FIXTURES.rglob("*.html")}
    assert on_disk == set(files) | set(REAL)
    for name, data in files.items():
        assert (FIXTURES / name).read_bytes() == data, name


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_pages_are_the_shared_samples_byte_for_byte(name: str, shared_samples: Path) -> None:
    sample = shared_samples / "gacc_preliminary" / REAL[name]
    digest = hashlib.sha256((FIXTURES / name).read_bytes()).hexdigest()
    assert digest == hashlib.sha256(sample.read_bytes()).hexdigest()
