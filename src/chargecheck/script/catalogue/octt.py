# ruff: noqa: E501  (one official case a line)
"""The official OCPP 1.6 charge-point test cases of the Open Charge Alliance's test tool
(OCTT), as facts: id, title, the section of OCTT's test case document they are in, the
feature profile they are for, and the manual steps they need (in our words). The order is
the document's. ``OFFICIAL`` drives the pack ``octt16-cs``'s order and ``chargecheck scripts
--cases octt16-cs``; the cases themselves are written from the OCPP 1.6 specification in
the catalogue's modules. The 15 cases of OCTT's section 2.24 (security) are listed with
``security=True``: the catalogue's ``security*`` modules write them from the 1.6 security
whitepaper.

A profile "X (absent)" marks a case for a station that does *not* support X.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Official:
    id: str
    title: str
    section: str  # of OCTT's test case document
    profile: str
    manual: str  # the physical steps, in our words ("none": no manual step)

    @property
    def security(self) -> bool:
        return self.section == "2.24"


# fmt: off
OFFICIAL: tuple[Official, ...] = (
    Official("TC_001_CS", "Cold Boot Charge Point", "2.1", "Core", "power cycle"),
    Official("TC_002_CS", "Cold Boot Charge Point - Pending", "2.1", "Core", "power cycle"),
    Official("TC_003_CS", "Regular Charging Session - Plugin First", "2.2", "Core", "plug, card"),
    Official("TC_004_1_CS", "Regular Charging Session – Identification First", "2.2", "Core", "card, plug"),
    Official("TC_004_2_CS", "Regular Charging Session – Identification First - ConnectionTimeOut", "2.2", "Core", "card (then wait)"),
    Official("TC_068_CS", "Stop transaction - IdTag in StopTransaction matches IdTag in StartTransaction", "2.3", "Core", "plug (Charging), 2 cards"),
    Official("TC_069_CS", "Stop transaction - ParentIdTag in StopTransaction matches ParentIdTag in StartTransaction", "2.3", "Core", "plug (Charging), card"),
    Official("TC_005_1_CS", "EV Side Disconnected - StopTransactionOnEVSideDisconnect = true - UnlockConnectorOnEVSideDisconnect = true", "2.3", "Core", "plug (Charging), unplug at EV"),
    Official("TC_005_2_CS", "EV Side Disconnected - StopTransactionOnEVSideDisconnect = true - UnlockConnectorOnEVSideDisconnect = false", "2.3", "Core", "plug (Charging), unplug at EV"),
    Official("TC_005_3_CS", "EV Side Disconnected - StopTransactionOnEVSideDisconnect = false - UnlockConnectorOnEVSideDisconnect = false", "2.3", "Core", "plug (Charging), unplug at EV"),
    Official("TC_007_CS", "Regular Start Charging Session – Cached Id", "2.4", "Core (authorization cache)", "plug (+ card/unplug to fill the cache)"),
    Official("TC_061_CS", "Clear Authorization Data in Authorization Cache", "2.4", "Core (authorization cache)", "card (several times)"),
    Official("TC_010_CS", "Remote Start Charging Session – Cable Plugged in First", "2.5", "Core", "plug (Charging)"),
    Official("TC_011_1_CS", "Remote Start Charging Session – Remote Start First", "2.5", "Core", "plug"),
    Official("TC_011_2_CS", "Remote Start Charging Session – Time Out", "2.5", "Core", "none (wait)"),
    Official("TC_012_CS", "Remote Stop Charging Session", "2.5", "Core", "plug (Charging)"),
    Official("TC_013_CS", "Hard Reset Without transaction", "2.6", "Core", "none"),
    Official("TC_014_CS", "Soft Reset Without Transaction", "2.6", "Core", "none"),
    Official("TC_015_CS", "Hard Reset With Transaction", "2.6", "Core", "plug (Charging)"),
    Official("TC_016_CS", "Soft Reset With Transaction", "2.6", "Core", "plug (Charging)"),
    Official("TC_017_1_CS", "Unlock connector - no charging session running (Not fixed cable)", "2.7", "Core", "none"),
    Official("TC_017_2_CS", "Unlock connector - no charging session running (Fixed cable)", "2.7", "Core", "none"),
    Official("TC_018_1_CS", "Unlock Connector - With Charging Session (Not fixed cable)", "2.7", "Core", "plug (Charging), unplug"),
    Official("TC_018_2_CS", "Unlock Connector - With Charging Session (Fixed cable)", "2.7", "Core", "plug (Charging)"),
    Official("TC_019_CS", "Retrieve configuration", "2.8", "Core", "none"),
    Official("TC_021_CS", "Change/set Configuration", "2.8", "Core", "none"),
    Official("TC_070_CS", "Sampled Meter Values", "2.9", "Core", "plug (Charging)"),
    Official("TC_071_CS", "Clock-aligned Meter Values", "2.9", "Core", "plug (Charging)"),
    Official("TC_023_CS", "Start Charging Session – Authorize invalid", "2.10", "Core", "plug, invalid card"),
    Official("TC_024_CS", "Start Charging Session - Lock Failure", "2.10", "Core", "plug cable halfway"),
    Official("TC_026_CS", "Remote Start Charging Session – Rejected", "2.11", "Core", "plug (Charging)"),
    Official("TC_027_CS", "Remote start transaction - connector id shall not be 0", "2.11", "Core", "none"),
    Official("TC_028_CS", "Remote Stop Transaction – Rejected", "2.11", "Core", "plug (Charging)"),
    Official("TC_030_CS", "Unlock Connector – Unlock Failure", "2.12", "Core", "prepare a lock failure"),
    Official("TC_031_CS", "Unlock Connector – Unknown Connector", "2.12", "Core", "none"),
    Official("TC_032_1_CS", "Power failure boot charging point - configured to stop transaction(s) before going down", "2.13", "Core", "plug (Charging), cut and restore power"),
    Official("TC_032_2_CS", "Power failure boot charging point-configured to stop transaction(s)", "2.13", "Core", "plug (Charging), power cycle, card"),
    Official("TC_034_CS", "Power Failure with Unavailable Status", "2.13", "Core", "power cycle"),
    Official("TC_036_CS", "Connection Loss During Transaction", "2.14", "Core", "plug (Charging), cut and restore network"),
    Official("TC_037_1_CS", "Offline Start Transaction - Valid IdTag", "2.14", "Core", "cut/restore network, card, plug"),
    Official("TC_037_2_CS", "Offline Start Transaction - Invalid IdTag - StopTransactionOnInvalidId = false", "2.14", "Core", "cut/restore network, card, plug"),
    Official("TC_037_3_CS", "Offline Start Transaction - Invalid IdTag - StopTransactionOnInvalidId = true", "2.14", "Core", "cut/restore network, card, plug"),
    Official("TC_038_CS", "Offline Stop Transaction", "2.14", "Core", "plug (Charging), cut/restore network, local stop"),
    Official("TC_039_CS", "Offline Transaction", "2.14", "Core", "cut/restore network, card, plug, stop, unplug"),
    Official("TC_040_1_CS", "Configuration key - NotSupported", "2.15", "Core", "none"),
    Official("TC_040_2_CS", "Configuratoin key - Invalid value", "2.15", "Core", "none"),
    Official("TC_041_CS", "Fault Behavior", "2.16", "Core", "create a fault, try to start"),
    Official("TC_042_1_CS", "Get Local List Version (not supported)", "2.17", "LocalAuthListManagement (absent)", "none"),
    Official("TC_042_2_CS", "Get Local List Version (empty)", "2.17", "LocalAuthListManagement", "none"),
    Official("TC_043_CS", "Send Local Authorization List", "2.17", "LocalAuthListManagement", "none"),
    Official("TC_043_1_CS", "Send Local Authorization List - NotSupported", "2.17", "LocalAuthListManagement (absent)", "none"),
    Official("TC_043_2_CS", "Send Local Authorization List - VersionMismatch", "2.17", "LocalAuthListManagement", "none"),
    Official("TC_043_3_CS", "Send Local Authorization List - Failed", "2.17", "LocalAuthListManagement", "prepare a failing state"),
    Official("TC_008_CS", "Regular Start Charging Session – Id in Local Authorization List", "2.17", "LocalAuthListManagement", "plug"),
    Official("TC_044_1_CS", "Firmware Update - Download and Install", "2.18", "FirmwareManagement", "none (file server)"),
    Official("TC_044_2_CS", "Firmware Update - Download Failed", "2.18", "FirmwareManagement", "none"),
    Official("TC_044_3_CS", "Firmware Update - Installation Failed", "2.18", "FirmwareManagement", "none (invalid image prepared)"),
    Official("TC_045_1_CS", "Get Diagnostics", "2.19", "FirmwareManagement", "none (upload server)"),
    Official("TC_045_2_CS", "Get Diagnostics - Upload Failed", "2.19", "FirmwareManagement", "none"),
    Official("TC_046_1_CS", "Reservation of a Connector - Local start transaction", "2.20", "Reservation", "2 cards, plug"),
    Official("TC_046_2_CS", "Reservation of a Connector - Remote start transaction", "2.20", "Reservation", "plug (Charging)"),
    Official("TC_047_CS", "Reservation of a Connector - Expire", "2.20", "Reservation", "plug (Charging)"),
    Official("TC_048_1_CS", "Reservation of a Connector - Faulted", "2.20", "Reservation", "create connector fault"),
    Official("TC_048_2_CS", "Reservation of a Connector - Occupied", "2.20", "Reservation", "plug"),
    Official("TC_048_3_CS", "Reservation of a Connector - Unavailable", "2.20", "Reservation", "none"),
    Official("TC_048_4_CS", "Reservation of a Connector - Rejected", "2.20", "Reservation (absent)", "none"),
    Official("TC_049_CS", "Reservation of a Charge Point - Transaction", "2.20", "Reservation", "plug (Charging)"),
    Official("TC_050_1_CS", "Reservation of a Charge Point - Faulted", "2.20", "Reservation", "create CP fault"),
    Official("TC_050_2_CS", "Reservation of a Charge Point - Occupied", "2.20", "Reservation", "plug every connector"),
    Official("TC_050_3_CS", "Reservation of a Charge Point - Unavailable", "2.20", "Reservation", "none"),
    Official("TC_050_4_CS", "Reservation of a Charge Point - Rejected", "2.20", "Reservation (absent)", "none"),
    Official("TC_051_CS", "Cancel Reservation", "2.20", "Reservation", "plug (Charging)"),
    Official("TC_052_CS", "Cancel Reservation - Rejected", "2.20", "Reservation", "none"),
    Official("TC_053_CS", "Use a reserved Connector with parentIdTag", "2.20", "Reservation", "card, plug"),
    Official("TC_054_CS", "Trigger Message", "2.21", "RemoteTrigger", "none"),
    Official("TC_055_CS", "Trigger Message - Rejected", "2.21", "RemoteTrigger", "none"),
    Official("TC_056_CS", "Central Smart Charging - TxDefaultProfile", "2.22", "SmartCharging", "none"),
    Official("TC_057_CS", "Central Smart Charging - TxProfile", "2.22", "SmartCharging", "plug (Charging)"),
    Official("TC_058_1_CS", "Central Smart Charging - No ongoing transaction", "2.22", "SmartCharging", "none"),
    Official("TC_058_2_CS", "Central Smart Charging - Wrong transactionId", "2.22", "SmartCharging", "plug (Charging)"),
    Official("TC_082_CS", "Central Smart Charging - TxDefaultProfile - with ongoing transaction", "2.22", "SmartCharging", "plug (Charging)"),
    Official("TC_066_CS", "Get Composite Schedule", "2.22", "SmartCharging", "plug (Charging)"),
    Official("TC_067_CS", "Clear Charging Profile", "2.22", "SmartCharging", "none"),
    Official("TC_072_CS", "Stacking Charging Profiles", "2.22", "SmartCharging", "none"),
    Official("TC_059_CS", "Remote Start Transaction with Charging Profile", "2.22", "SmartCharging", "plug (Charging)"),
    Official("TC_060_CS", "Remote Start Transaction with Charging Profile - Rejected", "2.22", "SmartCharging", "none"),
    Official("TC_062_CS", "Data Transfer to a Charge Point", "2.23", "Core", "none"),
    Official("TC_073_CS", "Update Charge Point Password for HTTP Basic Authentication", "2.24", "Security (profile 1/2)", "none"),
    Official("TC_074_CS", "Update Charge Point Certificate by request of Central System", "2.24", "Security (profile 3)", "none"),
    Official("TC_075_1_CS", "Install a certificate on the Charge Point - ManufacturerRootCertificate", "2.24", "Security (profile 2/3)", "none"),
    Official("TC_075_2_CS", "Install a certificate on the Charge Point - CentralSystemRootCertificate", "2.24", "Security (profile 2/3)", "none"),
    Official("TC_076_CS", "Delete a specific certificate from the Charge Point", "2.24", "Security (profile 2/3)", "none"),
    Official("TC_077_CS", "Invalid ChargePointCertificate Security Event", "2.24", "Security (profile 3)", "none"),
    Official("TC_078_CS", "Invalid CentralSystemCertificate Security Event", "2.24", "Security (profile 2/3)", "none"),
    Official("TC_079_CS", "Get Security Log", "2.24", "Security", "none (upload server)"),
    Official("TC_080_CS", "Secure Firmware Update", "2.24", "Security + FirmwareManagement", "none (signed image on server)"),
    Official("TC_081_CS", "Secure Firmware Update - Invalid Signature", "2.24", "Security + FirmwareManagement", "none"),
    Official("TC_083_CS", "Upgrade security profile", "2.24", "Security", "none"),
    Official("TC_084_CS", "Downgrade security profile - Rejected", "2.24", "Security (profile 2/3)", "none"),
    Official("TC_085_CS", "Basic Authentication - Valid username/password combination", "2.24", "Security (profile 1/2)", "none (reboot triggered)"),
    Official("TC_086_CS", "TLS - server-side certificate - Valid certificate", "2.24", "Security (profile 2/3)", "none (reboot triggered)"),
    Official("TC_087_CS", "TLS - Client-side certificate - valid certificate", "2.24", "Security (profile 3)", "none (reboot triggered)"),
)
# fmt: on

BY_ID: dict[str, Official] = {o.id: o for o in OFFICIAL}
