# ruff: noqa: E501  (a criterion is one line: one bullet of the report)
"""Block B, the station offline and back: the status report after an offline period
(OCPP 2.0.1 part 2, use case B04) and the reconnection back-off (OCPP-J 2.0.1, part 4
section 5.3).

The bench closes the connection and refuses reconnections itself (``outage``;
``CentralSystem.refuse``) and sets the OCPPCommCtrlr variables the cases are written for
(OfflineThreshold, RetryBackOff*), putting back each value after. A variable the station
will not take at that value leaves the case to the station's own value, judged by what it
is.
"""

from __future__ import annotations

import asyncio
import itertools
import math
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass

from chargecheck.csms.errors import SessionError
from chargecheck.csms.session import Cursor, Message
from chargecheck.script.catalogue.base import CatalogueCase, not_tested, outage
from chargecheck.script.catalogue201.base import (
    OFFLINE_THRESHOLD,
    PART2,
    Variable,
    case201,
    get_quietly,
)
from chargecheck.script.catalogue201.provisioning import (
    TOLERANCE,
    _connectors_known,
    _passed,
    _transaction_running,
)
from chargecheck.script.catalogue201.provisioning_reset import Pair, _evses, connector_states
from chargecheck.script.catalogue201.states import variable_set
from chargecheck.script.context import CaseContext
from chargecheck.script.operator import StepKind
from chargecheck.script.verdict import Outcome

PART4 = "OCPP-J 2.0.1 (part 4) section 5.3"
POLL = 0.02  # seconds between two looks at the connection and the refusals
SETTLE = 0.5  # seconds between the bench's close and the plug: the station has seen it

WAIT_MINIMUM = Variable("OCPPCommCtrlr", "RetryBackOffWaitMinimum")
RANDOM_RANGE = Variable("OCPPCommCtrlr", "RetryBackOffRandomRange")
REPEAT_TIMES = Variable("OCPPCommCtrlr", "RetryBackOffRepeatTimes")


def _integer(text: str | None) -> int | None:
    return int(text) if text is not None and text.strip().isdigit() else None


async def _set_for_case(
    stack: AsyncExitStack, ctx: CaseContext, values: dict[Variable, str]
) -> None:
    """Each variable at its value for the case (``variable_set``; one the station will
    not take keeps its own value, said on the console)."""
    for variable, value in values.items():
        problem = await stack.enter_async_context(variable_set(ctx, variable, value))
        if problem is not None:
            ctx.say(f"  {problem}: the station's own value is kept")


# -- a status change while offline (B04) ---------------------------------------------------------


async def _states_until(
    ctx: CaseContext,
    since: int,
    connection: int,
    done: Callable[[dict[Pair, tuple[str, Message]]], bool],
    seconds: float,
) -> dict[Pair, tuple[str, Message]]:
    """The connector states reported on ``connection`` since inbox index ``since``, once
    ``done`` holds of them or ``seconds`` have passed."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    cursor = Cursor(since)
    while True:
        states = connector_states(ctx, since, connection)
        left = deadline - loop.time()
        if done(states) or left <= 0:
            return states
        try:
            came = await ctx.expect(
                "StatusNotification", None, left, cursor, ends=[("NotifyEvent", None)], quiet=True
            )
        except SessionError:
            return connector_states(ctx, since, connection)
        cursor = Cursor(came.index + 1)


@dataclass(frozen=True)
class Offline:
    """An outage with the car plugged in during it: how long the station was away, the
    OfflineThreshold in force, the connector states reported before it, where the
    messages after it start, and the plugged EVSE's connectors."""

    seconds: float
    threshold: int
    before: dict[Pair, tuple[str, Message]]
    since: int
    ours: set[Pair]
    wanted: set[Pair]


async def _offline_change(
    ctx: CaseContext, name: str, longer: bool, judge: Callable[[Offline], Awaitable[str]]
) -> str:
    """OfflineThreshold set below (``longer``) or well above the outage, the back-off
    short; the bench's outage with the car plugged in on the first EVSE during it; then
    ``judge`` of what the station reported after it."""
    if _transaction_running(ctx):
        not_tested(ctx, name, "a transaction is running: plugging in would change it")
        return ""
    wanted = await _connectors_known(ctx)
    evse = _evses(wanted)[0]
    ours = {p for p in wanted if p[0] == evse} or {(evse, 1)}
    gone_for = ctx.settings.outage
    threshold = max(1, int(gone_for // 2)) if longer else int(10 * gone_for) + 60
    values = {
        OFFLINE_THRESHOLD: str(threshold),
        WAIT_MINIMUM: str(math.ceil(gone_for) + 1),
        RANDOM_RANGE: "0",
    }
    async with AsyncExitStack() as stack:
        await _set_for_case(stack, ctx, values)
        in_force = _integer(await get_quietly(ctx, OFFLINE_THRESHOLD))
        if in_force is None:
            not_tested(ctx, name, "OCPPCommCtrlr.OfflineThreshold could not be read")
            return ""
        before = connector_states(ctx, 0)
        since = len(ctx.session.inbox)
        clock = ctx.session.clock
        plugged = False
        try:
            async with outage(ctx, name) as made:
                if not made:
                    return ""
                gone = clock.mono()
                await asyncio.sleep(min(SETTLE, gone_for / 4))  # it has seen the loss
                plugged = await ctx.physical(StepKind.PLUG, evse, name)
            seconds = clock.mono() - gone
            if not plugged or not ctx.session.connected:
                return ""
            off = Offline(seconds, in_force, before, since, ours, wanted)
            beyond = seconds > in_force + 1.0 if longer else seconds < in_force - 1.0
            if not beyond:
                not_tested(
                    ctx,
                    name,
                    f"the station was offline {seconds:.1f} s, not {'longer' if longer else 'shorter'} than OfflineThreshold ({in_force} s) by a second: the case needs it {'longer' if longer else 'shorter'} (settings outage, the station's back-off)",
                )
                return ""
            return await judge(off)
        finally:
            if plugged:
                await ctx.physical(
                    StepKind.UNPLUG, evse, "the car is unplugged", otherwise="clean-up"
                )
    return ""


@case201(
    "TC_B_51_CS",
    "Status change during offline period - > Offline Threshold",
    "B04.FR.01",
    """
OCPPCommCtrlr.OfflineThreshold set below the outage (half of it), RetryBackOffWaitMinimum just above it and RetryBackOffRandomRange 0, when the station lets them be set (put back after); no transaction running (else NOT TESTED)
The bench closes the connection and refuses reconnections for the outage (settings outage); the car is plugged in on EVSE 1 meanwhile (not done: NOT TESTED); offline not longer than OfflineThreshold is NOT TESTED
After it reconnects, the station reports the state of every connector (B04.FR.01 SHALL), by StatusNotification or NotifyEvent (G01.FR.03), EVSE 1's Occupied (its current status)""",
)
async def offline_longer(ctx: CaseContext) -> str:
    name = "every connector's state is reported after the outage"
    return await _offline_change(ctx, name, True, lambda off: _all_reported(ctx, name, off))


async def _all_reported(ctx: CaseContext, name: str, off: Offline) -> str:
    connection = ctx.session.connections
    states = await _states_until(
        ctx, off.since, connection, lambda s: off.wanted <= set(s), ctx.settings.timeouts.status
    )
    missing = sorted(off.wanted - set(states))
    evidence = tuple(m.entry_id for _, m in states.values())
    ok = ctx.check(
        not missing,
        name,
        f"reported {sorted(states)} after {off.seconds:.1f} s offline (OfflineThreshold {off.threshold} s)"
        + (
            f"; not {missing}: {PART2} B04.FR.01: after an offline period longer than OfflineThreshold the station SHALL report the status of all its connectors"
            if missing
            else ""
        ),
        evidence,
    )
    mine = {p: states[p] for p in sorted(off.ours) if p in states}
    if mine:
        occupied = any(s == "Occupied" for s, _ in mine.values())
        ok = (
            ctx.check(
                occupied,
                "the plugged connector is reported Occupied",
                ", ".join(f"{p}: {s}" for p, (s, _) in mine.items())
                + (
                    ""
                    if occupied
                    else f": {PART2} B04.FR.01: the current status SHALL be reported, Occupied with a car plugged in (G01.FR.03)"
                ),
                tuple(m.entry_id for _, m in mine.values()),
            )
            and ok
        )
    return "OK, every connector reported" if ok else ""


@case201(
    "TC_B_52_CS",
    "Status change during offline period - < Offline Threshold",
    "B04.FR.02",
    """
OCPPCommCtrlr.OfflineThreshold set well above the outage (ten times it plus 60 s), RetryBackOffWaitMinimum just above the outage and RetryBackOffRandomRange 0, when the station lets them be set (put back after); no transaction running (else NOT TESTED)
The bench closes the connection and refuses reconnections for the outage (settings outage); the car is plugged in on EVSE 1 meanwhile (not done: NOT TESTED); offline not shorter than OfflineThreshold is NOT TESTED
After it reconnects, the station reports EVSE 1's connector Occupied (B04.FR.02 SHALL: the connectors whose state changed), by StatusNotification or NotifyEvent (G01.FR.03)
And, for timeouts.negative after, no connector whose state did not change (the same state as last reported before the outage) (B04.FR.02 SHALL: only those that changed); a station that reported no other connector before the outage has none to leave out: NOT TESTED""",
)
async def offline_shorter(ctx: CaseContext) -> str:
    name = "the changed connector is reported Occupied after the outage"
    return await _offline_change(ctx, name, False, lambda off: _changed_only(ctx, name, off))


async def _changed_only(ctx: CaseContext, name: str, off: Offline) -> str:
    connection = ctx.session.connections

    def occupied(states: dict[Pair, tuple[str, Message]]) -> list[Pair]:
        return [p for p in sorted(off.ours) if states.get(p, ("",))[0] == "Occupied"]

    def unchanged(states: dict[Pair, tuple[str, Message]]) -> list[Pair]:
        return [
            p
            for p, (status, _) in sorted(states.items())
            if p not in off.ours and p in off.before and off.before[p][0] == status
        ]

    states = await _states_until(
        ctx, off.since, connection, lambda s: bool(occupied(s)), ctx.settings.timeouts.status
    )
    mine = occupied(states)
    rule = f"{PART2} B04.FR.02: after an offline period shorter than OfflineThreshold the station SHALL report the connectors whose state changed"
    if not ctx.check(
        bool(mine),
        name,
        f"{mine} Occupied after {off.seconds:.1f} s offline (OfflineThreshold {off.threshold} s)"
        if mine
        else f"no Occupied report of {sorted(off.ours)}: {rule}",
        tuple(states[p][1].entry_id for p in mine),
    ):
        return ""
    others = sorted(p for p in off.before if p not in off.ours)
    if not others:
        not_tested(
            ctx,
            "no report of a connector whose state did not change",
            f"the station reported no connector before the outage besides {sorted(off.ours)}: none kept its state to be left out (a station with a second connector would show it)",
        )
        return "OK, the changed connector reported"
    seconds = ctx.settings.timeouts.negative
    states = await _states_until(ctx, off.since, connection, lambda s: bool(unchanged(s)), seconds)
    extra = unchanged(states)
    ok = ctx.check(
        not extra,
        "no report of a connector whose state did not change",
        f"{', '.join(f'{p} {states[p][0]}' for p in extra)} reported again: {PART2} B04.FR.02: only the connectors whose state changed SHALL be reported"
        if extra
        else f"none in {seconds:g} s",
        tuple(states[p][1].entry_id for p in [*mine, *extra]),
    )
    return "OK, only the changed connector reported" if ok else ""


# -- the reconnection back-off (part 4 section 5.3) --------------------------------------------------


@dataclass(frozen=True)
class Attempts:
    """The station's connection attempts after the bench closed its connection (bench
    clock): when it closed, the refused attempts, the accepted one (None: none in time)
    and its journal entry."""

    closed: float
    refused: tuple[float, ...]
    connected: float | None
    entry_id: int

    @property
    def times(self) -> list[float]:
        return [*self.refused, *([self.connected] if self.connected is not None else [])]


async def _closed_and_back(ctx: CaseContext, refuse_for: float, timeout: float) -> Attempts:
    """The bench closes the connection (refusing reconnections for ``refuse_for`` s) and
    watches the station's attempts until it is back, ``timeout`` s at most."""
    central, session = ctx.central, ctx.session
    assert central is not None
    clock = session.clock
    before = session.connections
    seen = len(central.refusals)
    if refuse_for > 0:
        central.refuse(session.identity, refuse_for)
    closed = clock.mono()  # before the close: a wait seems longer, never shorter, than it was
    await session.disconnect(1001, "chargecheck: the connection is lost")
    refused: list[float] = []
    async with ctx.waiting("the station to reconnect", timeout, quiet=True):
        while True:
            now = clock.mono()
            refused += [now for r in central.refusals[seen:] if r[0] == session.identity]
            seen = len(central.refusals)
            if session.connected and session.connections > before:
                return Attempts(closed, tuple(refused), now, session.connect_entry_id)
            if now - closed >= timeout:
                return Attempts(closed, tuple(refused), None, 0)
            await asyncio.sleep(POLL)


def _gaps(attempts: Attempts) -> list[float]:
    times = [attempts.closed, *attempts.times]
    return [b - a for a, b in itertools.pairwise(times)]


@case201(
    "TC_B_57_CS",
    "Network Reconnection - After connection loss",
    "OCPP-J 2.0.1 part 4 section 5.3 (Reconnecting)",
    """
OCPPCommCtrlr.RetryBackOffWaitMinimum set to the outage (settings outage, at least 1 s), RetryBackOffRandomRange 0 and RetryBackOffRepeatTimes 2, when the station lets them be set (put back after); the values in force are read and judged by
The bench closes the connection: the station reconnects, not before RetryBackOffWaitMinimum (part 4 section 5.3 SHALL); not back within it plus RetryBackOffRandomRange and the connect timeout FAILs (it SHALL try to reconnect)
The bench closes it again and refuses the reconnections for 1.5 times the wait (plus the random range): the first attempt comes after RetryBackOffWaitMinimum, each next one after double the wait before it, up to RetryBackOffRepeatTimes doublings (part 4 section 5.3 SHALL); no refused attempt is NOT TESTED""",
)
async def reconnection(ctx: CaseContext) -> str:
    name = "the station reconnects, not before RetryBackOffWaitMinimum"
    if ctx.central is None:
        ctx.record(
            name, Outcome.ERROR, "the bench has no Central System handle to close connections"
        )
        return ""
    wait = max(1, math.ceil(ctx.settings.outage))
    async with AsyncExitStack() as stack:
        await _set_for_case(
            stack, ctx, {WAIT_MINIMUM: str(wait), RANDOM_RANGE: "0", REPEAT_TIMES: "2"}
        )
        read = [
            _integer(await get_quietly(ctx, v)) for v in (WAIT_MINIMUM, RANDOM_RANGE, REPEAT_TIMES)
        ]
        if None in read:
            not_tested(
                ctx,
                name,
                "RetryBackOffWaitMinimum, RetryBackOffRandomRange or RetryBackOffRepeatTimes could not be read: the waits cannot be judged",
            )
            return ""
        wait, spread, repeat = (int(v or 0) for v in read)
        said = f"RetryBackOffWaitMinimum {wait} s, RandomRange {spread} s, RepeatTimes {repeat}"
        connect = ctx.settings.timeouts.connect
        first = await _closed_and_back(ctx, 0, wait + spread + connect)
        if not _first_judged(ctx, name, first, wait, spread, said):
            return ""
        await get_quietly(ctx, WAIT_MINIMUM)  # the bench speaks on the new connection
        window = 1.5 * wait + spread
        second = await _closed_and_back(ctx, window, window + 4 * wait + 3 * spread + connect)
        ok = _doubling_judged(ctx, second, wait, repeat, said)
    return (
        "OK, reconnected after the back-off, doubled after a refusal" if ok and _passed(ctx) else ""
    )


def _first_judged(
    ctx: CaseContext, name: str, first: Attempts, wait: int, spread: int, said: str
) -> bool:
    if first.connected is None:
        return ctx.check(
            False,
            name,
            f"not back within {wait + spread + ctx.settings.timeouts.connect:g} s ({said}): {PART4}: the station SHALL try to reconnect, the first time after RetryBackOffWaitMinimum plus at most RetryBackOffRandomRange",
        )
    gap = _gaps(first)[0]
    early = gap < wait - TOLERANCE
    if gap > wait + spread + 1.0:
        ctx.say(f"  note: the first attempt came after {gap:.1f} s, later than {wait + spread} s")
    return ctx.check(
        not early,
        name,
        f"first attempt after {gap:.1f} s ({said})"
        + (
            f": {PART4}: the first reconnection attempt SHALL come after RetryBackOffWaitMinimum"
            if early
            else ""
        ),
        (first.entry_id,),
    )


def _doubling_judged(ctx: CaseContext, second: Attempts, wait: int, repeat: int, said: str) -> bool:
    name = "after a refused attempt the wait is doubled"
    evidence = (second.entry_id,) if second.entry_id else ()
    if second.connected is None:
        return ctx.check(
            False,
            name,
            f"not back after {len(second.refused)} refused attempt(s) ({said}): {PART4}: the station SHALL keep reconnecting",
        )
    if not second.refused:
        not_tested(
            ctx,
            name,
            f"no attempt came while the bench refused them (the first after {_gaps(second)[0]:.1f} s): no refused attempt to double the wait from",
            evidence,
        )
        return False
    gaps = _gaps(second)
    least = [wait * 2 ** min(n, repeat) for n in range(len(gaps))]
    short = [
        (n, g, m) for n, (g, m) in enumerate(zip(gaps, least, strict=True)) if g < m - TOLERANCE
    ]
    waits = ", ".join(f"{g:.1f} s (at least {m} s)" for g, m in zip(gaps, least, strict=True))
    return ctx.check(
        not short,
        name,
        f"{len(second.refused)} refused, then back; waits {waits}; {said}"
        + (
            f": {PART4}: after every failed reconnection attempt the station SHALL double the previous back-off time (up to RetryBackOffRepeatTimes times)"
            if short
            else ""
        ),
        evidence,
    )


CASES: list[CatalogueCase] = [
    offline_longer,
    offline_shorter,
    reconnection,
]
