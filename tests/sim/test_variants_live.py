"""The variants about real time, over 127.0.0.1 against the bench's own Central System
(slow_answers: the shell holds an answer SLOW_ANSWER_S real seconds; slow_acts: a physical
act takes effect SLOW_ACT_S real seconds after it is asked), and ``--variant`` on the
command line (``chargecheck.sim.variants``)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

from chargecheck.sim.control import ControlError, perform
from chargecheck.sim.simulator import Simulator
from chargecheck.sim.variants import SLOW_ACT_S, SLOW_ANSWER_S

from .conftest import WAIT, assert_simulate_refuses


def is_status(connector: int, status: str):
    return lambda p: p["connectorId"] == connector and p["status"] == status


async def test_slow_answers_come_late_and_the_stations_own_messages_do_not_wait(bench):
    sim, session = await bench.start(variants={"slow_answers"})
    loop = asyncio.get_running_loop()
    quick = loop.time()
    await session.call("GetConfiguration", {"key": ["NumberOfConnectors"]}, WAIT)
    assert loop.time() - quick < SLOW_ANSWER_S  # not one of the slow kinds
    cursor = session.mark()
    asked = loop.time()
    change = {"key": "MeterValueSampleInterval", "value": "30"}
    answer = asyncio.create_task(session.call("ChangeConfiguration", change, WAIT))
    await asyncio.sleep(0.2)  # the CALL is at the station, its answer held
    await sim.plug(1)
    await session.expect("StatusNotification", is_status(1, "Preparing"), WAIT, cursor)
    assert not answer.done()  # the station's own message went first
    assert (await answer)["status"] == "Accepted"
    assert loop.time() - asked >= SLOW_ANSWER_S
    assert sim.station.config.value("MeterValueSampleInterval") == "30"


async def test_slow_answers_send_what_the_answer_causes_after_it(bench):
    sim, session = await bench.start(variants={"slow_answers"})
    cursor = session.mark()
    request = {"requestedMessage": "StatusNotification", "connectorId": 2}
    result = await session.call("TriggerMessage", request, WAIT)
    triggered = await session.expect("StatusNotification", is_status(2, "Available"), WAIT, cursor)
    assert triggered.entry_id > result.entry_id  # OCPP 1.6 section 5.17: the answer first
    result = await session.call("RemoteStartTransaction", {"idTag": "R1", "connectorId": 1}, WAIT)
    assert result["status"] == "Accepted"
    await sim.plug(1)
    start = await session.expect("StartTransaction", timeout=WAIT, cursor=cursor)
    assert start.payload["idTag"] == "R1"


async def test_slow_acts_return_at_once_and_take_effect_later(bench):
    sim, session = await bench.start(variants={"slow_acts"})
    loop = asyncio.get_running_loop()
    cursor = session.mark()
    asked = loop.time()
    state = await perform({sim.identity: sim}, "POST", "/plug", {"connector": 1})
    await sim.present_id_tag(1, "TAG1")
    assert loop.time() - asked < SLOW_ACT_S / 2  # answered at once: the act has started
    assert state["connectors"][1]["status"] == "Available" == sim.status(1)
    await session.expect("StatusNotification", is_status(1, "Preparing"), WAIT, cursor)
    assert loop.time() - asked >= SLOW_ACT_S
    start = await session.expect("StartTransaction", timeout=WAIT, cursor=cursor)
    assert start.payload["idTag"] == "TAG1"  # the acts kept their order
    with pytest.raises(ControlError, match="does not exist") as refused:
        await perform({sim.identity: sim}, "POST", "/plug", {"connector": 3})
    assert refused.value.status == 400  # refused at once, not later
    await sim.inject_fault(0, "OtherError")
    assert sim.status(0) == "Available"
    await session.expect("StatusNotification", is_status(0, "Faulted"), WAIT, cursor)


async def test_one_connector_boots_with_connectors_0_and_1(bench):
    sim = bench.station(variants={"one_connector"})
    await sim.start()
    session = await bench.cs.wait_for_station(sim.identity, WAIT)
    await session.expect("StatusNotification", is_status(1, "Available"), WAIT)
    assert [m.payload["connectorId"] for m in session.received("StatusNotification")] == [0, 1]


def test_a_car_on_a_connector_a_variant_removed_is_refused(tmp_path):
    with pytest.raises(ValueError, match="NumberOfConnectors = 1"):
        Simulator(
            "ws://127.0.0.1:9/ocpp",
            "X",
            state_dir=tmp_path,
            ev_connected=[2],
            variants={"one_connector"},
        )
    with pytest.raises(ValueError, match=r"unknown variants \['nope'\]"):
        Simulator("ws://127.0.0.1:9/ocpp", "X", state_dir=tmp_path, variants={"nope"})


@pytest.mark.parametrize(
    ("options", "complaint"),
    [
        (["--variant", "power_only", "--variant", "nope"], "unknown variants ['nope']; known:"),
        (["--variant", "one_connector", "--ev-connected", "2"], "NumberOfConnectors = 1"),
    ],
)
def test_simulate_refuses_a_variant_that_does_not_exist(tmp_path, options, complaint):
    assert_simulate_refuses(tmp_path, options, complaint)


def test_demo_refuses_a_variant_that_does_not_exist_naming_the_known_ones(tmp_path):
    chargecheck = str(Path(sys.executable).parent / "chargecheck")
    done = subprocess.run(
        [chargecheck, "demo", "--variant", "nope", "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "unknown variants ['nope']" in lines[0], done.stderr
    assert "slow_answers" in lines[0]
    assert not (tmp_path / "out").exists()
