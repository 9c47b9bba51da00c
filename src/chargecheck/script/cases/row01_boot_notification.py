"""Row 1 - Boot notification.

Acceptance criteria (seed): Receive a (not empty) BootNotification message, containing
chargePointModel and chargePointVendor (required by OCPP 1.6), and
chargePointSerialNumber, iccid, chargePointVendor, firmwareVersion and chargePointModel.
"""

from __future__ import annotations

from chargecheck.csms.session import Cursor
from chargecheck.protocol.actions import BOOT_NOTIFICATION_FIELDS
from chargecheck.script.context import CaseContext
from chargecheck.script.runner import seed_case

REQUIRED = ("chargePointModel", "chargePointVendor")  # OCPP 1.6 section 6.2
ASKED = ("chargePointSerialNumber", "iccid", "firmwareVersion")  # by the seed


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
    reply = ctx.session.replies.get(boot.index, {})  # the bench's own answer: shown, not judged
    request = {key: str(payload.get(key, "unset")) for key in BOOT_NOTIFICATION_FIELDS}
    response = {
        "status": reply.get("status"),
        "interval": reply.get("interval"),
        "currentTime": reply.get("currentTime"),
    }
    # The reports show these as the seed does ("Request values: ... Response values: ...").
    ctx.values.update(request=request, response=response)
    return "OK"


CASE = seed_case(1, run)
