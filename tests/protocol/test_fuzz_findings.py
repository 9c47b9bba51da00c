"""What the fuzz suite (tests/fuzz) found in the codec and the validation, pinned down
with plain calls: numbers beyond a double, JSON constants that are not JSON, lone
surrogates, draft-06 integers, and CALL unique ids used twice on a connection."""

from __future__ import annotations

import pytest

from chargecheck.protocol.endpoint import Endpoint, InboundKind, Role
from chargecheck.protocol.errors import FrameError
from chargecheck.protocol.frames import decode_frame
from chargecheck.protocol.tracker import counter_ids

LONG = "12345678901234567890"  # a 16+ digit run: the exact parser reads the frame


def central(recent_call_ids: int = 1024) -> Endpoint:
    return Endpoint(Role.CENTRAL_SYSTEM, counter_ids("t"), recent_call_ids=recent_call_ids)


def answer(endpoint: Endpoint, text: str) -> tuple[str, str] | None:
    inbound = endpoint.receive(text)
    return None if inbound.answer is None else (inbound.answer.unique_id, inbound.answer.error_code)


STATUS = '"errorCode":"NoError","status":"Available"'


@pytest.mark.parametrize("number", ["1e400", "-1E+400", "1.0", "2e1"])
def test_a_fraction_or_exponent_in_a_draft04_integer_is_a_type_violation_with_its_id(number):
    # 1e400 was refused as "not valid JSON" (orjson reads doubles), answered with id -1.
    text = f'[2,"n1","StatusNotification",{{"connectorId":{number},{STATUS}}}]'
    assert answer(central(), text) == ("n1", "TypeConstraintViolation")


@pytest.mark.parametrize("number", ["1e400", f"{LONG}.0", "1.0", "2e1"])
def test_an_integral_number_is_a_draft06_integer_however_it_is_written(number):
    # LogStatusNotification (security extension) declares draft 06: 1.0 passed, but the
    # exact parser's Decimals (1e400, 20 digits .0) were refused.
    text = f'[2,"n2","LogStatusNotification",{{"status":"Idle","requestId":{number}}}]'
    assert answer(central(), text) is None


def test_a_fraction_is_no_draft06_integer():
    text = f'[2,"n3","LogStatusNotification",{{"status":"Idle","requestId":{LONG}.5}}]'
    assert answer(central(), text) == ("n3", "TypeConstraintViolation")


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json_on_the_exact_path_either(constant):
    # With a long number in the frame, Python's parser took NaN as a float.
    with pytest.raises(FrameError) as caught:
        decode_frame(f'[2,"n4","DataTransfer",{{"vendorId":"v","x":{constant},"y":{LONG}}}]')
    assert caught.value.code == "FormationViolation" and caught.value.unique_id is None


def test_a_lone_surrogate_is_refused_and_a_pair_is_read_on_the_exact_path():
    with pytest.raises(FrameError):
        decode_frame(f'[2,"n5","DataTransfer",{{"vendorId":"\\ud800","y":{LONG}}}]')
    call = decode_frame(f'[2,"n6","DataTransfer",{{"vendorId":"\\ud83d\\ude00","y":{LONG}}}]')
    assert call.payload["vendorId"] == "\U0001f600"  # type: ignore[union-attr]


def test_bytes_that_are_not_utf8_are_not_json_on_the_exact_path():
    with pytest.raises(FrameError):
        decode_frame(b'[2,"n7","Heartbeat",{"y":' + LONG.encode() + b',"z":"\xff"}]')


def test_a_call_id_used_twice_on_a_connection_is_a_generic_error():
    endpoint = central()
    assert answer(endpoint, '[2,"d1","Heartbeat",{}]') is None
    assert answer(endpoint, '[2,"d1","Heartbeat",{}]') == ("d1", "GenericError")
    assert answer(endpoint, '[2,"d2","Authorize",{}]') == ("d2", "OccurenceConstraintViolation")
    assert answer(endpoint, '[2,"d2","Heartbeat",{}]') == ("d2", "GenericError")  # used anyway
    endpoint.new_connection()
    assert answer(endpoint, '[2,"d1","Heartbeat",{}]') is None


def test_only_the_latest_call_ids_are_remembered():
    endpoint = central(recent_call_ids=2)
    for unique_id in ("a", "b", "c"):
        assert endpoint.receive(f'[2,"{unique_id}","Heartbeat",{{}}]').kind is InboundKind.CALL
    assert answer(endpoint, '[2,"a","Heartbeat",{}]') is None  # forgotten
    assert answer(endpoint, '[2,"c","Heartbeat",{}]') == ("c", "GenericError")


def test_an_endpoint_without_a_window_does_not_check_ids():
    endpoint = Endpoint(Role.CHARGE_POINT, counter_ids("s"))
    for _ in range(2):
        assert endpoint.receive('[2,"x","Reset",{"type":"Soft"}]').kind is InboundKind.CALL
