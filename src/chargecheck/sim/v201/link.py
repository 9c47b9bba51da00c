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
from dataclasses import dataclass, field
from typing import Any

from chargecheck.protocol.endpoint import Inbound
from chargecheck.protocol.frames import CallError, encode_frame
from chargecheck.sim.link_base import LinkBase


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
    def queued(self) -> bool:
        """A transaction message: in the persistent queue, it waits through an outage."""
        return self.kind == "transaction"

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


class Link(LinkBase[Outgoing, Limits, Outcome]):
    # Set on each link by its station; immutable defaults until then.
    registration: str | None = None  # the last BootNotificationResponse status
    ignore_pending = False  # defect boot_ignores_pending
    defects: frozenset[str] = frozenset()  # retry_ignores_interval, retry_beyond_attempts

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

    def queued_for(self, transaction_id: str | None) -> bool:
        """Are TransactionEvents (of ``transaction_id``, or of any transaction) waiting to be
        delivered? The one in flight counts: its answer has not come (use case E14)."""
        items = list(self._pending)
        if self._in_flight is not None:
            items.append(self._in_flight[1])
        return any(
            i.kind == "transaction" and transaction_id in (None, i.transaction_id) for i in items
        )

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
            self._in_flight = (call, item)
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

    def _succeeded(self, item: Outgoing, payload: dict[str, Any]) -> Outcome:
        return Outcome(item, payload)

    def _refused(self, item: Outgoing, inbound: Inbound, now: float) -> Outcome:
        frame = inbound.frame
        if isinstance(frame, CallError):
            return self._failed(item, f"CALLERROR {frame.error_code}", now)
        return self._failed(item, f"invalid answer: {inbound.error}", now)

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
