"""The 2.0.1 device model and its profile, by plain calls: finding what a request names
(B06), checking values (B05), RebootRequired, the NotifyReport split (B07) and the
reconnection back-off of the shell (a pure function)."""

from __future__ import annotations

import random
from typing import Any

import pytest

from chargecheck.protocol.schemas import validate
from chargecheck.protocol.versions import OCPP201
from chargecheck.sim.v201.device_model import (
    DeviceModel,
    ProfileError,
    VariableSpec,
    check_value,
    load_profile,
    parse_profile,
)
from chargecheck.sim.v201.reports import notify_reports, report_status
from chargecheck.sim.v201.shell import reconnect_wait


@pytest.fixture
def model() -> DeviceModel:
    profile = load_profile("generic-201")
    return DeviceModel(profile.specs, profile.evse_connectors)


def comp(name: str, evse: int | None = None, connector: int | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name}
    if evse is not None:
        out["evse"] = {"id": evse} | ({"connectorId": connector} if connector else {})
    return out


def test_the_shipped_profile_has_the_core_controllers_and_two_evses() -> None:
    profile = load_profile("generic-201")
    components = {s.component for s in profile.specs}
    assert {"OCPPCommCtrlr", "TxCtrlr", "SampledDataCtrlr", "DeviceDataCtrlr"} <= components
    assert {"AuthCtrlr", "ClockCtrlr", "SecurityCtrlr", "AlignedDataCtrlr"} <= components
    assert profile.evse_connectors == {1: (1,), 2: (1,)}


def test_find_is_case_insensitive_and_tells_unknown_component_from_unknown_variable(
    model: DeviceModel,
) -> None:
    found = model.find(comp("ocppcommctrlr"), {"name": "heartbeatinterval"})
    assert found.address is not None and found.address.key == "OCPPCommCtrlr/HeartbeatInterval"
    assert model.find(comp("NoSuchCtrlr"), {"name": "HeartbeatInterval"}).status == (
        "UnknownComponent"
    )
    assert model.find(comp("OCPPCommCtrlr"), {"name": "NoSuchVariable"}).status == (
        "UnknownVariable"
    )


def test_a_variable_instance_must_match(model: DeviceModel) -> None:
    asked = {"name": "MessageAttempts", "instance": "TransactionEvent"}
    assert model.find(comp("OCPPCommCtrlr"), asked).address is not None
    assert model.find(comp("OCPPCommCtrlr"), {"name": "MessageAttempts"}).status == (
        "UnknownVariable"
    )


def test_evse_and_connector_components_need_an_evse_the_station_has(model: DeviceModel) -> None:
    assert model.find(comp("EVSE", 1), {"name": "Power"}).address is not None
    assert model.find(comp("EVSE"), {"name": "Power"}).status == "UnknownComponent"
    assert model.find(comp("EVSE", 3), {"name": "Power"}).status == "UnknownComponent"
    assert model.find(comp("Connector", 2, 1), {"name": "ConnectorType"}).address is not None
    assert model.find(comp("Connector", 2), {"name": "ConnectorType"}).status == (
        "UnknownComponent"
    )


def spec(data_type: str, **kw: Any) -> VariableSpec:
    return VariableSpec("C", "V", data_type, **kw)


@pytest.mark.parametrize(
    ("variable", "value", "valid"),
    [
        (spec("integer"), "42", True),
        (spec("integer"), "-3", True),
        (spec("integer"), "4.5", False),
        (spec("integer"), "abc", False),
        (spec("integer", min_limit=1), "0", False),
        (spec("integer", max_limit=10), "11", False),
        (spec("decimal"), "4.5", True),
        (spec("decimal"), "nan", False),
        (spec("decimal"), "x1", False),
        (spec("boolean"), "true", True),
        (spec("boolean"), "False", True),
        (spec("boolean"), "yes", False),
        (spec("dateTime"), "2030-01-01T00:00:00Z", True),
        (spec("dateTime"), "tomorrow", False),
        (spec("OptionList", values_list=("A", "B")), "B", True),
        (spec("OptionList", values_list=("A", "B")), "A,B", False),
        (spec("MemberList", values_list=("A", "B")), "B,A", True),
        (spec("MemberList", values_list=("A", "B")), "A,C", False),
        (spec("MemberList", values_list=("A", "B")), "A,A", False),
        (spec("MemberList", values_list=("A", "B")), "", False),
        (spec("SequenceList", values_list=("A", "B")), "A", True),
        (spec("string", max_length=3), "abcd", False),
        (spec("string"), "anything", True),
    ],
)
def test_check_value_by_data_type_limits_and_values_list(
    variable: VariableSpec, value: str, valid: bool
) -> None:
    assert (check_value(variable, value) is None) is valid


def test_a_reboot_required_value_waits_for_the_next_power_on(model: DeviceModel) -> None:
    address = model.address("OCPPCommCtrlr", "NetworkConfigurationPriority")
    assert model.write(address, "Actual", "2") == "RebootRequired"
    assert model.read(address) == "1"
    saved = model.to_dict()
    profile = load_profile("generic-201")
    again = DeviceModel(profile.specs, profile.evse_connectors, saved["values"], saved["pending"])
    assert again.apply_pending()
    assert again.read(again.address("OCPPCommCtrlr", "NetworkConfigurationPriority")) == "2"


def test_saved_values_outlive_the_model(model: DeviceModel) -> None:
    address = model.address("OCPPCommCtrlr", "HeartbeatInterval")
    assert model.write(address, "Actual", "77") == "Accepted"
    profile = load_profile("generic-201")
    again = DeviceModel(profile.specs, profile.evse_connectors, model.to_dict()["values"])
    assert again.integer("OCPPCommCtrlr", "HeartbeatInterval", 0) == 77


BASE: dict[str, Any] = {
    "charging_station": {"model": "M", "vendorName": "V"},
    "evse": [{"id": 1, "connectors": [{"id": 1}]}],
}


@pytest.mark.parametrize(
    ("variables", "words"),
    [
        ([{"component": "C", "variable": "V", "type": "float"}], "type 'float'"),
        ([{"component": "C", "variable": "V", "type": "integer", "mutability": "Rw"}], "Rw"),
        ([{"component": "C", "variable": "V", "type": "string", "live": "x"}], "live"),
        ([{"component": "C", "variable": "V", "type": "integer", "value": "x"}], "not an integer"),
        ([{"component": "C", "variable": "V", "type": "OptionList"}], "needs its values"),
        ([{"component": "C", "variable": "V", "type": "string"}] * 2, "twice"),
    ],
)
def test_a_bad_profile_entry_is_named(variables: list[dict[str, Any]], words: str) -> None:
    with pytest.raises(ProfileError, match=words):
        parse_profile({**BASE, "device_model": {"variables": variables}}, "test.toml")


def test_evse_ids_must_be_one_to_n() -> None:
    data = {**BASE, "evse": [{"id": 2, "connectors": [{"id": 1}]}]}
    with pytest.raises(ProfileError, match=r"1\.\.n"):
        parse_profile({**data, "device_model": {"variables": []}}, "test.toml")


def test_a_missing_profile_file_is_a_profile_error(tmp_path) -> None:
    with pytest.raises(ProfileError, match=r"nothing\.toml"):
        load_profile(tmp_path / "nothing.toml")


def test_full_inventory_is_split_with_seq_no_and_tbc(model: DeviceModel) -> None:
    reports = notify_reports(model, "FullInventory", 7, "2030-01-01T00:00:00Z", 10)
    assert len(reports) > 3
    assert [r["seqNo"] for r in reports] == list(range(len(reports)))
    assert [r["tbc"] for r in reports] == [True] * (len(reports) - 1) + [False]
    for report in reports:
        validate("NotifyReport", report, version=OCPP201)
        assert report["requestId"] == 7 and len(report["reportData"]) <= 10
    entries = [d for r in reports for d in r["reportData"]]
    assert len(entries) == len(model.addresses)


def test_configuration_inventory_lists_what_may_be_set_and_hides_write_only_values(
    model: DeviceModel,
) -> None:
    reports = notify_reports(model, "ConfigurationInventory", 1, "2030-01-01T00:00:00Z", 500)
    entries = reports[0]["reportData"]
    mutabilities = {a["mutability"] for e in entries for a in e["variableAttribute"]}
    assert mutabilities == {"ReadWrite", "WriteOnly"}
    password = next(e for e in entries if e["variable"]["name"] == "BasicAuthPassword")
    assert "value" not in password["variableAttribute"][0]


def test_summary_inventory_is_not_supported(model: DeviceModel) -> None:
    assert report_status(model, "SummaryInventory") == "NotSupported"
    assert report_status(model, "FullInventory") == "Accepted"


def test_reconnect_wait_doubles_up_to_repeat_times_plus_a_random_part() -> None:
    rng = random.Random(1)
    waits = [reconnect_wait(n, 2.0, 0.0, 3, rng) for n in range(1, 7)]
    assert waits == [2.0, 4.0, 8.0, 16.0, 16.0, 16.0]
    jittered = [reconnect_wait(1, 2.0, 3.0, 3, rng) for _ in range(50)]
    assert all(2.0 <= w <= 5.0 for w in jittered) and len(set(jittered)) > 1
