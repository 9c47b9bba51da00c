"""GetVariables, SetVariables, GetBaseReport and TriggerMessage on the 2.0.1 station model
(use cases B05, B06, B07, F06), as the OCTT Core cases of block B ask them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from chargecheck.protocol.frames import CallError

from .pair import Pair


@pytest.fixture
def pair(tmp_path: Path) -> Pair:
    p = Pair(tmp_path / "s.sqlite")
    p.connect()
    return p


def item(component: str, variable: str, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"component": {"name": component}, "variable": {"name": variable}}
    for key in ("instance", "evse"):
        if key in extra:
            target = out["variable"] if key == "instance" else out["component"]
            target[key] = extra.pop(key)
    return out | extra


def get(pair: Pair, *items: dict[str, Any]) -> list[dict[str, Any]]:
    answer = pair.send("GetVariables", {"getVariableData": list(items)})
    assert isinstance(answer, dict)
    return list(answer["getVariableResult"])


def set_(pair: Pair, *items: dict[str, Any]) -> list[dict[str, Any]]:
    answer = pair.send("SetVariables", {"setVariableData": list(items)})
    assert isinstance(answer, dict)
    return list(answer["setVariableResult"])


def test_get_variables_single_and_multiple(pair: Pair) -> None:
    (one,) = get(pair, item("OCPPCommCtrlr", "HeartbeatInterval"))
    assert one["attributeStatus"] == "Accepted" and one["attributeValue"] == "300"
    many = get(
        pair,
        item("TxCtrlr", "TxStartPoint"),
        item("TxCtrlr", "TxStopPoint"),
        item("Connector", "ConnectorType", evse={"id": 1, "connectorId": 1}),
        item("EVSE", "Power", evse={"id": 2}, attributeType="MaxSet"),
    )
    assert [r["attributeValue"] for r in many] == [
        "PowerPathClosed",
        "EVConnected,Authorized",
        "cType2",
        "11000",
    ]


@pytest.mark.parametrize(
    ("asked", "status"),
    [
        (item("NoSuchCtrlr", "HeartbeatInterval"), "UnknownComponent"),
        (item("OCPPCommCtrlr", "NoSuchVariable"), "UnknownVariable"),
        (
            item("OCPPCommCtrlr", "HeartbeatInterval", attributeType="Target"),
            ("NotSupportedAttributeType"),
        ),
        (item("SecurityCtrlr", "BasicAuthPassword"), "Rejected"),
    ],
)
def test_get_variables_refusals(pair: Pair, asked: dict[str, Any], status: str) -> None:
    (result,) = get(pair, asked)
    assert result["attributeStatus"] == status
    assert "attributeValue" not in result
    assert result["component"] == asked["component"]


def test_set_variables_accepted_is_read_back_and_kept_over_a_reboot(pair: Pair) -> None:
    (result,) = set_(pair, item("OCPPCommCtrlr", "HeartbeatInterval", attributeValue="45"))
    assert result["attributeStatus"] == "Accepted"
    (read,) = get(pair, item("OCPPCommCtrlr", "HeartbeatInterval"))
    assert read["attributeValue"] == "45"
    mark = pair.mark()
    pair.advance(45)
    assert len(pair.of("Heartbeat", mark)) == 1  # the new interval applies at once
    pair.send("Reset", {"type": "Immediate"})
    pair.reboot()
    assert pair.station.model.integer("OCPPCommCtrlr", "HeartbeatInterval", 0) == 45


def test_set_variables_multiple_with_mixed_outcomes(pair: Pair) -> None:
    results = set_(
        pair,
        item("TxCtrlr", "EVConnectionTimeOut", attributeValue="30"),
        item("NoSuchCtrlr", "X", attributeValue="1"),
        item("TxCtrlr", "NoSuch", attributeValue="1"),
        item("TxCtrlr", "EVConnectionTimeOut", attributeValue="1", attributeType="MaxSet"),
        item("SecurityCtrlr", "SecurityProfile", attributeValue="2"),
        item("OCPPCommCtrlr", "NetworkConfigurationPriority", attributeValue="2,1"),
    )
    assert [r["attributeStatus"] for r in results] == [
        "Accepted",
        "UnknownComponent",
        "UnknownVariable",
        "NotSupportedAttributeType",
        "Rejected",
        "RebootRequired",
    ]


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("HeartbeatInterval", "abc"),
        ("HeartbeatInterval", "0"),
        ("HeartbeatInterval", "1.5"),
        ("UnlockOnEVSideDisconnect", "maybe"),
    ],
)
def test_set_variables_invalid_values_are_rejected_and_not_taken(
    pair: Pair, variable: str, value: str
) -> None:
    (before,) = get(pair, item("OCPPCommCtrlr", variable))
    (result,) = set_(pair, item("OCPPCommCtrlr", variable, attributeValue=value))
    assert result["attributeStatus"] == "Rejected"
    assert result["attributeStatusInfo"]["reasonCode"] == "InvalidValue"
    (after,) = get(pair, item("OCPPCommCtrlr", variable))
    assert after["attributeValue"] == before["attributeValue"]


def test_a_tx_start_point_the_station_has_no_sensor_for_is_rejected(pair: Pair) -> None:
    (result,) = set_(pair, item("TxCtrlr", "TxStartPoint", attributeValue="ParkingBayOccupancy"))
    assert result["attributeStatus"] == "Rejected"


def test_more_items_than_items_per_message_is_a_call_error(pair: Pair) -> None:
    items = [item("OCPPCommCtrlr", "HeartbeatInterval")] * 21
    answer = pair.send("GetVariables", {"getVariableData": items})
    assert isinstance(answer, CallError)
    assert answer.error_code == "OccurrenceConstraintViolation"


def test_get_base_report_full_inventory_follows_the_answer_in_parts(pair: Pair) -> None:
    mark = pair.mark()
    answer = pair.send("GetBaseReport", {"requestId": 9, "reportBase": "FullInventory"})
    assert answer == {"status": "Accepted"}
    reports = pair.of("NotifyReport", mark)
    assert len(reports) == len(pair.calls) - mark  # nothing else in between
    assert [r["seqNo"] for r in reports] == list(range(len(reports)))
    assert [r["tbc"] for r in reports] == [True] * (len(reports) - 1) + [False]
    assert all(len(r["reportData"]) <= 12 for r in reports)
    names = {
        (d["component"]["name"], d["variable"]["name"]) for r in reports for d in r["reportData"]
    }
    assert ("TxCtrlr", "TxStartPoint") in names and ("EVSE", "AvailabilityState") in names


def test_get_base_report_configuration_inventory_and_summary(pair: Pair) -> None:
    mark = pair.mark()
    assert pair.send("GetBaseReport", {"requestId": 1, "reportBase": "ConfigurationInventory"}) == {
        "status": "Accepted"
    }
    entries = [d for r in pair.of("NotifyReport", mark) for d in r["reportData"]]
    assert all(d["variableAttribute"][0]["mutability"] != "ReadOnly" for d in entries)
    assert pair.send("GetBaseReport", {"requestId": 2, "reportBase": "SummaryInventory"}) == {
        "status": "NotSupported"
    }


@pytest.mark.parametrize(
    ("request_", "status", "sent"),
    [
        ({"requestedMessage": "Heartbeat"}, "Accepted", ["Heartbeat"]),
        (
            {"requestedMessage": "StatusNotification", "evse": {"id": 2, "connectorId": 1}},
            "Accepted",
            ["StatusNotification"],
        ),
        ({"requestedMessage": "MeterValues", "evse": {"id": 1}}, "Accepted", ["MeterValues"]),
        (
            {"requestedMessage": "FirmwareStatusNotification"},
            "Accepted",
            ["FirmwareStatusNotification"],
        ),
        ({"requestedMessage": "BootNotification"}, "Rejected", []),
        ({"requestedMessage": "TransactionEvent", "evse": {"id": 1}}, "Rejected", []),
        ({"requestedMessage": "StatusNotification", "evse": {"id": 9}}, "Rejected", []),
        ({"requestedMessage": "SignChargingStationCertificate"}, "NotImplemented", []),
    ],
)
def test_trigger_message(
    pair: Pair, request_: dict[str, Any], status: str, sent: list[str]
) -> None:
    mark = pair.mark()
    assert pair.send("TriggerMessage", request_) == {"status": status}
    assert [c.action for c in pair.calls[mark:]] == sent


def test_an_action_the_station_does_not_handle_is_not_supported(pair: Pair) -> None:
    answer = pair.send("ClearCache", {})
    assert isinstance(answer, CallError) and answer.error_code == "NotSupported"
