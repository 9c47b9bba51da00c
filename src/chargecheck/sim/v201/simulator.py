"""``Simulator201``: one simulated OCPP 2.0.1 charging station driven from Python::

    async with Simulator201(csms_url, "CS1", state_dir=tmp, time_scale=20) as sim:
        await sim.wait_booted(5)
        await sim.plug(1)
        await sim.present_id_token(1, "04A2B3C4")

The station connects to ``url/identity`` (or ``url`` itself when its last segment is the
identity) offering the subprotocol "ocpp2.0.1". Each act returns once the frames it
causes right away are written to the socket (none while offline). ``time_scale`` speeds
the station's clock (intervals, timeouts, back-off); ``defects`` switch on deliberate
faults (``chargecheck.sim.v201.defects``). Start, stop, the waits and the network cable
are ``chargecheck.sim.simulator_base``'s, as for the 1.6 station.
"""

from __future__ import annotations

import random
import ssl
from collections.abc import Iterable
from pathlib import Path

from chargecheck.clock import Clock
from chargecheck.sim.simulator_base import SimulatorBase
from chargecheck.sim.station_clock import StationClock
from chargecheck.sim.v201.core import PROFILE_201, Station201Settings
from chargecheck.sim.v201.shell import StationShell201
from chargecheck.sim.v201.station import Station201


class Simulator201(SimulatorBase[Station201, StationShell201]):
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
        password: str | None = None,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        """A ``ValueError`` for a defect that does not exist; ``ProfileError`` (at start)
        for a profile that cannot be read. ``password`` (HTTP Basic Auth) and ``tls`` (the
        client context of a wss:// URL, with a client certificate for profile 3) choose
        the security profile, which SecurityCtrlr.SecurityProfile then reports."""
        station_clock = StationClock(clock, time_scale)
        # wss:// with a password is profile 2; without one, the client certificate is the
        # credential (profile 3: TLS alone is no profile of A00)
        secured = url.lower().startswith("wss://")
        profile_no = (3 if password is None else 2) if secured else 1 if password else 0
        settings = Station201Settings(identity, profile, frozenset(defects), profile_no)
        shell = StationShell201(
            url, settings, Path(state_dir), station_clock, rng=rng, password=password, tls=tls
        )
        super().__init__(identity, station_clock, shell)

    def _boot_accepted(self, model: Station201) -> bool:
        return model.link.registration == "Accepted"

    # -- waiting ------------------------------------------------------------------------------

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

    async def back(self) -> None:
        """``go_online``: the network is back."""
        await self.go_online()

    async def reboot(self) -> None:
        """The station restarts itself (its service menu): running transactions end as at
        an Immediate Reset, then it boots again with reason LocalReset."""
        await self._act(lambda m, now: m.step(now, m.local_reboot))

    # -- what it looks like --------------------------------------------------------------------

    @property
    def shell(self) -> StationShell201:
        return self._shell

    def status(self, evse_id: int, connector_id: int = 1) -> str:
        status = self.station.evse(evse_id).connector(connector_id).status
        return str(status) if status is not None else "Unavailable"

    def transaction_id(self, evse_id: int) -> str | None:
        tx = self.station.evse(evse_id).transaction
        return tx.transaction_id if tx is not None else None
