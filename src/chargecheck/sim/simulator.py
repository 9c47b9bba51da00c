"""``Simulator``: one simulated charge station driven from Python, for the bench's demo,
the tests and anyone scripting a Central System test::

    async with Simulator(cs.url(""), "CP1", state_dir=tmp, time_scale=10) as sim:
        await sim.wait_booted(5)
        await sim.plug(1)
        await sim.present_id_tag(1, "04A2B3C4")

``url`` is the Central System's OCPP endpoint; the station connects to ``url/identity``
(or to ``url`` itself when its last segment already is the identity). Each action returns
once the frames it causes right away are written to the socket (none while offline).
With a ``wss://`` URL, ``tls`` is the client context (``sim.tls.client_context``: the CA
file, a client certificate for profile 3); a failed TLS attempt is told to ``say`` in one
line. A Central System that closes the connection or refuses reconnections (HTTP 503) leaves
the station offline; it reconnects by itself with a capped backoff.

``ev_connected`` names the connectors that have a car plugged in from the first power-on
(Preparing after the boot, as an Alfen reports it): a RemoteStartTransaction there starts
the transaction at once. The car stays until ``unplug``; reboots and stops leave it in.

``defects`` and ``variants`` switch on deliberate faults (``chargecheck.sim.defects``) and
legal behaviours real chargers show (``chargecheck.sim.variants``); with the variant
slow_acts, ``plug``, ``unplug``, ``present_id_tag``, ``inject_fault`` and ``clear_fault``
return at once and the act takes effect SLOW_ACT_S real seconds later.

Start, stop, the waits and the network cable are ``chargecheck.sim.simulator_base``'s,
as for the 2.0.1 station.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterable
from contextlib import suppress
from pathlib import Path

from chargecheck.clock import Clock
from chargecheck.sim.central_calls import configure
from chargecheck.sim.connector import Fault
from chargecheck.sim.core import StationSettings, checked_ev_connected, profile_connectors
from chargecheck.sim.shell import StationShell
from chargecheck.sim.simulator_base import SimulatorBase
from chargecheck.sim.station import Station
from chargecheck.sim.station_clock import Now, StationClock
from chargecheck.sim.variants import (
    BACKUP_POWER_S,
    SLOW_ACT_S,
    checked_variants,
    variant_connectors,
)


class Simulator(SimulatorBase[Station, StationShell]):
    def __init__(
        self,
        url: str,
        identity: str,
        *,
        profile: str | Path = "alfen-ng920",
        password: str | None = None,
        tls: ssl.SSLContext | None = None,
        say: Callable[[str], None] | None = None,
        state_dir: Path,
        time_scale: float = 1.0,
        defects: Iterable[str] = frozenset(),
        plug_and_charge_id_tag: str | None = None,
        ev_connected: Iterable[int] = (),
        clock: Clock | None = None,
        variants: Iterable[str] = frozenset(),
        secure_url: str | None = None,
    ) -> None:
        """``secure_url``: the wss:// address to use once the Central System raises the
        SecurityProfile to 2 or 3 (default: ``url`` with the scheme wss).

        Raises ``ValueError`` if ``ev_connected`` names a connector the profile does
        not have (and ``ConfigurationError`` if the profile cannot be read to tell), or
        if a defect or a variant does not exist."""
        station_clock = StationClock(clock, time_scale)
        chosen = checked_variants(variants)
        cars = frozenset(ev_connected)
        if cars:
            count = variant_connectors(profile_connectors(profile), chosen)
            cars = checked_ev_connected(cars, count)
        settings = StationSettings(
            identity,
            profile,
            frozenset(defects),
            plug_and_charge_id_tag,
            ev_connected=cars,
            variants=chosen,
        )
        self._slow_acts = "slow_acts" in chosen
        self._backup_power = "backup_power" in chosen
        shell = StationShell(
            url,
            settings,
            Path(state_dir),
            station_clock,
            password=password,
            tls=tls,
            say=say,
            secure_url=secure_url,
        )
        super().__init__(identity, station_clock, shell)

    def _boot_accepted(self, model: Station) -> bool:
        return model.boot_accepted

    # -- waiting ------------------------------------------------------------------------------

    async def wait_transaction(self, connector_id: int, timeout: float | None) -> int:
        """Until a transaction runs on ``connector_id`` with the Central System's
        transactionId (its StartTransaction.conf arrived); that id."""
        await self._shell.wait_until(lambda: self.transaction_id(connector_id) is not None, timeout)
        transaction_id = self.transaction_id(connector_id)
        assert transaction_id is not None
        return transaction_id

    # -- the station's own panel --------------------------------------------------------------

    async def change_configuration(self, key: str, value: str) -> str:
        """Set a configuration key as a ChangeConfiguration.req would (OCPP 1.6 section 5.3:
        same checks, saved to the station's disk, intervals rescheduled at once), but from
        the station itself; the status the Central System would have been answered."""
        statuses: list[str] = []

        def change(m: Station, now: Now) -> None:
            m.step(now, lambda: statuses.append(configure(m, key, value)))

        await self._act(change)
        if not statuses:
            raise RuntimeError(f"simulator {self.identity} is rebooting: {key} not changed")
        return statuses[0]

    # -- the physical world -------------------------------------------------------------------

    async def plug(self, connector_id: int) -> None:
        await self._physical(connector_id, lambda m, now: m.step(now, m.plug, connector_id))

    async def unplug(self, connector_id: int) -> None:
        await self._physical(connector_id, lambda m, now: m.step(now, m.unplug, connector_id))

    async def present_id_tag(self, connector_id: int, id_tag: str) -> None:
        """A card swipe: Authorize then start, or stop if the same tag is charging."""
        await self._physical(
            connector_id, lambda m, now: m.step(now, m.present_id_tag, connector_id, id_tag)
        )

    async def inject_fault(
        self,
        connector_id: int,
        error_code: str,
        info: str | None = None,
        vendor_error_code: str | None = None,
    ) -> None:
        """A ChargePointErrorCode on a connector, or on the station (connector 0)."""
        fault = Fault(error_code, info, vendor_error_code)
        await self._physical(
            connector_id,
            lambda m, now: m.step(now, m.inject_fault, connector_id, fault),
            station_too=True,
        )

    async def clear_fault(self, connector_id: int) -> None:
        await self._physical(
            connector_id, lambda m, now: m.step(now, m.clear_fault, connector_id), station_too=True
        )

    async def lock_failure(self, connector_id: int) -> None:
        """Jam the cable lock of ``connector_id`` (a plug half way in, a blocked lock):
        locking fails (Faulted, ConnectorLockFailure), unlocking answers UnlockFailed. A
        ``ValueError`` with the variant fixed_cable (no lock). Not slowed by slow_acts: the
        failure is prepared before the bench is told it is there (nothing for the station
        to notice until it moves the lock)."""
        await self._act(lambda m, now: m.step(now, m.lock_failure, connector_id))

    async def clear_lock_failure(self, connector_id: int) -> None:
        await self._act(lambda m, now: m.step(now, m.clear_lock_failure, connector_id))

    def set_ev_max_current(self, connector_id: int, amps: float) -> None:
        """What the EV on ``connector_id`` draws at most (0: it stops, SuspendedEV)."""
        self._shell.feed(
            lambda m, now: m.step(now, m.set_ev_max_current, connector_id, amps), user=True
        )

    async def local_list_failure(self, broken: bool) -> None:
        """Break (``broken``) or repair the storage of the Local Authorization List: while
        broken, SendLocalList is answered Failed (OCPP 1.6 section 5.15)."""
        await self._act(lambda m, now: m.step(now, m.set_local_list_failure, broken))

    async def configure_security(self, profile: int) -> None:
        """Set the station's SecurityProfile locally (its web page or service tool, as a
        lab does between security cases; a lower profile too, which no Central System may
        set): it connects again on that profile (0, 1: its URL; 2, 3: its secure URL with
        the CentralSystemRootCertificates it holds and, on 3, its client certificate). A
        ``ValueError`` for a profile outside 0..3 or a station without the extension."""
        if profile not in range(4):
            raise ValueError(f"SecurityProfile {profile}: 0, 1, 2 or 3")
        await self._act(lambda m, now: m.step(now, _set_security_profile, m, profile))

    async def reboot(self) -> None:
        """Restart the station's software, as a Soft Reset.req would (OCPP 1.6 section
        5.14): running transactions stop (reason SoftReset), what the station holds is
        delivered, then it reboots and boots again. Returns once the stops are sent."""
        await self._act(lambda m, now: m.step(now, m.reset, "Soft"))

    async def power_cycle(self) -> None:
        """Pull the mains: the station's memory is lost, its disk and the cars stay. With
        the variant backup_power the station first ends its transactions (PowerLoss) and
        delivers what it holds (up to BACKUP_POWER_S real seconds), then goes down."""
        shell = self._shell
        if self._backup_power and shell.model is not None:
            await self._act(lambda m, now: m.step(now, m.power_failing))
            with suppress(TimeoutError):
                await shell.wait_until(
                    lambda: shell.model is None or not shell.connected or shell.model.link.idle,
                    BACKUP_POWER_S,
                )
        await shell.performed(shell.enqueue_power_cut())
        if shell.online_wanted:
            await self._next_attempt(lambda: None)

    # -- what it looks like ---------------------------------------------------------------------

    def status(self, connector_id: int) -> str:
        status = self._model.connector(connector_id).status
        return str(status) if status is not None else "Unavailable"

    def transaction_id(self, connector_id: int) -> int | None:
        """The Central System's transactionId of the running transaction (None if none
        runs or the Central System has not answered its StartTransaction yet)."""
        tx = self._model.connector(connector_id).transaction
        return tx.real_id if tx is not None else None

    @property
    def firmware_version(self) -> str:
        return self._model.firmware_version

    @property
    def connection_attempts(self) -> int:
        """Connections tried so far (opened or failed, reconnections too)."""
        return self._shell.attempts

    # -- internals ------------------------------------------------------------------------------

    async def _physical(
        self,
        connector_id: int,
        change: Callable[[Station, Now], None],
        *,
        station_too: bool = False,
    ) -> None:
        """A physical act on ``connector_id`` (0 too with ``station_too``). With the
        variant slow_acts it is checked now (a ``ValueError`` for a connector that does
        not exist) and takes effect SLOW_ACT_S real seconds later; this returns at once."""
        if not self._slow_acts:
            await self._act(change)
            return
        model = self._model
        if station_too:
            model.connector(connector_id)
        else:
            model.outlet(connector_id)
        self._shell.feed_later(SLOW_ACT_S, change)


def _set_security_profile(station: Station, profile: int) -> None:
    if not station.implements_security:
        raise ValueError("the station does not implement the security extension")
    station.config.set_internal("SecurityProfile", str(profile))
    station.save_configuration()
    station.reconnect()
