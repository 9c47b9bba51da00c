"""The 2.0.1 station's connection: back-off while the CSMS refuses it (OCPP-J 2.0.1 part 4,
"Reconnecting": RetryBackOffWaitMinimum doubled RetryBackOffRepeatTimes times plus a random
part of RetryBackOffRandomRange), reconnecting after the CSMS closes the connection, and
``chargecheck simulate --ocpp 2.0.1`` as a real process."""

from __future__ import annotations

import asyncio
import itertools
import random
import signal
import sys
from pathlib import Path

from chargecheck.sim.v201.shell import reconnect_wait
from chargecheck.sim.v201.simulator import Simulator201

from .peer import WAIT, running_csms

CHARGECHECK = str(Path(sys.executable).parent / "chargecheck")
FAST = 200.0  # station seconds per real second


async def test_back_off_while_refused_then_boot(tmp_path: Path) -> None:
    async with running_csms() as csms:
        csms.refuse = True
        sim = Simulator201(
            csms.url, "CSR", state_dir=tmp_path, time_scale=FAST, rng=random.Random(3)
        )
        async with sim:
            shell = sim.shell
            await shell.wait_until(lambda: len(csms.refused_at) >= 4, 4 * WAIT)
            csms.refuse = False
            await sim.wait_booted(WAIT)
    # defaults of the profile: minimum 2 s, random range 3 s, 4 doublings
    rng = random.Random(3)
    expected = [reconnect_wait(n, 2.0, 3.0, 4, rng) for n in range(1, 4)]
    assert shell.waits[:3] == expected
    # each refusal is timed by the CSMS before it is answered, each attempt after it
    # arrived: a gap is never shorter than the station's real wait, however loaded the
    # machine (5 % for the simulated clock's rounding)
    gaps = [(b - a) * FAST for a, b in itertools.pairwise(csms.refused_at[:4])]
    assert all(gap >= wait * 0.95 for gap, wait in zip(gaps, expected, strict=True)), gaps


async def test_reconnects_by_itself_after_the_csms_closes(tmp_path: Path) -> None:
    async with running_csms() as csms:
        sim = Simulator201(csms.url, "CSC", state_dir=tmp_path, time_scale=FAST)
        async with sim:
            await sim.wait_booted(WAIT)
            await csms.peer._connection.close()
            await csms.connections(2)
            await sim.wait_connected(WAIT)
    assert [a for a, _ in csms.received].count("BootNotification") == 1


async def test_reboot_from_the_python_api_boots_again(tmp_path: Path) -> None:
    async with running_csms() as csms:
        sim = Simulator201(csms.url, "CSB", state_dir=tmp_path, time_scale=FAST)
        async with sim:
            await sim.wait_booted(WAIT)
            await sim.reboot()
            boot = await csms.first("BootNotification", lambda p: p["reason"] == "LocalReset")
            await sim.wait_booted(WAIT)
    assert boot["chargingStation"]["model"] == "SIM-201-AC22"
    assert len(csms.peers) == 2


async def run_command(*args: str) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        CHARGECHECK,
        "simulate",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 4 * WAIT)
    assert proc.returncode is not None
    return proc.returncode, out.decode()


async def test_simulate_ocpp_201_boots_against_the_csms_and_stops_on_sigint(
    tmp_path: Path,
) -> None:
    async with running_csms() as csms:
        proc = await asyncio.create_subprocess_exec(
            CHARGECHECK, "simulate", csms.url, "CLI201", "--ocpp", "2.0.1", "--count", "2",
            "--time-scale", "50", "--state-dir", str(tmp_path), "--no-console",
            stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        await csms.count("StatusNotification", 4, timeout=4 * WAIT)
        proc.send_signal(signal.SIGINT)
        out, _ = await asyncio.wait_for(proc.communicate(), WAIT)
    assert proc.returncode == 0
    assert sorted(csms.paths) == ["/ocpp/CLI201-0001", "/ocpp/CLI201-0002"]
    assert "2 OCPP 2.0.1 station(s)" in out.decode()
    assert {p["reason"] for p in csms.of("BootNotification")} == {"PowerUp"}


async def test_simulate_refuses_an_unknown_version_and_unready_options(tmp_path: Path) -> None:
    code, out = await run_command("ws://127.0.0.1:9/ocpp", "X", "--ocpp", "2.1")
    assert code == 2 and "--ocpp" in out
    code, out = await run_command("ws://127.0.0.1:9/ocpp", "X", "--ocpp", "2.0.1", "--charging")
    assert code == 2 and "--charging" in out and "2.0.1" in out
