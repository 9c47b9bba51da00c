"""The bench's own faults: an exception that escaped a callback of the event loop.

asyncio hands such an exception (a journal sink, a file event, a protocol's
``data_received``, an ``after_commit`` callback, a task nobody awaited) to the loop's
exception handler, whose default prints a traceback and goes on as if nothing happened:
a station could be left unanswered and the row still PASS. While a Central System runs,
``FaultRecorder`` is that handler instead. Each fault is journaled (``bench_error``,
with the traceback), printed once as one line, and kept, so the runner makes the row
during which it happened an ERROR with the cause (``script.runner.run_case``) and a
fault outside every row makes the whole run end as a bench error.
"""

from __future__ import annotations

import asyncio
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class BenchFault:
    """``text``: one line, what failed and where; ``entry_id``: its journal entry."""

    text: str
    entry_id: int | None


def fault_text(context: dict[str, Any]) -> str:
    """One line for a loop exception handler's ``context``."""
    message = str(context.get("message") or "unhandled exception")
    exc = context.get("exception")
    if not isinstance(exc, BaseException):
        return message
    where = ""
    frames = traceback.extract_tb(exc.__traceback__)
    if frames:
        where = f" ({frames[-1].filename}:{frames[-1].lineno})"
    return f"{message}: {type(exc).__name__}: {exc}{where}"


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


class FaultRecorder:
    """``journal(detail) -> entry id`` writes the ``bench_error`` entry; ``say(line)``
    prints (standard error by default). ``install`` on a loop, ``uninstall`` after."""

    def __init__(
        self,
        journal: Callable[[dict[str, Any]], int | None],
        say: Callable[[str], None] = _stderr,
    ) -> None:
        self.faults: list[BenchFault] = []
        self.say = say
        self._journal = journal
        self._printed: set[str] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._previous: Any = None

    def install(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._previous = loop.get_exception_handler()
        loop.set_exception_handler(self.handle)

    def uninstall(self) -> None:
        if self._loop is not None and not self._loop.is_closed():
            self._loop.set_exception_handler(self._previous)
        self._loop = None

    def handle(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        text = fault_text(context)
        exc = context.get("exception")
        detail: dict[str, Any] = {"message": str(context.get("message") or ""), "error": text}
        if isinstance(exc, BaseException):
            detail["traceback"] = "".join(traceback.format_exception(exc))
        entry_id: int | None = None
        try:
            entry_id = self._journal(detail)
        except Exception as journal_exc:  # the journal itself is what fails: still say it
            text = f"{text} [not journaled: {type(journal_exc).__name__}: {journal_exc}]"
        self.faults.append(BenchFault(text, entry_id))
        if text not in self._printed:  # once: a fault in a per-frame path repeats
            self._printed.add(text)
            self.say(f"chargecheck: bench error (journaled): {text}")
