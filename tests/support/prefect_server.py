"""A real ``prefect server start`` on 127.0.0.1 for tests, with its own PREFECT_HOME.

Why: deployments, work pools and workers only show their real behaviour against a real server
process (the in-process test harness has no workers). Usage::

    with prefect_server(tmp_path) as server:
        server.cli("work-pool", "create", "customs-etl", "--type", "process")
        with server.background("worker", "start", "--pool", "customs-etl", cwd=tmp_path):
            ...
        print(server.log_tail())   # server and worker output, for failure messages

Every background process runs in its own process group and is stopped (terminate, then kill)
when its ``with`` block ends, failing test or not. Nothing here touches the network: analytics
and the UI are off, and the API listens on 127.0.0.1 only.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

PREFECT = Path(sys.executable).parent / "prefect"
STOP_GRACE_SECONDS = 10.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_env(extra: Mapping[str, str]) -> dict[str, str]:
    """This process's environment without Prefect or customs-etl settings, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "CUSTOMS_ETL_"))}
    env.update(extra)
    return env


def _tail(path: Path, lines: int) -> str:
    if not path.exists():
        return f"({path.name}: no output)"
    text = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return "\n".join([f"--- {path.name} (last {lines} lines) ---", *text[-lines:]])


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate the process group we started; kill it if it does not stop in time."""
    if process.poll() is not None:
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=STOP_GRACE_SECONDS)
            return
        except subprocess.TimeoutExpired:
            continue


@dataclass
class PrefectServer:
    """A running server: its API URL, the environment for subprocesses, and their logs."""

    api_url: str
    env: dict[str, str]
    logs: Path
    log_files: list[Path] = field(default_factory=list)

    def cli(
        self, *args: str, cwd: Path | None = None, timeout: float = 90, **extra_env: str
    ) -> subprocess.CompletedProcess[str]:
        """Run ``prefect ARGS`` against this server; raise with its output when it fails."""
        result = subprocess.run(
            [str(PREFECT), *args],
            cwd=cwd,
            env={**self.env, **extra_env},
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0:
            raise AssertionError(
                f"prefect {' '.join(args)} exited {result.returncode}:\n"
                f"{result.stdout}\n{result.stderr}"
            )
        return result

    def shell(self, command: str, cwd: Path, timeout: float = 90) -> str:
        """Run ``command`` with bash exactly as a user would type it; its stdout."""
        result = subprocess.run(
            ["bash", "-c", command],
            cwd=cwd,
            env={**self.env, "PATH": f"{PREFECT.parent}{os.pathsep}{self.env.get('PATH', '')}"},
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0:
            raise AssertionError(f"{command} exited {result.returncode}:\n{result.stderr}")
        return result.stdout

    @contextmanager
    def background(
        self, *args: str, name: str, cwd: Path, command: list[str] | None = None, **extra_env: str
    ) -> Iterator[subprocess.Popen[bytes]]:
        """``prefect ARGS`` (or ``command``) running until the block ends; output in a log."""
        log = self.logs / f"{name}.log"
        self.log_files.append(log)
        with log.open("wb") as out:
            process = subprocess.Popen(
                command or [str(PREFECT), *args],
                cwd=cwd,
                env={**self.env, **extra_env},
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: children stop with it
            )
            try:
                yield process
            finally:
                _stop(process)

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(_tail(path, lines) for path in self.log_files)


def _wait_healthy(url: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"prefect server exited with status {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"prefect server at {url} not healthy after {timeout:.0f} s")


@contextmanager
def prefect_server(
    folder: Path, extra_env: Mapping[str, str] | None = None, startup_timeout: float = 60
) -> Iterator[PrefectServer]:
    """Start ``prefect server start`` with PREFECT_HOME under ``folder``; stop it afterwards."""
    port = free_port()
    home = folder / "prefect-home"
    home.mkdir(parents=True, exist_ok=True)
    api_url = f"http://127.0.0.1:{port}/api"
    env = clean_env(
        {
            "PREFECT_HOME": str(home),
            "PREFECT_API_URL": api_url,
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_SERVER_UI_ENABLED": "false",
            "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
            "PREFECT_LOGGING_LEVEL": "INFO",
            **(extra_env or {}),
        }
    )
    server = PrefectServer(api_url=api_url, env=env, logs=folder)
    with server.background(
        "server", "start", "--host", "127.0.0.1", "--port", str(port), name="server", cwd=folder
    ) as process:
        try:
            _wait_healthy(api_url, process, startup_timeout)
        except (RuntimeError, TimeoutError) as exc:
            raise AssertionError(f"{exc}\n{server.log_tail()}") from None
        yield server
