"""The real CLI on a pseudo-terminal, as a person at a terminal runs it (and presses Ctrl-C).

stdout is the pty (the CLI sees a TTY and draws its live display); stderr goes to a file so a
test can hold the CLI to its one-line-per-error contract. ``interrupt_when`` sends SIGINT to the
child's whole process group — what a terminal's Ctrl-C does, Prefect's temporary API server
(a child of the CLI) included.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import tempfile
import termios
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")


def plain(text: str) -> str:
    """The text without escape sequences (colours, cursor moves)."""
    return ANSI.sub("", text)


@dataclass
class PtyRun:
    code: int
    raw: str  # what the terminal received, escape sequences included
    stderr: str
    interrupted_at: float | None  # seconds after start when SIGINT was sent

    @property
    def text(self) -> str:
        return plain(self.raw)


def run_on_pty(
    command: Sequence[str],
    env: Mapping[str, str],
    cwd: Path,
    *,
    interrupt_when: Callable[[str], bool] | None = None,
    timeout: float = 240.0,
    size: tuple[int, int] = (40, 120),
) -> PtyRun:
    """Run ``command`` with stdout on a new pty of ``size`` (rows, columns); read everything
    it draws; send one SIGINT to its process group once ``interrupt_when(text so far)``."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", size[0], size[1], 0, 0))
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(
            list(command),
            stdin=subprocess.DEVNULL,
            stdout=slave,
            stderr=errors,
            cwd=cwd,
            env={**env, "TERM": "xterm-256color"},
            start_new_session=True,  # its own process group, as a terminal's foreground job
        )
        os.close(slave)
        chunks: list[bytes] = []
        started = time.monotonic()
        sent: float | None = None
        try:
            while True:
                if time.monotonic() - started > timeout:
                    raise AssertionError(f"{command} still running after {timeout} s")
                ready, _, _ = select.select([master], [], [], 0.05)
                if ready:
                    try:
                        data = os.read(master, 65536)
                    except OSError:  # EIO: the child closed the terminal
                        data = b""
                    if data:
                        chunks.append(data)
                        seen = plain(b"".join(chunks).decode("utf-8", "replace"))
                        if sent is None and interrupt_when is not None and interrupt_when(seen):
                            os.killpg(proc.pid, signal.SIGINT)
                            sent = time.monotonic() - started
                        continue
                if proc.poll() is not None:
                    break
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            os.close(master)
        errors.seek(0)
        stderr = errors.read().decode("utf-8", "replace")
    raw = b"".join(chunks).decode("utf-8", "replace")
    return PtyRun(proc.returncode, raw, stderr, sent)
