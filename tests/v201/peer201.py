"""A fuller OCPP 2.0.1 Charging Station the bench did not write, on the ``ocpp`` package's
``ocpp.v201.ChargePoint`` (its ``@on`` / ``@after`` handlers) over a ``websockets`` client
offering ``ocpp2.0.1``: one EVSE with one connector (``peer201_evse``: the cable, the car,
the cards, the transaction) and a small device model with the variables part 2
("Referenced Components and Variables") requires (``peer201_model``).

It is legal, and wherever OCPP 2.0.1 leaves a choice it chooses otherwise than the
bench's own simulator (``chargecheck.sim.v201``), so that a run against it shows the
bench accepts the variants (the EVSE's own are in ``peer201_evse``):

- connector state by NotifyEvent (Connector.AvailabilityState, trigger Delta), never
  StatusNotification (G01.FR.03 allows either); after an outage all of them when it was
  longer than OfflineThreshold, else those that changed (B04);
- OCPPCommCtrlr.OfflineThreshold has a Target attribute besides Actual;
- base reports of 7 items a part, Actual attributes without ``type`` and ReadWrite ones
  without ``mutability`` (the schema's defaults), the last part without ``tbc``;
- GetVariables results in the reverse order of the request; SetVariables refusals with a
  reasonCode; a Heartbeat only when nothing else was sent for an interval (B04);
- Reset Accepted, then the WebSocket closed, a reconnection after ``reboot_delay`` and a
  BootNotification reason RemoteReset; OnIdle with a transaction Scheduled, the reboot
  once it ended (B12.FR.03); Immediate ends it first (B12.FR.04); an EVSE alone is never
  reset (Rejected, EVSE.AllowReset false: B11.FR.09, B12.FR.09);
- answered Pending, nothing but BootNotification until Accepted, RequestStartTransaction
  Rejected (B02); answered Rejected, silent until the interval, every request of the
  CSMS answered CALLERROR SecurityError (B03.FR.02, B03.FR.08);
- a lost connection: TransactionEvents queued (and those still queued marked offline,
  E11.FR.07), sent after the reconnection (no boot); the reconnection after the back-off
  of RetryBackOffWaitMinimum, doubled up to RetryBackOffRepeatTimes, plus up to
  RetryBackOffRandomRange (part 4 section 5.3);
- a TransactionEvent not answered within MessageTimeout, or answered with a CALLERROR,
  sent again after MessageAttemptInterval times the transmissions so far, MessageAttempts
  times in all, then dropped (E13);
- network profiles in configuration slots 0 (its first) and 1 (SetNetworkProfile, B09);
  after a reboot it tries the slots of NetworkConfigurationPriority in turn,
  NetworkProfileConnectionAttempts times each, then the slot of its last connection
  (B10.FR.03/04/07).

``DEFECTS`` switch on one deliberate breach each, to show that the bench's verdict moves.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import random
import time
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ocpp.exceptions import OccurrenceConstraintViolationError, OCPPError, SecurityError
from ocpp.messages import Call, unpack
from ocpp.routing import after, on
from ocpp.v201 import ChargePoint, call, call_result
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake
from websockets.typing import Subprotocol

from tests.v201.peer201_evse import Answer, Evse
from tests.v201.peer201_model import DeviceModel, now_text

IDENTITY = "PEER201"
DEFECTS = {
    "set_unknown_component_accepted": "SetVariables of an unknown component is Accepted",
    "no_status_after_reset": "no connector state is reported after the RemoteReset boot",
    "ongoing_indicator_missing": "GetTransactionStatus of an unknown id omits ongoingIndicator",
}
PRIORITY = "OCPPCommCtrlr.NetworkConfigurationPriority"
TICK_S = 0.05
LOG = logging.getLogger(__name__)


@dataclass
class Reboot:
    """An outbox entry: close the connection and boot again with ``reason`` (B11, B12)."""

    reason: str


@dataclass
class Outgoing:
    """A CALL of the station, waiting its turn; ``on_answer`` gets the answer (None: no
    answer, or a CALLERROR)."""

    payload: Any
    on_answer: Answer | None = None

    @property
    def transactional(self) -> bool:
        return isinstance(self.payload, call.TransactionEvent)


class Link(ChargePoint):
    """One WebSocket connection of the peer: the ``ocpp`` handlers, and the sender of the
    peer's outbox, one request at a time."""

    def __init__(self, peer: Peer201, connection: Any) -> None:
        super().__init__(peer.identity, connection, response_timeout=10, logger=LOG)
        self.peer = peer
        self.wake = asyncio.Event()
        self.booting = False  # a BootNotification waits for its answer
        self.last_call = asyncio.get_running_loop().time()  # of the station's last CALL

    async def _send(self, message: str) -> None:
        self.peer.frames.append(("out", message))
        if message.startswith("[2,"):
            self.last_call = asyncio.get_running_loop().time()
            if self.peer.in_flight is not None:
                self.peer.head_written = True
        await super()._send(message)

    async def close(self) -> None:
        await self._connection.close()

    async def route_message(self, raw_msg: str | bytes) -> None:
        text = raw_msg if isinstance(raw_msg, str) else raw_msg.decode()
        self.peer.frames.append(("in", text))
        with contextlib.suppress(ValueError, TypeError, IndexError, KeyError):
            frame = json.loads(text)
            if frame[0] in (3, 4) and frame[1] == self.peer.in_flight_id:
                self.peer.answered = True  # taken, even if the connection ends right now
                if self.booting:  # the registration holds from its answer on (B02, B03)
                    self.peer.registration = frame[2].get("status") if frame[0] == 3 else None
            if frame[0] == 2 and self.peer.registration == "Rejected":  # B03.FR.08
                request = unpack(text)
                assert isinstance(request, Call)
                refusal = SecurityError(description="the registration is Rejected")
                await self._send(request.create_call_error(refusal).to_json())
                return
        await super().route_message(text)

    async def send(self, payload: Any) -> tuple[Any, bool]:
        """A request of the station: (its answer, True), or (what came instead, False)."""
        self._response_timeout = self.peer.model.integer("OCPPCommCtrlr.MessageTimeout[Default]")
        unique_id = f"peer-{next(self.peer.ids)}"
        self.peer.in_flight_id = unique_id
        try:
            return await self.call(payload, suppress=False, unique_id=unique_id), True
        except (OCPPError, TimeoutError) as exc:
            return exc, False

    async def operate(self) -> None:
        """Boot if the station (re)started (B01-B03), else report the connectors an
        outage changed (B04); then the outbox in order, and a Heartbeat when nothing was
        sent for an interval."""
        peer, loop = self.peer, asyncio.get_running_loop()
        if peer.boot_reason is not None:
            await self.boot(peer.boot_reason)
        else:
            peer.back_online()
        while True:
            if peer.outbox:
                item = peer.outbox[0]
                if isinstance(item, Reboot):
                    peer.outbox.popleft()
                    peer.going_down(item.reason)
                    await self._connection.close()
                    return
                await self.deliver(item)
                continue
            self.wake.clear()
            interval = peer.model.integer("OCPPCommCtrlr.HeartbeatInterval")
            try:
                await asyncio.wait_for(self.wake.wait(), self.last_call + interval - loop.time())
            except TimeoutError:
                await self.send(call.Heartbeat())

    async def deliver(self, item: Outgoing) -> None:
        """The outbox's head, sent; a TransactionEvent again while it fails, up to
        MessageAttempts[TransactionEvent] times, after MessageAttemptInterval times the
        transmissions so far (E13.FR.02/03), then dropped (E13.FR.04)."""
        peer = self.peer
        attempts = 1
        if item.transactional:
            attempts = max(1, peer.model.integer("OCPPCommCtrlr.MessageAttempts[TransactionEvent]"))
        interval = peer.model.integer("OCPPCommCtrlr.MessageAttemptInterval[TransactionEvent]")
        peer.in_flight, peer.head_written = item, False
        for sent in range(1, attempts + 1):
            peer.answered = False
            result, ok = await self.send(item.payload)
            if ok:
                break
            name = type(item.payload).__name__
            if not item.transactional:
                peer.problems.append(f"{name}: {result!r}")
            else:
                peer.retries.append((item.payload.seq_no, sent, repr(result)))
            if sent < attempts:
                await asyncio.sleep(interval * sent)
        else:
            result = None
            if item.transactional:
                peer.dropped.append(item.payload.seq_no)
        peer.outbox.popleft()
        peer.in_flight = None
        if item.on_answer is not None:
            item.on_answer(result)

    async def boot(self, reason: str) -> None:
        """BootNotification until Accepted, after each answer's interval; nothing else is
        sent meanwhile (B02.FR.02, B03.FR.02). Then the connectors' state (B01.FR.05)."""
        peer = self.peer
        while True:
            self.booting = True
            answer, ok = await self.send(peer.boot_request(reason))
            self.booting = False
            peer.registration = answer.status if ok else None
            if peer.registration == "Accepted":
                break
            await asyncio.sleep(answer.interval if ok and answer.interval > 0 else 3.0)
        peer.booted(reason, answer.interval)

    # -- the CSMS's requests (part 2) ------------------------------------------------------

    @on("GetVariables")
    def on_get_variables(self, get_variable_data: list[dict[str, Any]], **_: Any) -> Any:
        limit = self.peer.model.integer("DeviceDataCtrlr.ItemsPerMessage[GetVariables]")
        if len(get_variable_data) > limit:
            raise OccurrenceConstraintViolationError(f"more than {limit} items")
        results = [self.peer.model.get(item) for item in get_variable_data]
        return call_result.GetVariables(get_variable_result=results[::-1])

    @on("SetVariables")
    def on_set_variables(self, set_variable_data: list[dict[str, Any]], **_: Any) -> Any:
        defects = self.peer.defects
        results = [self.peer.model.set(item, defects) for item in set_variable_data]
        return call_result.SetVariables(set_variable_result=results)

    @on("GetBaseReport")
    def on_get_base_report(self, report_base: str, **_: Any) -> Any:
        known = report_base in ("ConfigurationInventory", "FullInventory")
        return call_result.GetBaseReport(status="Accepted" if known else "NotSupported")

    @after("GetBaseReport")
    def after_get_base_report(self, request_id: int, report_base: str, **_: Any) -> None:
        if report_base in ("ConfigurationInventory", "FullInventory"):
            self.peer.report(request_id, report_base)

    @on("Reset")
    def on_reset(self, type: str, evse_id: int | None = None, **_: Any) -> Any:  # noqa: A002
        if evse_id is not None:  # B11.FR.09, B12.FR.09: no EVSE is reset alone
            return call_result.Reset(status="Rejected")
        if type == "OnIdle" and self.peer.evse.transaction is not None:
            self.peer.reset_when_idle = True  # B12.FR.01, B12.FR.03
            return call_result.Reset(status="Scheduled")
        return call_result.Reset(status="Accepted")

    @after("Reset")
    def after_reset(self, type: str, evse_id: int | None = None, **_: Any) -> None:  # noqa: A002
        if evse_id is None and not self.peer.reset_when_idle:
            if type == "Immediate":
                self.peer.evse.reset_now()  # the Ended first (B12.FR.04)
            self.peer.send_later(Reboot("RemoteReset"))

    @on("GetTransactionStatus")
    def on_get_transaction_status(self, transaction_id: str | None = None, **_: Any) -> Any:
        """E14: messagesInQueue for TransactionEvents not yet on the wire."""
        peer = self.peer
        queued = peer.queued(transaction_id)
        if transaction_id is None:
            return call_result.GetTransactionStatus(messages_in_queue=queued)
        never = transaction_id not in peer.evse.used
        if never and "ongoing_indicator_missing" in peer.defects:
            return call_result.GetTransactionStatus(messages_in_queue=queued)
        ongoing = peer.evse.ongoing(transaction_id)
        return call_result.GetTransactionStatus(messages_in_queue=queued, ongoing_indicator=ongoing)

    @on("RequestStartTransaction")
    def on_request_start(
        self, id_token: dict[str, Any], remote_start_id: int, evse_id: int | None = None, **_: Any
    ) -> Any:
        """Rejected unless registered (B02.FR.05) and EVSE 1 is free; the transaction
        starts at its start point (the car connected) or runs already (F01)."""
        if self.peer.registration != "Accepted" or evse_id not in (None, 1):
            return call_result.RequestStartTransaction(status="Rejected")
        status, running = self.peer.evse.remote_start(id_token, remote_start_id)
        return call_result.RequestStartTransaction(status=status, transaction_id=running)

    @on("RequestStopTransaction")
    def on_request_stop(self, transaction_id: str, **_: Any) -> Any:
        status = self.peer.evse.remote_stop(transaction_id)
        return call_result.RequestStopTransaction(status=status)

    @on("ChangeAvailability")
    def on_change_availability(
        self, operational_status: str, evse: dict[str, Any] | None = None, **_: Any
    ) -> Any:
        """G03/G04: the station or EVSE 1 (its connector 1); Scheduled while charging."""
        where = (evse or {}).get("id", 0), (evse or {}).get("connector_id", 1)
        if where not in ((0, 1), (1, 1)):
            return call_result.ChangeAvailability(status="Rejected")
        status = self.peer.evse.set_operative(operational_status == "Operative")
        return call_result.ChangeAvailability(status=status)

    @on("SetNetworkProfile")
    def on_set_network_profile(
        self, configuration_slot: int, connection_data: dict[str, Any], **_: Any
    ) -> Any:
        status, reason = self.peer.network_profile(str(configuration_slot), connection_data)
        info = {"reason_code": reason} if reason else None
        return call_result.SetNetworkProfile(status=status, status_info=info)


class Peer201:
    """The station across its connections: ``run`` connects, and again after a reset or
    a lost connection (without a boot then), until cancelled. The device model, the EVSE
    and the TransactionEvents not yet sent survive; the other messages of a connection
    go with it. ``problems`` holds every other CALL that failed; ``evse`` is where the
    operator's hands act."""

    link_class: type[Link] = Link  # what serves each connection

    def __init__(
        self,
        url: str,
        identity: str = IDENTITY,
        *,
        defects: Iterable[str] = (),
        reboot_delay: float = 1.0,
    ) -> None:
        self.defects = frozenset(defects)
        if unknown := self.defects - set(DEFECTS):
            raise ValueError(f"no such defect: {', '.join(sorted(unknown))}")
        self.identity, self.reboot_delay = identity, reboot_delay
        self.model = DeviceModel()
        self.model.checks[self.model.find(PRIORITY).address] = self._priority_problem
        self.evse = Evse(self, time.monotonic)
        self.profiles = {"0": url}  # configuration slot -> the URL to connect to
        self.slot = self.last_good = "0"
        self.frames: list[tuple[str, str]] = []  # ("out", text) sent, ("in", text) received
        self.problems: list[str] = []
        self.retries: list[tuple[int, int, str]] = []  # TransactionEvents that failed (E13)
        self.dropped: list[int] = []  # their seqNo, once MessageAttempts failed
        self.refusals: list[str] = []  # connection attempts that failed
        self.attempts: list[str] = []  # the URL of every connection attempt
        self.boots: list[str] = []  # the reason of every Accepted boot
        self.boot_reason: str | None = "PowerUp"  # None: booted, a reconnection needs none
        self.registration: str | None = None  # the last boot's answer
        self.reset_when_idle = False
        self.outbox: deque[Outgoing | Reboot] = deque()
        self.in_flight: Outgoing | None = None  # the outbox's head while it is being sent
        self.in_flight_id: str | None = None
        self.head_written = False  # the head is on the wire
        self.answered = False  # the head's answer came
        self.asking = 0  # Authorize requests not yet answered
        self.answers_in = asyncio.Event()  # set while none is
        self.answers_in.set()
        self.announced = self.reported = ""  # the connector state queued / delivered
        self.offline_since: float | None = None
        self.ids = itertools.count(1)
        self._link: Link | None = None
        self.task: asyncio.Task[None] | None = None  # the task that runs it, if one is told
        self.stopped = False
        self._closing: asyncio.Task[None] | None = None

    @property
    def online(self) -> bool:
        return self._link is not None and self.registration == "Accepted"

    # -- connecting (part 4 section 5.3, B10) -------------------------------------------------

    async def run(self) -> None:
        """Connections until ``stop()`` or a cancellation."""
        ticker = asyncio.create_task(self._ticker())
        try:
            delay = 0.0  # the first power-up
            while not self.stopped:
                await self._connect(delay)
                delay = self.reboot_delay
        finally:
            ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticker
            if self._closing is not None:  # the close stop() began
                with contextlib.suppress(Exception):
                    await self._closing

    def stop(self) -> None:
        """The station is switched off for good: ``run`` ends (its connection closed)."""
        self.stopped = True
        if self._link is not None:
            self._closing = asyncio.create_task(self._link.close())

    async def _connect(self, delay: float) -> None:
        """Connection attempts until one is made, and that connection until it ends. After
        a reboot the first comes after ``delay`` (the reboot) over the slots in
        NetworkConfigurationPriority's order, NetworkProfileConnectionAttempts each, then
        over the slot of the last connection (B10.FR.03/04/07); after a connection loss
        over the same slot. Every other attempt waits the back-off (part 4 section 5.3)."""
        rebooting = self.boot_reason is not None
        slots = self._boot_slots() if rebooting else itertools.repeat(self.slot)
        for failed, slot in enumerate(slots):
            if self.stopped:
                return
            if rebooting:
                wait = delay if failed == 0 else self._back_off(failed - 1)
            else:
                wait = self._back_off(failed)
            await asyncio.sleep(wait)
            url = self.profiles[slot]
            self.attempts.append(url)
            try:
                await self._connection(url, slot)
            except (OSError, InvalidHandshake, TimeoutError) as exc:
                self.refusals.append(f"{url}: {exc!r}")  # refused or unreachable: again
                continue
            return

    def _boot_slots(self) -> Iterator[str]:
        tries = max(1, self.model.integer("OCPPCommCtrlr.NetworkProfileConnectionAttempts"))
        for slot in self.model.members(PRIORITY):
            if slot in self.profiles:
                yield from itertools.repeat(slot, tries)
        yield from itertools.repeat(self.last_good)

    def _back_off(self, failed: int) -> float:
        """RetryBackOffWaitMinimum, doubled after each failed attempt up to
        RetryBackOffRepeatTimes times, plus up to RetryBackOffRandomRange."""
        wait = self.model.integer("OCPPCommCtrlr.RetryBackOffWaitMinimum")
        repeat = self.model.integer("OCPPCommCtrlr.RetryBackOffRepeatTimes")
        spread = self.model.integer("OCPPCommCtrlr.RetryBackOffRandomRange")
        return float(wait * 2 ** min(failed, repeat) + random.uniform(0, spread))

    async def _connection(self, url: str, slot: str) -> None:
        async with connect(url, subprotocols=[Subprotocol("ocpp2.0.1")], ping_interval=None) as ws:
            self.slot = self.last_good = slot
            link = self._link = self.link_class(self, ws)
            # Not a TaskGroup: on Python 3.11 a cancellation that comes as a part fails is
            # lost in it (the group gives back the part's error), and the peer would never
            # stop (tests/v201/test_peer201_stops.py forces that moment).
            parts = [asyncio.create_task(link.start()), asyncio.create_task(link.operate())]
            try:
                done, _ = await asyncio.wait(parts, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for part in parts:
                    part.cancel()
                await asyncio.gather(*parts, return_exceptions=True)
                self._lost()
            for part in done:  # the first part to end ends the connection
                error = part.exception()
                if error is not None and not isinstance(error, ConnectionClosed):
                    raise error

    def _lost(self) -> None:
        """The connection is gone: the TransactionEvents stay queued, marked offline
        (E11.FR.07); the other requests go with it."""
        dropped = []
        if self.in_flight is not None and self.answered and self.outbox:
            self.outbox.popleft()  # its answer came: not to be sent again
            if self.in_flight.on_answer is not None and not self.in_flight.transactional:
                dropped.append(self.in_flight.on_answer)  # ... but is lost with it
        self._link, self.in_flight = None, None
        kept: deque[Outgoing | Reboot] = deque()
        for item in self.outbox:
            if isinstance(item, Outgoing) and item.transactional:
                item.payload.offline = True
                kept.append(item)
            elif isinstance(item, Outgoing) and item.on_answer is not None:
                dropped.append(item.on_answer)
        self.outbox = kept
        self.announced = self.reported
        if self.offline_since is None:
            self.offline_since = time.monotonic()
        for on_answer in dropped:  # an Authorize then goes by the offline rules
            on_answer(None)

    async def _ticker(self) -> None:
        while True:
            await asyncio.sleep(TICK_S)
            self.evse.tick(TICK_S)

    # -- what the connection does ---------------------------------------------------------------

    def booted(self, reason: str, interval: int) -> None:
        self.boots.append(reason)
        self.boot_reason, self.offline_since = None, None
        self.model.put("OCPPCommCtrlr.HeartbeatInterval", str(interval))
        if not (reason == "RemoteReset" and "no_status_after_reset" in self.defects):
            self._report_state()  # B01.FR.05

    def back_online(self) -> None:
        """B04: after an offline period longer than OfflineThreshold every connector's
        state, else those that changed."""
        gone = time.monotonic() - (self.offline_since or time.monotonic())
        self.offline_since = None
        if gone > self.model.integer("OCPPCommCtrlr.OfflineThreshold"):
            self._report_state()
        else:
            self.connector_changed()

    def going_down(self, reason: str) -> None:
        self.boot_reason, self.registration = reason, None
        self.reset_when_idle = False
        self.evse.rebooted()

    def power_cycle(self) -> None:
        """The mains cut and back: the transaction ends (PowerLoss), a boot PowerUp."""
        self.evse.power_lost()
        self.send_later(Reboot("PowerUp"))

    # -- what the station sends -----------------------------------------------------------------

    def send_later(self, item: Outgoing | Reboot) -> None:
        self.outbox.append(item)
        if self._link is not None:
            self._link.wake.set()

    def emit(self, payload: Any, on_answer: Answer | None = None) -> None:
        """A request to send: a TransactionEvent is queued, connected or not (E11, E12);
        another only goes out on the connection it was made on."""
        if isinstance(payload, call.TransactionEvent) or self._link is not None:
            self.send_later(Outgoing(payload, on_answer))

    def ask(self, payload: Any, on_answer: Answer) -> None:
        """An Authorize: the answer goes to ``on_answer`` (None if the connection goes)."""
        if self._link is None:
            on_answer(None)
            return
        self.asking += 1
        self.answers_in.clear()

        def answered(result: Any) -> None:
            self.asking = max(0, self.asking - 1)
            if not self.asking:
                self.answers_in.set()
            on_answer(result)

        self.emit(payload, answered)

    async def settled(self, seconds: float = 5.0) -> None:
        """Until no Authorize waits for its answer (a driver takes that long anyway)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.answers_in.wait(), seconds)

    def queued(self, transaction_id: str | None) -> bool:
        """TransactionEvents (of ``transaction_id``) not yet on the wire (E14)."""
        return any(
            isinstance(item, Outgoing)
            and item.transactional
            and not (item is self.in_flight and self.head_written)
            and transaction_id in (None, item.payload.transaction_info["transaction_id"])
            for item in self.outbox
        )

    def transaction_over(self) -> None:
        if self.reset_when_idle:  # B12.FR.03: the scheduled reset, after the Ended
            self.reset_when_idle = False
            self.send_later(Reboot("RemoteReset"))

    def connector_changed(self) -> None:
        """The connector's state as a NotifyEvent when it changed (G01.FR.03: instead of
        StatusNotification); offline it waits for B04."""
        state = self.evse.state()
        for spec in ("Connector@1.1.AvailabilityState", "EVSE@1.AvailabilityState"):
            self.model.put(spec, state)
        if self.online and state != self.announced:
            self._report_state()

    def _report_state(self) -> None:
        state = self.announced = self.evse.state()
        variable = self.model.find("Connector@1.1.AvailabilityState")
        event = {
            "event_id": next(self.ids),
            "timestamp": now_text(),
            "trigger": "Delta",
            "actual_value": state,
            "component": variable.component_data(),
            "variable": {"name": variable.name},
            "event_notification_type": "HardWiredNotification",
        }

        def delivered(result: Any) -> None:
            if result is not None:
                self.reported = state

        payload = call.NotifyEvent(generated_at=now_text(), seq_no=0, event_data=[event])
        self.emit(payload, delivered)

    def boot_request(self, reason: str) -> call.BootNotification:
        station = {
            "vendor_name": "Peer Works",
            "model": "PW-201",
            "serial_number": "PW201-0001",
            "firmware_version": "2.0.1-peer",
            "modem": {"iccid": "8931000000000000001", "imsi": "204080000000001"},
        }
        return call.BootNotification(charging_station=station, reason=reason)

    def report(self, request_id: int, base: str) -> None:
        """NotifyReport parts of ItemsPerMessage[GetReport] items, seqNo from 0 (B07.FR.10);
        tbc on every part but the last, which leaves it out (its default is false)."""
        items = self.model.report(base)
        size = self.model.integer("DeviceDataCtrlr.ItemsPerMessage[GetReport]")
        parts = [items[n : n + size] for n in range(0, len(items), size)]
        for seq_no, part in enumerate(parts):
            more = True if seq_no < len(parts) - 1 else None
            self.emit(call.NotifyReport(request_id, now_text(), seq_no, report_data=part, tbc=more))

    # -- network profiles (B09, B10) --------------------------------------------------------------

    def network_profile(self, slot: str, data: dict[str, Any]) -> tuple[str, str | None]:
        """SetNetworkProfile: Rejected for a slot out of NetworkConfigurationPriority's
        valuesList (B09.FR.05), the slot in use, a lower security profile or what the
        station cannot speak (B09.FR.02); else kept for the next reboot."""
        if slot not in self.model.find(PRIORITY).values_list:
            return "Rejected", "InvalidConfSlot"
        if slot == self.slot:
            return "Rejected", "InUse"
        security = self.model.integer("SecurityCtrlr.SecurityProfile")
        url = str(data.get("ocpp_csms_url", ""))
        speaks = data.get("ocpp_version") == "OCPP20" and data.get("ocpp_transport") == "JSON"
        if not speaks or data.get("security_profile", 0) < security or not url.startswith("ws://"):
            return "Rejected", "InvalidNetworkConf"
        self.profiles[slot] = f"{url.rstrip('/')}/{self.identity}"
        return "Accepted", None

    def _priority_problem(self, value: str) -> str | None:
        """B10.FR.02: every slot of NetworkConfigurationPriority holds a profile."""
        empty = [s for s in value.split(",") if s not in self.profiles]
        return "InvalidNetworkConf" if empty else None
