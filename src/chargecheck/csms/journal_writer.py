"""Batches journal writes: one SQLite transaction per event-loop tick.

``append`` buffers an entry; ``persisted()`` resolves once the flush that holds every
entry appended so far has committed. A handler that journals a frame and awaits
``persisted()`` before acting on it keeps "persisted before acted on" while all the
frames that arrived in the same tick share one commit. The per-frame path uses
``after_commit`` instead: a callback run by the flush itself, in the order the callbacks
were registered, with no task to wake.

Each waiter gets a future of its own, resolved by the flush: cancelling one waiter
(a task cancelled mid-call) cannot cancel the flush that the others wait for, which
``asyncio.shield`` would otherwise be needed for, at one more future and one more
loop hop per frame.

(Committing in a worker thread was measured too: SQLite does release the GIL, but the
thread has to win the GIL back from the busy event loop for every row or statement,
and the loop then waits on it; throughput came out lower than committing here.)
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from chargecheck.journal.store import BINARY_DETAIL, Journal
from chargecheck.journal.writer_process import JournalWriteError


class JournalWriter:
    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        self.tap: Callable[[str, dict[str, Any]], None] | None = None  # every entry, its id too
        self._scheduled = False
        self._writing = False  # a batch is with the journal's writer process
        self._reading: int | None = None  # the writer process's answer pipe, if watched
        self._waiters: list[asyncio.Future[None]] = []
        self._after: list[tuple[Callable[..., None], tuple[Any, ...]]] = []
        self._overdue: asyncio.TimerHandle | None = None  # the in-flight batch's deadline

    def append(self, kind: str, **fields: Any) -> int:
        entry_id = self.journal.append(kind, **fields)
        if self.tap is not None:
            self.tap(kind, {**fields, "entry": entry_id})
        self._schedule()
        return entry_id

    def append_frame(
        self,
        kind: str,
        run_id: int | None,
        station: str | None,
        message_type: int | None,
        unique_id: str | None,
        action: str | None,
        raw: str,
        binary: bool = False,
    ) -> int:
        """``append`` of a frame, positional: the per-frame path."""
        detail = BINARY_DETAIL if binary else None
        entry_id = self.journal.append_row(
            kind, run_id, station, message_type, unique_id, action, raw, detail
        )
        if self.tap is not None:
            fields: dict[str, Any] = {"run_id": run_id, "station": station, "raw": raw}
            fields["entry"] = entry_id
            fields.update(message_type=message_type, unique_id=unique_id, action=action)
            if binary:
                fields["detail"] = {"binary": True}
            self.tap(kind, fields)
        self._schedule()
        return entry_id

    def _schedule(self) -> None:
        """A flush at the end of this event-loop tick, once."""
        if not self._scheduled:
            self._scheduled = True
            asyncio.get_running_loop().call_soon(self._flush)

    async def persisted(self) -> None:
        """Return once every entry appended so far is committed (or raise why not)."""
        waiter = self.waiter()
        if waiter is not None:
            await waiter

    def waiter(self) -> asyncio.Future[None] | None:
        """``persisted()`` without a coroutine, for the per-frame path: a future that
        resolves with the commit of every entry appended so far; None if all are."""
        if not self._scheduled and not self._writing:
            return None
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        return waiter

    def after_commit(self, callback: Callable[..., None], *args: Any) -> None:
        """Call ``callback(error, *args)`` once every entry appended so far is
        committed (``error`` None), or the commit failed (``error`` says why)."""
        if not self._scheduled and not self._writing:
            callback(None, *args)
            return
        self._after.append((callback, args))

    def close(self) -> None:
        """Stop listening to the journal's writer process (before it is stopped)."""
        if self._overdue is not None:
            self._overdue.cancel()
            self._overdue = None
        if self._reading is not None:
            asyncio.get_running_loop().remove_reader(self._reading)
            self._reading = None

    def _flush(self) -> None:
        if self._writing:
            self._scheduled = False
            return  # the batch in flight calls _flush again when it is settled
        waiters, self._waiters = self._waiters, []
        after, self._after = self._after, []
        self._scheduled = False
        error: Exception | None = None
        try:
            if self._hand_over(after, waiters):
                return
            self.journal.flush()  # nothing to hand over, or no writer process: here
        except Exception as exc:  # the bench's own fault: everyone waiting must see it
            error = exc
        self._done(error, after, waiters)

    def _hand_over(
        self,
        after: list[tuple[Callable[..., None], tuple[Any, ...]]],
        waiters: list[asyncio.Future[None]],
    ) -> bool:
        """Give the buffered entries to the writer process; True if it took them (the
        answer, or the watchdog, settles them)."""
        loop = asyncio.get_running_loop()

        def settled(error: BaseException | None) -> None:
            if not loop.is_closed():  # closed: nobody is left to tell
                loop.call_soon(self._settle, error, after, waiters)

        if not self.journal.flush_soon(settled):
            return False
        self._writing = True
        try:
            fd = self.journal.ack_fd
            if fd is not None and self._reading != fd:
                self.close()
                loop.add_reader(fd, self._ack_ready)
                self._reading = fd
        except Exception as exc:  # nothing would ever read the answer: wait for it here
            loop.call_exception_handler(
                {"message": "watching the journal writer", "exception": exc}
            )
            try:
                self.journal.take_ack()  # settles this batch (and ``after``) exactly once
            except Exception as failed:  # settled all the same: never _done twice
                loop.call_exception_handler({"message": "journal commit", "exception": failed})
            return True
        self._overdue = loop.call_later(self.journal.ack_timeout, self._ack_overdue)
        return True

    def _ack_ready(self) -> None:
        """The writer process answered (or ended)."""
        if self.journal.in_flight:
            self.journal.take_ack()  # calls _settle soon
        if not self.journal.writing_in_background:
            self.close()  # it ended: commits are back in this process

    def _ack_overdue(self) -> None:
        """No answer within ``ack_timeout``: the journal gives the process up and commits
        the batch itself (``take_ack`` with no more waiting)."""
        self._overdue = None
        if self.journal.in_flight:
            self.journal.take_ack(timeout=0)
        if not self.journal.writing_in_background:
            self.close()

    def _settle(
        self,
        error: BaseException | None,
        after: list[tuple[Callable[..., None], tuple[Any, ...]]],
        waiters: list[asyncio.Future[None]],
    ) -> None:
        """The batch handed to the writer process is committed (or failed)."""
        self._writing = False
        if self._overdue is not None:
            self._overdue.cancel()
            self._overdue = None
        if error is not None and not isinstance(error, Exception):
            error = JournalWriteError(f"the commit was interrupted: {error!r}")
        self._done(error, after, waiters)
        if not self._scheduled and (self.journal.dirty or self._waiters or self._after):
            self._flush()

    def _done(
        self,
        error: Exception | None,
        after: list[tuple[Callable[..., None], tuple[Any, ...]]],
        waiters: list[asyncio.Future[None]],
    ) -> None:
        for callback, args in after:
            try:
                callback(error, *args)
            except Exception as exc:  # a broken callback must not stop the others
                asyncio.get_running_loop().call_exception_handler(
                    {"message": "journal after_commit callback failed", "exception": exc}
                )
        for waiter in waiters:
            if waiter.done():
                continue
            if error is None:
                waiter.set_result(None)
            else:
                waiter.set_exception(error)
