"""Import Great Expectations without the parts our suites never use: 2 s of every run's start.

``import great_expectations`` costs ~4 s on this project's machines, half of it in three
packages our release suites never touch (``python -X importtime``, issue 21):

* ``scipy.stats`` (~1 s) and ``altair`` (~0.3 s): GX's package ``__init__`` imports its data
  context, which imports its whole expectation catalogue; two of those expectations (the KL
  divergence and the KS tests) import them at module level and use them only inside their
  functions. While GX imports, each is replaced by a ``_Deferred`` stand-in that imports the
  real module the first time an attribute is read, then forwards to it: an expectation that
  does use them still works, it just pays then.
* SQLAlchemy (~0.85 s) and boto3/botocore (~0.3 s): optional dependencies of GX (its ``sql``
  and ``aws`` extras), installed here for others (Prefect's server needs SQLAlchemy). GX
  checks for each with ``try: import`` and, without it, leaves its SQL datasources and S3
  stores unavailable — the configuration GX documents for pandas-only use, and ours: GX's SQL
  path cannot read DuckDB anyway (we validate DataFrames). While GX imports they are hidden
  from it; anything importing them afterwards gets them as usual. One already loaded (a
  process that imported Prefect's server first) GX simply finds.

``install()`` (called by the ``customs_etl`` package, so before any module of ours can import
GX) puts a one-shot finder first on ``sys.meta_path``: the first ``import great_expectations``
in the process runs under these rules, GX's own submodules then import normally, and the
finder removes itself. If GX is loaded already, nothing changes.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from importlib.machinery import ModuleSpec

# Finders and loaders are duck-typed: importlib.abc alone costs 15–35 ms (importlib.resources),
# on the path of every command.
GX = "great_expectations"
DEFERRED = ("scipy.stats", "altair")
HIDDEN = ("sqlalchemy", "boto3", "botocore")
# Dunder names a module is probed for in passing (inspect, pickling, import machinery):
# answered without importing. ``__path__`` is not among them: importing a submodule needs it.
PROBED_IN_PASSING = frozenset({"__file__", "__loader__", "__wrapped__", "__builtins__"})


class _Deferred(types.ModuleType):
    """Stands in for a module until one of its attributes is read, then is that module."""

    def __getattr__(self, attr: str) -> object:
        if attr in PROBED_IN_PASSING:
            raise AttributeError(attr)
        return getattr(self._materialize(), attr)

    def _materialize(self) -> types.ModuleType:
        real = self.__dict__.get("_real")
        if real is None:
            if sys.modules.get(self.__name__) is self:
                del sys.modules[self.__name__]
            real = importlib.import_module(self.__name__)  # sys.modules now holds the real one
            self.__dict__["_real"] = real
        return real


class _Hide:
    """Answers 'not installed' for some top-level packages and their submodules."""

    def __init__(self, packages: Sequence[str]) -> None:
        self.packages = frozenset(packages)

    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: object = None
    ) -> None:
        if fullname.partition(".")[0] in self.packages:
            raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)
        return None


@contextmanager
def _light() -> Iterator[None]:
    """Stand-ins for the deferred modules, and the hidden ones hidden, for the duration."""
    for name in DEFERRED:
        if name not in sys.modules:
            sys.modules[name] = _Deferred(name)
    absent = [name for name in HIDDEN if name not in sys.modules]
    hide = _Hide(absent) if absent else None
    if hide is not None:
        sys.meta_path.insert(0, hide)
    try:
        yield
    finally:
        if hide is not None:
            sys.meta_path.remove(hide)


class _LightLoader:
    """GX's own loader, run under ``_light``; the spec gets its loader back afterwards."""

    def __init__(self, spec: ModuleSpec) -> None:
        assert spec.loader is not None
        self.spec = spec
        self.loader = spec.loader

    def create_module(self, spec: ModuleSpec) -> types.ModuleType | None:
        return self.loader.create_module(spec)

    def exec_module(self, module: types.ModuleType) -> None:
        try:
            with _light():
                self.loader.exec_module(module)
        finally:
            self.spec.loader = self.loader
            module.__loader__ = self.loader


class _FirstGxImport:
    """Finds ``great_expectations`` once, with ``_LightLoader`` in front of its loader."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: object = None
    ) -> ModuleSpec | None:
        if fullname != GX:
            return None
        uninstall()
        spec = importlib.util.find_spec(GX)
        if spec is None or spec.loader is None:
            return spec
        spec.loader = _LightLoader(spec)
        return spec


def install() -> None:
    """Import GX the light way when it is first imported (no-op if it is loaded already)."""
    if GX in sys.modules or any(isinstance(f, _FirstGxImport) for f in sys.meta_path):
        return
    sys.meta_path.insert(0, _FirstGxImport())


def uninstall() -> None:
    """Take the finder off again (GX's next import, if any, is the usual one)."""
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, _FirstGxImport)]
