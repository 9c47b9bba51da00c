# ruff: noqa: E501  (a criterion is one line: one bullet of the report)
"""Boot and reset: Core profile cases (OCPP 1.6 sections 4.2 BootNotification, 4.2.1,
5.14 Reset).

Every boot is judged by 4.2: "The Charge Point SHALL send a BootNotification.req PDU each
time it boots or reboots. Between the physical power-on/reboot and the successful
completion of a BootNotification ... the Charge Point SHALL NOT send any other request".
A Reset answered Rejected is NOT TESTED (5.14: the answer says whether it will reset).
"""

from __future__ import annotations

from chargecheck.csms.session import Cursor, Message
from chargecheck.script.catalogue.base import (
    CatalogueCase,
    arrives,
    ask,
    case,
    not_tested,
    of_transaction,
    running,
)
from chargecheck.script.context import CaseContext
from chargecheck.script.steps import make_idle, stop_remote, unplug_quietly

BOOT_QUIET = "4.2: until the BootNotification is answered, it SHALL NOT send any other request"


def boot_first(ctx: CaseContext, name: str, boot: Message, since: int = 0) -> bool:
    """No other request on the boot's connection before the BootNotification (4.2)."""
    before = [
        m
        for m in ctx.session.inbox[since : boot.index]
        if m.connection == boot.connection and m.action != "BootNotification"
    ]
    detail = (
        f"{', '.join(m.action for m in before)} before the BootNotification; {BOOT_QUIET}"
        if before
        else "BootNotification is the first request of the connection"
    )
    return ctx.check(not before, name, detail, (boot.entry_id, *(m.entry_id for m in before)))


@case(
    "TC_001_CS",
    "Cold Boot Charge Point",
    "4.2",
    """
The station's first request after power-on is a BootNotification (4.2 SHALL)
No other request before the BootNotification (4.2 SHALL NOT)
This case judges the boot the bench saw when the station connected; the retry after a Rejected boot is not provoked, and the heartbeat interval is CC_061_CS.""",
)
async def cold_boot(ctx: CaseContext) -> str:
    boots = [m for m in ctx.session.inbox if m.action == "BootNotification"]
    first = ctx.session.inbox[0] if ctx.session.inbox else None
    name = "BootNotification after power-on"
    if first is None or not boots or boots[0].connection != first.connection:
        not_tested(
            ctx,
            name,
            "the station did not boot while the bench ran (it reconnected without a boot, "
            "which 4.2 allows): power it on with the bench running",
        )
        return ""
    boot = boots[0]
    ctx.check(boot.valid, name, boot.violation or "valid BootNotification", (boot.entry_id,))
    boot_first(ctx, "no request before the BootNotification", boot)
    return f"OK, booted as {boot.payload['chargePointVendor']} {boot.payload['chargePointModel']}"


@case(
    "TC_002_CS",
    "Cold Boot Charge Point - Pending",
    "4.2",
    """
After a Reset, the BootNotification answered Pending is repeated (4.2 SHALL send a BootNotification each time it boots; the interval is the minimum wait)
While Pending the station sends no other request (4.2 SHALL NOT)
This case covers the Pending registration after a Reset: its repeated BootNotification and the silence while Pending; configuration calls made while Pending are not sent.""",
)
async def boot_pending(ctx: CaseContext) -> str:
    await make_idle(ctx)
    interval = max(1, int(ctx.settings.timeouts.negative))
    given: list[str] = []

    def pending_once(_: dict[str, object]) -> dict[str, object]:
        status = "Pending" if not given else "Accepted"
        given.append(status)
        now = ctx.session.clock.utc_text()
        return {"status": status, "currentTime": now, "interval": interval}

    name = "a BootNotification again after Pending"
    cursor = ctx.mark()
    with ctx.session.answers.override("BootNotification", pending_once):
        reset = await ask(ctx, name, "Reset", {"type": "Soft"})
        if reset is None:
            return ""
        if reset.get("status") != "Accepted":
            not_tested(ctx, name, f"Reset answered {reset.get('status')} (5.14 allows it)")
            return ""
        first = await arrives(
            ctx, name, "BootNotification", None, cursor, ctx.settings.timeouts.reboot
        )
        if first is None:
            return ""
        timeout = interval * 4 + ctx.settings.timeouts.status
        second = await arrives(
            ctx, name, "BootNotification", None, Cursor(first.index + 1), timeout
        )
    if second is None:
        return ""
    ctx.check(
        True,
        name,
        f"Pending, then BootNotification again after {second.mono - first.mono:.1f} s",
        (first.entry_id, second.entry_id),
    )
    between = [
        m
        for m in ctx.session.inbox[first.index + 1 : second.index]
        if m.action != "BootNotification"
    ]
    ctx.check(
        not between,
        "no other request while Pending",
        (
            f"{', '.join(m.action for m in between)} while Pending; 4.2: the Charge Point "
            "SHALL NOT send request messages unless instructed with a TriggerMessage"
        )
        if between
        else "none",
        tuple(m.entry_id for m in between) or (first.entry_id, second.entry_id),
    )
    return "OK, quiet while Pending, booted again"


async def reset_and_boot(ctx: CaseContext, kind: str) -> tuple[Cursor, Message] | None:
    """Reset ``kind``; the BootNotification after it, judged (None: not judged further)."""
    name = f"{kind} reset: BootNotification after the reboot (4.2 SHALL)"
    cursor, sent = ctx.mark(), ctx.session.clock.mono()
    result = await ask(ctx, name, "Reset", {"type": kind})
    if result is None:
        return None
    if result.get("status") != "Accepted":
        not_tested(
            ctx,
            name,
            f"Reset answered {result.get('status')}: 5.14 lets the station say it will not reset",
            (result.entry_id,),
        )
        return None
    boot = await arrives(ctx, name, "BootNotification", None, cursor, ctx.settings.timeouts.reboot)
    if boot is None:
        return None
    ctx.check(True, name, f"{boot.mono - sent:.1f} s after the Reset", (boot.entry_id,))
    boot_first(ctx, f"{kind} reset: no request before the BootNotification", boot, cursor.start)
    return cursor, boot


def _reset_with_transaction(kind: str, id_: str) -> CatalogueCase:
    before = kind == "Soft"
    extra = (
        "The StopTransaction comes before the reboot's BootNotification (5.14: SHALL stop "
        "gracefully and send StopTransaction before performing the reset)"
        if before
        else "The StopTransaction may come after the reboot (5.14: a hard reset need not "
        "stop gracefully), but it comes"
    )

    @case(
        id_,
        TITLES[id_],
        "5.14, 4.2, 3.7",
        f"""
A transaction runs (RemoteStartTransaction, 5.11)
Reset {kind} Accepted, then a BootNotification (4.2 SHALL)
A StopTransaction for the running transaction (5.14 SHALL send one for any ongoing transaction; 3.7 MUST queue it if offline)
{extra}""",
    )
    async def run(ctx: CaseContext) -> str:
        await make_idle(ctx)
        c = ctx.settings.connector
        tx = await running(ctx, c)
        if tx is None:
            return ""
        booted = await reset_and_boot(ctx, kind)
        if booted is None:
            await stop_remote(ctx, tx, c)
            return ""
        cursor, boot = booted
        name = "StopTransaction for the running transaction (5.14 SHALL)"
        stop = await arrives(
            ctx, name, "StopTransaction", of_transaction(tx), cursor, ctx.settings.timeouts.reboot
        )
        await unplug_quietly(ctx, c)
        if stop is None:
            return ""
        ctx.check(True, name, f"reason {stop.payload.get('reason', '-')}", (stop.entry_id,))
        if before:
            ctx.check(
                stop.index < boot.index,
                "StopTransaction before the reset",
                "before the BootNotification"
                if stop.index < boot.index
                else "only after the reboot; 5.14: at a soft reset the Charge Point SHALL "
                "send StopTransaction.req before performing the reset",
                (stop.entry_id, boot.entry_id),
            )
        return f"OK, transaction {tx} stopped ({stop.payload.get('reason', '-')}) and booted"

    return run


TITLES = {"TC_015_CS": "Hard Reset With Transaction", "TC_016_CS": "Soft Reset With Transaction"}
TC_015 = _reset_with_transaction("Hard", "TC_015_CS")
TC_016 = _reset_with_transaction("Soft", "TC_016_CS")


CASES = [cold_boot, boot_pending, TC_015, TC_016]
