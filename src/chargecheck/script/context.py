"""What a test case works with: the station's session, the settings, the operator, the
file services, and the list of criteria it records as it goes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from chargecheck.csms.errors import ExpectTimeout, SessionError
from chargecheck.csms.session import Cursor, Message, Predicate, Result, Session
from chargecheck.script.knowledge import Silence, StationKnowledge
from chargecheck.script.operator import Operator, PhysicalStep, StepKind, StepNotDone
from chargecheck.script.settings import Settings
from chargecheck.script.verdict import Criterion, Outcome
from chargecheck.script.waits import (
    LONG_WAIT_S,
    REPORT_EVERY_S,
    StationAway,
    Wanted,
    described,
    expect_first,
    reconnect_window,
)

T = TypeVar("T")

if TYPE_CHECKING:
    from chargecheck.csms.server import CentralSystem
    from chargecheck.web.live import LiveRun


def frame_text(payload: dict[str, Any]) -> str:
    """A payload as the console shows it: JSON, passwords in URLs masked."""
    from chargecheck.report.model import redact_credentials  # report imports the script

    return redact_credentials(json.dumps(payload, ensure_ascii=False, default=str))


@dataclass
class CaseContext:
    session: Session
    settings: Settings
    operator: Operator
    central: CentralSystem | None = None
    files: Any = None  # chargecheck.files.FileServices when the run has file services
    firmware: str | None = None  # name of the firmware file the file services serve
    firmware_version: str | None = None  # the version that file installs, when known
    say: Callable[[str], None] = lambda text: None
    criteria: list[Criterion] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)
    known: StationKnowledge = field(default_factory=StationKnowledge)  # one per run
    live: LiveRun | None = None  # the run's live web view, if it has one
    row_id: str = ""  # the row this context judges, as the pack names it
    _connectors: list[int] | None = None

    # -- recording criteria ---------------------------------------------------------

    def record(
        self,
        name: str,
        outcome: Outcome,
        detail: str = "",
        evidence: tuple[int, ...] = (),
        connector_id: int | None = None,
    ) -> Outcome:
        self.criteria.append(Criterion(name, outcome, detail, tuple(evidence), connector_id))
        self.say(f"  {outcome}: {name}{' - ' + detail if detail else ''}")
        if self.live is not None:
            self.live.publish(
                "criterion",
                row=self.row_id,
                name=name,
                outcome=str(outcome),
                detail=detail,
                evidence=list(evidence),
                connector=connector_id,
            )
        return outcome

    def check(
        self,
        ok: bool,
        name: str,
        detail: str,
        evidence: tuple[int, ...] = (),
        connector_id: int | None = None,
    ) -> bool:
        """Record ``name`` as PASS if ``ok`` else FAIL, with ``detail`` either way."""
        self.record(name, Outcome.PASS if ok else Outcome.FAIL, detail, evidence, connector_id)
        return ok

    # -- the station ------------------------------------------------------------------

    def mark(self) -> Cursor:
        return self.session.mark()

    async def call(
        self, action: str, payload: dict[str, Any], timeout: float | None = None
    ) -> Result:
        self.say(f"  -> {action} {frame_text(payload)}")
        return await self.session.call(action, payload, timeout or self.settings.timeouts.call)

    async def expect(
        self,
        action: str,
        where: Predicate | None = None,
        timeout: float | None = None,
        cursor: Cursor | None = None,
        *,
        ends: Sequence[Wanted] = (),
        what: str = "",
        quiet: bool = False,
    ) -> Message:
        """The station's ``action`` that ``where`` accepts, or the first message one of
        ``ends`` accepts (an answer that says it will not come: the caller tells which by
        the message), within ``timeout`` (default ``timeouts.status``); a station that
        closed its connection and is not back within the reconnect window ends it too
        (``chargecheck.script.waits``). ``what`` names the wait on the console and the
        live view; ``quiet`` leaves out the console line a short wait starts with."""
        seconds = self.settings.timeouts.status if timeout is None else timeout
        what = what or described(action, ends)
        async with self.waiting(what, seconds, quiet=quiet):
            try:
                return await expect_first(
                    self.session,
                    ((action, where), *ends),
                    seconds,
                    cursor,
                    away_limit=reconnect_window(self.settings),
                )
            except StationAway:  # the cases after this one do not wait for it again
                self.known.gone_after = self.session.connections
                raise

    async def wait_connected(self, timeout: float, what: str = "the station to connect") -> None:
        """Until the station is connected (``NotConnected`` after ``timeout``), shown as
        every wait is (``waiting``)."""
        if self.session.connected:
            return
        async with self.waiting(what, timeout, quiet=True):
            await self.session.wait_connected(timeout)

    async def waited(self, what: str, seconds: float, step: Awaitable[T]) -> T:
        """Await ``step``, a wait of up to ``seconds`` for ``what`` that is no message of
        the station (a file on the bench's server), shown as every wait is (``waiting``)."""
        async with self.waiting(what, seconds, quiet=True):
            return await step

    @asynccontextmanager
    async def waiting(
        self, what: str, seconds: float, *, quiet: bool = False
    ) -> AsyncIterator[None]:
        """The block waits up to ``seconds`` for ``what``: the console says so (a long wait,
        over ``LONG_WAIT_S``, with its length, then every ``REPORT_EVERY_S`` the time left;
        ``quiet``: a short one says nothing) and the live view shows the wait while it
        lasts. No time at all is a look at what came, not a wait: nothing is said."""
        long = seconds > LONG_WAIT_S
        if long or (seconds > 0 and not quiet):
            self.say(f"  waiting for {what}" + (f", {seconds:.0f} s" if long else ""))
        live = self.live if seconds > 0 else None
        if live is not None:
            live.publish("wait", row=self.row_id, what=what, seconds=seconds)
        ticker = asyncio.create_task(self._time_left(what, seconds)) if long else None
        try:
            yield
        finally:
            if ticker is not None:
                ticker.cancel()
                await asyncio.wait({ticker})
            if live is not None:
                live.publish("wait_end", row=self.row_id, what=what)

    async def _time_left(self, what: str, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        every = REPORT_EVERY_S
        while deadline - loop.time() > every:
            await asyncio.sleep(every)
            self.say(f"  waiting for {what}, {int(deadline - loop.time())} s left")

    async def attempt(
        self, name: str, step: Awaitable[Any], connector_id: int | None = None
    ) -> Any | None:
        """Await ``step``; a station error or a wait that timed out (a file that never
        arrived) becomes a FAIL criterion and ``None``."""
        try:
            return await step
        except (SessionError, TimeoutError) as exc:
            evidence = tuple(x for x in [getattr(exc, "entry_id", None)] if x)
            if isinstance(exc, ExpectTimeout) and (silent := self.silent()) is not None:
                detail = f"{exc}: {silent.cause()}"
                self.record(name, Outcome.NOT_TESTED, detail, silent.evidence, connector_id)
                return None
            self.record(name, Outcome.FAIL, str(exc), evidence, connector_id)
            return None

    def silent(self) -> Silence | None:
        """The silence the station fell into in an earlier row, if it still lasts (one
        message from the station ends it: ``chargecheck.script.silence``)."""
        silent = self.known.silent
        if silent is not None and len(self.session.inbox) > silent.since:
            self.known.silent = silent = None
        return silent

    async def physical(
        self,
        kind: StepKind,
        connector_id: int,
        name: str,
        id_tag: str | None = None,
        *,
        otherwise: str = "",
        refused: str = "",
    ) -> bool:
        """Have the operator do a step; if not done, record ``name`` as NOT TESTED, or,
        when the case has another way to judge (``otherwise`` says which), only say so.
        ``refused``: why the card presented is to be refused (the operator is told)."""
        step = PhysicalStep(kind, connector_id, id_tag, refused=refused)
        self.say(f"  operator: {step.instruction}")
        try:
            await self.operator.perform(step, self.settings.timeouts.physical_step)
        except StepNotDone as exc:
            if otherwise:
                self.say(f"  not done ({exc}): {otherwise}")
            else:
                self.record(name, Outcome.NOT_TESTED, str(exc), connector_id=connector_id)
            return False
        return True

    async def outlets(self) -> list[int]:
        """The connectors a car plugs into: every one the station reports but 0."""
        return [c for c in await self.connectors() if c > 0]

    async def connectors(self) -> list[int]:
        """Connector 0 and every connector the station reports (NumberOfConnectors, or the
        StatusNotifications it sent). A station that reports none fails the row: its
        connector criteria would otherwise be judged on connector 0 alone, or on nothing
        (NumberOfConnectors is a required Core key, OCPP 1.6 section 9.1)."""
        if self._connectors is None:
            count = 0
            try:
                result = await self.session.call(
                    "GetConfiguration",
                    {"key": ["NumberOfConnectors"]},
                    self.settings.timeouts.call,
                )
                for item in result.get("configurationKey", []):
                    if item.get("key") == "NumberOfConnectors":
                        count = int(item.get("value", "0"))
            except (SessionError, ValueError):
                count = 0
            seen = [
                m.payload["connectorId"]
                for m in self.session.inbox
                if m.action == "StatusNotification" and m.valid
            ]
            count = max([count, *seen])
            self._connectors = list(range(count + 1))
            if count == 0:
                self.record(
                    "the station reports its connectors",
                    Outcome.FAIL,
                    "neither NumberOfConnectors nor a StatusNotification names a connector",
                )
        return self._connectors
