"""The operator of a run with a live view: each physical step is shown on the page with
Done and Skip, and asked at the terminal too (when there is one); the first answer wins
and the other side is told. With no terminal (``terminal=None``: standard input is not
one) the page alone answers. A step nobody answers within its time is not done."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

from chargecheck.script.operator import Operator, PhysicalStep, StepNotDone
from chargecheck.web.live import LiveRun


class WebOperator:
    def __init__(
        self, live: LiveRun, terminal: Operator | None, say: Callable[[str], None] = print
    ) -> None:
        self.live = live
        self.terminal = terminal
        self._say = say

    async def perform(self, step: PhysicalStep, timeout: float) -> None:
        prompt = self.live.prompt(
            step.instruction,
            kind=step.kind.value,
            connector=step.connector_id,
            id_tag=step.id_tag,
            cleanup=step.cleanup,
            seconds=timeout,
        )
        page = asyncio.ensure_future(prompt.answer)
        waiting: set[asyncio.Future[Any]] = {page}
        terminal: asyncio.Task[None] | None = None
        if self.terminal is not None:
            terminal = asyncio.ensure_future(self.terminal.perform(step, timeout))
            waiting.add(terminal)
        try:
            done, _ = await asyncio.wait(waiting, timeout=timeout, return_when="FIRST_COMPLETED")
        except BaseException:
            self.live.settle(prompt, False, "bench", "the run stopped")
            raise
        finally:
            for task in waiting:
                if not task.done():
                    task.cancel()
            if terminal is not None:
                with contextlib.suppress(BaseException):
                    await terminal
        if page in done and not page.cancelled():
            answered, by = page.result()
            if by == "page":
                self._say(f"  answered on the web page: {'done' if answered else 'skip'}")
            if not answered:
                raise StepNotDone(f"operator skipped '{step.instruction}' on the web page")
            return
        if terminal is not None and terminal in done:
            error = terminal.exception()
            self.live.settle(
                prompt, error is None, "terminal", str(error) if error is not None else ""
            )
            if error is not None:
                raise error
            return
        self.live.settle(prompt, False, "timeout", f"no answer within {timeout:g} s")
        raise StepNotDone(f"'{step.instruction}' was not done within {timeout:g} s")
