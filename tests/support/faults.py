"""Fault injection for tests: a web site that fails below HTTP, CLI subprocesses, broken storage.

Why: the pipeline's promises (atomic loads, clear refusals, nothing half-loaded) only mean
something when real failures hit the real components. This module makes those failures:

* ``serve_faulty_site`` — like ``http_site.serve_site`` but a route's script may also hold
  ``Reset()`` (TCP RST instead of an answer) and ``Truncated(...)`` (body cut off mid-transfer).
* ``cli_command`` / ``cli_env`` — the real CLI in a subprocess under the session's Prefect API.
* ``warehouse_state`` / ``assert_atomic`` — warehouse contents without timestamps, and the
  check that every loaded release holds exactly its rows.
* ``files_open_by`` — what a process holds open (to kill it while it holds the warehouse).
* ``read_only_folder`` / ``full_disk`` — commands that run inside a read-only folder or on a
  full filesystem (a private mount namespace when root, permissions or RLIMIT_FSIZE otherwise).
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import duckdb

from tests.support.http_site import RecordedRequest, Reply, Route

REPO = Path(__file__).resolve().parents[2]

# --------------------------------------------------------------------------- HTTP below status


@dataclass(frozen=True)
class Reset:
    """Drop the connection with a TCP RST instead of answering (a crashed or hostile proxy)."""


@dataclass(frozen=True)
class Truncated:
    """Send only the first ``keep`` bytes of ``body``, then close.

    With ``declare_length`` the headers announce the full length (the client can tell);
    without, the body is delimited by the close (HTTP/1.0 style: only the content can tell).
    """

    body: bytes
    keep: int
    declare_length: bool = True
    content_type: str = "text/html; charset=utf-8"


def _faulty_handler(routes: Mapping[str, Route]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            request = RecordedRequest(self.command, self.path, dict(self.headers.items()))
            route = routes.get(urlsplit(self.path).path)
            reply: Any = route.take(request) if route else Reply(b"not found", status=404)
            self.close_connection = True
            if isinstance(reply, Reset):
                linger = struct.pack("ii", 1, 0)  # close() now sends RST, not FIN
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
                self.connection.close()
                return
            if isinstance(reply, Truncated):
                self.send_response(200)
                self.send_header("Content-Type", reply.content_type)
                if reply.declare_length:
                    self.send_header("Content-Length", str(len(reply.body)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(reply.body[: reply.keep])
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            body = reply.payload()
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """Silence the default stderr access log."""

    return Handler


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:  # type: ignore[no-untyped-def]
        """Sockets closed on purpose raise in the handler's finish(): expected here."""


@contextmanager
def serve_faulty_site(routes: Mapping[str, Route | bytes]) -> Iterator[str]:
    """Serve ``routes`` (bytes = a static page) on 127.0.0.1; yields the base URL."""
    table = {p: r if isinstance(r, Route) else Route.static(r) for p, r in routes.items()}
    server = _QuietServer(("127.0.0.1", 0), _faulty_handler(table))
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# --------------------------------------------------------------------------- CLI subprocesses


def cli_command(*args: str) -> list[str]:
    """The real entry point (``customs-etl``) in a fresh interpreter."""
    return [sys.executable, "-m", "customs_etl", *args]


def cli_env(prefect_api: str, prefect_home: Path, **extra: str) -> dict[str, str]:
    """This environment minus CUSTOMS_ETL_* settings, on the session's Prefect API (no 6–13 s
    ephemeral server start) with a private PREFECT_HOME. A test that drops the API URL gets
    a temporary API stopped with its run: no test leaves a server behind."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CUSTOMS_ETL_")}
    prefect_home.mkdir(parents=True, exist_ok=True)
    env.update(
        CUSTOMS_ETL_PREFECT_API_IDLE_MINUTES="0",
        PREFECT_API_URL=prefect_api,
        PREFECT_HOME=str(prefect_home),
        PREFECT_LOGGING_LEVEL="WARNING",
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONPATH=str(REPO),
    )
    env.update(extra)
    return env


def files_open_by(pid: int) -> set[str]:
    """Paths a running process holds open (empty once it has exited)."""
    found = set()
    folder = Path(f"/proc/{pid}/fd")
    try:
        entries = list(folder.iterdir())
    except OSError:
        return found
    for entry in entries:
        try:
            found.add(os.readlink(entry))
        except OSError:
            continue
    return found


# --------------------------------------------------------------------------- warehouse contents

# raw.releases minus what differs between two identical runs: clock times and load_seq.
RELEASE_COLUMNS = (
    "release_id, source, file_name, url, content, size_bytes, published_on, parser_version,"
    " flow, commodity_code, period_start, period_end, status, row_count, message,"
    " validation_report"
)


def warehouse_state(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Everything a run leaves in the warehouse that two identical runs must agree on."""
    queries = {
        "releases": f"SELECT {RELEASE_COLUMNS} FROM raw.releases",
        "observations": "SELECT * FROM core.observations",
        "latest": "SELECT * FROM core.latest",
        "migrations": "SELECT version, name, sha256 FROM meta.schema_migrations",
    }
    with duckdb.connect(str(path), read_only=True) as con:
        return {k: sorted(con.execute(q).fetchall(), key=repr) for k, q in queries.items()}


def assert_atomic(path: Path) -> int:
    """Every loaded release holds exactly its ``row_count`` rows and every row has a loaded
    release (no half loads, no orphans, no duplicates); returns how many releases exist.

    A file killed before its first migration committed has no tables yet: then no migration
    may be recorded as applied either (a migration is all or nothing).
    """
    with duckdb.connect(str(path), read_only=True) as con:
        tables = {
            f"{schema}.{name}"
            for schema, name in con.execute(
                "SELECT schema_name, table_name FROM duckdb_tables()"
            ).fetchall()
        }
        if "raw.releases" not in tables:
            applied = (
                con.execute("SELECT count(*) FROM meta.schema_migrations").fetchone()[0]
                if "meta.schema_migrations" in tables
                else 0
            )
            assert applied == 0, f"{applied} migration(s) recorded but raw.releases is missing"
            return 0
        return assert_whole_loads(con)


def assert_whole_loads(con: duckdb.DuckDBPyConnection) -> int:
    """On any open warehouse (a file or a lake): every loaded release holds exactly its
    ``row_count`` rows, every row has a loaded release, no row twice; returns the releases."""
    bad = con.execute(
        "SELECT r.release_id, r.status, r.row_count, count(o.release_id)"
        " FROM raw.releases r LEFT JOIN core.observations o USING (release_id)"
        " GROUP BY ALL HAVING count(o.release_id) <> coalesce(r.row_count, 0)"
        " OR (r.status <> 'loaded' AND count(o.release_id) > 0)"
    ).fetchall()
    orphans = con.execute(
        "SELECT count(*) FROM core.observations WHERE release_id NOT IN"
        " (SELECT release_id FROM raw.releases WHERE status = 'loaded')"
    ).fetchone()[0]
    dupes = con.execute(
        "SELECT count(*) - count(DISTINCT (release_id, source_row, basis, commodity_code,"
        " partner, trade_mode, region_code)) FROM core.observations"
    ).fetchone()[0]
    releases = con.execute("SELECT count(*) FROM raw.releases").fetchone()[0]
    assert (bad, orphans, dupes) == ([], 0, 0), (bad, orphans, dupes)
    return int(releases)


# --------------------------------------------------------------------------- broken storage

_BIND_READ_ONLY = 'mount --bind "$0" "$0" && mount -o remount,ro,bind "$0" && exec "$@"'
_FULL_TMPFS = (
    'dir="$0"; out="$1"; size="$2"; src="$3"; shift 3; '
    'mount -t tmpfs -o size="$size" tmpfs "$dir" && cp "$src" "$dir"/ || exit 97; '
    # fill the page-rounding slack too: the disk is full to the last byte
    'dd if=/dev/zero of="$dir/.filler" bs=512 2>/dev/null; '
    '"$@"; rc=$?; for f in "$dir"/*.duckdb*; do cp "$f" "$out"/; done; exit $rc'
)


@cache
def mount_namespace_reason() -> str | None:
    """None when this user can mount in a private namespace (root), else why not."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        return "needs root and unshare(1) for a private mount namespace"
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=4k tmpfs /mnt"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    return None if probe.returncode == 0 else f"mount namespace refused: {probe.stderr.strip()}"


@dataclass
class StorageFault:
    """A command wrapped to meet a storage fault, and how it was simulated (for honest ids)."""

    command: list[str]
    how: str
    preexec: Callable[[], None] | None = None
    warehouse: Path | None = None  # where the command sees the warehouse
    results: Path | None = None  # where the warehouse is found after the command
    cleanup: list[Callable[[], None]] = field(default_factory=list)


def read_only_folder(folder: Path, command: Sequence[str]) -> StorageFault:
    """Run ``command`` with ``folder`` read-only: a read-only bind mount in a private
    namespace when root (root ignores file modes), plain permissions otherwise."""
    if os.geteuid() != 0:
        modes = {p: p.stat().st_mode for p in [folder, *folder.iterdir()]}
        for path in modes:
            path.chmod(0o555 if path.is_dir() else 0o444)

        def restore() -> None:
            for path, mode in modes.items():
                path.chmod(mode)

        return StorageFault(list(command), "chmod a-w", cleanup=[restore])
    reason = mount_namespace_reason()
    if reason:
        import pytest

        pytest.skip(f"read-only warehouse as root: {reason}")
    return StorageFault(
        ["unshare", "-m", "sh", "-c", _BIND_READ_ONLY, str(folder), *command], "ro bind mount"
    )


def _file_size_limit(limit: int) -> Callable[[], None]:
    def limit_file_size() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of being killed
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return limit_file_size


def full_disk(
    warehouse: Path, work: Path, make_command: Callable[[Path], Sequence[str]]
) -> StorageFault:
    """Run ``make_command(warehouse path it sees)`` with no free space for the warehouse.

    As root: a private tmpfs holding a copy of the warehouse and not one free byte
    (ENOSPC); the warehouse files are copied back to ``work/after`` when the command ends.
    Otherwise: RLIMIT_FSIZE of 4 KiB, so no write lands past the first 4 KiB of any file,
    the WAL included (EFBIG, a stand-in for a full disk that needs no privileges).
    """
    after = work / "after"
    after.mkdir(parents=True, exist_ok=True)
    if mount_namespace_reason() is None:
        mount_point = work / "disk"
        mount_point.mkdir(exist_ok=True)
        seen = mount_point / warehouse.name
        size = warehouse.stat().st_size
        command = [
            "unshare", "-m", "sh", "-c", _FULL_TMPFS,
            str(mount_point), str(after), str(size), str(warehouse), *make_command(seen),
        ]  # fmt: skip
        return StorageFault(command, "tmpfs full (ENOSPC)", warehouse=seen, results=after)
    copy = after / warehouse.name
    shutil.copy(warehouse, copy)
    return StorageFault(
        list(make_command(copy)),
        "RLIMIT_FSIZE (EFBIG)",
        preexec=_file_size_limit(4096),
        warehouse=copy,
        results=after,
    )


def alive(pid: int) -> bool:
    """Running and not a zombie (a detached server's parent is gone; nothing may reap it)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def processes_with_home(prefect_home: Path) -> list[int]:
    """Live processes whose environment names this PREFECT_HOME (a leaked Prefect child)."""
    marker = f"PREFECT_HOME={prefect_home}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue  # gone meanwhile, or not ours to read
        if marker in environ and alive(int(entry.name)):
            found.append(int(entry.name))
    return found
