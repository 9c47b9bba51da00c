"""Row 15 - Smart charging enable/disable (OCPP 1.6 sections 3.13, 4.9).

In 1.6 words (DESIGN.md): during a transaction, a TxProfile with limit 0 must give a
StatusNotification SuspendedEVSE; clearing it must give Charging again.

What each FAIL rests on: the seed ("Receive enable/disable status notification when smart
charging enabled/disabled") read with the status definitions of OCPP 1.6 section 4.9:
SuspendedEVSE is "the EVSE is not offering energy to the EV, e.g. due to a smart
charging restriction"; once the limit is gone the EVSE offers energy again, which is
Charging, or SuspendedEV when the EV does not take it (a full battery), so either will do.
"""

from __future__ import annotations

from chargecheck.script.context import CaseContext
from chargecheck.script.reach import start_remote
from chargecheck.script.runner import seed_case
from chargecheck.script.steps import make_idle, rate_unit, smart_charging_claimed, stop_remote

PROFILE_ID = 9150


async def run(ctx: CaseContext) -> str:
    c = ctx.settings.connector
    await make_idle(ctx)
    if not await smart_charging_claimed(ctx):
        return ""
    unit = await rate_unit(ctx)  # section 9.4: the unit the station takes
    tx = await start_remote(ctx, c, "a transaction to control")
    if tx is None:
        return ""
    try:
        profile = {
            "chargingProfileId": PROFILE_ID,
            "transactionId": tx,
            "stackLevel": 1,
            "chargingProfilePurpose": "TxProfile",
            "chargingProfileKind": "Relative",
            "chargingSchedule": {
                "chargingRateUnit": unit,
                "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 0}],
            },
        }
        disabled = await _switch(
            ctx,
            c,
            "disabled (limit 0): SuspendedEVSE",
            ("SuspendedEVSE",),
            "SetChargingProfile",
            {"connectorId": c, "csChargingProfiles": profile},
        )
        if disabled:
            await _switch(
                ctx,
                c,
                "enabled again (profile cleared): Charging or SuspendedEV",
                ("Charging", "SuspendedEV"),
                "ClearChargingProfile",
                {"id": PROFILE_ID},
            )
    finally:
        await stop_remote(ctx, tx, c)
    return "OK, SuspendedEVSE at limit 0, Charging once cleared"


async def _switch(
    ctx: CaseContext,
    c: int,
    name: str,
    wanted: tuple[str, ...],
    action: str,
    payload: dict[str, object],
) -> bool:
    cursor = ctx.mark()
    result = await ctx.attempt(name, ctx.call(action, payload), c)
    if result is None:
        return False
    if result.get("status") != "Accepted":
        return ctx.check(
            False,
            name,
            f"{action} answered {result.get('status')}",
            (result.call_entry_id, result.entry_id),
            c,
        )
    seen = await ctx.attempt(
        name,
        ctx.expect(
            "StatusNotification",
            lambda p: p["connectorId"] == c and p["status"] in wanted,
            cursor=cursor,
        ),
        c,
    )
    if seen is None:
        return False
    return ctx.check(
        True,
        name,
        f"{action} Accepted, then {seen.payload['status']}",
        (result.call_entry_id, seen.entry_id),
        c,
    )


CASE = seed_case(15, run)
