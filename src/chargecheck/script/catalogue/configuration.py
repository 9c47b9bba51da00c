# ruff: noqa: E501  (a criterion is one line: one bullet of the report)
"""GetConfiguration and ChangeConfiguration: Core profile cases (OCPP 1.6 sections 5.8,
5.3 and the standard keys of chapter 9)."""

from __future__ import annotations

from typing import Any

from chargecheck.script.catalogue.base import answered, ask, ask_expecting, case, not_tested
from chargecheck.script.context import CaseContext
from chargecheck.script.steps import change_configuration, configuration
from chargecheck.wording import counted

# Chapter 9: the keys each profile marks required (9.1 Core, 9.2 Local Auth List
# Management); Smart Charging's by section 3.13.5 ("SHALL implement, and support
# reporting of").
REQUIRED_KEYS: dict[str, tuple[str, ...]] = {
    "Core": (
        "AuthorizeRemoteTxRequests",
        "ClockAlignedDataInterval",
        "ConnectionTimeOut",
        "ConnectorPhaseRotation",
        "GetConfigurationMaxKeys",
        "HeartbeatInterval",
        "LocalAuthorizeOffline",
        "LocalPreAuthorize",
        "MeterValuesAlignedData",
        "MeterValuesSampledData",
        "MeterValueSampleInterval",
        "NumberOfConnectors",
        "ResetRetries",
        "StopTransactionOnEVSideDisconnect",
        "StopTransactionOnInvalidId",
        "StopTxnAlignedData",
        "StopTxnSampledData",
        "SupportedFeatureProfiles",
        "TransactionMessageAttempts",
        "TransactionMessageRetryInterval",
        "UnlockConnectorOnEVSideDisconnect",
    ),
    "LocalAuthListManagement": (
        "LocalAuthListEnabled",
        "LocalAuthListMaxLength",
        "SendLocalListMaxLength",
    ),
    "SmartCharging": (
        "ChargeProfileMaxStackLevel",
        "ChargingScheduleAllowedChargingRateUnit",
        "ChargingScheduleMaxPeriods",
        "MaxChargingProfilesInstalled",
    ),
}
UNKNOWN_KEY = "ChargecheckNoSuchKey"
# Writable keys whose change harms no later case, tried in this order.
WRITABLE = ("HeartbeatInterval", "BlinkRepeat", "LightIntensity", "ResetRetries")


async def all_keys(ctx: CaseContext) -> list[dict[str, Any]] | None:
    result = await ask(ctx, "GetConfiguration of all keys", "GetConfiguration", {})
    return None if result is None else list(result.get("configurationKey", []))


@case(
    "TC_019_CS",
    "Retrieve configuration",
    "5.8, 9, 3.13.5",
    """
GetConfiguration without keys returns all configuration settings (5.8 SHALL)
They include every key chapter 9 marks required for Core and for each profile the station claims (9.1, 9.2; 3.13.5 SHALL for Smart Charging)""",
)
async def get_all(ctx: CaseContext) -> str:
    result = await ask(ctx, "GetConfiguration of all keys", "GetConfiguration", {})
    if result is None:
        return ""
    keys: list[dict[str, Any]] = list(result.get("configurationKey", []))
    evidence = (result.call_entry_id, result.entry_id)
    names = {k.get("key") for k in keys}
    claimed = {
        p.strip()
        for p in next(
            (str(k.get("value", "")) for k in keys if k.get("key") == "SupportedFeatureProfiles"),
            "",
        ).split(",")
    }
    for profile, required in REQUIRED_KEYS.items():
        if profile != "Core" and profile not in claimed:
            continue
        missing = [k for k in required if k not in names]
        ctx.check(
            not missing,
            f"the required {profile} keys are reported",
            f"missing {', '.join(missing)}; chapter 9 marks them required and 5.8 SHALL return "
            "all settings"
            if missing
            else counted(len(required), "key"),
            evidence,
        )
    return f"OK, {counted(len(keys), 'key')}"


@case(
    "CC_008_CS",
    "GetConfiguration of an unknown key",
    "5.8",
    """
A key the station does not know comes back in unknownKey (5.8 SHALL), not in configurationKey""",
)
async def get_unknown(ctx: CaseContext) -> str:
    name = "the unknown key is in unknownKey"
    result = await ask(ctx, name, "GetConfiguration", {"key": [UNKNOWN_KEY]})
    if result is None:
        return ""
    listed = UNKNOWN_KEY in result.get("unknownKey", [])
    known = [k for k in result.get("configurationKey", []) if k.get("key") == UNKNOWN_KEY]
    said = f"unknownKey {', '.join(map(str, result.get('unknownKey', []))) or 'empty'}"
    if known:
        said += f", and configurationKey lists {UNKNOWN_KEY}"
    ctx.check(
        listed and not known,
        name,
        said
        if listed and not known
        else f"{said}; 5.8: unrecognized keys SHALL be placed in unknownKey",
        (result.call_entry_id, result.entry_id),
    )
    return "OK, reported unknown"


@case(
    "TC_021_CS",
    "Change/set Configuration",
    "5.3, 5.8",
    """
A writable standard key the station reports is not answered NotSupported (5.3 SHALL: NotSupported only for a key it does not support)
Accepted means the new value is in effect: GetConfiguration reports it (5.3 SHALL answer Accepted only when applied)
Rejected or RebootRequired: NOT TESTED (the station may refuse a value)""",
)
async def change_writable(ctx: CaseContext) -> str:
    keys = await all_keys(ctx)
    if keys is None:
        return ""
    writable = {k["key"]: k.get("value") for k in keys if k.get("readonly") is False and "key" in k}
    chosen = next((k for k in WRITABLE if k in writable and _int(writable[k]) is not None), None)
    name = "ChangeConfiguration of a writable key"
    if chosen is None:
        not_tested(ctx, name, f"none of {', '.join(WRITABLE)} is reported writable with a number")
        return ""
    old = str(writable[chosen])
    new = str((_int(old) or 0) + 1)
    result = await ask(ctx, name, "ChangeConfiguration", {"key": chosen, "value": new})
    if result is None:
        return ""
    try:
        status = result.get("status")
        if not answered(
            ctx,
            f"{chosen} is not NotSupported",
            result,
            ("Accepted", "RebootRequired", "Rejected"),
            f"{chosen} is reported writable, so 5.3's NotSupported does not apply",
        ):
            return ""
        if status != "Accepted":
            said = f"{chosen}={new} answered {status} (5.3 lets the station refuse a value)"
            not_tested(ctx, name, said, (result.call_entry_id, result.entry_id))
            return ""
        now = await configuration(ctx, chosen)
        ctx.check(
            now == new,
            "the Accepted value is in effect",
            f"{chosen} reads {now}"
            if now == new
            else f"{chosen} reads {now if now is not None else 'nothing (not reported)'} after "
            f"Accepted {new}; 5.3: Accepted SHALL mean applied",
            (result.call_entry_id, result.entry_id),
        )
    finally:
        if result.get("status") in ("Accepted", "RebootRequired"):
            await change_configuration(ctx, chosen, old)
    return f"OK, {chosen} {old} -> {new} and back"


def _int(value: Any) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None


@case(
    "CC_010_CS",
    "ChangeConfiguration of a read-only key",
    "5.3, 5.8",
    """
ChangeConfiguration of a key the station reports read-only is answered Rejected (5.3 SHALL: it is supported, so not NotSupported, and it cannot be set)
Its value is unchanged afterwards""",
)
async def change_read_only(ctx: CaseContext) -> str:
    keys = await all_keys(ctx)
    if keys is None:
        return ""
    read_only = [k for k in keys if k.get("readonly") is True and "value" in k]
    preferred = [k for k in read_only if k.get("key") == "NumberOfConnectors"]
    name = "read-only key: Rejected"
    if not (preferred or read_only):
        not_tested(ctx, name, "the station reports no read-only key with a value")
        return ""
    key = (preferred or read_only)[0]
    old = str(key["value"])
    number = _int(old)
    new = str(number + 1) if number is not None else old + "X"
    result = await ask_expecting(
        ctx,
        name,
        "ChangeConfiguration",
        {"key": key["key"], "value": new},
        ("Rejected",),
        f"{key['key']} is reported read-only: it cannot be set and is supported (5.3 SHALL "
        "answer Rejected)",
    )
    if result is None:
        return ""
    now = await configuration(ctx, key["key"])
    ctx.check(
        now == old,
        "the read-only value is unchanged",
        f"{key['key']} reads {now if now is not None else 'nothing (not reported)'}"
        + ("" if now == old else f", was {old}"),
        (result.call_entry_id, result.entry_id),
    )
    if now != old and now is not None:
        await change_configuration(ctx, key["key"], old)
    return f"OK, {key['key']} Rejected"


@case(
    "TC_040_1_CS",
    "Configuration key - NotSupported",
    "5.3",
    """
ChangeConfiguration of a key the station does not support is answered NotSupported (5.3 SHALL)""",
)
async def change_unknown(ctx: CaseContext) -> str:
    name = "unknown key: NotSupported"
    result = await ask_expecting(
        ctx,
        name,
        "ChangeConfiguration",
        {"key": UNKNOWN_KEY, "value": "1"},
        ("NotSupported",),
        "5.3: a key that does not correspond to a supported setting SHALL be answered NotSupported",
    )
    if result is None:
        return ""
    return "OK, NotSupported"


CASES = [get_all, get_unknown, change_writable, change_read_only, change_unknown]
