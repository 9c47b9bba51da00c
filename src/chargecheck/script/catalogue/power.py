# ruff: noqa: E501  (a criterion is one line: one bullet of the report)
"""Power and locks: fixed cables, cable locks that fail, power failures. Core profile
cases (OCPP 1.6 sections 5.18 and 7.46 UnlockConnector, 4.9 and 7.6 a lock failure
reported, 4.2 the boot after a power cut, 4.10 the interrupted transaction's
StopTransaction, 7.37 reason PowerLoss, 5.2 and 4.9 an Unavailable that persists).

What a station is (a fixed cable or a socket with a lock, back-up power or none) is read
from what it does, never assumed: UnlockConnector answered NotSupported is a station
without a connector lock (7.46); a StopTransaction sent before the power-cut station's
BootNotification is a station kept up by back-up power. A case written for the other
kind of station is NOT TESTED, naming the case that fits.
"""

from __future__ import annotations

from dataclasses import dataclass

from chargecheck.csms.session import Cursor, Message
from chargecheck.script import reach
from chargecheck.script.catalogue.base import (
    answered,
    arrives,
    ask,
    call_quietly,
    case,
    claims_quietly,
    key_int,
    not_tested,
    of_transaction,
    on,
    watch,
)
from chargecheck.script.catalogue.base import (
    begin as begin_transaction,
)
from chargecheck.script.catalogue.boot import boot_first
from chargecheck.script.context import CaseContext
from chargecheck.script.operator import StepKind
from chargecheck.script.steps import (
    CHARGING_STATES,
    ask_status,
    last_status,
    make_idle,
    step_quietly,
    stop_remote,
    transaction_of,
    unplug_quietly,
)

NO_LOCK = "NotSupported"  # 7.46 UnlockStatus: "Charge Point has no connector lock"
LOCK_FAILURE = "ConnectorLockFailure"  # 7.6: failure to lock or unlock the connector
# Statuses that say no transaction runs on the connector (4.9 definitions).
NO_TRANSACTION_STATES = frozenset({"Available", "Preparing", "Finishing"})

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
    await make_idle(ctx)
    c = ctx.settings.connector
    started = await begin_transaction(ctx, c, "a transaction runs")
    if started is None:
        return ""
    tx = started[0]
    cursor = ctx.mark()
    name = "UnlockConnector answered NotSupported (5.18 SHALL respond; 7.46 no connector lock)"
    answer = await _no_lock(ctx, c, name)
    if answer is None:
        await _stop_if_running(ctx, tx, c, cursor)
        return ""
    goes_on = "the transaction goes on after NotSupported (4.10)"
    early = await watch(
        ctx, "StopTransaction", of_transaction(tx), cursor, ctx.settings.timeouts.negative
    )
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
    if await watch(ctx, "StopTransaction", of_transaction(tx), cursor, wait) is None:
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
    result = await ask(ctx, remote, "RemoteStartTransaction", payload, c)
    if result is None:
        return ""
    evidence = (result.call_entry_id, result.entry_id)
    if result.get("status") != "Accepted":
        said = f"answered {result.get('status')} (5.11 allows it): no session to lock for"
        not_tested(ctx, remote, said, evidence, c)
        return ""
    ctx.check(True, remote, "Accepted", evidence, c)
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


# -- power failures (4.2, 4.10, 7.37, 4.9, 5.2) --------------------------------------------------

BOOTED = "BootNotification after the power returns (4.2 SHALL)"
BOOT_QUIET = "no request before that BootNotification (4.2 SHALL NOT)"


async def power_cycle(ctx: CaseContext) -> tuple[Cursor, Message] | None:
    """The operator cuts the station's power and restores it; the BootNotification that
    follows, judged (``BOOTED``, ``BOOT_QUIET``); None: not done, or no boot."""
    cursor = ctx.mark()
    if not await ctx.physical(StepKind.POWER_CYCLE, 0, BOOTED):
        return None
    boot = await arrives(
        ctx, BOOTED, "BootNotification", None, cursor, ctx.settings.timeouts.reboot
    )
    if boot is None:
        return None
    ctx.check(True, BOOTED, "BootNotification", (boot.entry_id,))
    boot_first(ctx, BOOT_QUIET, boot, cursor.start)
    return cursor, boot


async def status_after(ctx: CaseContext, c: int, boot: Message) -> tuple[Message | None, str]:
    """Connector ``c``'s status after the boot: reported, or asked with TriggerMessage
    when the station claims RemoteTrigger; and how it was learnt."""
    seen = await watch(ctx, "StatusNotification", on(c), Cursor(boot.index))
    if seen is not None:
        return seen, "reported after the boot"
    if not await claims_quietly(ctx, "RemoteTrigger"):
        return None, "not reported after the boot (and no RemoteTrigger to ask)"
    asked = await ask_status(ctx, c)
    return asked.status, asked.detail


@dataclass(frozen=True)
class PowerFailure:
    """What became of a transaction the power cut: ``kind`` is "before" (StopTransaction
    before the boot: back-up power), "after" (StopTransaction after the boot), "resumed"
    (a charging status after the boot, no stop), "lost" (no stop, and a status that says
    no transaction runs) or "unknown"."""

    kind: str
    stop: Message | None
    status: Message | None
    boot: Message
    detail: str


async def cut_transaction(ctx: CaseContext, c: int) -> tuple[int, PowerFailure | None] | None:
    """A transaction on ``c`` ("a transaction runs"), then a power cycle: the transaction
    id and what became of it (None: the power cycle was not done or no boot came)."""
    started = await begin_transaction(ctx, c, "a transaction runs")
    if started is None:
        return None
    tx = started[0]
    booted = await power_cycle(ctx)
    if booted is None:
        return tx, None
    cursor, boot = booted
    status, how = await status_after(ctx, c, boot)
    said = status.payload["status"] if status is not None else None
    timeouts = ctx.settings.timeouts
    wait = timeouts.status if said in CHARGING_STATES else timeouts.transaction
    stop = await watch(ctx, "StopTransaction", of_transaction(tx), cursor, wait)
    if stop is None and said not in CHARGING_STATES:
        # what it said first may have changed since (a station that resumes after a
        # moment): judge on the status it is in now, asked when it can be
        status, how = await _present_status(ctx, c, status, how)
        said = status.payload["status"] if status is not None else None
    if stop is not None:
        kind = "before" if stop.index < boot.index else "after"
        detail = f"StopTransaction reason {stop.payload.get('reason', '-')} " + (
            "before the station went down" if kind == "before" else "after the reboot"
        )
    elif said in CHARGING_STATES:
        kind, detail = "resumed", f"no StopTransaction; connector {c} {said}, {how}"
    elif said in NO_TRANSACTION_STATES:
        kind, detail = "lost", f"no StopTransaction; connector {c} {said}, {how}"
    else:
        kind, detail = "unknown", f"no StopTransaction; connector {c} {said or 'status'} {how}"
    return tx, PowerFailure(kind, stop, status, boot, detail)


async def _present_status(
    ctx: CaseContext, c: int, first: Message | None, how: str
) -> tuple[Message | None, str]:
    """Connector ``c``'s status now: asked with TriggerMessage when the station claims
    RemoteTrigger, else the last one it reported."""
    if await claims_quietly(ctx, "RemoteTrigger"):
        asked = await ask_status(ctx, c)
        if asked.status is not None:
            return asked.status, asked.detail
    reported = [
        m
        for m in ctx.session.received("StatusNotification")
        if m.valid and m.payload["connectorId"] == c and (first is None or m.index >= first.index)
    ]
    return (reported[-1], "the last reported") if reported else (first, how)


def lost(ctx: CaseContext, name: str, c: int, cut: PowerFailure) -> None:
    """The transaction ended with the power and no StopTransaction tells it: FAIL."""
    evidence = (cut.boot.entry_id, *([cut.status.entry_id] if cut.status else []))
    ctx.check(
        False,
        name,
        f"{cut.detail}: the transaction is over; 4.10: when a transaction is stopped, the "
        "Charge Point SHALL send a StopTransaction.req",
        evidence,
        c,
    )


def power_loss_reason(ctx: CaseContext, c: int, stop: Message) -> None:
    name = "reason PowerLoss (7.37)"
    reason = stop.payload.get("reason", "Local")
    if reason == "PowerLoss":
        ctx.check(True, name, reason, (stop.entry_id,), c)
    else:
        not_tested(
            ctx,
            name,
            f"reason {reason}: 7.37 defines PowerLoss for a complete loss of power, no SHALL "
            "makes it the one to give",
            (stop.entry_id,),
            c,
        )


def reported_after_boot(ctx: CaseContext, c: int, cut: PowerFailure) -> None:
    name = f"connector {c}'s status after the boot"
    if cut.status is None:
        not_tested(
            ctx, name, f"{cut.detail} (4.9 has no SHALL to report every status at boot)", c=c
        )
        return
    ctx.check(True, name, cut.status.payload["status"], (cut.status.entry_id,), c)


@case(
    "TC_032_1_CS",
    "Power failure boot charging point - configured to stop transaction(s) before going down",
    "4.2, 4.10, 7.37",
    """
A transaction runs (RemoteStartTransaction, 5.11; a legal refusal is NOT TESTED)
The operator cuts the power and restores it (not done: NOT TESTED); a BootNotification follows (4.2 SHALL), no request before it (4.2 SHALL NOT)
The station, on back-up power, ends the transaction with a StopTransaction before it goes down (4.10 SHALL send a StopTransaction when a transaction stops); a stop only after the reboot, or a resumed transaction, is a station without back-up power: NOT TESTED (TC_032_2_CS); no StopTransaction while the connector says no transaction runs is a FAIL
The StopTransaction gives reason PowerLoss (7.37); another reason is NOT TESTED
The connector's status after the boot is reported, or asked with TriggerMessage (4.9 has no SHALL at boot: NOT TESTED when neither)""",
)
async def power_failure_backup(ctx: CaseContext) -> str:
    return await _power_failure(ctx, backup=True)


@case(
    "TC_032_2_CS",
    "Power failure boot charging point-configured to stop transaction(s)",
    "4.2, 4.10, 7.37",
    """
A transaction runs (RemoteStartTransaction, 5.11; a legal refusal is NOT TESTED)
The operator cuts the power and restores it (not done: NOT TESTED); a BootNotification follows (4.2 SHALL), no request before it (4.2 SHALL NOT)
After the reboot the interrupted transaction is ended with a StopTransaction (4.10 SHALL send a StopTransaction when a transaction stops); if the station resumed it, the operator's card stops it (StopTransaction, reason Local); a stop before going down is a station with back-up power: NOT TESTED (TC_032_1_CS); no StopTransaction while the connector says no transaction runs is a FAIL
A StopTransaction for the power loss gives reason PowerLoss (7.37); another reason is NOT TESTED
The connector's status after the boot is reported, or asked with TriggerMessage (4.9 has no SHALL at boot: NOT TESTED when neither)""",
)
async def power_failure_no_backup(ctx: CaseContext) -> str:
    return await _power_failure(ctx, backup=False)


async def _power_failure(ctx: CaseContext, *, backup: bool) -> str:
    await make_idle(ctx)
    c = ctx.settings.connector
    name = (
        "StopTransaction before the station goes down (4.10 SHALL)"
        if backup
        else "the interrupted transaction ends with a StopTransaction after the reboot (4.10 SHALL)"
    )
    cut_at = await cut_transaction(ctx, c)
    if cut_at is None:
        return ""
    tx, cut = cut_at
    if cut is None:
        await _clean_up(ctx, tx, c)
        return ""
    reported_after_boot(ctx, c, cut)
    wanted, other = ("before", "after") if backup else ("after", "before")
    evidence = (cut.boot.entry_id, *([cut.stop.entry_id] if cut.stop else []))
    if cut.kind == "lost":
        lost(ctx, name, c, cut)
    elif cut.kind == wanted:
        assert cut.stop is not None
        ctx.check(True, name, cut.detail, evidence, c)
        power_loss_reason(ctx, c, cut.stop)
    elif cut.kind == other or (backup and cut.kind == "resumed"):
        fits = "TC_032_2_CS: no back-up power" if backup else "TC_032_1_CS: back-up power"
        not_tested(ctx, name, f"{cut.detail}: the case for this station is {fits}", evidence, c)
    elif cut.kind == "resumed":
        if await _stop_by_card(ctx, tx, c, name, cut):
            await unplug_quietly(ctx, c)
            return f"OK, {cut.detail}: resumed, then stopped by the card"
    else:
        not_tested(ctx, name, f"{cut.detail}: whether the transaction runs is unknown", evidence, c)
    await _clean_up(ctx, tx, c)
    return f"OK, {cut.detail}" if cut.kind == wanted else ""


async def _stop_by_card(ctx: CaseContext, tx: int, c: int, name: str, cut: PowerFailure) -> bool:
    """The station resumed the transaction after the reboot: the user's card ends it
    (whether it did, ``name`` recorded)."""
    tag = ctx.settings.valid_id_tag  # the idTag the transaction was reached with
    cursor = ctx.mark()
    if not await ctx.physical(StepKind.PRESENT_CARD, c, name, tag):
        return False
    stop = await watch(
        ctx, "StopTransaction", of_transaction(tx), cursor, ctx.settings.timeouts.transaction
    )
    if stop is None:
        not_tested(
            ctx,
            name,
            f"{cut.detail}; card {tag} presented, no StopTransaction followed (the station "
            "may want another way to stop it)",
            (cut.boot.entry_id,),
            c,
        )
        return False
    return ctx.check(
        True,
        name,
        f"{cut.detail}: resumed, then stopped by card {tag} (reason "
        f"{stop.payload.get('reason', 'Local')})",
        (cut.boot.entry_id, *([cut.status.entry_id] if cut.status else []), stop.entry_id),
        c,
    )


async def _clean_up(ctx: CaseContext, tx: int, c: int) -> None:
    """Stop the transaction if the bench does not know it ended; unplug."""
    stopped = any(
        m.payload.get("transactionId") == tx for m in ctx.session.received("StopTransaction")
    )
    if stopped or tx in ctx.known.refused_stops:
        await unplug_quietly(ctx, c)
    else:
        await stop_remote(ctx, tx, c)


@case(
    "TC_034_CS",
    "Power Failure with Unavailable Status",
    "5.2, 4.9, 4.2",
    """
ChangeAvailability Inoperative of the whole Charge Point (connector 0) is Accepted (5.2 SHALL respond; Rejected or Scheduled is NOT TESTED) and a StatusNotification Unavailable follows (5.2 SHALL inform of the new availability)
The operator cuts the power and restores it (not done: NOT TESTED); a BootNotification follows (4.2 SHALL)
After the boot connector 0 and the case's connector are still Unavailable (4.9: the Unavailable status set by ChangeAvailability MUST persist across reboots); a status neither reported nor obtainable with TriggerMessage is NOT TESTED
ChangeAvailability Operative is then Accepted and a StatusNotification leaves Unavailable (5.2 SHALL)""",
)
async def unavailable_after_power_failure(ctx: CaseContext) -> str:
    await make_idle(ctx)
    c = ctx.settings.connector
    if not await _inoperative(ctx, c):
        return ""
    try:
        booted = await power_cycle(ctx)
        if booted is None:
            return ""
        _, boot = booted
        for k in (0, c):
            name = f"connector {k} still Unavailable after the power cycle (4.9 MUST persist)"
            status, how = await status_after(ctx, k, boot)
            if status is None:
                not_tested(ctx, name, f"its status was {how}", c=k)
                continue
            got = status.payload["status"]
            ctx.check(
                got == "Unavailable",
                name,
                f"{got}, {how}"
                if got == "Unavailable"
                else f"{got}, {how}: 4.9, Unavailable set by ChangeAvailability MUST persist "
                "across reboots",
                (boot.entry_id, status.entry_id),
                k,
            )
        await _operative(ctx, c)
    finally:
        await call_quietly(ctx, "ChangeAvailability", {"connectorId": 0, "type": "Operative"})
    return "OK, still Unavailable after the power cycle"


async def _inoperative(ctx: CaseContext, c: int) -> bool:
    name = "ChangeAvailability Inoperative of connector 0 Accepted (5.2)"
    cursor = ctx.mark()
    payload = {"connectorId": 0, "type": "Inoperative"}
    result = await ask(ctx, name, "ChangeAvailability", payload, 0)
    if result is None:
        return False
    evidence = (result.call_entry_id, result.entry_id)
    if result.get("status") != "Accepted":
        said = f"answered {result.get('status')} (5.2: the answer says whether it is able to)"
        not_tested(ctx, name, said, evidence, 0)
        await call_quietly(ctx, "ChangeAvailability", {"connectorId": 0, "type": "Operative"})
        return False
    ctx.check(True, name, "Accepted", evidence, 0)
    told = "StatusNotification Unavailable (5.2 SHALL inform of the new availability)"
    seen = await arrives(
        ctx,
        told,
        "StatusNotification",
        lambda p: p["connectorId"] in (0, c) and p["status"] == "Unavailable",
        cursor,
    )
    if seen is None:
        await call_quietly(ctx, "ChangeAvailability", {"connectorId": 0, "type": "Operative"})
        return False
    ctx.check(
        True, told, f"connector {seen.payload['connectorId']} Unavailable", (seen.entry_id,), 0
    )
    return True


async def _operative(ctx: CaseContext, c: int) -> None:
    name = "ChangeAvailability Operative: Accepted and a StatusNotification leaves Unavailable (5.2 SHALL)"
    cursor = ctx.mark()
    payload = {"connectorId": 0, "type": "Operative"}
    result = await ask(ctx, name, "ChangeAvailability", payload, 0)
    if result is None:
        return
    if result.get("status") != "Accepted":
        said = f"answered {result.get('status')} (5.2: the answer says whether it is able to)"
        not_tested(ctx, name, said, (result.call_entry_id, result.entry_id), 0)
        return
    evidence = (result.call_entry_id, result.entry_id)
    still = [k for k in (0, c) if last_status(ctx, k) == "Unavailable"]
    if not still:  # 5.2 asks a StatusNotification of a change: there is none to make
        ctx.check(True, name, "Accepted; no connector was left Unavailable", evidence, 0)
        return
    seen = await arrives(
        ctx,
        name,
        "StatusNotification",
        lambda p: p["connectorId"] in still and p["status"] != "Unavailable",
        cursor,
    )
    if seen is not None:
        p = seen.payload
        ctx.check(
            True,
            name,
            f"Accepted; connector {p['connectorId']} {p['status']}",
            (*evidence, seen.entry_id),
            0,
        )


CASES = [
    unlock_fixed_cable_idle,
    unlock_fixed_cable_charging,
    lock_failure_at_start,
    unlock_failure,
    power_failure_backup,
    power_failure_no_backup,
    unavailable_after_power_failure,
]
