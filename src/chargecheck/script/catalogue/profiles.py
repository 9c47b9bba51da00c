"""What the smart charging cases share: profiles to send, the composite schedule
(OCPP 1.6 section 5.7) and what the EV draws, each judged against a limit.

Judging by the composite schedule: 5.7, the Charge Point "SHALL calculate the Composite
Charging Schedule intervals ... and send them", and 3.13.3, the composite "SHALL be less
than or equal to lowest value of available power or current in any of the merged
schedules". The station may lower it by local limits (5.7), so a lower limit is no FAIL.
"""

from __future__ import annotations

import asyncio
import secrets
from datetime import timedelta
from typing import Any

from chargecheck.clock import utc_iso
from chargecheck.csms.errors import SessionError
from chargecheck.csms.session import Cursor, Message, Result
from chargecheck.script.catalogue.base import (
    answered,
    ask,
    claims_quietly,
    key_int,
    not_tested,
    watch,
)
from chargecheck.script.context import CaseContext

# Limits per chargingRateUnit: (low, middle, high, odd); the odd one is unlikely to be
# any other profile's or a local limit.
LIMITS = {"A": (10.0, 13.0, 16.0, 11.5), "W": (6900.0, 8970.0, 11000.0, 7935.0)}


def new_id() -> int:
    return 960_000 + secrets.randbelow(39_999)


def charging_profile(
    profile_id: int,
    purpose: str,
    stack_level: int,
    limit: float,
    unit: str,
    ctx: CaseContext,
    transaction_id: int | None = None,
) -> dict[str, Any]:
    """One period from now on; absolute profiles start a minute in the past (3.13.2
    RECOMMENDS a start in the past), a TxProfile is relative to its transaction."""
    schedule: dict[str, Any] = {
        "chargingRateUnit": unit,
        "chargingSchedulePeriod": [{"startPeriod": 0, "limit": limit}],
    }
    profile: dict[str, Any] = {
        "chargingProfileId": profile_id,
        "stackLevel": stack_level,
        "chargingProfilePurpose": purpose,
        "chargingProfileKind": "Relative" if purpose == "TxProfile" else "Absolute",
        "chargingSchedule": schedule,
    }
    if purpose != "TxProfile":
        schedule["startSchedule"] = utc_iso(ctx.session.clock.utc() - timedelta(minutes=1))
    if transaction_id is not None:
        profile["transactionId"] = transaction_id
    return profile


async def set_profile(ctx: CaseContext, name: str, c: int, profile: dict[str, Any]) -> bool:
    """SetChargingProfile; True if Accepted (PASS recorded), else NOT TESTED or FAIL."""
    result = await ask(
        ctx, name, "SetChargingProfile", {"connectorId": c, "csChargingProfiles": profile}, c
    )
    if result is None:
        return False
    if result.get("status") != "Accepted":
        not_tested(
            ctx,
            name,
            f"{profile['chargingProfilePurpose']} answered {result.get('status')}",
            (result.entry_id,),
            c,
        )
        return False
    limit = profile["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"]
    unit = profile["chargingSchedule"]["chargingRateUnit"]
    ctx.check(
        True,
        name,
        f"{profile['chargingProfilePurpose']} stack {profile['stackLevel']}, {limit:g} {unit}",
        (result.call_entry_id, result.entry_id),
        c,
    )
    return True


async def composite(ctx: CaseContext, name: str, c: int, unit: str) -> Result | None:
    """GetCompositeSchedule of ``c`` for ten minutes; Accepted expected (5.7 SHALL
    calculate it); None (FAIL recorded) otherwise."""
    result = await ask(
        ctx,
        name,
        "GetCompositeSchedule",
        {"connectorId": c, "duration": 600, "chargingRateUnit": unit},
        c,
    )
    if result is None:
        return None
    if not answered(
        ctx,
        name,
        result,
        ("Accepted",),
        "5.7: for a connector it has, the Charge Point SHALL calculate the composite schedule",
        c,
    ):
        return None
    return result


def limit_now(result: Result) -> float | None:
    """The composite schedule's limit at its start (None: no limit reported)."""
    schedule = result.get("chargingSchedule") or {}
    periods = [
        p for p in schedule.get("chargingSchedulePeriod", []) if p.get("startPeriod", 0) <= 0
    ]
    return float(periods[-1]["limit"]) if periods else None


def close(a: float, b: float) -> bool:
    return abs(a - b) <= max(0.1, 0.005 * abs(b))


async def judge_at_most(
    ctx: CaseContext, name: str, c: int, unit: str, limit: float, rule: str
) -> float | None:
    """The composite limit of ``c`` now is at most ``limit`` (3.13.3 SHALL), and is a
    limit: a negative value (a "no limit" sentinel on the wire) or none at all FAILs; a
    limit of 0 where ``limit`` is above it, or a schedule in another unit, shows nothing
    either way (the station may lower the limit, 5.7; it chose the unit) and is NOT
    TESTED: a PASS needs a limit that shows the profile applied."""
    result = await composite(ctx, name, c, unit)
    if result is None:
        return None
    evidence = (result.call_entry_id, result.entry_id)
    got = limit_now(result)
    given = (result.get("chargingSchedule") or {}).get("chargingRateUnit", unit)
    if got is not None and given != unit:
        not_tested(ctx, name, f"the composite schedule is in {given}, asked in {unit}", evidence, c)
        return None
    if got == 0 and limit > 0:
        not_tested(
            ctx,
            name,
            f"composite limit 0 {unit}: it cannot show the {limit:g} applied",
            evidence,
            c,
        )
        return None
    ok = got is not None and 0 < got <= limit + max(0.1, 0.005 * limit)
    if ok:
        detail = f"composite limit {got:g} {unit} (at most {limit:g})"
    elif got is None:
        detail = f"the composite schedule has no limit for now; {rule}"
    elif got < 0:
        detail = f"composite limit {got:g} {unit}: a negative limit is no limit; {rule}"
    else:
        detail = f"composite limit {got:g} {unit}, above {limit:g}; {rule}"
    ctx.check(ok, name, detail, evidence, c)
    return got


DRAWN = {"A": "Current.Import", "W": "Power.Active.Import"}  # measurand by unit


def drawn(message: Message, unit: str) -> float | None:
    """The highest per-phase current (A) or the total power (W) a MeterValues reports;
    None if it carries no such measurand."""
    measurand = DRAWN[unit]
    found: list[tuple[str, float]] = []
    for meter_value in message.payload.get("meterValue", []):
        for value in meter_value.get("sampledValue", []):
            if value.get("measurand") != measurand:
                continue
            scale = 1000.0 if value.get("unit", "") == "kW" else 1.0
            try:
                found.append((value.get("phase", ""), float(value["value"]) * scale))
            except (KeyError, ValueError):
                continue
    phased = [v for phase, v in found if phase and phase != "N"]
    total = [v for phase, v in found if not phase]
    if not (phased or total):
        return None
    if unit == "A":
        return max(phased or total)
    return max(total) if total else sum(phased)


async def judge_drawn(ctx: CaseContext, name: str, c: int, unit: str, limit: float) -> None:
    """What the EV draws (the connector's MeterValues) comes down to at most ``limit``
    within ``timeouts.status``: 5.16 SHALL apply the profile (a profile's limit is the
    maximum current or power, 3.13.1). MeterValues are asked for with TriggerMessage
    where the station supports it; a station that reports none is NOT TESTED."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + ctx.settings.timeouts.status
    trigger = await claims_quietly(ctx, "RemoteTrigger")
    last: tuple[Message, float] | None = None
    unasked = ""  # why no MeterValues can come in the time left, once none will
    sampling: tuple[int, int] | None = None
    while loop.time() < deadline:
        since = ctx.mark()
        if trigger:
            trigger = await _triggered(ctx, c)
        if not trigger and sampling is None:
            sampling = await _sampling(ctx)
        if sampling is not None and not _sampled_within(ctx, c, deadline - loop.time(), sampling):
            unasked = (
                " (TriggerMessage(MeterValues) not Accepted, and the station samples none "
                "in the time left: MeterValueSampleInterval and ClockAlignedDataInterval)"
            )
            break
        message = await watch(
            ctx,
            "MeterValues",
            lambda p: p.get("connectorId") == c,
            since,
            max(0.0, deadline - loop.time()),
        )
        value = drawn(message, unit) if message is not None else None
        if message is not None and value is not None:
            last = (message, value)
            if value <= limit + max(0.5, 0.02 * limit):
                ctx.check(True, name, f"{DRAWN[unit]} {value:g} {unit}", (message.entry_id,), c)
                return
        await asyncio.sleep(0.2)
    if last is None:
        said = f"no MeterValues with {DRAWN[unit]} for the connector{unasked}"
        not_tested(ctx, name, said, c=c)
        return
    ctx.check(
        False,
        name,
        f"{DRAWN[unit]} {last[1]:g} {unit}, above the limit {limit:g} "
        + (unasked.strip() or f"for {ctx.settings.timeouts.status:g} s")
        + "; 5.16 SHALL apply the profile",
        (last[0].entry_id,),
        c,
    )


async def _triggered(ctx: CaseContext, c: int) -> bool:
    """TriggerMessage(MeterValues) for connector ``c``: Accepted? Only then is the message
    to come (5.17); a station that refuses is not asked again."""
    try:
        result = await ctx.session.call(
            "TriggerMessage",
            {"requestedMessage": "MeterValues", "connectorId": c},
            ctx.settings.timeouts.call,
        )
    except SessionError:
        return False
    return result.get("status") == "Accepted"


async def _sampling(ctx: CaseContext) -> tuple[int, int]:
    """The station's own meter value intervals (9.1): MeterValueSampleInterval (during a
    transaction) and ClockAlignedDataInterval; 0 (or not reported): none."""
    periodic = await key_int(ctx, "MeterValueSampleInterval")
    aligned = await key_int(ctx, "ClockAlignedDataInterval")
    return periodic or 0, aligned or 0


def _sampled_within(ctx: CaseContext, c: int, seconds: float, sampling: tuple[int, int]) -> bool:
    """May the station send a MeterValues of connector ``c`` of its own within ``seconds``:
    a periodic sample due by then (from its last MeterValues of the connector), or a
    clock-aligned one (from midnight UTC)? ``sampling``: the intervals (``_sampling``)."""
    periodic, aligned = sampling
    clock = ctx.session.clock
    if periodic > 0:
        sent = [m for m in ctx.session.received("MeterValues", Cursor()) if m.valid]
        last = next((m for m in reversed(sent) if m.payload.get("connectorId") == c), None)
        if last is None or last.mono + periodic - clock.mono() <= seconds:
            return True
    if aligned > 0:
        now = clock.utc()
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        if aligned - (now - midnight).total_seconds() % aligned <= seconds:
            return True
    return False


COMBINE = "3.13.3: the composite SHALL be at most the lowest limit of the merged profiles"
