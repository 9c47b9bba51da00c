"""Row 14 - Set charging profile (OCPP 1.6 sections 5.16, 3.13).

For every connector: SetChargingProfile with a TxDefaultProfile (absolute, starting now,
the settings' current limit) must be answered Accepted (the seed: "After sending
SetChargingProfile (per connector) a message with status Accepted must be received").
The profiles are cleared after, which is not judged.

The bench reads the station's capabilities, never the seed's charger: the profile is in
the unit ChargingScheduleAllowedChargingRateUnit allows (A, else W: section 9.4), and a
station that does not claim the optional SmartCharging profile (section 3.3:
SupportedFeatureProfiles) is NOT TESTED, not FAIL.
"""

from __future__ import annotations

from contextlib import suppress

from chargecheck.csms.errors import SessionError
from chargecheck.script.context import CaseContext
from chargecheck.script.runner import seed_case
from chargecheck.script.steps import in_unit, rate_unit, smart_charging_claimed
from chargecheck.wording import counted

PROFILE_ID_BASE = 9140


def tx_default_profile(
    profile_id: int, limit: float, start: str, unit: str = "A"
) -> dict[str, object]:
    return {
        "chargingProfileId": profile_id,
        "stackLevel": 0,
        "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Absolute",
        "chargingSchedule": {
            "startSchedule": start,
            "chargingRateUnit": unit,
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": limit}],
        },
    }


async def run(ctx: CaseContext) -> str:
    connectors = await ctx.outlets()  # none: ctx.connectors() has failed the row
    if not await smart_charging_claimed(ctx):
        return ""
    unit = await rate_unit(ctx)
    limit = in_unit(ctx.settings.charging_limit_a, unit)
    accepted = 0
    for c in connectors:
        name = "SetChargingProfile Accepted"
        profile = tx_default_profile(PROFILE_ID_BASE + c, limit, ctx.session.clock.utc_text(), unit)
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
            f"a TxDefaultProfile of {limit:g} {unit} answered {result.get('status')}",
            (result.call_entry_id, result.entry_id),
            c,
        ):
            accepted += 1
            # Clean-up, not a criterion: the seed asks only for the Accepted.
            with suppress(SessionError):
                await ctx.call("ClearChargingProfile", {"id": PROFILE_ID_BASE + c})
    accept = "accepts" if accepted == 1 else "accept"
    return f"OK, {counted(accepted, 'connector')} {accept} a {limit:g} {unit} profile"


CASE = seed_case(14, run)
