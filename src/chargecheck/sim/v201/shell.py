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

What the 1.6 shell does alike (feeding, the writer, the timer, reboots, one session)
is ``chargecheck.sim.shell_base.ShellBase``'s.
"""

from __future__ import annotations

import random
import ssl
from contextlib import suppress
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection
from websockets.typing import Subprotocol

from chargecheck.protocol.versions import OCPP201
from chargecheck.sim.shell_base import ShellBase
from chargecheck.sim.station_clock import StationClock
from chargecheck.sim.store import StationStore, state_file
from chargecheck.sim.tls import basic_header
from chargecheck.sim.v201.core import Station201Settings
from chargecheck.sim.v201.network import NetworkSlots
from chargecheck.sim.v201.station import Station201

SUBPROTOCOL = Subprotocol(OCPP201.subprotocol)


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


class StationShell201(ShellBase[Station201]):
    def __init__(
        self,
        url: str,
        settings: Station201Settings,
        state_dir: Path,
        clock: StationClock,
        *,
        rng: random.Random | None = None,
        password: str | None = None,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        """``password``: Basic Auth (security profiles 1 and 2); ``tls``: the context of
        wss:// URLs (profiles 2 and 3: the CSMS's CA, the client certificate)."""
        store = StationStore(state_path(Path(state_dir), settings.identity), bursts=True)
        super().__init__(url, settings.identity, clock, store)
        self._headers = basic_header(settings.identity, password)
        self._tls = tls
        self.network = NetworkSlots(url, settings.identity)
        self.tried: list[str] = []  # the URL of every connection attempt, in order
        self.settings = settings
        self.waits: list[float] = []  # every reconnection wait, station seconds
        self._rng = rng or random.Random(settings.identity)

    def _new_model(self, *, after_reset: bool) -> Station201:
        # ``after_reset`` is not the 2.0.1 model's to be told: a Reset leaves its boot
        # reason in the store (``Station201.reset``).
        return Station201(self.settings, self.store, self.clock.now(), physical=self._physical)

    def _log(self, text: str) -> None:
        if self.model is not None:
            with suppress(Exception):
                self.feed(lambda m, now: m.step(now, m.log, text))

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
        options: dict[str, Any] = {"additional_headers": self._headers}
        if url.lower().startswith("wss://") and self._tls is not None:
            options["ssl"] = self._tls
        ws = await self._open(url, SUBPROTOCOL, ping or None, **options)
        if ws is None:
            return None
        if ws.subprotocol != SUBPROTOCOL:
            # OCPP-J 2.0.1 part 4: no ocpp2.0.1 agreed, no OCPP on this connection.
            self._log(f"the CSMS agreed subprotocol {ws.subprotocol!r}, not {SUBPROTOCOL}")
            await ws.close(1002, "ocpp2.0.1 is required")
            self._notify()
            return None
        if await self._unwanted(ws):
            return None
        return ws
