"""The 2.0.1 station's side of the OCPP-J link, sans I/O: its CALLs, one at a time, in
the order the registration state allows, and the persistent queue of TransactionEvents.

- OCPP-J 2.0.1 part 4 section 4.1.1 (as 1.6): one CALL in flight at most.
- Use case B02 (Pending): B02.FR.02, the station sends no request of its own but those the
  CSMS asked for (a TriggerMessage, the NotifyReport of a GetBaseReport) while Pending;
  use case B03 (Rejected): nothing but BootNotification.
- Use cases E04 / E12 (offline): TransactionEvents go to the station's disk first and are
  delivered in the order they happened once online and Accepted; E13: a TransactionEvent
  the CSMS did not answer, or answered with a CALLERROR, is sent again up to
  OCPPCommCtrlr.MessageAttempts[TransactionEvent] times in all, waiting
  MessageAttemptInterval[TransactionEvent] times the number of attempts so far, then
  dropped. Losing the connection is no failed attempt: the message waits.

Kinds of CALL: ``boot`` (always allowed), ``requested`` (asked for by the CSMS; allowed
when Pending or Accepted), ``normal`` and ``transaction`` (only when Accepted).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chargecheck.protocol.endpoint import Endpoint, Inbound, InboundKind
from chargecheck.protocol.frames import CallError, CallResult, encode_frame
from chargecheck.sim.store import StationStore


@dataclass(eq=False)
class Outgoing:
    action: str
    payload: dict[str, Any]
    kind: str = "normal"  # boot | requested | normal | transaction
    seq: int | None = None  # its row in the persistent queue (a transaction message)
    attempts: int = 0
    not_before: float = 0.0
    context: dict[str, Any] = field(default_factory=dict)

    @property
    def transaction_id(self) -> str | None:
        info = self.payload.get("transactionInfo")
        return info.get("transactionId") if isinstance(info, dict) else None


@dataclass(frozen=True, slots=True)
class Outcome:
    """How a CALL ended: ``payload`` is the CALLRESULT's, None on ``failure``."""

    item: Outgoing
    payload: dict[str, Any] | None
    failure: str | None = None
    dropped: bool = False


@dataclass(frozen=True, slots=True)
class Limits:
    call_timeout: float  # OCPPCommCtrlr.MessageTimeout[Default]
    attempts: int  # OCPPCommCtrlr.MessageAttempts[TransactionEvent]
    attempt_interval: float  # OCPPCommCtrlr.MessageAttemptInterval[TransactionEvent]


class Link:
    def __init__(
        self,
        endpoint: Endpoint,
        store: StationStore,
        send: Callable[[str], None],
        limits: Callable[[], Limits],
        log: Callable[[str], None],
    ) -> None:
        self.endpoint = endpoint
        self.online = False
        self.registration: str | None = None  # the last BootNotificationResponse status
        self.ignore_pending = False  # defect boot_ignores_pending
        self.defects: frozenset[str] = frozenset()  # retry_ignores_interval, retry_beyond_attempts
        self._store = store
        self._send = send
        self._limits = limits
        self._log = log
        self._pending: deque[Outgoing] = deque()
        self._in_flight: tuple[str, Outgoing] | None = None  # (unique id, item)

    # -- what the station wants sent -----------------------------------------------------

    def load_queue(self) -> None:
        """The TransactionEvents a previous life left on disk, in their order."""
        for row in self._store.queued():
            item = Outgoing(row.action, row.payload, "transaction", row.seq, row.attempts)
            self._pending.append(item)

    def submit(self, action: str, payload: dict[str, Any], *, requested: bool = False) -> None:
        """A CALL only worth sending on this connection (dropped if the link breaks)."""
        self._pending.append(Outgoing(action, payload, "requested" if requested else "normal"))

    def submit_boot(self, payload: dict[str, Any]) -> None:
        self._pending = deque(i for i in self._pending if i.kind != "boot")
        self._pending.appendleft(Outgoing("BootNotification", payload, "boot"))

    def submit_transaction(self, payload: dict[str, Any]) -> None:
        """A TransactionEvent: on disk first, then delivered in order, now or later."""
        seq = self._store.enqueue("TransactionEvent", payload, None)
        self._pending.append(Outgoing("TransactionEvent", payload, "transaction", seq))

    @property
    def queue_length(self) -> int:
        return sum(1 for i in self._pending if i.kind == "transaction")

    def queued_for(self, transaction_id: str | None) -> bool:
        """Are TransactionEvents (of ``transaction_id``, or of any transaction) waiting to be
        delivered? The one in flight counts: its answer has not come (use case E14)."""
        items = list(self._pending)
        if self._in_flight is not None:
            items.append(self._in_flight[1])
        return any(
            i.kind == "transaction" and transaction_id in (None, i.transaction_id) for i in items
        )

    @property
    def busy(self) -> bool:
        return self._in_flight is not None

    @property
    def idle(self) -> bool:
        return self._in_flight is None and not self._pending

    # -- sending ---------------------------------------------------------------------------

    def _allowed(self, item: Outgoing) -> bool:
        if item.kind == "boot":
            return True
        accepted = self.registration == "Accepted"
        pending = self.registration == "Pending"
        if item.kind == "requested":
            return accepted or pending
        return accepted or (pending and self.ignore_pending)

    def pump(self, now: float) -> None:
        """Send the next CALL the registration state allows, if none is in flight."""
        if not self.online or self._in_flight is not None:
            return
        blocked = False  # transaction messages keep their order
        for item in self._pending:
            if not self._allowed(item):
                continue
            if item.kind == "transaction" and (blocked or item.not_before > now):
                blocked = True
                continue
            self._pending.remove(item)
            call = self.endpoint.call(item.action, item.payload, now, self._limits().call_timeout)
            self._in_flight = (call.unique_id, item)
            self._send(encode_frame(call))
            return

    def next_deadline(self) -> float | None:
        if self._in_flight is not None:
            return self.endpoint.tracker.next_deadline()
        if not self.online:
            return None
        waiting = [i.not_before for i in self._pending if i.kind == "transaction" and i.not_before]
        return min(waiting, default=None)

    # -- answers ---------------------------------------------------------------------------

    def reply(self, inbound: Inbound, now: float) -> Outcome | None:
        """The outcome of our CALL that ``inbound`` answers (None: not ours)."""
        if inbound.pending is None or self._in_flight is None:
            return None
        unique_id, item = self._in_flight
        if inbound.pending.call.unique_id != unique_id:
            return None
        self._in_flight = None
        frame = inbound.frame
        if inbound.kind is InboundKind.REPLY and isinstance(frame, CallResult):
            if item.seq is not None:
                self._store.dequeue(item.seq)
            return Outcome(item, frame.payload)
        if isinstance(frame, CallError):
            return self._failed(item, f"CALLERROR {frame.error_code}", now)
        return self._failed(item, f"invalid answer: {inbound.error}", now)

    def expire(self, now: float) -> list[Outcome]:
        outcomes = []
        for pending in self.endpoint.tracker.expire(now):
            if self._in_flight is not None and self._in_flight[0] == pending.call.unique_id:
                item = self._in_flight[1]
                self._in_flight = None
                outcomes.append(self._failed(item, "no answer in time", now))
        return outcomes

    def _failed(self, item: Outgoing, failure: str, now: float) -> Outcome:
        if item.seq is None:
            return Outcome(item, None, failure)
        limits = self._limits()
        item.attempts += 1
        extra = "retry_beyond_attempts" in self.defects  # one transmission too many
        if item.attempts >= max(1, limits.attempts) + extra:
            self._store.dequeue(item.seq)
            self._log(f"gave up {item.action} after {item.attempts} attempts: {failure}")
            return Outcome(item, None, failure, dropped=True)
        self._store.set_attempts(item.seq, item.attempts)
        interval = 0.0 if "retry_ignores_interval" in self.defects else limits.attempt_interval
        item.not_before = now + interval * item.attempts
        self._pending.appendleft(item)
        self._log(f"{item.action} attempt {item.attempts} failed ({failure}); will retry")
        return Outcome(item, None, failure)

    def disconnected(self) -> list[Outgoing]:
        """The connection is gone: TransactionEvents wait, the other CALLs are returned."""
        self.online = False
        lost: list[Outgoing] = []
        if self._in_flight is not None:
            unique_id, item = self._in_flight
            self._in_flight = None
            self.endpoint.tracker.cancel(unique_id)
            if item.kind == "transaction":
                self._pending.appendleft(item)
            else:
                lost.append(item)
        kept: deque[Outgoing] = deque()
        for item in self._pending:
            (kept if item.kind == "transaction" else lost).append(item)
        self._pending = kept
        return lost
