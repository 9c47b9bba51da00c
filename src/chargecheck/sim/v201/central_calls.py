"""The 2.0.1 station's answers to the CSMS's requests, one function per action.

Each handler takes the station and the request payload (already valid against the
schema: ``Endpoint`` checked it) and returns the response payload and, optionally, what
follows the answer (a NotifyReport, a reboot, a triggered message): the answer goes out
first. A ``PeerProtocolError`` becomes a CALLERROR.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from chargecheck.protocol.errors import PeerProtocolError
from chargecheck.sim.v201.device_model import check_value
from chargecheck.sim.v201.reports import notify_reports, report_status

if TYPE_CHECKING:
    from chargecheck.sim.v201.station import Station201

Then = Callable[[], None] | None
Answer = tuple[dict[str, Any], Then]
Handler = Callable[["Station201", dict[str, Any]], Answer]


def _too_many(station: Station201, items: list[Any], instance: str) -> None:
    limit = station.model.integer("DeviceDataCtrlr", "ItemsPerMessage", 0, instance)
    if limit and len(items) > limit:
        raise PeerProtocolError(
            "OccurrenceConstraintViolation",
            f"{len(items)} items, more than DeviceDataCtrlr.ItemsPerMessage[{instance}] = {limit}",
        )


def _status_info(reason: str, detail: str) -> dict[str, Any]:
    return {"reasonCode": reason, "additionalInfo": detail[:512]}


# -- B06 GetVariables -----------------------------------------------------------------------


def get_variables(station: Station201, payload: dict[str, Any]) -> Answer:
    items = payload["getVariableData"]
    _too_many(station, items, "GetVariables")
    size = station.model.integer("DeviceDataCtrlr", "ReportingValueSize", 2500)
    return {"getVariableResult": [_get_one(station, item, size) for item in items]}, None


def _get_one(station: Station201, item: dict[str, Any], size: int) -> dict[str, Any]:
    attribute = item.get("attributeType", "Actual")
    result: dict[str, Any] = {
        "attributeType": attribute,
        "component": item["component"],
        "variable": item["variable"],
    }
    found = station.model.find(item["component"], item["variable"])
    address = found.address
    if address is None:
        if "get_variables_ignores_unknown" in station.defects:
            return {**result, "attributeStatus": "Accepted", "attributeValue": ""}
        return {**result, "attributeStatus": found.status}
    if attribute not in address.spec.attributes:
        return {**result, "attributeStatus": "NotSupportedAttributeType"}
    if address.spec.mutability == "WriteOnly":  # B06: a WriteOnly value is never read
        info = _status_info("WriteOnly", "the variable is WriteOnly")
        return {**result, "attributeStatus": "Rejected", "attributeStatusInfo": info}
    value = station.model.read(address, attribute) or ""
    return {**result, "attributeStatus": "Accepted", "attributeValue": value[:size]}


# -- B05 SetVariables -----------------------------------------------------------------------


def set_variables(station: Station201, payload: dict[str, Any]) -> Answer:
    items = payload["setVariableData"]
    _too_many(station, items, "SetVariables")
    results = [_set_one(station, item) for item in items]
    station.save_device_model()
    return {"setVariableResult": results}, station.variables_changed


def _set_one(station: Station201, item: dict[str, Any]) -> dict[str, Any]:
    attribute = item.get("attributeType", "Actual")
    result: dict[str, Any] = {
        "attributeType": attribute,
        "component": item["component"],
        "variable": item["variable"],
    }
    found = station.model.find(item["component"], item["variable"])
    address = found.address
    if address is None:
        return {**result, "attributeStatus": found.status}
    spec = address.spec
    if attribute not in spec.attributes:
        return {**result, "attributeStatus": "NotSupportedAttributeType"}
    if spec.mutability == "ReadOnly":  # B05: a ReadOnly variable is not set
        if "set_read_only_accepted" in station.defects:
            return {**result, "attributeStatus": "Accepted"}
        info = _status_info("ReadOnly", "the variable is ReadOnly")
        return {**result, "attributeStatus": "Rejected", "attributeStatusInfo": info}
    size = station.model.integer("DeviceDataCtrlr", "ConfigurationValueSize", 1000)
    problem = check_value(spec, item["attributeValue"], size)
    if problem is not None:  # B05: a value the variable cannot take is Rejected
        info = _status_info("InvalidValue", problem)
        return {**result, "attributeStatus": "Rejected", "attributeStatusInfo": info}
    status = station.model.write(address, attribute, item["attributeValue"])
    station.log(f"{address.key} {attribute} = {item['attributeValue']!r}: {status}")
    return {**result, "attributeStatus": status}


# -- B07 GetBaseReport ------------------------------------------------------------------------


def get_base_report(station: Station201, payload: dict[str, Any]) -> Answer:
    base, request_id = payload["reportBase"], payload["requestId"]
    status = report_status(station.model, base)
    if status != "Accepted":
        if "unsupported_report_sent" in station.defects and status == "NotSupported":
            return {"status": status}, get_base_report(
                station, {"reportBase": "FullInventory", "requestId": request_id}
            )[1]
        return {"status": status}, None
    reports = notify_reports(
        station.model,
        base,
        request_id,
        station.now.text,
        station.profile.report_items_per_message,
        station.model.integer("DeviceDataCtrlr", "ReportingValueSize", 2500),
    )

    def send() -> None:
        for report in reports:
            station.link.submit("NotifyReport", report, requested=True)

    return {"status": "Accepted"}, send


# -- B11 / B12 Reset ----------------------------------------------------------------------------


def reset(station: Station201, payload: dict[str, Any]) -> Answer:
    if payload.get("evseId") is not None:
        # This station cannot reset one EVSE alone (B11 / B12: Rejected).
        return {"status": "Rejected", "statusInfo": _status_info("NoEVSEReset", "")}, None
    kind = payload["type"]
    busy = bool(station.running())
    status = "Scheduled" if busy and kind == "OnIdle" else "Accepted"
    return {"status": status}, lambda: station.reset(kind)


# -- B09 SetNetworkProfile ------------------------------------------------------------------------


def set_network_profile(station: Station201, payload: dict[str, Any]) -> Answer:
    """B09: the profile is stored in its slot (the shell connects by it once the slot is
    first in NetworkConfigurationPriority: ``network``); a slot out of that variable's
    valuesList (B09.FR.05) or a lower securityProfile than SecurityCtrlr.SecurityProfile
    (B09.FR.04) is Rejected."""
    slot, data = payload["configurationSlot"], payload["connectionData"]
    spec = station.model.address("OCPPCommCtrlr", "NetworkConfigurationPriority").spec
    if str(slot) not in spec.values_list and "network_profile_any_slot" not in station.defects:
        info = _status_info("InvalidConfSlot", f"slot {slot} not in {','.join(spec.values_list)}")
        return {"status": "Rejected", "statusInfo": info}, None
    if data["securityProfile"] < station.model.integer("SecurityCtrlr", "SecurityProfile", 0):
        info = _status_info("InvalidProfile", "securityProfile lower than the station's")
        return {"status": "Rejected", "statusInfo": info}, None
    profiles = dict(station.store.get("network_profiles", {}))
    profiles[str(slot)] = data
    station.store.put("network_profiles", profiles)
    return {"status": "Accepted"}, None


# -- F01 / F02 RequestStartTransaction, F03 RequestStopTransaction ------------------------------


def request_start_transaction(station: Station201, payload: dict[str, Any]) -> Answer:
    evse = station.evse_for_remote_start(payload.get("evseId"))
    if evse is None:
        return {"status": "Rejected"}, None
    answer: dict[str, Any] = {"status": "Accepted"}
    if evse.transaction is not None:  # F01: a transaction runs already (cable first)
        answer["transactionId"] = evse.transaction.transaction_id
    token, remote_id = payload["idToken"], payload["remoteStartId"]
    return answer, lambda: station.remote_start(evse, token, remote_id)


def request_stop_transaction(station: Station201, payload: dict[str, Any]) -> Answer:
    evse = station.find_transaction(payload["transactionId"])
    if evse is None:
        return {"status": "Rejected"}, None
    return {"status": "Accepted"}, lambda: station.deauthorize(evse, "remote_stop")


# -- E14 GetTransactionStatus ----------------------------------------------------------------------


def get_transaction_status(station: Station201, payload: dict[str, Any]) -> Answer:
    transaction_id = payload.get("transactionId")
    answer: dict[str, Any] = {"messagesInQueue": station.link.queued_for(transaction_id)}
    if transaction_id is not None:
        answer["ongoingIndicator"] = station.find_transaction(transaction_id) is not None
    return answer, None


# -- F06 TriggerMessage --------------------------------------------------------------------------


def trigger_message(station: Station201, payload: dict[str, Any]) -> Answer:
    what = payload["requestedMessage"]
    evse_id = (payload.get("evse") or {}).get("id")
    connector_id = (payload.get("evse") or {}).get("connectorId")
    if what not in station.TRIGGERABLE:
        return {"status": "NotImplemented"}, None
    if evse_id is not None and (
        evse_id not in station.evses
        or (
            connector_id is not None
            and connector_id not in [c.connector_id for c in station.evses[evse_id].connectors]
        )
    ):
        return {"status": "Rejected"}, None
    if not station.may_trigger(what, evse_id):
        return {"status": "Rejected"}, None
    return {"status": "Accepted"}, lambda: station.send_triggered(what, evse_id, connector_id)


# -- G03 / G04 ChangeAvailability ------------------------------------------------------------------


def change_availability(station: Station201, payload: dict[str, Any]) -> Answer:
    operative = payload["operationalStatus"] == "Operative"
    evse = payload.get("evse")
    try:
        status = station.change_availability(
            operative,
            evse["id"] if evse else None,
            evse.get("connectorId") if evse else None,
        )
    except ValueError:
        return {"status": "Rejected"}, None
    return {"status": status}, None


HANDLERS: dict[str, Handler] = {
    "GetVariables": get_variables,
    "SetVariables": set_variables,
    "GetBaseReport": get_base_report,
    "Reset": reset,
    "SetNetworkProfile": set_network_profile,
    "RequestStartTransaction": request_start_transaction,
    "RequestStopTransaction": request_stop_transaction,
    "GetTransactionStatus": get_transaction_status,
    "TriggerMessage": trigger_message,
    "ChangeAvailability": change_availability,
}

# B02.FR.01: while Pending the CSMS may read and set the device model, ask for reports,
# and trigger messages; B02.FR.05: a remote start or stop is Rejected.
WHILE_PENDING = frozenset(
    {"GetVariables", "SetVariables", "GetBaseReport", "GetReport", "TriggerMessage", "Reset"}
)
REJECTED_WHILE_PENDING = frozenset({"RequestStartTransaction", "RequestStopTransaction"})
