# ruff: noqa: E501  (a criterion is one line: one bullet of the report)
"""Block B, the resets of the whole station the idle-station case (TC_B_20_CS, in
``provisioning``) leaves: a reset while transactions run (OCPP 2.0.1 part 2, use case
B12) and an EVSE made Unavailable across a reset (B11.FR.02). The reset of one EVSE is
``provisioning_evse_reset``; the helpers here serve it too.

A transaction the cases need is OCTT's EnergyTransferStarted (``states.charging``); it is
ended the way the station lets it (RequestStopTransaction, then the car unplugged if that
does not end it: OCTT's StopAuthorized, EVConnectedPostSession, EVDisconnected), and the
car is unplugged after the case.
"""

from __future__ import annotations

from collections.abc import Callable

from chargecheck.csms.errors import SessionError
from chargecheck.csms.session import Cursor, Message, Predicate, Result
from chargecheck.script.catalogue.base import CatalogueCase, ask, not_tested
from chargecheck.script.catalogue201.base import PART2, case201, evidence_of
from chargecheck.script.catalogue201.provisioning import (
    _boot_after_reset,
    _boot_judged,
    _booted,
    _connectors_known,
    _passed,
    _reset_accepted,
    _transaction_running,
)
from chargecheck.script.catalogue201.sessions import reported
from chargecheck.script.catalogue201.states import Charging, charging, events_of, finish
from chargecheck.script.context import CaseContext
from chargecheck.script.operator import StepKind
from chargecheck.script.waits import Wanted

Pair = tuple[int, int]  # (evseId, connectorId)

RESET_REFUSED = "a station may refuse a reset it cannot do now (B11.FR.06)"


# -- what the station reported -------------------------------------------------------------------


def connector_states(
    ctx: CaseContext, since: int, connection: int | None = None
) -> dict[Pair, tuple[str, Message]]:
    """The last state each connector was reported in since inbox index ``since`` (on
    ``connection`` only, if given), by StatusNotification or by NotifyEvent of
    Connector.AvailabilityState (G01.FR.03 allows either), with the message."""
    states: dict[Pair, tuple[str, Message]] = {}
    for m in ctx.session.inbox[since:]:
        if m.valid and (connection is None or m.connection == connection):
            for (evse, connector), status in reported(m.action, m.payload):
                if connector is not None:  # a connector's own state, not its EVSE's
                    states[(evse, connector)] = (status, m)
    return states


async def watch_connector(
    ctx: CaseContext, evse: int, accept: Callable[[str], bool], seconds: float, cursor: Cursor
) -> Message | None:
    """The first report (StatusNotification or NotifyEvent) of a connector of ``evse`` in
    a state ``accept`` takes, within ``seconds``; None if none came (nothing judged)."""

    def says(action: str) -> Predicate:
        return lambda p: any(
            pair[0] == evse and accept(status) for pair, status in reported(action, p)
        )

    return await _watch(
        ctx,
        "StatusNotification",
        says("StatusNotification"),
        seconds,
        cursor,
        ("NotifyEvent", says("NotifyEvent")),
    )


def _ended(ctx: CaseContext, transaction_id: str, since: int) -> Message | None:
    return next(
        (m for m in events_of(ctx, transaction_id, since) if m.payload["eventType"] == "Ended"),
        None,
    )


def _is_ended(transaction_id: str) -> Predicate:
    return lambda p: (
        p["eventType"] == "Ended" and p["transactionInfo"]["transactionId"] == transaction_id
    )


async def _watch(
    ctx: CaseContext,
    action: str,
    where: Predicate | None,
    seconds: float,
    cursor: Cursor,
    *ends: Wanted,
) -> Message | None:
    """The first ``action`` (or one of ``ends``) within ``seconds``, or None."""
    try:
        return await ctx.expect(
            action, where, seconds, Cursor(cursor.start), ends=list(ends), quiet=True
        )
    except SessionError:
        return None


async def _end(ctx: CaseContext, session: Charging) -> Message | None:
    """The transaction ended the way the station lets it, nothing judged: RequestStop
    Transaction, then the car unplugged if no Ended came; its Ended event, or None."""
    tid, cursor = session.transaction_id, ctx.mark()
    try:
        await ctx.call("RequestStopTransaction", {"transactionId": tid})
    except SessionError as exc:
        ctx.say(f"  RequestStopTransaction: {exc}")
    status = ctx.settings.timeouts.status
    ended = await _watch(ctx, "TransactionEvent", _is_ended(tid), status, cursor)
    if ended is None and await ctx.physical(
        StepKind.UNPLUG, session.evse, "the transaction ends", otherwise="it may not end"
    ):
        ended = await _watch(ctx, "TransactionEvent", _is_ended(tid), status, cursor)
    return ended


async def _clean_up(ctx: CaseContext, sessions: list[Charging]) -> None:
    """Each transaction stopped if it still runs, each car unplugged."""
    for s in sessions:
        running = _ended(ctx, s.transaction_id, s.since) is None
        await finish(ctx, s.transaction_id if running else None, s.evse)


async def _rebooted(
    ctx: CaseContext, cursor: Cursor, wanted: set[Pair], rule: str
) -> Message | None:
    """The BootNotification since ``cursor`` within the reboot timeout (none: FAIL on
    ``rule``), first on its connection (B01.FR.08), and answered Accepted every
    connector's state reported (B01.FR.05)."""
    name = "the station reboots: a BootNotification"
    boot = await _boot_after_reset(ctx, name, Cursor(cursor.start), rule)
    if boot is None:
        return None
    ctx.check(True, name, f"reason {boot.payload.get('reason')}", (boot.entry_id,))
    _boot_judged(ctx, boot, cursor.start)
    await _booted(ctx, boot, wanted)
    return boot


def _evses(wanted: set[Pair]) -> list[int]:
    return sorted({e for e, _ in wanted if e > 0}) or [1]


# -- a reset while transactions run (B12) ---------------------------------------------------------


async def _no_cut(
    ctx: CaseContext, running: list[str], cursor: Cursor, evidence: tuple[int, ...]
) -> bool:
    """For a short while (timeouts.negative) the station neither reboots nor ends one of
    ``running`` because of the reset (B12.FR.03: they end normally first); ``evidence``:
    what the PASS rests on (the reset's answer, the last Ended)."""
    name = f"no reboot, no transaction cut while {len(running)} transaction(s) run"
    seconds = ctx.settings.timeouts.negative
    came = await _watch(
        ctx,
        "BootNotification",
        None,
        seconds,
        cursor,
        *(("TransactionEvent", _is_ended(tid)) for tid in running),
    )
    if came is None:
        return ctx.check(True, name, f"neither for {seconds:g} s", evidence)
    if came.action == "TransactionEvent" and came.payload.get("triggerReason") != "ResetCommand":
        not_tested(
            ctx,
            name,
            f"the transaction ended by itself (triggerReason {came.payload.get('triggerReason')}) before the bench stopped it",
            (came.entry_id,),
        )
        return False
    what = "a BootNotification" if came.action == "BootNotification" else "an Ended by the reset"
    return ctx.check(
        False,
        name,
        f"{what}: {PART2} B12.FR.03: after an OnIdle reset the transactions SHALL end normally before the reboot",
        (came.entry_id,),
    )


async def _reset_while_charging(
    ctx: CaseContext, name: str, kind: str, wanted: str, rule: str
) -> tuple[Cursor, tuple[int, ...]] | None:
    """Reset ``kind`` while a transaction runs, answered ``wanted`` (else FAIL quoting
    ``rule``; Rejected is NOT TESTED): where the inbox stood before it, and the answer's
    evidence. None: the case ends (recorded)."""
    cursor = ctx.mark()
    result = await ask(ctx, name, "Reset", {"type": kind})
    if result is None:
        return None
    status, evidence = result.get("status"), evidence_of(result)
    if status == "Rejected":
        not_tested(ctx, name, f"answered Rejected: {RESET_REFUSED}", evidence)
        return None
    if not ctx.check(
        status == wanted,
        name,
        f"answered {status}" + ("" if status == wanted else f": {rule}"),
        evidence,
    ):
        return None
    return cursor, evidence


async def _on_idle(ctx: CaseContext, sessions: list[Charging], wanted: set[Pair]) -> str:
    """Reset OnIdle with ``sessions`` running: Scheduled (B12.FR.01), no reboot until the
    bench has ended each in turn (B12.FR.03), then the reboot."""
    name = "Reset OnIdle is answered Scheduled"
    answered = await _reset_while_charging(
        ctx,
        name,
        "OnIdle",
        "Scheduled",
        f"{PART2} B12.FR.01: with a transaction running an OnIdle reset SHALL be answered Scheduled",
    )
    if answered is None:
        return ""
    cursor, evidence = answered
    last = cursor
    for n, session in enumerate(sessions):
        if not await _no_cut(ctx, [s.transaction_id for s in sessions[n:]], last, evidence):
            return ""
        ended = await _end(ctx, session)
        if ended is None:
            not_tested(
                ctx,
                "the reboot after the transactions' end",
                f"transaction {session.transaction_id} did not end (RequestStopTransaction and the unplug)",
            )
            return ""
        last, evidence = Cursor(ended.index + 1), (ended.entry_id,)
    early = [
        m for m in ctx.session.inbox[cursor.start : last.start] if m.action == "BootNotification"
    ]
    if early:
        ctx.check(
            False,
            "no reboot before the transactions have ended",
            f"a BootNotification before the last Ended: {PART2} B12.FR.03: the transactions SHALL end normally before the reboot",
            tuple(m.entry_id for m in early),
        )
        return ""
    boot = await _rebooted(
        ctx,
        last,
        wanted,
        f"{PART2} B12.FR.01, B12.FR.03: a reset answered Scheduled SHALL be done once the transactions have ended",
    )
    if boot is None or not _passed(ctx):
        return ""
    return f"OK, Scheduled, rebooted after {len(sessions)} transaction(s) ended"


@case201(
    "TC_B_21_CS",
    "Reset Charging Station - With Ongoing Transaction - OnIdle",
    "B12.FR.01, B12.FR.03, B01.FR.05, B01.FR.08",
    """
A transaction charging on EVSE 1 (RequestStartTransaction and the car plugged in; not reached: NOT TESTED)
Reset OnIdle is answered Scheduled (B12.FR.01 SHALL); Accepted FAILs, Rejected is NOT TESTED (B11.FR.06)
For a while (timeouts.negative) the station neither reboots nor ends the transaction (B12.FR.03 SHALL: it ends normally first)
The bench stops the transaction (RequestStopTransaction, then the car unplugged if that does not end it); then the station reboots: a BootNotification after the Ended (B12.FR.01, B12.FR.03), first on its connection (B01.FR.08 SHALL NOT), and answered Accepted it reports every connector (B01.FR.05 SHALL)""",
)
async def reset_on_idle_charging(ctx: CaseContext) -> str:
    wanted = await _connectors_known(ctx)
    session = await charging(ctx, "Reset OnIdle is answered Scheduled")
    if session is None:
        return ""
    try:
        return await _on_idle(ctx, [session], wanted)
    finally:
        await _clean_up(ctx, [session])


@case201(
    "TC_B_41_CS",
    "Reset Charging Station - With multiple ongoing transactions - OnIdle",
    "B12.FR.01, B12.FR.03, B01.FR.05, B01.FR.08",
    """
A station with two EVSEs or more (one: NOT TESTED, the case is for more); a transaction charging on each of the first two (not reached: NOT TESTED)
Reset OnIdle is answered Scheduled (B12.FR.01 SHALL); Accepted FAILs, Rejected is NOT TESTED (B11.FR.06)
The station neither reboots nor ends a transaction while both run, nor after the bench has ended the first while the second runs (B12.FR.03 SHALL), each watched for timeouts.negative
Once the bench has ended the second, the station reboots: a BootNotification first on its connection (B12.FR.01, B01.FR.08), and answered Accepted it reports every connector (B01.FR.05 SHALL)""",
)
async def reset_on_idle_two(ctx: CaseContext) -> str:
    name = "Reset OnIdle is answered Scheduled"
    wanted = await _connectors_known(ctx)
    evses = _evses(wanted)
    if len(evses) < 2:
        not_tested(
            ctx,
            name,
            f"the station has one EVSE ({evses[0]}): the case is for a station with more",
        )
        return ""
    first = await charging(ctx, name, evses[0])
    if first is None:
        return ""
    sessions = [first]
    try:
        second = await charging(ctx, name, evses[1], beside=(first.transaction_id,))
        if second is None:
            return ""
        sessions.append(second)
        return await _on_idle(ctx, sessions, wanted)
    finally:
        await _clean_up(ctx, sessions)


@case201(
    "TC_B_22_CS",
    "Reset Charging Station - With Ongoing Transaction - Immediate",
    "B12.FR.02, B12.FR.04, B11.FR.03, B01.FR.03, B01.FR.05, B01.FR.08",
    """
A transaction charging on EVSE 1 (RequestStartTransaction and the car plugged in; not reached: NOT TESTED)
Reset Immediate is answered Accepted (B12.FR.02 SHALL); Scheduled FAILs, Rejected is NOT TESTED (B11.FR.06)
The transaction's TransactionEvent Ended comes before the station reboots (B12.FR.04 SHALL); its triggerReason and stoppedReason are named (OCTT expects ResetCommand, ImmediateReset)
The station reboots: a BootNotification first on its connection (B11.FR.03, B01.FR.03 SHALL; B01.FR.08), and answered Accepted it reports every connector (B01.FR.05 SHALL); the car is unplugged after""",
)
async def reset_immediate_charging(ctx: CaseContext) -> str:
    wanted = await _connectors_known(ctx)
    name = "Reset Immediate is answered Accepted"
    session = await charging(ctx, name)
    if session is None:
        return ""
    try:
        return await _immediate(ctx, session, wanted, name)
    finally:
        await _clean_up(ctx, [session])


async def _immediate(ctx: CaseContext, session: Charging, wanted: set[Pair], name: str) -> str:
    answered = await _reset_while_charging(
        ctx,
        name,
        "Immediate",
        "Accepted",
        f"{PART2} B12.FR.02: with a transaction running an Immediate reset SHALL be answered Accepted",
    )
    if answered is None:
        return ""
    cursor = answered[0]
    tid = session.transaction_id
    ended = await _watch(
        ctx,
        "TransactionEvent",
        _is_ended(tid),
        ctx.settings.timeouts.status,
        cursor,
        ("BootNotification", None),
    )
    ended_name = "the transaction's Ended comes before the reboot"
    rule = f"{PART2} B12.FR.04: on an Immediate reset the station SHALL end the transactions and send their TransactionEvent Ended before it reboots"
    if ended is None or ended.action != "TransactionEvent":
        came = "a BootNotification first" if ended is not None else "no Ended"
        ctx.check(False, ended_name, f"{came}: {rule}", (ended.entry_id,) if ended else ())
        return ""
    info = ended.payload["transactionInfo"]
    reasons = f"triggerReason {ended.payload.get('triggerReason')}, stoppedReason {info.get('stoppedReason')}"
    ctx.check(True, ended_name, reasons, (ended.entry_id,))
    if (ended.payload.get("triggerReason"), info.get("stoppedReason")) != (
        "ResetCommand",
        "ImmediateReset",
    ):
        ctx.say(f"  note: {reasons} (OCTT expects ResetCommand, ImmediateReset)")
    boot = await _rebooted(
        ctx,
        Cursor(ended.index + 1),
        wanted,
        f"{PART2} B11.FR.03: a reset Accepted without evseId SHALL reboot the station, which boots again (B01.FR.03)",
    )
    return "OK, Ended then rebooted" if boot is not None and _passed(ctx) else ""


# -- Unavailable across a reset (B11.FR.02) -------------------------------------------------------


async def _operative(ctx: CaseContext, evse: int, operative: bool) -> Result | str:
    """ChangeAvailability of ``evse``; the answer, or what came instead (nothing judged)."""
    status = "Operative" if operative else "Inoperative"
    try:
        return await ctx.call(
            "ChangeAvailability", {"operationalStatus": status, "evse": {"id": evse}}
        )
    except SessionError as exc:
        ctx.say(f"  ChangeAvailability {status}: {exc}")
        return str(exc)


@case201(
    "TC_B_23_CS",
    "Reset Charging Station - Unavailable persists reset",
    "B11.FR.01, B11.FR.02, B11.FR.03, B11.FR.04, B01.FR.05, B01.FR.07",
    """
The station runs no transaction (one running: NOT TESTED); ChangeAvailability Inoperative of EVSE 1 is Accepted (another answer: NOT TESTED, G03 lets the station schedule or refuse it)
Reset OnIdle is Accepted (B11.FR.01, B11.FR.03 SHALL); Rejected or Scheduled is NOT TESTED (B11.FR.06, B11.FR.07)
The station reboots: a BootNotification first on its connection (B11.FR.03, B11.FR.04 SHALL; B01.FR.08), and answered Accepted it reports every connector (B01.FR.05 SHALL)
EVSE 1's connectors come back Unavailable, the last state reported after the boot (B11.FR.02, B01.FR.07 SHALL); the bench makes EVSE 1 Operative again after""",
)
async def unavailable_persists(ctx: CaseContext) -> str:
    name = "Reset OnIdle is Accepted"
    if _transaction_running(ctx):
        not_tested(ctx, name, "a transaction is running: the reset would wait for its end")
        return ""
    wanted = await _connectors_known(ctx)
    evse = _evses(wanted)[0]
    cursor = ctx.mark()
    made = await _operative(ctx, evse, False)
    if isinstance(made, str) or made.get("status") != "Accepted":
        said = made if isinstance(made, str) else f"answered {made.get('status')}"
        not_tested(
            ctx,
            f"EVSE {evse} made Unavailable",
            f"ChangeAvailability Inoperative: {said}: the station may schedule or refuse it (G03, G04); the case needs the EVSE Unavailable",
            () if isinstance(made, str) else evidence_of(made),
        )
        return ""
    try:
        return await _unavailable_across(ctx, evse, wanted, name, cursor)
    finally:
        back = ctx.mark()
        if not isinstance(await _operative(ctx, evse, True), str):
            await watch_connector(
                ctx, evse, lambda s: s != "Unavailable", ctx.settings.timeouts.status, back
            )


async def _unavailable_across(
    ctx: CaseContext, evse: int, wanted: set[Pair], name: str, since: Cursor
) -> str:
    ours = {p for p in wanted if p[0] == evse} or {(evse, 1)}
    await watch_connector(  # the Unavailable report of the change itself (G01.FR.07; not judged)
        ctx, evse, lambda s: s == "Unavailable", ctx.settings.timeouts.status, since
    )
    cursor = ctx.mark()
    result = await ask(ctx, name, "Reset", {"type": "OnIdle"})
    if result is None or not _reset_accepted(ctx, name, result):
        return ""
    boot = await _rebooted(
        ctx,
        cursor,
        wanted,
        f"{PART2} B11.FR.03: after an Accepted reset the station SHALL reboot and send a BootNotification (B01.FR.03)",
    )
    if boot is None:
        return ""
    await watch_connector(  # a first report (all Unavailable, B01) may be followed by the real one
        ctx,
        evse,
        lambda s: s != "Unavailable",
        ctx.settings.timeouts.negative,
        Cursor(boot.index + 1),
    )
    states = connector_states(ctx, boot.index + 1, boot.connection)
    got = {p: states[p] for p in sorted(ours) if p in states}
    wrong = {p: s for p, (s, _) in got.items() if s != "Unavailable"}
    check = f"EVSE {evse} comes back Unavailable"
    rule = f"{PART2} B11.FR.02, B01.FR.07: an EVSE made Inoperative by the CSMS SHALL return Unavailable after the reboot"
    if not got:
        not_tested(
            ctx,
            check,
            f"no state of EVSE {evse}'s connectors after the boot (B01.FR.05 judged above)",
        )
        return ""
    ok = ctx.check(
        not wrong,
        check,
        ", ".join(f"connector {c}: {s}" for (_, c), (s, _) in got.items())
        + (f": {rule}" if wrong else ""),
        tuple(m.entry_id for _, m in got.values()),
    )
    return f"OK, EVSE {evse} Unavailable after the reboot" if ok and _passed(ctx) else ""


CASES: list[CatalogueCase] = [
    reset_on_idle_charging,
    reset_immediate_charging,
    unavailable_persists,
    reset_on_idle_two,
]
