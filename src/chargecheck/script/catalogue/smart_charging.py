# ruff: noqa: E501  (a criterion is one line: one bullet of the report)
"""Charging profiles: Smart Charging profile cases (OCPP 1.6 sections 3.13, 5.16
SetChargingProfile, 5.5 ClearChargingProfile, 5.7 GetCompositeSchedule).

How a profile's effect is judged: GetCompositeSchedule (5.7: the Charge Point "SHALL
calculate the Composite Charging Schedule intervals ... and send them"), whose limit now
"SHALL be less than or equal to lowest value of available power or current in any of the
merged schedules" (3.13.3). The station may lower it further by local limits (5.7), so a
lower limit than expected is no FAIL; a higher one is. A SetChargingProfile the station
answers Rejected for a valid profile is NOT TESTED (5.16 has no SHALL to accept).
"""

from __future__ import annotations

from chargecheck.script.catalogue.base import (
    answered,
    ask,
    ask_expecting,
    begin,
    call_quietly,
    case,
    not_tested,
    running,
    unknown_connector,
)
from chargecheck.script.catalogue.profiles import (
    COMBINE,
    LIMITS,
    charging_profile,
    close,
    composite,
    judge_at_most,
    judge_drawn,
    limit_now,
    new_id,
    set_profile,
)
from chargecheck.script.context import CaseContext
from chargecheck.script.steps import make_idle, rate_unit, stop_remote

PROFILE = "SmartCharging"


@case(
    "TC_056_CS",
    "Central Smart Charging - TxDefaultProfile",
    "5.16.4, 3.13.1, 5.7",
    """
SetChargingProfile TxDefaultProfile on a connector is Accepted (else NOT TESTED)
GetCompositeSchedule of the connector is Accepted and its limit is at most the profile's (5.7 SHALL calculate; 3.13.3 SHALL be at most the lowest)""",
    PROFILE,
)
async def tx_default(ctx: CaseContext) -> str:
    c, unit, pid = ctx.settings.connector, await rate_unit(ctx), new_id()
    limit = LIMITS[unit][1]
    profile = charging_profile(pid, "TxDefaultProfile", 0, limit, unit, ctx)
    try:
        if not await set_profile(ctx, "SetChargingProfile TxDefaultProfile", c, profile):
            return ""
        got = await judge_at_most(
            ctx, "composite schedule within the profile", c, unit, limit, COMBINE
        )
    finally:
        await call_quietly(ctx, "ClearChargingProfile", {"id": pid})
    return f"OK, composite {got:g} {unit}" if got is not None else ""


@case(
    "TC_057_CS",
    "Central Smart Charging - TxProfile",
    "5.16.3, 3.13.1, 5.7",
    """
During a transaction, SetChargingProfile TxProfile with its transactionId is Accepted (else NOT TESTED)
The connector's composite schedule is then at most the TxProfile's limit (3.13.1: a TxProfile SHALL overrule the TxDefaultProfile; 3.13.3 SHALL)
What the EV draws (MeterValues, triggered where supported) comes down to at most that limit (5.16.3: SHALL re-evaluate the profiles; a station reporting no current or power is NOT TESTED)""",
    PROFILE,
)
async def tx_profile(ctx: CaseContext) -> str:
    await make_idle(ctx)
    c, unit, pid = ctx.settings.connector, await rate_unit(ctx), new_id()
    low = LIMITS[unit][0]
    tx = await running(ctx, c)
    if tx is None:
        return ""
    got = None
    try:
        profile = charging_profile(pid, "TxProfile", 1, low, unit, ctx, tx)
        if await set_profile(ctx, "SetChargingProfile TxProfile", c, profile):
            got = await judge_at_most(
                ctx, "composite schedule within the TxProfile", c, unit, low, COMBINE
            )
            await judge_drawn(ctx, "the EV draws at most the TxProfile's limit", c, unit, low)
    finally:
        await call_quietly(ctx, "ClearChargingProfile", {"id": pid})
        await stop_remote(ctx, tx, c)
    return f"OK, composite {got:g} {unit} during transaction {tx}" if got is not None else ""


@case(
    "TC_058_1_CS",
    "Central Smart Charging - No ongoing transaction",
    "3.13.1, 5.16.4",
    """
SetChargingProfile TxProfile on a connector with no transaction is not Accepted (3.13.1: the Charge Point SHALL discard it and return an error status)""",
    PROFILE,
)
async def tx_profile_without_transaction(ctx: CaseContext) -> str:
    await make_idle(ctx)
    c, unit, pid = ctx.settings.connector, await rate_unit(ctx), new_id()
    name = "TxProfile without a transaction: not Accepted"
    profile = charging_profile(pid, "TxProfile", 1, LIMITS[unit][0], unit, ctx)
    result = await ask_expecting(
        ctx,
        name,
        "SetChargingProfile",
        {"connectorId": c, "csChargingProfiles": profile},
        ("Rejected", "NotSupported"),
        "3.13.1: with no transaction on the connector the Charge Point SHALL discard a "
        "TxProfile and return an error status",
        c,
    )
    if result is None:
        return ""
    if result.get("status") == "Accepted":
        await call_quietly(ctx, "ClearChargingProfile", {"id": pid})
    return f"OK, {result.get('status')}"


@case(
    "TC_066_CS",
    "Get Composite Schedule",
    "3.13.1, 5.7",
    """
SetChargingProfile ChargePointMaxProfile on connector 0 is Accepted (else NOT TESTED)
The composite schedule of connector 0 (what the station expects to draw, 5.7 SHALL) and of a connector are at most its limit (3.13.3 SHALL)
This case covers the ChargePointMaxProfile part of the composite schedule; its combination with a TxDefaultProfile and a TxProfile is not judged.""",
    PROFILE,
)
async def charge_point_max(ctx: CaseContext) -> str:
    c, unit, pid = ctx.settings.connector, await rate_unit(ctx), new_id()
    limit = LIMITS[unit][1]
    profile = charging_profile(pid, "ChargePointMaxProfile", 0, limit, unit, ctx)
    try:
        if not await set_profile(ctx, "SetChargingProfile ChargePointMaxProfile", 0, profile):
            return ""
        for connector in (0, c):
            await judge_at_most(
                ctx,
                "composite schedule within the station's maximum",
                connector,
                unit,
                limit,
                COMBINE,
            )
    finally:
        await call_quietly(ctx, "ClearChargingProfile", {"id": pid})
    return f"OK, {limit:g} {unit} for the station"


@case(
    "TC_072_CS",
    "Stacking Charging Profiles",
    "3.13.2, 5.7",
    """
Two TxDefaultProfiles on a connector, stack levels 0 and 1, are Accepted (else NOT TESTED)
The composite limit is the stack level 1 profile's, not the lower one of level 0 (3.13.2: the prevailing profile SHALL be the one with the highest stackLevel)
A third profile of the same purpose and stack level 1 replaces it (3.13.2 SHALL replace): the composite limit becomes the new one""",
    PROFILE,
)
async def stacking(ctx: CaseContext) -> str:
    c, unit = ctx.settings.connector, await rate_unit(ctx)
    low, middle, high, _ = LIMITS[unit]
    ids = [new_id() for _ in range(3)]
    name = "the highest stack level prevails (3.13.2 SHALL)"
    try:
        for pid, stack, limit in ((ids[0], 0, low), (ids[1], 1, high)):
            profile = charging_profile(pid, "TxDefaultProfile", stack, limit, unit, ctx)
            if not await set_profile(ctx, f"TxDefaultProfile stack level {stack}", c, profile):
                return ""
        if not await _prevails(ctx, name, c, unit, high, low):
            return ""
        profile = charging_profile(ids[2], "TxDefaultProfile", 1, middle, unit, ctx)
        if not await set_profile(ctx, "another TxDefaultProfile at stack level 1", c, profile):
            return ""
        await _prevails(
            ctx, "the same stack level and purpose replaces (3.13.2 SHALL)", c, unit, middle, high
        )
    finally:
        for pid in ids:
            await call_quietly(ctx, "ClearChargingProfile", {"id": pid})
    return f"OK, stack level 1 prevails ({high:g}, then {middle:g} {unit})"


async def _prevails(
    ctx: CaseContext, name: str, c: int, unit: str, wanted: float, wrong: float
) -> bool:
    result = await composite(ctx, name, c, unit)
    if result is None:
        return False
    got = limit_now(result)
    evidence = (result.call_entry_id, result.entry_id)
    if got is not None and close(got, wanted):
        return ctx.check(True, name, f"composite {got:g} {unit}", evidence, c)
    if got is not None and got < wanted and not close(got, wrong):
        not_tested(
            ctx, name, f"composite {got:g} {unit}: a local limit below {wanted:g}", evidence, c
        )
        return False
    return ctx.check(
        False,
        name,
        ("no composite limit" if got is None else f"composite {got:g} {unit}")
        + f", not {wanted:g} {unit}: 3.13.2 SHALL (and 3.13.3 SHALL for a limit above it)",
        evidence,
        c,
    )


@case(
    "TC_067_CS",
    "Clear Charging Profile",
    "5.5, 5.7",
    """
A TxDefaultProfile with an unusual limit is Accepted (else NOT TESTED) and shows in the composite schedule (3.13.3 SHALL be at most it)
ClearChargingProfile of its id is Accepted (5.5 SHALL say whether it could: it has that profile)
The composite schedule no longer carries that limit""",
    PROFILE,
)
async def clear_profile(ctx: CaseContext) -> str:
    c, unit, pid = ctx.settings.connector, await rate_unit(ctx), new_id()
    odd = LIMITS[unit][3]
    profile = charging_profile(pid, "TxDefaultProfile", 3, odd, unit, ctx)
    if not await set_profile(ctx, "SetChargingProfile TxDefaultProfile", c, profile):
        return ""
    got = await judge_at_most(ctx, "composite schedule within the profile", c, unit, odd, COMBINE)
    name = "ClearChargingProfile Accepted"
    result = await ask(ctx, name, "ClearChargingProfile", {"id": pid}, c)
    if result is None or not answered(
        ctx, name, result, ("Accepted",), "5.5: it has the profile, so it can clear it", c
    ):
        return ""
    if got is None or not close(got, odd):
        not_tested(ctx, "the cleared limit is gone", "the profile's limit never showed", c=c)
        return ""
    after = await composite(ctx, "the cleared limit is gone", c, unit)
    if after is None:
        return ""
    now = limit_now(after)
    ctx.check(
        now is None or not close(now, odd),
        "the cleared limit is gone",
        "the composite schedule has no limit for now"
        if now is None
        else f"composite {now:g} {unit}"
        if not close(now, odd)
        else f"composite still {now:g} {unit} after ClearChargingProfile Accepted (5.5, 5.7)",
        (after.call_entry_id, after.entry_id),
        c,
    )
    return f"OK, {odd:g} {unit} set and cleared"


@case(
    "CC_054_CS",
    "GetCompositeSchedule of an unknown connector",
    "5.7",
    """
GetCompositeSchedule of a connector the station does not have is answered Rejected (5.7 SHALL)""",
    PROFILE,
)
async def composite_unknown(ctx: CaseContext) -> str:
    c, unit = await unknown_connector(ctx), await rate_unit(ctx)
    name = "GetCompositeSchedule of an unknown connector: Rejected"
    result = await ask_expecting(
        ctx,
        name,
        "GetCompositeSchedule",
        {"connectorId": c, "duration": 600, "chargingRateUnit": unit},
        ("Rejected",),
        "5.7: for an unknown connectorId SHALL respond Rejected",
        c,
    )
    if result is None:
        return ""
    return "OK, Rejected"


@case(
    "TC_059_CS",
    "Remote Start Transaction with Charging Profile",
    "5.16.2, 5.11, 5.7",
    """
RemoteStartTransaction with a TxProfile starts a transaction (5.11; Rejected is NOT TESTED)
Its composite schedule is at most the given limit (5.16.2: the Charge Point SHALL apply the given profile to the newly started transaction; 3.13.3 SHALL)
What the EV draws (MeterValues, triggered where supported) is at most that limit (5.16.2 SHALL apply it; a station reporting no current or power is NOT TESTED)""",
    PROFILE,
)
async def remote_start_with_profile(ctx: CaseContext) -> str:
    await make_idle(ctx)
    c, unit, pid = ctx.settings.connector, await rate_unit(ctx), new_id()
    low = LIMITS[unit][0]
    profile = charging_profile(pid, "TxProfile", 1, low, unit, ctx)
    started = await begin(
        ctx, c, "a transaction with the profile runs", {"chargingProfile": profile}
    )
    if started is None:
        return ""
    tx, _ = started
    try:
        got = await judge_at_most(
            ctx,
            "composite schedule within the given TxProfile",
            c,
            unit,
            low,
            "5.16.2: the Charge Point SHALL apply the given profile to the transaction",
        )
        await judge_drawn(ctx, "the EV draws at most the given limit", c, unit, low)
    finally:
        await stop_remote(ctx, tx, c)
        await call_quietly(ctx, "ClearChargingProfile", {"id": pid})
    return f"OK, composite {got:g} {unit}" if got is not None else ""


CASES = [
    tx_default,
    tx_profile,
    tx_profile_without_transaction,
    charge_point_max,
    stacking,
    clear_profile,
    composite_unknown,
    remote_start_with_profile,
]
