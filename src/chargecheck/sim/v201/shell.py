"""The asyncio shell around one ``Station201`` model: it owns the WebSocket, the clock,
the timer and the reboots; every decision is the model's.

Per station: one task for the connection (connect to ``url/identity`` offering the
subprotocol "ocpp2.0.1", read, reconnect), one writer task that performs the model's
actions in order, one timer handle.

Reconnection (OCPP-J 2.0.1 part 4, "Reconnecting"; ``reconnect_wait``): after a failed
attempt or a lost connection the station waits RetryBackOffWaitMinimum station seconds,
doubled after each further failure up to RetryBackOffRepeatTimes times, plus a random
part of up to RetryBackOffRandomRange seconds (OCPPCommCtrlr). ``set_online(True)`` or a
reboot cuts the wait short; a connection the CSMS spoke on starts the count again.

Which URL each attempt goes to is ``network.NetworkSlots``'s: the slots of
NetworkConfigurationPriority in order, NetworkProfileConnectionAttempts on each, then the
fallback (use case B10); ``tried`` lists every URL attempted.
"""

from __future__ import annotations

import asyncio
import random
from collections import deque
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI
from websockets.typing import Subprotocol

from chargecheck.protocol.versions import OCPP201
from chargecheck.sim.actions import Action, CloseConnection, Reboot, SendFrame
from chargecheck.sim.station_clock import Now, StationClock
from chargecheck.sim.store import StationStore, state_file
from chargecheck.sim.tls import station_url
from chargecheck.sim.v201.core import Physical, Station201Settings
from chargecheck.sim.v201.network import NetworkSlots
from chargecheck.sim.v201.station import Station201

SUBPROTOCOL = Subprotocol(OCPP201.subprotocol)
BOOT_SECONDS = 2.0  # how long a reboot keeps the station dark, station seconds
OPEN_TIMEOUT = 10.0  # real seconds for the TCP + WebSocket handshake


def reconnect_wait(
    failures: int, minimum: float, random_range: float, repeat_times: int, rng: random.Random
) -> float:
    """Station seconds to wait before the next attempt after ``failures`` failures in a
    row (1 = the first): ``minimum`` doubled ``min(failures - 1, repeat_times)`` times,
    plus a random 0..``random_range``."""
    doublings = min(max(0, failures - 1), max(0, repeat_times))
    return minimum * 2**doublings + rng.uniform(0.0, max(0.0, random_range))


def state_path(state_dir: Path, identity: str) -> Path:
    """A 2.0.1 station's SQLite file: apart from a 1.6 station of the same identity."""
    return state_file(state_dir, f"{identity}.ocpp201")


class StationShell201:
    def __init__(
        self,
        url: str,
        settings: Station201Settings,
        state_dir: Path,
        clock: StationClock,
        *,
        rng: random.Random | None = None,
    ) -> None:
        self.url = station_url(url, settings.identity)
        self.network = NetworkSlots(url, settings.identity)
        self.tried: list[str] = []  # the URL of every connection attempt, in order
        self.settings = settings
        self.clock = clock
        self.store = StationStore(state_path(Path(state_dir), settings.identity), bursts=True)
        self.model: Station201 | None = None  # None while rebooting
        self.last_model: Station201 | None = None
        self.failure: BaseException | None = None
        self.attempts = 0  # connection attempts so far
        self.waits: list[float] = []  # every reconnection wait, station seconds
        self.frame_observer: Callable[[str, str | bytes], None] | None = None
        self._rng = rng or random.Random(settings.identity)
        self._physical: Physical | None = None
        self._ws: ClientConnection | None = None
        self._online_wanted = True
        self._stopping = False
        self._wake = asyncio.Event()
        self._out: deque[tuple[int, Action]] = deque()
        self._out_ready = asyncio.Event()
        self._queued = 0
        self._done = 0
        self._changed = asyncio.Event()
        self._timer: asyncio.TimerHandle | None = None
        self._generation = 0

    # -- life ------------------------------------------------------------------------------

    async def run(self) -> None:
        """The station's whole life, until ``stop()``; raises the model's failure if any."""
        self._power_on()
        try:
            async with asyncio.TaskGroup() as group:
                writer = group.create_task(self._writer())
                try:
                    await self._connection_loop()
                finally:
                    writer.cancel()
        finally:
            self._cancel_timer()
            self.store.close()
        if self.failure is not None:
            raise self.failure

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        ws = self._ws
        if ws is not None:
            await ws.close(1001, "station stopping")

    @property
    def connected(self) -> bool:
        return self._ws is not None

    @property
    def queued(self) -> int:
        return self._queued

    def _power_on(self) -> None:
        self._generation += 1
        self._cancel_timer()
        try:
            self.model = Station201(
                self.settings, self.store, self.clock.now(), physical=self._physical
            )
        except Exception as exc:
            self._fail(exc)
            return
        self._physical = self.model.physical
        self.last_model = self.model
        self._collect(self.model)

    def _fail(self, exc: BaseException) -> None:
        if self.failure is None:
            self.failure = exc
        self._stopping = True
        self._wake.set()
        self._notify()
        if self._ws is not None:
            self._ws.transport.abort()

    # -- feeding the model --------------------------------------------------------------------

    def feed(self, change: Callable[[Station201, Now], None], *, user: bool = False) -> int:
        """Give the model one input; the count its resulting actions reach. With
        ``user``, a ``ValueError`` goes back to the caller and the station runs on; any
        other exception is the model's bug: the station stops and ``run()`` raises it."""
        model = self.model
        if model is None or self.failure is not None:
            return self._queued
        try:
            change(model, self.clock.now())
        except ValueError as exc:
            if not user:
                self._fail(exc)
            raise
        except Exception as exc:
            self._fail(exc)
            raise
        self._collect(model)
        return self._queued

    def _collect(self, model: Station201) -> None:
        for action in model.take_actions():
            self._out.append((self._generation, action))
            self._queued += 1
        if self._out:
            self._out_ready.set()
        self._reschedule(model)
        try:
            self.store.release()  # what the burst wrote is on disk before its frames leave
        except Exception as exc:
            self._fail(exc)
            raise
        self._notify()

    def _reschedule(self, model: Station201) -> None:
        self._cancel_timer()
        deadline = model.next_deadline()
        if deadline is None:
            return
        delay = self.clock.real_seconds(deadline - self.clock.mono())
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(max(0.0, delay) + 0.001, self._on_timer)

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _on_timer(self) -> None:
        self._timer = None
        with suppress(Exception):  # kept in self.failure; run() raises it
            self.feed(lambda m, now: m.on_time(now))

    # -- waiting ---------------------------------------------------------------------------------

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_until(self, condition: Callable[[], bool], seconds: float | None) -> None:
        """Until ``condition()`` holds (TimeoutError after ``seconds`` real seconds)."""
        async with asyncio.timeout(seconds):
            while not condition():
                if self.failure is not None:
                    raise RuntimeError("the simulated station failed") from self.failure
                await self._changed.wait()

    async def performed(self, count: int) -> None:
        """Until the writer has performed the first ``count`` actions."""
        await self.wait_until(lambda: self._done >= count or self.failure is not None, None)

    def set_online(self, wanted: bool) -> None:
        """Plug the network cable in or pull it (no closing handshake)."""
        self._online_wanted = wanted
        self._wake.set()
        if not wanted and self._ws is not None:
            self._ws.transport.abort()

    # -- the writer ------------------------------------------------------------------------------

    async def _writer(self) -> None:
        while True:
            if not self._out:
                self._out_ready.clear()
                await self._out_ready.wait()
                continue
            generation, action = self._out.popleft()
            try:
                if generation == self._generation:
                    await self._perform(action)
            finally:
                self._done += 1
                self._notify()

    async def _perform(self, action: Action) -> None:
        ws = self._ws
        if isinstance(action, SendFrame):
            if ws is not None:
                with suppress(ConnectionClosed):
                    await ws.send(action.text)
                    if self.frame_observer is not None:
                        self.frame_observer("out", action.text)
        elif isinstance(action, CloseConnection):
            if ws is not None:
                await ws.close(1000, action.reason)
        elif isinstance(action, Reboot):
            await self._reboot(action)

    async def _reboot(self, action: Reboot) -> None:
        self._generation += 1  # what the old model still wanted done is dropped
        self._cancel_timer()
        self.model = None
        ws = self._ws
        if ws is not None:
            await ws.close(1001, f"reboot: {action.reason}")
            await self.wait_until(lambda: self._ws is not ws, None)
        await asyncio.sleep(self.clock.real_seconds(BOOT_SECONDS))
        self._power_on()
        self._wake.set()

    # -- the connection ------------------------------------------------------------------------

    def _wait(self, failures: int) -> float:
        model = self.model
        m = model.model if model is not None else None
        if "backoff_not_doubled" in self.settings.defects:
            failures = 1  # against part 4 section 5.3: the wait never grows
        wait = reconnect_wait(
            failures,
            float(m.integer("OCPPCommCtrlr", "RetryBackOffWaitMinimum", 2) if m else 2),
            float(m.integer("OCPPCommCtrlr", "RetryBackOffRandomRange", 3) if m else 3),
            m.integer("OCPPCommCtrlr", "RetryBackOffRepeatTimes", 4) if m else 4,
            self._rng,
        )
        self.waits.append(wait)
        return wait

    async def _pause(self, station_seconds: float | None) -> None:
        """Wait (station time) unless woken by set_online, a reboot or stop."""
        self._wake.clear()
        timeout = None if station_seconds is None else self.clock.real_seconds(station_seconds)
        with suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self._wake.wait()

    async def _connection_loop(self) -> None:
        failures, generation = 0, self._generation
        while not self._stopping:
            if not self._online_wanted or self.model is None:
                await self._pause(None)
                continue
            if generation != self._generation or not self.tried:  # powered on
                failures, generation = 0, self._generation
                self._begin_network()
            ws = await self._connect()
            if ws is None:
                self.network.failed()
            else:
                self.network.succeeded()
                if await self._session(ws):
                    failures = 0
                self._begin_network()  # the connection is lost: from the first entry again
            failures += 1
            if not self._stopping and self.model is not None and self._online_wanted:
                await self._pause(self._wait(failures))

    def _begin_network(self) -> None:
        """The slots from the first entry of NetworkConfigurationPriority (B10.FR.04)."""
        model = self.model
        if model is None:
            return
        m = model.model
        self.network.begin(
            m.members("OCPPCommCtrlr", "NetworkConfigurationPriority"),
            self.store.get("network_profiles", {}) or {},
            m.integer("OCPPCommCtrlr", "NetworkProfileConnectionAttempts", 1),
        )

    async def _connect(self) -> ClientConnection | None:
        model = self.model
        ping = (
            float(model.model.integer("OCPPCommCtrlr", "WebSocketPingInterval", 0)) if model else 0
        )
        url = self.network.url
        if "network_priority_ignored" in self.settings.defects:
            url = self.url  # against B10.FR.04: always the URL it was started with
        self.tried.append(url)
        self.store.release()
        try:
            ws = await connect(
                url,
                subprotocols=[SUBPROTOCOL],
                open_timeout=OPEN_TIMEOUT,
                ping_interval=ping or None,
                ping_timeout=ping or None,
                close_timeout=2.0,
                compression=None,
            )
        except (OSError, InvalidHandshake, InvalidURI, TimeoutError) as exc:
            self.attempts += 1
            self._log(f"connection to {url} failed: {exc}")
            self._notify()
            return None
        self.attempts += 1
        if ws.subprotocol != SUBPROTOCOL:
            # OCPP-J 2.0.1 part 4: no ocpp2.0.1 agreed, no OCPP on this connection.
            self._log(f"the CSMS agreed subprotocol {ws.subprotocol!r}, not {SUBPROTOCOL}")
            await ws.close(1002, "ocpp2.0.1 is required")
            self._notify()
            return None
        if self._stopping or not self._online_wanted or self.model is None:
            ws.transport.abort()
            await ws.wait_closed()
            self._notify()
            return None
        return ws

    async def _session(self, ws: ClientConnection) -> bool:
        """Serve one connection until it closes; whether the CSMS said anything on it."""
        generation = self._generation
        self._ws = ws
        heard = False
        try:
            self.feed(lambda m, now: m.connected(now))
            async for message in ws:
                heard = True
                if self.frame_observer is not None:
                    self.frame_observer("in", message)
                self._received(message)
        except ConnectionClosed:
            pass
        except Exception:
            if self.failure is None:
                raise
        finally:
            self._ws = None
            if generation == self._generation and self.model is not None:
                with suppress(Exception):  # kept in self.failure
                    self.feed(lambda m, now: m.disconnected(now))
            self._notify()
        return heard

    def _received(self, text: str | bytes) -> None:
        self.feed(lambda m, now: m.receive(text, now))

    def _log(self, text: str) -> None:
        if self.model is not None:
            with suppress(Exception):
                self.feed(lambda m, now: m.step(now, m.log, text))
