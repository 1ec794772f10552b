"""The package as users install it: one top-level namespace, layers that point down, its data.

The wheel is built once per session from this checkout (in-process setuptools, no download)
and installed into a private folder; every check runs against that copy, from outside the
checkout, so nothing here passes only because the repository is on the path.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.support import paths

ROOT = paths.ROOT
BIN = Path(sys.executable).parent


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel of the committed-or-staged tree, built in a copy (a build leaves build/ and
    *.egg-info behind; the checkout stays as it is)."""
    out = tmp_path_factory.mktemp("wheel")
    source = tmp_path_factory.mktemp("source")
    tracked = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout.splitlines()
    for name in tracked:
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--wheel-dir", str(out), str(source)],
        check=True, capture_output=True, cwd=out,
    )  # fmt: skip
    (built,) = out.glob("customs_etl-*.whl")
    return built


@pytest.fixture(scope="session")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target",
         str(target), str(wheel)],
        check=True, capture_output=True,
    )  # fmt: skip
    return target


def _python(installed: Path, code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``code`` with the installed wheel first on the path, from outside the checkout."""
    env = {**os.environ, "PYTHONPATH": str(installed)}
    env.pop("PREFECT_API_URL", None)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def test_the_wheel_installs_one_top_level_package(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        tops = {name.split("/", 1)[0] for name in archive.namelist()}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"customs_etl"}


def test_a_publisher_folder_is_packaged_without_a_line_of_configuration(
    wheel: Path, installed: Path, tmp_path: Path
) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    folder = "customs_etl/publishers/gacc_preliminary/"
    assert {f"{folder}__init__.py", f"{folder}gacc_preliminary_release.json"} <= names
    code = """
import json
from customs_etl.expectations.suites import load_suite
from customs_etl.publishers.registry import automated, publisher
found = publisher("gacc-preliminary")
print(json.dumps({"automated": [p.name for p in automated()],
                  "suite": len(load_suite(found.release_suite).expectations)}))
"""
    result = _python(installed, code, tmp_path)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found == {"automated": ["gacc_preliminary", "gacc_bulletin", "comtrade"], "suite": 17}


def test_layers_only_point_down(installed: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(installed)}
    result = subprocess.run(
        [str(BIN / "lint-imports"), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_the_installed_copy_finds_its_data_and_deployments(
    installed: Path, tmp_path: Path
) -> None:
    code = """
import json
import customs_etl
from customs_etl.core.partners import load_partner_table
from customs_etl.expectations.suites import BUILDERS, load_suite
from customs_etl.flows.deployments import build_deployments
from customs_etl.publishers.sample import sample_months
from customs_etl.warehouse.migration_files import known_schema_version
print(json.dumps({
    "file": customs_etl.__file__,
    "deployments": sorted(d.name for d in build_deployments()),
    "partners": len(load_partner_table()),
    "suites": {n: len(load_suite(n).expectations) for n in BUILDERS},
    "sample_months": len(sample_months()),
    "schema": known_schema_version(),
}))
"""
    result = _python(installed, code, tmp_path)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["file"].startswith(str(installed))
    assert found["deployments"] == ["backfill", "landing", "monthly"]
    assert found["partners"] > 240 and found["sample_months"] == 19 and found["schema"] >= 5
    assert all(count > 0 for count in found["suites"].values())


def test_serve_from_the_installed_copy_reads_its_deployments(
    installed: Path, tmp_path: Path
) -> None:
    code = "import sys; sys.argv = ['customs-etl', 'serve']; import customs_etl.__main__"
    result = _python(installed, code, tmp_path)
    assert result.returncode == 1
    assert "serve needs a Prefect server for its 3 deployment(s)" in result.stderr


def test_importing_has_no_side_effects_and_the_run_report_stays_light(tmp_path: Path) -> None:
    code = """
import json, os, sys
before = dict(os.environ)
import customs_etl.cli, customs_etl.flows.run_report, customs_etl.core.models
light = [m for m in ("pandas", "great_expectations", "duckdb", "prefect") if m in sys.modules]
print(json.dumps({"changed": sorted(k for k in set(os.environ) | set(before)
                                    if os.environ.get(k) != before.get(k)),
                  "heavy": light}))
"""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found == {"changed": [], "heavy": []}


def test_no_module_imports_one_that_imports_it_back(installed: Path, tmp_path: Path) -> None:
    """An import circle (even through a function-level import) ties two modules into one:
    neither can be read, tested or moved alone. Every import of every module is checked."""
    code = """
import grimp
graph = grimp.build_graph("customs_etl", include_external_packages=False)
circles = set()
for module in graph.modules:
    for imported in graph.find_modules_directly_imported_by(module):
        if graph.chain_exists(importer=imported, imported=module):
            circles.add(" <-> ".join(sorted((module, imported))))
print(len(graph.modules))
print("\\n".join(sorted(circles)))
"""
    result = _python(installed, code, tmp_path)
    assert result.returncode == 0, result.stderr
    count, *circles = result.stdout.strip().splitlines()
    assert int(count) > 60  # the whole package was read
    assert circles == []


LAYER_FOLDERS = ("core", "flows", "pipeline", "publishers", "transforms", "expectations",
                 "warehouse", "reports", "customs_etl")  # fmt: skip


def test_no_two_modules_share_a_name_across_layers() -> None:
    """``flows/pipeline.py`` beside ``pipeline/`` and ``pipeline/history.py`` beside
    ``warehouse/history.py`` made readers guess which one an import meant. A publisher's own
    modules (``publishers/<name>/client.py``) follow the publishers' shared shape and count as
    one name for all of them."""
    owners: dict[str, set[str]] = {}
    for folder in LAYER_FOLDERS:
        for module in (paths.ROOT / folder).rglob("*.py"):
            relative = module.relative_to(paths.ROOT)
            if module.name == "__init__.py" or "data" in relative.parts:
                continue
            in_publisher = relative.parts[0] == "publishers" and len(relative.parts) > 2
            owners.setdefault(module.stem, set()).add(
                "publishers/<name>" if in_publisher else str(relative.parent)
            )
    shared = {name: sorted(where) for name, where in owners.items() if len(where) > 1}
    assert len(owners) > 60
    assert shared == {}
