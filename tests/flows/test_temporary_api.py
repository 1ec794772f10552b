"""Prefect's temporary API started early (issue 21): only when nothing else is configured, and
Prefect's own settings still decide whether it is used."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from customs_etl.flows import temporary_api


def test_nothing_is_spawned_once_prefect_is_loaded_or_an_api_is_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import prefect  # noqa: F401  (the suite's harness has loaded it: its API wins)

    assert temporary_api.spawn() is None
    monkeypatch.setitem(sys.modules, "prefect", None)  # as if not imported yet
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    assert temporary_api.spawn() is None


_FRESH = """
import json, os, sys
from customs_etl.flows import temporary_api
api = temporary_api.spawn()
spawned = api is not None and "prefect" not in sys.modules
temporary_api.adopt(api)
print(json.dumps({"spawned": spawned, "stopped": api.process.poll() is not None,
                  "url": os.environ.get("PREFECT_API_URL")}))
"""


def test_prefect_settings_that_forbid_a_temporary_api_stop_the_early_one(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env |= {"PREFECT_HOME": str(tmp_path), "PREFECT_SERVER_EPHEMERAL_ENABLED": "false"}
    done = subprocess.run([sys.executable, "-c", _FRESH], env=env, capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found == {"spawned": True, "stopped": True, "url": None}
