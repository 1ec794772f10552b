"""A clean Ctrl-C: the first press asks the run to stop between loads, the second stops it now.

``interruptible`` is entered by the CLI around a flow. The run checks ``stop_requested`` before
each fetch and before each load, so the load in progress commits and nothing new starts; a
batch prepared ahead (on the thread pool) is dropped — preparing writes nothing — and the run
ends ``interrupted`` with the work it did not do. A second press raises ``KeyboardInterrupt`` at
once: the load in progress is rolled back (one transaction per batch), and a re-run resumes
either way (loaded documents are no-ops). Prefect's temporary API is started with SIGINT
blocked, so the terminal's Ctrl-C never reaches it: by ``temporary_api.spawn`` before the flows
import (the CLI's path; a shared one also runs in a session of its own), else here.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_stop = threading.Event()


def stop_requested() -> bool:
    """True once Ctrl-C asked the run in this process to stop (see ``interruptible``)."""
    return _stop.is_set()


def request_stop() -> None:
    """Ask the run in this process to stop after the load in progress (what Ctrl-C does)."""
    _stop.set()


def _start_prefect_api_without_ctrl_c() -> None:
    """Start Prefect's temporary API now, with SIGINT blocked while it is spawned.

    Without ``PREFECT_API_URL`` Prefect runs its API in a child process of ours, in our
    process group: a terminal's Ctrl-C reaches it too, it shuts down, and the run could no
    longer record its last load, its artifacts or its end. A child inherits the blocked
    signal mask across exec, so the server never sees the terminal's SIGINT; Prefect still
    stops it at exit (SIGTERM). With ``PREFECT_API_URL`` set (by ``temporary_api.adopt`` too)
    this only builds a client.
    """
    from prefect.client.orchestration import get_client

    with sigint_blocked(), get_client(sync_client=True):
        pass


@contextmanager
def sigint_blocked() -> Iterator[None]:
    """SIGINT blocked in this thread for the block: a child spawned inside inherits the mask
    across exec, so a terminal's Ctrl-C never reaches it. A Ctrl-C meanwhile lands after."""
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


@contextmanager
def interruptible(notice: str | None = None) -> Iterator[None]:
    """Ctrl-C stops the run in this process cleanly (first press) or at once (second).

    ``notice`` is written to stderr when the first press arrives (a live terminal display
    shows it itself and passes None). Only in the main thread (where signals are handled);
    elsewhere the block runs unchanged.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _stop.clear()
    _start_prefect_api_without_ctrl_c()
    previous: Any = signal.getsignal(signal.SIGINT)

    def first_press(signum: int, frame: object) -> None:
        _stop.set()
        signal.signal(signal.SIGINT, previous)  # the second press interrupts at once
        if notice:
            os.write(2, notice.encode())

    signal.signal(signal.SIGINT, first_press)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        _stop.clear()  # the request was for this run only
