# ruff: noqa: E501  (a criterion is one line: one bullet of the report)
"""TriggerMessage: Remote Trigger profile cases (OCPP
1.6 section 5.17).

What 5.17 makes a SHALL, and so what can FAIL here: the station answers with a
TriggerMessage.conf (Accepted, Rejected, or NotImplemented for a message it does not
implement), and a triggered MeterValues "SHALL return the most recent measurements for
all measurands configured in MeterValuesSampledData". Whether to accept is "up to the
Charge Point" (Rejected, NotImplemented: NOT TESTED), and "messages that the Charge Point
marks as accepted SHOULD be sent": an Accepted trigger with no message is NOT TESTED,
never FAIL. A trigger for a connector the station does not have cannot be honoured
(3.8: connector ids MUST NOT exceed the number of connectors), so Accepted FAILs there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chargecheck.csms.errors import CallErrorReceived
from chargecheck.csms.session import Message
from chargecheck.script.catalogue.base import (
    ask,
    case,
    not_tested,
    on,
    unknown_connector,
    watch,
)
from chargecheck.script.context import CaseContext
from chargecheck.script.steps import configuration
from chargecheck.wording import counted

PROFILE = "RemoteTrigger"
ENERGY = "Energy.Active.Import.Register"  # a sampledValue without measurand (7.x default)


async def trigger(
    ctx: CaseContext,
    requested: str,
    connector_id: int | None = None,
    where: Callable[[dict[str, Any]], bool] | None = None,
) -> Message | None:
    """TriggerMessage(``requested``) and the message it brings (None: NOT TESTED or
    FAIL recorded)."""
    name = f"TriggerMessage({requested})" + (
        f" for connector {connector_id}" if connector_id is not None else ""
    )
    payload: dict[str, Any] = {"requestedMessage": requested}
    if connector_id is not None:
        payload["connectorId"] = connector_id
    cursor = ctx.mark()
    result = await ask(ctx, name, "TriggerMessage", payload, connector_id)
    if result is None:
        return None
    status = result.get("status")
    if status != "Accepted":
        not_tested(
            ctx,
            name,
            f"answered {status}: 5.17 leaves it to the Charge Point whether to accept",
            (result.entry_id,),
            connector_id,
        )
        return None
    message = await watch(ctx, requested, where, cursor)
    if message is None:
        not_tested(
            ctx,
            name,
            f"Accepted, but no {requested} within {ctx.settings.timeouts.status:g} s: 5.17 says "
            "accepted messages SHOULD be sent, not SHALL",
            (result.entry_id,),
            connector_id,
        )
        return None
    ctx.check(
        message.valid,
        name,
        f"Accepted, then {requested}" + (f" ({message.violation})" if message.violation else ""),
        (result.call_entry_id, result.entry_id, message.entry_id),
        connector_id,
    )
    return message


@case(
    "CC_041_CS",
    "TriggerMessage BootNotification",
    "5.17, 4.2",
    """
TriggerMessage(BootNotification) is answered with a TriggerMessage.conf (5.17 SHALL); Rejected or NotImplemented is NOT TESTED
Accepted is followed by a BootNotification (5.17 SHOULD: none is NOT TESTED)""",
    PROFILE,
)
async def trigger_boot(ctx: CaseContext) -> str:
    told = await _simple(ctx, "BootNotification")
    return f"OK, {told}" if told else ""


async def _simple(ctx: CaseContext, requested: str) -> str:
    message = await trigger(ctx, requested)
    if message is None:
        return ""
    status = message.payload.get("status")
    return requested + (f" {status}" if status else "")


async def _meter_values(ctx: CaseContext) -> str:
    c = ctx.settings.connector
    configured = [
        m.strip()
        for m in (await configuration(ctx, "MeterValuesSampledData") or "").split(",")
        if m.strip()
    ]
    message = await trigger(ctx, "MeterValues", c, on(c))
    if message is None:
        return ""
    sent = {
        value.get("measurand", ENERGY)
        for meter_value in message.payload.get("meterValue", [])
        for value in meter_value.get("sampledValue", [])
    }
    missing = [m for m in configured if m not in sent]
    ctx.check(
        not missing,
        "the configured measurands are all there (5.17 SHALL)",
        f"{', '.join(sorted(sent))}"
        if not missing
        else f"missing {', '.join(missing)} of MeterValuesSampledData; 5.17: a triggered "
        "MeterValues SHALL return all measurands configured there",
        (message.entry_id,),
        c,
    )
    return f"MeterValues with {counted(len(sent), 'measurand')}"


async def _statuses(ctx: CaseContext) -> str:
    told = []
    for c in await ctx.connectors():
        message = await trigger(ctx, "StatusNotification", c, on(c))
        if message is not None:
            told.append(f"connector {c} {message.payload['status']}")
    return f"StatusNotification {', '.join(told)}" if told else ""


@case(
    "TC_054_CS",
    "Trigger Message",
    "5.17, 4.7, 4.6, 4.9, 4.4, 4.5",
    """
TriggerMessage(MeterValues) for a connector is answered (5.17 SHALL); Rejected or NotImplemented is NOT TESTED
The MeterValues it brings has every measurand configured in MeterValuesSampledData (5.17 SHALL)
TriggerMessage(Heartbeat) is answered (5.17 SHALL); Accepted is followed by a Heartbeat (5.17 SHOULD: none is NOT TESTED)
TriggerMessage(StatusNotification) for connector 0 and each connector is answered (5.17 SHALL); Accepted is followed by that connector's StatusNotification (SHOULD)
TriggerMessage(DiagnosticsStatusNotification) is answered (5.17 SHALL); Accepted is followed by one (SHOULD)
TriggerMessage(FirmwareStatusNotification) is answered (5.17 SHALL); Accepted is followed by one (SHOULD)""",
    PROFILE,
)
async def trigger_messages(ctx: CaseContext) -> str:
    told = [
        await _meter_values(ctx),
        await _simple(ctx, "Heartbeat"),
        await _statuses(ctx),
        await _simple(ctx, "DiagnosticsStatusNotification"),
        await _simple(ctx, "FirmwareStatusNotification"),
    ]
    done = [t for t in told if t]
    return f"OK, {'; '.join(done)}" if len(done) == len(told) else ""


@case(
    "TC_055_CS",
    "Trigger Message - Rejected",
    "5.17, 3.8",
    """
TriggerMessage(MeterValues) for a connector past the last is answered Rejected or NotImplemented (or a CALLERROR), not Accepted: the station cannot send MeterValues for it (3.8: connector ids MUST NOT exceed the number of connectors; 5.17 SHALL indicate whether it will send it)
No MeterValues for that connector (3.8 MUST)""",
    PROFILE,
)
async def trigger_unknown_connector(ctx: CaseContext) -> str:
    c = await unknown_connector(ctx)
    name = "not Accepted for an unknown connector"
    cursor = ctx.mark()
    try:
        result = await ctx.call(
            "TriggerMessage", {"requestedMessage": "MeterValues", "connectorId": c}
        )
    except CallErrorReceived as exc:
        ctx.check(True, name, f"CALLERROR {exc.code}", (exc.entry_id,), c)
        answer = f"CALLERROR {exc.code}"
    else:
        answer = str(result.get("status"))
        ctx.check(
            answer != "Accepted",
            name,
            answer
            if answer != "Accepted"
            else f"Accepted for connector {c}, which it does not have (3.8 MUST NOT report it)",
            (result.call_entry_id, result.entry_id),
            c,
        )
    sent = await watch(ctx, "MeterValues", on(c), cursor, ctx.settings.timeouts.negative)
    ctx.check(
        sent is None,
        "no MeterValues for it (3.8 MUST)",
        "none" if sent is None else f"MeterValues for connector {c}; 3.8 MUST NOT",
        (sent.entry_id,) if sent else (result.call_entry_id, result.entry_id),
        c,
    )
    return f"OK, {answer}"


CASES = [trigger_boot, trigger_messages, trigger_unknown_connector]
