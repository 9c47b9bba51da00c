"""Row 9 - Reset CS, hard and soft (OCPP 1.6 sections 5.14, 4.2, 4.9 and 5.17).

For each type the seed asks that the station "comes online after reset (BootNotification
message, StatusNotification message, etc.)". What each FAIL rests on:

- Reset Accepted: the seed (a station that refuses the reset cannot come online after
  it); OCPP 1.6 section 5.14 lets it answer Rejected, so the detail says which it was.
- a BootNotification after the reset: OCPP 1.6 section 4.2, "The Charge Point SHALL send
  a BootNotification.req PDU each time it boots or reboots", and section 5.14 (both
  resets end in a reboot or in "a state that behaves as just having been booted").
- a status for connector 0 and each connector: the seed's "StatusNotification message".
  OCPP 1.6 has no SHALL that a station reports every connector after a boot (section
  4.2 says nothing of it; section 4.9 has the station report status changes), so the
  bench waits ``timeouts.status`` for the statuses the station sends unasked, then asks
  each connector still silent with TriggerMessage(StatusNotification) (section 5.17).
  A connector that reports only when asked PASSes, with that in its detail (and the
  conformance rule ``status.after_boot`` makes it a warning finding); one that reports
  nothing even when asked FAILs.
"""

from __future__ import annotations

from chargecheck.csms.session import Cursor
from chargecheck.script.context import CaseContext
from chargecheck.script.runner import seed_case
from chargecheck.script.steps import ask_status, await_statuses, make_idle


async def run(ctx: CaseContext) -> str:
    await make_idle(ctx)
    connectors = await ctx.connectors()
    asked: list[str] = []
    for kind in ("Hard", "Soft"):
        asked += await _reset(ctx, kind, connectors)
    if asked:
        return f"OK, reported only when asked after reset: {', '.join(asked)}"
    return "OK"


async def _reset(ctx: CaseContext, kind: str, connectors: list[int]) -> list[str]:
    """Reset, then judge the boot and each connector's status; returns the connectors
    that reported only when asked ("Hard: connector 0")."""
    name = f"{kind} reset: the station comes online again"
    cursor, sent = ctx.mark(), ctx.session.clock.mono()
    result = await ctx.attempt(name, ctx.call("Reset", {"type": kind}))
    if result is None:
        return []
    if not ctx.check(
        result.get("status") == "Accepted",
        f"{kind} reset Accepted",
        f"answered {result.get('status')}",
        (result.call_entry_id, result.entry_id),
    ):
        return []
    # OCPP 1.6 section 4.2: "SHALL send a BootNotification.req PDU each time it ... reboots".
    boot = await ctx.attempt(
        name, ctx.expect("BootNotification", cursor=cursor, timeout=ctx.settings.timeouts.reboot)
    )
    if boot is None:
        return []
    ctx.check(
        True,
        f"{kind} reset: BootNotification",
        f"after {boot.mono - sent:.1f} s",
        (result.call_entry_id, boot.entry_id),
    )
    # The seed's "StatusNotification message": unasked within the wait, else when asked.
    name = f"{kind} reset: StatusNotification"
    unasked = await await_statuses(
        ctx, connectors, Cursor(boot.index), ctx.settings.timeouts.status
    )
    asked = []
    for connector_id in connectors:
        status = unasked.get(connector_id)
        if status is not None:
            ctx.check(True, name, status.payload["status"], (status.entry_id,), connector_id)
            continue
        reply = await ask_status(ctx, connector_id)
        ctx.check(
            reply.status is not None,
            name,
            f"none within {ctx.settings.timeouts.status:g} s of the BootNotification; "
            + (reply.detail if reply.status else f"none even when asked: {reply.detail}"),
            reply.evidence,
            connector_id,
        )
        if reply.status is not None:
            asked.append(f"{kind}: connector {connector_id}")
    return asked


CASE = seed_case(9, run)
