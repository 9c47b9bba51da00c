"""One load-generator worker process: its share of the stations over raw WebSockets.

Run by ``bench.load`` (never by hand): connects and boots its stations in bounded
batches, prints ``{"event": "ready", ...}``, waits for ``go`` on stdin, runs the load
for the planned duration, closes, and prints ``{"event": "result", ...}``.

Two engines drive the same hand-built OCPP-J frames:

- ``wire`` (default): websockets' sans-I/O ``ClientProtocol`` on a plain asyncio
  protocol, answers handled in callbacks; the cheapest client this library allows, so
  that the server, not the generator, is what gets measured.
- ``asyncio``: ``websockets.asyncio.client.connect`` and one task per station, the
  obvious way; kept to measure how much a client costs.

Neither offers permessage-deflate, and both offer the ``ocpp1.6`` subprotocol.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import ssl
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast
from urllib.parse import urlsplit

import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.typing import Subprotocol
from websockets.uri import parse_uri

from bench import loop
from bench.procfs import raise_open_files_limit
from bench.stats import Latencies

SUBPROTOCOL = Subprotocol("ocpp1.6")
CLOSE_TIMEOUT = 5.0


@dataclass
class Plan:
    url: str  # ws://127.0.0.1:PORT/ocpp/ ; the station identity is appended
    stations: int
    first: int = 0
    prefix: str = "LG"
    mode: str = "meter"  # "meter": MeterValues back to back; "heartbeat": every interval
    duration: float = 10.0
    heartbeat_interval: float = 5.0
    ramp: int = 100  # handshakes + boots in flight at once
    connect_timeout: float = 30.0
    engine: str = "wire"
    ca_file: str | None = None  # wss://: the server's certificate (bench.server --tls)


@dataclass
class Tally:
    connected: int = 0
    booted: int = 0
    answered: int = 0
    in_flight_at_end: int = 0
    problems: Counter[str] = field(default_factory=Counter)
    latencies: Latencies = field(default_factory=Latencies)

    def judge(self, data: bytes | str, unique_id: str) -> bool | None:
        """True: CALLRESULT for ``unique_id``; False: CALLERROR for it; None: not for it."""
        try:
            message = orjson.loads(data)
        except orjson.JSONDecodeError:
            self.problems["answer is not JSON"] += 1
            return None
        if type(message) is list and len(message) >= 3 and message[1] == unique_id:
            if message[0] == 3:
                return True
            if message[0] == 4:
                self.problems[f"CALLERROR {message[2]}"] += 1
                return False
        self.problems["message that answers nothing"] += 1
        return None


# -- hand-built OCPP-J frames ---------------------------------------------------------


def boot_frame(identity: str) -> bytes:
    payload = {
        "chargePointVendor": "chargecheck",
        "chargePointModel": "bench-load",
        "chargePointSerialNumber": identity[-25:],
    }
    return orjson.dumps([2, "boot", "BootNotification", payload])


def heartbeat_frame(unique_id: str) -> bytes:
    return b'[2,"' + unique_id.encode() + b'","Heartbeat",{}]'


_SAMPLES = [
    (measurand, phase, unit, value)
    for phase, volts, amps in (
        ("L1", "230.1", "15.9"),
        ("L2", "229.4", "16.1"),
        ("L3", "231.0", "15.8"),
    )
    for measurand, unit, value in (
        ("Voltage", "V", volts),
        ("Current.Import", "A", amps),
        ("Power.Active.Import", "W", "3660"),
    )
]


class MeterFrames:
    """MeterValues CALLs (OCPP 1.6 section 4.7): 3 phases x Voltage, Current.Import,
    Power.Active.Import, plus Energy.Active.Import.Register, which grows each call."""

    def __init__(self, timestamp: str) -> None:
        sampled: list[dict[str, Any]] = [
            {
                "value": value,
                "context": "Sample.Periodic",
                "measurand": measurand,
                "phase": phase,
                "location": "Outlet",
                "unit": unit,
            }
            for measurand, phase, unit, value in _SAMPLES
        ]
        sampled.append(
            {
                "value": "@ENERGY@",
                "context": "Sample.Periodic",
                "measurand": "Energy.Active.Import.Register",
                "location": "Outlet",
                "unit": "Wh",
            }
        )
        payload = {
            "connectorId": 1,
            "transactionId": 1,
            "meterValue": [{"timestamp": timestamp, "sampledValue": sampled}],
        }
        head, tail = orjson.dumps(payload).split(b"@ENERGY@")
        self._head = b'","MeterValues",' + head
        self._tail = tail + b"]"

    def frame(self, unique_id: str, energy_wh: int) -> bytes:
        return b"".join(
            (b'[2,"', unique_id.encode(), self._head, str(energy_wh).encode(), self._tail)
        )


def _now_text() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


# -- the load, shared by both engines --------------------------------------------------


class Driver:
    """What one station sends, when, and what it records: no I/O of its own.

    ``next_frame()`` gives the next CALL; ``answered(ok)`` records the answer to the
    one in flight and says when to send the next (now, later, or never).
    """

    def __init__(self, plan: Plan, tally: Tally, meter: MeterFrames) -> None:
        self.plan = plan
        self.tally = tally
        self.meter = meter
        self.count = 0
        self.energy = 0
        self.unique_id = ""
        self.sent_at = 0.0
        self.deadline = 0.0
        self.in_flight = False

    def next_frame(self) -> bytes:
        self.count += 1
        self.unique_id = str(self.count)
        self.in_flight = True
        self.sent_at = time.perf_counter()
        if self.plan.mode == "heartbeat":
            return heartbeat_frame(self.unique_id)
        self.energy += 7
        return self.meter.frame(self.unique_id, self.energy)

    def answered(self, ok: bool) -> float | None:
        """Seconds to wait before the next CALL, or None: stop."""
        now = time.perf_counter()
        self.in_flight = False
        if now > self.deadline:
            return None
        if ok:
            self.tally.answered += 1
            self.tally.latencies.add(now - self.sent_at)
        if self.plan.mode == "heartbeat":
            wait = self.sent_at + self.plan.heartbeat_interval - now
            return wait if now + wait < self.deadline else None
        return 0.0


# -- engine "wire": sans-I/O websockets on an asyncio protocol ------------------------


class WireStation(asyncio.Protocol):
    def __init__(self, url: str, driver: Driver, loop: asyncio.AbstractEventLoop) -> None:
        self.ws = ClientProtocol(parse_uri(url), subprotocols=[SUBPROTOCOL])
        self.driver = driver
        self.loop = loop
        self.transport: asyncio.Transport | None = None
        self.opened: asyncio.Future[None] = loop.create_future()
        self.closed: asyncio.Future[None] = loop.create_future()
        self.on_answer: Callable[[bool], None] | None = None
        self.expected = ""

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        self.ws.send_request(self.ws.connect())
        self._write()

    def data_received(self, data: bytes) -> None:
        self.ws.receive_data(data)
        for event in self.ws.events_received():
            if isinstance(event, Response):
                if not self.opened.done():
                    if self.ws.handshake_exc is None:
                        self.opened.set_result(None)
                    else:
                        self.opened.set_exception(self.ws.handshake_exc)
            elif isinstance(event, Frame) and event.opcode is Opcode.TEXT:
                self._message(bytes(event.data))
        self._write()

    def eof_received(self) -> bool | None:
        self.ws.receive_eof()
        self._write()
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self.ws.receive_eof()
        if not self.opened.done():
            self.opened.set_exception(exc or ConnectionError("closed during the handshake"))
        if not self.closed.done():
            self.closed.set_result(None)

    # the station

    def send(self, frame: bytes, unique_id: str, on_answer: Callable[[bool], None]) -> None:
        self.expected = unique_id
        self.on_answer = on_answer
        self.ws.send_text(frame)
        self._write()

    async def call(self, frame: bytes, unique_id: str, timeout: float) -> bool:
        answer: asyncio.Future[bool] = self.loop.create_future()
        self.send(frame, unique_id, answer.set_result)
        return await asyncio.wait_for(answer, timeout)

    def start(self) -> None:
        self._schedule(
            random.uniform(0, self.driver.plan.heartbeat_interval)
            if self.driver.plan.mode == "heartbeat"
            else 0.0
        )

    def close(self) -> None:
        if self.ws.state.name == "OPEN":
            self.ws.send_close(1000, "load done")
            self._write()

    def _message(self, data: bytes) -> None:
        ok = self.driver.tally.judge(data, self.expected)
        if ok is None or self.on_answer is None:
            return
        on_answer, self.on_answer = self.on_answer, None
        on_answer(ok)

    def _answered(self, ok: bool) -> None:
        wait = self.driver.answered(ok)
        if wait is not None:
            self._schedule(wait)

    def _schedule(self, wait: float) -> None:
        if wait <= 0:
            self._send_next()
        else:
            self.loop.call_later(wait, self._send_next)

    def _send_next(self) -> None:
        if self.ws.state.name == "OPEN" and time.perf_counter() < self.driver.deadline:
            frame = self.driver.next_frame()
            self.send(frame, self.driver.unique_id, self._answered)

    def _write(self) -> None:
        assert self.transport is not None
        for data in self.ws.data_to_send():
            if data:
                self.transport.write(data)
            elif self.transport.can_write_eof():
                self.transport.write_eof()


def _tls(url: str, plan: Plan) -> dict[str, Any]:
    """``ssl=`` for a wss:// URL (the server's certificate verified), else nothing."""
    if not url.startswith("wss://"):
        return {}
    return {"ssl": ssl.create_default_context(cafile=plan.ca_file)}


async def _open_wire(url: str, driver: Driver, plan: Plan) -> WireStation:
    loop = asyncio.get_running_loop()
    where = urlsplit(url)
    host = where.hostname or "127.0.0.1"
    port = where.port or (443 if where.scheme == "wss" else 80)
    _, station = await asyncio.wait_for(
        loop.create_connection(
            lambda: WireStation(url, driver, loop), host, port, **_tls(url, plan)
        ),
        plan.connect_timeout,
    )
    try:
        await asyncio.wait_for(station.opened, plan.connect_timeout)
    except BaseException:
        if station.transport is not None:
            station.transport.abort()
        raise
    return station


# -- engine "asyncio": the websockets asyncio client, one task per station ----------


class TaskStation:
    def __init__(self, ws: ClientConnection, driver: Driver) -> None:
        self.ws = ws
        self.driver = driver
        self.task: asyncio.Task[None] | None = None

    async def call(self, frame: bytes, unique_id: str, timeout: float) -> bool:
        await self.ws.send(frame, text=True)
        async with asyncio.timeout(timeout):
            while True:
                ok = self.driver.tally.judge(await self.ws.recv(decode=False), unique_id)
                if ok is not None:
                    return ok

    def start(self) -> None:
        self.task = asyncio.get_running_loop().create_task(self._loop())

    def close(self) -> None:
        if self.task is not None:
            self.task.cancel()

    async def _loop(self) -> None:
        driver = self.driver
        if driver.plan.mode == "heartbeat":
            await asyncio.sleep(random.uniform(0, driver.plan.heartbeat_interval))
        while time.perf_counter() < driver.deadline:
            frame = driver.next_frame()
            await self.ws.send(frame, text=True)
            while (
                ok := driver.tally.judge(await self.ws.recv(decode=False), driver.unique_id)
            ) is None:
                pass
            wait = driver.answered(ok)
            if wait is None:
                return
            if wait > 0:
                await asyncio.sleep(wait)


async def _open_asyncio(url: str, driver: Driver, plan: Plan) -> TaskStation:
    ws = await connect(
        url,
        subprotocols=[SUBPROTOCOL],
        compression=None,
        open_timeout=plan.connect_timeout,
        ping_interval=None,
        **_tls(url, plan),
    )
    return TaskStation(ws, driver)


# -- the worker ------------------------------------------------------------------------


Station = WireStation | TaskStation


def emit(event: str, **fields: Any) -> None:
    sys.stdout.write(json.dumps({"event": event, **fields}) + "\n")
    sys.stdout.flush()


async def _open_and_boot(
    n: int, plan: Plan, tally: Tally, gate: asyncio.Semaphore
) -> tuple[Station, Driver] | None:
    identity = f"{plan.prefix}{n:05d}"
    driver = Driver(plan, tally, MeterFrames(_now_text()))
    opener = _open_wire if plan.engine == "wire" else _open_asyncio
    async with gate:
        try:
            station: Station = await opener(plan.url + identity, driver, plan)
        except Exception as exc:
            tally.problems[f"connect: {type(exc).__name__}"] += 1
            return None
        tally.connected += 1
        try:
            booted = await station.call(boot_frame(identity), "boot", plan.connect_timeout)
        except Exception as exc:
            tally.problems[f"boot: {type(exc).__name__}"] += 1
            booted = False
    if booted:
        tally.booted += 1
    return station, driver


async def _close(stations: list[Station]) -> None:
    if not stations:
        return
    for station in stations:
        station.close()
    if isinstance(stations[0], WireStation):
        waiting = [s.closed for s in stations if isinstance(s, WireStation)]
        await asyncio.wait(waiting, timeout=CLOSE_TIMEOUT)
        for station in stations:
            if isinstance(station, WireStation) and not station.closed.done():
                assert station.transport is not None
                station.transport.abort()
        return
    tasks = [s.ws.close() for s in stations if isinstance(s, TaskStation)]
    await asyncio.wait([asyncio.ensure_future(t) for t in tasks], timeout=CLOSE_TIMEOUT)


async def work(plan: Plan) -> None:
    loop = asyncio.get_running_loop()
    tally = Tally()
    gate = asyncio.Semaphore(plan.ramp)
    ramp_start = time.perf_counter()
    opened = await asyncio.gather(
        *(_open_and_boot(plan.first + i, plan, tally, gate) for i in range(plan.stations))
    )
    ramp_s = time.perf_counter() - ramp_start  # every connection + handshake + boot
    pairs = [p for p in opened if p is not None]
    emit(
        "ready",
        connected=tally.connected,
        booted=tally.booted,
        problems=tally.problems,
        ramp_s=round(ramp_s, 4),
    )
    if (await loop.run_in_executor(None, sys.stdin.readline)).strip() != "go":
        await _close([s for s, _ in pairs])
        return
    tally.problems.clear()
    cpu_start = time.process_time()
    start = time.perf_counter()
    for station, driver in pairs:
        driver.deadline = start + plan.duration
        station.start()
    await asyncio.sleep(plan.duration)
    cpu = time.process_time() - cpu_start
    tally.in_flight_at_end = sum(1 for _, d in pairs if d.in_flight)
    await _close([s for s, _ in pairs])
    emit(
        "result",
        answered=tally.answered,
        window_s=plan.duration,
        in_flight_at_end=tally.in_flight_at_end,
        client_cpu_s=round(cpu, 3),
        problems=tally.problems,
        latencies=tally.latencies.to_json(),
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.stations")
    parser.add_argument("--plan", required=True, help="the Plan as JSON")
    parser.add_argument("--no-uvloop", action="store_true")
    args = parser.parse_args(argv)
    plan = Plan(**json.loads(args.plan))
    raise_open_files_limit()
    loop.run(work(plan), uvloop=not args.no_uvloop)


if __name__ == "__main__":
    main()
