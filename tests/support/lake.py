"""Real services for the lake tests: a throwaway PostgreSQL server and an S3 stand-in (moto).

* ``PostgresServer.start`` — ``initdb`` into a temporary folder (as the ``postgres`` user when
  running as root: initdb refuses root), a free port on 127.0.0.1, ``pg_ctl start``; one role
  per purpose: ``etl`` (trust from 127.0.0.1) and ``locked`` (password only, scram-sha-256).
  ``new_lake()`` creates an empty database and returns its ``ducklake:postgres:…`` URL.
* ``MotoServer.start`` — ``moto_server`` on a free port, a bucket made with boto3.

When the binaries are missing the lake tests skip with the reason; ``.ci/run`` installs
PostgreSQL and sets ``CUSTOMS_ETL_REQUIRE_LAKE=1``, which turns those skips into failures.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REQUIRE = "CUSTOMS_ETL_REQUIRE_LAKE"
LOCKED_PASSWORD = "Lake-pw-7f3b9c"  # the `locked` role's password: searched for in outputs
_names = itertools.count(1)


def unavailable(reason: str) -> None:
    """Skip — or fail, when CI said the lake tests must run."""
    if os.environ.get(REQUIRE, "").strip() in ("1", "true", "yes"):
        pytest.fail(f"{reason} (and {REQUIRE} is set: the lake tests must run)")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def postgres_bindir() -> Path | None:
    """The folder with initdb and pg_ctl: PATH, pg_config, or Debian's layout."""
    for name in ("initdb", "pg_ctl"):
        found = shutil.which(name)
        if found and Path(found).with_name("pg_ctl").exists():
            return Path(found).resolve().parent
    config = shutil.which("pg_config")
    if config:
        out = subprocess.run([config, "--bindir"], capture_output=True, text=True)
        if out.returncode == 0 and (Path(out.stdout.strip()) / "initdb").exists():
            return Path(out.stdout.strip())
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    return Path(versions[0]).parent if versions else None


@dataclass
class PostgresServer:
    bindir: Path
    folder: Path
    port: int
    as_user: list[str] = field(default_factory=list)  # runuser prefix when root

    @classmethod
    def start(cls) -> PostgresServer:
        bindir = postgres_bindir()
        if bindir is None:
            unavailable("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
        assert bindir is not None
        folder = Path(tempfile.mkdtemp(prefix="cetl-pg-"))
        as_user: list[str] = []
        if os.geteuid() == 0:
            if shutil.which("runuser") is None:
                unavailable("running as root needs runuser to start PostgreSQL as postgres")
            try:
                import pwd

                pwd.getpwnam("postgres")
            except KeyError:
                unavailable("running as root needs a postgres user to run initdb")
            shutil.chown(folder, "postgres", "postgres")
            as_user = ["runuser", "-u", "postgres", "--"]
        folder.chmod(0o700)
        data = folder / "data"
        password_file = folder / "pw"
        password_file.write_text(LOCKED_PASSWORD + "\n")
        if as_user:
            shutil.chown(password_file, "postgres", "postgres")
        initdb = subprocess.run(
            [*as_user, str(bindir / "initdb"), "-D", str(data), "-U", "postgres",
             "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8",
             "--locale=C.UTF-8", f"--pwfile={password_file}"],
            capture_output=True, text=True,
        )  # fmt: skip
        password_file.unlink()
        if initdb.returncode != 0:
            unavailable(f"initdb failed: {initdb.stderr.strip()[-300:]}")
        hba = data / "pg_hba.conf"
        hba.write_text(
            "local all all trust\n"
            "host all locked 127.0.0.1/32 scram-sha-256\n"
            "host all all 127.0.0.1/32 trust\n"
        )
        server = cls(bindir, folder, free_port(), as_user)
        options = (
            f"-p {server.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={folder}"
            " -c max_connections=200 -c fsync=off"
        )
        started = subprocess.run(
            [*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(folder / "log"),
             "-o", options, "-w", "-t", "60", "start"],
            capture_output=True, text=True,
        )  # fmt: skip
        if started.returncode != 0:
            log = (folder / "log").read_text(errors="replace") if (folder / "log").exists() else ""
            unavailable(f"PostgreSQL did not start: {started.stderr.strip()} {log[-300:]}")
        server.sql("CREATE ROLE etl LOGIN")
        server.sql(f"CREATE ROLE locked LOGIN PASSWORD '{LOCKED_PASSWORD}'")
        return server

    def sql(self, statement: str, database: str = "postgres") -> str:
        out = subprocess.run(
            [str(self.bindir / "psql"), "-h", str(self.folder), "-p", str(self.port),
             "-U", "postgres", "-d", database, "-v", "ON_ERROR_STOP=1", "-qAtc", statement],
            capture_output=True, text=True,
        )  # fmt: skip
        if out.returncode != 0:
            raise RuntimeError(f"psql {statement!r}: {out.stderr.strip()}")
        return out.stdout

    def new_database(self, owner: str = "etl") -> str:
        name = f"lake_{os.getpid()}_{next(_names)}"
        self.sql(f"CREATE DATABASE {name} OWNER {owner}")
        return name

    def new_lake(self, owner: str = "etl") -> str:
        """An empty catalog database; its ``ducklake:postgres:`` URL (no password)."""
        name = self.new_database(owner)
        return f"ducklake:postgres:dbname={name} host=127.0.0.1 port={self.port} user={owner}"

    def stop(self) -> None:
        subprocess.run(
            [*self.as_user, str(self.bindir / "pg_ctl"), "-D", str(self.folder / "data"),
             "-m", "immediate", "-w", "stop"],
            capture_output=True,
        )  # fmt: skip
        shutil.rmtree(self.folder, ignore_errors=True)


@dataclass
class MotoServer:
    process: subprocess.Popen[bytes]
    endpoint: str
    bucket: str = "customs-lake"

    @classmethod
    def start(cls) -> MotoServer:
        binary = shutil.which("moto_server") or str(Path(sys.executable).with_name("moto_server"))
        if not Path(binary).exists():
            unavailable("moto_server (pip install 'moto[server]') is not installed")
        try:
            import boto3
        except ImportError:
            unavailable("boto3 is not installed (it comes with moto)")
        port = free_port()
        process = subprocess.Popen(
            [binary, "-H", "127.0.0.1", "-p", str(port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        endpoint = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            time.sleep(0.1)
        server = cls(process, endpoint)
        server.client().create_bucket(Bucket=server.bucket)
        _ = boto3
        return server

    def client(self):  # type: ignore[no-untyped-def]
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id="test",
            aws_secret_access_key="moto-secret-5d1e",
            region_name="us-east-1",
        )

    def environment(self) -> dict[str, str]:
        return {
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "moto-secret-5d1e",
            "AWS_REGION": "us-east-1",
            "AWS_ENDPOINT_URL": self.endpoint,
        }

    def keys(self, prefix: str = "") -> list[str]:
        found = self.client().list_objects_v2(Bucket=self.bucket, Prefix=prefix)
        return [item["Key"] for item in found.get("Contents", [])]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
