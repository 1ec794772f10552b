"""Prefect's temporary API, started before Prefect is imported and shared by later runs.

Without ``PREFECT_API_URL`` Prefect starts a temporary API server (a ``uvicorn`` child) the
first time a client is built, i.e. when the flow starts: the run waited for our imports (GX,
Prefect: ~5 s), then for Prefect to import its whole server module into our process just to
spawn the child (~3 s), then for the child to import the same server and answer (~5 s). The
child's start is nearly all imports: migrations and block registration on an up-to-date
database cost nothing measurable (docs/performance.md).

``spawn`` provides that API first thing, so it boots on the other core while this process
imports; ``adopt`` then checks Prefect's own settings (an API URL from any source —
environment, profile, ``prefect.toml`` — or ``PREFECT_SERVER_EPHEMERAL_ENABLED=false`` win:
the API is not used), waits for its ``/health`` and points this process's client at it. This
process never imports Prefect's server module. With ``PREFECT_API_URL`` in the environment,
or Prefect already imported (the test suite's harness), nothing is spawned and Prefect
behaves as before.

Shared (``CUSTOMS_ETL_PREFECT_API_IDLE_MINUTES`` > 0, the default 10): the API outlives the
run and later runs reuse it, so only the first run of a while pays its start. State, lock and
log files live in ``PREFECT_HOME`` (``customs-etl-api.*``). Under the lock a run reuses the
API the state file names when it was started with the same settings (``fingerprint``: this
Python, Prefect's version, every ``PREFECT_*`` variable but the API URL, Prefect's settings
files) and answers ``/health`` at once; otherwise it starts a new one, detached from the
terminal (its own session; output to the log file), records it, and keeps the lock until
``adopt`` has seen it answer, so runs starting together share one. The child
(``flows.idle_api``) stops itself after that many idle minutes; while a run uses it, a thread
here asks ``/health`` often enough to keep it up. A shared API this run did not start is
never stopped by it, even unused (another run may use it); one it just started and does not
use is stopped.

Private (0): the child is Prefect's own command, spawned with SIGINT blocked (it inherits the
mask across exec) so a terminal's Ctrl-C never reaches it (see ``interrupts``), and stopped
when the process exits, after Prefect's own exit handlers have sent the run's last logs and
events.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import hashlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
import tomllib
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from importlib.util import find_spec
from pathlib import Path
from typing import IO

from customs_etl.core.settings import prefect_variables, settings
from customs_etl.flows.interrupts import sigint_blocked

PORT_IN_USE = 3  # uvicorn's exit status when the port was taken meanwhile (Prefect retries)
# What Prefect's SubprocessASGIServer sets for its child: no UI, ephemeral services only.
SERVER_ENV = {"PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1",
              "PREFECT__SERVER_FINAL": "1"}  # fmt: skip
STATE = "customs-etl-api.json"  # the shared API: pid, port, fingerprint (in PREFECT_HOME)
LOCK = "customs-etl-api.lock"  # held while a run checks for, starts, or a child retires one
LOG = "customs-etl-api.log"  # the shared API's output (never the user's terminal)
LOG_KEPT = 1024 * 1024  # a longer log is moved to .log.1 when a new API starts
LOCK_WAIT = 150.0  # seconds a run waits for another's start (its timeout is 120 s) then goes alone
REUSE_ANSWER = 1.0  # seconds a shared API may take to answer /health to be reused
# Files Prefect reads its settings from besides the environment (PREFECT_HOME's profiles
# are found through ``prefect_home``): a change in them is a change of settings.
SETTINGS_FILES = (".env", "prefect.toml")
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # 127.0.0.1: no proxy


@dataclass
class TemporaryApi:
    """A temporary Prefect API on 127.0.0.1: a child of this process or a shared one."""

    process: subprocess.Popen[bytes] | None  # None: a shared API another run started
    port: int
    pid: int = 0
    idle_minutes: float = 0.0  # > 0: shared, outlives this process
    home: Path | None = None  # PREFECT_HOME of a shared API (its state file)
    lock: IO[str] | None = None  # held from a shared start until ``adopt`` saw it answer
    _beating: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        if self.process is not None:
            self.pid = self.process.pid

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    @property
    def shared(self) -> bool:
        return self.idle_minutes > 0

    def relaunch(self) -> None:
        """Start this API again on a free port (its port was taken meanwhile)."""
        self.port = _free_port()
        if self.shared:
            assert self.home is not None
            self.process = _launch_shared(self.port, self.idle_minutes, self.home)
            self.pid = self.process.pid
            _write_state(self.home, self.pid, self.port)
        else:
            self.process = _launch(self.port)
            self.pid = self.process.pid

    def release(self) -> None:
        """Let other runs check for (and reuse) the shared API."""
        if self.lock is not None:
            self.lock.close()  # closing the file releases the flock
            self.lock = None

    def stop(self) -> None:
        """Stop an API this process started (as Prefect stops its own: SIGTERM, then kill
        after 5 s) and forget it; a shared API another run started is only no longer used."""
        self._beating.set()
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process is not None and self.home is not None:
            forget(self.home, self.pid)
        self.release()

    def keep_alive(self) -> None:
        """Ask ``/health`` in a daemon thread, often enough that a shared API never sees this
        run idle (Prefect's own calls count too, but a long load makes none)."""
        every = min(60.0, self.idle_minutes * 60 / 4)

        def beat() -> None:
            while not self._beating.wait(every):
                _answers(self.port, 5.0)

        threading.Thread(target=beat, name="prefect-api-keepalive", daemon=True).start()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def prefect_app_dir() -> Path:
    spec = find_spec("prefect")
    assert spec is not None and spec.origin is not None  # a dependency: always installed
    return Path(spec.origin).parent.parent


def _launch(port: int) -> subprocess.Popen[bytes]:
    """Prefect's own command for its temporary server, spawned with SIGINT blocked."""
    args = [sys.executable, "-m", "uvicorn", "--app-dir", str(prefect_app_dir()), "--factory",
            "prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port", str(port),
            "--log-level", "error", "--lifespan", "on"]  # fmt: skip
    with sigint_blocked():
        return subprocess.Popen(args, env={**os.environ, **SERVER_ENV})


def _launch_shared(port: int, idle_minutes: float, home: Path) -> subprocess.Popen[bytes]:
    """The same server through ``flows.idle_api``: detached, output to the log file."""
    args = [sys.executable, "-m", "customs_etl.flows.idle_api", "--port", str(port),
            "--idle-minutes", repr(idle_minutes), "--home", str(home)]  # fmt: skip
    log = home / LOG
    with contextlib.suppress(OSError):
        if log.stat().st_size > LOG_KEPT:
            log.replace(log.with_name(LOG + ".1"))
    with sigint_blocked(), open(log, "ab") as output:
        return subprocess.Popen(args, env={**os.environ, **SERVER_ENV},
                                stdin=subprocess.DEVNULL, stdout=output, stderr=output,
                                start_new_session=True)  # fmt: skip


def prefect_home() -> Path:
    """``PREFECT_HOME`` as Prefect resolves it (``~/.prefect`` when unset), without Prefect."""
    return Path(settings().prefect_home or Path("~") / ".prefect").expanduser()


def _settings_files(home: Path) -> dict[str, str]:
    """A digest of each file Prefect reads settings from that exists (profiles, ``.env``,
    ``prefect.toml``, ``pyproject.toml``'s ``[tool.prefect]``)."""
    profiles = prefect_variables().get("PREFECT_PROFILES_PATH") or str(home / "profiles.toml")
    found: dict[str, str] = {}
    for name in (profiles, *SETTINGS_FILES, "pyproject.toml"):
        try:
            content = Path(name).expanduser().read_bytes()
        except OSError:
            continue
        if name == "pyproject.toml":
            try:
                table = tomllib.loads(content.decode()).get("tool", {}).get("prefect")
            except (UnicodeDecodeError, tomllib.TOMLDecodeError):
                table = None
            if table is None:
                continue
            content = json.dumps(table, sort_keys=True, default=str).encode()
        found[name] = hashlib.sha256(content).hexdigest()
    return found


def fingerprint(home: Path) -> str:
    """What decides the settings of an API this run would start, as one digest: this Python,
    Prefect's version, every ``PREFECT_*`` variable but the API URL, Prefect's settings files
    (a digest: the state file never holds a variable's value, an API key above all)."""
    try:
        prefect = version("prefect")
    except PackageNotFoundError:
        prefect = None
    variables = {k: v for k, v in prefect_variables().items() if k != "PREFECT_API_URL"}
    mark = {"python": sys.executable, "prefect": prefect, "variables": variables,
            "files": _settings_files(home)}  # fmt: skip
    return hashlib.sha256(json.dumps(mark, sort_keys=True).encode()).hexdigest()


def read_state(home: Path) -> dict[str, object] | None:
    """The shared API the state file names (pid, port, fingerprint), or None."""
    try:
        found = json.loads((home / STATE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return found if isinstance(found, dict) else None


def _write_state(home: Path, pid: int, port: int) -> None:
    """Replace the state file at once (a reader never sees half of it)."""
    state = {"pid": pid, "port": port, "fingerprint": fingerprint(home)}
    temporary = home / f".{STATE}.{os.getpid()}.tmp"
    temporary.write_text(json.dumps(state) + "\n", encoding="utf-8")
    temporary.replace(home / STATE)


def forget(home: Path, pid: int) -> None:
    """Remove the state file if it still names the API ``pid`` (another may have replaced it)."""
    found = read_state(home)
    if found is not None and found.get("pid") == pid:
        with contextlib.suppress(FileNotFoundError):
            (home / STATE).unlink()


@contextlib.contextmanager
def locked(home: Path, wait: float) -> Iterator[IO[str] | None]:
    """The lock file of ``home``, locked; None after ``wait`` seconds of another holding it."""
    handle = open(home / LOCK, "a", encoding="utf-8")  # noqa: SIM115 (closed below or by the caller)
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() >= deadline:
                handle.close()
                yield None
                return
            time.sleep(0.05)
    try:
        yield handle
    finally:
        handle.close()


def _running(pid: object) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _answers(port: object, timeout: float) -> bool:
    """Whether ``/api/health`` on 127.0.0.1:``port`` answers 200 within ``timeout`` seconds."""
    if not isinstance(port, int):
        return False
    try:
        with _DIRECT.open(f"http://127.0.0.1:{port}/api/health", timeout=timeout) as answer:
            return bool(answer.status == 200)
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _private() -> TemporaryApi:
    port = _free_port()
    api = TemporaryApi(_launch(port), port)
    atexit.register(api.stop)  # before Prefect's handlers: runs after them (LIFO)
    return api


def _shared(idle_minutes: float) -> TemporaryApi:
    """Reuse the shared API if it was started with this run's settings and answers, else
    start one (the lock is kept until ``adopt``: a run starting meanwhile waits, then reuses)."""
    home = prefect_home()
    home.mkdir(parents=True, exist_ok=True)
    with locked(home, LOCK_WAIT) as lock:
        if lock is None:  # another run holds it far longer than any start: go alone
            return _private()
        found = read_state(home) or {}
        pid, port = found.get("pid"), found.get("port")
        if (
            found.get("fingerprint") == fingerprint(home)
            and _running(pid)
            and _answers(port, REUSE_ANSWER)
        ):
            assert isinstance(pid, int) and isinstance(port, int)
            api = TemporaryApi(None, port, pid, idle_minutes, home)
        else:
            port = _free_port()
            process = _launch_shared(port, idle_minutes, home)
            _write_state(home, process.pid, port)
            # The lock outlives this block: ``adopt`` (or the process's end) releases it.
            kept = os.fdopen(os.dup(lock.fileno()), "a", encoding="utf-8")
            api = TemporaryApi(process, port, 0, idle_minutes, home, kept)
            atexit.register(api.release)
    api.keep_alive()
    return api


def spawn() -> TemporaryApi | None:
    """Provide the temporary API now, unless an API is configured or Prefect is loaded already.

    Only ``PREFECT_API_URL`` in the environment is seen here (through ``core.settings``;
    reading Prefect's settings would import Prefect, the cost this saves); ``adopt`` checks
    the rest.
    """
    current = settings()
    if current.prefect_api_url or "prefect" in sys.modules:
        return None
    if current.prefect_api_idle_minutes > 0:
        try:
            return _shared(current.prefect_api_idle_minutes)
        except OSError:  # PREFECT_HOME not writable for our files: a child of this run, then
            pass
    return _private()


def _wait_healthy(api: TemporaryApi, timeout: float) -> None:
    """Poll ``/health`` as Prefect does; re-spawn on another port if this one was taken."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = api.process.poll() if api.process is not None else None
        if status == PORT_IN_USE:
            api.relaunch()
        elif status is not None or (api.process is None and not _running(api.pid)):
            api.stop()
            raise RuntimeError(f"Prefect's temporary API server exited with status {status}")
        if _answers(api.port, 2):
            return
        time.sleep(0.1)
    api.stop()
    raise RuntimeError(
        f"Timed out after {timeout:.0f} s waiting for Prefect's temporary API server "
        "(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS)"
    )


def _import_flow_start() -> None:
    """Import now what Prefect imports when a flow is called (its flow engine; FastAPI's JSON
    encoder, for the run's parameters): ~0.5 s that overlaps a starting API's boot instead of
    following it. Never extra work: the flow call finds them loaded."""
    import fastapi.encoders  # noqa: F401
    import prefect.flow_engine  # noqa: F401


def adopt(api: TemporaryApi | None) -> None:
    """From now on Prefect's client in this process talks to ``api`` (if it is to be used).

    Prefect's settings decide: when they name an API or forbid a temporary one, ``api`` is
    not used (stopped if this process started it) and Prefect is left as configured. The URL
    stays set to the end: Prefect's exit handlers still send the run's last logs and events to
    it (unset, they would start a temporary server of their own).
    """
    if api is None:
        return
    from prefect.context import refresh_global_settings_context
    from prefect.settings import get_current_settings

    prefect = get_current_settings()  # not ours (``settings`` is core's, imported above)
    if prefect.api.url or not prefect.server.ephemeral.enabled:
        api.stop()
        return
    _import_flow_start()
    try:
        _wait_healthy(api, prefect.server.ephemeral.startup_timeout_seconds)
    finally:
        api.release()
    os.environ["PREFECT_API_URL"] = api.url
    refresh_global_settings_context()
