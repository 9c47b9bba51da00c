"""Row 17 - Clear cache, if applicable (OCPP 1.6 section 5.4).

The seed: "After sending the ClearCache, a message with status Accepted must be
received", for a station where clearing the cache applies. A station that does not
clear it (Rejected, or a CALLERROR) FAILs when it has an Authorization Cache
(AuthorizationCacheEnabled true, OCPP 1.6 section 9.1); without one the row is NOT
TESTED, "not applicable", as the seed's "(if applicable)" allows.
"""

from __future__ import annotations

from chargecheck.csms.errors import CallErrorReceived
from chargecheck.script.context import CaseContext
from chargecheck.script.runner import seed_case
from chargecheck.script.steps import configuration
from chargecheck.script.verdict import Outcome

NAME = "ClearCache Accepted"


async def run(ctx: CaseContext) -> str:
    evidence: tuple[int, ...]
    try:
        result = await ctx.call("ClearCache", {})
    except CallErrorReceived as exc:
        answer, evidence = str(exc), (exc.entry_id,)
    else:
        if result.get("status") == "Accepted":
            ctx.check(True, NAME, "answered Accepted", (result.call_entry_id, result.entry_id))
            return "OK"
        answer = f"answered {result.get('status')}"
        evidence = (result.call_entry_id, result.entry_id)
    enabled = await configuration(ctx, "AuthorizationCacheEnabled")
    if enabled is not None and enabled.strip().lower() == "true":
        ctx.check(False, NAME, f"{answer}, with AuthorizationCacheEnabled true", evidence)
    else:
        ctx.record(
            NAME,
            Outcome.NOT_TESTED,
            f"{answer}; not applicable: no Authorization Cache "
            f"(AuthorizationCacheEnabled {enabled or 'not reported'})",
            evidence,
        )
    return ""


CASE = seed_case(17, run)
