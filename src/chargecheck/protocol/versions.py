"""The OCPP versions chargecheck speaks, as data side by side: the WebSocket subprotocol
each is negotiated by, where its JSON schemas are, which side may call which action, and
how its CALLERROR codes are spelled.

The rest of ``protocol`` works with one spelling of the error codes, OCPP-J 1.6's (section
4.2.3); a version's ``wire_code`` gives the code its peers expect. OCPP-J 2.0.1 (part 4,
section 4.3, "Valid Error Codes") renamed FormationViolation to FormatViolation, fixed
OccurenceConstraintViolation's spelling, and added RpcFrameworkError (the content is not
a valid RPC request, e.g. its MessageId cannot be read) and MessageTypeNotSupported.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from chargecheck.protocol.actions import CENTRAL_ACTIONS, STATION_ACTIONS

# OCPP 2.0.1 part 2: messages the Charging Station initiates (DataTransfer goes both ways).
STATION_ACTIONS_201 = frozenset(
    {
        "Authorize",
        "BootNotification",
        "ClearedChargingLimit",
        "DataTransfer",
        "FirmwareStatusNotification",
        "Get15118EVCertificate",
        "GetCertificateStatus",
        "Heartbeat",
        "LogStatusNotification",
        "MeterValues",
        "NotifyChargingLimit",
        "NotifyCustomerInformation",
        "NotifyDisplayMessages",
        "NotifyEVChargingNeeds",
        "NotifyEVChargingSchedule",
        "NotifyEvent",
        "NotifyMonitoringReport",
        "NotifyReport",
        "PublishFirmwareStatusNotification",
        "ReportChargingProfiles",
        "ReservationStatusUpdate",
        "SecurityEventNotification",
        "SignCertificate",
        "StatusNotification",
        "TransactionEvent",
    }
)

# OCPP 2.0.1 part 2: messages the CSMS initiates.
CENTRAL_ACTIONS_201 = frozenset(
    {
        "CancelReservation",
        "CertificateSigned",
        "ChangeAvailability",
        "ClearCache",
        "ClearChargingProfile",
        "ClearDisplayMessage",
        "ClearVariableMonitoring",
        "CostUpdated",
        "CustomerInformation",
        "DataTransfer",
        "DeleteCertificate",
        "GetBaseReport",
        "GetChargingProfiles",
        "GetCompositeSchedule",
        "GetDisplayMessages",
        "GetInstalledCertificateIds",
        "GetLocalListVersion",
        "GetLog",
        "GetMonitoringReport",
        "GetReport",
        "GetTransactionStatus",
        "GetVariables",
        "InstallCertificate",
        "PublishFirmware",
        "RequestStartTransaction",
        "RequestStopTransaction",
        "ReserveNow",
        "Reset",
        "SendLocalList",
        "SetChargingProfile",
        "SetDisplayMessage",
        "SetMonitoringBase",
        "SetMonitoringLevel",
        "SetNetworkProfile",
        "SetVariableMonitoring",
        "SetVariables",
        "TriggerMessage",
        "UnlockConnector",
        "UnpublishFirmware",
        "UpdateFirmware",
    }
)

# OCPP-J 1.6 section 4.2.3, "Valid Error Codes".
ERROR_CODES_16 = frozenset(
    {
        "NotImplemented",
        "NotSupported",
        "InternalError",
        "ProtocolError",
        "SecurityError",
        "FormationViolation",
        "PropertyConstraintViolation",
        "OccurenceConstraintViolation",
        "TypeConstraintViolation",
        "GenericError",
    }
)

# OCPP-J 2.0.1 part 4 section 4.3, "Valid Error Codes".
ERROR_CODES_201 = frozenset(
    {
        "FormatViolation",
        "GenericError",
        "InternalError",
        "MessageTypeNotSupported",
        "NotImplemented",
        "NotSupported",
        "OccurrenceConstraintViolation",
        "PropertyConstraintViolation",
        "ProtocolError",
        "RpcFrameworkError",
        "SecurityError",
        "TypeConstraintViolation",
    }
)


@dataclass(frozen=True, slots=True, eq=False)
class OcppVersion:
    """One OCPP version: ``name`` as reports print it ("1.6", "2.0.1"). One object per
    version (compared and hashed by identity)."""

    name: str
    subprotocol: str  # offered in Sec-WebSocket-Protocol (OCPP-J 1.6 3.1.2, 2.0.1 part 4 3.1.2)
    schema_package: str  # the ``ocpp`` package's module holding the JSON schemas
    request_suffix: str  # a request schema's file is f"{action}{request_suffix}.json"
    station_actions: frozenset[str]
    central_actions: frozenset[str]
    error_codes: frozenset[str]
    # the 1.6 spelling the protocol core raises -> this version's
    renamed_codes: Mapping[str, str]
    # FrameError.kind -> the code this version has for it (none: the error's own code)
    framework_codes: Mapping[str, str]

    @property
    def all_actions(self) -> frozenset[str]:
        return self.station_actions | self.central_actions

    def schema_file(self, action: str, response: bool) -> str:
        return f"{action}{'Response' if response else self.request_suffix}.json"

    def wire_code(self, code: str, kind: str | None = None) -> str:
        """The CALLERROR code of this version for an error the core raised as ``code``
        (1.6's spelling), of ``kind`` (``FrameError.kind``)."""
        if kind is not None and kind in self.framework_codes:
            return self.framework_codes[kind]
        return self.renamed_codes.get(code, code)


OCPP16 = OcppVersion(
    name="1.6",
    subprotocol="ocpp1.6",
    schema_package="ocpp.v16",
    request_suffix="",
    station_actions=STATION_ACTIONS,
    central_actions=CENTRAL_ACTIONS,
    error_codes=ERROR_CODES_16,
    renamed_codes=MappingProxyType({}),
    framework_codes=MappingProxyType({}),
)

OCPP201 = OcppVersion(
    name="2.0.1",
    subprotocol="ocpp2.0.1",
    schema_package="ocpp.v201",
    request_suffix="Request",
    station_actions=STATION_ACTIONS_201,
    central_actions=CENTRAL_ACTIONS_201,
    error_codes=ERROR_CODES_201,
    renamed_codes=MappingProxyType(
        {
            "FormationViolation": "FormatViolation",
            "OccurenceConstraintViolation": "OccurrenceConstraintViolation",
        }
    ),
    framework_codes=MappingProxyType(
        {"rpc": "RpcFrameworkError", "message_type": "MessageTypeNotSupported"}
    ),
)

VERSIONS = (OCPP16, OCPP201)
BY_NAME = MappingProxyType({v.name: v for v in VERSIONS})
BY_SUBPROTOCOL = MappingProxyType({v.subprotocol: v for v in VERSIONS})


def version_named(name: str) -> OcppVersion:
    """The version called ``name`` ("1.6", "2.0.1"); ``ValueError`` naming the known ones."""
    try:
        return BY_NAME[name]
    except KeyError:
        known = ", ".join(BY_NAME)
        raise ValueError(f"OCPP {name!r} is not a version chargecheck speaks ({known})") from None
