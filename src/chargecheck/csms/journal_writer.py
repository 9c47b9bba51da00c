"""Batches journal writes: one SQLite transaction per event-loop tick.

``append`` buffers an entry; ``persisted()`` resolves once the flush that holds every
entry appended so far has committed. A handler that journals a frame and awaits
``persisted()`` before acting on it keeps "persisted before acted on" while all the
frames that arrived in the same tick share one commit.
"""

from __future__ import annotations

import asyncio
from typing import Any

from chargecheck.journal.store import Journal


class JournalWriter:
    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        self._pending: asyncio.Future[None] | None = None

    def append(self, kind: str, **fields: Any) -> int:
        entry_id = self.journal.append(kind, **fields)
        if self._pending is None:
            loop = asyncio.get_running_loop()
            self._pending = loop.create_future()
            loop.call_soon(self._flush)
        return entry_id

    async def persisted(self) -> None:
        if self._pending is not None:
            await asyncio.shield(self._pending)

    def _flush(self) -> None:
        future, self._pending = self._pending, None
        assert future is not None
        try:
            self.journal.flush()
        except Exception as exc:  # the bench's own fault: every waiter must see it
            future.set_exception(exc)
        else:
            future.set_result(None)
