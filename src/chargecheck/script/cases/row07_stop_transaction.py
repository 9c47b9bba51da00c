"""Row 7 - Stop charge transaction (OCPP 1.6 sections 5.12, 4.10, 4.9).

Remote: RemoteStopTransaction with the transactionId must be Accepted and followed by a
StopTransaction of that transaction and StatusNotifications per section 4.9. Local: the
card presented again stops it the same way. Cable: unplugging the car must give a
StopTransaction with reason EVDisconnected (section 7.41).

What each FAIL rests on: the seed ("After sending RemoteStopTransaction (by using the
transactionId) the transaction must stop, via a StopTransaction message, followed by
several StatusNotification messages (according to OCPP 1.6)"; "When the charging cable
is disconnected, a StopTransaction message must be received"); the reason of an unplug
on the meaning of the 1.6 Reason values (EVDisconnected: "Disconnecting of cable";
"Local" is what an absent reason means); the statuses on the table of section 4.9, and
Available only once the cable is out.
"""

from __future__ import annotations

from chargecheck.script.context import CaseContext
from chargecheck.script.operator import PhysicalStep, StepKind, StepNotDone
from chargecheck.script.reach import start_remote
from chargecheck.script.runner import seed_case
from chargecheck.script.steps import (
    CHARGING_STATES,
    check_status_sequence,
    last_status,
    make_idle,
    stop_remote,
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
            f"answered {result.get('status')}",
            (result.call_entry_id, result.entry_id),
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
    # Available (section 4.9: free for a new user) is due only once the cable is out: a
    # clean-up unplug the operator did not do leaves the connector Finishing, rightly.
    if step is StepKind.UNPLUG or await _unplugged(ctx, c):
        available = await ctx.attempt(
            f"{how}: back to Available",
            ctx.expect(
                "StatusNotification",
                lambda p: p["connectorId"] == c and p["status"] == "Available",
                cursor=cursor,
            ),
            c,
        )
        if available is not None:
            ctx.check(
                True, f"{how}: back to Available", "after the unplug", (available.entry_id,), c
            )
    else:  # the seed's "followed by several StatusNotification messages": the connector
        # must leave the transaction's states (Finishing, or Available), section 4.9
        left = await ctx.attempt(
            f"{how}: the connector leaves the charging states",
            ctx.expect(
                "StatusNotification",
                lambda p: p["connectorId"] == c and p["status"] not in CHARGING_STATES,
                cursor=cursor,
            ),
            c,
        )
        if left is not None:
            name = f"{how}: the connector leaves the charging states"
            ctx.check(True, name, left.payload["status"], (left.entry_id,), c)
    check_status_sequence(ctx, f"{how}: StatusNotifications per OCPP 1.6", c, cursor, before)
    return True


async def _unplugged(ctx: CaseContext, c: int) -> bool:
    """Have the cable pulled after a stop; whether it was (no criterion of its own)."""
    try:
        await ctx.operator.perform(
            PhysicalStep(StepKind.UNPLUG, c), ctx.settings.timeouts.physical_step
        )
    except StepNotDone:
        return False
    return True


CASE = seed_case(7, run)
