"""The ``customs-etl`` process: run the command line, then exit without tearing Python down.

A pipeline command's process holds Prefect, Great Expectations, pandas and their object
graphs; after the last ``atexit`` handler Python still spends ~1 s finalising modules and
collecting garbage that the operating system frees anyway (measured on a one-file ingest,
issue 21). ``run`` registers, before anything else is imported, an ``atexit`` handler that
therefore runs *last* — after Prefect's handlers have sent the run's last logs and events,
after the temporary API is stopped, after ``logging`` has flushed its handlers — and ends the
process there with the status ``sys.exit`` was given. Output is flushed first; everything
of ours that writes files closes them in ``with`` blocks, DuckDB connections included.

Only the console script and ``python -m customs_etl`` go through here; tests call
``customs_etl.cli.main`` in their own process, which exits normally.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys

_status: list[int] = []


def _exit_now() -> None:
    """The last exit handler: flush, then leave with the recorded status (if any)."""
    if not _status:
        return  # not ended through ``run`` (an embedding process): exit normally
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing to say
            stream.flush()
    os._exit(_status[0])


def _code(value: object) -> int:
    """The status ``sys.exit(value)`` gives the shell."""
    if value is None:
        return 0
    if isinstance(value, int):
        return value
    return 1  # sys.exit("message") prints the message and exits 1


def run() -> None:
    """Entry point of the ``customs-etl`` command."""
    atexit.register(_exit_now)  # first registered, so last to run
    from customs_etl.cli import main

    try:
        main()
    except SystemExit as stop:
        _status.append(_code(stop.code))
        raise
    except KeyboardInterrupt:
        _status.append(130)  # what a shell reports for a process ended by Ctrl-C
        raise
    except BaseException:
        _status.append(1)  # Python prints the traceback first, as always
        raise
    _status.append(0)
