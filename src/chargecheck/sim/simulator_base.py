"""What the Python faces of the 1.6 station (``chargecheck.sim.simulator.Simulator``) and
the 2.0.1 station (``chargecheck.sim.v201.simulator.Simulator201``) do alike: start and
stop its shell, wait for it, pull and plug back its network cable, watch its frames.

Each version keeps its own acts (a connector's or an EVSE's) and what it reads of its
model.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

from chargecheck.sim.shell_base import ShellBase, StationModel
from chargecheck.sim.station_clock import Now, StationClock

M = TypeVar("M", bound=StationModel)
Sh = TypeVar("Sh", bound=ShellBase[Any])


class SimulatorBase(Generic[M, Sh]):
    def __init__(self, identity: str, clock: StationClock, shell: Sh) -> None:
        self.identity = identity
        self.clock = clock
        self._shell = shell
        self._task: asyncio.Task[None] | None = None
        self._back_online: asyncio.TimerHandle | None = None  # go_offline(seconds)

    def _boot_accepted(self, model: M) -> bool:
        """Has the station's BootNotification been Accepted?"""
        raise NotImplementedError

    # -- life -------------------------------------------------------------------------------

    async def start(self) -> None:
        if self._task is not None:
            raise RuntimeError(f"simulator {self.identity} is already started")
        self._task = asyncio.create_task(self._shell.run(), name=f"station {self.identity}")
        await asyncio.sleep(0)

    async def stop(self) -> None:
        """Stop the station; raises what broke it, if its model failed."""
        task, self._task = self._task, None
        if task is None:
            return
        self._cancel_back_online()
        await self._shell.stop()
        await task

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def run(self) -> None:
        """Run until cancelled (the ``simulate`` command)."""
        await self._shell.run()

    async def wait_booted(self, timeout: float | None) -> None:
        """Until the station is connected and its BootNotification was Accepted."""
        shell = self._shell
        await shell.wait_until(
            lambda: (
                shell.connected and shell.model is not None and self._boot_accepted(shell.model)
            ),
            timeout,
        )

    async def wait_connected(self, timeout: float | None) -> None:
        await self._shell.wait_until(lambda: self._shell.connected, timeout)

    # -- the network cable -------------------------------------------------------------------

    async def go_offline(self, seconds: float | None = None) -> None:
        """Pull the network cable: the socket dies without a closing handshake. With
        ``seconds``, the cable goes back in by itself after that many station seconds."""
        self._cancel_back_online()
        self._shell.set_online(False)
        if seconds is not None:
            self._back_online = asyncio.get_running_loop().call_later(
                self.clock.real_seconds(seconds), self._shell.set_online, True
            )
        await self._shell.wait_until(lambda: not self._shell.connected, None)

    async def go_online(self) -> None:
        """Plug the network back; returns after the next connection attempt."""
        self._cancel_back_online()
        await self._next_attempt(lambda: self._shell.set_online(True))

    def watch_frames(self, observer: Callable[[str, str | bytes], None] | None) -> None:
        """Call ``observer("in" | "out", text)`` for every OCPP frame received or sent."""
        self._shell.frame_observer = observer

    # -- what it looks like ---------------------------------------------------------------------

    @property
    def station(self) -> M:
        """The station model of the present power cycle (read it, do not drive it)."""
        return self._model

    @property
    def _model(self) -> M:
        model: M | None = self._shell.last_model
        if model is None:
            raise RuntimeError(f"simulator {self.identity} is not started")
        return model

    @property
    def connected(self) -> bool:
        return self._shell.connected

    # -- internals ------------------------------------------------------------------------------

    async def _act(self, change: Callable[[M, Now], None]) -> None:
        await self._shell.performed(self._shell.feed(change, user=True))

    def _cancel_back_online(self) -> None:
        if self._back_online is not None:
            self._back_online.cancel()
            self._back_online = None

    async def _next_attempt(self, kick: Callable[[], None]) -> None:
        shell = self._shell
        before = shell.attempts
        kick()
        await shell.wait_until(lambda: shell.attempts > before, None)
        await shell.performed(shell.queued)
