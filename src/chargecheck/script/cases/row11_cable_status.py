"""Row 11 - Charging cable connection status (OCPP 1.6 sections 4.9, 9.1 ConnectionTimeOut).

In 1.6 words (DESIGN.md): plugging the car moves the connector Available -> Preparing;
without an authorisation it must go back to Available once ConnectionTimeOut expires,
and not much before. The bench sets ConnectionTimeOut to the settings' value for the row
and checks every connector a car plugs into.

What each FAIL rests on: the seed ("Status to be represented in the StatusNotification
messages"; "When car is connected, the charging station changes from Available to
Occupied and to Error (connection is timed out)", in 1.6 words per DESIGN.md) with OCPP
1.6 section 4.9 (Preparing: "a user ... inserts a cable or an EV is connected") and
section 9.1 ConnectionTimeOut (the station "SHALL go back to the original state, probably:
'Available'" once it expires), hence "not much before" it expires either.
"""

from __future__ import annotations

from chargecheck.script.context import CaseContext
from chargecheck.script.operator import StepKind
from chargecheck.script.runner import seed_case
from chargecheck.script.steps import configured, make_idle, unplug_quietly


async def run(ctx: CaseContext) -> str:
    timeout = ctx.settings.connection_timeout
    await make_idle(ctx)
    async with configured(
        ctx, "ConnectionTimeOut", str(timeout), "ConnectionTimeOut can be set"
    ) as ok:
        if not ok:
            return ""
        for c in await ctx.outlets():
            await _connector(ctx, c, timeout)
    return f"OK, Preparing, then Available after ConnectionTimeOut {timeout} s"


async def _connector(ctx: CaseContext, c: int, timeout: int) -> None:
    cursor = ctx.mark()
    name = "plugging the car gives Preparing"
    # The act of plugging in (not "a car is connected"): an EV connected all along
    # causes no Available -> Preparing for the bench to watch.
    if not await ctx.physical(StepKind.PLUG_IN, c, name):
        return
    try:
        preparing = await ctx.attempt(
            name,
            ctx.expect(
                "StatusNotification",
                lambda p: p["connectorId"] == c and p["status"] == "Preparing",
                cursor=cursor,
            ),
            c,
        )
        if preparing is None:
            return
        ctx.check(True, name, "Available -> Preparing", (preparing.entry_id,), c)
        name = f"back to Available after ConnectionTimeOut ({timeout} s)"
        available = await ctx.attempt(
            name,
            ctx.expect(
                "StatusNotification",
                lambda p: p["connectorId"] == c and p["status"] == "Available",
                timeout=timeout * 2 + ctx.settings.timeouts.status,
                cursor=cursor,
            ),
            c,
        )
        if available is None:
            return
        waited = available.mono - preparing.mono
        ctx.check(
            waited >= timeout * 0.5,
            name,
            f"after {waited:.1f} s",
            (preparing.entry_id, available.entry_id),
            c,
        )
    finally:
        await unplug_quietly(ctx, c)


CASE = seed_case(11, run)
