"""A fleet that charges: ``chargecheck simulate --charging`` as a real process against a
real Central System, the ``Simulator`` calls it is made of, the slots that spread the
fleet over a meter interval, the ramp that paces its start, the open files it needs, and
the command's refusal of bad option values."""

from __future__ import annotations

import asyncio
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from chargecheck.csms import Cursor
from chargecheck.sim import fleet
from chargecheck.sim.configuration import Configuration
from chargecheck.sim.fleet import (
    open_files_needed,
    ramp,
    report_connected,
    set_once,
    slot,
    soft_limit_for,
)
from chargecheck.sim.store import StationStore, state_file

from .conftest import SCALE, WAIT, assert_simulate_refuses

CHARGECHECK = str(Path(sys.executable).parent / "chargecheck")


# -- slots (pure) ---------------------------------------------------------------------------


def test_a_slot_not_yet_reached_is_the_epoch_plus_the_offset():
    assert slot(100.0, 2.5, 10.0, 99.0) == 102.5
    assert slot(100.0, 2.5, 10.0, 102.5) == 102.5


def test_a_slot_already_passed_moves_by_whole_periods_to_the_next_one():
    assert slot(100.0, 2.5, 10.0, 102.6) == 112.5
    assert slot(100.0, 2.5, 10.0, 131.0) == 132.5


def test_stations_of_a_fleet_get_evenly_spaced_slots_within_one_period():
    count, period = 4, 10.0
    slots = [slot(0.0, period * i / count, period, 0.0) for i in range(count)]
    assert slots == [0.0, 2.5, 5.0, 7.5]


# -- the ramp and the open files -------------------------------------------------------------


class _Started:
    """A station of the ramp: when its ``start`` was called (event loop time)."""

    def __init__(self) -> None:
        self.at: float | None = None

    async def start(self) -> None:
        self.at = asyncio.get_running_loop().time()


async def test_the_ramp_starts_station_i_no_sooner_than_i_over_the_rate():
    stations = [_Started() for _ in range(5)]
    started = asyncio.get_running_loop().time()
    await ramp(stations, 50.0, started)  # type: ignore[arg-type]
    moments = [s.at for s in stations]
    assert all(at is not None for at in moments)
    assert all(at >= started + i / 50.0 for i, at in enumerate(moments))  # type: ignore[operator]
    assert moments == sorted(moments)  # type: ignore[type-var]


async def test_a_ramp_that_fell_behind_starts_every_station_whose_moment_has_passed():
    stations = [_Started() for _ in range(4)]
    loop = asyncio.get_running_loop()
    started = loop.time() - 10.0  # ten seconds late: every moment has passed
    before = loop.time()
    await ramp(stations, 1.0, started)  # type: ignore[arg-type]
    assert all(s.at is not None and s.at >= before for s in stations)


class _Link:
    """A station as ``report_connected`` sees it."""

    def __init__(self) -> None:
        self.connected = False
        self.connection_attempts = 0


async def test_the_slots_begin_when_every_station_has_connected_and_one_line_says_so(
    monkeypatch,
):
    monkeypatch.setattr(fleet, "CONNECTED_POLL_S", 0.01)
    stations = {"A": _Link(), "B": _Link()}
    loop = asyncio.get_running_loop()
    epoch: asyncio.Future[float] = loop.create_future()
    lines: list[str] = []
    watching = asyncio.create_task(
        report_connected(stations, loop.time(), lines.append, epoch)  # type: ignore[arg-type]
    )
    stations["A"].connected, stations["A"].connection_attempts = True, 1
    await asyncio.sleep(0.05)
    assert not epoch.done() and lines == []  # B has not connected yet
    stations["A"].connected = False  # A went away again: it was seen connected once
    stations["B"].connected, stations["B"].connection_attempts = True, 3
    before = loop.time()
    await asyncio.wait_for(watching, WAIT)
    assert epoch.result() >= before
    assert len(lines) == 1 and lines[0].startswith("connected: 2/2 station(s) in ")
    assert lines[0].endswith(" s (4 connection attempts)")


def test_the_first_moment_given_is_the_epoch_of_the_slots():
    loop = asyncio.new_event_loop()
    try:
        epoch: asyncio.Future[float] = loop.create_future()
        set_once(epoch, 5.0)  # the latest moment came first
        set_once(epoch, 7.0)  # every station connected later: too late to matter
        assert epoch.result() == 5.0
    finally:
        loop.close()


def test_a_fleet_needs_a_file_per_station_and_a_few_more():
    assert open_files_needed(10_000) - 10_000 == open_files_needed(1) - 1 > 0


def test_the_soft_open_files_limit_is_raised_to_the_hard_one_only_when_needed():
    need = open_files_needed(1000)
    assert soft_limit_for(1000, need, need) is None
    assert soft_limit_for(1000, 1024, 20_000) == 20_000
    assert soft_limit_for(1000, 1024, -1) == need  # no hard limit: as many as needed
    assert soft_limit_for(1000, -1, -1) is None


def test_a_hard_limit_too_low_for_the_fleet_is_refused_naming_both_numbers():
    with pytest.raises(
        ValueError, match=r"10000 stations need \d+ open files, more than the hard limit of 4096"
    ):
        soft_limit_for(10_000, 1024, 4096)


def _limited(soft: int, hard: int):  # type: ignore[no-untyped-def]
    return lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_simulate_refuses_a_count_beyond_the_hard_open_files_limit_in_one_line(tmp_path):
    done = subprocess.run(
        [CHARGECHECK, "simulate", "ws://127.0.0.1:9/ocpp", "X", "--count", "500"],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=tmp_path,
        preexec_fn=_limited(256, 256),
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "'--count'" in lines[0], done.stderr
    assert f"500 stations need {open_files_needed(500)} open files" in lines[0]
    assert "hard limit of 256" in lines[0]
    assert not (tmp_path / "runs").exists()  # no station was started


def test_simulate_raises_its_soft_open_files_limit_to_the_hard_one_for_a_fleet(tmp_path):
    args = [CHARGECHECK, "simulate", "ws://127.0.0.1:9/ocpp", "X", "--count", "300"]
    args += ["--ramp", "1000", "--state-dir", str(tmp_path / "state")]
    process = subprocess.Popen(
        args, stdout=subprocess.PIPE, text=True, cwd=tmp_path, preexec_fn=_limited(256, 1024)
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # the ramp is over: every station has started
        assert line.startswith("300 station(s) -> ws://127.0.0.1:9/ocpp"), line
        limits = Path(f"/proc/{process.pid}/limits").read_text().splitlines()
        files = next(row for row in limits if row.startswith("Max open files")).split()
        assert files[3:5] == ["1024", "1024"]  # soft, hard
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# -- the Simulator calls the fleet uses ---------------------------------------------------


async def test_a_configuration_change_at_the_station_reschedules_and_persists_meter_values(
    bench, tmp_path
):
    sim, session = await bench.start()
    assert await sim.change_configuration("MeterValueSampleInterval", "5") == "Accepted"
    await sim.plug(1)
    await sim.present_id_tag(1, "FLEETTAG")
    transaction_id = await sim.wait_transaction(1, WAIT)
    start = await session.expect("StartTransaction", timeout=WAIT, cursor=Cursor())
    assert start.payload["idTag"] == "FLEETTAG"
    periodic = [
        await session.expect(
            "MeterValues",
            lambda p: p["meterValue"][0]["sampledValue"][0].get("context") == "Sample.Periodic",
            timeout=WAIT,
        )
        for _ in range(2)
    ]
    assert {m.payload["transactionId"] for m in periodic} == {transaction_id}
    # Every 5 station seconds, not the 20 the station started with (FAST).
    assert (periodic[1].mono - periodic[0].mono) * SCALE == pytest.approx(5, rel=0.5)
    asked = await session.call(
        "GetConfiguration", {"key": ["MeterValueSampleInterval"]}, timeout=WAIT
    )
    assert asked["configurationKey"][0]["value"] == "5"
    await sim.stop()
    store = StationStore(state_file(bench.state_dir, "CP1"))
    try:
        saved = Configuration.from_dict(store.get("configuration"))
    finally:
        store.close()
    assert saved.value("MeterValueSampleInterval") == "5"


async def test_a_configuration_value_the_station_cannot_take_is_rejected_and_kept_out(bench):
    sim, _session = await bench.start()
    assert await sim.change_configuration("MeterValueSampleInterval", "often") == "Rejected"
    assert sim.station.cfg_int("MeterValueSampleInterval", 60) == 20


# -- the command as a real process ----------------------------------------------------------


async def test_simulate_charging_starts_a_transaction_on_every_station_with_meter_values(
    central, tmp_path
):
    args = [CHARGECHECK, "simulate", central.url(""), "FLT", "--count", "2", "--charging"]
    args += ["--id-tag", "FLEETTAG", "--meter-interval", "10", "--time-scale", str(SCALE)]
    args += ["--state-dir", str(tmp_path / "state")]
    process = await asyncio.create_subprocess_exec(*args, stdout=asyncio.subprocess.PIPE)
    try:
        assert process.stdout is not None
        lines: list[str] = []
        async with asyncio.timeout(6 * WAIT):
            while not (line := (await process.stdout.readline()).decode()).startswith("charging: "):
                assert line, "the simulate command ended before its stations were charging"
                lines.append(line)
        assert line.startswith("charging: 2/2 transaction(s) started")
        assert any(seen.startswith("connected: 2/2 station(s) in ") for seen in lines)
        for identity in ("FLT-0001", "FLT-0002"):
            session = await central.wait_for_station(identity, WAIT)
            start = await session.expect("StartTransaction", timeout=WAIT, cursor=Cursor())
            assert start.payload == {**start.payload, "connectorId": 1, "idTag": "FLEETTAG"}
            cursor = Cursor()
            for _ in range(2):
                value = await session.expect(
                    "MeterValues",
                    lambda p: (
                        "transactionId" in p
                        and p["meterValue"][0]["sampledValue"][0].get("context")
                        == "Sample.Periodic"
                    ),
                    timeout=WAIT,
                    cursor=cursor,
                )
                assert value.payload["connectorId"] == 1
        process.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(process.wait(), WAIT) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


@pytest.mark.parametrize(
    ("options", "complaint"),
    [
        (["--charging", "--meter-interval", "0"], "'--meter-interval'"),
        (["--charging", "--id-tag", "X" * 21], "an idTag has 1 to 20 characters, not 21"),
        (["--meter-interval", "10"], "'--meter-interval': only means something with --charging"),
        (["--id-tag", "FLEETTAG"], "'--id-tag': only means something with --charging"),
    ],
)
def test_simulate_refuses_a_bad_charging_option_in_one_line(options, complaint, tmp_path):
    assert_simulate_refuses(tmp_path, options, complaint)
