"""setuptools' package list, found: every folder with an ``__init__.py`` under a mapped layer.

``pyproject.toml`` maps each layer folder at the repository root to its subpackage of
``customs_etl`` (``[tool.setuptools] package-dir``). setuptools' own discovery cannot walk such
a mapping, so the list is computed here from that same table: a new publisher folder
(``publishers/<name>/__init__.py``) is packaged without a line of configuration. Everything
else about the build stays in ``pyproject.toml``.
"""

import tomllib
from pathlib import Path

from setuptools import setup

ROOT = Path(__file__).resolve().parent
MAPPED = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
    "setuptools"
]["package-dir"]


def _packages() -> list[str]:
    found = []
    for package, folder in MAPPED.items():
        root = ROOT / folder
        for init in sorted(root.rglob("__init__.py")):
            parts = init.parent.relative_to(root).parts
            if "__pycache__" in parts or any(p.startswith(".") for p in parts):
                continue
            found.append(".".join((package, *parts)))
    return sorted(set(found))


setup(packages=_packages())
