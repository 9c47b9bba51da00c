"""Transactions over a real WebSocket: authorisation, start, stop, meter values, faults
and charging limits (OCPP 1.6 sections 3.4-3.6, 3.13, 4.1, 4.7-4.10)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from .conftest import SCALE, WAIT


def sampled(message_payload: dict[str, Any], measurand: str, phase: str | None = None) -> float:
    values = [
        v
        for mv in message_payload.get("meterValue", message_payload.get("transactionData", []))
        for v in mv["sampledValue"]
        if v.get("measurand") == measurand and v.get("phase") == phase
    ]
    assert len(values) == 1, (measurand, phase, message_payload)
    return float(values[0]["value"])


def is_status(connector: int, status: str):
    return lambda p: p["connectorId"] == connector and p["status"] == status


def periodic(p: dict[str, Any]) -> bool:
    return p["meterValue"][0]["sampledValue"][0]["context"] == "Sample.Periodic"


async def test_local_start_authorizes_then_starts_then_reports_charging(bench):
    sim, session = await bench.start()
    cursor = session.mark()
    await sim.plug(1)
    await sim.present_id_tag(1, "TAG1")
    start = await session.expect("StartTransaction", timeout=WAIT, cursor=cursor)
    await session.expect("StatusNotification", is_status(1, "Charging"), WAIT, cursor)
    actions = [m.action for m in session.received(cursor=cursor)]
    assert actions[:4] == [
        "StatusNotification",
        "Authorize",
        "StartTransaction",
        "StatusNotification",
    ]
    assert session.received("StatusNotification", cursor)[0].payload["status"] == "Preparing"
    assert start.payload["idTag"] == "TAG1" and start.payload["connectorId"] == 1
    begin = await session.expect("MeterValues", timeout=WAIT, cursor=cursor)
    assert begin.payload["transactionId"] == sim.transaction_id(1) == 1
    assert {v["context"] for v in begin.payload["meterValue"][0]["sampledValue"]} == {
        "Transaction.Begin"
    }


async def test_an_authorize_not_accepted_stops_the_sequence(bench, answers):
    from chargecheck.csms import Answers

    answers["CP1"] = Answers(id_tags={"BLOCKED": "Blocked"})
    sim, session = await bench.start()
    cursor = session.mark()
    await sim.plug(1)
    await sim.present_id_tag(1, "BLOCKED")
    await session.expect("Authorize", timeout=WAIT, cursor=cursor)
    # ConnectionTimeOut (20 s station time) then takes the connector back to Available.
    await session.expect("StatusNotification", is_status(1, "Available"), WAIT, cursor)
    assert session.received("StartTransaction", cursor) == []
    assert sim.transaction_id(1) is None


async def test_plug_and_charge_starts_with_the_fixed_id_tag_on_plug_in(bench):
    sim, session = await bench.start(plug_and_charge_id_tag="PLUGANDCHARGE")
    await sim.plug(2)
    start = await session.expect("StartTransaction", timeout=WAIT)
    assert start.payload["idTag"] == "PLUGANDCHARGE" and start.payload["connectorId"] == 2
    await session.expect("StatusNotification", is_status(2, "Charging"), WAIT)


@pytest.mark.parametrize("authorize_remote", ["false", "true"])
async def test_remote_start_respects_authorize_remote_tx_requests(bench, authorize_remote):
    sim, session = await bench.start(config={"AuthorizeRemoteTxRequests": authorize_remote})
    await sim.plug(1)
    cursor = session.mark()
    result = await session.call("RemoteStartTransaction", {"idTag": "R1", "connectorId": 1}, WAIT)
    assert result["status"] == "Accepted"
    start = await session.expect("StartTransaction", timeout=WAIT, cursor=cursor)
    authorizes = session.received("Authorize", cursor)
    assert len(authorizes) == (1 if authorize_remote == "true" else 0)
    assert start.payload["idTag"] == "R1"
    await session.expect("StatusNotification", is_status(1, "Charging"), WAIT, cursor)
    stop_request = {"transactionId": sim.transaction_id(1)}
    assert (await session.call("RemoteStopTransaction", stop_request, WAIT))["status"] == "Accepted"
    stop = await session.expect("StopTransaction", timeout=WAIT, cursor=cursor)
    assert stop.payload["reason"] == "Remote"
    assert stop.payload["transactionId"] == start_id(session, cursor)
    await session.expect("StatusNotification", is_status(1, "Finishing"), WAIT, cursor)
    unknown = {"transactionId": 999}
    assert (await session.call("RemoteStopTransaction", unknown, WAIT))["status"] == "Rejected"


def start_id(session, cursor) -> int:
    return session.answers.first_transaction_id + len(session.received("StartTransaction")) - 1


async def test_connection_timeout_takes_an_unauthorised_plug_back_to_available(bench):
    sim, session = await bench.start()
    cursor = session.mark()
    await sim.plug(1)
    preparing = await session.expect("StatusNotification", is_status(1, "Preparing"), WAIT, cursor)
    available = await session.expect("StatusNotification", is_status(1, "Available"), WAIT, cursor)
    assert (available.mono - preparing.mono) * SCALE == pytest.approx(20, rel=0.4)
    await sim.present_id_tag(1, "TAG1")  # the cable is still in: the card starts at once
    await session.expect("StartTransaction", timeout=WAIT, cursor=cursor)


async def test_ev_disconnect_stops_with_ev_disconnected_and_a_card_stop_leaves_finishing(bench):
    sim, session = await bench.start()
    await sim.plug(1)
    await sim.present_id_tag(1, "TAG1")
    await session.expect("StartTransaction", timeout=WAIT)
    cursor = session.mark()
    await sim.unplug(1)
    stop = await session.expect("StopTransaction", timeout=WAIT, cursor=cursor)
    assert stop.payload["reason"] == "EVDisconnected"
    await session.expect("StatusNotification", is_status(1, "Available"), WAIT, cursor)
    await sim.plug(1)
    await sim.present_id_tag(1, "TAG2")
    await session.expect("StartTransaction", where=lambda p: p["idTag"] == "TAG2", timeout=WAIT)
    cursor = session.mark()
    await sim.present_id_tag(1, "TAG2")
    stop = await session.expect("StopTransaction", timeout=WAIT, cursor=cursor)
    assert stop.payload["reason"] == "Local" and stop.payload["idTag"] == "TAG2"
    await session.expect("StatusNotification", is_status(1, "Finishing"), WAIT, cursor)
    await sim.unplug(1)
    await session.expect("StatusNotification", is_status(1, "Available"), WAIT, cursor)


async def test_meter_values_carry_three_phases_at_the_sample_interval(bench):
    sim, session = await bench.start(
        config={
            "StopTxnSampledData": "Energy.Active.Import.Register,Power.Active.Import",
            "MeterValueSampleInterval": "20",
        }
    )
    await sim.plug(1)
    await sim.present_id_tag(1, "TAG1")
    cursor = session.mark()
    first = await session.expect("MeterValues", periodic, WAIT, cursor)
    second = await session.expect("MeterValues", periodic, WAIT, cursor)
    assert (second.mono - first.mono) * SCALE == pytest.approx(20, rel=0.4)
    p = second.payload
    for measurand, phases in (
        ("Voltage", ("L1-N", "L2-N", "L3-N")),
        ("Current.Import", ("L1", "L2", "L3")),
        ("Power.Active.Import", ("L1", "L2", "L3")),
    ):
        per_phase = [sampled(p, measurand, phase) for phase in phases]
        total = sampled(p, measurand)
        if measurand == "Power.Active.Import":
            assert total == pytest.approx(sum(per_phase), abs=0.5)
            assert total == pytest.approx(22080, rel=0.01)  # 32 A x 3 x 230 V
        else:
            assert min(per_phase) <= total <= max(per_phase)
    energy = [sampled(m.payload, "Energy.Active.Import.Register") for m in (first, second)]
    assert energy[1] > energy[0] > 0
    await sim.unplug(1)
    stop = await session.expect("StopTransaction", timeout=WAIT, cursor=cursor)
    data = stop.payload["transactionData"]
    contexts = [mv["sampledValue"][0]["context"] for mv in data]
    assert contexts[0] == "Transaction.Begin" and contexts[-1] == "Transaction.End"
    assert "Sample.Periodic" in contexts
    registers = [float(mv["sampledValue"][0]["value"]) for mv in data]
    assert registers == sorted(registers)
    assert stop.payload["meterStop"] == int(registers[-1])


async def test_ev_that_stops_drawing_is_suspended_ev_and_resumes_to_charging(bench):
    sim, session = await bench.start()
    await sim.plug(1)
    await sim.present_id_tag(1, "TAG1")
    await session.expect("StatusNotification", is_status(1, "Charging"), WAIT)
    cursor = session.mark()
    sim.set_ev_max_current(1, 0)
    await session.expect("StatusNotification", is_status(1, "SuspendedEV"), WAIT, cursor)
    sim.set_ev_max_current(1, 16)
    await session.expect("StatusNotification", is_status(1, "Charging"), WAIT, cursor)


async def test_faults_on_a_connector_and_on_the_station_go_faulted_and_back(bench):
    sim, session = await bench.start()
    cursor = session.mark()
    await sim.inject_fault(1, "GroundFailure", info="RCD tripped", vendor_error_code="E42")
    faulted = await session.expect("StatusNotification", is_status(1, "Faulted"), WAIT, cursor)
    assert faulted.payload["errorCode"] == "GroundFailure"
    assert faulted.payload["info"] == "RCD tripped"
    assert faulted.payload["vendorErrorCode"] == "E42"
    await sim.clear_fault(1)
    back = await session.expect("StatusNotification", is_status(1, "Available"), WAIT, cursor)
    assert back.payload["errorCode"] == "NoError"
    await sim.inject_fault(0, "PowerMeterFailure")
    zero = await session.expect("StatusNotification", is_status(0, "Faulted"), WAIT, cursor)
    assert zero.payload["errorCode"] == "PowerMeterFailure"
    await sim.clear_fault(0)
    await session.expect("StatusNotification", is_status(0, "Available"), WAIT, cursor)
    with pytest.raises(ValueError, match="ChargePointErrorCode"):
        await sim.inject_fault(1, "NoSuchError")


def profile(limit: float, unit: str = "W", purpose: str = "TxDefaultProfile") -> dict[str, Any]:
    return {
        "chargingProfileId": 7,
        "stackLevel": 1,
        "chargingProfilePurpose": purpose,
        "chargingProfileKind": "Relative",
        "chargingSchedule": {
            "chargingRateUnit": unit,
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": limit}],
        },
    }


async def test_a_profile_limit_caps_the_power_in_the_next_meter_values(bench):
    sim, session = await bench.start()
    await sim.plug(1)
    await sim.present_id_tag(1, "TAG1")
    first = await session.expect("MeterValues", periodic, WAIT)
    assert sampled(first.payload, "Power.Active.Import") == pytest.approx(22080, rel=0.01)
    request = {"connectorId": 1, "csChargingProfiles": profile(11000)}
    assert (await session.call("SetChargingProfile", request, WAIT))["status"] == "Accepted"
    cursor = session.mark()
    capped = await session.expect("MeterValues", periodic, WAIT, cursor)
    assert sampled(capped.payload, "Power.Active.Import") == pytest.approx(11000, rel=0.01)
    amps = {"connectorId": 1, "csChargingProfiles": profile(10, "A")}
    assert (await session.call("SetChargingProfile", amps, WAIT))["status"] == "Accepted"
    cursor = session.mark()
    capped = await session.expect("MeterValues", periodic, WAIT, cursor)
    assert sampled(capped.payload, "Current.Import", "L1") == pytest.approx(10, abs=0.05)
    schedule = await session.call("GetCompositeSchedule", {"connectorId": 1, "duration": 600}, WAIT)
    assert schedule["status"] == "Accepted"
    assert schedule["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"] == 10


async def test_a_zero_limit_suspends_evse_and_clearing_it_resumes_charging(bench):
    sim, session = await bench.start()
    await sim.plug(1)
    await sim.present_id_tag(1, "TAG1")
    await session.expect("StatusNotification", is_status(1, "Charging"), WAIT)
    tx = sim.transaction_id(1)
    cursor = session.mark()
    zero = profile(0, purpose="TxProfile") | {"transactionId": tx}
    request = {"connectorId": 1, "csChargingProfiles": zero}
    assert (await session.call("SetChargingProfile", request, WAIT))["status"] == "Accepted"
    await session.expect("StatusNotification", is_status(1, "SuspendedEVSE"), WAIT, cursor)
    meter = await session.expect("MeterValues", periodic, WAIT, cursor)
    assert sampled(meter.payload, "Power.Active.Import") == 0
    assert (await session.call("ClearChargingProfile", {"id": 7}, WAIT))["status"] == "Accepted"
    await session.expect("StatusNotification", is_status(1, "Charging"), WAIT, cursor)
    assert (await session.call("ClearChargingProfile", {"id": 7}, WAIT))["status"] == "Unknown"


async def test_clock_aligned_meter_values_come_at_whole_multiples_of_the_interval(bench):
    sim, session = await bench.start(
        config={
            "ClockAlignedDataInterval": "15",
            "StopTxnAlignedData": "Energy.Active.Import.Register",
        }
    )
    await sim.plug(1)
    await sim.present_id_tag(1, "TAG1")
    await session.expect("StatusNotification", is_status(1, "Charging"), WAIT)
    cursor = session.mark()

    def aligned(connector: int):
        return lambda p: (
            p["connectorId"] == connector
            and p["meterValue"][0]["sampledValue"][0]["context"] == "Sample.Clock"
        )

    charging = await session.expect("MeterValues", aligned(1), WAIT, cursor)
    idle = await session.expect("MeterValues", aligned(2), WAIT, cursor)
    assert "transactionId" not in idle.payload and "transactionId" in charging.payload
    stamp = datetime.fromisoformat(charging.payload["meterValue"][0]["timestamp"])
    offset = (stamp.second + stamp.microsecond / 1e6) % 15
    assert offset < 1.0  # at the multiple, give or take the timer's latency x 40
    measurands = {v["measurand"] for v in idle.payload["meterValue"][0]["sampledValue"]}
    assert measurands == {"Energy.Active.Import.Register"}  # MeterValuesAlignedData
    await sim.unplug(1)
    stop = await session.expect("StopTransaction", timeout=WAIT, cursor=cursor)
    contexts = {mv["sampledValue"][0]["context"] for mv in stop.payload["transactionData"]}
    assert "Sample.Clock" in contexts
