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

What the 2.0.1 shell does alike (feeding, the writer, the timer, reboots, one session)
is ``chargecheck.sim.shell_base.ShellBase``'s.
"""

from __future__ import annotations

import asyncio
import random
import ssl
from collections import deque
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

from websockets.asyncio.client import ClientConnection
from websockets.typing import Subprotocol

from chargecheck.sim.actions import Action, AnswerLater, Download, Upload
from chargecheck.sim.core import StationSettings
from chargecheck.sim.shell_base import PowerCut, ShellBase
from chargecheck.sim.station import Station
from chargecheck.sim.station_clock import Now, StationClock
from chargecheck.sim.store import StationStore, state_file
from chargecheck.sim.tls import (
    basic_header,
    connection_target,
    failure_event,
    station_url,
    tls_problem,
    tls_url,
)
from chargecheck.sim.transfers import TransferError, download, upload

SUBPROTOCOL = Subprotocol("ocpp1.6")
BACKOFF_FIRST = 1.0  # station seconds before the first reconnection attempt
STABLE_SECONDS = 30.0  # a connection that lived this long resets the backoff


class StationShell(ShellBase[Station]):
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
        store = StationStore(state_file(Path(state_dir), settings.identity), bursts=True)
        super().__init__(url, settings.identity, clock, store)
        # Where to connect on SecurityProfile 2 or 3 (``sim.tls.secured_connection``).
        self.secure_url = station_url(secure_url or tls_url(url), settings.identity)
        # wss:// (sim/tls.py); a failed TLS attempt is told to ``say`` once per reason.
        self._tls = tls
        self._say = say
        self._told: str | None = None
        self._failure_events: set[tuple[str, str]] = set()  # told the model since connected
        self.settings = settings
        self._headers = basic_header(settings.identity, password)
        # (failures so far, wait before jitter) of each reconnection wait, the latest last
        self.backoffs: deque[tuple[int, float]] = deque(maxlen=64)
        self._random = random.Random(settings.identity)
        # Inputs given later (a slow answer or act, chargecheck.sim.variants), in order:
        # (loop time due, the model generation it is for or None for any, the input).
        self._later: deque[tuple[float, int | None, Callable[[Station, Now], None]]] = deque()
        self._later_task: asyncio.Task[None] | None = None

    # -- life -------------------------------------------------------------------------------

    def _new_model(self, *, after_reset: bool) -> Station:
        return Station(
            self.settings,
            self.store,
            self.clock.now(),
            physical=self._physical,
            after_reset=after_reset,
        )

    def _powered_on(self, model: Station) -> None:
        model.connects_with(2 if self._tls is not None else 1 if self._headers else 0)

    # -- feeding the model -------------------------------------------------------------------

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

    def enqueue_power_cut(self) -> int:
        self._out.append((self._generation, PowerCut()))
        self._queued += 1
        self._out_ready.set()
        return self._queued

    # -- the writer: the actions only a 1.6 model asks for -------------------------------------

    async def _perform_other(self, action: Action) -> None:
        if isinstance(action, Download | Upload):
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
        # The key it may send is read: ``_open`` releases the file through the handshake.
        ws = await self._open(url, SUBPROTOCOL, ping, max_queue=8, **options)
        if ws is None:
            return None
        self._failure_events.clear()
        if await self._unwanted(ws):
            return None
        return ws

    def _connect_failed(self, exc: BaseException) -> None:
        self._tell(tls_problem(exc))
        event = failure_event(exc)
        if event is not None and event not in self._failure_events:
            self._failure_events.add(event)  # one event per reason until connected
            self.feed(lambda m, now: m.step(now, m.security_event, *event))

    def _tell(self, line: str | None) -> None:
        if line is not None and line != self._told and self._say is not None:
            self._say(f"station {self.settings.identity}: {line}; retrying with back-off")
        self._told = line
