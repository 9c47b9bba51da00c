"""A car connected from boot (``ev_connected``, ``chargecheck simulate --ev-connected``):
Preparing after the boot, a RemoteStartTransaction starts at once (OCPP 1.6 section 5.11),
the car stays through stops and resets, and every status path is one of section 4.9."""

from __future__ import annotations

import asyncio
import itertools
import signal

import pytest

from chargecheck.csms import Cursor
from chargecheck.protocol.status_table import allowed
from chargecheck.sim.control import ControlServer
from chargecheck.sim.simulator import Simulator

from .boot_events import without_boot_events
from .conftest import SCALE, WAIT, assert_simulate_refuses
from .test_command import CHARGECHECK, http
from .test_transactions import is_status

# Long enough that no ConnectionTimeOut takes the waiting car back to Available mid-test.
WAITING = {"ConnectionTimeOut": "3600"}


def connector_statuses(session, connector: int, cursor: Cursor | None = None) -> list[str]:
    return [
        m.payload["status"]
        for m in session.received("StatusNotification", cursor)
        if m.payload["connectorId"] == connector
    ]


def assert_section_4_9(statuses: list[str], connector: int = 1) -> None:
    for old, new in itertools.pairwise(statuses):
        assert allowed(connector, old, new), (old, new, statuses)


async def remote_start(session, cursor: Cursor, id_tag: str = "REMOTE") -> dict:
    request = {"idTag": id_tag, "connectorId": 1}
    assert (await session.call("RemoteStartTransaction", request, WAIT))["status"] == "Accepted"
    start = await session.expect(
        "StartTransaction", lambda p: p["idTag"] == id_tag, timeout=WAIT, cursor=cursor
    )
    await session.expect("StatusNotification", is_status(1, "Charging"), WAIT, cursor)
    return start.payload


async def test_a_car_connected_from_boot_makes_its_connector_preparing_and_no_other(bench):
    sim, session = await bench.start(ev_connected=[1], config=WAITING)
    boot = without_boot_events(session.inbox)
    assert [(m.payload["connectorId"], m.payload["status"]) for m in boot[1:4]] == [
        (0, "Available"),
        (1, "Preparing"),
        (2, "Available"),
    ]
    assert [sim.status(c) for c in (0, 1, 2)] == ["Available", "Preparing", "Available"]


async def test_remote_start_with_a_car_waiting_starts_at_once_with_no_plug(bench):
    sim, session = await bench.start(ev_connected=[1], config=WAITING)
    cursor = session.mark()
    start = await remote_start(session, cursor)
    assert start["connectorId"] == 1
    assert [m.action for m in session.received(cursor=cursor)][:2] == [
        "StartTransaction",
        "StatusNotification",
    ]  # no Authorize (AuthorizeRemoteTxRequests is false), nothing waits for a cable
    assert connector_statuses(session, 1, cursor) == ["Charging"]
    assert await sim.wait_transaction(1, WAIT) == session.answers.first_transaction_id


@pytest.mark.parametrize("stop", ["remote", "card"])
async def test_after_a_stop_the_car_stays_and_a_remote_start_starts_a_second_transaction(
    bench, stop
):
    sim, session = await bench.start(ev_connected=[1], config=WAITING)
    cursor = session.mark()
    await remote_start(session, cursor)
    first = await sim.wait_transaction(1, WAIT)
    if stop == "remote":
        request = {"transactionId": first}
        assert (await session.call("RemoteStopTransaction", request, WAIT))["status"] == "Accepted"
    else:
        await sim.present_id_tag(1, "REMOTE")  # the same card at the reader: a local stop
    ended = await session.expect("StopTransaction", timeout=WAIT, cursor=cursor)
    assert ended.payload["transactionId"] == first
    assert ended.payload["reason"] == ("Remote" if stop == "remote" else "Local")
    await session.expect("StatusNotification", is_status(1, "Finishing"), WAIT, cursor)
    assert sim.status(1) == "Finishing"

    again = session.mark()
    await remote_start(session, again, "AGAIN")
    second = await sim.wait_transaction(1, WAIT)
    assert second != first
    # Section 4.9 has no Finishing -> Charging: F2 to Preparing, then B3 to Charging.
    assert connector_statuses(session, 1, again) == ["Preparing", "Charging"]
    assert_section_4_9(connector_statuses(session, 1))
    assert len(session.received("StartTransaction", cursor)) == 2


@pytest.mark.parametrize("kind", ["Soft", "Hard"])
async def test_after_a_reset_the_car_is_still_connected_and_its_connector_preparing(bench, kind):
    sim, session = await bench.start(ev_connected=[1], config=WAITING)
    cursor = session.mark()
    await remote_start(session, cursor)
    assert (await session.call("Reset", {"type": kind}, WAIT))["status"] == "Accepted"
    stop = await session.expect("StopTransaction", timeout=WAIT, cursor=cursor)
    assert stop.payload["reason"] == f"{kind}Reset"
    boot = await session.expect("BootNotification", timeout=WAIT, cursor=cursor)
    await sim.wait_booted(WAIT)
    after = Cursor(boot.index)
    for connector, status in ((0, "Available"), (1, "Preparing"), (2, "Available")):
        await session.expect("StatusNotification", is_status(connector, status), WAIT, after)
    assert connector_statuses(session, 1, after) == ["Preparing"]

    again = session.mark()
    await remote_start(session, again, "AFTERRESET")  # still no plug needed
    assert connector_statuses(session, 1, again) == ["Charging"]


async def test_after_connection_timeout_the_waiting_car_still_starts_at_once(bench):
    """ConnectionTimeOut (section 9.1) takes the unauthorised plug back to Available, as
    for any cable; the car is still in, so a RemoteStartTransaction still starts at once."""
    sim, session = await bench.start(ev_connected=[1], config={"ConnectionTimeOut": "10"})
    await session.expect("StatusNotification", is_status(1, "Available"), WAIT, Cursor())
    cursor = session.mark()
    await remote_start(session, cursor)
    assert connector_statuses(session, 1, cursor) == ["Preparing", "Charging"]
    assert sim.station.connector(1).plugged


async def test_an_unplug_through_the_control_api_unplugs_and_a_plug_plugs_again(bench):
    sim, session = await bench.start(ev_connected=[1], config=WAITING)
    async with ControlServer({"CP1": sim}) as control:
        cursor = session.mark()
        status, state = await http(control.port, "POST", "/unplug", {"connector": 1})
        assert status == 200 and state["connectors"][1]["status"] == "Available"
        await session.expect("StatusNotification", is_status(1, "Available"), WAIT, cursor)
        status, state = await http(control.port, "POST", "/plug", {"connector": 1})
        assert status == 200 and state["connectors"][1]["status"] == "Preparing"
        await session.expect("StatusNotification", is_status(1, "Preparing"), WAIT, cursor)


@pytest.mark.parametrize(
    ("ev_connected", "complaint"),
    [
        ([3], "connector 3 does not exist: a car plugs into connector 1 or 2"),
        ([0, 1], "connector 0 is the station itself"),
    ],
)
def test_the_simulator_refuses_a_connector_the_profile_does_not_have(
    tmp_path, ev_connected, complaint
):
    with pytest.raises(ValueError, match=complaint):
        Simulator("ws://127.0.0.1:9/ocpp", "CP1", state_dir=tmp_path, ev_connected=ev_connected)


# -- the command as a real process ----------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "complaint"),
    [
        ("9", "'--ev-connected': connector 9 does not exist: a car plugs into connector 1 or 2"),
        ("1,x", "'--ev-connected': connector ids separated by commas, like 1 or 1,2, not '1,x'"),
    ],
)
def test_simulate_refuses_a_bad_ev_connected_in_one_line(tmp_path, value, complaint):
    assert_simulate_refuses(tmp_path, ["--ev-connected", value], complaint)


async def test_simulate_connects_the_car_on_every_station_of_a_fleet(central, tmp_path):
    args = [CHARGECHECK, "simulate", central.url(""), "EVC", "--count", "2"]
    args += ["--ev-connected", "2", "--time-scale", str(SCALE)]
    args += ["--state-dir", str(tmp_path / "state")]
    process = await asyncio.create_subprocess_exec(*args, stdout=asyncio.subprocess.DEVNULL)
    try:
        for identity in ("EVC-0001", "EVC-0002"):
            session = await central.wait_for_station(identity, 4 * WAIT)
            await session.expect("StatusNotification", is_status(2, "Preparing"), WAIT, Cursor())
            assert connector_statuses(session, 1, Cursor())[0] == "Available"
        process.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(process.wait(), WAIT) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
