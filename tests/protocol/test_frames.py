"""OCPP-J 1.6 section 4: the frame codec."""

import pytest

from chargecheck.protocol import (
    Call,
    CallError,
    CallResult,
    FrameError,
    LocalProtocolError,
    decode_frame,
    encode_frame,
)


def test_call_round_trips_without_rewriting_field_names_or_numbers():
    text = '[2,"id-1","MeterValues",{"connectorId":1,"meterValue":[{"x":0.1,"camelCase":1.0}]}]'
    frame = decode_frame(text)
    assert frame == Call(
        "id-1", "MeterValues", {"connectorId": 1, "meterValue": [{"x": 0.1, "camelCase": 1.0}]}
    )
    assert encode_frame(frame) == text


def test_huge_integers_are_kept_exact():
    text = '[3,"a",{"n":123456789012345678901234567890}]'
    frame = decode_frame(text)
    assert isinstance(frame, CallResult)
    assert frame.payload["n"] == 123456789012345678901234567890
    assert encode_frame(frame) == text


def test_call_error_decodes_all_five_elements():
    frame = decode_frame('[4,"x","NotSupported","nope",{"a":1}]')
    assert frame == CallError("x", "NotSupported", "nope", {"a": 1})


@pytest.mark.parametrize(
    ("text", "code", "unique_id"),
    [
        ("not json", "FormationViolation", None),
        ('{"a":1}', "FormationViolation", None),
        ("[]", "FormationViolation", None),
        ('["2","id","Heartbeat",{}]', "FormationViolation", None),
        ('[7,"id","Heartbeat",{}]', "ProtocolError", "id"),
        ('[2,"id","Heartbeat"]', "ProtocolError", "id"),
        ('[2,"id","Heartbeat",{},1]', "ProtocolError", "id"),
        ('[2,42,"Heartbeat",{}]', "FormationViolation", None),
        ('[2,"' + "x" * 37 + '","Heartbeat",{}]', "FormationViolation", None),
        ('[2,"id",5,{}]', "FormationViolation", "id"),
        ('[2,"id","Heartbeat",[]]', "FormationViolation", "id"),
        ('[3,"id","ok"]', "FormationViolation", "id"),
        ('[4,"id",1,"d",{}]', "FormationViolation", "id"),
        ("[true]", "FormationViolation", None),
    ],
)
def test_bad_frames_raise_frame_error_with_the_answering_code(text, code, unique_id):
    with pytest.raises(FrameError) as caught:
        decode_frame(text)
    assert caught.value.code == code
    assert caught.value.unique_id == unique_id


def test_encoding_refuses_an_unknown_error_code():
    with pytest.raises(LocalProtocolError):
        encode_frame(CallError("a", "Oops", ""))


def test_encoding_refuses_an_overlong_unique_id():
    with pytest.raises(LocalProtocolError):
        encode_frame(CallResult("y" * 37, {}))


def test_decimals_beyond_float_precision_are_kept_digit_for_digit():
    text = '[2,"b","DataTransfer",{"vendorId":"v","data":[1.00000000000000000001,true,null]}]'
    frame = decode_frame(text)
    assert encode_frame(frame) == text


def test_a_call_parsed_by_orjson_is_marked_plain_and_one_with_long_numbers_is_not():
    assert decode_frame('[2,"1","MeterValues",{"connectorId":1}]').plain is True
    long_decimal = '[2,"1","DataTransfer",{"vendorId":"x","data":"1","n":0.12345678901234567}]'
    assert decode_frame(long_decimal).plain is False
    assert Call("1", "Heartbeat", {}).plain is False  # built by code: nothing is promised
