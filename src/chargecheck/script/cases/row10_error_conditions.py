"""Row 10 - Hardware notifications and error conditions (OCPP 1.6 sections 4.9, 7.6).

The operator creates an error on the connector, then on the station itself: each must be
reported by a StatusNotification of that connector (connector 0 for the station) with an
errorCode other than NoError; once the error is removed, a StatusNotification with
NoError must follow.
"""

from __future__ import annotations

from chargecheck.script.context import CaseContext
from chargecheck.script.operator import StepKind
from chargecheck.script.runner import seed_case
from chargecheck.script.steps import make_idle


async def run(ctx: CaseContext) -> str:
    await make_idle(ctx)
    reported = []
    for connector_id in [*await ctx.outlets(), 0]:
        code = await _error(ctx, connector_id)
        if code:
            reported.append(f"{code} on connector {connector_id}")
    return "OK, " + ", ".join(reported)


async def _error(ctx: CaseContext, c: int) -> str | None:
    where = "the station (connector 0)" if c == 0 else f"connector {c}"
    name = f"an error on {where} is reported in a StatusNotification"
    cursor = ctx.mark()
    if not await ctx.physical(StepKind.CREATE_ERROR, c, name):
        return None
    error = await ctx.attempt(
        name,
        ctx.expect(
            "StatusNotification",
            lambda p: p["connectorId"] == c and p["errorCode"] != "NoError",
            cursor=cursor,
        ),
        c,
    )
    if error is None:
        return None
    p = error.payload
    detail = f"{p['status']}, errorCode {p['errorCode']}" + "".join(
        f", {k} {p[k]}" for k in ("info", "vendorErrorCode") if k in p
    )
    ctx.check(True, name, detail, (error.entry_id,), c)
    cleared = ctx.mark()
    if not await ctx.physical(StepKind.CLEAR_ERROR, c, f"{where} recovers from the error"):
        return str(p["errorCode"])
    back = await ctx.attempt(
        f"{where} recovers from the error",
        ctx.expect(
            "StatusNotification",
            lambda q: q["connectorId"] == c and q["errorCode"] == "NoError",
            cursor=cleared,
        ),
        c,
    )
    if back is not None:
        ctx.check(
            True, f"{where} recovers from the error", back.payload["status"], (back.entry_id,), c
        )
    return str(p["errorCode"])


CASE = seed_case(10, run)
