"""The ``customs-etl`` process (``customs_etl/program.py``): it skips Python's teardown, so the
shell must still see the command's exit status and every line it printed, and the skip must
come after every other exit handler (the Ctrl-C test in tests/flows/test_progress.py checks
the temporary API child is gone after such an exit)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from customs_etl import __version__
from tests.support import paths
from tests.support.faults import cli_command

PROBE = """
import sys
from customs_etl import program
print(sorted(m for m in ("logging", "prefect", "typer", "rich") if m in sys.modules))
"""


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cli_command(*args), capture_output=True, text=True,
                          cwd=paths.ROOT, timeout=120, check=False)  # fmt: skip


@pytest.mark.parametrize(
    ("args", "status", "stream", "text"),
    [
        (("--version",), 0, "stdout", f"customs-etl {__version__}"),
        (("frobnicate",), 2, "stderr", "error: No such command 'frobnicate'"),
        (("schema", "--format", "json", "--warehouse", "/nonexistent/x.duckdb"), 1, "stderr",
         "error: "),
    ],
    ids=["ok", "usage", "error"],
)
def test_exit_status_and_output_survive_the_skipped_teardown(
    args: tuple[str, ...], status: int, stream: str, text: str
) -> None:
    done = _run(*args)
    assert done.returncode == status, done.stdout + done.stderr
    assert text in getattr(done, stream), done.stdout + done.stderr


def test_help_is_flushed_whole_into_a_pipe() -> None:
    done = _run("ingest", "--help")
    assert done.returncode == 0 and "Examples" in done.stdout and done.stdout.endswith("\n")


def test_its_exit_handler_is_registered_before_anything_that_registers_one() -> None:
    """Registered first, it runs last: nothing that could register a handler (logging,
    Prefect, the CLI's libraries) is imported before ``run`` registers it."""
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                          cwd=paths.ROOT, timeout=60, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
