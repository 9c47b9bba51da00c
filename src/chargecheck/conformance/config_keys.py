"""The standard configuration keys of OCPP 1.6 chapter 9, as a table.

Each key: its type (``int``, ``bool``, ``csl`` or ``string``), whether the spec marks
it read-only (``None`` where it allows either), and the feature profile that requires
it (``None`` when optional). Source: OCPP 1.6 sections 9.1 - 9.4, summarised in
``shared/reference/ocpp16-configuration-keys.md``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache

from chargecheck.protocol.actions import FEATURE_PROFILES
from chargecheck.protocol.schemas import schema_text

PROFILES = frozenset(FEATURE_PROFILES)


@dataclass(frozen=True, slots=True)
class KeySpec:
    name: str
    type: str
    readonly: bool | None
    required_by: str | None


def _keys(profile: str, rows: str) -> dict[str, KeySpec]:
    """Parse rows of ``name type flags`` (flags: R read-only, RW either, * required)."""
    table = {}
    for row in rows.strip().splitlines():
        name, kind, *flags = row.split()
        readonly: bool | None = False
        if "R" in flags:
            readonly = True
        if "R/RW" in flags:
            readonly = None
        required = profile if "*" in flags else None
        table[name] = KeySpec(name, kind, readonly, required)
    return table


KEYS: dict[str, KeySpec] = {
    **_keys(
        "Core",
        """
        AllowOfflineTxForUnknownId bool
        AuthorizationCacheEnabled bool
        AuthorizeRemoteTxRequests bool * R/RW
        BlinkRepeat int
        ClockAlignedDataInterval int *
        ConnectionTimeOut int *
        ConnectorPhaseRotation csl *
        ConnectorPhaseRotationMaxLength int R
        GetConfigurationMaxKeys int * R
        HeartbeatInterval int *
        LightIntensity int
        LocalAuthorizeOffline bool *
        LocalPreAuthorize bool *
        MaxEnergyOnInvalidId int
        MeterValuesAlignedData csl *
        MeterValuesAlignedDataMaxLength int R
        MeterValuesSampledData csl *
        MeterValuesSampledDataMaxLength int R
        MeterValueSampleInterval int *
        MinimumStatusDuration int
        NumberOfConnectors int * R
        ResetRetries int *
        StopTransactionOnEVSideDisconnect bool *
        StopTransactionOnInvalidId bool *
        StopTxnAlignedData csl *
        StopTxnAlignedDataMaxLength int R
        StopTxnSampledData csl *
        StopTxnSampledDataMaxLength int R
        SupportedFeatureProfiles csl * R
        SupportedFeatureProfilesMaxLength int R
        TransactionMessageAttempts int *
        TransactionMessageRetryInterval int *
        UnlockConnectorOnEVSideDisconnect bool *
        WebSocketPingInterval int
    """,
    ),
    **_keys(
        "LocalAuthListManagement",
        """
        LocalAuthListEnabled bool *
        LocalAuthListMaxLength int * R
        SendLocalListMaxLength int * R
    """,
    ),
    **_keys(
        "Reservation",
        """
        ReserveConnectorZeroSupported bool R
    """,
    ),
    **_keys(
        "SmartCharging",
        """
        ChargeProfileMaxStackLevel int * R
        ChargingScheduleAllowedChargingRateUnit csl * R
        ChargingScheduleMaxPeriods int * R
        ConnectorSwitch3to1PhaseSupported bool R
        MaxChargingProfilesInstalled int * R
    """,
    ),
}


def required_keys(profiles: set[str]) -> list[str]:
    """The keys the spec requires of a station claiming ``profiles`` (Core always)."""
    claimed = profiles | {"Core"}
    return [spec.name for spec in KEYS.values() if spec.required_by in claimed]


@cache
def measurands() -> frozenset[str]:
    """The Measurand values of OCPP 1.6 section 7, read from the MeterValues schema."""
    schema = json.loads(schema_text("MeterValues", False))
    sampled = schema["properties"]["meterValue"]["items"]["properties"]["sampledValue"]
    return frozenset(sampled["items"]["properties"]["measurand"]["enum"])


_PHASE_ROTATION = re.compile(r"(\d+\.)?(NotApplicable|Unknown|RST|RTS|SRT|STR|TRS|TSR)")

# What each item of a CSL key may be.
_MEMBERS = {
    "SupportedFeatureProfiles": lambda item: item in PROFILES,
    "ChargingScheduleAllowedChargingRateUnit": lambda item: item in ("Current", "Power"),
    "ConnectorPhaseRotation": lambda item: _PHASE_ROTATION.fullmatch(item) is not None,
    "MeterValuesAlignedData": lambda item: item in measurands(),
    "MeterValuesSampledData": lambda item: item in measurands(),
    "StopTxnAlignedData": lambda item: item in measurands(),
    "StopTxnSampledData": lambda item: item in measurands(),
}


def csl_items(value: str) -> list[str]:
    """The items of a comma-separated list; ``""`` is the empty list."""
    return [item.strip() for item in value.split(",")] if value.strip() else []


def type_problem(key: str, value: str) -> str | None:
    """Why ``value`` does not parse as the type of standard key ``key`` (None if it does)."""
    spec = KEYS.get(key)
    if spec is None:
        return None
    if spec.type == "int":
        digits = value[1:] if value[:1] == "-" else value
        return None if digits.isdigit() and digits.isascii() else "is not an integer"
    if spec.type == "bool":
        return None if value.lower() in ("true", "false") else "is not true or false"
    if spec.type == "csl":
        items = csl_items(value)
        if any(not item for item in items):
            return "is a comma-separated list with an empty item"
        member = _MEMBERS.get(key)
        wrong = [item for item in items if member is not None and not member(item)]
        if wrong:
            return f"lists {', '.join(repr(w) for w in wrong)}, not allowed for {key}"
    return None
