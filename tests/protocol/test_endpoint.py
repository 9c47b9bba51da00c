"""The endpoint classifies every received message; nothing is dropped."""

import pytest

from chargecheck.protocol import Call, CallError, CallResult, LocalProtocolError, encode_frame
from chargecheck.protocol.endpoint import Endpoint, InboundKind, Role
from chargecheck.protocol.tracker import counter_ids


@pytest.fixture
def central():
    return Endpoint(Role.CENTRAL_SYSTEM, counter_ids("cs"))


def test_valid_station_call_is_a_call(central):
    inbound = central.receive('[2,"1","Heartbeat",{}]')
    assert inbound.kind is InboundKind.CALL
    assert inbound.answer is None


def test_central_system_action_from_the_station_is_not_supported(central):
    inbound = central.receive('[2,"1","Reset",{"type":"Soft"}]')
    assert inbound.kind is InboundKind.REJECTED_CALL
    assert inbound.answer == CallError("1", "NotSupported", inbound.answer.error_description)


def test_unknown_action_is_not_implemented(central):
    inbound = central.receive('[2,"1","MakeCoffee",{}]')
    assert inbound.answer.error_code == "NotImplemented"


def test_unreadable_frame_is_answered_with_id_minus_one(central):
    inbound = central.receive("{")
    assert inbound.kind is InboundKind.BAD_FRAME
    assert inbound.answer_text.startswith('[4,"-1","FormationViolation"')


def test_reply_resolves_its_pending_call_and_checks_the_response_schema(central):
    call = central.call("ChangeAvailability", {"connectorId": 0, "type": "Operative"}, 0.0, 5)
    bad = central.receive(encode_frame(CallResult(call.unique_id, {"status": "Maybe"})))
    assert bad.kind is InboundKind.INVALID_REPLY
    assert bad.pending.call == call


def test_station_side_accepts_central_actions_only():
    station = Endpoint(Role.CHARGE_POINT, counter_ids("cp"))
    assert station.receive('[2,"1","ClearCache",{}]').kind is InboundKind.CALL
    assert station.receive('[2,"2","Heartbeat",{}]').answer.error_code == "NotSupported"


def test_unknown_and_late_replies_are_their_own_kinds(central):
    assert central.receive('[3,"nope",{}]').kind is InboundKind.UNEXPECTED_REPLY
    call = central.call("ClearCache", {}, 0.0, 1)
    central.tracker.expire(5.0)
    assert central.receive(f'[4,"{call.unique_id}","InternalError","",{{}}]').kind is (
        InboundKind.LATE_REPLY
    )


def test_the_bench_refuses_to_send_an_invalid_payload(central):
    with pytest.raises(LocalProtocolError):
        central.call("Reset", {"type": "Warm"}, 0.0, 1)
    with pytest.raises(LocalProtocolError):
        central.result(Call("1", "Heartbeat", {}), {})
