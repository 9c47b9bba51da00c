"""The control interface (``chargecheck.sim.control``) of the OCPP 2.0.1 simulator: real
HTTP requests on 127.0.0.1 to a running ``Simulator201`` connected to a CSMS we did not
write (``peer``: the ``ocpp`` package's 2.0.1 ChargePoint); the step hook ``python -m
chargecheck.sim.step`` against it; ``chargecheck simulate --ocpp 2.0.1 --control-port 0``
as a real process; and the 2.0.1 demo with its steps done by that hook."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from chargecheck.sim.control import ControlServer
from chargecheck.sim.v201.simulator import Simulator201
from tests.script.catalogue201_run import run_pack201
from tests.sim.test_command import http

from .peer import WAIT, Central, running_csms

SCALE = 50.0  # station seconds per real second
CHARGECHECK = str(Path(sys.executable).parent / "chargecheck")


@pytest.fixture
async def csms() -> AsyncIterator[Central]:
    async with running_csms() as central:
        yield central


@asynccontextmanager
async def controlled(csms: Central, tmp_path: Path) -> AsyncIterator[tuple[Simulator201, int]]:
    """A booted 2.0.1 station that has reported its connectors; its control port."""
    async with Simulator201(csms.url, "CS201", state_dir=tmp_path, time_scale=SCALE) as sim:
        await sim.wait_booted(WAIT)
        await csms.count("StatusNotification", 2)
        async with ControlServer({"CS201": sim}) as control:
            yield sim, control.port


def evse(state: dict, evse_id: int) -> dict:
    return next(e for e in state["evses"] if e["evseId"] == evse_id)


def occupied(evse_id: int):
    return lambda p: p["evseId"] == evse_id and p["connectorStatus"] == "Occupied"


def charging_state(state: str):
    return lambda p: p.get("transactionInfo", {}).get("chargingState") == state


async def test_the_state_of_a_2_0_1_station_names_its_version_and_its_evses(csms, tmp_path):
    async with controlled(csms, tmp_path) as (_, port):
        status, listing = await http(port, "GET", "/stations")
    assert status == 200
    assert listing == {
        "stations": [
            {
                "station": "CS201",
                "ocppVersion": "2.0.1",
                "connected": True,
                "booted": True,
                "firmwareVersion": "1.0.0",
                "evses": [
                    {"evseId": 1, "status": "Available", "transactionId": None},
                    {"evseId": 2, "status": "Available", "transactionId": None},
                ],
            }
        ]
    }


async def test_plug_card_ev_and_unplug_requests_drive_the_evse_the_connector_names(csms, tmp_path):
    async with controlled(csms, tmp_path) as (sim, port):
        status, state = await http(port, "POST", "/plug", {"connector": 2})
        assert status == 200 and evse(state, 2)["status"] == "Occupied"
        assert evse(state, 1)["status"] == "Available"
        await csms.first("StatusNotification", occupied(2))

        body = {"connector": 2, "idTag": "04A2B3C4"}
        assert (await http(port, "POST", "/present_id_tag", body))[0] == 200
        authorize = await csms.first("Authorize")
        assert authorize["idToken"] == {"idToken": "04A2B3C4", "type": "ISO14443"}
        started = await csms.first("TransactionEvent", lambda p: p["eventType"] == "Started")
        assert started["evse"]["id"] == 2
        transaction_id = await sim.wait_transaction(2, WAIT)
        state = (await http(port, "GET", "/stations"))[1]["stations"][0]
        assert evse(state, 2)["transactionId"] == transaction_id

        mark = csms.mark()
        await http(port, "POST", "/ev_max_current", {"connector": 2, "amps": 0})
        await csms.first("TransactionEvent", charging_state("SuspendedEV"), mark)
        mark = csms.mark()
        await http(port, "POST", "/ev_max_current", {"connector": 2, "amps": 16})
        await csms.first("TransactionEvent", charging_state("Charging"), mark)

        await http(port, "POST", "/present_id_tag", body)  # the same card: the charge stops
        ended = await csms.first("TransactionEvent", lambda p: p["eventType"] == "Ended")
        assert ended["transactionInfo"]["transactionId"] == transaction_id
        status, state = await http(port, "POST", "/unplug", {"connector": 2})
        assert status == 200
        assert evse(state, 2) == {"evseId": 2, "status": "Available", "transactionId": None}


async def test_acts_a_2_0_1_station_lacks_answer_404_and_bad_bodies_400(csms, tmp_path):
    async with controlled(csms, tmp_path) as (sim, port):
        for path in ("/inject_fault", "/power_cycle", "/lock_failure", "/security_profile"):
            status, answer = await http(port, "POST", path, {"connector": 1, "profile": 1})
            assert status == 404, path
            assert answer["error"] == f"no POST {path} on CS201, an OCPP 2.0.1 station"
        assert (await http(port, "POST", "/fly", {}))[0] == 404
        assert (await http(port, "POST", "/plug", {"station": "CS9", "connector": 1}))[0] == 404

        status, answer = await http(port, "POST", "/plug", {"connector": 3})
        assert status == 400 and answer["error"] == "EVSE 3 does not exist (1..2)"
        assert (await http(port, "POST", "/plug", {"connector": "one"}))[0] == 400
        for token in ("", "X" * 37):
            status, answer = await http(
                port, "POST", "/present_id_tag", {"connector": 1, "idTag": token}
            )
            assert status == 400 and "1 to 36 characters" in answer["error"]
        for amps in (-1, "16", True):
            body = {"connector": 1, "amps": amps}
            assert (await http(port, "POST", "/ev_max_current", body))[0] == 400
        status, answer = await http(port, "POST", "/go_offline", {"seconds": 0})
        assert status == 400 and "'seconds' must be a positive number" in answer["error"]

        assert sim.status(1) == "Available" and sim.connected
    assert csms.of("Authorize") == [] and len(csms.peers) == 1


async def test_offline_for_seconds_comes_back_and_reboot_boots_with_local_reset(csms, tmp_path):
    async with controlled(csms, tmp_path) as (_, port):
        status, state = await http(port, "POST", "/go_offline", {"seconds": 10})
        assert status == 200 and state["connected"] is False
        await csms.connections(2)  # 10 station seconds later, with no go_online
        assert (await http(port, "POST", "/go_offline", {}))[1]["connected"] is False
        status, state = await http(port, "POST", "/go_online", {})
        assert status == 200
        await csms.connections(3)

        status, _ = await http(port, "POST", "/reboot", {})
        assert status == 200
        boot = await csms.first("BootNotification", lambda p: p["reason"] == "LocalReset")
    assert boot["chargingStation"]["model"] == "SIM-201-AC22"


async def step(url: str, *args: str) -> tuple[int, str]:
    """``python -m chargecheck.sim.step --control URL ARGS``: its exit code, its stderr."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "chargecheck.sim.step", "--control", url, *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, err = await asyncio.wait_for(proc.communicate(), 4 * WAIT)
    assert proc.returncode is not None
    return proc.returncode, err.decode()


async def test_the_step_hook_does_the_steps_a_2_0_1_station_has(csms, tmp_path):
    async with controlled(csms, tmp_path) as (sim, port):
        url = f"http://127.0.0.1:{port}"
        assert await step(url, "plug_in", "1") == (0, "")
        await csms.first("StatusNotification", occupied(1))
        assert await step(url, "present_card", "1", "CARD201") == (0, "")
        authorize = await csms.first("Authorize")
        assert authorize["idToken"]["idToken"] == "CARD201"
        await sim.wait_transaction(1, WAIT)
        code, err = await step(url, "power_cycle", "1")
        assert code == 1 and "/power_cycle: HTTP 404" in err and "OCPP 2.0.1" in err
        assert sim.transaction_id(1) is not None  # the refused step did nothing


async def test_simulate_ocpp_201_serves_its_control_port_and_says_which(csms, tmp_path):
    proc = await asyncio.create_subprocess_exec(
        CHARGECHECK, "simulate", csms.url, "CTL201", "--ocpp", "2.0.1", "--control-port", "0",
        "--time-scale", "50", "--state-dir", str(tmp_path), "--no-console",
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None
    try:
        async with asyncio.timeout(4 * WAIT):
            while not (line := (await proc.stdout.readline()).decode()).startswith("control: "):
                assert line, "simulate ended before its control port was up"
        assert line.startswith("control: http://127.0.0.1:")
        port = int(line.rsplit(":", 1)[1])
        await csms.count("StatusNotification", 2, timeout=4 * WAIT)
        status, state = await http(port, "POST", "/plug", {"connector": 1})
        assert status == 200 and state["station"] == "CTL201"
        await csms.first("StatusNotification", occupied(1))
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), WAIT) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


async def test_the_2_0_1_demo_passes_with_the_step_hook_doing_its_steps(tmp_path):
    verdicts = await run_pack201(tmp_path, ("TC_E_09_CS", "TC_E_30_CS"), step_hook=True)
    outcomes = {i: str(v.outcome) for i, v in verdicts.items()}
    assert outcomes == {"TC_E_09_CS": "PASS", "TC_E_30_CS": "PASS"}
