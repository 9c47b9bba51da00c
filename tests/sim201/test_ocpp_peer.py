"""The 2.0.1 simulator against a CSMS we did not write (``peer``: the ``ocpp`` package's
2.0.1 ``ChargePoint`` on a ``websockets`` server, 127.0.0.1:0), over real sockets. Every
frame the station sends passes that package's schema validation, every answer of the
station is parsed by it. The station runs ``SCALE`` times faster than real time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from ocpp.v201 import call

from chargecheck.sim.v201.simulator import Simulator201

from .peer import WAIT, Central, running_csms

SCALE = 50.0  # station seconds per real second


@pytest.fixture
async def csms() -> AsyncIterator[Central]:
    async with running_csms() as central:
        yield central


def station(csms: Central, tmp_path: Path, **kw: Any) -> Simulator201:
    return Simulator201(csms.url, "CS201", state_dir=tmp_path, time_scale=SCALE, **kw)


async def booted(csms: Central, sim: Simulator201) -> None:
    """Until the station is booted, has reported its connectors and holds nothing."""
    await sim.wait_booted(WAIT)
    await csms.count("StatusNotification", 2)
    await settled(sim)


async def settled(sim: Simulator201) -> None:
    """Until every CALL of the station so far was answered."""
    await sim.shell.wait_until(lambda: sim.station.link.idle, WAIT)


def var(component: str, variable: str, **extra: Any) -> dict[str, Any]:
    return {"component": {"name": component}, "variable": {"name": variable}, **extra}


async def booted_with_meter_values_every_10_s(csms: Central, sim: Simulator201) -> None:
    """``booted``, then the CSMS sets SampledDataCtrlr.TxUpdatedInterval to 10 s."""
    await booted(csms, sim)
    await csms.peer.call(
        call.SetVariables(
            set_variable_data=[var("SampledDataCtrlr", "TxUpdatedInterval", attribute_value="10")]
        )
    )


async def test_boot_then_a_status_per_connector_then_heartbeats(
    csms: Central, tmp_path: Path
) -> None:
    csms.interval = 10  # station seconds: 0.2 real seconds
    async with station(csms, tmp_path) as sim:
        await booted(csms, sim)
        await csms.count("Heartbeat", 2)
    assert csms.paths == ["/ocpp/CS201"]
    assert csms.subprotocols == ["ocpp2.0.1"]
    actions = [a for a, _ in csms.received]
    assert actions[:3] == ["BootNotification", "StatusNotification", "StatusNotification"]
    boot = csms.of("BootNotification")[0]
    assert boot["reason"] == "PowerUp" and boot["chargingStation"]["model"] == "SIM-201-AC22"
    assert {(s["evseId"], s["connectorStatus"]) for s in csms.of("StatusNotification")} == {
        (1, "Available"),
        (2, "Available"),
    }


async def test_the_csms_reads_and_sets_the_device_model(csms: Central, tmp_path: Path) -> None:
    async with station(csms, tmp_path) as sim:
        await booted(csms, sim)
        got = await csms.peer.call(
            call.GetVariables(
                get_variable_data=[
                    var("OCPPCommCtrlr", "HeartbeatInterval"),
                    var("NoSuchCtrlr", "HeartbeatInterval"),
                    var("OCPPCommCtrlr", "NoSuchVariable"),
                ]
            )
        )
        assert [r["attribute_status"] for r in got.get_variable_result] == [
            "Accepted",
            "UnknownComponent",
            "UnknownVariable",
        ]
        assert got.get_variable_result[0]["attribute_value"] == "300"
        set_ = await csms.peer.call(
            call.SetVariables(
                set_variable_data=[
                    var("SampledDataCtrlr", "TxUpdatedInterval", attribute_value="5"),
                    var("SecurityCtrlr", "SecurityProfile", attribute_value="2"),
                    var("OCPPCommCtrlr", "HeartbeatInterval", attribute_value="soon"),
                ]
            )
        )
        assert [r["attribute_status"] for r in set_.set_variable_result] == [
            "Accepted",
            "Rejected",
            "Rejected",
        ]
        assert sim.station.model.integer("SampledDataCtrlr", "TxUpdatedInterval", 0) == 5


async def test_get_base_report_full_inventory_arrives_in_numbered_parts(
    csms: Central, tmp_path: Path
) -> None:
    async with station(csms, tmp_path) as sim:
        await booted(csms, sim)
        mark = csms.mark()
        answer = await csms.peer.call(
            call.GetBaseReport(request_id=31, report_base="FullInventory")
        )
        assert answer.status == "Accepted"
        last = await csms.first("NotifyReport", lambda p: not p["tbc"], mark)
        reports = csms.of("NotifyReport", mark)
    assert reports[-1] is last and len(reports) > 1
    assert [r["seqNo"] for r in reports] == list(range(len(reports)))
    assert all(r["tbc"] for r in reports[:-1]) and all(r["requestId"] == 31 for r in reports)
    reported = {
        (d["component"]["name"], d["variable"]["name"]) for r in reports for d in r["reportData"]
    }
    assert {("TxCtrlr", "TxStartPoint"), ("OCPPCommCtrlr", "HeartbeatInterval")} <= reported


async def test_trigger_message_heartbeat_and_status(csms: Central, tmp_path: Path) -> None:
    async with station(csms, tmp_path) as sim:
        await booted(csms, sim)
        mark = csms.mark()
        answer = await csms.peer.call(call.TriggerMessage(requested_message="Heartbeat"))
        assert answer.status == "Accepted"
        await csms.first("Heartbeat", start=mark)
        answer = await csms.peer.call(
            call.TriggerMessage(
                requested_message="StatusNotification", evse={"id": 2, "connector_id": 1}
            )
        )
        assert answer.status == "Accepted"
        status = await csms.first("StatusNotification", start=mark)
        assert (status["evseId"], status["connectorId"]) == (2, 1)


async def test_remote_start_and_stop_make_one_transaction_with_consecutive_seq_no(
    csms: Central, tmp_path: Path
) -> None:
    async with station(csms, tmp_path) as sim:
        await booted_with_meter_values_every_10_s(csms, sim)
        answer = await csms.peer.call(
            call.RequestStartTransaction(
                id_token={"id_token": "REMOTE1", "type": "Central"}, remote_start_id=5
            )
        )
        assert answer.status == "Accepted"
        await sim.plug(1)
        transaction_id = await sim.wait_transaction(1, WAIT)
        await csms.count("TransactionEvent", 3)  # Started + two MeterValuePeriodic
        answer = await csms.peer.call(call.RequestStopTransaction(transaction_id=transaction_id))
        assert answer.status == "Accepted"
        await csms.first("TransactionEvent", lambda p: p["eventType"] == "Ended")
        await settled(sim)
        status = await csms.peer.call(call.GetTransactionStatus(transaction_id=transaction_id))
        assert status.ongoing_indicator is False and status.messages_in_queue is False
    events = csms.of("TransactionEvent")
    assert [e["seqNo"] for e in events] == list(range(len(events)))
    assert {e["transactionInfo"]["transactionId"] for e in events} == {transaction_id}
    assert events[0]["eventType"] == "Started"
    assert events[0]["transactionInfo"]["remoteStartId"] == 5
    assert events[0]["triggerReason"] == "CablePluggedIn"
    assert {e["triggerReason"] for e in events[1:-1]} == {"MeterValuePeriodic"}
    assert events[-1]["triggerReason"] == "RemoteStop"
    assert events[-1]["transactionInfo"]["stoppedReason"] == "Remote"


async def test_reset_reboots_and_boots_with_reason_remote_reset(
    csms: Central, tmp_path: Path
) -> None:
    async with station(csms, tmp_path) as sim:
        await booted(csms, sim)
        answer = await csms.peer.call(call.Reset(type="Immediate"))
        assert answer.status == "Accepted"
        await csms.connections(2)
        boot = await csms.first("BootNotification", lambda p: p["reason"] == "RemoteReset")
        assert boot["chargingStation"]["vendorName"] == "chargecheck"
        await sim.wait_booted(WAIT)


async def test_local_token_transaction_offline_queue_replayed_in_order(
    csms: Central, tmp_path: Path
) -> None:
    async with station(csms, tmp_path) as sim:
        await booted_with_meter_values_every_10_s(csms, sim)
        await sim.plug(1)
        await sim.present_id_token(1, "CARD1")
        await csms.first("TransactionEvent", lambda p: p["eventType"] == "Started")
        await settled(sim)
        await sim.go_offline()
        link = sim.station.link
        await sim.shell.wait_until(lambda: link.queue_length >= 2, WAIT)  # periodic ones
        await sim.present_id_token(1, "CARD1")  # stops, offline
        await sim.unplug(1)
        await sim.present_id_token(2, "CARD2")  # unknown offline: refused
        queued = link.queue_length
        mark = csms.mark()
        await sim.go_online()
        delivered = await csms.count("TransactionEvent", queued, mark)
        statuses = await csms.count("StatusNotification", 1, mark)
    assert csms.of("BootNotification", mark) == []  # a reconnection, no reboot
    assert len(csms.peers) == 2
    assert [e["seqNo"] for e in delivered] == list(range(1, queued + 1))
    assert all(e["offline"] is True for e in delivered)
    assert {e["triggerReason"] for e in delivered[:-1]} == {"MeterValuePeriodic"}
    assert delivered[-1]["eventType"] == "Ended"
    assert delivered[-1]["transactionInfo"]["stoppedReason"] == "Local"
    assert statuses[0]["connectorStatus"] == "Available"
    assert csms.of("TransactionEvent", mark)[queued:] == []  # CARD2 started nothing
