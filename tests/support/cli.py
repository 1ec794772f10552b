"""Run the real ``customs-etl`` entry point in-process and capture what a user would see."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_cli(*args: str) -> CliResult:
    """Call ``customs_etl.cli.main`` with ``args``; exit status as the shell would see it."""
    from rich.console import Console

    from customs_etl import cli

    stdout, stderr = io.StringIO(), io.StringIO()
    saved = cli.out, cli.err, sys.argv
    cli.out = Console(file=stdout, width=200)
    cli.err = Console(file=stderr, width=400)
    sys.argv = ["customs-etl", *args]
    code = 0
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            cli.main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        cli.out, cli.err, sys.argv = saved
    return CliResult(code, stdout.getvalue(), stderr.getvalue())


# A fresh interpreter runs the entry point and records which modules it ended up importing.
_ISOLATED = """
import sys
record, sys.argv = sys.argv[1], ["customs-etl", *sys.argv[2:]]
try:
    from customs_etl.cli import main
    main()
finally:
    with open(record, "w", encoding="utf-8") as out:
        out.write("\\n".join(sorted(m for m in sys.modules if m.split(".")[0] == "prefect")))
"""


@dataclass
class IsolatedResult(CliResult):
    prefect_modules: list[str]


def closed_port() -> int:
    """A 127.0.0.1 port nothing listens on (bound, then released)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_cli_isolated(*args: str, record: Path, timeout: float = 120) -> IsolatedResult:
    """The entry point in its own process, Prefect's API set to a closed 127.0.0.1 port (a
    run that got as far as Prefect fails with Prefect's words, not ours); ``prefect_modules``
    says whether the command imported Prefect at all."""
    env = {**os.environ, "PREFECT_API_URL": f"http://127.0.0.1:{closed_port()}/api"}
    done = subprocess.run(
        [sys.executable, "-c", _ISOLATED, str(record), *args],
        capture_output=True, text=True, env=env, timeout=timeout,
    )  # fmt: skip
    modules = record.read_text(encoding="utf-8").split() if record.exists() else ["?"]
    return IsolatedResult(done.returncode, done.stdout, done.stderr, modules)
