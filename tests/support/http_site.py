"""A tiny local web site for tests: fixed pages, scripted failures, and a request log.

Why: clients must be tested against real HTTP (retries, Retry-After, timeouts, status codes)
without the internet. Usage::

    from tests.support.http_site import Reply, Route, serve_site

    page = Route.static(b"<html>...</html>")
    flaky = Route.script(Reply(status=500), Reply(b"ok"))          # 500, then 200 for good
    limited = Route.script(Reply(status=429, headers={"Retry-After": "1"}), Reply(b"ok"))
    slow = Route.static(b"late", delay=2.0)                         # answer after 2 s

    with serve_site({"/index.html": page, "/api": flaky}) as base_url:
        requests.get(f"{base_url}/api?x=1")
    assert [r.path for r in flaky.requests] == ["/api?x=1"]

Routes match on the path without the query string; unknown paths answer 404. A scripted
route replays its replies in order and keeps repeating the last one. Every request is
recorded on its route (``route.requests``) and, when given, in the ``log`` list.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Reply:
    """One HTTP answer. ``delay`` seconds pass before the status line is sent."""

    body: bytes | str = b""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0

    def payload(self) -> bytes:
        return self.body.encode("utf-8") if isinstance(self.body, str) else self.body


@dataclass(frozen=True)
class RecordedRequest:
    """What the site received: method, path with query, headers (as a plain dict), body."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes = b""


class Route:
    """Replies for one path: one static reply, or a script consumed one reply per request."""

    def __init__(self, *replies: Reply) -> None:
        if not replies:
            raise ValueError("a Route needs at least one Reply")
        self.replies = list(replies)
        self.requests: list[RecordedRequest] = []
        self._next = 0
        self._lock = threading.Lock()

    @classmethod
    def static(
        cls,
        body: bytes | str = b"",
        *,
        status: int = 200,
        content_type: str = "text/html; charset=utf-8",
        headers: Mapping[str, str] | None = None,
        delay: float = 0.0,
    ) -> Route:
        """The same answer to every request."""
        return cls(Reply(body, status, content_type, dict(headers or {}), delay))

    @classmethod
    def script(cls, *replies: Reply) -> Route:
        """Answers in order (e.g. 500 then 200); the last one repeats."""
        return cls(*replies)

    @classmethod
    def handler(cls, answer: Callable[[RecordedRequest], Reply]) -> Route:
        """Answers computed per request (a stand-in API that reads the query string)."""
        route = cls(Reply())
        route._answer = answer
        return route

    _answer: Callable[[RecordedRequest], Reply] | None = None

    def take(self, request: RecordedRequest) -> Reply:
        """Record the request and return the reply it gets (thread-safe)."""
        with self._lock:
            self.requests.append(request)
            if self._answer is not None:
                return self._answer(request)
            reply = self.replies[min(self._next, len(self.replies) - 1)]
            self._next += 1
            return reply


_NOT_FOUND = Reply(b"not found", status=404, content_type="text/plain")


def _handler(
    routes: Mapping[str, Route], log: list[RecordedRequest] | None, stop: threading.Event
) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            request = RecordedRequest(
                method=self.command,
                path=self.path,
                headers=dict(self.headers.items()),
                body=self.rfile.read(length) if length else b"",
            )
            if log is not None:
                log.append(request)
            route = routes.get(urlsplit(self.path).path)
            reply = route.take(request) if route else _NOT_FOUND
            if reply.delay and stop.wait(reply.delay):
                return  # the site is shutting down; the client has long gone
            body = reply.payload()
            try:
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(body)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client timed out and closed the socket: expected in timeout tests

        do_GET = do_POST = do_HEAD = _serve

        def log_message(self, format: str, *args: object) -> None:
            """Silence the default stderr access log."""

    return Handler


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:  # type: ignore[no-untyped-def]
        """Clients that hang up mid-answer are normal here; do not print tracebacks."""


@contextmanager
def serve_site(
    routes: Mapping[str, Route | Reply | bytes | str],
    *,
    log: list[RecordedRequest] | None = None,
) -> Iterator[str]:
    """Serve ``routes`` on 127.0.0.1 (free port) in a daemon thread; yields the base URL.

    Plain bytes/str or a single ``Reply`` are wrapped in a static ``Route``. The server stops
    and its port is released when the block exits, even if a delayed reply is still pending.
    """
    table = {
        path: value
        if isinstance(value, Route)
        else Route(value)
        if isinstance(value, Reply)
        else Route.static(value)
        for path, value in routes.items()
    }
    stop = threading.Event()
    server = _QuietServer(("127.0.0.1", 0), _handler(table, log, stop))
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, name="http_site", daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        stop.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
