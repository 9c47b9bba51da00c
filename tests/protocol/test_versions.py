"""OCPP 1.6 and 2.0.1 side by side (``protocol/versions.py``): the actions each side may
call, the schemas of each, and the CALLERROR codes each spells (OCPP-J 1.6 section 4.2.3,
2.0.1 part 4 section 4.3). The same bad input gets each version's code."""

from importlib import resources

import orjson
import pytest

from chargecheck.protocol import CallResult, encode_frame
from chargecheck.protocol.endpoint import Endpoint, InboundKind, Role
from chargecheck.protocol.errors import ERROR_CODES, SchemaViolation
from chargecheck.protocol.schemas import validate
from chargecheck.protocol.tracker import counter_ids
from chargecheck.protocol.versions import (
    BY_SUBPROTOCOL,
    OCPP16,
    OCPP201,
    VERSIONS,
    version_named,
)

BOOT_201 = {"reason": "PowerUp", "chargingStation": {"model": "M1", "vendorName": "V"}}


def encode_frame_call(action, payload):
    return orjson.dumps([2, "u1", action, payload]).decode()


def central(version):
    return Endpoint(Role.CENTRAL_SYSTEM, counter_ids("cs"), version=version)


@pytest.mark.parametrize("version", VERSIONS, ids=lambda v: v.name)
def test_every_action_of_a_version_has_its_request_and_response_schema(version):
    files = {
        f.name
        for f in resources.files(version.schema_package).joinpath("schemas").iterdir()
        if f.name.endswith(".json")
    }
    wanted = {version.schema_file(a, r) for a in version.all_actions for r in (False, True)}
    assert wanted <= files
    if version is OCPP201:  # the package's 2.0.1 schemas are exactly its actions
        assert wanted == files


def test_the_versions_are_found_by_subprotocol_and_name():
    assert BY_SUBPROTOCOL["ocpp1.6"] is OCPP16 and BY_SUBPROTOCOL["ocpp2.0.1"] is OCPP201
    assert version_named("2.0.1") is OCPP201
    with pytest.raises(ValueError, match=r"1\.6, 2\.0\.1"):
        version_named("2.1")


def test_2_0_1_actions_are_not_1_6_ones_and_back():
    assert "TransactionEvent" in OCPP201.station_actions - OCPP16.station_actions
    assert "StartTransaction" in OCPP16.station_actions - OCPP201.station_actions
    assert "RequestStartTransaction" in OCPP201.central_actions
    assert "DataTransfer" in OCPP201.station_actions & OCPP201.central_actions


def test_each_version_spells_only_its_own_codes_and_the_codec_lets_out_both():
    assert "FormatViolation" in OCPP201.error_codes - OCPP16.error_codes
    assert "OccurenceConstraintViolation" in OCPP16.error_codes - OCPP201.error_codes
    assert OCPP16.error_codes | OCPP201.error_codes == ERROR_CODES
    for version in VERSIONS:
        for code in OCPP16.error_codes:
            assert version.wire_code(code) in version.error_codes
        for kind in ("rpc", "message_type", None):
            assert version.wire_code("FormationViolation", kind) in version.error_codes


@pytest.mark.parametrize(
    ("text", "code_16", "code_201"),
    [
        ("{", "FormationViolation", "RpcFrameworkError"),  # not JSON
        ('{"a":1}', "FormationViolation", "RpcFrameworkError"),  # not an array
        ('[2,17,"Heartbeat",{}]', "FormationViolation", "RpcFrameworkError"),  # no MessageId
        ('[2,"1",5,{}]', "FormationViolation", "RpcFrameworkError"),  # no Action
        ('[2,"1","Heartbeat"]', "ProtocolError", "RpcFrameworkError"),  # three elements
        ('[7,"1","Heartbeat",{}]', "ProtocolError", "MessageTypeNotSupported"),
        ('[2,"1","Heartbeat",[]]', "FormationViolation", "FormatViolation"),  # payload
    ],
)
def test_a_bad_frame_gets_each_versions_code(text, code_16, code_201):
    for version, code in ((OCPP16, code_16), (OCPP201, code_201)):
        inbound = central(version).receive(text)
        assert inbound.kind is InboundKind.BAD_FRAME, version.name
        assert inbound.answer.error_code == code, version.name


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"reason": "PowerUp"}, "OccurrenceConstraintViolation"),
        ({**BOOT_201, "reason": "Whenever"}, "PropertyConstraintViolation"),
        (
            {**BOOT_201, "chargingStation": {"model": 7, "vendorName": "V"}},
            "TypeConstraintViolation",
        ),
        ({**BOOT_201, "extra": 1}, "FormatViolation"),
    ],
)
def test_a_2_0_1_payload_is_judged_by_the_2_0_1_schema_and_answered_in_2_0_1_codes(payload, code):
    text = encode_frame_call("BootNotification", payload)
    inbound = central(OCPP201).receive(text)
    assert inbound.kind is InboundKind.REJECTED_CALL
    assert inbound.answer.error_code == code
    assert inbound.answer.error_code in OCPP201.error_codes


def test_a_valid_2_0_1_boot_is_a_call_there_and_a_schema_violation_on_1_6():
    text = encode_frame_call("BootNotification", BOOT_201)
    assert central(OCPP201).receive(text).kind is InboundKind.CALL
    on_16 = central(OCPP16).receive(text)
    assert on_16.answer.error_code == "OccurenceConstraintViolation"  # 1.6's own spelling


def test_actions_are_those_of_the_negotiated_version():
    endpoint = central(OCPP201)
    started = encode_frame_call("StartTransaction", {"connectorId": 1})
    assert endpoint.receive(started).answer.error_code == "NotImplemented"
    start = encode_frame_call(
        "RequestStartTransaction",
        {"idToken": {"idToken": "A", "type": "Central"}, "remoteStartId": 1},
    )
    assert endpoint.receive(start).answer.error_code == "NotSupported"
    station = Endpoint(Role.CHARGE_POINT, counter_ids("cp"), version=OCPP201)
    assert station.receive(start).kind is InboundKind.CALL


def test_the_bench_sends_and_checks_2_0_1_calls_and_results():
    endpoint = central(OCPP201)
    call = endpoint.call(
        "GetVariables",
        {
            "getVariableData": [
                {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}
            ]
        },
        0.0,
        5,
    )
    bad = endpoint.receive(encode_frame(CallResult(call.unique_id, {"getVariableResult": [{}]})))
    assert bad.kind is InboundKind.INVALID_REPLY
    with pytest.raises(Exception, match="refusing to send"):
        endpoint.call("Reset", {"type": "Soft"}, 0.0, 5)  # 2.0.1 knows Immediate / OnIdle
    answer = {"currentTime": "2026-12-07T05:00:00Z", "interval": 300, "status": "Accepted"}
    assert central(OCPP201).result(_boot_call(), answer).payload == answer


def _boot_call():
    inbound = central(OCPP201).receive(encode_frame_call("BootNotification", BOOT_201))
    return inbound.frame


def test_validate_defaults_to_1_6():
    validate("Heartbeat", {})
    with pytest.raises(SchemaViolation):
        validate("BootNotification", BOOT_201)
    validate("BootNotification", BOOT_201, version=OCPP201)
