"""Run the real ``customs-etl`` entry point in-process and capture what a user would see."""

from __future__ import annotations

import contextlib
import io
import sys
from dataclasses import dataclass


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
