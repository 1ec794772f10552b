"""Great Expectations imported the light way (``expectations/gx_loading.py``) validates exactly
as when imported whole, and the parts it defers still work when something asks for them."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from customs_etl.expectations import gx_loading
from tests.support import paths

# Validates a small export with three planted failures; prints what GX found, as JSON, and
# which of the deferred/hidden modules were really loaded by then.
VALIDATION = textwrap.dedent(
    """
    import json, sys
    {first}
    from datetime import date
    from customs_etl.expectations.suites import QUERY_RELEASE_SUITE
    from customs_etl.expectations.validate import validate
    from customs_etl.transforms.normalise import query_observations
    from customs_etl.transforms.query_export import parse_query_export
    from tests.support.exports import july_export
    from tests.support.pipeline import validation_frame_of

    export = parse_query_export(july_export(), "x.csv")
    frame = validation_frame_of(query_observations(export, release_id="r", flow="export"),
                                date(2025, 8, 20))
    for column, value in (("quantity_num", -1.0), ("trade_mode", "77"), ("partner", None)):
        frame[column] = frame[column].astype(object)
        frame.at[1, column] = value
    report, result = validate(frame, QUERY_RELEASE_SUITE, frame["source_row"])
    found = [
        [r["expectation_config"]["type"], r["expectation_config"]["kwargs"], r["success"],
         r["result"]]
        for r in result.to_json_dict()["results"]
    ]
    checks = [[c.expectation, c.column, c.success, c.rows] for c in report.checks]
    loaded = sorted(n for n in ("scipy.stats", "altair", "sqlalchemy", "boto3")
                    if type(sys.modules.get(n)).__name__ == "module")
    print(json.dumps({{"found": found, "checks": checks, "loaded": loaded}}, sort_keys=True,
                     default=str))
    """
)


def _validate(first: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", VALIDATION.format(first=first)],
        capture_output=True, text=True, cwd=paths.ROOT, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_light_import_validates_exactly_as_the_whole_gx() -> None:
    light = _validate("")
    whole = _validate("import great_expectations  # before customs_etl: the whole import")
    assert light["loaded"] == [], "the light import loaded what it defers or hides"
    assert set(whole["loaded"]) == {"scipy.stats", "altair", "sqlalchemy", "boto3"}
    assert [c[2] for c in light["checks"]].count(False) >= 3  # the planted failures show
    assert light["found"] == whole["found"] and light["checks"] == whole["checks"]


def test_deferred_module_loads_when_used_and_then_is_the_real_one() -> None:
    script = textwrap.dedent(
        """
        import sys
        import customs_etl.expectations.suites  # imports GX the light way
        from great_expectations.compatibility import sqlalchemy as gx_sa
        import scipy.stats
        assert type(sys.modules["scipy.stats"]).__name__ == "_Deferred"
        assert getattr(scipy.stats, "__file__", None) is None   # probed in passing: not loaded
        assert round(float(scipy.stats.entropy([0.5, 0.5])), 6) == 0.693147  # used: loaded
        assert type(sys.modules["scipy.stats"]).__name__ == "module"
        from scipy.stats import contingency                      # submodules import as usual
        import sqlalchemy                                        # hidden from GX only
        assert sqlalchemy.__version__ and not gx_sa.sqlalchemy   # GX: SQL left unavailable
        print("ok")
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=paths.ROOT, timeout=300, check=False)  # fmt: skip
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


def test_deferred_stand_in_forwards_and_imports_submodules() -> None:
    name, submodule = "dbm", "dumb"  # a standard-library package nothing here imports
    if name in sys.modules:
        pytest.skip(f"{name} already imported")
    stand_in = gx_loading._Deferred(name)
    sys.modules[name] = stand_in
    try:
        assert getattr(stand_in, "__wrapped__", None) is None and "_real" not in vars(stand_in)
        import dbm.dumb  # the parent's __path__ is read: the real package loads

        assert sys.modules[name] is not stand_in and getattr(stand_in, submodule) is dbm.dumb
    finally:
        for loaded in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
            del sys.modules[loaded]


def test_install_is_once_and_not_when_gx_is_loaded() -> None:
    before = list(sys.meta_path)
    try:
        gx_loading.uninstall()
        gx_loading.install()
        gx_loading.install()
        finders = [f for f in sys.meta_path if isinstance(f, gx_loading._FirstGxImport)]
        assert len(finders) == (0 if gx_loading.GX in sys.modules else 1)
    finally:
        sys.meta_path[:] = before
