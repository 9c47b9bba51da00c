"""Row 7 - Stop charge transaction (OCPP 1.6 sections 5.12, 4.10, 4.9).

Remote: RemoteStopTransaction with the transactionId must be Accepted and followed by a
StopTransaction of that transaction and StatusNotifications per section 4.9. Local: the
card presented again stops it the same way. Cable: unplugging the car must give a
StopTransaction with reason EVDisconnected (section 7.41).
"""

from __future__ import annotations

from chargecheck.script.context import CaseContext
from chargecheck.script.operator import StepKind
from chargecheck.script.runner import seed_case
from chargecheck.script.steps import (
    check_status_sequence,
    last_status,
    make_idle,
    start_remote,
    stop_remote,
    unplug_quietly,
)


async def run(ctx: CaseContext) -> str:
    """Each way of stopping on every connector a car plugs into, one sub-result each."""
    await make_idle(ctx)
    done = [await _connector(ctx, c) for c in await ctx.outlets()]
    return "OK, " + "; ".join(done) + "."


async def _connector(ctx: CaseContext, c: int) -> str:
    done = []
    if await _stop(ctx, c, "remote stop", None):
        done.append("remote stop")
    if await _stop(ctx, c, "local stop with the card", StepKind.PRESENT_CARD):
        done.append("local stop with the card")
    if await _stop(ctx, c, "stop by disconnecting the car", StepKind.UNPLUG):
        done.append("local stop done by disconnecting car")
    return f"connector {c}: " + ", ".join(done)


async def _stop(ctx: CaseContext, c: int, how: str, step: StepKind | None) -> bool:
    name = f"{how}: StopTransaction"
    tx = await start_remote(ctx, c, f"{how}: a transaction to stop")
    if tx is None:
        return False
    before = last_status(ctx, c)
    cursor = ctx.mark()
    evidence: tuple[int, ...] = ()
    if step is None:
        result = await ctx.attempt(
            name, ctx.call("RemoteStopTransaction", {"transactionId": tx}), c
        )
        if result is None or not ctx.check(
            result.get("status") == "Accepted",
            "RemoteStopTransaction Accepted",
            f"status {result.get('status')}",
            (result.entry_id,),
            c,
        ):
            await stop_remote(ctx, tx, c)
            return False
        evidence = (result.call_entry_id,)
    elif not await ctx.physical(step, c, name, ctx.settings.valid_id_tag):
        await stop_remote(ctx, tx, c)
        return False
    stop = await ctx.attempt(
        name,
        ctx.expect(
            "StopTransaction",
            lambda p: p["transactionId"] == tx,
            ctx.settings.timeouts.transaction,
            cursor,
        ),
        c,
    )
    if stop is None:
        await stop_remote(ctx, tx, c)
        return False
    reason = stop.payload.get("reason", "Local (by default)")
    ctx.check(
        True, name, f"transaction {tx} stopped, reason {reason}", (*evidence, stop.entry_id), c
    )
    if step is StepKind.UNPLUG:
        # OCPP 1.6 section 7.41: EVDisconnected is "disconnecting of cable"; an absent
        # reason means Local, a stop asked for at the station.
        ctx.check(
            reason == "EVDisconnected",
            f"{how}: reason EVDisconnected",
            f"reason {reason}",
            (stop.entry_id,),
            c,
        )
    if step is not StepKind.UNPLUG:
        await unplug_quietly(ctx, c)
    await ctx.attempt(
        f"{how}: back to Available",
        ctx.expect(
            "StatusNotification",
            lambda p: p["connectorId"] == c and p["status"] == "Available",
            cursor=cursor,
        ),
        c,
    )
    check_status_sequence(ctx, f"{how}: StatusNotifications per OCPP 1.6", c, cursor, before)
    return True


CASE = seed_case(7, run)
