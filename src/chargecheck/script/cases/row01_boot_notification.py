"""Row 1 - Boot notification.

Acceptance criteria (seed): Receive a (not empty) BootNotification message, containing
chargePointModel and chargePointVendor (required by OCPP 1.6), and
chargePointSerialNumber, iccid, chargePointVendor, firmwareVersion and chargePointModel.
"""

from __future__ import annotations

from datetime import datetime

from chargecheck.csms.session import Cursor
from chargecheck.script.context import CaseContext
from chargecheck.script.runner import seed_case

# The fields the seed's report shows, in its order.
REPORTED = (
    "chargePointVendor",
    "chargePointModel",
    "chargePointSerialNumber",
    "chargeBoxSerialNumber",
    "firmwareVersion",
    "iccid",
    "imsi",
    "meterType",
    "meterSerialNumber",
)
REQUIRED = ("chargePointModel", "chargePointVendor")  # OCPP 1.6 section 6.2
ASKED = ("chargePointSerialNumber", "iccid", "firmwareVersion")  # by the seed


def system_time(text: str) -> str:
    """The seed's "2/18/2020 2:28:27 PM (UTC)" form of an OCPP timestamp."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    hour = moment.hour % 12 or 12
    half = "AM" if moment.hour < 12 else "PM"
    return (
        f"{moment.month}/{moment.day}/{moment.year} {hour}:{moment.minute:02d}:"
        f"{moment.second:02d} {half} (UTC)"
    )


async def run(ctx: CaseContext) -> str:
    boots = [m for m in ctx.session.received("BootNotification", Cursor()) if m.valid]
    boot = (
        boots[-1]
        if boots
        else await ctx.expect(
            "BootNotification", timeout=ctx.settings.timeouts.boot, cursor=ctx.mark()
        )
    )
    payload, ev = boot.payload, (boot.entry_id,)
    ctx.check(bool(payload), "a (not empty) BootNotification is received", boot.action, ev)
    for key in REQUIRED + ASKED:
        value = payload.get(key)
        ctx.check(
            isinstance(value, str) and value.strip() != "",
            f"contains {key}",
            f"{key}={value}" if value else f"{key} is missing",
            ev,
        )
    reply = ctx.session.replies.get(boot.index, {})
    ctx.check(
        reply.get("status") == "Accepted",
        "the bench accepted the station",
        f"status {reply.get('status')}",
        ev,
    )
    request = {key: str(payload.get(key, "unset")) for key in REPORTED}
    response = {
        "status": reply.get("status"),
        "interval": reply.get("interval"),
        "currentTime": reply.get("currentTime"),
    }
    ctx.values.update(request=request, response=response)
    values = ", ".join(f"{k}={v}" for k, v in request.items())
    return (
        f"Request values: {values} Response values: Status: {response['status']}; "
        f"Heartbeat Interval: {response['interval']}, System Time: "
        f"{system_time(str(response['currentTime']))}"
    )


CASE = seed_case(1, run)
