"""File events: what the station did with the file services, kept as evidence.

The FTP and HTTP servers run in their own threads and report through ``EventLog.emit``.
The log keeps every event (so a wait sees what happened before it started), hands each
one to the ``on_event`` callback, and wakes asyncio waiters on their own loops with
``call_soon_threadsafe``. ``journal_sink`` is such a callback that writes to a
``Journal``, which is not thread-safe: it marshals every event to the loop thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chargecheck.files.errors import FileWaitTimeout
from chargecheck.files.paths import PATH_REFUSED, UPLOAD_REFUSED
from chargecheck.journal.store import Journal

LOGIN_OK = "login_ok"
LOGIN_REFUSED = "login_refused"
UPLOAD_COMPLETE = "upload_complete"
UPLOAD_PARTIAL = "upload_partial"
DOWNLOAD_COMPLETE = "download_complete"
DOWNLOAD_PARTIAL = "download_partial"
KINDS = (
    LOGIN_OK,
    LOGIN_REFUSED,
    UPLOAD_COMPLETE,
    UPLOAD_PARTIAL,
    UPLOAD_REFUSED,
    DOWNLOAD_COMPLETE,
    DOWNLOAD_PARTIAL,
    PATH_REFUSED,
)
# The journal entry kind of a file event is this prefix plus the event kind.
JOURNAL_PREFIX = "file_"

OnEvent = Callable[[str, dict[str, Any]], None]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class FileEvent:
    """One event; ``seq`` counts from 0 in the order events were emitted."""

    seq: int
    kind: str
    detail: dict[str, Any]

    def summary(self) -> str:
        what = self.detail.get("name") or self.detail.get("attempted") or self.detail.get("user")
        reason = self.detail.get("reason")
        return self.kind + (f" {what}" if what else "") + (f" ({reason})" if reason else "")


@dataclass(frozen=True, slots=True)
class UploadedFile:
    """A complete upload: ``name`` relative to the run directory, ``path`` on disk."""

    name: str
    path: Path
    size: int
    sha256: str
    duration_s: float
    seq: int

    @classmethod
    def from_event(cls, event: FileEvent) -> UploadedFile:
        d = event.detail
        return cls(d["name"], Path(d["path"]), d["size"], d["sha256"], d["duration_s"], event.seq)


@dataclass(frozen=True, slots=True)
class DownloadedFile:
    """A complete download of a firmware file, over ``protocol`` ("http" or "ftp")."""

    name: str
    size: int
    sha256: str
    protocol: str
    remote: str
    seq: int

    @classmethod
    def from_event(cls, event: FileEvent) -> DownloadedFile:
        d = event.detail
        return cls(d["name"], d["size"], d["sha256"], d["protocol"], d["remote"], event.seq)


@dataclass(eq=False, slots=True)
class _Waiter:
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[FileEvent]
    match: Callable[[FileEvent], bool]


class EventLog:
    """Every file event of a run, safe to emit to from any thread.

    ``emit`` calls ``on_event`` before the event becomes visible to waiters, one event at
    a time and in ``seq`` order: a waiter that sees an event knows the callback already
    ran (for ``journal_sink``: the journal write is queued on the loop ahead of the
    waiter's wake-up). Keep ``on_event`` quick; it holds up the server thread.
    """

    def __init__(self, on_event: OnEvent | None = None) -> None:
        self.on_event = on_event
        self.callback_errors: list[BaseException] = []
        self._emit_lock = threading.Lock()
        self._lock = threading.Lock()
        self._events: list[FileEvent] = []
        self._waiters: list[_Waiter] = []

    def emit(self, kind: str, detail: dict[str, Any]) -> FileEvent:
        with self._emit_lock:
            event = FileEvent(len(self._events), kind, {**detail, "seq": len(self._events)})
            self._call_back(event)
            with self._lock:
                self._events.append(event)
                woken = [w for w in self._waiters if w.match(event)]
                self._waiters = [w for w in self._waiters if w not in woken]
        for waiter in woken:
            with contextlib.suppress(RuntimeError):  # that loop is closed: nobody waits
                waiter.loop.call_soon_threadsafe(_resolve, waiter.future, event)
        return event

    def _call_back(self, event: FileEvent) -> None:
        if self.on_event is None:
            return
        try:
            self.on_event(event.kind, dict(event.detail))
        except Exception as exc:  # kept and logged: a broken sink must not stop a transfer
            self.callback_errors.append(exc)
            log.exception("on_event failed for %s", event.kind)

    def snapshot(self, since: int = 0) -> list[FileEvent]:
        with self._lock:
            return self._events[since:]

    def __len__(self) -> int:
        with self._lock:
            return len(self._events)

    async def wait_for(
        self, match: Callable[[FileEvent], bool], timeout: float, *, since: int = 0, what: str
    ) -> FileEvent:
        """The first event from ``since`` on that ``match``es, waiting up to ``timeout`` s.

        Raises ``FileWaitTimeout`` naming ``what`` and the events that did happen.
        """
        loop = asyncio.get_running_loop()
        waiter = _Waiter(loop, loop.create_future(), match)
        with self._lock:
            for event in self._events[since:]:
                if match(event):
                    return event
            self._waiters.append(waiter)
        try:
            return await asyncio.wait_for(waiter.future, timeout)
        except TimeoutError:
            raise FileWaitTimeout(what, timeout, self.snapshot(since)) from None
        finally:
            with self._lock:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)


def _resolve(future: asyncio.Future[FileEvent], event: FileEvent) -> None:
    if not future.done():
        future.set_result(event)


def journal_sink(
    journal: Journal, run_id: int, loop: asyncio.AbstractEventLoop | None = None
) -> OnEvent:
    """An ``on_event`` that journals each event as ``file_<kind>`` with its detail.

    ``Journal`` holds one SQLite connection and is not thread-safe, and the servers call
    ``on_event`` from their own threads; so this callback touches nothing itself but
    hands each event to ``loop`` (default: the running loop, so call this from the loop
    thread) with ``call_soon_threadsafe``, where it is appended and flushed. Use it
    only on the loop thread that also owns the journal.
    """
    target = loop or asyncio.get_running_loop()

    def write(kind: str, detail: dict[str, Any]) -> None:
        journal.append(JOURNAL_PREFIX + kind, run_id=run_id, detail=detail)
        journal.flush()

    def on_event(kind: str, detail: dict[str, Any]) -> None:
        target.call_soon_threadsafe(write, kind, detail)

    return on_event
