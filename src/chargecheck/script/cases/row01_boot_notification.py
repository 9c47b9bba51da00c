"""Row 1 - Boot notification (OCPP 1.6 sections 4.2 and 6.3).

Acceptance criteria (seed): Receive a (not empty) BootNotification message, containing
chargePointModel and chargePointVendor (required by OCPP 1.6), and
chargePointSerialNumber, iccid, chargePointVendor, firmwareVersion and chargePointModel.

The second list is the operator's to set (``required_identity_fields``, by default the
seed's list): a charger without a modem has no iccid to send. The result names the
fields that were required and those that were missing.
"""

from __future__ import annotations

from typing import Any

from chargecheck.csms.session import Cursor, Message
from chargecheck.protocol.actions import BOOT_NOTIFICATION_FIELDS
from chargecheck.script.context import CaseContext
from chargecheck.script.runner import seed_case

# OCPP 1.6 section 6.3 (BootNotification.req): the two fields with cardinality 1..1.
OCPP_REQUIRED = ("chargePointVendor", "chargePointModel")


def _absent(payload: dict[str, Any], key: str) -> str | None:
    """Why ``key`` does not count as sent (None: it is there, a non-blank string)."""
    if key not in payload:
        return f"{key} is missing"
    value = payload[key]
    if not isinstance(value, str) or value.strip() == "":
        return f"{key} is empty"
    return None


def _latest_boot(ctx: CaseContext) -> Message | None:
    """The station's latest BootNotification, schema-valid or not: the content is judged
    here, the schema by the conformance checks (wire.schema)."""
    boots = ctx.session.received("BootNotification", Cursor())
    return boots[-1] if boots else None


async def run(ctx: CaseContext) -> str:
    boot = _latest_boot(ctx) or await ctx.expect(
        "BootNotification", timeout=ctx.settings.timeouts.boot, cursor=ctx.mark()
    )
    payload, ev = boot.payload, (boot.entry_id,)
    ctx.check(bool(payload), "a (not empty) BootNotification is received", boot.action, ev)
    # The seed: "containing chargePointModel and chargePointVendor (required by OCPP 1.6)".
    ocpp_problems = [p for p in (_absent(payload, k) for k in OCPP_REQUIRED) if p]
    ctx.check(
        not ocpp_problems,
        "contains chargePointVendor and chargePointModel (required by OCPP 1.6)",
        "; ".join(ocpp_problems) or ", ".join(f"{k}={payload[k]}" for k in OCPP_REQUIRED),
        ev,
    )
    # The seed's own list, or the operator's (settings: required_identity_fields).
    required = list(dict.fromkeys([*OCPP_REQUIRED, *ctx.settings.required_identity_fields]))
    problems = {k: p for k in required if (p := _absent(payload, k))}
    ctx.check(
        not problems,
        "contains the required identity fields",
        f"{'; '.join(problems.values()) or 'none missing'} (required: {', '.join(required)})",
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
    ctx.values.update(
        request=request,
        response=response,
        required_fields=required,
        missing_fields=list(problems),
    )
    return f"OK, required fields all present: {', '.join(required)}"


CASE = seed_case(1, run)
