"""Prefect's temporary API, started before Prefect is imported so it boots while we import.

Without ``PREFECT_API_URL`` Prefect starts a temporary API server (a ``uvicorn`` child) the
first time a client is built, i.e. when the flow starts: the run waited for our imports (GX,
Prefect: ~5 s), then for Prefect to import its whole server module into our process just to
spawn the child (~3 s), then for the child to import the same server and answer (~5 s). The
child's start is nearly all imports: migrations and block registration on an up-to-date
database cost nothing measurable (docs/performance.md).

``spawn`` starts the same child with the same command Prefect uses, first thing, so it boots
on the other core while this process imports; ``adopt`` then checks Prefect's own settings
(an API URL from any source — environment, profile, ``prefect.toml`` — or
``PREFECT_SERVER_EPHEMERAL_ENABLED=false`` win: the child is stopped unused), waits for its
``/health`` and points this process's client at it. This process never imports Prefect's
server module. With ``PREFECT_API_URL`` in the environment, or Prefect already imported (the
test suite's harness), nothing is spawned and Prefect behaves as before.

The child is spawned with SIGINT blocked (it inherits the mask across exec), so a terminal's
Ctrl-C never reaches it (see ``interrupts``); it is stopped when the process exits, after
Prefect's own exit handlers have sent the run's last logs and events.
"""

from __future__ import annotations

import atexit
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

from customs_etl.core.settings import settings

PORT_IN_USE = 3  # uvicorn's exit status when the port was taken meanwhile (Prefect retries)
# What Prefect's SubprocessASGIServer sets for its child: no UI, ephemeral services only.
SERVER_ENV = {"PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1",
              "PREFECT__SERVER_FINAL": "1"}  # fmt: skip


@dataclass
class TemporaryApi:
    """A temporary Prefect API child process on 127.0.0.1."""

    process: subprocess.Popen[bytes]
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def stop(self) -> None:
        """Terminate the child (as Prefect stops its own: SIGTERM, then kill after 5 s)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _launch(port: int) -> subprocess.Popen[bytes]:
    """Prefect's own command for its temporary server, spawned with SIGINT blocked."""
    spec = find_spec("prefect")
    assert spec is not None and spec.origin is not None  # a dependency: always installed
    app_dir = Path(spec.origin).parent.parent
    args = [sys.executable, "-m", "uvicorn", "--app-dir", str(app_dir), "--factory",
            "prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port", str(port),
            "--log-level", "error", "--lifespan", "on"]  # fmt: skip
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        return subprocess.Popen(args, env={**os.environ, **SERVER_ENV})
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)  # a Ctrl-C meanwhile lands now


def spawn() -> TemporaryApi | None:
    """Start the temporary API now, unless an API is configured or Prefect is loaded already.

    Only ``PREFECT_API_URL`` in the environment is seen here (through ``core.settings``;
    reading Prefect's settings would import Prefect, the cost this saves); ``adopt`` checks
    the rest.
    """
    if settings().prefect_api_url or "prefect" in sys.modules:
        return None
    port = _free_port()
    api = TemporaryApi(_launch(port), port)
    atexit.register(api.stop)  # before Prefect's handlers: runs after them (LIFO)
    return api


def _wait_healthy(api: TemporaryApi, timeout: float) -> None:
    """Poll ``/health`` as Prefect does; re-spawn on another port if this one was taken."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = api.process.poll()
        if status == PORT_IN_USE:
            api.port = _free_port()
            api.process = _launch(api.port)
        elif status is not None:
            raise RuntimeError(f"Prefect's temporary API server exited with status {status}")
        try:
            with urllib.request.urlopen(f"{api.url}/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    api.stop()
    raise RuntimeError(
        f"Timed out after {timeout:.0f} s waiting for Prefect's temporary API server "
        "(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS)"
    )


def adopt(api: TemporaryApi | None) -> None:
    """From now on Prefect's client in this process talks to ``api`` (if it is to be used).

    Prefect's settings decide: when they name an API or forbid a temporary one, ``api`` is
    stopped and Prefect is left as configured. The URL stays set to the end: Prefect's
    exit handlers still send the run's last logs and events to it (unset, they would start a
    temporary server of their own).
    """
    if api is None:
        return
    from prefect.context import refresh_global_settings_context
    from prefect.settings import get_current_settings

    prefect = get_current_settings()  # not ours (``settings`` is core's, imported above)
    if prefect.api.url or not prefect.server.ephemeral.enabled:
        api.stop()
        return
    _wait_healthy(api, prefect.server.ephemeral.startup_timeout_seconds)
    os.environ["PREFECT_API_URL"] = api.url
    refresh_global_settings_context()
