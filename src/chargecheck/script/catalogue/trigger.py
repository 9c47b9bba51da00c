# ruff: noqa: E501  (a criterion is one line: one bullet of the report)
"""TriggerMessage, one case per requested message: Remote Trigger profile cases (OCPP
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
    CatalogueCase,
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


def _simple(number: int, requested: str, section: str) -> CatalogueCase:
    @case(
        f"TC_0{number}_CS",
        f"TriggerMessage {requested}",
        f"5.17, {section}",
        f"""
TriggerMessage({requested}) is answered with a TriggerMessage.conf (5.17 SHALL); Rejected or NotImplemented is NOT TESTED
Accepted is followed by a {requested} (5.17 SHOULD: none is NOT TESTED)""",
        PROFILE,
    )
    async def run(ctx: CaseContext) -> str:
        message = await trigger(ctx, requested)
        if message is None:
            return ""
        status = message.payload.get("status")
        return f"OK, {requested}" + (f" {status}" if status else "")

    return run


TC_041 = _simple(41, "BootNotification", "4.2")
TC_042 = _simple(42, "Heartbeat", "4.6")


@case(
    "TC_043_CS",
    "TriggerMessage MeterValues",
    "5.17, 4.7",
    """
TriggerMessage(MeterValues) for a connector is answered (5.17 SHALL); Rejected or NotImplemented is NOT TESTED
The MeterValues it brings has every measurand configured in MeterValuesSampledData (5.17 SHALL)""",
    PROFILE,
)
async def trigger_meter_values(ctx: CaseContext) -> str:
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
    return f"OK, {counted(len(sent), 'measurand')}"


@case(
    "TC_044_CS",
    "TriggerMessage StatusNotification",
    "5.17, 4.9",
    """
TriggerMessage(StatusNotification) for connector 0 and each connector is answered (5.17 SHALL); Rejected or NotImplemented is NOT TESTED
Accepted is followed by that connector's StatusNotification (5.17 SHOULD: none is NOT TESTED)""",
    PROFILE,
)
async def trigger_status(ctx: CaseContext) -> str:
    told = []
    for c in await ctx.connectors():
        message = await trigger(ctx, "StatusNotification", c, on(c))
        if message is not None:
            told.append(f"connector {c} {message.payload['status']}")
    return f"OK, {', '.join(told)}"


TC_045 = _simple(45, "DiagnosticsStatusNotification", "4.4")
TC_046 = _simple(46, "FirmwareStatusNotification", "4.5")


@case(
    "TC_047_CS",
    "TriggerMessage for a connector the station does not have",
    "5.17, 3.8",
    """
TriggerMessage(StatusNotification) for a connector past the last is answered Rejected or NotImplemented (or a CALLERROR), not Accepted: the station cannot send a StatusNotification for it (3.8: connector ids MUST NOT exceed the number of connectors; 5.17 SHALL indicate whether it will send it)
No StatusNotification for that connector (3.8 MUST)""",
    PROFILE,
)
async def trigger_unknown_connector(ctx: CaseContext) -> str:
    c = await unknown_connector(ctx)
    name = "not Accepted for an unknown connector"
    cursor = ctx.mark()
    try:
        result = await ctx.call(
            "TriggerMessage", {"requestedMessage": "StatusNotification", "connectorId": c}
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
    sent = await watch(ctx, "StatusNotification", on(c), cursor, ctx.settings.timeouts.negative)
    ctx.check(
        sent is None,
        "no StatusNotification for it (3.8 MUST)",
        "none" if sent is None else f"StatusNotification for connector {c}; 3.8 MUST NOT",
        (sent.entry_id,) if sent else (result.call_entry_id, result.entry_id),
        c,
    )
    return f"OK, {answer}"


CASES = [
    TC_041,
    TC_042,
    trigger_meter_values,
    trigger_status,
    TC_045,
    TC_046,
    trigger_unknown_connector,
]
