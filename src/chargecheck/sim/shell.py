"""The asyncio shell around one ``Station`` model: it owns the WebSocket, the clock, the
timer, the file transfers and the reboots; every decision is the model's.

Per station: one task for the connection (connect, read, reconnect with backoff), one
writer task (performs the model's actions in order), one timer handle, and a transfer
task only while a file moves (``asyncio.to_thread``, the loop's shared pool). No thread
per station.

Reconnection (the station's, not the Central System's, decision): after a failed attempt
or a lost connection the station waits 1, 2, 4 ... station seconds, capped at
WebSocketReconnectInterval, with a little jitter so that a thousand stations do not come
back in the same instant; a ``go_online`` or a reboot cuts the wait short. The count
starts again after a connection the Central System spoke on (or that lived
STABLE_SECONDS), and after a reboot (the station's memory of failed attempts is gone).

Not scaled by ``time_scale``: the WebSocket ping (WebSocketPingInterval, real seconds) and
the handshake timeout, which are about the network, not about the station's clock.
"""

from __future__ import annotations

import asyncio
import base64
import random
import ssl
from collections import deque
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI
from websockets.typing import Subprotocol

from chargecheck.sim.actions import (
    Action,
    AnswerLater,
    CloseConnection,
    Download,
    Reboot,
    SendFrame,
    Upload,
)
from chargecheck.sim.core import StationSettings
from chargecheck.sim.station import Station
from chargecheck.sim.station_clock import Now, StationClock
from chargecheck.sim.store import StationStore, state_file
from chargecheck.sim.tls import connection_target, failure_event, station_url, tls_problem, tls_url
from chargecheck.sim.transfers import TransferError, download, upload

SUBPROTOCOL = Subprotocol("ocpp1.6")
BACKOFF_FIRST = 1.0  # station seconds before the first reconnection attempt
BOOT_SECONDS = 2.0  # how long a reboot keeps the station dark, station seconds
STABLE_SECONDS = 30.0  # a connection that lived this long resets the backoff
OPEN_TIMEOUT = 10.0  # real seconds for the TCP + WebSocket handshake


@dataclass(frozen=True, slots=True)
class _PowerCut:
    """The shell's own action: pull the mains (abort the socket, forget the model)."""


Item = tuple[int, Action | _PowerCut]


class StationShell:
    def __init__(
        self,
        url: str,
        settings: StationSettings,
        state_dir: Path,
        clock: StationClock,
        *,
        password: str | None = None,
        tls: ssl.SSLContext | None = None,
        say: Callable[[str], None] | None = None,
        secure_url: str | None = None,
    ) -> None:
        self.url = station_url(url, settings.identity)
        # Where to connect on SecurityProfile 2 or 3 (``sim.tls.secured_connection``).
        self.secure_url = station_url(secure_url or tls_url(url), settings.identity)
        # wss:// (sim/tls.py); a failed TLS attempt is told to ``say`` once per reason.
        self._tls = tls
        self._say = say
        self._told: str | None = None
        self._failure_events: set[tuple[str, str]] = set()  # told the model since connected
        self.settings = settings
        self.clock = clock
        self.store = StationStore(state_file(Path(state_dir), settings.identity), bursts=True)
        self.model: Station | None = None  # None while rebooting
        self.last_model: Station | None = None  # the latest model, for reading its state
        self.failure: BaseException | None = None
        self.attempts = 0  # connection attempts so far (any outcome)
        # Told ("in" | "out", text) of every frame received or written (the console).
        self.frame_observer: Callable[[str, str | bytes], None] | None = None
        self._headers: dict[str, str] = {}
        if password is not None:
            token = base64.b64encode(f"{settings.identity}:{password}".encode()).decode()
            self._headers["Authorization"] = f"Basic {token}"
        self._physical: Any = None
        self._ws: ClientConnection | None = None
        self._online_wanted = True
        self._stopping = False
        self._wake = asyncio.Event()
        self._out: deque[Item] = deque()
        self._out_ready = asyncio.Event()
        self._queued = 0
        self._done = 0
        self._changed = asyncio.Event()
        self._timer: asyncio.TimerHandle | None = None
        self._generation = 0
        # (failures so far, wait before jitter) of each reconnection wait, the latest last
        self.backoffs: deque[tuple[int, float]] = deque(maxlen=64)
        self._tasks: set[asyncio.Task[None]] = set()
        self._random = random.Random(settings.identity)
        # Inputs given later (a slow answer or act, chargecheck.sim.variants), in order:
        # (loop time due, the model generation it is for or None for any, the input).
        self._later: deque[tuple[float, int | None, Callable[[Station, Now], None]]] = deque()
        self._later_task: asyncio.Task[None] | None = None

    # -- life -------------------------------------------------------------------------------

    async def run(self) -> None:
        """The station's whole life, until ``stop()``; raises the model's failure if any."""
        self._power_on(after_reset=False)
        try:
            async with asyncio.TaskGroup() as group:
                writer = group.create_task(self._writer())
                try:
                    await self._connection_loop()
                finally:
                    writer.cancel()
                    for task in list(self._tasks):
                        task.cancel()
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
    def online_wanted(self) -> bool:
        return self._online_wanted

    @property
    def queued(self) -> int:
        """How many actions the model has asked for so far."""
        return self._queued

    def _power_on(self, *, after_reset: bool) -> None:
        self._generation += 1
        self._cancel_timer()
        self.store.release()
        try:
            self.model = Station(
                self.settings,
                self.store,
                self.clock.now(),
                physical=self._physical,
                after_reset=after_reset,
            )
        except Exception as exc:
            self._fail(exc)
            return
        self._physical = self.model.physical
        self.model.connects_with(2 if self._tls is not None else 1 if self._headers else 0)
        self.last_model = self.model
        self._collect(self.model)

    def _fail(self, exc: BaseException) -> None:
        if self.failure is None:
            self.failure = exc
        self._stopping = True
        self._wake.set()
        self._notify()
        ws = self._ws
        if ws is not None:
            ws.transport.abort()

    # -- feeding the model -------------------------------------------------------------------

    def feed(self, change: Callable[[Station, Now], None], *, user: bool = False) -> int:
        """Give the model one input; return the count its resulting actions reach.

        With ``user``, a ``ValueError`` (a physical action naming a connector that does
        not exist, say) goes back to the caller and leaves the station running; any other
        exception is the model's bug: the station stops and ``run()`` raises it.
        """
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

    def feed_later(
        self,
        seconds: float,
        change: Callable[[Station, Now], None],
        *,
        generation: int | None = None,
    ) -> None:
        """``feed(change, user=True)`` after ``seconds`` real seconds, in the order asked;
        with ``generation``, only if the station has not rebooted by then."""
        loop = asyncio.get_running_loop()
        self._later.append((loop.time() + seconds, generation, change))
        if self._later_task is None or self._later_task.done():
            self._later_task = asyncio.create_task(self._feed_later())
            self._tasks.add(self._later_task)
            self._later_task.add_done_callback(self._tasks.discard)

    async def _feed_later(self) -> None:
        loop = asyncio.get_running_loop()
        while self._later:
            due, generation, change = self._later[0]
            await asyncio.sleep(max(0.0, due - loop.time()))
            self._later.popleft()
            if generation is None or generation == self._generation:
                with suppress(Exception):  # a user's ValueError, or kept in self.failure
                    self.feed(change, user=True)

    def _collect(self, model: Station) -> None:
        for action in model.take_actions():
            self._out.append((self._generation, action))
            self._queued += 1
        if self._out:
            self._out_ready.set()
        self._reschedule(model)
        try:
            self.store.release()  # the burst's writes committed before its actions are performed
        except Exception as exc:  # the station's disk failed: it cannot go on
            self._fail(exc)
            raise
        self._notify()

    def _reschedule(self, model: Station) -> None:
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
        with suppress(Exception):  # recorded in self.failure; run() raises it
            self.feed(lambda m, now: m.on_time(now))

    def _received(self, message: str | bytes) -> None:
        if self.frame_observer is not None:
            self.frame_observer("in", message)
        self.feed(lambda m, now: m.receive(message, now))

    # -- waiting -----------------------------------------------------------------------------

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

    def enqueue_power_cut(self) -> int:
        self._out.append((self._generation, _PowerCut()))
        self._queued += 1
        self._out_ready.set()
        return self._queued

    def set_online(self, wanted: bool) -> None:
        self._online_wanted = wanted
        self._wake.set()
        ws = self._ws
        if not wanted and ws is not None:
            ws.transport.abort()  # the network cable: no closing handshake

    # -- the writer: the model's actions, in order ---------------------------------------------

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

    async def _perform(self, action: Action | _PowerCut) -> None:
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
        elif isinstance(action, Reboot | _PowerCut):
            await self._reboot(action)
        elif isinstance(action, Download | Upload):
            task = asyncio.create_task(self._transfer(self._generation, action))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        elif isinstance(action, AnswerLater):
            token = action.token
            self.feed_later(
                action.seconds,
                lambda m, now: m.step(now, m.answer_due, token),
                generation=self._generation,
            )

    async def _reboot(self, action: Reboot | _PowerCut) -> None:
        self._generation += 1  # what the old model still wanted done is dropped
        self._cancel_timer()
        self.model = None
        ws = self._ws
        if ws is not None:
            if isinstance(action, Reboot):
                await ws.close(1001, f"reboot: {action.reason}")
            else:
                ws.transport.abort()
            await self.wait_until(lambda: self._ws is not ws, None)
        await asyncio.sleep(self.clock.real_seconds(BOOT_SECONDS))
        self._power_on(after_reset=isinstance(action, Reboot) and action.after_reset)
        self._wake.set()

    async def _transfer(self, generation: int, action: Download | Upload) -> None:
        data: bytes | None = None
        error: str | None = None
        try:
            if isinstance(action, Download):
                data = await asyncio.to_thread(download, action.url)
            else:
                await asyncio.to_thread(upload, action.location, action.file_name, action.data)
        except TransferError as exc:
            error = str(exc)
        except Exception as exc:  # a bad URL and the like: the transfer fails, the station lives
            error = f"{type(exc).__name__}: {exc}"
        if generation == self._generation:
            with suppress(Exception):  # recorded in self.failure
                self.feed(lambda m, now: m.step(now, m.transfer_done, action.job, data, error))

    # -- the connection ------------------------------------------------------------------------

    def _backoff(self, failures: int) -> float:
        model = self.model
        cap = float(model.cfg_int("WebSocketReconnectInterval", 30)) if model else 30.0
        wait = min(cap, BACKOFF_FIRST * 2 ** max(0, failures - 1))
        self.backoffs.append((failures, wait))
        return wait * self._random.uniform(0.8, 1.0)

    async def _pause(self, station_seconds: float | None) -> None:
        """Wait (station time) unless woken by go_online, a reboot or stop."""
        self._wake.clear()
        timeout = None if station_seconds is None else self.clock.real_seconds(station_seconds)
        try:
            async with asyncio.timeout(timeout):
                await self._wake.wait()
        except TimeoutError:
            pass

    async def _connection_loop(self) -> None:
        failures, generation = 0, self._generation
        while not self._stopping:
            if not self._online_wanted or self.model is None:
                await self._pause(None)
                continue
            if generation != self._generation:  # rebooted: its memory of failures is gone
                failures, generation = 0, self._generation
            ws = await self._connect()
            if ws is None:
                failures += 1
                await self._pause(self._backoff(failures))
                continue
            started = self.clock.mono()
            heard = await self._session(ws)
            if heard or self.clock.mono() - started >= STABLE_SECONDS:
                failures = 0
            failures += 1
            if not self._stopping and self.model is not None:
                await self._pause(self._backoff(failures))

    async def _connect(self) -> ClientConnection | None:
        ping = None
        if self.model is not None:
            ping = float(self.model.cfg_int("WebSocketPingInterval", 60)) or None
        # Security profile 2 or 3, a new AuthorizationKey: as the Central System set them.
        cert_file = self.store.path.with_suffix(".client.pem")
        url, options = connection_target(
            self.model, self.url, self._tls, self.secure_url, cert_file, self._headers
        )
        self.store.release()  # read the key it may send: no file open through the handshake
        try:
            ws = await connect(
                url,
                subprotocols=[SUBPROTOCOL],
                open_timeout=OPEN_TIMEOUT,
                ping_interval=ping,
                ping_timeout=ping,
                close_timeout=2.0,
                compression=None,
                max_queue=8,
                **options,
            )
        except (OSError, InvalidHandshake, InvalidURI, TimeoutError) as exc:
            self.attempts += 1
            self._log(f"connection to {url} failed: {exc}")
            self._tell(tls_problem(exc))
            event = failure_event(exc)
            if event is not None and event not in self._failure_events:
                self._failure_events.add(event)  # one event per reason until connected
                self.feed(lambda m, now: m.step(now, m.security_event, *event))
            self._notify()
            return None
        self.attempts += 1
        self._failure_events.clear()
        if self._stopping or not self._online_wanted or self.model is None:
            ws.transport.abort()
            await ws.wait_closed()
            self._notify()
            return None
        return ws

    async def _session(self, ws: ClientConnection) -> bool:
        """Serve one connection until it closes; whether the Central System said anything
        on it (a connection it never spoke on counts as a failed attempt)."""
        generation = self._generation
        self._ws = ws
        heard = False
        try:
            self.feed(lambda m, now: m.connected(now))
            async for message in ws:
                heard = True
                self._received(message)
        except ConnectionClosed:
            pass
        except Exception:
            if self.failure is None:
                raise
        finally:
            self._ws = None
            if generation == self._generation and self.model is not None:
                with suppress(Exception):  # recorded in self.failure
                    self.feed(lambda m, now: m.disconnected(now))
            self._notify()
        return heard

    def _tell(self, line: str | None) -> None:
        if line is not None and line != self._told and self._say is not None:
            self._say(f"station {self.settings.identity}: {line}; retrying with back-off")
        self._told = line

    def _log(self, text: str) -> None:
        model = self.model
        if model is not None:
            self.feed(lambda m, now: m.step(now, m.log, text))
