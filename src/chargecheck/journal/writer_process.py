"""The Central System's end of the journal's writer process (``writer_child``).

Committing the entries of a busy fleet costs the event loop a fifth of its time when
it does it itself (SQLite in the loop's thread). A thread does not help: SQLite
releases the GIL while it works, but the thread has to win the GIL back from the busy
loop after every statement (measured: no gain). A process of its own commits on the
other core with no GIL to share: the loop hands it each tick's rows over a pipe
(``marshal``: a few microseconds a row) and acts on the frames once the process has
answered that the transaction committed, so "persisted before acted on" holds as
before. One batch is in flight at a time; rows appended meanwhile make the next one.

This class is the one owner of both pipes. Both are non-blocking from the start: an
event loop watching the answer pipe may make it so anyway (uvloop does, asyncio's own
loop does not), and a read that assumed a blocking pipe then failed with
``BlockingIOError`` and lost the batch in flight (issue #12). Every read and write here
waits with ``select`` up to a deadline instead, so a synchronous caller blocks until the
answer comes, whichever loop runs, and a process that never answers is given up on.
"""

from __future__ import annotations

import marshal
import os
import select
import struct
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

CHILD = Path(__file__).with_name("writer_child.py")
START_TIMEOUT = 30.0
# A commit waits up to SQLite's busy_timeout (10 s) for the lock; past this the process
# is taken for hung and commits come back to the Central System's process.
ACK_TIMEOUT = 30.0


class JournalWriteError(RuntimeError):
    """The writer process could not commit a batch, did not answer in time, or is gone."""


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
        os.set_blocking(self._in, False)
        os.set_blocking(self._out, False)
        error = self.read_ack(expect=b"R", timeout=start_timeout)
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

    def submit(self, rows: list[Any], timeout: float = ACK_TIMEOUT) -> None:
        """Send a batch. Raises ``JournalWriteError`` if the process does not take it
        within ``timeout`` s, ``OSError`` if it is gone, ``ValueError`` for a row that
        ``marshal`` cannot carry."""
        data = marshal.dumps(rows)
        view = memoryview(struct.pack(">I", len(data)) + data)
        deadline = time.monotonic() + timeout
        while view:
            try:
                view = view[os.write(self._in, view) :]
            except BlockingIOError:
                self._wait(self._in, deadline, "take a batch")

    def read_ack(
        self, expect: bytes = b"K", timeout: float = ACK_TIMEOUT
    ) -> JournalWriteError | None:
        """The process's answer to the batch sent last, waiting up to ``timeout`` s for
        it: None (committed) or why not. Never raises an ``Exception``."""
        deadline = time.monotonic() + timeout
        try:
            mark = self._read(1, deadline)
            if mark == expect:
                return None
            if mark == b"E":
                size = struct.unpack(">I", self._read(4, deadline))[0]
                return JournalWriteError(self._read(size, deadline).decode("utf-8", "replace"))
        except JournalWriteError as exc:
            return exc
        except (OSError, struct.error) as exc:
            return JournalWriteError(f"{self.ended()}: {exc!r}")
        return JournalWriteError(self.ended())

    def ended(self) -> str:
        return f"the journal writer process ended (exit status {self._process.poll()})"

    def kill(self) -> None:
        """End the process now and reap it. The pipes stay open (at their end: an event
        loop still watching the answer pipe sees it readable, not a reused fd) until
        ``stop``."""
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()

    def stop(self, timeout: float = 10.0) -> None:
        """Close its stdin (it exits after the batch in hand) and wait for it."""
        stdin, stdout = self._process.stdin, self._process.stdout
        if stdin is not None and not stdin.closed:
            stdin.close()
        try:
            self._process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
        if stdout is not None and not stdout.closed:
            stdout.close()

    def _read(self, size: int, deadline: float) -> bytes:
        """``size`` bytes, fewer only at the end of the pipe (the process exited)."""
        data = b""
        while len(data) < size:
            try:
                chunk = os.read(self._out, size - len(data))
            except BlockingIOError:
                self._wait(self._out, deadline, "answer")
                continue
            if not chunk:
                break
            data += chunk
        return data

    def _wait(self, fd: int, deadline: float, what: str) -> None:
        """Until ``fd`` is ready (``poll``: any fd number, unlike ``select``)."""
        poller = select.poll()
        poller.register(fd, select.POLLIN if fd == self._out else select.POLLOUT)
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not poller.poll(remaining * 1000):
            raise JournalWriteError(
                f"the journal writer process (pid {self._process.pid}) did not {what} in time"
            )
