"""Row 9 - Reset CS, hard and soft (OCPP 1.6 section 5.14).

For each type: Reset must be Accepted, then the station must come online again: a new
BootNotification, and a StatusNotification for connector 0 and every connector after it.
"""

from __future__ import annotations

from chargecheck.script.context import CaseContext
from chargecheck.script.runner import seed_case
from chargecheck.script.steps import make_idle, on_connector


async def run(ctx: CaseContext) -> str:
    await make_idle(ctx)
    connectors = await ctx.connectors()
    for kind in ("Hard", "Soft"):
        await _reset(ctx, kind, connectors)
    return "OK"


async def _reset(ctx: CaseContext, kind: str, connectors: list[int]) -> None:
    name = f"{kind} reset: the station comes online again"
    cursor, sent = ctx.mark(), ctx.session.clock.mono()
    result = await ctx.attempt(name, ctx.call("Reset", {"type": kind}))
    if result is None:
        return
    if not ctx.check(
        result.get("status") == "Accepted",
        f"{kind} reset Accepted",
        f"status {result.get('status')}",
        (result.entry_id,),
    ):
        return
    boot = await ctx.attempt(
        name, ctx.expect("BootNotification", cursor=cursor, timeout=ctx.settings.timeouts.reboot)
    )
    if boot is None:
        return
    ctx.check(
        True,
        f"{kind} reset: BootNotification",
        f"after {boot.mono - sent:.1f} s",
        (result.call_entry_id, boot.entry_id),
    )
    after = ctx.session.mark()
    after.start = boot.index
    for connector_id in connectors:
        status = await ctx.attempt(
            f"{kind} reset: StatusNotification",
            ctx.expect("StatusNotification", on_connector(connector_id), cursor=after),
            connector_id,
        )
        if status is not None:
            ctx.check(
                True,
                f"{kind} reset: StatusNotification",
                status.payload["status"],
                (status.entry_id,),
                connector_id,
            )


CASE = seed_case(9, run)
