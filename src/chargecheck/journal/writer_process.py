"""The Central System's end of the journal's writer process (``writer_child``).

Committing the entries of a busy fleet costs the event loop a fifth of its time when
it does it itself (SQLite in the loop's thread). A thread does not help: SQLite
releases the GIL while it works, but the thread has to win the GIL back from the busy
loop after every statement (measured: no gain). A process of its own commits on the
other core with no GIL to share: the loop hands it each tick's rows over a pipe
(``marshal``: a few microseconds a row) and acts on the frames once the process has
answered that the transaction committed, so "persisted before acted on" holds as
before. One batch is in flight at a time; rows appended meanwhile make the next one.
"""

from __future__ import annotations

import marshal
import os
import select
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any

CHILD = Path(__file__).with_name("writer_child.py")
START_TIMEOUT = 30.0


class JournalWriteError(RuntimeError):
    """The writer process could not commit a batch (or is gone)."""


class WriterProcess:
    def __init__(self, path: str, start_timeout: float = START_TIMEOUT) -> None:
        self.path = path
        self._process = subprocess.Popen(
            [sys.executable, "-I", "-S", str(CHILD), path],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            bufsize=0,
        )
        assert self._process.stdin is not None and self._process.stdout is not None
        self._in = self._process.stdin.fileno()
        self._out = self._process.stdout.fileno()
        readable, _, _ = select.select([self._out], [], [], start_timeout)
        error = self.read_ack(expect=b"R") if readable else JournalWriteError("no answer")
        if error is not None:
            self.stop()
            raise JournalWriteError(f"the journal writer process did not start: {error}")

    @property
    def alive(self) -> bool:
        return self._process.poll() is None

    @property
    def ack_fd(self) -> int:
        """Readable when the process has answered (or exited)."""
        return self._out

    def submit(self, rows: list[Any]) -> None:
        """Send a batch (blocks only while the pipe is full; the process reads at once)."""
        data = marshal.dumps(rows)
        view = memoryview(struct.pack(">I", len(data)) + data)
        while view:
            view = view[os.write(self._in, view) :]

    def read_ack(self, expect: bytes = b"K") -> JournalWriteError | None:
        """The process's answer to the batch sent last (blocks until it comes)."""
        mark = self._read(1)
        if mark == expect:
            return None
        if mark == b"E":
            size = struct.unpack(">I", self._read(4))[0]
            return JournalWriteError(self._read(size).decode("utf-8", "replace"))
        return JournalWriteError(self.ended())

    def ended(self) -> str:
        return f"the journal writer process ended (exit status {self._process.poll()})"

    def stop(self, timeout: float = 10.0) -> None:
        """Close its stdin (it exits after the batch in hand) and wait for it."""
        stdin, stdout = self._process.stdin, self._process.stdout
        if stdin is not None and not stdin.closed:
            stdin.close()
        try:
            self._process.wait(timeout)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        if stdout is not None and not stdout.closed:
            stdout.close()

    def _read(self, size: int) -> bytes:
        data = b""
        while len(data) < size:
            chunk = os.read(self._out, size - len(data))
            if not chunk:
                break
            data += chunk
        return data
