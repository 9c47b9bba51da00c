"""The load generator's hand-built frames are valid OCPP 1.6, and stations split evenly."""

import json

from bench.load import split
from bench.stations import MeterFrames, boot_frame, heartbeat_frame

from chargecheck.protocol import validate
from chargecheck.protocol.frames import Call, decode_frame


def test_meter_values_frame_is_a_valid_call_with_ten_sampled_values():
    frame = decode_frame(MeterFrames("2020-02-18T14:28:27.000Z").frame("42", 1234))
    assert isinstance(frame, Call) and frame.unique_id == "42"
    validate(frame.action, frame.payload)
    sampled = frame.payload["meterValue"][0]["sampledValue"]
    measurands = {(s["measurand"], s.get("phase")) for s in sampled}
    assert len(sampled) == 10 and len(measurands) == 10
    assert sampled[-1] == {
        "value": "1234",
        "context": "Sample.Periodic",
        "measurand": "Energy.Active.Import.Register",
        "location": "Outlet",
        "unit": "Wh",
    }


def test_boot_and_heartbeat_frames_are_valid_calls():
    for text in (boot_frame("LG00001"), heartbeat_frame("7")):
        frame = decode_frame(text)
        assert isinstance(frame, Call)
        validate(frame.action, frame.payload)
    assert json.loads(heartbeat_frame("7")) == [2, "7", "Heartbeat", {}]


def test_stations_are_split_evenly_over_processes():
    assert split(10, 3) == [(0, 4), (4, 3), (7, 3)]
    assert split(2, 4) == [(0, 1), (1, 1)]
