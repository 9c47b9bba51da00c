"""The station model alone, sans I/O: a Central System made of ``Answers`` (pure) answers
its CALLs in memory, the time is a number. Long random walks of cables, cards, faults,
outages, availability changes, limits and resets check the invariants the bench relies on:
every status sequence on the wire follows OCPP 1.6 section 4.9 and every transaction is
started and stopped exactly once, with the Central System's transactionId."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from chargecheck.csms.answers import Answers
from chargecheck.protocol.frames import Call, CallResult, decode_frame, encode_frame
from chargecheck.protocol.status_table import allowed
from chargecheck.sim.actions import Download, Reboot, SendFrame, Upload
from chargecheck.sim.connector import Fault
from chargecheck.sim.core import StationSettings
from chargecheck.sim.station import Station
from chargecheck.sim.station_clock import Now
from chargecheck.sim.store import StationStore

from .boot_events import without_boot_events

EPOCH = datetime(2030, 1, 1, tzinfo=UTC)


class Pair:
    """A station model joined to an in-memory Central System."""

    def __init__(self, path: Path, **settings: Any) -> None:
        self.t = 0.0
        self.settings = StationSettings("CP1", **settings)
        self.store = StationStore(path)
        self.answers = Answers(heartbeat_interval=300)
        self.calls: list[Call] = []  # every CALL the station sent, in order
        self.results: list[dict[str, Any]] = []  # answers to the Central System's calls
        self.online = False
        self.station = Station(self.settings, self.store, self.now())
        self.n = 0

    def now(self) -> Now:
        return Now(self.t, EPOCH + timedelta(seconds=self.t))

    def connect(self) -> None:
        self.online = True
        self.station.connected(self.now())
        self.flush()

    def disconnect(self) -> None:
        self.online = False
        self.station.disconnected(self.now())
        self.flush()

    def call(self, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        self.n += 1
        self.station.receive(encode_frame(Call(f"cs-{self.n}", action, payload)), self.now())
        self.flush()
        return self.results[-1]

    def step(self, change: Any, *args: Any) -> None:
        self.station.step(self.now(), change, *args)
        self.flush()

    def advance(self, seconds: float) -> None:
        end = self.t + seconds
        while (deadline := self.station.next_deadline()) is not None and deadline <= end:
            self.t = max(self.t, deadline)
            self.station.on_time(self.now())
            self.flush()
        self.t = end

    def flush(self) -> None:
        while actions := self.station.take_actions():
            for action in actions:
                self.perform(action)

    def perform(self, action: Any) -> None:
        if isinstance(action, SendFrame) and self.online:
            frame = decode_frame(action.text)
            if isinstance(frame, CallResult):
                self.results.append(frame.payload)
            elif isinstance(frame, Call):
                self.calls.append(frame)
                answer = self.answers.answer(frame.action, frame.payload, self.now().text)
                reply = encode_frame(CallResult(frame.unique_id, answer))
                self.station.receive(reply, self.now())
        elif isinstance(action, Reboot):
            physical = self.station.physical
            self.station = Station(
                self.settings, self.store, self.now(), physical=physical,
                after_reset=action.after_reset,
            )  # fmt: skip
            if self.online:
                self.station.connected(self.now())
        elif isinstance(action, Download | Upload):
            self.station.step(self.now(), self.station.transfer_done, action.job, None, "no")

    def sent(self, action: str) -> list[dict[str, Any]]:
        return [c.payload for c in self.calls if c.action == action]


def check_status_sequences(pair: Pair) -> None:
    """Per connector, within each boot, every reported transition is one of section 4.9."""
    last: dict[int, str] = {}
    for call in pair.calls:
        if call.action == "BootNotification":
            last = {}
        elif call.action == "StatusNotification":
            connector, status = call.payload["connectorId"], call.payload["status"]
            if connector in last:
                assert allowed(connector, last[connector], status), (
                    connector,
                    last[connector],
                    status,
                )
            last[connector] = status


def check_transactions(pair: Pair) -> None:
    """Each started transaction is stopped at most once, by the id it was given; the
    meter values of a transaction name a transaction that was started."""
    started = set(range(1, 1 + len(pair.sent("StartTransaction"))))
    stops = [p["transactionId"] for p in pair.sent("StopTransaction")]
    assert len(stops) == len(set(stops)), "a StopTransaction was sent twice"
    assert set(stops) <= started
    for payload in pair.sent("MeterValues"):
        assert payload.get("transactionId", 1) in started


def test_boot_then_statuses_then_heartbeats(tmp_path):
    pair = Pair(tmp_path / "s.sqlite")
    pair.connect()
    calls = without_boot_events(pair.calls)
    assert [c.action for c in calls] == ["BootNotification"] + ["StatusNotification"] * 3
    pair.advance(301)
    assert pair.calls[-1].action == "Heartbeat"


ZERO = {
    "chargingProfileId": 1,
    "stackLevel": 0,
    "chargingProfilePurpose": "TxDefaultProfile",
    "chargingProfileKind": "Relative",
    "chargingSchedule": {
        "chargingRateUnit": "W",
        "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 0}],
    },
}


def random_step(pair: Pair, rng: random.Random) -> None:
    station = pair.station
    connector = rng.choice([1, 2])
    choice = rng.randrange(15)
    if choice == 0:
        pair.step(station.plug, connector)
    elif choice == 1:
        pair.step(station.unplug, connector)
    elif choice == 2:
        pair.step(station.present_id_tag, connector, rng.choice(["A", "B"]))
    elif choice == 3:
        pair.step(station.set_ev_max_current, connector, rng.choice([0, 16, 32]))
    elif choice == 4:
        pair.step(station.inject_fault, rng.choice([0, 1, 2]), Fault("OtherError"))
    elif choice == 5:
        pair.step(station.clear_fault, rng.choice([0, 1, 2]))
    elif choice == 6:
        if pair.online:
            pair.disconnect()
        else:
            pair.connect()
    elif choice == 7 and pair.online:
        kind = rng.choice(["Operative", "Inoperative"])
        pair.call("ChangeAvailability", {"connectorId": rng.choice([0, 1, 2]), "type": kind})
    elif choice == 8 and pair.online:
        pair.call("RemoteStartTransaction", {"idTag": "R", "connectorId": connector})
    elif choice == 9 and pair.online:
        running = [s for s in pair.sent("StartTransaction")]
        if running:
            pair.call(
                "RemoteStopTransaction", {"transactionId": rng.randrange(1, len(running) + 1)}
            )
    elif choice == 10 and pair.online:
        pair.call("SetChargingProfile", {"connectorId": 0, "csChargingProfiles": ZERO})
    elif choice == 11 and pair.online:
        pair.call("ClearChargingProfile", {})
    elif choice == 12 and pair.online and rng.random() < 0.3:
        pair.call("Reset", {"type": rng.choice(["Soft", "Hard"])})
    else:
        pair.advance(rng.choice([1, 5, 30, 70]))


@pytest.mark.parametrize("seed", range(10))
def test_random_walks_keep_the_status_table_and_transactions_consistent(tmp_path, seed):
    rng = random.Random(seed)
    pair = Pair(
        tmp_path / "s.sqlite",
        plug_and_charge_id_tag="PNC" if seed % 2 else None,
        ev_connected=frozenset({1, 2}) if seed % 3 == 0 else frozenset(),
    )
    pair.connect()
    for _ in range(400):
        random_step(pair, rng)  # the model raises if it would break section 4.9 itself
    if not pair.online:
        pair.connect()
    pair.advance(600)
    check_status_sequences(pair)
    check_transactions(pair)
    assert pair.sent("StartTransaction"), "the walk should have charged at least once"
    assert pair.store.queued() == []  # online at the end: everything was delivered


def test_a_car_connected_from_power_on_is_preparing_then_starts_on_a_remote_start(tmp_path):
    pair = Pair(tmp_path / "s.sqlite", ev_connected=frozenset({2}))
    pair.connect()
    assert [(p["connectorId"], p["status"]) for p in pair.sent("StatusNotification")] == [
        (0, "Available"),
        (1, "Available"),
        (2, "Preparing"),
    ]
    pair.call("RemoteStartTransaction", {"idTag": "R", "connectorId": 2})
    assert [p["connectorId"] for p in pair.sent("StartTransaction")] == [2]
    assert pair.station.connector(2).status == "Charging"


def test_a_car_connected_from_power_on_stays_plugged_through_a_reset(tmp_path):
    pair = Pair(tmp_path / "s.sqlite", ev_connected=frozenset({1}))
    pair.connect()
    pair.call("Reset", {"type": "Soft"})
    pair.advance(1)
    actions = [c.action for c in pair.calls]
    assert actions.count("BootNotification") == 2
    after = pair.calls[actions.index("BootNotification", 1) :]
    assert [c.payload["status"] for c in after if c.payload.get("connectorId") == 1] == [
        "Preparing"
    ]
    assert pair.station.connector(1).plugged


@pytest.mark.parametrize("ids", [{3}, {0}, {True}])
def test_a_car_on_a_connector_the_station_lacks_stops_the_power_on(tmp_path, ids):
    with pytest.raises(ValueError, match=r"a car plugs into connector 1 or 2 \(NumberOfConnectors"):
        Pair(tmp_path / "s.sqlite", ev_connected=frozenset(ids))


def test_stations_of_one_profile_share_key_definitions_but_not_values(tmp_path):
    first = Pair(tmp_path / "a.sqlite")
    second = Pair(tmp_path / "b.sqlite")
    first.connect()
    second.connect()
    assert first.call("ChangeConfiguration", {"key": "ConnectionTimeOut", "value": "90"}) == {
        "status": "Accepted"
    }
    assert first.station.config.value("ConnectionTimeOut") == "90"
    assert second.station.config.value("ConnectionTimeOut") == "60"
    spec = first.station.config.spec("ConnectionTimeOut")
    assert spec is second.station.config.spec("ConnectionTimeOut")
