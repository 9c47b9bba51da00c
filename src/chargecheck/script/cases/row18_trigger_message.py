"""Row 18 - TriggerMessage (OCPP 1.6 section 5.17).

After booting, the bench asks with TriggerMessage for the status of connector 0 and of
every connector: each must be Accepted and followed by a StatusNotification of it.
"""

from __future__ import annotations

from chargecheck.script.context import CaseContext
from chargecheck.script.runner import seed_case
from chargecheck.script.steps import on_connector


async def run(ctx: CaseContext) -> str:
    connectors = await ctx.connectors()
    for c in connectors:
        name = "TriggerMessage(StatusNotification) gives the status"
        cursor = ctx.mark()
        result = await ctx.attempt(
            name,
            ctx.call(
                "TriggerMessage", {"requestedMessage": "StatusNotification", "connectorId": c}
            ),
            c,
        )
        if result is None:
            continue
        if not ctx.check(
            result.get("status") == "Accepted",
            "TriggerMessage Accepted",
            f"answered {result.get('status')}",
            (result.call_entry_id, result.entry_id),
            c,
        ):
            continue
        status = await ctx.attempt(
            name,
            ctx.expect("StatusNotification", on_connector(c), cursor=cursor),
            c,
        )
        if status is not None:
            ctx.check(
                True, name, status.payload["status"], (result.call_entry_id, status.entry_id), c
            )
    return f"OK, status of connectors {', '.join(map(str, connectors))}"


CASE = seed_case(18, run)
