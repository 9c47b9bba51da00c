"""``chargecheck simulate`` as a real process, driven through its control interface: a
transaction started offline survives a SIGKILL and is delivered once after restart."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from pathlib import Path
from typing import Any

from chargecheck.csms import Cursor

from .conftest import FAST, WAIT, seed_configuration

CHARGECHECK = str(Path(sys.executable).parent / "chargecheck")


async def http(port: int, method: str, path: str, body: dict[str, Any] | None = None):
    """One request to the control interface; (status, JSON answer)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    data = json.dumps(body or {}).encode()
    writer.write(
        f"{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(data)}\r\n\r\n".encode()
        + data
    )
    await writer.drain()
    response = await asyncio.wait_for(reader.read(), WAIT)
    writer.close()
    head, _, text = response.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(text)


class Process:
    def __init__(self, url: str, state_dir: Path) -> None:
        self.args = [
            CHARGECHECK, "simulate", url, "CPK", "--control-port", "0",
            "--time-scale", "40", "--state-dir", str(state_dir),
        ]  # fmt: skip
        self.proc: asyncio.subprocess.Process | None = None
        self.port = 0

    async def start(self) -> None:
        self.proc = await asyncio.create_subprocess_exec(*self.args, stdout=asyncio.subprocess.PIPE)
        assert self.proc.stdout is not None
        async with asyncio.timeout(4 * WAIT):
            while True:
                line = (await self.proc.stdout.readline()).decode()
                assert line, "the simulate command ended before its control port was up"
                if line.startswith("control: "):
                    self.port = int(line.rsplit(":", 1)[1])
                    return

    async def kill(self, sig: int = signal.SIGKILL) -> int:
        assert self.proc is not None
        self.proc.send_signal(sig)
        return await asyncio.wait_for(self.proc.wait(), WAIT)


def starts_and_stops(session) -> tuple[list[int], list[dict[str, Any]]]:
    starts = [
        i for i, m in enumerate(session.inbox)
        if m.action == "StartTransaction" and m.payload["idTag"] == "KILLED"
    ]  # fmt: skip
    stops = [m.payload for m in session.received("StopTransaction", Cursor())]
    return starts, stops


async def test_an_offline_transaction_survives_sigkill_and_is_delivered_exactly_once(
    central, tmp_path
):
    state_dir = tmp_path / "state"
    seed_configuration(state_dir, "CPK", {**FAST, "AllowOfflineTxForUnknownId": "true"})
    process = Process(central.url(""), state_dir)
    await process.start()
    try:
        session = await central.wait_for_station("CPK", 4 * WAIT)
        await session.expect("StatusNotification", lambda p: p["connectorId"] == 2, WAIT)
        assert (await http(process.port, "POST", "/go_offline"))[0] == 200
        await session.wait_disconnected(WAIT)
        await http(process.port, "POST", "/plug", {"connector": 1})
        status, state = await http(
            process.port, "POST", "/present_id_tag", {"connector": 1, "idTag": "KILLED"}
        )
        assert status == 200
        assert state["connectors"][1] == {
            "connectorId": 1,
            "status": "Charging",
            "transactionId": None,
        }
        await asyncio.sleep(30 / 40)  # a meter interval passes: a MeterValues is queued too
        assert await process.kill() == -signal.SIGKILL
        assert starts_and_stops(session) == ([], [])

        cursor = session.mark()
        await process.start()  # same state directory: the queue is on its disk
        stop = await session.expect("StopTransaction", timeout=4 * WAIT, cursor=cursor)
        starts, stops = starts_and_stops(session)
        assert len(starts) == 1 and len(stops) == 1
        real_id = session.answers.first_transaction_id
        assert stop.payload["transactionId"] == real_id
        assert stop.payload["reason"] == "PowerLoss"  # the cable is not in after a restart
        sent = [m.action for m in session.received(cursor=cursor)]
        assert sent.index("BootNotification") < sent.index("StartTransaction")
        assert (
            sent.index("StartTransaction")
            < sent.index("MeterValues")
            < sent.index("StopTransaction")
        )
        await session.expect("StatusNotification", lambda p: p["connectorId"] == 2, WAIT, cursor)

        assert await process.kill() == -signal.SIGKILL
        cursor = session.mark()
        await process.start()  # nothing is delivered twice
        await session.expect(
            "StatusNotification", lambda p: p["connectorId"] == 2, 4 * WAIT, cursor
        )
        await asyncio.sleep(10 / 40)
        assert starts_and_stops(session) == (starts, stops)
        assert await process.kill(signal.SIGTERM) == 0
    finally:
        if process.proc is not None and process.proc.returncode is None:
            process.proc.kill()
            await process.proc.wait()
