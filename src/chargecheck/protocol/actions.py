"""The OCPP 1.6 actions and who may initiate each (OCPP 1.6 section 3 / chapters 4 and 5).

The security extension (OCPP 1.6 Security Whitepaper) actions are listed too: the
``ocpp`` package ships their schemas and a station may use them.
"""

from __future__ import annotations

# Chapter 4: operations initiated by the Charge Point.
STATION_ACTIONS = frozenset(
    {
        "Authorize",
        "BootNotification",
        "DataTransfer",
        "DiagnosticsStatusNotification",
        "FirmwareStatusNotification",
        "Heartbeat",
        "MeterValues",
        "StartTransaction",
        "StatusNotification",
        "StopTransaction",
        # security extension
        "LogStatusNotification",
        "SecurityEventNotification",
        "SignCertificate",
        "SignedFirmwareStatusNotification",
    }
)

# Chapter 5: operations initiated by the Central System.
CENTRAL_ACTIONS = frozenset(
    {
        "CancelReservation",
        "ChangeAvailability",
        "ChangeConfiguration",
        "ClearCache",
        "ClearChargingProfile",
        "DataTransfer",
        "GetCompositeSchedule",
        "GetConfiguration",
        "GetDiagnostics",
        "GetLocalListVersion",
        "RemoteStartTransaction",
        "RemoteStopTransaction",
        "ReserveNow",
        "Reset",
        "SendLocalList",
        "SetChargingProfile",
        "TriggerMessage",
        "UnlockConnector",
        "UpdateFirmware",
        # security extension
        "CertificateSigned",
        "DeleteCertificate",
        "ExtendedTriggerMessage",
        "GetInstalledCertificateIds",
        "GetLog",
        "InstallCertificate",
        "SignedUpdateFirmware",
    }
)

ALL_ACTIONS = STATION_ACTIONS | CENTRAL_ACTIONS

# The feature profiles of OCPP 1.6 section 3.1 (SupportedFeatureProfiles values).
FEATURE_PROFILES = (
    "Core",
    "FirmwareManagement",
    "LocalAuthListManagement",
    "Reservation",
    "SmartCharging",
    "RemoteTrigger",
)

# BootNotification.req fields in the order of the OCPP 1.6 schema (section 6.2); the seed
# lists its "Request values" in this order.
BOOT_NOTIFICATION_FIELDS = (
    "chargePointVendor",
    "chargePointModel",
    "chargePointSerialNumber",
    "chargeBoxSerialNumber",
    "firmwareVersion",
    "iccid",
    "imsi",
    "meterType",
    "meterSerialNumber",
)

# Messages that belong to a transaction and that a station must queue while offline
# (OCPP 1.6 section 4.7 / 3.6 "Transaction-related messages").
TRANSACTION_ACTIONS = frozenset({"StartTransaction", "StopTransaction", "MeterValues"})
