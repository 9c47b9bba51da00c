"""``Simulator201``: one simulated OCPP 2.0.1 charging station driven from Python::

    async with Simulator201(csms_url, "CS1", state_dir=tmp, time_scale=20) as sim:
        await sim.wait_booted(5)
        await sim.plug(1)
        await sim.present_id_token(1, "04A2B3C4")

The station connects to ``url/identity`` (or ``url`` itself when its last segment is the
identity) offering the subprotocol "ocpp2.0.1". Each act returns once the frames it
causes right away are written to the socket (none while offline). ``time_scale`` speeds
the station's clock (intervals, timeouts, back-off); ``defects`` switch on deliberate
faults (``chargecheck.sim.v201.defects``).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Iterable
from pathlib import Path
from types import TracebackType

from chargecheck.clock import Clock
from chargecheck.sim.station_clock import Now, StationClock
from chargecheck.sim.v201.core import PROFILE_201, Station201Settings
from chargecheck.sim.v201.shell import StationShell201
from chargecheck.sim.v201.station import Station201


class Simulator201:
    def __init__(
        self,
        url: str,
        identity: str,
        *,
        state_dir: Path,
        profile: str | Path = PROFILE_201,
        time_scale: float = 1.0,
        defects: Iterable[str] = frozenset(),
        clock: Clock | None = None,
        rng: random.Random | None = None,
    ) -> None:
        """A ``ValueError`` for a defect that does not exist; ``ProfileError`` (at start)
        for a profile that cannot be read."""
        self.identity = identity
        self.clock = StationClock(clock, time_scale)
        settings = Station201Settings(identity, profile, frozenset(defects))
        self._shell = StationShell201(url, settings, Path(state_dir), self.clock, rng=rng)
        self._task: asyncio.Task[None] | None = None
        self._back_online: asyncio.TimerHandle | None = None

    # -- life --------------------------------------------------------------------------------

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

    async def __aenter__(self) -> Simulator201:
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
        """Until connected with the BootNotification Accepted."""
        shell = self._shell
        await shell.wait_until(
            lambda: (
                shell.connected
                and shell.model is not None
                and shell.model.link.registration == "Accepted"
            ),
            timeout,
        )

    async def wait_connected(self, timeout: float | None) -> None:
        await self._shell.wait_until(lambda: self._shell.connected, timeout)

    async def wait_transaction(self, evse_id: int, timeout: float | None) -> str:
        """Until a transaction runs on ``evse_id``; its transactionId."""
        await self._shell.wait_until(lambda: self.transaction_id(evse_id) is not None, timeout)
        transaction_id = self.transaction_id(evse_id)
        assert transaction_id is not None
        return transaction_id

    # -- the physical world ---------------------------------------------------------------------

    async def plug(self, evse_id: int, connector_id: int = 1) -> None:
        await self._act(lambda m, now: m.step(now, m.plug, evse_id, connector_id))

    async def unplug(self, evse_id: int, connector_id: int = 1) -> None:
        await self._act(lambda m, now: m.step(now, m.unplug, evse_id, connector_id))

    async def present_id_token(
        self, evse_id: int, id_token: str, token_type: str = "ISO14443"
    ) -> None:
        """A card at ``evse_id``: authorise and start, or stop if the same token charges."""
        await self._act(
            lambda m, now: m.step(now, m.present_id_token, evse_id, id_token, token_type)
        )

    async def set_ev_ready(self, evse_id: int, ready: bool) -> None:
        """The car draws power (True) or pauses (False: SuspendedEV)."""
        await self._act(lambda m, now: m.step(now, m.set_ev_ready, evse_id, ready))

    async def go_offline(self, seconds: float | None = None) -> None:
        """Pull the network cable; with ``seconds``, it goes back in after that many
        station seconds by itself."""
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
        shell = self._shell
        before = shell.attempts
        shell.set_online(True)
        await shell.wait_until(lambda: shell.attempts > before, None)
        await shell.performed(shell.queued)

    async def back(self) -> None:
        """``go_online``: the network is back."""
        await self.go_online()

    async def reboot(self) -> None:
        """The station restarts itself (its service menu): running transactions end as at
        an Immediate Reset, then it boots again with reason LocalReset."""
        await self._act(lambda m, now: m.step(now, m.local_reboot))

    def watch_frames(self, observer: Callable[[str, str | bytes], None] | None) -> None:
        """Call ``observer("in" | "out", text)`` for every frame received or sent."""
        self._shell.frame_observer = observer

    # -- what it looks like --------------------------------------------------------------------

    @property
    def station(self) -> Station201:
        """The station model of the present power cycle (read it, do not drive it)."""
        model = self._shell.last_model
        if model is None:
            raise RuntimeError(f"simulator {self.identity} is not started")
        return model

    @property
    def shell(self) -> StationShell201:
        return self._shell

    @property
    def connected(self) -> bool:
        return self._shell.connected

    def status(self, evse_id: int, connector_id: int = 1) -> str:
        status = self.station.evse(evse_id).connector(connector_id).status
        return str(status) if status is not None else "Unavailable"

    def transaction_id(self, evse_id: int) -> str | None:
        tx = self.station.evse(evse_id).transaction
        return tx.transaction_id if tx is not None else None

    # -- internals ------------------------------------------------------------------------------

    async def _act(self, change: Callable[[Station201, Now], None]) -> None:
        await self._shell.performed(self._shell.feed(change, user=True))

    def _cancel_back_online(self) -> None:
        if self._back_online is not None:
            self._back_online.cancel()
            self._back_online = None
