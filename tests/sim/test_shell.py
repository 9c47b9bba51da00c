"""Offline behaviour and reconnection over real sockets (OCPP 1.6 sections 3.6, 4.7): the
station queues its transaction messages while offline, reconnects by itself and delivers
them in order, once, with the transactionId the Central System gave."""

from __future__ import annotations

import asyncio
import json
from itertools import pairwise

import pytest
from websockets.asyncio.server import serve

from .conftest import SCALE, WAIT


def is_status(connector: int, status: str):
    return lambda p: p["connectorId"] == connector and p["status"] == status


async def test_a_transaction_run_offline_is_delivered_in_order_with_its_real_id(bench):
    sim, session = await bench.start(config={"AllowOfflineTxForUnknownId": "true"})
    await sim.go_offline()
    await session.wait_disconnected(WAIT)
    cursor = session.mark()
    await sim.plug(1)
    await sim.present_id_tag(1, "OFFLINE1")
    assert sim.status(1) == "Charging" and sim.transaction_id(1) is None
    await asyncio.sleep(50 / SCALE)  # two meter intervals of 20 s, station time
    await sim.unplug(1)
    assert session.received(cursor=cursor) == []
    await sim.go_online()
    stop = await session.expect("StopTransaction", timeout=WAIT, cursor=cursor)
    await session.expect("StatusNotification", is_status(1, "Available"), WAIT, cursor)
    sent = [m for m in session.received(cursor=cursor) if m.action != "StatusNotification"]
    actions = [m.action for m in sent]
    assert actions[0] == "StartTransaction" and actions[-1] == "StopTransaction"
    assert set(actions[1:-1]) == {"MeterValues"} and len(actions) >= 5  # Begin, 2 x 20 s, End
    real_id = session.answers.first_transaction_id
    assert sent[0].payload["idTag"] == "OFFLINE1"
    assert all(m.payload["transactionId"] == real_id for m in sent[1:])
    assert stop.payload["reason"] == "EVDisconnected"
    assert "BootNotification" not in [m.action for m in session.received(cursor=cursor)]
    await asyncio.sleep(0.2)
    assert len(session.received("StartTransaction", cursor)) == 1
    assert len(session.received("StopTransaction", cursor)) == 1


async def test_offline_authorisation_uses_the_cache_and_refuses_unknown_id_tags(bench):
    sim, session = await bench.start()  # AllowOfflineTxForUnknownId is false
    await sim.plug(1)
    await sim.present_id_tag(1, "KNOWN")
    await session.expect("StartTransaction", timeout=WAIT)
    await session.expect("StatusNotification", is_status(1, "Charging"), WAIT)
    await sim.present_id_tag(1, "KNOWN")
    await session.expect("StopTransaction", timeout=WAIT)
    await sim.go_offline()
    await sim.plug(2)
    await sim.present_id_tag(2, "STRANGER")
    assert sim.station.connectors[2].transaction is None
    await sim.unplug(1)
    await sim.plug(1)
    await sim.present_id_tag(1, "KNOWN")  # Accepted in the authorisation cache
    assert sim.station.connectors[1].transaction is not None


async def test_the_station_reconnects_when_the_central_system_closes_and_refuses(bench):
    sim, session = await bench.start(config={"AllowOfflineTxForUnknownId": "true"})
    bench.cs.refuse("CP1", 0.5)
    cursor = session.mark()
    await session.disconnect()
    await sim.plug(1)
    await sim.present_id_tag(1, "DURING")  # the station is offline: it starts on its own
    await session.wait_connected(WAIT)
    start = await session.expect("StartTransaction", timeout=WAIT, cursor=cursor)
    assert start.payload["idTag"] == "DURING"
    refusals = [e for e in bench.cs.writer.journal.entries() if e.kind == "refuse"]
    assert refusals and all(e.detail["status"] == 503 for e in refusals)
    assert "BootNotification" not in [m.action for m in session.received(cursor=cursor)]
    assert session.connections == 2


@pytest.mark.parametrize("resume", ["true", "false"])
async def test_a_power_cycle_keeps_the_disk_and_resumes_or_ends_the_transaction(bench, resume):
    sim, session = await bench.start(config={"ResumeTransactionAfterPowerLoss": resume})
    await sim.plug(1)
    await sim.present_id_tag(1, "TAG1")
    await session.expect("StatusNotification", is_status(1, "Charging"), WAIT)
    cursor = session.mark()
    await sim.power_cycle()
    await sim.wait_booted(WAIT)
    await session.expect("BootNotification", timeout=WAIT, cursor=cursor)
    if resume == "true":  # the car is still plugged in: the same transaction goes on
        await session.expect("StatusNotification", is_status(1, "Charging"), WAIT, cursor)
        assert session.received("StopTransaction", cursor) == []
        assert sim.transaction_id(1) == session.answers.first_transaction_id
    else:
        stop = await session.expect("StopTransaction", timeout=WAIT, cursor=cursor)
        assert stop.payload["reason"] == "PowerLoss"
        await session.expect("StatusNotification", is_status(1, "Finishing"), WAIT, cursor)
    assert session.received("StartTransaction", cursor) == []


class FailingCentralSystem:
    """A bare WebSocket Central System that answers StartTransaction with a CALLERROR."""

    def __init__(self, attempts: int) -> None:
        self.starts: list[float] = []
        self.actions: list[str] = []
        self.attempts = attempts
        self.all_attempts_made = asyncio.Event()

    async def handler(self, connection) -> None:
        loop = asyncio.get_running_loop()
        async for text in connection:
            _, unique_id, action, _ = json.loads(text)
            self.actions.append(action)
            if action == "StartTransaction":
                self.starts.append(loop.time())
                if len(self.starts) == self.attempts:
                    self.all_attempts_made.set()
                answer = [4, unique_id, "InternalError", "database down", {}]
            elif action == "BootNotification":
                answer = [
                    3,
                    unique_id,
                    {"status": "Accepted", "currentTime": "2030-01-01T00:00:00Z", "interval": 3600},
                ]
            elif action == "Authorize":
                answer = [3, unique_id, {"idTagInfo": {"status": "Accepted"}}]
            else:
                answer = [3, unique_id, {}]
            await connection.send(json.dumps(answer))


async def test_a_start_the_central_system_fails_to_process_is_retried_then_given_up(bench):
    central = FailingCentralSystem(attempts=3)
    async with serve(central.handler, "127.0.0.1", 0, subprotocols=["ocpp1.6"]) as server:
        port = server.sockets[0].getsockname()[1]
        sim = bench.station(
            config={"TransactionMessageAttempts": "3", "TransactionMessageRetryInterval": "10"},
            url=f"ws://127.0.0.1:{port}/ocpp",
        )
        await sim.start()
        await sim.wait_booted(WAIT)
        await sim.plug(1)
        await sim.present_id_tag(1, "TAG1")
        await asyncio.wait_for(central.all_attempts_made.wait(), WAIT)
        await sim.unplug(1)
        await asyncio.sleep(40 / SCALE)
    gaps = [(b - a) * SCALE for a, b in pairwise(central.starts)]
    assert len(central.starts) == 3  # TransactionMessageAttempts, then given up
    assert gaps[0] == pytest.approx(10, rel=0.4) and gaps[1] == pytest.approx(20, rel=0.4)
    # The rest of that transaction cannot carry a transactionId: it is not sent.
    assert "StopTransaction" not in central.actions


async def test_the_station_authenticates_with_http_basic_and_retries_when_refused(
    journal, tmp_path
):
    from chargecheck.csms import CentralSystem, ServerSettings
    from chargecheck.sim.simulator import Simulator

    settings = ServerSettings(port=0, ping_interval=None, passwords={"CP1": "secret"})
    async with CentralSystem(journal, settings) as cs:
        cs.run_id = journal.start_run("auth")
        good = Simulator(cs.url(""), "CP1", password="secret", state_dir=tmp_path, time_scale=SCALE)
        async with good:
            await good.wait_booted(WAIT)
        bad = Simulator(cs.url(""), "CP1", password="guess", state_dir=tmp_path, time_scale=SCALE)
        async with bad:
            await bad.go_online()  # the first attempt is answered 401
            await bad.go_online()
            assert not bad.connected
    refusals = [e.detail["status"] for e in journal.entries(cs.run_id) if e.kind == "refuse"]
    assert refusals[:2] == [401, 401]


async def test_offline_a_cached_id_tag_past_its_expiry_date_is_not_authorised(bench):
    expired = {"status": "Accepted", "expiryDate": "2020-01-01T00:00:00Z"}
    sim, session = await bench.start()
    answers = session.answers

    def start(p):
        return {"transactionId": answers.next_transaction_id(), "idTagInfo": expired}

    with (
        answers.override("Authorize", lambda p: {"idTagInfo": expired}),
        answers.override("StartTransaction", start),
        answers.override("StopTransaction", lambda p: {"idTagInfo": expired}),
    ):
        await sim.plug(1)
        await sim.present_id_tag(1, "OLDCARD")  # online: the Central System accepts it
        await session.expect("StartTransaction", timeout=WAIT)
        await sim.present_id_tag(1, "OLDCARD")
        await session.expect("StopTransaction", timeout=WAIT)
    await sim.go_offline()
    await sim.unplug(1)
    await sim.plug(1)
    await sim.present_id_tag(1, "OLDCARD")  # offline: only the cache, and it has expired
    assert sim.station.connectors[1].transaction is None


async def test_energy_reported_before_a_power_cut_is_not_taken_back_after_it(bench):
    sim, session = await bench.start(config={"ResumeTransactionAfterPowerLoss": "false"})
    await sim.plug(1)
    await sim.present_id_tag(1, "TAG1")
    await session.expect("StatusNotification", is_status(1, "Charging"), WAIT)
    await asyncio.sleep(15 / SCALE)  # some energy, short of the first periodic sample
    cursor = session.mark()
    trigger = {"requestedMessage": "MeterValues", "connectorId": 1}
    assert (await session.call("TriggerMessage", trigger, WAIT))["status"] == "Accepted"
    triggered = await session.expect("MeterValues", timeout=WAIT, cursor=cursor)
    (reported,) = [
        float(v["value"])
        for v in triggered.payload["meterValue"][0]["sampledValue"]
        if v.get("measurand", "Energy.Active.Import.Register") == "Energy.Active.Import.Register"
    ]
    await sim.power_cycle()
    await sim.wait_booted(WAIT)
    stop = await session.expect("StopTransaction", timeout=WAIT, cursor=cursor)
    assert stop.payload["reason"] == "PowerLoss"
    assert stop.payload["meterStop"] >= reported > 0


async def test_an_outage_after_a_good_session_is_met_with_the_first_wait(bench):
    """Each outage closed a connection that lived less than the stable time, which used
    to count as one more failure: after a few outages every one waited the full
    WebSocketReconnectInterval. A connection the Central System spoke on is a success,
    so each outage is met with the first, shortest wait."""
    sim, session = await bench.start()
    shell = sim._shell
    firsts = []
    for _ in range(3):
        before = len(shell.backoffs)
        bench.cs.refuse("CP1", 0.01)
        await session.disconnect()
        await session.wait_connected(WAIT)
        await shell.wait_until(lambda n=before: len(shell.backoffs) > n, WAIT)
        firsts.append(list(shell.backoffs)[before])
        await session.call("GetConfiguration", {"key": ["HeartbeatInterval"]}, timeout=WAIT)
    assert firsts == [(1, 1.0)] * 3, list(shell.backoffs)


async def test_a_reboot_while_refused_starts_the_backoff_afresh(bench):
    """Refused again and again, the waits grow; a reboot forgets them (the count is in
    the station's memory): its first wait is the shortest again."""
    sim, session = await bench.start()
    shell = sim._shell
    bench.cs.refuse("CP1", 60.0)
    await session.disconnect()
    await shell.wait_until(lambda: len(shell.backoffs) >= 3, WAIT)
    grown = list(shell.backoffs)
    assert grown[-1][0] >= 3, grown
    before = len(shell.backoffs)
    await sim.reboot()
    await shell.wait_until(lambda: len(shell.backoffs) > before, WAIT)
    assert list(shell.backoffs)[before] == (1, 1.0), list(shell.backoffs)
    bench.cs.refuse("CP1", 0.0)
