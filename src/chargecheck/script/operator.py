"""How a physical step gets done: the Operator.

A case asks for a step (plug the car, present a card, pull the cable, create an error);
an operator does it or says it was not done, which makes the criterion NOT TESTED:

- ``ConsoleOperator``: prompts a person with rich, shows a countdown, accepts ``done``
  or ``skip`` on standard input; a timeout is "not done".
- ``NonInteractiveOperator``: every step is not done, at once (``--non-interactive``).
- the demo's operator drives the simulator through its API (``chargecheck.demo``);
- ``CommandOperator``: runs a program for each step, a lab's hook for its EV simulator,
  RFID emulator or relay card (``--step-command``);
- ``EvConnectedOperator`` wraps any of them for a bench where an EV (or EV simulator)
  stays connected to some connectors for the whole run (``--ev-connected``).
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from rich.console import Console


class StepKind(StrEnum):
    PLUG = "plug"  # a car must be connected (an EV connected all along will do)
    PLUG_IN = "plug_in"  # the act of plugging in: the bench watches what it causes
    UNPLUG = "unplug"
    PRESENT_CARD = "present_card"  # a card the bench accepts (or plug & charge)
    PRESENT_INVALID_CARD = "present_invalid_card"  # a card the bench refuses
    CREATE_ERROR = "create_error"
    CLEAR_ERROR = "clear_error"
    LOCK_FAILURE = "lock_failure"  # the cable lock of the connector will fail
    CLEAR_LOCK_FAILURE = "clear_lock_failure"
    POWER_CYCLE = "power_cycle"  # the mains: cut, wait, restore
    LOCAL_LIST_FAILURE = "local_list_failure"  # the station cannot store a local list
    CLEAR_LOCAL_LIST_FAILURE = "clear_local_list_failure"
    # the station's SecurityProfile set in its local configuration (id_tag: the profile)
    SECURITY_PROFILE = "security_profile"
    EV_SUSPEND = "ev_suspend"  # the car stops drawing energy (SuspendedEV), cable in
    EV_RESUME = "ev_resume"  # the car draws energy again
    EV_SIDE_UNPLUG = "ev_side_unplug"  # the cable out of the car, left in the station
    EV_SIDE_PLUG = "ev_side_plug"  # the cable back into the car


_INSTRUCTIONS = {
    StepKind.PLUG: "Plug the car (or EV simulator) into connector {c}.",
    StepKind.PLUG_IN: "Plug the car (or EV simulator) into connector {c} now "
    "(if it is plugged in, unplug it first).",
    StepKind.UNPLUG: "Unplug the charging cable from connector {c}.",
    StepKind.PRESENT_CARD: "Present the valid card {tag} at connector {c} "
    "(or let plug & charge start).",
    StepKind.PRESENT_INVALID_CARD: "Present {card} at connector {c} (the bench will refuse it).",
    StepKind.CREATE_ERROR: "Create an error on {where} (e.g. disconnect the communication pin, "
    "a power pin, or create a phase imbalance).",
    StepKind.CLEAR_ERROR: "Remove the error on {where}.",
    StepKind.LOCK_FAILURE: "Make the cable lock of connector {c} fail (hold the plug half way "
    "in, or block the lock) until told to remove the failure.",
    StepKind.CLEAR_LOCK_FAILURE: "Remove the lock failure of connector {c} (let the lock move "
    "freely again).",
    StepKind.POWER_CYCLE: "Cut the power of the charging station (the mains, no shutdown), "
    "wait 10 s, then restore it.",
    StepKind.LOCAL_LIST_FAILURE: "Make the charging station unable to store a Local "
    "Authorization List (e.g. fill or write-protect its storage) until told to undo it.",
    StepKind.CLEAR_LOCAL_LIST_FAILURE: "Make the charging station able to store a Local "
    "Authorization List again.",
    StepKind.SECURITY_PROFILE: "Set SecurityProfile {tag} in the charging station's local "
    "configuration (its web page or service tool), with the address and credentials the bench "
    "printed, and let it connect again.",
    StepKind.EV_SUSPEND: "Make the car at connector {c} stop drawing energy, its cable left in "
    "(set the EV or EV simulator to suspended / not ready).",
    StepKind.EV_RESUME: "Make the car at connector {c} draw energy again (set the EV or EV "
    "simulator to ready).",
    StepKind.EV_SIDE_UNPLUG: "Unplug the charging cable of connector {c} at the car (the EV "
    "side); a detachable cable stays in the charging station's socket.",
    StepKind.EV_SIDE_PLUG: "Plug the charging cable of connector {c} back into the car (the EV "
    "side).",
}


@dataclass(frozen=True)
class PhysicalStep:
    kind: StepKind
    connector_id: int
    id_tag: str | None = None
    cleanup: bool = False  # tidying up after a row: no criterion rests on it
    # A PRESENT_CARD whose card is to be refused says why ("the station should refuse
    # it: ..."): the operator is never told a card is valid when it is not. Wording
    # only: the step (what the simulator or a --step-command hook does) is the kind.
    refused: str = ""

    @property
    def instruction(self) -> str:
        where = (
            "the charging station itself"
            if self.connector_id == 0
            else (f"connector {self.connector_id}")
        )
        if self.kind is StepKind.PRESENT_CARD and self.refused:
            return f"Present card {self.id_tag} at connector {self.connector_id} ({self.refused})."
        card = "a card" if self.id_tag is None else f"card {self.id_tag}"
        return _INSTRUCTIONS[self.kind].format(
            c=self.connector_id, tag=self.id_tag, where=where, card=card
        )


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


class CommandOperator:
    """Runs ``argv + [STEP, CONNECTOR] (+ [ID_TAG])`` for each step; exit 0 means done,
    anything else (or no exit within the step's timeout: it is killed) means not done,
    with the program's last line of output as the reason. The step is also in the
    environment: CHARGECHECK_STEP, CHARGECHECK_CONNECTOR, CHARGECHECK_ID_TAG,
    CHARGECHECK_INSTRUCTION, CHARGECHECK_CLEANUP ("1" for a tidy-up after a row)."""

    def __init__(self, argv: list[str]) -> None:
        self.argv = list(argv)

    async def perform(self, step: PhysicalStep, timeout: float) -> None:
        args = [*self.argv, step.kind.value, str(step.connector_id)]
        if step.id_tag is not None:
            args.append(step.id_tag)
        env = {
            **os.environ,
            "CHARGECHECK_STEP": step.kind.value,
            "CHARGECHECK_CONNECTOR": str(step.connector_id),
            "CHARGECHECK_ID_TAG": step.id_tag or "",
            "CHARGECHECK_INSTRUCTION": step.instruction,
            "CHARGECHECK_CLEANUP": "1" if step.cleanup else "0",
        }
        try:
            process = await asyncio.create_subprocess_exec(
                *args,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
                env=env,
            )
        except OSError as exc:
            raise StepNotDone(f"step command {self.argv[0]!r} did not start: {exc}") from None
        try:
            output, _ = await asyncio.wait_for(process.communicate(), timeout)
        except TimeoutError:
            raise StepNotDone(
                f"step command gave no answer within {timeout:g} s for '{step.instruction}'"
            ) from None
        finally:  # timed out, or the run was cancelled meanwhile: no hook outlives its step
            if process.returncode is None:
                process.kill()
                await asyncio.shield(process.wait())
        if process.returncode != 0:
            lines = output.decode(errors="replace").strip().splitlines()
            said = f": {lines[-1]}" if lines else ""
            raise StepNotDone(
                f"step command exited {process.returncode} for '{step.instruction}'{said}"
            )


class EvConnectedOperator:
    """An EV (or EV simulator) is connected to ``connectors`` for the whole run, as on a
    charger lab's bench or in CI for charger firmware: a step that only needs a car
    connected there is done at once, and a clean-up unplug leaves the car where it is.
    The acts themselves (pulling the cable, plugging it in, a card, an error) still go
    to ``inner``; once a person pulled the cable, the car counts as connected again
    only after a plug step is done."""

    def __init__(self, inner: Operator, connectors: Iterable[int]) -> None:
        self.inner = inner
        self.connectors = frozenset(connectors)
        self._plugged = set(self.connectors)

    def keeps(self, step: PhysicalStep) -> bool:
        """Is ``step`` done by leaving things as they are (a car already connected, a
        clean-up unplug of a car that stays)? Nothing then changes at the station."""
        c = step.connector_id
        if c not in self.connectors:
            return False
        if step.kind is StepKind.PLUG:
            return c in self._plugged
        return step.kind is StepKind.UNPLUG and step.cleanup  # the car stays for the next row

    async def perform(self, step: PhysicalStep, timeout: float) -> None:
        if self.keeps(step):
            return
        c = step.connector_id
        await self.inner.perform(step, timeout)
        if step.kind is StepKind.UNPLUG:
            self._plugged.discard(c)
        elif step.kind in (StepKind.PLUG, StepKind.PLUG_IN) and c in self.connectors:
            self._plugged.add(c)
