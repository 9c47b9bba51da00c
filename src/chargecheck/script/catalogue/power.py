# ruff: noqa: E501  (a criterion is one line: one bullet of the report)
"""Power failures: Core profile cases (OCPP 1.6 sections 4.2 the boot after a power cut,
4.10 the interrupted transaction's StopTransaction, 7.37 reason PowerLoss, 5.2 and 4.9 an
Unavailable that persists).

What a station is (back-up power or none) is read from what it does, never assumed: a
StopTransaction sent before the power-cut station's BootNotification is a station kept up
by back-up power. A case written for the other kind of station is NOT TESTED, naming the
case that fits.
"""

from __future__ import annotations

from dataclasses import dataclass

from chargecheck.csms.session import Cursor, Message
from chargecheck.script.catalogue.base import (
    CatalogueCase,
    arrives,
    ask,
    call_quietly,
    case,
    claims_quietly,
    not_tested,
    on,
    running,
    stop_seen,
    watch,
)
from chargecheck.script.catalogue.boot import boot_first
from chargecheck.script.context import CaseContext
from chargecheck.script.operator import StepKind
from chargecheck.script.steps import (
    CHARGING_STATES,
    ask_status,
    last_status,
    make_idle,
    stop_remote,
    unplug_quietly,
)

# Statuses that say no transaction runs on the connector (4.9 definitions).
NO_TRANSACTION_STATES = frozenset({"Available", "Preparing", "Finishing"})

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
    tx = await running(ctx, c)
    if tx is None:
        return None
    booted = await power_cycle(ctx)
    if booted is None:
        return tx, None
    cursor, boot = booted
    status, how = await status_after(ctx, c, boot)
    said = status.payload["status"] if status is not None else None
    timeouts = ctx.settings.timeouts
    wait = timeouts.status if said in CHARGING_STATES else timeouts.transaction
    stop = await stop_seen(ctx, tx, cursor, wait)
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


def _power_failure_case(id_: str, *, backup: bool) -> CatalogueCase:
    """TC_032_1_CS for a station on back-up power (it stops the transaction before it goes
    down), TC_032_2_CS for one without (it stops it after the reboot)."""
    if backup:
        stop = "The station, on back-up power, ends the transaction with a StopTransaction before it goes down (4.10 SHALL send a StopTransaction when a transaction stops); a stop only after the reboot, or a resumed transaction, is a station without back-up power: NOT TESTED (TC_032_2_CS)"
        reason = "The StopTransaction gives reason PowerLoss (7.37)"
    else:
        stop = "After the reboot the interrupted transaction is ended with a StopTransaction (4.10 SHALL send a StopTransaction when a transaction stops); if the station resumed it, the operator's card stops it (StopTransaction, reason Local); a stop before going down is a station with back-up power: NOT TESTED (TC_032_1_CS)"
        reason = "A StopTransaction for the power loss gives reason PowerLoss (7.37)"

    @case(
        id_,
        TITLES[id_],
        "4.2, 4.10, 7.37",
        f"""
A transaction runs (RemoteStartTransaction, 5.11; a legal refusal is NOT TESTED)
The operator cuts the power and restores it (not done: NOT TESTED); a BootNotification follows (4.2 SHALL), no request before it (4.2 SHALL NOT)
{stop}; no StopTransaction while the connector says no transaction runs is a FAIL
{reason}; another reason is NOT TESTED
The connector's status after the boot is reported, or asked with TriggerMessage (4.9 has no SHALL at boot: NOT TESTED when neither)""",
    )
    async def run(ctx: CaseContext) -> str:
        return await _power_failure(ctx, backup=backup)

    return run


TITLES = {
    "TC_032_1_CS": "Power failure boot charging point - configured to stop transaction(s) before going down",
    "TC_032_2_CS": "Power failure boot charging point-configured to stop transaction(s)",
}
power_failure_backup = _power_failure_case("TC_032_1_CS", backup=True)
power_failure_no_backup = _power_failure_case("TC_032_2_CS", backup=False)


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
    stop = await stop_seen(ctx, tx, cursor)
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


CASES = [power_failure_backup, power_failure_no_backup, unavailable_after_power_failure]
