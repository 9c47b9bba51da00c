"""The peer station over time: power-on lives, connections, the outbox and heartbeats.

One *life* runs from power-on to a reboot (Reset, a firmware install) and holds the
tasks that outlive a connection: transactions and their meters, clock-aligned data, file
jobs. Within a life the station connects, reconnects with a bounded back-off when the
Central System closes the socket or refuses it, and on each connection:

- first connection of a life: BootNotification (section 4.2) until Accepted, nothing
  else before it; HeartbeatInterval from its answer; a StatusNotification for every
  connector > 0 (not connector 0); queued transaction messages;
- a later connection (no reboot): no BootNotification; the queued transaction messages
  in their order, then the status of each connector that changed while offline.

Every station CALL goes through one outbox, one in flight at a time (OCPP-J 4.1.1).
Transaction messages (StartTransaction, StopTransaction, their MeterValues) wait in it
while offline and are tried TransactionMessageAttempts times when unanswered or
answered with a CALLERROR (section 4.7); others are dropped with the connection.
Heartbeats (4.6) are skipped while other CALLs keep the connection busy.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from ocpp.exceptions import OCPPError
from ocpp.v16 import call
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from bench.peer.model import StationState
from bench.peer.sessions import Sessions

if TYPE_CHECKING:
    from bench.peer.charge_point import PeerChargePoint

log = logging.getLogger("peer")

Job = Callable[[], Coroutine[Any, Any, Any]]


class PeerStation:
    def __init__(
        self,
        state: StationState,
        url: str,
        *,
        call_timeout: float = 15.0,
        backoff: float = 0.5,
        max_backoff: float = 5.0,
        reboot_seconds: float = 0.5,
    ) -> None:
        self.state = state
        self.url = url
        self.call_timeout = call_timeout
        self.backoff, self.max_backoff = backoff, max_backoff
        self.reboot_seconds = reboot_seconds
        self.sessions = Sessions(self)
        self.online: PeerChargePoint | None = None
        self.booted = False  # BootNotification accepted in this life
        self.config_changed = asyncio.Event()
        self.last_call = 0.0  # monotonic time of the last CALL sent
        self._group: asyncio.TaskGroup | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._reboot = asyncio.Event()
        self._reboot_reason = ""
        self._stop_reason = "PowerLoss"

    # -- lives --------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await self._life(stop)
            if stop.is_set():
                break
            log.info("%s: rebooting (%s)", self.state.identity, self._reboot_reason)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.reboot_seconds)
        log.info("%s: stopped", self.state.identity)

    async def _life(self, stop: asyncio.Event) -> None:
        self.booted = False
        self._reboot.clear()
        self._stop_reason = "PowerLoss"
        self.state.outbox.offline()  # what was not sent before the reboot is gone
        for c in self.state.outlets:
            c.preparing = c.starting = c.finishing = False
        async with asyncio.TaskGroup() as group:
            self._group = group
            self.spawn(self._connections)
            self.spawn(self.sessions.aligned_data)
            ending = [
                asyncio.ensure_future(stop.wait()),
                asyncio.ensure_future(self._reboot.wait()),
            ]
            await asyncio.wait(ending, return_when=asyncio.FIRST_COMPLETED)
            for future in ending:
                future.cancel()
            # Power goes: a running transaction ends now, its StopTransaction waits in
            # the outbox for the next boot (section 5.14, hard reset).
            self.sessions.power_off(self._stop_reason)
            if self.online is not None:
                with contextlib.suppress(ConnectionClosed):
                    await self.online.ws.close(1001, self._reboot_reason[:100] or "stopping")
            for task in list(self._tasks):
                task.cancel()
        self._group = None

    def reboot(self, reason: str, stop_reason: str = "Reboot") -> None:
        self._reboot_reason, self._stop_reason = reason, stop_reason
        self._reboot.set()

    def spawn(self, job: Job) -> None:
        """Run ``job`` for the rest of this life; an exception in it is a peer bug: logged
        with its traceback, never silent."""
        if self._group is None:
            return
        task = self._group.create_task(self._guard(job))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _guard(self, job: Job) -> None:
        try:
            await job()
        except (ConnectionClosed, TimeoutError) as exc:
            log.warning("%s: %s ended: %r", self.state.identity, job, exc)
        except Exception:
            log.exception("%s: peer station bug in %s", self.state.identity, job)

    # -- connections --------------------------------------------------------------------

    async def _connections(self) -> None:
        from bench.peer.charge_point import PeerChargePoint

        failures = 0
        while True:
            try:
                async with connect(
                    self.url,
                    subprotocols=["ocpp1.6"],  # type: ignore[list-item]
                    proxy=None,
                    open_timeout=10,
                    compression=None,
                ) as ws:
                    log.info("%s: connected to %s", self.state.identity, self.url)
                    failures = 0
                    cp = PeerChargePoint(self, ws, self.call_timeout)
                    self.online = cp
                    try:
                        await cp.serve(self._connected(cp))
                    finally:
                        self.online = None
                        self.state.went_offline()
                    log.info("%s: connection ended: %s", self.state.identity, cp.reason)
            except (OSError, InvalidHandshake, TimeoutError, ConnectionClosed) as exc:
                failures = min(failures + 1, 10)
                log.info("%s: cannot connect (%s)", self.state.identity, exc)
            delay = min(self.backoff * 2 ** max(failures - 1, 0), self.max_backoff)
            await asyncio.sleep(delay)

    async def _connected(self, cp: PeerChargePoint) -> None:
        if self.booted:
            self.state.went_offline()  # only the latest status of each connector goes out
        else:
            await self._boot(cp)
        self.state.refresh(time.monotonic())
        if self.state.installed_after_boot:
            self.state.installed_after_boot = False
            self.sessions.firmware_status("Installed")
        await asyncio.gather(self._drain(cp), self._heartbeats())

    async def _boot(self, cp: PeerChargePoint) -> None:
        while True:
            try:
                answer = await cp.call(self.boot_request(), suppress=False)
            except (TimeoutError, OCPPError) as exc:
                log.warning("%s: BootNotification: %r", self.state.identity, exc)
                answer = None
            if answer is not None and answer.status == "Accepted":
                break
            wait = answer.interval if answer is not None and answer.interval > 0 else 10
            await asyncio.sleep(min(wait, 60))
        self.booted = True
        self.boot_answer(answer)
        self.state.booted()

    def boot_request(self) -> Any:
        """No iccid nor imsi unless it has a modem (``--iccid``); it names its meter."""
        state = self.state
        return call.BootNotification(
            iccid=state.iccid,
            imsi=state.imsi,
            charge_point_model="PeerModel AC22",
            charge_point_vendor="Peer Labs",
            charge_point_serial_number=f"SN-{state.identity}"[:25],
            charge_box_serial_number=f"CB-{state.identity}"[:25],
            firmware_version=state.firmware_version,
            meter_type="MID 3-phase",
            meter_serial_number=f"M-{state.identity}"[:25],
        )

    def boot_answer(self, answer: Any) -> None:
        if answer is not None and answer.status == "Accepted" and answer.interval > 0:
            self.state.config.set_internal("HeartbeatInterval", str(answer.interval))
            self.config_changed.set()

    async def _drain(self, cp: PeerChargePoint) -> None:
        outbox = self.state.outbox
        while True:
            item = await outbox.head()
            payload = item.build()
            if payload is None:  # its transaction never got an id: nothing to send
                outbox.pop(None)
                continue
            try:
                result = await cp.call(payload, suppress=False)
            except (TimeoutError, OCPPError) as exc:
                item.attempts += 1
                attempts = self.state.config.integer("TransactionMessageAttempts", 3)
                log.warning(
                    "%s: %s try %d: %r", self.state.identity, item.action, item.attempts, exc
                )
                if item.transactional and item.attempts < max(attempts, 1):
                    retry = self.state.config.integer("TransactionMessageRetryInterval", 10)
                    await asyncio.sleep(retry * item.attempts)
                    continue
                outbox.pop(None)
                continue
            outbox.pop(result)

    async def _heartbeats(self) -> None:
        while True:
            interval = self.state.config.integer("HeartbeatInterval")
            self.config_changed.clear()
            wait = self.last_call + interval - time.monotonic() if interval > 0 else 3600.0
            if interval > 0 and wait <= 0:
                self.heartbeat()
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.config_changed.wait(), wait)

    def heartbeat(self) -> None:
        from bench.peer.model import Outgoing

        self.last_call = time.monotonic()  # counts from now, not from when it goes out
        self.state.outbox.put(Outgoing("Heartbeat", call.Heartbeat))

    def sent_call(self) -> None:
        self.last_call = time.monotonic()
