"""Start a server under test in its own process, watch it, stop it, read its journal."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Any

from bench.options import SERVERS
from bench.procfs import Sampler, status_kb

START_TIMEOUT = 20.0
STOP_TIMEOUT = 30.0
CALLS_TIMEOUT = 10.0


class TargetError(RuntimeError):
    """A server under test did not start or stop as it should (the bench's fault)."""


class Target:
    """``with Target("real", workdir) as t:`` -- a server process and its sampler."""

    def __init__(
        self, kind: str, workdir: Path, *, uvloop: bool = True, tuned_gc: bool = True
    ) -> None:
        if kind not in SERVERS:
            raise TargetError(f"unknown server {kind!r} (one of {', '.join(SERVERS)})")
        self.kind = kind
        real = kind.startswith("real")
        self.journal = workdir / f"{kind}-journal.sqlite" if real else None
        self.command = [sys.executable, "-m", "bench.server" if real else "bench.bare"]
        if kind == "bare-wire":
            self.command.append("--engine=wire")
        if kind == "real-writer":
            self.command.append("--journal-process")
        if kind == "real-tls":
            self.command.append("--tls")
        if self.journal is not None:
            self.command += ["--journal", str(self.journal)]
        if not uvloop:
            self.command.append("--no-uvloop")
        if not tuned_gc:
            self.command.append("--default-gc")
        self.process: subprocess.Popen[str] | None = None
        self.sampler: Sampler | None = None
        self.port = 0
        self.ca_file: str | None = None  # real-tls: the certificate the server made
        self.peak_rss_kb = 0

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def __enter__(self) -> Target:
        self.process = subprocess.Popen(self.command, stdout=subprocess.PIPE, text=True)
        line: list[str] = []
        assert self.process.stdout is not None
        reader = threading.Thread(
            target=lambda: line.append(self.process.stdout.readline()),  # type: ignore[union-attr]
            daemon=True,
        )
        reader.start()
        reader.join(START_TIMEOUT)
        if not line or not line[0]:
            self._kill()
            raise TargetError(f"the {self.kind} server did not start within {START_TIMEOUT} s")
        ready = json.loads(line[0])
        self.port = int(ready["port"])
        self.ca_file = ready.get("ca")
        self.sampler = Sampler(self.pid).__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def url(self) -> str:
        scheme = "ws" if self.ca_file is None else "wss"
        return f"{scheme}://127.0.0.1:{self.port}/ocpp/"

    def rss_kb(self) -> int:
        return status_kb(self.pid, "VmRSS")

    def stop(self) -> None:
        """SIGTERM (the server flushes and closes its journal), SIGKILL if it hangs."""
        if self.process is None:
            return
        self.peak_rss_kb = max(self.peak_rss_kb, status_kb(self.pid, "VmHWM"))
        if self.sampler is not None:
            self.sampler.__exit__(None, None, None)
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self._kill()
                raise TargetError(f"the {self.kind} server ignored SIGTERM") from None
        if self.process.stdout is not None:
            self.process.stdout.close()
        code = self.process.returncode
        self.process = None
        if code != 0:
            raise TargetError(f"the {self.kind} server exited with status {code}")

    def _kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def calls(self) -> dict[str, int]:
        """CALLs the bare server has answered so far, per action (it prints them on
        SIGUSR1; ``bench.bare``)."""
        if self.process is None or self.kind not in ("bare", "bare-wire"):
            raise TargetError(f"the {self.kind} server does not count its calls")
        assert self.process.stdout is not None
        self.process.send_signal(signal.SIGUSR1)
        line = wait_line(self.process.stdout, time.monotonic() + CALLS_TIMEOUT)
        if not line:
            raise TargetError(f"the {self.kind} server did not print its counts")
        return {str(action): int(n) for action, n in json.loads(line)["calls"].items()}

    def journal_counts(self) -> dict[str, int]:
        """Entries per kind in the real server's journal (empty for the bare server)."""
        if self.journal is None or not self.journal.exists():
            return {}
        with sqlite3.connect(self.journal) as db:
            rows = db.execute("SELECT kind, COUNT(*) FROM entries GROUP BY kind").fetchall()
        return {str(kind): int(n) for kind, n in rows}

    def booted_stations(self) -> int:
        """Stations with a BootNotification in the real server's journal (0 for bare)."""
        if self.journal is None or not self.journal.exists():
            return 0
        with sqlite3.connect(self.journal) as db:
            (count,) = db.execute(
                "SELECT COUNT(DISTINCT station) FROM entries "
                "WHERE kind = 'frame_in' AND raw LIKE '[2,%\"BootNotification\"%'"
            ).fetchone()
        return int(count)


def wait_line(stream: Any, deadline: float) -> str:
    """One line of a child's stdout, or '' at EOF or after ``deadline`` (monotonic)."""
    box: list[str] = []
    reader = threading.Thread(target=lambda: box.append(stream.readline()), daemon=True)
    reader.start()
    reader.join(max(0.0, deadline - time.monotonic()))
    return box[0] if box else ""
