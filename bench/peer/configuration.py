"""The peer station's configuration keys (OCPP 1.6 chapter 9) and how it answers
ChangeConfiguration (section 5.3): the keys its feature profiles require, no vendor keys.

A value is checked as the station would: integers are non-negative and fit in 32 bits,
booleans are ``true``/``false``, and a measurand list may name only what its meter
measures; a read-only key is Rejected and an unknown key NotSupported.
"""

from __future__ import annotations

from dataclasses import dataclass

FEATURE_PROFILES = "Core,FirmwareManagement,LocalAuthListManagement,RemoteTrigger,SmartCharging"

# What the meter measures (a three-phase MID meter behind each socket).
MEASURANDS = frozenset(
    {
        "Energy.Active.Import.Register",
        "Voltage",
        "Current.Import",
        "Current.Offered",
        "Power.Active.Import",
        "Power.Offered",
    }
)
MEASURAND_KEYS = {
    "MeterValuesAlignedData",
    "MeterValuesSampledData",
    "StopTxnAlignedData",
    "StopTxnSampledData",
}
MAX_MEASURANDS = 6  # the *MaxLength keys
INTEGER_KEYS = {
    "ClockAlignedDataInterval",
    "ConnectionTimeOut",
    "HeartbeatInterval",
    "MeterValueSampleInterval",
    "ResetRetries",
    "TransactionMessageAttempts",
    "TransactionMessageRetryInterval",
}
BOOLEAN_KEYS = {
    "AuthorizeRemoteTxRequests",
    "LocalAuthListEnabled",
    "LocalAuthorizeOffline",
    "LocalPreAuthorize",
    "StopTransactionOnEVSideDisconnect",
    "StopTransactionOnInvalidId",
    "UnlockConnectorOnEVSideDisconnect",
    "AuthorizationCacheEnabled",
}


def default_keys(connectors: int, authorize_remote: bool) -> dict[str, tuple[str, bool]]:
    """key -> (value, readonly): what sections 9.1, 9.3 and 9.4 require of the claimed
    feature profiles, plus AuthorizationCacheEnabled (the station keeps a cache)."""
    energy = "Energy.Active.Import.Register"
    return {
        "AuthorizationCacheEnabled": ("true", False),
        "AuthorizeRemoteTxRequests": (str(authorize_remote).lower(), False),
        "ChargeProfileMaxStackLevel": ("8", True),
        "ChargingScheduleAllowedChargingRateUnit": ("Current,Power", True),
        "ChargingScheduleMaxPeriods": ("24", True),
        "ClockAlignedDataInterval": ("0", False),
        "ConnectionTimeOut": ("60", False),
        "ConnectorPhaseRotation": (",".join(f"{c}.RST" for c in range(1, connectors + 1)), False),
        "GetConfigurationMaxKeys": ("50", True),
        "HeartbeatInterval": ("300", False),
        "LocalAuthListEnabled": ("true", False),
        "LocalAuthListMaxLength": ("100", True),
        "LocalAuthorizeOffline": ("true", False),
        "LocalPreAuthorize": ("false", False),
        "MaxChargingProfilesInstalled": ("16", True),
        "MeterValuesAlignedData": (energy, False),
        "MeterValuesAlignedDataMaxLength": (str(MAX_MEASURANDS), True),
        "MeterValueSampleInterval": ("30", False),
        "MeterValuesSampledData": (energy, False),
        "MeterValuesSampledDataMaxLength": (str(MAX_MEASURANDS), True),
        "NumberOfConnectors": (str(connectors), True),
        "ResetRetries": ("3", False),
        "SendLocalListMaxLength": ("20", True),
        "StopTransactionOnEVSideDisconnect": ("true", False),
        "StopTransactionOnInvalidId": ("true", False),
        "StopTxnAlignedData": (energy, False),
        "StopTxnAlignedDataMaxLength": (str(MAX_MEASURANDS), True),
        "StopTxnSampledData": (energy, False),
        "StopTxnSampledDataMaxLength": (str(MAX_MEASURANDS), True),
        "SupportedFeatureProfiles": (FEATURE_PROFILES, True),
        "TransactionMessageAttempts": ("3", False),
        "TransactionMessageRetryInterval": ("10", False),
        "UnlockConnectorOnEVSideDisconnect": ("true", False),
    }


def measurand_list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def _valid(key: str, value: str) -> bool:
    if key in INTEGER_KEYS:
        return value.isdigit() and int(value) < 2**31
    if key in BOOLEAN_KEYS:
        return value.lower() in ("true", "false")
    if key in MEASURAND_KEYS:
        items = measurand_list(value)
        return len(items) <= MAX_MEASURANDS and all(i in MEASURANDS for i in items)
    return True


@dataclass
class Configuration:
    """The key table; ``forced_answer`` answers every ChangeConfiguration with one status
    (``--change-configuration-answer``, to show the bench a station that refuses)."""

    keys: dict[str, tuple[str, bool]]
    forced_answer: str | None = None

    def value(self, key: str) -> str:
        return self.keys[key][0]

    def integer(self, key: str, default: int = 0) -> int:
        value = self.keys.get(key, ("", False))[0]
        return int(value) if value.isdigit() else default

    def flag(self, key: str) -> bool:
        return self.keys.get(key, ("false", False))[0].lower() == "true"

    def set_internal(self, key: str, value: str) -> None:
        """A value the station sets itself (HeartbeatInterval from a BootNotification)."""
        self.keys[key] = (value, self.keys[key][1])

    def change(self, key: str, value: str) -> str:
        """Section 5.3: Accepted, Rejected (read-only or a bad value) or NotSupported."""
        if self.forced_answer is not None:
            return self.forced_answer
        if key not in self.keys:
            return "NotSupported"
        if self.keys[key][1] or not _valid(key, value):
            return "Rejected"
        self.set_internal(key, value.lower() if key in BOOLEAN_KEYS else value)
        return "Accepted"

    def read(self, wanted: list[str] | None) -> tuple[list[dict[str, object]], list[str]]:
        """Section 5.8: the items asked for (all when none), and the unknown keys."""
        names = list(self.keys) if not wanted else [k for k in wanted if k in self.keys]
        items: list[dict[str, object]] = [
            {"key": k, "readonly": self.keys[k][1], "value": self.keys[k][0]} for k in names
        ]
        return items, [k for k in wanted or [] if k not in self.keys]
