"""The link, sans I/O with a real SQLite store: one CALL at a time, nothing before the
boot is accepted, transaction messages kept on disk, in order, retried and mapped to the
Central System's transactionId (OCPP-J 1.6 section 4.1.1, OCPP 1.6 section 4.7)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chargecheck.protocol.endpoint import Endpoint, Role
from chargecheck.protocol.frames import CallError, CallResult, encode_frame
from chargecheck.protocol.tracker import counter_ids
from chargecheck.sim.link import Limits, Link, Outcome
from chargecheck.sim.store import StationStore

START = {"connectorId": 1, "idTag": "T", "meterStart": 0, "timestamp": "2030-01-01T00:00:00Z"}
STOP = {"transactionId": 1, "meterStop": 5, "timestamp": "2030-01-01T00:10:00Z"}


class Harness:
    def __init__(self, path: Path, attempts: int = 3, interval: float = 10.0) -> None:
        self.store = StationStore(path)
        self.sent: list[list] = []
        self.logged: list[str] = []
        self.link = self.new_link(attempts, interval)

    def new_link(self, attempts: int = 3, interval: float = 10.0) -> Link:
        return Link(
            Endpoint(Role.CHARGE_POINT, counter_ids("t")),
            self.store,
            lambda text: self.sent.append(json.loads(text)),
            lambda: Limits(call_timeout=30.0, attempts=attempts, retry_interval=interval),
            self.logged.append,
        )

    def answer(self, payload: dict, now: float = 0.0) -> Outcome | None:
        unique_id = self.sent[-1][1]
        inbound = self.link.endpoint.receive(encode_frame(CallResult(unique_id, payload)))
        return self.link.reply(inbound, now)

    def fail(self, now: float) -> Outcome | None:
        unique_id = self.sent[-1][1]
        error = CallError(unique_id, "InternalError", "down")
        return self.link.reply(self.link.endpoint.receive(encode_frame(error)), now)


@pytest.fixture
def h(tmp_path: Path) -> Harness:
    harness = Harness(tmp_path / "station.sqlite")
    harness.link.online = True
    return harness


def test_only_boot_notification_goes_before_the_boot_is_accepted(h):
    h.link.submit("Heartbeat", {})
    h.link.submit_boot({"chargePointVendor": "V", "chargePointModel": "M"})
    h.link.pump(0)
    assert [f[2] for f in h.sent] == ["BootNotification"]
    h.answer({"status": "Accepted", "currentTime": "2030-01-01T00:00:00Z", "interval": 60})
    h.link.pump(0)
    assert [f[2] for f in h.sent] == ["BootNotification"]  # the station has not accepted yet
    h.link.accepted = True
    h.link.pump(0)
    assert [f[2] for f in h.sent] == ["BootNotification", "Heartbeat"]


def test_one_call_is_in_flight_at_a_time(h):
    h.link.accepted = True
    h.link.submit("Heartbeat", {})
    h.link.submit("Heartbeat", {})
    h.link.pump(0)
    h.link.pump(0)
    assert len(h.sent) == 1
    h.answer({"currentTime": "2030-01-01T00:00:00Z"})
    h.link.pump(0)
    assert len(h.sent) == 2


def test_queued_messages_get_the_real_transaction_id_when_they_are_sent(h):
    h.link.accepted = True
    h.link.submit_transaction("StartTransaction", START, local_tx=1)
    h.store.save_transaction(1, 1, {})
    h.link.submit_transaction("StopTransaction", STOP, local_tx=1)
    h.link.pump(0)
    outcome = h.answer({"transactionId": 4711, "idTagInfo": {"status": "Accepted"}})
    assert outcome is not None and outcome.payload["transactionId"] == 4711
    h.store.set_real_id(1, 4711)  # what the station does with the outcome
    h.link.pump(0)
    assert h.sent[-1][2] == "StopTransaction" and h.sent[-1][3]["transactionId"] == 4711
    h.answer({})
    assert h.store.queued() == [] and h.link.idle


def test_the_queue_is_on_disk_for_the_next_life_and_never_sent_twice(h, tmp_path):
    h.link.accepted = True
    h.link.submit_transaction("StartTransaction", START, local_tx=1)
    h.link.pump(0)
    h.answer({"transactionId": 1, "idTagInfo": {"status": "Accepted"}})
    value = {"timestamp": "2030-01-01T00:01:00Z", "sampledValue": [{"value": "1"}]}
    h.link.submit_transaction("MeterValues", {"connectorId": 1, "meterValue": [value]}, None)
    # the process dies here: a new link on the same disk
    reborn = Harness(tmp_path / "station.sqlite")
    reborn.link.load_queue()
    reborn.link.online = reborn.link.accepted = True
    reborn.link.pump(0)
    assert [f[2] for f in reborn.sent] == ["MeterValues"]


def test_a_failed_message_is_retried_after_interval_times_attempts_then_given_up(h):
    h.link.accepted = True
    h.store.save_transaction(1, 1, {})
    h.link.submit_transaction("StartTransaction", START, local_tx=1)
    h.link.submit_transaction("StopTransaction", STOP, local_tx=1)
    h.link.submit("Heartbeat", {})
    h.link.pump(0)
    assert h.fail(now=0).failure.startswith("CALLERROR InternalError")
    h.link.pump(0)  # the heartbeat may pass; the transaction messages wait
    assert [f[2] for f in h.sent] == ["StartTransaction", "Heartbeat"]
    h.answer({"currentTime": "2030-01-01T00:00:00Z"})
    assert h.link.next_deadline() == 10.0  # retry interval x 1 attempt
    h.link.pump(9.9)
    assert len(h.sent) == 2
    h.link.pump(10)
    assert h.sent[-1][2] == "StartTransaction"
    h.fail(now=10)
    assert h.link.next_deadline() == 30.0  # retry interval x 2 attempts
    h.link.pump(30)
    outcome = h.fail(now=30)
    assert outcome is not None and outcome.dropped
    h.link.pump(30)  # its StopTransaction cannot carry a transactionId: dropped too
    assert [f[2] for f in h.sent].count("StartTransaction") == 3
    assert "StopTransaction" not in [f[2] for f in h.sent]
    assert h.store.queued() == [] and h.link.idle


def test_losing_the_connection_keeps_transaction_messages_and_returns_the_others(h):
    h.link.accepted = True
    h.link.submit_transaction("StartTransaction", START, local_tx=1)
    h.link.submit("Authorize", {"idTag": "T"}, connector=1)
    h.link.pump(0)
    lost = h.link.disconnected()
    assert [item.action for item in lost] == ["Authorize"]
    h.link.online = h.link.accepted = True
    h.link.pump(0)
    assert [f[2] for f in h.sent] == ["StartTransaction", "StartTransaction"]
    assert h.sent[0][1] != h.sent[1][1]  # a new unique id: the old call is forgotten
