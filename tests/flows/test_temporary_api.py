"""Prefect's temporary API started early (issue 21): only when nothing else is configured,
Prefect's own settings still decide whether it is used, and a shared one is reused by later
runs with the same settings until it stops itself, idle."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from customs_etl.flows import temporary_api
from tests.support.faults import alive


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


# Shared (CUSTOMS_ETL_PREFECT_API_IDLE_MINUTES > 0): the API outlives a run, later runs with the
# same settings reuse it, and it stops itself once idle. Every run is a fresh process, as a
# command is; every server a test starts is killed at its end whatever happened.

_ADOPT = """
import json, os, time
started = time.monotonic()
from customs_etl.flows import temporary_api
api = temporary_api.spawn()
import prefect.context, prefect.settings  # what adopt imports: timed apart from the wait
imported = time.monotonic()
temporary_api.adopt(api)
print(json.dumps({"pid": api.pid, "port": api.port, "url": os.environ.get("PREFECT_API_URL"),
                  "waited": time.monotonic() - imported}))
"""

_SPAWN_ONLY = """
import json
from customs_etl.flows import temporary_api
api = temporary_api.spawn()
print(json.dumps({"pid": api.pid, "port": api.port, "started": api.process is not None}))
"""

_FINGERPRINT = """
from customs_etl.flows import temporary_api
print(temporary_api.fingerprint(temporary_api.prefect_home()))
"""


def _environment(home: Path, idle_minutes: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    return env | {"PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                  "PREFECT_LOGGING_LEVEL": "WARNING",
                  "CUSTOMS_ETL_PREFECT_API_IDLE_MINUTES": idle_minutes, **extra}  # fmt: skip


def _python(script: str, env: dict[str, str], cwd: Path) -> dict[str, object] | str:
    done = subprocess.run([sys.executable, "-c", script], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=180)  # fmt: skip
    assert done.returncode == 0, done.stderr
    last = done.stdout.strip().splitlines()[-1]
    return last if script is _FINGERPRINT else json.loads(last)


@pytest.fixture
def servers() -> Iterator[list[int]]:
    """Pids of the API servers a test started: killed at its end if still running."""
    started: list[int] = []
    yield started
    for pid in started:
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"idle_api" in command or b"uvicorn" in command:  # never a recycled pid's process
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def test_a_second_run_reuses_the_shared_api_which_stops_itself_when_idle(
    tmp_path: Path, servers: list[int]
) -> None:
    home = tmp_path / "home"
    env = _environment(home, "0.1")  # 6 s idle
    first = _python(_ADOPT, env, tmp_path)
    assert isinstance(first, dict)
    servers.append(int(first["pid"]))  # type: ignore[call-overload]
    assert first["url"] == f"http://127.0.0.1:{first['port']}/api"
    pid = int(first["pid"])  # type: ignore[call-overload]
    assert alive(pid), "the shared API stopped with the run that started it"
    assert os.getsid(pid) == pid  # its own session: a terminal's Ctrl-C never reaches it

    second = _python(_ADOPT, env, tmp_path)
    assert isinstance(second, dict)
    runs = f"first {first}, second {second}"
    same = (second["pid"], second["port"], second["url"]) == (pid, first["port"], first["url"])
    assert same, runs
    assert float(second["waited"]) < 1.0 < float(first["waited"]), runs  # type: ignore[arg-type]
    state = json.loads((home / temporary_api.STATE).read_text())
    assert (state["pid"], state["port"]) == (pid, first["port"])

    deadline = time.monotonic() + 60
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.25)
    assert not alive(pid), "the shared API did not stop after its idle minutes"
    assert not (home / temporary_api.STATE).exists()


def test_with_idle_zero_the_api_stops_with_the_run(tmp_path: Path) -> None:
    found = _python(_SPAWN_ONLY, _environment(tmp_path / "home", "0"), tmp_path)
    assert isinstance(found, dict) and found["started"]
    assert not alive(int(found["pid"]))  # type: ignore[call-overload]
    assert not (tmp_path / "home").exists()  # nothing shared: no state, lock or log


class _Health(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200 if self.path == "/api/health" else 404)
        self.send_header("Content-Length", "4")
        self.end_headers()
        self.wfile.write(b"true")

    def log_message(self, *args: object) -> None:
        pass


def test_only_a_live_api_started_with_the_same_settings_is_reused(
    tmp_path: Path, servers: list[int]
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env = _environment(home, "10")
    mark = _python(_FINGERPRINT, env, tmp_path)
    stand_in = ThreadingHTTPServer(("127.0.0.1", 0), _Health)  # answers /api/health like one
    threading.Thread(target=stand_in.serve_forever, daemon=True).start()
    live = int(stand_in.server_address[1])
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        silent = int(probe.getsockname()[1])  # nothing listens once the probe is closed

    def run(pid: int, port: int, env: dict[str, str] = env) -> dict[str, object]:
        state = {"pid": pid, "port": port, "fingerprint": mark}
        (home / temporary_api.STATE).write_text(json.dumps(state))
        found = _python(_SPAWN_ONLY, env, tmp_path)
        assert isinstance(found, dict)
        if found["started"]:
            servers.append(int(found["pid"]))  # type: ignore[call-overload]
            os.kill(int(found["pid"]), signal.SIGKILL)  # type: ignore[call-overload]
        return found

    try:
        reused = run(os.getpid(), live)
        assert (reused["started"], reused["pid"], reused["port"]) == (False, os.getpid(), live)
        other = run(os.getpid(), live, env | {"PREFECT_CLIENT_MAX_RETRIES": "7"})
        assert other["started"] and other["port"] != live
        state = json.loads((home / temporary_api.STATE).read_text())
        assert state["pid"] == other["pid"] and state["fingerprint"] != mark
        assert run(int(dead.stdout), live)["started"]  # its server is gone
        assert run(os.getpid(), silent)["started"]  # nothing answers on its port
    finally:
        stand_in.shutdown()
        stand_in.server_close()
