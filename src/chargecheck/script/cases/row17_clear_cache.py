"""Row 17 - Clear cache (OCPP 1.6 section 5.4): ClearCache must be answered Accepted."""

from __future__ import annotations

from chargecheck.script.context import CaseContext
from chargecheck.script.runner import seed_case


async def run(ctx: CaseContext) -> str:
    result = await ctx.call("ClearCache", {})
    ctx.check(
        result.get("status") == "Accepted",
        "ClearCache Accepted",
        f"status {result.get('status')}",
        (result.call_entry_id, result.entry_id),
    )
    return "OK"


CASE = seed_case(17, run)
