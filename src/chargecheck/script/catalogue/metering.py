# ruff: noqa: E501  (a criterion is one line: one bullet of the report)
"""Clock-aligned meter values and the value checks of ChangeConfiguration: Core profile
cases (OCPP 1.6 sections 3.16.2, 4.7, 5.3, 9.1).

Little here can FAIL. When and what a station samples is its own business (4.7: "It is up
to the Charge Point to decide when it will send meter values"; 3.16.2 and 9.1 describe the
clock-aligned keys without a SHALL), so aligned values that do not come, or come off the
boundaries, are NOT TESTED. ChangeConfiguration (5.3) SHALL answer with its .conf, SHALL
answer Accepted only for a change it applied and NotSupported only for a key it does not
support; a value out of range is the note's example of Rejected, not a SHALL of its own.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime

from chargecheck.csms.errors import CallErrorReceived, SessionError
from chargecheck.csms.session import Cursor, Message
from chargecheck.script.catalogue.base import case, keys_at, not_tested, sampled_during
from chargecheck.script.catalogue.outages import stamp
from chargecheck.script.context import CaseContext
from chargecheck.script.steps import configuration_read, make_idle

ENERGY = "Energy.Active.Import.Register"
UP_TO_THE_STATION = "4.7: it is up to the Charge Point to decide when it will send meter values"


def clock_aligned(message: Message) -> bool:
    """Does a MeterValues carry a clock-aligned sample (context Sample.Clock)?"""
    return any(
        sv.get("context") == "Sample.Clock"
        for mv in message.payload.get("meterValue", [])
        for sv in mv.get("sampledValue", [])
    )


def off_boundary(moment: datetime, interval: int) -> float:
    """Seconds from ``moment`` to the nearest multiple of ``interval`` since midnight (UTC:
    9.1 counts the intervals from 00:00:00)."""
    midnight = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    offset = (moment - midnight).total_seconds() % interval
    return min(offset, interval - offset)


def measured(message: Message) -> set[str]:
    """The measurands of a MeterValues (a value without one is the energy register, 7.31)."""
    return {
        sv.get("measurand", ENERGY)
        for mv in message.payload.get("meterValue", [])
        for sv in mv.get("sampledValue", [])
    }


async def aligned_meter_values(
    ctx: CaseContext, c: int, count: int, limit: float, cursor: Cursor
) -> list[Message]:
    """Up to ``count`` clock-aligned MeterValues of connector ``c`` since ``cursor``, each
    within ``limit`` s of the one before (the first within ``timeouts.status`` more)."""
    found: list[Message] = []
    with suppress(SessionError):
        while len(found) < count:
            timeout = limit + (0 if found else ctx.settings.timeouts.status)
            message = await ctx.expect(
                "MeterValues", lambda p: p["connectorId"] == c, timeout, cursor
            )
            if clock_aligned(message):
                found.append(message)
    return found


@case(
    "TC_071_CS",
    "Clock-aligned Meter Values",
    "3.16.2, 4.7, 9.1",
    """
ClockAlignedDataInterval set to the bench's meter interval and MeterValuesAlignedData to Energy.Active.Import.Register (Accepted; another answer is NOT TESTED: 5.3 lets the station refuse a value)
A transaction runs on the connector (the shared way to reach one; a legal refusal is NOT TESTED)
MeterValues with context Sample.Clock come at the interval, timestamped on its boundaries counted from midnight, carrying the configured measurand; none, fewer, or off the boundaries is NOT TESTED (4.7: when to send is up to the Charge Point; 3.16.2 and 9.1 have no SHALL)""",
)
async def clock_aligned_meter_values(ctx: CaseContext) -> str:
    meter, c = ctx.settings.meter, ctx.settings.connector
    interval = max(1, int(meter.interval))
    name = f"MeterValues Sample.Clock on the ClockAlignedDataInterval ({interval} s) boundaries"
    limit = interval * (1 + meter.tolerance)
    await make_idle(ctx)
    keys = {"ClockAlignedDataInterval": str(interval), "MeterValuesAlignedData": ENERGY}
    async with keys_at(ctx, keys) as refused:
        if refused is not None:
            not_tested(ctx, name, f"{refused} (5.3 lets the station refuse a value)")
            return ""
        count = meter.samples + 1
        sampled = await sampled_during(
            ctx, c, lambda _, cursor: aligned_meter_values(ctx, c, count, limit, cursor)
        )
        if sampled is None:
            return ""
        found = sampled[1]
    evidence = tuple(m.entry_id for m in found)
    if len(found) < count:
        got = f"{len(found)} of {count} clock-aligned MeterValues within {limit:g} s of each other"
        not_tested(ctx, name, f"{got}; {UP_TO_THE_STATION}", evidence, c)
        return ""
    # a timestamp may be late by as much as a quarter interval, at most a second
    slack = min(1.0, interval / 4)
    stamps = [stamp(m) for m in found]
    off = [
        f"{s:%H:%M:%S.%f}"[:-3] if s else "no timestamp"
        for s in stamps
        if s is None or off_boundary(s, interval) > slack
    ]
    lacking = [m.entry_id for m in found if ENERGY not in measured(m)]
    if off or lacking:
        why = (f"off the boundaries: {', '.join(off)}" if off else "") + (
            f"{'; ' if off else ''}without {ENERGY} in {len(lacking)}" if lacking else ""
        )
        not_tested(
            ctx, name, f"{why}; 9.1 and 3.16.2 describe the aligned data with no SHALL", evidence, c
        )
        return ""
    shown = ", ".join(f"{s:%H:%M:%S}" for s in stamps if s)
    ctx.check(True, name, f"at {shown}, with {ENERGY}", evidence, c)
    return f"OK, clock-aligned meter values every {interval} s"


INVALID = "-1"
# OCPP-J 4.2.3: the error codes that refuse a field's value
VALUE_ERRORS = frozenset({"PropertyConstraintViolation", "TypeConstraintViolation"})
KEY = "MeterValueSampleInterval"


@case(
    "TC_040_2_CS",
    "Configuratoin key - Invalid value",
    "5.3, 9.1",
    """
ChangeConfiguration of MeterValueSampleInterval to -1 (a negative interval) is answered: Rejected, or a CALLERROR PropertyConstraintViolation or TypeConstraintViolation (OCPP-J 4.2.3), PASSes; no answer or another error FAILs (5.3 SHALL reply with the .conf)
NotSupported FAILs when GetConfiguration reports the key (5.3 SHALL: NotSupported only for a key the station does not support)
Accepted FAILs if GetConfiguration then reports another value (5.3 SHALL: Accepted only for a change applied); a station that takes -1 is NOT TESTED (5.3 gives out-of-range values only as an example of Rejected); the old value is put back""",
)
async def invalid_value(ctx: CaseContext) -> str:
    name = f"ChangeConfiguration {KEY}={INVALID} is not taken (5.3)"
    old, read = await configuration_read(ctx, KEY)
    try:
        result = await ctx.call("ChangeConfiguration", {"key": KEY, "value": INVALID})
    except CallErrorReceived as exc:
        refused = exc.code in VALUE_ERRORS
        ctx.check(
            refused,
            name,
            f"CALLERROR {exc.code}"
            + (
                ""
                if refused
                else ": 5.3, the Charge Point SHALL reply with a "
                "ChangeConfiguration.conf; this error code does not say the value was refused"
            ),
            (exc.entry_id,),
        )
        return f"OK, {INVALID} refused with CALLERROR {exc.code}" if refused else ""
    except SessionError as exc:
        ctx.check(False, name, f"{exc}; 5.3: the Charge Point SHALL reply", exc.evidence)
        return ""
    status = result.get("status")
    evidence = (result.call_entry_id, result.entry_id)
    if status == "Rejected":
        ctx.check(True, name, "Rejected", evidence)
        return f"OK, {INVALID} Rejected"
    if status == "NotSupported":
        if old is None:
            not_tested(
                ctx,
                name,
                f"NotSupported, and GetConfiguration does not report {KEY}",
                (*read, *evidence),
            )
            return ""
        ctx.check(
            False,
            name,
            f"NotSupported, though GetConfiguration reports {KEY}={old}: 5.3 SHALL "
            "answer NotSupported only for a key the station does not support",
            (*read, *evidence),
        )
        return ""
    try:
        return await _taken(ctx, name, str(status), old, evidence)
    finally:
        if old is not None:
            with suppress(SessionError):
                await ctx.session.call(
                    "ChangeConfiguration", {"key": KEY, "value": old}, ctx.settings.timeouts.call
                )


async def _taken(
    ctx: CaseContext, name: str, status: str, old: str | None, evidence: tuple[int, ...]
) -> str:
    """The station answered Accepted or RebootRequired to -1: was it applied?"""
    if status == "RebootRequired":
        not_tested(ctx, name, "RebootRequired: the value is in force only after a reboot", evidence)
        return ""
    now, read = await configuration_read(ctx, KEY)
    if now is None:
        not_tested(
            ctx,
            name,
            f"Accepted; GetConfiguration does not report {KEY}, so whether "
            "it was applied cannot be read",
            (*evidence, *read),
        )
        return ""
    if now.strip() == INVALID:
        not_tested(
            ctx,
            name,
            f"Accepted, and {KEY} is now {INVALID}: 5.3 gives out-of-range values "
            "only as an example of Rejected, no SHALL makes the station refuse it",
            (*evidence, *read),
        )
        return ""
    ctx.check(
        False,
        name,
        f"Accepted, yet GetConfiguration reports {KEY}={now} (was {old}): 5.3 SHALL "
        "answer Accepted only when the change was applied",
        (*evidence, *read),
    )
    return ""


CASES = [clock_aligned_meter_values, invalid_value]
