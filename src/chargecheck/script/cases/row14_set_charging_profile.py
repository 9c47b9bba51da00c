"""Row 14 - Set charging profile (OCPP 1.6 sections 5.16, 3.13).

For every connector: SetChargingProfile with a TxDefaultProfile (absolute, starting now,
the settings' current limit) must be answered Accepted (the seed: "After sending
SetChargingProfile (per connector) a message with status Accepted must be received").
The profiles are cleared after, which is not judged.
"""

from __future__ import annotations

from contextlib import suppress

from chargecheck.csms.errors import SessionError
from chargecheck.script.context import CaseContext
from chargecheck.script.runner import seed_case

PROFILE_ID_BASE = 9140


def tx_default_profile(profile_id: int, limit_a: float, start: str) -> dict[str, object]:
    return {
        "chargingProfileId": profile_id,
        "stackLevel": 0,
        "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Absolute",
        "chargingSchedule": {
            "startSchedule": start,
            "chargingRateUnit": "A",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": limit_a}],
        },
    }


async def run(ctx: CaseContext) -> str:
    connectors = await ctx.outlets()  # none: ctx.connectors() has failed the row
    limit = ctx.settings.charging_limit_a
    accepted = 0
    for c in connectors:
        name = "SetChargingProfile Accepted"
        profile = tx_default_profile(PROFILE_ID_BASE + c, limit, ctx.session.clock.utc_text())
        result = await ctx.attempt(
            name,
            ctx.call("SetChargingProfile", {"connectorId": c, "csChargingProfiles": profile}),
            c,
        )
        if result is None:
            continue
        if ctx.check(
            result.get("status") == "Accepted",
            name,
            f"TxDefaultProfile {limit:g} A: {result.get('status')}",
            (result.call_entry_id, result.entry_id),
            c,
        ):
            accepted += 1
            # Clean-up, not a criterion: the seed asks only for the Accepted.
            with suppress(SessionError):
                await ctx.call("ClearChargingProfile", {"id": PROFILE_ID_BASE + c})
    return f"OK, {accepted} connectors accept a {limit:g} A profile"


CASE = seed_case(14, run)
