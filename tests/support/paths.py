"""Where the tests find the repository, their fixtures and the optional shared samples.

Test files live in folders that mirror the code (``tests/<layer>/``); paths computed from each
file's own location would break when a file moves, so they come from here.
"""

from __future__ import annotations

from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
ROOT = TESTS.parent  # the repository's root (Makefile, pyproject.toml)
FIXTURES = TESTS / "fixtures"
SHARED = ROOT.parent / "shared"  # ../shared beside the checkout: optional, tests skip without it
