"""The device model of the peer station (``tests.v201.peer201``): its components and
variables (OCPP 2.0.1 part 1, part 2 "Referenced Components and Variables"), read and set
by GetVariables (B06) and SetVariables (B05), reported by GetBaseReport (B07).

Written apart from the bench's simulator (``chargecheck.sim.v201.device_model``): one line
a variable in ``VARIABLES``, values checked against the data type, its valuesList and its
limits, and a hook per variable (``DeviceModel.checks``) for what the station itself
decides (a NetworkConfigurationPriority naming a slot with no profile).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

Address = tuple[str, int | None, int | None, str, str | None]


def now_text() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class Attribute:
    value: str | None
    mutability: str = "ReadWrite"


@dataclass
class DmVariable:
    component: str
    name: str
    data_type: str
    attributes: dict[str, Attribute]
    instance: str | None = None
    evse: int | None = None
    connector: int | None = None
    values_list: tuple[str, ...] = ()
    unit: str | None = None
    min_limit: int | None = None
    max_limit: int | None = None

    @property
    def address(self) -> Address:
        return self.component, self.evse, self.connector, self.name, self.instance

    def component_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.component}
        if self.evse is not None:
            data["evse"] = {"id": self.evse}
            if self.connector is not None:
                data["evse"]["connector_id"] = self.connector
        return data

    def variable_data(self) -> dict[str, Any]:
        return {"name": self.name, "instance": self.instance}

    def report_item(self, value: Callable[[str], str]) -> dict[str, Any]:
        """A ReportDataType, with the schema's defaults left out (type Actual, ReadWrite);
        ``value`` gives an attribute's value by its type."""
        attributes = []
        for kind, attribute in self.attributes.items():
            entry: dict[str, Any] = {"persistent": True, "constant": False}
            if kind != "Actual":
                entry["type"] = kind
            if attribute.mutability != "ReadWrite":
                entry["mutability"] = attribute.mutability
            if attribute.mutability != "WriteOnly":
                entry["value"] = value(kind)
            attributes.append(entry)
        characteristics: dict[str, Any] = {
            "data_type": self.data_type,
            "supports_monitoring": False,
            "unit": self.unit,
            "min_limit": self.min_limit,
            "max_limit": self.max_limit,
            "values_list": ",".join(self.values_list) or None,
        }
        return {
            "component": self.component_data(),
            "variable": self.variable_data(),
            "variable_attribute": attributes,
            "variable_characteristics": characteristics,
        }

    def invalid(self, value: str) -> str | None:
        """Why ``value`` does not fit this variable (a reasonCode), or None."""
        form = _FORMS.get(self.data_type)
        if form is not None and not form(value, self.values_list):
            return "InvalidValue"
        if self.data_type == "string" and self.max_limit is not None:
            return "TooLong" if len(value) > self.max_limit else None
        if self.data_type in ("integer", "decimal"):
            number = float(value)
            if self.min_limit is not None and number < self.min_limit:
                return "OutOfRange"
            if self.max_limit is not None and number > self.max_limit:
                return "OutOfRange"
        return None


def _is_datetime(value: str) -> bool:
    try:
        return "T" in value and bool(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError:
        return False


def _members(value: str, allowed: tuple[str, ...]) -> bool:
    items = value.split(",")
    return bool(value) and len(set(items)) == len(items) and all(i in allowed for i in items)


# data type -> whether a value fits it (part 2, DataEnumType); string: any text
_FORMS: dict[str, Callable[[str, tuple[str, ...]], bool]] = {
    "integer": lambda v, _: re.fullmatch(r"-?\d+", v) is not None,
    "decimal": lambda v, _: re.fullmatch(r"-?\d+(\.\d+)?", v) is not None,
    "boolean": lambda v, _: v in ("true", "false"),
    "dateTime": lambda v, _: _is_datetime(v),
    "OptionList": lambda v, allowed: v in allowed,
    "MemberList": _members,
    "SequenceList": _members,
}


# The device model, one variable a line: Component.Name[instance] (@evse or @evse.connector),
# dataType, Actual value ("-": none), mutability (RO, RW, WO) and characteristics or a
# Target attribute (target=...); a valuesList is "|"-separated or a name of LISTS. Short
# intervals where a bench waits on them (MessageTimeout, the reconnection back-off).
VARIABLES = """
OCPPCommCtrlr.MessageTimeout[Default]                  integer    3          RO unit=s
OCPPCommCtrlr.FileTransferProtocols                    MemberList HTTPS,FTPS RO values=FILES
OCPPCommCtrlr.NetworkConfigurationPriority             SequenceList 0        RW values=0|1
OCPPCommCtrlr.NetworkProfileConnectionAttempts         integer    3          RW min=1
OCPPCommCtrlr.OfflineThreshold                         integer    120        RW min=0 target=120
OCPPCommCtrlr.MessageAttempts[TransactionEvent]        integer    5          RW min=0
OCPPCommCtrlr.MessageAttemptInterval[TransactionEvent] integer    30         RW unit=s min=0
OCPPCommCtrlr.UnlockOnEVSideDisconnect                 boolean    false      RW
OCPPCommCtrlr.ResetRetries                             integer    1          RW min=0
OCPPCommCtrlr.RetryBackOffRepeatTimes                  integer    2          RW min=0
OCPPCommCtrlr.RetryBackOffRandomRange                  integer    1          RW unit=s min=0
OCPPCommCtrlr.RetryBackOffWaitMinimum                  integer    3          RW unit=s min=0
OCPPCommCtrlr.WebSocketPingInterval                    integer    0          RW unit=s min=0
OCPPCommCtrlr.HeartbeatInterval                        integer    600        RW unit=s min=1
DeviceDataCtrlr.ItemsPerMessage[GetReport]             integer    7          RO
DeviceDataCtrlr.ItemsPerMessage[GetVariables]          integer    16         RO
DeviceDataCtrlr.ItemsPerMessage[SetVariables]          integer    16         RO
DeviceDataCtrlr.BytesPerMessage[GetReport]             integer    16000      RO
DeviceDataCtrlr.BytesPerMessage[GetVariables]          integer    16000      RO
DeviceDataCtrlr.BytesPerMessage[SetVariables]          integer    16000      RO
ClockCtrlr.DateTime                                    dateTime   -          RO
ClockCtrlr.TimeSource                                  SequenceList Heartbeat RW values=CLOCKS
SecurityCtrlr.OrganizationName                         string     PeerWorks  RW max=64
SecurityCtrlr.CertificateEntries                       integer    0          RO
SecurityCtrlr.SecurityProfile                          integer    1          RO
SecurityCtrlr.BasicAuthPassword                        string     -          WO max=40
ChargingStation.Available                              boolean    true       RO
ChargingStation.AvailabilityState                      OptionList Available  RO values=STATES
ChargingStation.SupplyPhases                           integer    3          RO
AuthCtrlr.AuthorizeRemoteStart                         boolean    false      RW
AuthCtrlr.LocalAuthorizeOffline                        boolean    false      RW
AuthCtrlr.LocalPreAuthorize                            boolean    false      RW
AuthCtrlr.OfflineTxForUnknownIdEnabled                 boolean    false      RW
AuthCtrlr.DisableRemoteAuthorization                   boolean    false      RW
AuthCacheCtrlr.Available                               boolean    true       RO
AuthCacheCtrlr.Enabled                                 boolean    true       RW
TxCtrlr.EVConnectionTimeOut                            integer    30         RW unit=s min=1
TxCtrlr.StopTxOnEVSideDisconnect                       boolean    true       RW
TxCtrlr.TxStartPoint                 MemberList EVConnected,PowerPathClosed  RO values=POINTS
TxCtrlr.TxStopPoint                    MemberList PowerPathClosed            RW values=STOPS
TxCtrlr.StopTxOnInvalidId                              boolean    true       RW
SampledDataCtrlr.TxStartedMeasurands   MemberList Energy.Active.Import.Register RW values=METER
SampledDataCtrlr.TxUpdatedMeasurands   MemberList Energy.Active.Import.Register RW values=METER
SampledDataCtrlr.TxUpdatedInterval                     integer    0          RW unit=s min=0
SampledDataCtrlr.TxEndedMeasurands     MemberList Energy.Active.Import.Register RW values=METER
SampledDataCtrlr.TxEndedInterval                       integer    0          RW unit=s min=0
AlignedDataCtrlr.Measurands            MemberList Energy.Active.Import.Register RW values=METER
AlignedDataCtrlr.Interval                              integer    900        RW unit=s min=0
AlignedDataCtrlr.TxEndedMeasurands     MemberList Energy.Active.Import.Register RW values=METER
AlignedDataCtrlr.TxEndedInterval                       integer    0          RW unit=s min=0
EVSE@1.Available                                       boolean    true       RO
EVSE@1.AvailabilityState                               OptionList Available  RO values=STATES
EVSE@1.SupplyPhases                                    integer    3          RO
EVSE@1.Power                                           decimal    0          RO unit=W max=22000
EVSE@1.AllowReset                                      boolean    false      RO
Connector@1.1.Available                                boolean    true       RO
Connector@1.1.AvailabilityState                        OptionList Available  RO values=STATES
Connector@1.1.ConnectorType                            string     sType2     RO
Connector@1.1.SupplyPhases                             integer    3          RO
"""
LISTS = {
    "FILES": "FTP|FTPS|HTTP|HTTPS|SFTP",
    "CLOCKS": "Heartbeat|NTP|GPS|RealTimeClock",
    "STATES": "Available|Occupied|Reserved|Unavailable|Faulted",
    "POINTS": "EVConnected|Authorized|PowerPathClosed|EnergyTransfer",
    "STOPS": "EVConnected|Authorized|PowerPathClosed|EnergyTransfer",
    "METER": "Energy.Active.Import.Register|Power.Active.Import|Current.Import",
}
MUTABILITY = {"RO": "ReadOnly", "RW": "ReadWrite", "WO": "WriteOnly"}


def _address(spec: str) -> Address:
    """``Component@evse.connector.Name[instance]`` -> its parts."""
    head, _, instance = spec.partition("[")
    where, _, name = head.rpartition(".")
    component, _, at = where.partition("@")
    evse, _, connector = at.partition(".")
    return (
        component,
        int(evse) if evse else None,
        int(connector) if connector else None,
        name,
        instance.rstrip("]") or None,
    )


def _parse(line: str) -> DmVariable:
    spec, data_type, value, mutability, *extra = line.split()
    more = dict(e.split("=", 1) for e in extra)
    component, evse, connector, name, instance = _address(spec)
    attributes = {"Actual": Attribute(None if value == "-" else value, MUTABILITY[mutability])}
    if "target" in more:
        attributes["Target"] = Attribute(more["target"])
    return DmVariable(
        component,
        name,
        data_type,
        attributes,
        instance,
        evse,
        connector,
        tuple(LISTS.get(more["values"], more["values"]).split("|")) if "values" in more else (),
        more.get("unit"),
        int(more["min"]) if "min" in more else None,
        int(more["max"]) if "max" in more else None,
    )


def standard_variables() -> list[DmVariable]:
    """The station's variables: every required one, EVSE 1 and its connector 1."""
    return [_parse(line) for line in VARIABLES.strip().splitlines()]


@dataclass
class DeviceModel:
    variables: list[DmVariable] = field(default_factory=standard_variables)
    # address -> why a value the data type allows is still refused (a reasonCode), or None
    checks: dict[Address, Callable[[str], str | None]] = field(default_factory=dict)

    def lookup(self, component: dict[str, Any], variable: dict[str, Any]) -> DmVariable | str:
        """The variable a request names (names case insensitive), or the status for none:
        UnknownComponent, UnknownVariable (B05.FR.04/05, B06.FR.06/07)."""
        evse = component.get("evse") or {}
        where = (component["name"].lower(), evse.get("id"), evse.get("connector_id"))
        on_it = [
            v
            for v in self.variables
            if (v.component.lower(), v.evse, v.connector) == where
            and component.get("instance") is None
        ]
        if not on_it:
            return "UnknownComponent"
        wanted = (variable["name"].lower(), variable.get("instance"))
        found = [v for v in on_it if (v.name.lower(), v.instance) == wanted]
        return found[0] if found else "UnknownVariable"

    def find(self, spec: str) -> DmVariable:
        """A variable of the model by its ``VARIABLES`` address."""
        address = _address(spec)
        return next(v for v in self.variables if v.address == address)

    def value(self, variable: DmVariable, kind: str = "Actual") -> str:
        if (variable.component, variable.name) == ("ClockCtrlr", "DateTime"):
            return now_text()
        return variable.attributes[kind].value or ""

    def text(self, spec: str) -> str:
        return self.value(self.find(spec))

    def integer(self, spec: str) -> int:
        return int(self.text(spec))

    def flag(self, spec: str) -> bool:
        return self.text(spec) == "true"

    def members(self, spec: str) -> list[str]:
        return [m for m in self.text(spec).split(",") if m]

    def put(self, spec: str, value: str) -> None:
        """The station's own change of a value (its state, not a SetVariables)."""
        self.find(spec).attributes["Actual"].value = value

    def _target(self, item: dict[str, Any]) -> tuple[dict[str, Any], DmVariable | str, Any]:
        """A Get/SetVariableData item: its result's start (the names and attributeType
        echoed, Actual when none was asked: B05.FR.02/12, B06.FR.02/11), the variable or
        why none, and the attribute asked for (None: it has no such attribute)."""
        kind = item.get("attribute_type") or "Actual"
        result = {"component": item["component"], "variable": item["variable"]}
        result["attribute_type"] = kind
        found = self.lookup(item["component"], item["variable"])
        attribute = found.attributes.get(kind) if isinstance(found, DmVariable) else None
        return result, found, attribute

    def get(self, item: dict[str, Any]) -> dict[str, Any]:
        """One GetVariableResult (B06); a value only with Accepted (B06.FR.04-08)."""
        result, found, attribute = self._target(item)
        if isinstance(found, str):
            return {**result, "attribute_status": found}
        if attribute is None:
            return {**result, "attribute_status": "NotSupportedAttributeType"}
        if attribute.mutability == "WriteOnly":
            return {**result, "attribute_status": "Rejected", **_reason("WriteOnly")}
        value = self.value(found, result["attribute_type"])
        return {**result, "attribute_status": "Accepted", "attribute_value": value}

    def set(self, item: dict[str, Any], defects: frozenset[str]) -> dict[str, Any]:
        """One SetVariableResult (B05): Rejected for ReadOnly (B05.FR.09) or a value that
        does not fit the data type, its list or its limits (B05.FR.07, B05.FR.08), or
        that the station's own check refuses."""
        result, found, attribute = self._target(item)
        if found == "UnknownComponent" and "set_unknown_component_accepted" in defects:
            return {**result, "attribute_status": "Accepted"}
        if isinstance(found, str):
            return {**result, "attribute_status": found}
        if attribute is None:
            return {**result, "attribute_status": "NotSupportedAttributeType"}
        value = item["attribute_value"]
        problem = "ReadOnly" if attribute.mutability == "ReadOnly" else found.invalid(value)
        check = self.checks.get(found.address)
        if problem is None and check is not None:
            problem = check(value)
        if problem is not None:
            return {**result, "attribute_status": "Rejected", **_reason(problem)}
        attribute.value = value
        return {**result, "attribute_status": "Accepted"}

    def report(self, base: str) -> list[dict[str, Any]]:
        """The items of a base report: ConfigurationInventory, what can be set; else all."""
        return [
            v.report_item(functools.partial(self.value, v))
            for v in self.variables
            if base == "FullInventory"
            or any(a.mutability != "ReadOnly" for a in v.attributes.values())
        ]


def _reason(code: str) -> dict[str, Any]:
    return {"attribute_status_info": {"reason_code": code}}
