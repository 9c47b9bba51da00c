"""How a physical step gets done: the Operator.

A case asks for a step (plug the car, present a card, pull the cable, create an error);
an operator does it or says it was not done, which makes the criterion NOT TESTED:

- ``ConsoleOperator``: prompts a person with rich, shows a countdown, accepts ``done``
  or ``skip`` on standard input; a timeout is "not done".
- ``NonInteractiveOperator``: every step is not done, at once (``--non-interactive``).
- the demo's operator drives the simulator through its API (``chargecheck.demo``).
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from rich.console import Console


class StepKind(StrEnum):
    PLUG = "plug"
    UNPLUG = "unplug"
    PRESENT_CARD = "present_card"  # a card the bench accepts (or plug & charge)
    PRESENT_INVALID_CARD = "present_invalid_card"  # a card the bench refuses
    CREATE_ERROR = "create_error"
    CLEAR_ERROR = "clear_error"


_INSTRUCTIONS = {
    StepKind.PLUG: "Plug the car (or EV simulator) into connector {c}.",
    StepKind.UNPLUG: "Unplug the charging cable from connector {c}.",
    StepKind.PRESENT_CARD: "Present the valid card {tag} at connector {c} "
    "(or let plug & charge start).",
    StepKind.PRESENT_INVALID_CARD: "Present a card at connector {c}: the bench will refuse it.",
    StepKind.CREATE_ERROR: "Create an error on {where} (e.g. disconnect the communication pin, "
    "a power pin, or create a phase imbalance).",
    StepKind.CLEAR_ERROR: "Remove the error on {where}.",
}


@dataclass(frozen=True)
class PhysicalStep:
    kind: StepKind
    connector_id: int
    id_tag: str | None = None

    @property
    def instruction(self) -> str:
        where = (
            "the charging station itself"
            if self.connector_id == 0
            else (f"connector {self.connector_id}")
        )
        return _INSTRUCTIONS[self.kind].format(c=self.connector_id, tag=self.id_tag, where=where)


class StepNotDone(Exception):
    """The operator skipped the step or its time ran out: the criterion is NOT TESTED."""


class Operator(Protocol):
    async def perform(self, step: PhysicalStep, timeout: float) -> None:
        """Return once the step is done; raise ``StepNotDone`` otherwise."""


class NonInteractiveOperator:
    async def perform(self, step: PhysicalStep, timeout: float) -> None:
        raise StepNotDone(f"non-interactive run: '{step.instruction}' was not done")


class ConsoleOperator:
    """Asks a person at the console; ``done`` confirms, ``skip`` or a timeout does not."""

    def __init__(self, console: Console, stdin: object = sys.stdin) -> None:
        self.console = console
        self._stdin = stdin

    async def perform(self, step: PhysicalStep, timeout: float) -> None:
        self.console.print(f"[bold yellow]ACTION[/] {step.instruction}")
        self.console.print(f"  type [bold]done[/] when done or [bold]skip[/] ({timeout:g} s)")
        answer = await self._read_line(timeout)
        if answer is None:
            raise StepNotDone(f"'{step.instruction}' was not done within {timeout:g} s")
        if answer.strip().lower() != "done":
            raise StepNotDone(f"operator skipped '{step.instruction}'")

    async def _read_line(self, timeout: float) -> str | None:
        """A line from standard input, or None if none came in time. A stdin the event
        loop cannot watch (``/dev/null``, a file) is read at once: it never blocks."""
        loop = asyncio.get_running_loop()
        line: asyncio.Future[str] = loop.create_future()
        fd = self._stdin.fileno()  # type: ignore[attr-defined]

        def readable() -> None:
            if not line.done():
                line.set_result(self._stdin.readline())  # type: ignore[attr-defined]

        try:
            loop.add_reader(fd, readable)
        except (OSError, ValueError):
            return str(self._stdin.readline()) or None  # type: ignore[attr-defined]
        try:
            return await asyncio.wait_for(line, timeout)
        except TimeoutError:
            return None
        finally:
            loop.remove_reader(fd)
