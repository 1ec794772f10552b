"""DuckDB extensions without a download: the pip packages' signed files, found by DuckDB itself.

The lake needs DuckDB's ``ducklake`` and ``postgres_scanner`` extensions (and ``httpfs`` for an
``s3://`` data path). They come as pip packages (``duckdb-extension-ducklake`` …, pinned to
DuckDB 1.5.5 like ``duckdb`` itself): each holds the extension file DuckDB Labs signed, under
``duckdb_extension_<name>/extensions/v<version>/<name>.duckdb_extension``. This module lays out
an *extension directory* of symlinks to those files, in DuckDB's own layout
(``<dir>/v<version>/<platform>/<name>.duckdb_extension``), and connections point
``extension_directory`` at it with ``autoinstall_known_extensions`` off: DuckDB then autoloads
what a statement needs (``ATTACH 'ducklake:postgres:…'``, an ``s3://`` path) from the packages,
with its signature check on, and never tries the network. Nothing is copied.

A package that is missing is one clear line naming the pip package, not DuckDB's download
error. See docs/ducklake.md for the checked facts.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from functools import cache
from importlib import util
from pathlib import Path

import duckdb

from customs_etl.core.errors import CustomsEtlError

# DuckDB's name for the extension → the pip package that ships it.
PACKAGES = {
    "ducklake": "duckdb-extension-ducklake",
    "postgres_scanner": "duckdb-extension-postgres-scanner",
    "httpfs": "duckdb-extension-httpfs",
}
LAKE_EXTENSIONS = ("ducklake", "postgres_scanner", "httpfs")


@cache
def duckdb_version_and_platform() -> tuple[str, str]:
    """('v1.5.5', 'linux_amd64'): the folder levels DuckDB looks for extensions in."""
    with duckdb.connect() as con:
        version = con.execute("SELECT library_version FROM pragma_version()").fetchone()[0]
        platform = con.execute("PRAGMA platform").fetchone()[0]
    return str(version), str(platform)


def extension_file(name: str) -> Path:
    """The signed extension file a pip package ships for this DuckDB version."""
    version, _ = duckdb_version_and_platform()
    package = "duckdb_extension_" + name
    spec = util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise CustomsEtlError(
            f"DuckDB extension {name!r} is not installed: pip install "
            f"{PACKAGES[name]}=={version.lstrip('v')} (a customs-etl dependency; no download "
            "at run time)"
        )
    found = Path(next(iter(spec.submodule_search_locations))) / "extensions" / version
    path = found / f"{name}.duckdb_extension"
    if not path.is_file():
        raise CustomsEtlError(
            f"DuckDB extension {name!r} for DuckDB {version} not found in {found}: install "
            f"{PACKAGES[name]}=={version.lstrip('v')}, the version of duckdb itself"
        )
    return path


def _candidates(key: str) -> list[Path]:
    """Where the symlink folder may live: beside the packages (a venv the user owns), else
    the user's cache, else the temp folder."""
    places = []
    spec = util.find_spec("duckdb_extension_ducklake")
    if spec is not None and spec.submodule_search_locations:
        site = Path(next(iter(spec.submodule_search_locations))).parent
        places.append(site / "customs_etl_duckdb_extensions")
    cache_home = Path(os.path.expanduser("~")) / ".cache"
    places.append(cache_home / "customs-etl" / f"duckdb-extensions-{key}")
    places.append(Path(tempfile.gettempdir()) / f"customs-etl-{os.getuid()}-ext-{key}")
    return places


def _link(target: Path, link: Path) -> None:
    """``link`` → ``target``, replaced atomically (processes may build the folder at once)."""
    if link.is_symlink() and os.readlink(link) == str(target):
        return
    temp = link.with_name(f".{link.name}.{os.getpid()}.tmp")
    temp.unlink(missing_ok=True)
    os.symlink(target, temp)
    os.replace(temp, link)


@cache
def extension_directory(names: tuple[str, ...] = LAKE_EXTENSIONS) -> Path:
    """A folder DuckDB can use as ``extension_directory`` holding ``names`` (symlinks)."""
    version, platform = duckdb_version_and_platform()
    files = {name: extension_file(name) for name in names}
    key = hashlib.sha256("|".join(str(f) for f in files.values()).encode()).hexdigest()[:12]
    errors = []
    for root in _candidates(key):
        folder = root / version / platform
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for name, target in files.items():
                _link(target, folder / f"{name}.duckdb_extension")
        except OSError as exc:
            errors.append(f"{root}: {exc.strerror or exc}")
            continue
        return root
    raise CustomsEtlError("cannot lay out DuckDB's extension folder: " + "; ".join(errors))


def connect_config(names: tuple[str, ...] = LAKE_EXTENSIONS) -> dict[str, object]:
    """``duckdb.connect`` config: extensions from the packages, autoloaded, never downloaded."""
    return {
        "extension_directory": str(extension_directory(names)),
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": True,
    }
