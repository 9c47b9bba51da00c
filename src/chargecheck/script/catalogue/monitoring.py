# ruff: noqa: E501  (a criterion is one line: one bullet of the report)
"""What the station reports unasked: heartbeats, periodic meter values, errors. Core
profile cases (OCPP 1.6 sections 4.6, 4.7, 4.9, 7.6, 9.1).

Much of it the specification leaves to the station, and so it is NOT TESTED here, never
FAIL: over JSON "sending heartbeats is not mandatory" (4.6, NOTE; 9.1 HeartbeatInterval
says the Charge Point "should send" one); "it is up to the Charge Point to decide when it
will send meter values" (4.7; 9.1 MeterValueSampleInterval has no SHALL); and a
StatusNotification is a SHALL only for the status transitions of the table in 4.9 ("The
Charge Point MAY send a StatusNotification.req PDU to inform the Central System of fault
conditions": an error that leaves the status as it was is a warning). What can FAIL is
a transition to or from Faulted the station makes without telling.
"""

from __future__ import annotations

from contextlib import suppress

from chargecheck.csms.errors import SessionError
from chargecheck.csms.session import Message
from chargecheck.script.catalogue.base import (
    case,
    claims_quietly,
    key_int,
    not_tested,
    on,
    sampled_during,
    watch,
)
from chargecheck.script.context import CaseContext
from chargecheck.script.operator import StepKind
from chargecheck.script.steps import (
    ask_status,
    configured,
    make_idle,
    sampled_meter_values,
    silences_after,
    spacing,
    step_quietly,
)

NOT_MANDATORY = "4.6 NOTE: with JSON over WebSocket, sending heartbeats is not mandatory"
UP_TO_THE_STATION = "4.7: it is up to the Charge Point to decide when it will send meter values"


@case(
    "CC_061_CS",
    "Heartbeat at the configured interval",
    "4.6, 9.1",
    """
HeartbeatInterval is set by ChangeConfiguration (Accepted; another answer is NOT TESTED here)
No silence longer than HeartbeatInterval: a Heartbeat, or another message (4.6: it MAY skip a Heartbeat after another PDU), at least every interval; none, or a longer silence, is NOT TESTED (4.6 NOTE: over JSON heartbeats are not mandatory; 9.1: "should send")""",
)
async def heartbeat_interval(ctx: CaseContext) -> str:
    hb = ctx.settings.heartbeat
    name = f"no silence longer than HeartbeatInterval ({hb.interval} s)"
    limit = hb.interval * (1 + hb.tolerance)
    async with configured(ctx, "HeartbeatInterval", str(hb.interval), "") as ok:
        if not ok:
            not_tested(ctx, name, f"HeartbeatInterval could not be set to {hb.interval}")
            return ""
        cursor = ctx.mark()
        wait = max(limit, ctx.settings.timeouts.status) + limit
        first: Message | None = None
        with suppress(SessionError):  # from the cursor on: the silences go on from it
            first = await ctx.expect("Heartbeat", timeout=wait, cursor=cursor)
        if first is None:
            not_tested(ctx, name, f"no Heartbeat within {wait:g} s; {NOT_MANDATORY}")
            return ""
        silences = await silences_after(ctx, first, cursor, limit, hb.samples)
    if not silences.within(limit):
        not_tested(ctx, name, f"{silences.detail(limit)}; {NOT_MANDATORY}", silences.evidence)
        return ""
    ctx.check(True, name, silences.detail(limit), silences.evidence)
    return f"OK, a message at least every {hb.interval} s"


@case(
    "TC_070_CS",
    "Sampled Meter Values",
    "4.7, 9.1",
    """
MeterValueSampleInterval is set by ChangeConfiguration (Accepted; another answer is NOT TESTED here)
A transaction started by RemoteStartTransaction (5.11 SHALL send the StartTransaction; Rejected is NOT TESTED)
MeterValues of the transaction, at most MeterValueSampleInterval apart; none, or longer gaps, is NOT TESTED (4.7: when to send meter values is up to the Charge Point; 9.1 has no SHALL)""",
)
async def periodic_meter_values(ctx: CaseContext) -> str:
    meter, c = ctx.settings.meter, ctx.settings.connector
    name = f"MeterValues every MeterValueSampleInterval ({meter.interval} s)"
    limit = meter.interval * (1 + meter.tolerance)
    await make_idle(ctx)
    async with configured(ctx, "MeterValueSampleInterval", str(meter.interval), "") as ok:
        if not ok:
            not_tested(ctx, name, f"MeterValueSampleInterval could not be set to {meter.interval}")
            return ""
        count = meter.samples + 1
        sampled = await sampled_during(
            ctx, c, lambda tx, cursor: sampled_meter_values(ctx, tx, c, count, limit, cursor)
        )
        if sampled is None:
            return ""
        tx, found = sampled
    evidence = tuple(m.entry_id for m in found)
    regular, detail = spacing(found, limit)
    if len(found) < count or not regular:
        got = f"{len(found)} of {count} periodic MeterValues of transaction {tx}"
        not_tested(ctx, name, f"{got}, {detail}; {UP_TO_THE_STATION}", evidence, c)
        return ""
    ctx.check(True, name, detail, evidence, c)
    return f"OK, meter values every {meter.interval} s"


@case(
    "TC_041_CS",
    "Fault Behavior",
    "4.9, 7.6",
    """
The operator creates an error on the connector (not done: NOT TESTED)
A StatusNotification of the connector reports it: status Faulted, or an errorCode other than NoError (7.6)
None: FAIL if the station, asked with TriggerMessage, says the connector is Faulted (4.9: the Charge Point SHALL send a StatusNotification.req on the table's transitions to Faulted); otherwise NOT TESTED (4.9: reporting an error that is not a fault is a MAY)
Once the error is removed, a StatusNotification with NoError after a reported Faulted; none: FAIL only if, asked, the connector is no longer Faulted (4.9 SHALL on the transitions from Faulted), else NOT TESTED
This case covers the Faulted status reported for an error; starting a transaction while Faulted is not tried.""",
)
async def error_reported(ctx: CaseContext) -> str:
    await make_idle(ctx)
    c = ctx.settings.connector
    name = f"the error on connector {c} is reported in a StatusNotification"
    # 4.9: a status active less than MinimumStatusDuration MAY go unreported
    wait = ctx.settings.timeouts.status + (await key_int(ctx, "MinimumStatusDuration") or 0)
    cursor = ctx.mark()
    if not await ctx.physical(StepKind.CREATE_ERROR, c, name):
        return ""
    removed = False
    try:
        error = await watch(
            ctx,
            "StatusNotification",
            lambda p: (
                p["connectorId"] == c and (p["status"] == "Faulted" or p["errorCode"] != "NoError")
            ),
            cursor,
            wait,
        )
        if error is None:
            await _untold(ctx, c, name, f"no StatusNotification within {wait:g} s", faulted=True)
            return ""
        p = error.payload
        ctx.check(True, name, f"{p['status']}, errorCode {p['errorCode']}", (error.entry_id,), c)
        cleared = ctx.mark()
        back_name = f"connector {c} reports NoError once the error is removed"
        removed = await ctx.physical(StepKind.CLEAR_ERROR, c, back_name)
        if not removed:
            return ""
        back = await watch(ctx, "StatusNotification", on(c, errorCode="NoError"), cleared, wait)
    finally:
        if not removed:  # the next case needs a connector without the error
            await step_quietly(ctx, StepKind.CLEAR_ERROR, c)
    if back is not None:
        ctx.check(True, back_name, back.payload["status"], (back.entry_id,), c)
    elif p["status"] == "Faulted":
        await _untold(ctx, c, back_name, f"none within {wait:g} s", faulted=False)
    else:
        not_tested(
            ctx,
            back_name,
            f"none within {wait:g} s of an error reported as {p['status']}, a warning: "
            "4.9 makes reporting it (and its end) a MAY",
            c=c,
        )
    return f"OK, {p['errorCode']} reported" if back is not None else ""


async def _untold(ctx: CaseContext, c: int, name: str, what: str, *, faulted: bool) -> None:
    """No StatusNotification came where one could be due: FAIL ``name`` only if the
    station, asked with TriggerMessage, shows the transition to (``faulted``) or from
    Faulted happened, the one kind of change 4.9 makes a SHALL to report."""
    change = "to Faulted" if faulted else "from Faulted"
    if not await claims_quietly(ctx, "RemoteTrigger"):
        not_tested(
            ctx,
            name,
            f"{what}, and without RemoteTrigger the bench cannot ask whether the connector "
            f"changed {change} (4.9: only a status transition SHALL be reported)",
            c=c,
        )
        return
    asked = await ask_status(ctx, c)
    status = asked.status.payload["status"] if asked.status is not None else None
    if status is not None and (status == "Faulted") == faulted:
        ctx.check(
            False,
            name,
            f"{what}; asked, the connector is {status}: 4.9 SHALL send a "
            f"StatusNotification.req on the transition {change}",
            asked.evidence,
            c,
        )
        return
    not_tested(
        ctx,
        name,
        f"{what}; asked: {asked.detail}, no transition {change} to report "
        "(4.9: reporting an error that is not a fault is a MAY)",
        asked.evidence,
        c,
    )


CASES = [heartbeat_interval, periodic_meter_values, error_reported]
