"""A fleet that charges: ``chargecheck simulate --charging`` as a real process against a
real Central System, the ``Simulator`` calls it is made of, the slots that spread the
fleet over a meter interval, and the command's refusal of bad option values."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

import pytest

from chargecheck.csms import Cursor
from chargecheck.sim.configuration import Configuration
from chargecheck.sim.fleet import slot
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
        async with asyncio.timeout(6 * WAIT):
            while not (line := (await process.stdout.readline()).decode()).startswith("charging: "):
                assert line, "the simulate command ended before its stations were charging"
        assert line.startswith("charging: 2/2 transaction(s) started")
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
