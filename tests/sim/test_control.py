"""The HTTP+JSON control interface on loopback, in process."""

from __future__ import annotations

from chargecheck.sim.control import ControlServer

from .conftest import WAIT
from .test_command import http


async def test_control_requests_drive_the_station_and_report_its_state(bench):
    sim, session = await bench.start()
    async with ControlServer({"CP1": sim}) as control:
        status, listing = await http(control.port, "GET", "/stations")
        assert status == 200
        station = listing["stations"][0]
        assert station["station"] == "CP1" and station["booted"] and station["connected"]
        assert station["firmwareVersion"] == "4.4.0-3106"
        assert [c["status"] for c in station["connectors"]] == ["Available"] * 3

        status, state = await http(control.port, "POST", "/plug", {"connector": 1})
        assert status == 200 and state["connectors"][1]["status"] == "Preparing"
        await session.expect("StatusNotification", lambda p: p["status"] == "Preparing", WAIT)

        body = {"station": "CP1", "connector": 0, "errorCode": "OverVoltage", "info": "253 V"}
        status, state = await http(control.port, "POST", "/inject_fault", body)
        assert status == 200 and state["connectors"][0]["status"] == "Faulted"
        fault = await session.expect(
            "StatusNotification", lambda p: p["connectorId"] == 0 and p["status"] == "Faulted", WAIT
        )
        assert fault.payload["info"] == "253 V"

        status, state = await http(
            control.port, "POST", "/ev_max_current", {"connector": 1, "amps": 0}
        )
        assert status == 200


async def test_control_answers_bad_requests_with_400_and_unknown_ones_with_404(bench):
    sim, _ = await bench.start()
    async with ControlServer({"CP1": sim}) as control:
        assert (await http(control.port, "POST", "/plug", {"connector": "one"}))[0] == 400
        assert (await http(control.port, "POST", "/plug", {"connector": 7}))[0] == 400
        bad_code = {"connector": 1, "errorCode": "Meltdown"}
        status, answer = await http(control.port, "POST", "/inject_fault", bad_code)
        assert status == 400 and "ChargePointErrorCode" in answer["error"]
        assert (await http(control.port, "POST", "/fly", {}))[0] == 404
        assert (await http(control.port, "POST", "/plug", {"station": "CP9", "connector": 1}))[
            0
        ] == 404
    assert sim.status(1) == "Available"


async def test_go_offline_for_seconds_comes_back_by_itself_after_that_station_time(bench):
    sim, session = await bench.start()
    connections = session.connections
    async with ControlServer({"CP1": sim}) as control:
        status, state = await http(control.port, "POST", "/go_offline", {"seconds": 30})
        assert status == 200 and state["connected"] is False
        await session.wait_disconnected(WAIT)
        await session.wait_connected(WAIT)  # 30 station seconds later, without go_online
        assert session.connections == connections + 1
        assert (await http(control.port, "GET", "/stations"))[1]["stations"][0]["connected"]


async def test_go_offline_refuses_seconds_that_are_not_a_positive_number(bench):
    sim, session = await bench.start()
    async with ControlServer({"CP1": sim}) as control:
        for seconds in (0, -5, "30", True):
            status, answer = await http(control.port, "POST", "/go_offline", {"seconds": seconds})
            assert status == 400 and "'seconds' must be a positive number" in answer["error"]
    assert sim.connected and session.connected


async def test_reboot_stops_the_transaction_as_a_soft_reset_and_boots_again(bench):
    sim, session = await bench.start()
    async with ControlServer({"CP1": sim}) as control:
        await http(control.port, "POST", "/plug", {"connector": 1})
        await http(control.port, "POST", "/present_id_tag", {"connector": 1, "idTag": "REBOOT"})
        await session.expect("StartTransaction", timeout=WAIT)
        await sim.wait_transaction(1, WAIT)
        cursor = session.mark()
        status, _ = await http(control.port, "POST", "/reboot")
        assert status == 200
        stop = await session.expect("StopTransaction", timeout=WAIT, cursor=cursor)
        assert stop.payload["reason"] == "SoftReset"
        await session.expect("BootNotification", timeout=WAIT, cursor=cursor)
        await session.expect(
            "StatusNotification", lambda p: p["connectorId"] == 2, WAIT, cursor
        )  # booted again: every connector reported
        await sim.wait_booted(WAIT)
        assert sim.status(1) == "Preparing"  # the car stays through a reboot
