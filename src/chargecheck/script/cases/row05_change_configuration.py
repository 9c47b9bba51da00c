"""Row 5 - Set configuration (OCPP 1.6 section 5.3).

For each item of the settings' ``configuration_changes``: ChangeConfiguration must be
answered Accepted (not Rejected, RebootRequired or NotSupported) and GetConfiguration
must then read the new value back.
"""

from __future__ import annotations

from chargecheck.script.context import CaseContext
from chargecheck.script.runner import seed_case
from chargecheck.script.steps import configuration_read


async def run(ctx: CaseContext) -> str:
    done = []
    for key, value in ctx.settings.configuration_changes.items():
        name = f"ChangeConfiguration {key} Accepted"
        result = await ctx.attempt(
            name, ctx.call("ChangeConfiguration", {"key": key, "value": value})
        )
        if result is None:
            continue
        status = result.get("status")
        if not ctx.check(
            status == "Accepted",
            name,
            f"{key}={value} answered {status}",
            (result.call_entry_id, result.entry_id),
        ):
            continue
        read, evidence = await configuration_read(ctx, key)
        said = f"GetConfiguration gives {read}" if read is not None else f"{key} not reported"
        if ctx.check(read == value, f"{key} reads back {value}", said, evidence):
            done.append(f"{key} set to {value}")
    return "OK, " + ", ".join(done)


CASE = seed_case(5, run)
