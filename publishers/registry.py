"""Every publisher, found rather than listed: each package under ``customs_etl.publishers``.

A publisher is a package ``publishers/<name>/`` whose ``__init__`` exports ``PUBLISHER`` (a
``publishers.base.Publisher`` called ``<name>``). The registry lists the packages with
``pkgutil`` (no import: the command line builds its help from the names alone), imports them
the first time a publisher is asked for, checks each, and tells the expectations layer where a
publisher's own release suite is saved. Adding a publisher is adding its folder.

``python -m customs_etl.publishers.registry`` regenerates the suites publishers own.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from customs_etl import publishers as _package
from customs_etl.core.errors import CustomsEtlError
from customs_etl.publishers.base import Publisher

if TYPE_CHECKING:
    from customs_etl.core.settings import SettingsGroup


def package_names() -> list[str]:
    """The publisher packages' names (``gacc_bulletin``, …), sorted, without importing any."""
    return sorted(m.name for m in pkgutil.iter_modules(_package.__path__) if m.ispkg)


def cli_names() -> list[str]:
    """How the command line spells them (``gacc-bulletin``): for its help text."""
    return [name.replace("_", "-") for name in package_names()]


def _key(name: str) -> str:
    """The package name for either spelling; an unknown one is refused in one line."""
    key = name.strip().replace("-", "_")
    if key not in package_names():
        raise CustomsEtlError(f"unknown source {name!r}; known: {', '.join(cli_names())}")
    return key


def _import_one(key: str) -> Publisher:
    """Import one publisher package (Python keeps it) and check its ``PUBLISHER`` (no GX)."""
    module = importlib.import_module(f"{_package.__name__}.{key}")
    candidate = getattr(module, "PUBLISHER", None)
    if not isinstance(candidate, Publisher) or candidate.name != key:
        raise CustomsEtlError(
            f"publishers/{key}/ does not export PUBLISHER, a Publisher named {key!r}"
        )
    return candidate


@cache
def _imported() -> dict[str, Publisher]:
    """Every publisher, imported and checked (no GX: cheap enough for the command line to
    check its arguments with)."""
    found = [_import_one(name) for name in package_names()]
    return {p.name: p for p in sorted(found, key=lambda p: (p.poll_order, p.name))}


@cache
def _discovered() -> dict[str, Publisher]:
    """Every publisher, each one's own suite registered (what running one needs)."""
    found = _imported()
    for candidate in found.values():
        if candidate.suite_file is not None:
            from customs_etl.expectations.suites import register_suite

            register_suite(candidate.release_suite, candidate.suite_file, candidate.build_suite)
    return found


def all_publishers(*, registered: bool = True) -> dict[str, Publisher]:
    """Name → publisher, in poll order (the earliest release of a month first)."""
    return dict(_discovered() if registered else _imported())


def publisher(name: str, *, registered: bool = True) -> Publisher:
    """The publisher called ``name`` (the warehouse's spelling, ``gacc_bulletin``, or the
    command line's, ``gacc-bulletin``). ``registered=False``: without registering the suites
    (checking arguments needs no GX)."""
    key = _key(name)
    return (_discovered() if registered else _imported())[key]


def parser_only(name: str) -> Publisher:
    """The publisher called ``name`` for reading a stored document, its package alone imported
    and no suite registered (registering imports GX, seconds ``quarantine show`` need not pay)."""
    return _import_one(_key(name))


def automated(*, registered: bool = True) -> list[Publisher]:
    """What the schedule polls (never the modeled sample)."""
    found = _discovered() if registered else _imported()
    return [p for p in found.values() if p.automated]


def publishers(names: str | list[str] | None, *, registered: bool = True) -> list[Publisher]:
    """Named publishers, checked; none named means the automated ones, as the schedule polls:
    the modeled sample is only ever loaded when asked for by name."""
    if names is None or names == []:
        return automated(registered=registered)
    named = [names] if isinstance(names, str) else names
    return [publisher(n, registered=registered) for n in named]


def settings_groups() -> list[type[SettingsGroup]]:
    """Every group of environment variables: the core's, then each publisher's own."""
    from customs_etl.core.settings import Settings

    own = [p.settings_group for p in _discovered().values() if p.settings_group is not None]
    return [Settings, *own]


def write_suites() -> list[Path]:
    """Save the suites publishers own, built from their code, beside their packages."""
    from customs_etl.expectations.suites import save_suite

    return [
        save_suite(p.build_suite(), p.suite_file)
        for p in _discovered().values()
        if p.suite_file is not None
    ]


if __name__ == "__main__":
    for written in write_suites():
        print(written)
