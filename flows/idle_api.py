"""Prefect's temporary API as a shared server that stops itself once idle (issue 21).

``temporary_api`` starts this module (``python -m customs_etl.flows.idle_api --port P
--idle-minutes N --home PREFECT_HOME``), detached, with the environment Prefect gives its own
temporary server (``SERVER_ENV``). It serves the same app Prefect's command does
(``prefect.server.api.server:create_app``, uvicorn on 127.0.0.1, lifespan on, log level
error), wrapped in a middleware that notes the time of every request. A watchdog thread asks
uvicorn to stop after N minutes without one, first removing the state file if it still names
this process (under the lock runs take to check for it, so a run never picks a server that is
stopping); stopped by SIGTERM (``kill``) it removes it too. uvicorn's exit status 3 when the
port was taken meanwhile is kept: the run that started it starts another on a free port.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

from customs_etl.flows.temporary_api import forget, locked, prefect_app_dir

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class LastRequest:
    """ASGI middleware: ``last`` is when the latest HTTP or websocket request began or ended."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]]) -> None:
        self.app = app
        self.last = time.monotonic()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, receive, send)
            return
        self.last = time.monotonic()
        try:
            await self.app(scope, receive, send)
        finally:
            self.last = time.monotonic()


def _watch(server: Any, watched: LastRequest, idle: float, home: Path) -> None:
    """Stop ``server`` after ``idle`` seconds without a request (counted once it serves)."""
    tick = max(0.2, min(5.0, idle / 5))
    while not server.should_exit:
        time.sleep(tick)
        if not server.started:
            watched.last = time.monotonic()
            continue
        if time.monotonic() - watched.last < idle:
            continue
        with locked(home, wait=0) as lock:
            # A run holding the lock may be about to reuse this server: look again later.
            if lock is None or time.monotonic() - watched.last < idle:
                continue
            forget(home, os.getpid())
            server.should_exit = True


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="customs_etl.flows.idle_api")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--idle-minutes", type=float, required=True)
    parser.add_argument("--home", type=Path, required=True)
    given = parser.parse_args(argv)
    sys.path.insert(0, str(prefect_app_dir()))  # as Prefect's command (uvicorn --app-dir)

    import uvicorn
    from prefect.server.api.server import create_app

    watched = LastRequest(create_app())
    config = uvicorn.Config(watched, host="127.0.0.1", port=given.port, log_level="error",
                            lifespan="on")  # fmt: skip
    server = uvicorn.Server(config)
    watchdog = threading.Thread(
        target=_watch, args=(server, watched, given.idle_minutes * 60, given.home), daemon=True
    )
    watchdog.start()

    def stopped(signum: int, frame: object) -> None:
        """SIGTERM (``kill``): uvicorn shuts down, then re-raises it here; forget, then end."""
        forget(given.home, os.getpid())
        signal.signal(signum, signal.SIG_DFL)
        signal.raise_signal(signum)

    signal.signal(signal.SIGTERM, stopped)
    server.run()  # exits with status 3 itself when the port is taken


if __name__ == "__main__":
    main()
