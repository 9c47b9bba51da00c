"""The station's side of the OCPP-J link: its CALLs, one at a time, and the queue of
transaction messages that survives going offline.

- OCPP-J 1.6 section 4.1.1: "A Charge Point or Central System SHOULD NOT send a CALL
  message to the other party unless all the CALL messages it sent before have been
  responded to or have timed out." One CALL is in flight at most.
- OCPP 1.6 section 4.2.1: before its BootNotification is Accepted the station sends
  nothing but BootNotification.
- OCPP 1.6 section 4.7 (transaction-related messages): StartTransaction, StopTransaction
  and transaction MeterValues are kept in the persistent queue until the Central System
  answers them, sent in order; a message the Central System fails to process (CALLERROR,
  an answer breaking the schema, no answer) is resent up to TransactionMessageAttempts
  times, waiting TransactionMessageRetryInterval times the number of preceding attempts.
  Losing the connection is not a failure: the message waits for the next one.
- The station numbers its transactions itself (local ids) and learns the Central System's
  transactionId from StartTransaction.conf; a queued message of that transaction is given
  the real id when it is sent, never before, so a transaction started offline keeps one id.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chargecheck.protocol.endpoint import Endpoint, Inbound
from chargecheck.protocol.frames import CallError, encode_frame
from chargecheck.sim.link_base import LinkBase
from chargecheck.sim.store import StationStore


@dataclass(eq=False)
class Outgoing:
    """A CALL the station wants to make."""

    action: str
    payload: dict[str, Any]
    seq: int | None = None  # its row in the persistent queue: a transaction message
    local_tx: int | None = None  # the transaction whose local id ``payload`` carries
    attempts: int = 0
    not_before: float = 0.0  # station mono: waiting to be resent
    needs_accept: bool = True  # False only for BootNotification
    context: dict[str, Any] = field(default_factory=dict)

    @property
    def queued(self) -> bool:
        return self.seq is not None


@dataclass(frozen=True, slots=True)
class Outcome:
    """How a CALL ended: ``payload`` is the CALLRESULT payload, or None on ``failure``."""

    item: Outgoing
    payload: dict[str, Any] | None
    failure: str | None = None
    dropped: bool = False  # a transaction message given up after its last attempt
    error_code: str | None = None  # the CALLERROR's errorCode, if that was the answer


@dataclass(frozen=True, slots=True)
class Limits:
    call_timeout: float
    attempts: int  # TransactionMessageAttempts
    retry_interval: float  # TransactionMessageRetryInterval


class Link(LinkBase[Outgoing, Limits, Outcome]):
    def __init__(
        self,
        endpoint: Endpoint,
        store: StationStore,
        send: Callable[[str], None],
        limits: Callable[[], Limits],
        log: Callable[[str], None],
    ) -> None:
        super().__init__(endpoint, store, send, limits, log)
        self.accepted = False  # BootNotification Accepted on this connection's station life
        self.hold = False  # send no new CALL (a hard reset is about to cut the link)
        self.on_sent: Callable[[Outgoing], None] = lambda item: None

    # -- what the station queues ---------------------------------------------------

    def load_queue(self) -> None:
        """Put the transaction messages left on disk (by a previous life) in line."""
        for row in self._store.queued():
            self._pending.append(
                Outgoing(row.action, row.payload, row.seq, row.local_tx, row.attempts)
            )

    def submit(self, action: str, payload: dict[str, Any], **context: Any) -> None:
        """A CALL that is only worth sending on this connection (dropped if it breaks)."""
        self._pending.append(Outgoing(action, payload, context=context))

    def submit_boot(self, payload: dict[str, Any], **context: Any) -> None:
        item = Outgoing("BootNotification", payload, needs_accept=False, context=context)
        self._pending.appendleft(item)

    def submit_transaction(
        self, action: str, payload: dict[str, Any], local_tx: int | None
    ) -> None:
        """A transaction message: on disk first, delivered in order, online or later."""
        seq = self._store.enqueue(action, payload, local_tx)
        self._pending.append(Outgoing(action, payload, seq, local_tx))

    def drop_queue(self) -> int:
        """Forget every queued transaction message (the ``drop_offline_queue`` defect)."""
        for row in self._store.queued():
            if row.action == "StartTransaction" and row.local_tx is not None:
                self._store.mark_lost(row.local_tx)
        self._pending = deque(item for item in self._pending if not item.queued)
        return self._store.clear_queue()

    def reverse_meter_values(self) -> None:
        """Put the queued MeterValues of transactions the Central System knows newest first
        (the ``offline_queue_newest_first`` defect); every other message keeps its place."""
        slots = [
            i
            for i, item in enumerate(self._pending)
            if item.queued
            and item.action == "MeterValues"
            and item.local_tx is not None
            and self._store.real_id(item.local_tx)[0] is not None
        ]
        for i, item in zip(slots, reversed([self._pending[i] for i in slots]), strict=True):
            self._pending[i] = item

    # -- sending -------------------------------------------------------------------

    def pump(self, now: float) -> None:
        """Send the next CALL if the link is free."""
        if not self.online or self.hold or self._in_flight is not None:
            return
        item = self._next(now)
        if item is None:
            return
        self._pending.remove(item)
        payload = self._outgoing_payload(item)
        if payload is None:
            return self.pump(now)
        call = self.endpoint.call(item.action, payload, now, self._limits().call_timeout)
        self._in_flight = (call, item)
        self._send(encode_frame(call))
        self.on_sent(item)

    def _next(self, now: float) -> Outgoing | None:
        transactions_blocked = False
        for item in self._pending:
            if item.needs_accept and not self.accepted:
                continue
            if item.queued and (transactions_blocked or item.not_before > now):
                transactions_blocked = True  # keep transaction messages in order
                continue
            return item
        return None

    def _outgoing_payload(self, item: Outgoing) -> dict[str, Any] | None:
        """``item``'s payload with the real transactionId, or None if it cannot go."""
        if item.local_tx is None or "transactionId" not in item.payload:
            return item.payload
        real, lost = self._store.real_id(item.local_tx)
        if real is None:
            if lost and item.seq is not None:
                self._store.dequeue(item.seq)
                self._log(
                    f"dropped queued {item.action}: the StartTransaction of local "
                    f"transaction {item.local_tx} was never accepted"
                )
                return None
            # Its StartTransaction is still ahead in the queue: should not happen.
            raise AssertionError(f"{item.action} of local transaction {item.local_tx} unmapped")
        return {**item.payload, "transactionId": real}

    def next_deadline(self) -> float | None:
        deadlines = []
        if self._in_flight is not None:
            nxt = self.endpoint.tracker.next_deadline()
            if nxt is not None:
                deadlines.append(nxt)
        elif self.online:
            waiting = [i.not_before for i in self._pending if i.queued and i.not_before > 0]
            if waiting:
                deadlines.append(min(waiting))
        return min(deadlines, default=None)

    # -- receiving -----------------------------------------------------------------

    def _succeeded(self, item: Outgoing, payload: dict[str, Any]) -> Outcome:
        return Outcome(item, payload)

    def _refused(self, item: Outgoing, inbound: Inbound, now: float) -> Outcome:
        frame = inbound.frame
        if isinstance(frame, CallError):
            failure = f"CALLERROR {frame.error_code}: {frame.error_description}"
            return self._failed(item, failure, now, frame.error_code)
        return self._failed(item, f"invalid result: {inbound.error}", now)

    def _failed(
        self, item: Outgoing, failure: str, now: float, error_code: str | None = None
    ) -> Outcome:
        if item.seq is None:
            return Outcome(item, None, failure, error_code=error_code)
        limits = self._limits()
        item.attempts += 1
        if item.attempts >= max(1, limits.attempts):
            self._store.dequeue(item.seq)
            if item.action == "StartTransaction" and item.local_tx is not None:
                self._store.mark_lost(item.local_tx)
            self._log(f"gave up {item.action} after {item.attempts} attempts: {failure}")
            return Outcome(item, None, failure, dropped=True, error_code=error_code)
        self._store.set_attempts(item.seq, item.attempts)
        item.not_before = now + limits.retry_interval * item.attempts
        self._pending.appendleft(item)
        self._log(f"{item.action} attempt {item.attempts} failed ({failure}); will retry")
        return Outcome(item, None, failure, error_code=error_code)

    def give_up(self, item: Outgoing) -> None:
        """Resend the queued ``item`` no more: it leaves the queue and the disk."""
        if item in self._pending:
            self._pending.remove(item)
        if item.seq is not None:
            self._store.dequeue(item.seq)

    def disconnected(self) -> list[Outgoing]:
        """The connection is gone: transaction messages wait, the others are returned."""
        self.accepted = False
        return super().disconnected()
