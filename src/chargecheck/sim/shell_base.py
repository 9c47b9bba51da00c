"""What the asyncio shells of the 1.6 station (``chargecheck.sim.shell``) and the 2.0.1
station (``chargecheck.sim.v201.shell``) do alike: feed the model its inputs, perform its
actions in order, keep its timer, reboot it, and serve one WebSocket connection at a time.

Each version's shell keeps what differs: which model it powers on, how it connects (URL,
subprotocol, TLS), how long it waits before reconnecting, and the actions only its model
asks for.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI
from websockets.typing import Subprotocol

from chargecheck.sim.actions import Action, CloseConnection, Reboot, SendFrame
from chargecheck.sim.station_clock import Now, StationClock
from chargecheck.sim.store import StationStore
from chargecheck.sim.tls import station_url

BOOT_SECONDS = 2.0  # how long a reboot keeps the station dark, station seconds
OPEN_TIMEOUT = 10.0  # real seconds for the TCP + WebSocket handshake


class StationModel(Protocol):
    """The sans-I/O station model a shell drives (``Station``, ``Station201``)."""

    @property
    def physical(self) -> Any: ...  # what survives a reboot: the cables

    def step(self, now: Now, change: Callable[..., None], *args: Any) -> None: ...
    def connected(self, now: Now) -> None: ...
    def disconnected(self, now: Now) -> None: ...
    def receive(self, text: str | bytes, now: Now) -> None: ...
    def on_time(self, now: Now) -> None: ...
    def log(self, text: str) -> None: ...
    def take_actions(self) -> list[Action]: ...
    def next_deadline(self) -> float | None: ...


M = TypeVar("M", bound=StationModel)


@dataclass(frozen=True, slots=True)
class PowerCut:
    """The shell's own action: pull the mains (abort the socket, forget the model)."""


class ShellBase(Generic[M]):
    def __init__(self, url: str, identity: str, clock: StationClock, store: StationStore) -> None:
        self.url = station_url(url, identity)
        self.clock = clock
        self.store = store
        self.model: M | None = None  # None while rebooting
        self.last_model: M | None = None  # the latest model, for reading its state
        self.failure: BaseException | None = None
        self.attempts = 0  # connection attempts so far (any outcome)
        # Told ("in" | "out", text) of every frame received or written (the console).
        self.frame_observer: Callable[[str, str | bytes], None] | None = None
        self._physical: Any = None
        self._ws: ClientConnection | None = None
        self._online_wanted = True
        self._stopping = False
        self._wake = asyncio.Event()
        self._out: deque[tuple[int, Action | PowerCut]] = deque()
        self._out_ready = asyncio.Event()
        self._queued = 0
        self._done = 0
        self._changed = asyncio.Event()
        self._timer: asyncio.TimerHandle | None = None
        self._generation = 0
        self._tasks: set[asyncio.Task[None]] = set()

    # -- what differs ----------------------------------------------------------------------

    def _new_model(self, *, after_reset: bool) -> M:
        """The station's software starting (``after_reset``: a reboot it asked for)."""
        raise NotImplementedError

    def _powered_on(self, model: M) -> None:
        """What the shell tells a new model before its first actions are collected."""

    async def _connection_loop(self) -> None:
        raise NotImplementedError

    async def _perform_other(self, action: Action) -> None:
        """An action the common ones (frames, close, reboot) are not."""

    def _connect_failed(self, exc: BaseException) -> None:
        """A connection attempt failed with ``exc`` (logged already)."""

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
            self.model = self._new_model(after_reset=after_reset)
        except Exception as exc:
            self._fail(exc)
            return
        self._physical = self.model.physical
        self._powered_on(self.model)
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

    def feed(self, change: Callable[[M, Now], None], *, user: bool = False) -> int:
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

    def _collect(self, model: M) -> None:
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

    def _reschedule(self, model: M) -> None:
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

    def _log(self, text: str) -> None:
        model = self.model
        if model is not None:
            self.feed(lambda m, now: m.step(now, m.log, text))

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

    def set_online(self, wanted: bool) -> None:
        """Plug the network cable in or pull it (no closing handshake)."""
        self._online_wanted = wanted
        self._wake.set()
        ws = self._ws
        if not wanted and ws is not None:
            ws.transport.abort()

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

    async def _perform(self, action: Action | PowerCut) -> None:
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
        elif isinstance(action, Reboot | PowerCut):
            await self._reboot(action)
        else:
            await self._perform_other(action)

    async def _reboot(self, action: Reboot | PowerCut) -> None:
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

    # -- the connection ------------------------------------------------------------------------

    async def _pause(self, station_seconds: float | None) -> None:
        """Wait (station time) unless woken by set_online, a reboot or stop."""
        self._wake.clear()
        timeout = None if station_seconds is None else self.clock.real_seconds(station_seconds)
        with suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self._wake.wait()

    async def _open(
        self, url: str, subprotocol: Subprotocol, ping: float | None, **options: Any
    ) -> ClientConnection | None:
        """One connection attempt to ``url``; None if it failed (logged, and told to
        ``_connect_failed``)."""
        self.store.release()  # no file kept open through the handshake
        try:
            ws = await connect(
                url,
                subprotocols=[subprotocol],
                open_timeout=OPEN_TIMEOUT,
                ping_interval=ping,
                ping_timeout=ping,
                close_timeout=2.0,
                compression=None,
                **options,
            )
        except (OSError, InvalidHandshake, InvalidURI, TimeoutError) as exc:
            self.attempts += 1
            self._log(f"connection to {url} failed: {exc}")
            self._connect_failed(exc)
            self._notify()
            return None
        self.attempts += 1
        return ws

    async def _unwanted(self, ws: ClientConnection) -> bool:
        """Is the connection just opened no longer wanted (stopping, offline, rebooting)?
        Then it is aborted."""
        if self._stopping or not self._online_wanted or self.model is None:
            ws.transport.abort()
            await ws.wait_closed()
            self._notify()
            return True
        return False

    async def _session(self, ws: ClientConnection) -> bool:
        """Serve one connection until it closes; whether the other side said anything
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
