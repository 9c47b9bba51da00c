# ruff: noqa: E501  (a criterion is one line: one bullet of the report)
"""Cable locks: a fixed cable, a lock that fails. Core profile cases (OCPP 1.6 sections
5.18 and 7.46 UnlockConnector, 4.9 and 7.6 a lock failure reported).

What a station is (a fixed cable or a socket with a lock) is read from what it does, never
assumed: UnlockConnector answered NotSupported is a station without a connector lock
(7.46). A case written for the other kind of station is NOT TESTED, naming why.
"""

from __future__ import annotations

from chargecheck.csms.session import Cursor
from chargecheck.script import reach
from chargecheck.script.catalogue.base import (
    answered,
    ask,
    ask_accepted,
    case,
    claims_quietly,
    key_int,
    not_tested,
    on,
    running_from_idle,
    stop_seen,
    watch,
)
from chargecheck.script.context import CaseContext
from chargecheck.script.operator import StepKind
from chargecheck.script.steps import (
    ask_status,
    make_idle,
    step_quietly,
    stop_remote,
    transaction_of,
    unplug_quietly,
)

NO_LOCK = "NotSupported"  # 7.46 UnlockStatus: "Charge Point has no connector lock"
LOCK_FAILURE = "ConnectorLockFailure"  # 7.6: failure to lock or unlock the connector

# -- fixed cable: UnlockConnector NotSupported (5.18, 7.46) ------------------------------------


async def _no_lock(ctx: CaseContext, c: int, name: str) -> tuple[int, ...] | None:
    """UnlockConnector on ``c``, answered NotSupported (PASS ``name``): the journal ids;
    None if it was not (a socket station answers otherwise: NOT TESTED)."""
    result = await ask(ctx, name, "UnlockConnector", {"connectorId": c}, c)
    if result is None:
        return None
    evidence = (result.call_entry_id, result.entry_id)
    status = result.get("status")
    if status != NO_LOCK:
        not_tested(
            ctx,
            name,
            f"answered {status}: not a fixed-cable station (this case is for a Charge Point "
            "without a connector lock, 7.46 NotSupported)",
            evidence,
            c,
        )
        return None
    ctx.check(True, name, "NotSupported: no connector lock", evidence, c)
    return evidence


@case(
    "TC_017_2_CS",
    "Unlock connector - no charging session running (Fixed cable)",
    "5.18, 7.46",
    """
UnlockConnector is answered with UnlockConnector.conf NotSupported (5.18 SHALL respond; 7.46: no connector lock); Unlocked or UnlockFailed: not a fixed-cable station, NOT TESTED""",
)
async def unlock_fixed_cable_idle(ctx: CaseContext) -> str:
    await make_idle(ctx)
    c = ctx.settings.connector
    name = "UnlockConnector answered NotSupported (5.18 SHALL respond; 7.46 no connector lock)"
    if await _no_lock(ctx, c, name) is None:
        return ""
    return "OK, NotSupported: a fixed cable"


@case(
    "TC_018_2_CS",
    "Unlock Connector - With Charging Session (Fixed cable)",
    "5.18, 7.46, 4.10",
    """
A transaction runs (RemoteStartTransaction, 5.11; a legal refusal is NOT TESTED)
UnlockConnector during it is answered NotSupported (5.18 SHALL respond; 7.46: no connector lock); otherwise not a fixed-cable station, NOT TESTED
The transaction goes on: no StopTransaction follows the answer, and the bench's RemoteStopTransaction then ends it (4.10); a stop after NotSupported is NOT TESTED (5.18 asks a stop only before an unlock, and nothing was unlocked)""",
)
async def unlock_fixed_cable_charging(ctx: CaseContext) -> str:
    started = await running_from_idle(ctx)
    if started is None:
        return ""
    c, tx, cursor = started
    name = "UnlockConnector answered NotSupported (5.18 SHALL respond; 7.46 no connector lock)"
    answer = await _no_lock(ctx, c, name)
    if answer is None:
        await _stop_if_running(ctx, tx, c, cursor)
        return ""
    goes_on = "the transaction goes on after NotSupported (4.10)"
    early = await stop_seen(ctx, tx, cursor, ctx.settings.timeouts.negative)
    if early is not None:
        not_tested(
            ctx,
            goes_on,
            f"StopTransaction (reason {early.payload.get('reason', '-')}) after NotSupported: "
            "no SHALL keeps it running (5.18 asks the stop only before an unlock)",
            (*answer, early.entry_id),
            c,
        )
        await unplug_quietly(ctx, c)
        return ""
    later = ctx.mark()
    if not await stop_remote(ctx, tx, c):
        not_tested(ctx, goes_on, "the bench's RemoteStopTransaction was refused", answer, c)
        return ""
    stop = next(iter(ctx.session.received("StopTransaction", later)), None)
    evidence = (*answer, *([stop.entry_id] if stop else []))
    ctx.check(
        True,
        goes_on,
        f"no StopTransaction within {ctx.settings.timeouts.negative:g} s; ended later by "
        "RemoteStopTransaction" + (f" (reason {stop.payload.get('reason', '-')})" if stop else ""),
        evidence,
        c,
    )
    return f"OK, NotSupported, transaction {tx} went on"


async def _stop_if_running(ctx: CaseContext, tx: int, c: int, cursor: Cursor) -> None:
    """Clean-up after an unlock: stop the transaction unless it stopped already."""
    wait = ctx.settings.timeouts.negative
    if await stop_seen(ctx, tx, cursor, wait) is None:
        await stop_remote(ctx, tx, c)
    else:
        await unplug_quietly(ctx, c)


# -- a cable lock that fails (4.9, 7.6, 5.18) ---------------------------------------------------


@case(
    "TC_024_CS",
    "Start Charging Session - Lock Failure",
    "4.9, 7.6, 5.11",
    """
The operator makes the cable lock fail (not done, or a station without a lock: NOT TESTED)
RemoteStartTransaction is answered Accepted (5.11 SHALL respond; Rejected is NOT TESTED)
With the cable in and the lock failing, a StatusNotification Faulted (4.9 SHALL report the transition to Faulted); none: FAIL only if, asked with TriggerMessage, the connector is Faulted, else NOT TESTED (4.9: an error that is not a fault MAY be reported)
The errorCode names the lock: ConnectorLockFailure (7.6); another code is NOT TESTED (7.6 defines the code, no SHALL makes it the one)""",
)
async def lock_failure_at_start(ctx: CaseContext) -> str:
    await make_idle(ctx)
    c = ctx.settings.connector
    await reach.settle(ctx, c)
    name = "the lock failure is reported: StatusNotification Faulted (4.9 SHALL)"
    if not await ctx.physical(StepKind.LOCK_FAILURE, c, name):
        return ""
    cursor = ctx.mark()
    try:
        return await _start_with_failing_lock(ctx, c, name, cursor)
    finally:
        await step_quietly(ctx, StepKind.CLEAR_LOCK_FAILURE, c)
        start = await watch(ctx, "StartTransaction", on(c), cursor, 0)
        tx = transaction_of(ctx, start) if start is not None else None
        if tx is not None:
            await stop_remote(ctx, tx, c)
        else:
            await unplug_quietly(ctx, c)


async def _start_with_failing_lock(ctx: CaseContext, c: int, name: str, cursor: Cursor) -> str:
    remote = "RemoteStartTransaction Accepted (5.11 SHALL respond)"
    payload = {"connectorId": c, "idTag": ctx.settings.valid_id_tag}
    refusal = " (5.11 allows it): no session to lock for"
    if await ask_accepted(ctx, remote, "RemoteStartTransaction", payload, refusal, c) is None:
        return ""
    if not await ctx.physical(StepKind.PLUG, c, name):
        return ""
    # 4.9: a status active less than MinimumStatusDuration MAY go unreported
    wait = ctx.settings.timeouts.status + (await key_int(ctx, "MinimumStatusDuration") or 0)
    seen = await watch(
        ctx,
        "StatusNotification",
        lambda p: (
            p["connectorId"] == c and (p["status"] == "Faulted" or p["errorCode"] == LOCK_FAILURE)
        ),
        cursor,
        wait,
    )
    if seen is None:
        await _fault_untold(ctx, c, name, f"no StatusNotification within {wait:g} s")
        return ""
    p = seen.payload
    said = f"{p['status']}, errorCode {p['errorCode']}"
    if p["status"] == "Faulted":
        ctx.check(True, name, said, (seen.entry_id,), c)
    else:
        not_tested(
            ctx,
            name,
            f"{said}: reported as a warning, not a fault (4.9: the station decides; an "
            "error that is not a fault MAY be reported)",
            (seen.entry_id,),
            c,
        )
    code = "errorCode ConnectorLockFailure (7.6)"
    if p["errorCode"] == LOCK_FAILURE:
        ctx.check(True, code, said, (seen.entry_id,), c)
    else:
        not_tested(
            ctx,
            code,
            f"{said}: 7.6 defines ConnectorLockFailure for it, no SHALL makes it the code",
            (seen.entry_id,),
            c,
        )
    return f"OK, {said}"


async def _fault_untold(ctx: CaseContext, c: int, name: str, what: str) -> None:
    """No StatusNotification of the lock failure: FAIL ``name`` only if the station,
    asked with TriggerMessage, says the connector is Faulted (4.9: the transition to
    Faulted SHALL be reported)."""
    if not await claims_quietly(ctx, "RemoteTrigger"):
        not_tested(
            ctx,
            name,
            f"{what}, and without RemoteTrigger the bench cannot ask whether the connector "
            "went Faulted (4.9: only a status transition SHALL be reported)",
            c=c,
        )
        return
    asked = await ask_status(ctx, c)
    status = asked.status.payload["status"] if asked.status is not None else None
    if status == "Faulted":
        ctx.check(
            False,
            name,
            f"{what}; asked, the connector is Faulted: 4.9 SHALL send a StatusNotification.req "
            "on the transition to Faulted",
            asked.evidence,
            c,
        )
        return
    not_tested(
        ctx,
        name,
        f"{what}; asked: {asked.detail}, no transition to Faulted to report (the station may "
        "treat the failed lock otherwise)",
        asked.evidence,
        c,
    )


@case(
    "TC_030_CS",
    "Unlock Connector – Unlock Failure",
    "5.18, 7.46",
    """
The operator makes the cable lock fail (not done, or a station without a lock: NOT TESTED)
UnlockConnector is answered UnlockFailed (5.18: the answer SHALL indicate whether the Charge Point was able to unlock); Unlocked is a FAIL; NotSupported (7.46: no connector lock) is NOT TESTED""",
)
async def unlock_failure(ctx: CaseContext) -> str:
    await make_idle(ctx)
    c = ctx.settings.connector
    name = "UnlockConnector answered UnlockFailed (5.18 SHALL indicate whether it unlocked)"
    if not await ctx.physical(StepKind.LOCK_FAILURE, c, name):
        return ""
    try:
        result = await ask(ctx, name, "UnlockConnector", {"connectorId": c}, c)
        if result is None:
            return ""
        if result.get("status") == NO_LOCK:
            not_tested(
                ctx,
                name,
                "NotSupported: the station has no connector lock (7.46), so none can fail",
                (result.call_entry_id, result.entry_id),
                c,
            )
            return ""
        ok = answered(
            ctx,
            name,
            result,
            ("UnlockFailed",),
            "5.18: the answer SHALL indicate whether the Charge Point was able to unlock, "
            "and its lock was made to fail",
            c,
        )
    finally:
        await step_quietly(ctx, StepKind.CLEAR_LOCK_FAILURE, c)
    return "OK, UnlockFailed" if ok else ""


CASES = [
    unlock_fixed_cable_idle,
    unlock_fixed_cable_charging,
    lock_failure_at_start,
    unlock_failure,
]
